// A benchmark's results: rows of repeated measurements, printed as a table of medians and ratios against
// courier, and written to bench/results/<area>.json in the format DESIGN.md gives.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type Better = 'higher' | 'lower';

export interface Row {
  readonly case: string;
  readonly impl: string;
  readonly metric: string;
  readonly unit: string;
  readonly better: Better;
  readonly median: number;
  readonly runs: number[];
}

/** Median of the runs (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The p-th percentile (0..100) by nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

const resultsDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');

export class BenchReport {
  readonly rows: Row[] = [];

  constructor(
    readonly area: string,
    readonly quick: boolean,
  ) {}

  /** Records one measured series; the median is computed here. */
  add(row: Omit<Row, 'median'>): Row {
    const full = { ...row, median: median(row.runs) };
    this.rows.push(full);
    return full;
  }

  /** The ratio of an implementation's median to courier's for the same case and metric, oriented so >1 means courier is better. */
  courierAdvantage(row: Row): number | undefined {
    const ours = this.rows.find((r) => r.impl === 'courier' && r.case === row.case && r.metric === row.metric);
    if (!ours || row.impl === 'courier') return undefined;
    return row.better === 'higher' ? ours.median / row.median : row.median / ours.median;
  }

  /** The table of medians, with courier's advantage over each peer (courier ÷ peer, >1 is better). */
  table(): string {
    const header = ['case', 'impl', 'metric', 'median', 'unit', 'runs', 'courier vs peer'];
    const lines = this.rows.map((r) => {
      const adv = this.courierAdvantage(r);
      return [r.case, r.impl, r.metric, formatNumber(r.median), r.unit, String(r.runs.length), adv === undefined ? '' : `${adv.toFixed(2)}x`];
    });
    const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
    const fmt = (cells: string[]) => cells.map((c, i) => (i === 3 || i === 6 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
    const rule = widths.map((w) => '─'.repeat(w)).join('  ');
    return [fmt(header), rule, ...lines.map(fmt)].join('\n');
  }

  /** Writes bench/results/<area>.json and returns its path. */
  write(): string {
    const file = join(resultsDir, `${this.area}.json`);
    mkdirSync(dirname(file), { recursive: true });
    const doc = { area: this.area, date: new Date().toISOString(), node: process.version, quick: this.quick, rows: this.rows };
    writeFileSync(file, JSON.stringify(doc, null, 2) + '\n');
    return file;
  }
}

function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  return n.toPrecision(4);
}

/** Prints progress on standard error, so the table on standard output stays clean. */
export function progress(line: string): void {
  process.stderr.write(`· ${line}\n`);
}
