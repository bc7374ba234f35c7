import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { launch, type JobResult } from '../../src/mpi/launcher.ts';
import { fixture } from './helpers.ts';

// One job of 3 ranks runs every point-to-point check (test/mpi/fixtures/p2p.ts), once as processes and
// once as threads; each rule below is one of its checks, reported by rank 0 as `ok NAME` after every rank
// passed it.
const runs = { processes: { result: undefined as JobResult | undefined, lines: [] as string[] }, threads: { result: undefined as JobResult | undefined, lines: [] as string[] } };

before(async () => {
  await Promise.all(
    (['processes', 'threads'] as const).map(async (kind) => {
      const run = runs[kind];
      run.result = await launch({ np: 3, program: fixture('p2p.ts'), threads: kind === 'threads', onLine: (rank, _s, line) => run.lines.push(`[${rank}] ${line}`), killGraceMs: 500, signal: AbortSignal.timeout(50_000) });
    }),
  );
});

const rules = [
  'non-overtaking',
  'wildcards',
  'synchronous send completes only after the receive started',
  'buffered send: attach, overflow error, detach',
  'ready send without a posted receive fails at the sender',
  'probe, then receive into a buffer sized from the status',
  'cancel a receive that has not matched',
  'rendezvous: a large message is not buffered at the receiver before its receive',
  'requests: waitAll, waitAny, waitSome, testAll',
  'sendrecv around a ring with large messages does not deadlock; typed arrays keep their type',
  'communicators: messages of a dup never match the original',
];

for (const kind of ['processes', 'threads'] as const) {
  for (const rule of rules) {
    test(`point-to-point between ranks as ${kind}: ${rule}`, () => {
      const { lines, result } = runs[kind];
      assert.ok(lines.includes(`[0] ok ${rule}`), `not passed; the job said:\n${lines.filter((l) => !l.includes('] ok ')).join('\n')}\n${result?.summary}`);
    });
  }
  test(`the point-to-point job of ${kind} ends with every rank exiting 0`, () => {
    assert.equal(runs[kind].result?.exitCode, 0, runs[kind].result?.summary);
  });
}
