const mod = await import(`./tests/ports/ts/${process.argv[2]}.ts`);
await mod.main((...a: unknown[]) => console.log(...a));
