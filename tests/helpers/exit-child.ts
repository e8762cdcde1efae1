/**
 * Child process for the process.exit test: starts an async save of a large checkpoint
 * and calls process.exit(3) as soon as its temporary file holds some bytes, printing
 * the temporary file's name first. flint's exit hook must delete that file.
 */
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as torch from '../../src/index.js';

const file = process.argv[2];
const big = torch.rand(Number(process.argv[3] ?? 32 * 1024 * 1024));
const dir = dirname(file);
void torch.save({ big }, file);
const poll = setInterval(() => {
  const temporary = readdirSync(dir).find((f) => f.endsWith('.flint-tmp'));
  if (temporary !== undefined && statSync(join(dir, temporary)).size > 0) {
    clearInterval(poll);
    process.stdout.write(`${temporary}\n`);
    process.exit(3);
  }
}, 1);
