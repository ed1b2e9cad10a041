import 'reflect-metadata';
import { readdirSync } from 'node:fs';

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
for (const suite of wanted.length ? wanted : suites) {
  const { default: run } = (await import(`./suites/${suite}.bench.ts`)) as { default: () => Promise<void> };
  await run();
}
process.exit(0);
