import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { listen } from '../../src/net/tcp.ts';
import { fixture } from './helpers.ts';

const run = promisify(execFile);

function hasMpirun(): boolean {
  try {
    return /Open MPI/.test(execFileSync('mpirun', ['--version'], { encoding: 'utf8' }));
  } catch {
    return false; // not installed: the test below says so and skips
  }
}

// Open MPI's own launcher starts the ranks; courier takes rank and size from OMPI_COMM_WORLD_* and rank 0
// serves the rendezvous. Needs Debian's openmpi-bin.
test('mpirun -n 4 node app.ts (Open MPI) runs a courier job', { skip: hasMpirun() ? false : 'Open MPI mpirun is not installed (apt-get install openmpi-bin)' }, async () => {
  const probe = await listen('tcp://127.0.0.1:0'); // a free port for the rendezvous
  const address = probe.address;
  await probe.close();
  if (address.transport !== 'tcp') throw new Error('expected a tcp address');
  const args = ['--allow-run-as-root', '--oversubscribe', '-n', '4', '-x', `COURIER_RENDEZVOUS=tcp://127.0.0.1:${address.port}`, process.execPath, '--import', 'tsx', fixture('collectives.ts')];
  const { stdout } = await run('mpirun', args, { timeout: 60_000, killSignal: 'SIGKILL' });
  assert.match(stdout, /ok reduce and allreduce with every predefined op/);
  assert.match(stdout, /ok collectives on split communicators do not mix/);
  assert.doesNotMatch(stdout, /FAIL/);
});
