// Timing encoders and decoders side by side: every codec benchmark (CDR, XML, JSON, protobuf, Java) measures
// groups of implementations of one workload the same way, interleaved, and reports the same rows.
import { progress, type BenchReport } from './report.ts';

/** One implementation of a workload: an encode and a decode of the same value, and its encoded size. */
export type Impl = { impl: string; encode: () => unknown; decode: () => unknown; size: number };

/** The implementations compared on one workload, `case` naming it (`person cdr`). */
export type CodecGroup = { case: string; impls: Impl[] };

/** Operations per second of `f`, timed over about `ms` milliseconds in doubling batches. */
export function opsPerSecond(f: () => unknown, ms: number): number {
  let batch = 1;
  let n = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < batch; i++) f();
    n += batch;
    elapsed = performance.now() - start;
    if (elapsed < ms / 20) batch *= 2;
  }
  return (n / elapsed) * 1000;
}

/** Runs and slice length (ms) of one measurement: fewer and shorter with --quick. */
export function timing(quick: boolean): { runs: number; slice: number } {
  return quick ? { runs: 3, slice: 120 } : { runs: 7, slice: 300 };
}

/** Adds `CASE encode|decode` throughput and `CASE size` rows for every implementation of every group. */
export function measureCodecGroups(report: BenchReport, groups: readonly CodecGroup[], quick: boolean): void {
  const { runs, slice } = timing(quick);
  for (const g of groups) {
    for (const op of ['encode', 'decode'] as const) {
      const series = new Map<string, number[]>();
      for (const impl of g.impls) opsPerSecond(impl[op], slice / 2); // warm up every implementation first
      for (let r = 0; r < runs; r++) {
        progress(`${g.case} ${op}: run ${r + 1}/${runs}`);
        // Interleaved, so drift on a noisy machine hits every implementation alike.
        for (const impl of g.impls) {
          const list = series.get(impl.impl) ?? [];
          list.push(opsPerSecond(impl[op], slice));
          series.set(impl.impl, list);
        }
      }
      for (const impl of g.impls) report.add({ case: `${g.case} ${op}`, impl: impl.impl, metric: 'throughput', unit: 'ops/s', better: 'higher', runs: series.get(impl.impl)! });
    }
    for (const impl of g.impls) report.add({ case: `${g.case} size`, impl: impl.impl, metric: 'size', unit: 'bytes', better: 'lower', runs: [impl.size] });
  }
}
