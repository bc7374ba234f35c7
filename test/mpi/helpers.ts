// Running real MPI jobs from tests: the launcher library, output collected per rank, and cleanup that
// ends every rank even when a test fails.
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startJob, type Job, type JobResult, type LaunchOptions } from '../../src/mpi/launcher.ts';

/** A fixture program under test/mpi/fixtures. */
export const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

export interface RunningJob {
  readonly job: Job;
  /** Every line, as `[rank] line`, in arrival order. */
  readonly lines: string[];
  readonly result: Promise<JobResult>;
  /** Resolves when some line matches `pattern` (checked against past lines too). */
  waitForLine(pattern: RegExp, count?: number): Promise<void>;
}

/** Starts a job whose ranks are ended after the test, whatever happens. */
export async function runJob(t: TestContext, options: Omit<LaunchOptions, 'onLine'>): Promise<RunningJob> {
  const lines: string[] = [];
  const watchers: (() => void)[] = [];
  const job = await startJob({
    ...options,
    onLine: (rank, _stream, line) => {
      lines.push(`[${rank}] ${line}`);
      for (const w of [...watchers]) w();
    },
  });
  t.after(async () => {
    job.stop();
    await job.result;
  });
  const waitForLine = (pattern: RegExp, count = 1) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (lines.filter((l) => pattern.test(l)).length < count) return;
        watchers.splice(watchers.indexOf(check), 1);
        resolve();
      };
      watchers.push(check);
      check();
    });
  return { job, lines, result: job.result, waitForLine };
}
