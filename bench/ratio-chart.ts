/** One bar: ours / a peer's throughput in one report of one suite. */
export interface ChartRow {
  suite: string;
  /** The report (table) the ratio comes from. */
  group: string;
  label: string;
  ratio: number;
}

const ROW = 18;
const LABEL_WIDTH = 600;
const PLOT_WIDTH = 360;
// A log scale from 1/8× to 32×: the peer (1.0) sits at two fifths of the plot.
const MIN = Math.log2(1 / 8);
const MAX = Math.log2(32);

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const x = (ratio: number) => LABEL_WIDTH + ((Math.min(MAX, Math.max(MIN, Math.log2(ratio))) - MIN) / (MAX - MIN)) * PLOT_WIDTH;

/**
 * A horizontal bar chart of ratios, grouped by suite and report, on a log scale with the
 * peers' 1.0 as a vertical line: bars right of it (green) are ahead, left of it (red) behind.
 * Plain SVG text, no dependency.
 */
export function ratioChart(rows: ChartRow[], title: string): string {
  const parts: string[] = [];
  let y = 40;
  let group = '';
  for (const row of rows) {
    const heading = `${row.suite}: ${row.group}`;
    if (heading !== group) {
      group = heading;
      y += 8;
      parts.push(`<text x="8" y="${y + 12}" font-weight="bold">${escape(heading)}</text>`);
      y += ROW;
    }
    const [from, to] = [x(Math.min(1, row.ratio)), x(Math.max(1, row.ratio))];
    const color = row.ratio >= 1 ? '#2e7d32' : '#c62828';
    parts.push(
      `<text x="${LABEL_WIDTH - 8}" y="${y + 12}" text-anchor="end">${escape(row.label.length > 100 ? row.label.slice(0, 99) + '…' : row.label)}</text>`,
      `<rect x="${from.toFixed(1)}" y="${y + 3}" width="${Math.max(1, to - from).toFixed(1)}" height="${ROW - 6}" fill="${color}"/>`,
      `<text x="${(to + 4).toFixed(1)}" y="${y + 12}">${row.ratio.toFixed(2)}×</text>`,
    );
    y += ROW;
  }
  const height = y + 30;
  const ticks = [0.125, 0.25, 0.5, 1, 2, 4, 8, 16, 32].map(
    (t) => `<line x1="${x(t)}" y1="34" x2="${x(t)}" y2="${y}" stroke="${t === 1 ? '#000' : '#ddd'}"/><text x="${x(t)}" y="${y + 16}" text-anchor="middle">${t}×</text>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${LABEL_WIDTH + PLOT_WIDTH + 60}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="8" y="20" font-size="13" font-weight="bold">${escape(title)}</text>`,
    ...ticks,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
