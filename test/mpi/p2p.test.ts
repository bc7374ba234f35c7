import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { launch, type JobResult } from '../../src/mpi/launcher.ts';
import { fixture } from './helpers.ts';

// One job of 3 processes runs every point-to-point check (test/mpi/fixtures/p2p.ts); each rule below is
// one of its checks, reported by rank 0 as `ok NAME` after every rank passed it.
let result: JobResult;
const lines: string[] = [];

before(async () => {
  result = await launch({ np: 3, program: fixture('p2p.ts'), onLine: (rank, _s, line) => lines.push(`[${rank}] ${line}`), killGraceMs: 500 });
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

for (const rule of rules) {
  test(`point-to-point between real ranks: ${rule}`, () => {
    assert.ok(lines.includes(`[0] ok ${rule}`), `not passed; the job said:\n${lines.filter((l) => !l.includes('] ok ')).join('\n')}\n${result.summary}`);
  });
}

test('the point-to-point job ends with every rank exiting 0', () => {
  assert.equal(result.exitCode, 0, result.summary);
});
