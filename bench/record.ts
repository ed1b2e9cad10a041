import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { ratioChart, type ChartRow } from './ratio-chart.js';

/**
 * What `npm run bench` keeps of a run: each suite's printed output, and the ratios its
 * reports computed (ours / a peer's; the peer is 1.0). At the end of the run they go into a
 * new section at the top of bench/RESULTS.md, bench/ratios.json (the latest ratios of every
 * suite, merged with earlier runs of the other suites) and bench/ratios.svg, drawn from it.
 */
interface SuiteRecord {
  name: string;
  output: string[];
  ratios: ChartRow[];
  loadBefore: number;
}

const suites: SuiteRecord[] = [];
const here = (file: string) => new URL(file, import.meta.url);

export function beginSuite(name: string): void {
  suites.push({ name, output: [], ratios: [], loadBefore: loadavg()[0] });
}

/** Records a printed line of the current suite. */
export function captureLine(line: string): void {
  suites.at(-1)?.output.push(line);
}

/** Records `ratio` (ours / the peer's, higher is better) for the chart under `group`. */
export function noteRatio(group: string, label: string, ratio: number): void {
  if (Number.isFinite(ratio)) suites.at(-1)?.ratios.push({ suite: suites.at(-1)!.name, group, label, ratio });
}

/** Writes the run into RESULTS.md, ratios.json and ratios.svg. */
export function writeRun(command: string): void {
  if (suites.length === 0) return;
  const date = new Date().toISOString().replace('T', ' ').slice(0, 16);
  const loads = suites.map((s) => `${s.name} ${s.loadBefore.toFixed(1)}`).join(', ');
  const section = [
    `## ${date} UTC: \`${command}\``,
    '',
    `Written by \`npm run bench\`. Load average (1 min) when each suite started: ${loads}; at the end ${loadavg()[0].toFixed(1)}.`,
    '',
    ...suites.flatMap((s) => [...s.output, '']),
  ].join('\n');
  const results = readFileSync(here('./RESULTS.md'), 'utf8');
  const first = results.indexOf('\n## ');
  writeFileSync(here('./RESULTS.md'), first < 0 ? `${results}\n${section}\n` : `${results.slice(0, first + 1)}${section}\n${results.slice(first + 1)}`);

  let latest: Record<string, { date: string; rows: ChartRow[] }> = {};
  try {
    latest = JSON.parse(readFileSync(here('./ratios.json'), 'utf8')) as typeof latest;
  } catch {
    // first run: no earlier ratios
  }
  for (const s of suites) if (s.ratios.length > 0) latest[s.name] = { date, rows: s.ratios };
  writeFileSync(here('./ratios.json'), JSON.stringify(latest, null, 2) + '\n');
  const rows = Object.values(latest).flatMap((s) => s.rows);
  const dates = [...new Set(Object.values(latest).map((s) => s.date.slice(0, 10)))].sort();
  writeFileSync(here('./ratios.svg'), ratioChart(rows, `nestjs-rediskit / peer, throughput (peer = 1.0), runs of ${dates.join(', ')}`));
}
