// How a job ended, in one value and one line for people; shared by the process and thread launchers.
import { constants } from 'node:os';
import type { JobResult, RankExit } from './launcher.ts';

export interface Failure {
  rank: number;
  reason: string;
  /** The job's exit code when it is known before the rank exits (abort). */
  code?: number;
}

/** The job result from how each rank ended and the first failure. */
export function summarize(np: number, ranks: readonly RankExit[], failure: Failure | undefined): JobResult {
  if (!failure) return { exitCode: 0, ranks, summary: `${np} rank${np === 1 ? '' : 's'} exited 0` };
  const failed = ranks[failure.rank];
  const exitCode = failure.code !== undefined ? failure.code : failed ? (failed.signal ? 128 + (constants.signals[failed.signal] ?? 0) : failed.code ?? 1) : 130;
  const ended = ranks.filter((r) => r.ended).map((r) => r.rank);
  const who = failure.rank >= 0 ? `rank ${failure.rank} failed: ${failure.reason}` : failure.reason;
  return { exitCode: exitCode === 0 ? 1 : exitCode, failure: { rank: failure.rank, reason: failure.reason }, ranks, summary: `${who}${ended.length ? `; ended rank${ended.length === 1 ? '' : 's'} ${ended.join(', ')}` : ''}` };
}

// The line of a rank's error output that says what went wrong: the last "…Error: message" line, else the
// last line that is neither a stack frame nor Node's version footer.
export function errorLine(tail: readonly string[]): string | undefined {
  const useful = tail.map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('at ') && !/^Node\.js v\d/.test(l));
  for (let i = useful.length - 1; i >= 0; i--) if (/\b\w*(Error|Exception)\b/.test(useful[i]!)) return useful[i];
  return useful[useful.length - 1];
}
