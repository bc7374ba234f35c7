import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { listen } from '../../src/net/tcp.ts';
import { fixture } from './helpers.ts';

// Without courier's launcher (as under `mpirun` from Open MPI, or `srun`): the ranks come from
// OMPI_COMM_WORLD_* and rank 0 serves the rendezvous at COURIER_RENDEZVOUS.
test('ranks started by another launcher (Open MPI variables) meet at a rendezvous served by rank 0', async (t) => {
  const probe = await listen('tcp://127.0.0.1:0'); // find a free port for the rendezvous
  const address = probe.address;
  await probe.close();
  if (address.transport !== 'tcp') throw new Error('expected a tcp address');
  const children = [0, 1, 2].map((rank) =>
    spawn(process.execPath, ['--import', 'tsx', fixture('collectives.ts')], {
      env: { ...process.env, OMPI_COMM_WORLD_RANK: String(rank), OMPI_COMM_WORLD_SIZE: '3', COURIER_RENDEZVOUS: `tcp://127.0.0.1:${address.port}` },
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  t.after(() => children.forEach((c) => c.exitCode === null && c.kill('SIGKILL')));
  let output = '';
  children[0]!.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const codes = await Promise.all(children.map(async (c) => (c.exitCode ?? (await once(c, 'exit'))[0]) as number | null));
  assert.deepEqual(codes, [0, 0, 0], output);
  assert.match(output, /ok reduce and allreduce with every predefined op/);
});
