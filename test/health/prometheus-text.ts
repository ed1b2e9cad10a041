/** One sample line of the Prometheus text format. */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface PromFamily {
  name: string;
  type: string;
  help: string;
  samples: PromSample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: (-?\\d+))?$`);
const PAIR = new RegExp(`^(${LABEL})="((?:[^"\\\\\\n]|\\\\[\\\\"n])*)"(,|$)`);
const SUFFIXES: Record<string, string[]> = { histogram: ['_bucket', '_sum', '_count'], summary: ['', '_sum', '_count'] };

/**
 * A strict parser of the Prometheus text exposition format 0.0.4: throws on any line that a
 * Prometheus server would reject (bad names, labels, escapes, values, samples without or
 * before their TYPE, non-cumulative histogram buckets).
 */
export function parsePrometheusText(text: string): Map<string, PromFamily> {
  const families = new Map<string, PromFamily>();
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  lines.forEach((line, i) => {
    const fail = (why: string) => {
      throw new Error(`line ${i + 1}: ${why}: ${JSON.stringify(line)}`);
    };
    if (line === '') return;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta;
      if (!new RegExp(`^${NAME}$`).test(name)) fail('bad metric name');
      const family = families.get(name) ?? { name, type: 'untyped', help: '', samples: [] };
      if (kind === 'TYPE') {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) fail('bad type');
        if (family.samples.length) fail('TYPE after samples');
        family.type = rest;
      } else family.help = rest;
      families.set(name, family);
      return;
    }
    if (line.startsWith('#')) return;
    const m = SAMPLE.exec(line);
    if (!m) fail('not a sample');
    const [, name, rawLabels, rawValue] = m!;
    const labels: Record<string, string> = {};
    let rest = rawLabels ?? '';
    while (rest.length) {
      const pair = PAIR.exec(rest);
      if (!pair) fail('bad label');
      if (labels[pair![1]] !== undefined) fail('duplicate label');
      labels[pair![1]] = pair![2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      rest = rest.slice(pair![0].length);
    }
    const value = rawValue === '+Inf' ? Infinity : rawValue === '-Inf' ? -Infinity : rawValue === 'NaN' ? NaN : Number(rawValue);
    if (!/^(\+Inf|-Inf|NaN|[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?)$/.test(rawValue)) fail('bad value');
    const family = [...families.values()].find((f) => (SUFFIXES[f.type] ?? ['']).some((s) => f.name + s === name));
    if (!family) fail('sample without TYPE');
    if (family!.type === 'histogram' && name.endsWith('_bucket') && labels.le === undefined) fail('bucket without le');
    family!.samples.push({ name, labels, value });
  });
  for (const family of families.values()) if (family.type === 'histogram') checkBuckets(family);
  return families;
}

function checkBuckets(family: PromFamily): void {
  const series = new Map<string, PromSample[]>();
  for (const s of family.samples) {
    if (!s.name.endsWith('_bucket')) continue;
    const { le, ...rest } = s.labels;
    const id = JSON.stringify(rest);
    series.set(id, [...(series.get(id) ?? []), s]);
  }
  for (const [id, buckets] of series) {
    let previous = -Infinity;
    let count = 0;
    for (const b of buckets) {
      if (Number(b.labels.le === '+Inf' ? Infinity : b.labels.le) < previous) throw new Error(`${family.name}${id}: buckets out of order`);
      if (b.value < count) throw new Error(`${family.name}${id}: buckets not cumulative`);
      previous = b.labels.le === '+Inf' ? Infinity : Number(b.labels.le);
      count = b.value;
    }
    const total = family.samples.find((s) => s.name === `${family.name}_count` && JSON.stringify(s.labels) === id);
    if (buckets.at(-1)?.labels.le !== '+Inf' || total?.value !== count) throw new Error(`${family.name}${id}: +Inf bucket does not equal _count`);
  }
}

/** The sum of the samples `name` whose labels include `labels` (0 when none). */
export function sampleValue(families: Map<string, PromFamily>, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const family of families.values()) {
    for (const s of family.samples) {
      if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) sum += s.value;
    }
  }
  return sum;
}
