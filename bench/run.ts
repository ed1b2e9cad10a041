import 'reflect-metadata';
import { readdirSync } from 'node:fs';
import { format } from 'node:util';
import { beginSuite, captureLine, writeRun } from './record.js';

// `npm run bench <suite>`: runs bench/suites/<suite>.bench.ts (all suites when none is named).
const suites = readdirSync(new URL('./suites', import.meta.url)).filter((f) => f.endsWith('.bench.ts')).map((f) => f.replace('.bench.ts', ''));
const wanted = process.argv.slice(2);
const unknown = wanted.filter((s) => !suites.includes(s));
if (unknown.length > 0) {
  console.error(`Unknown suite(s): ${unknown.join(', ')}. Suites: ${suites.join(', ')}`);
  process.exit(2);
}
process.env.NODE_ENV ??= 'production';
console.log(`# nestjs-rediskit benchmarks, ${new Date().toISOString().slice(0, 10)}, node ${process.version}\n`);
// Everything a suite prints also goes into bench/RESULTS.md (BENCH_WRITE=0: print only).
const print = console.log.bind(console);
console.log = (...args: unknown[]) => {
  print(...args);
  captureLine(format(...args));
};
for (const suite of wanted.length ? wanted : suites) {
  const { default: run } = (await import(`./suites/${suite}.bench.ts`)) as { default: () => Promise<void> };
  beginSuite(suite);
  await run();
}
// The recorded command names every setting that changes the run (the HTTP suite's adapter and rounds too).
const settings = ['BENCH_ADAPTER', 'BENCH_MS', 'BENCH_ROUNDS'].filter((name) => process.env[name]).map((name) => `${name}=${process.env[name]}`);
if (process.env.BENCH_WRITE !== '0') writeRun([...settings, 'npm run bench', ...wanted].join(' '));
process.exit(0);
