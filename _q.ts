import { main } from './tests/ports/ts/tutorial_tensors.js';
import { comparePrinted } from './tests/ports/compare.js';
import { readFileSync } from 'node:fs';
const name = process.argv[2];
const mod = await import(`./tests/ports/ts/${name}.ts`);
const printed: string[] = [];
await mod.main((...a: unknown[]) => printed.push(...a.map(String).join(' ').split('\n')));
const exp = JSON.parse(readFileSync('tests/fixtures/ports.json', 'utf8'))[name];
console.log(comparePrinted(printed, exp).join('\n') || 'MATCH');
