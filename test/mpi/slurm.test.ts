import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { listen } from '../../src/net/tcp.ts';
import { fixture } from './helpers.ts';

const run = promisify(execFile);
const tools = ['munged', 'mungekey', 'slurmctld', 'slurmd', 'srun', 'sinfo'];

// Why this machine cannot run a one-host Slurm, or undefined if it can.
function missing(): string | undefined {
  if (process.getuid?.() !== 0) return 'a one-host Slurm needs root (slurmd runs the job steps)';
  const absent = tools.filter((tool) => {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true; // not on PATH
    }
  });
  return absent.length ? `not installed: ${absent.join(', ')} (apt-get install slurmd slurmctld slurm-client munge)` : undefined;
}

async function freePort(): Promise<number> {
  const probe = await listen('tcp://127.0.0.1:0');
  const address = probe.address;
  await probe.close();
  if (address.transport !== 'tcp') throw new Error('expected a tcp address');
  return address.port;
}

// Starts a daemon in the foreground; it is ended after the test whatever happens.
function daemon(t: TestContext, command: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let errors = '';
  child.stderr!.on('data', (chunk: Buffer) => (errors = (errors + chunk.toString()).slice(-2000)));
  t.after(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await gone;
    clearTimeout(timer);
  });
  child.once('exit', (code) => code && process.stderr.write(`${command} exited with ${code}: ${errors}\n`));
  return child;
}

const reason = missing();
if (reason) process.stderr.write(`test/mpi/slurm.test.ts: skipping the Slurm test: ${reason}\n`);

// A one-host Slurm (munged, slurmctld, slurmd), configured in a temporary directory, runs a 4-rank courier
// job with srun: ranks come from SLURM_PROCID/SLURM_NTASKS, rank 0 serves the rendezvous.
test('srun -n 4 runs a courier job under a real one-host Slurm with munge', { skip: reason ?? false, timeout: 90_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'courier-slurm-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const d of ['state', 'spool', 'log']) mkdirSync(join(dir, d));
  const key = join(dir, 'munge.key');
  const socket = join(dir, 'munge.sock');
  execFileSync('mungekey', ['--create', `--keyfile=${key}`]);
  const [ctldPort, dPort, rendezvousPort] = [await freePort(), await freePort(), await freePort()];
  const node = hostname();
  const conf = join(dir, 'slurm.conf');
  writeFileSync(
    conf,
    [
      'ClusterName=courier',
      `SlurmctldHost=${node}(127.0.0.1)`,
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${dPort}`,
      'AuthType=auth/munge',
      `AuthInfo=socket=${socket}`,
      'CredType=cred/munge',
      'SlurmUser=root',
      'SlurmdUser=root',
      `StateSaveLocation=${join(dir, 'state')}`,
      `SlurmdSpoolDir=${join(dir, 'spool')}`,
      `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`,
      `SlurmdPidFile=${join(dir, 'slurmd.pid')}`,
      `SlurmctldLogFile=${join(dir, 'log', 'slurmctld.log')}`,
      `SlurmdLogFile=${join(dir, 'log', 'slurmd.log')}`,
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_Core',
      'MpiDefault=none',
      'ReturnToService=2',
      'JobCompType=jobcomp/none',
      'JobAcctGatherType=jobacct_gather/none',
      'AccountingStorageType=accounting_storage/none',
      'SwitchType=switch/none',
      `NodeName=${node} NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN`,
      'PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4',
      '',
    ].join('\n'),
  );
  const env = { ...process.env, SLURM_CONF: conf };
  daemon(t, 'munged', ['-F', '--force', `--key-file=${key}`, `--socket=${socket}`, `--pid-file=${join(dir, 'munged.pid')}`, `--log-file=${join(dir, 'munged.log')}`, `--seed-file=${join(dir, 'munge.seed')}`], env);
  daemon(t, 'slurmctld', ['-D', '-i', '-f', conf], env);
  daemon(t, 'slurmd', ['-D', '-f', conf], env);
  // Wait (bounded) for the node to be idle: the daemons found each other through munge.
  const deadline = performance.now() + 30_000;
  for (;;) {
    const state = await run('sinfo', ['-h', '-o', '%T'], { env }).then((r) => r.stdout.trim(), () => '');
    if (state === 'idle') break;
    if (performance.now() > deadline) assert.fail(`the Slurm node never became idle (last state '${state}')`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const { stdout } = await run('srun', ['-n', '4', '--overcommit', '--export=ALL', process.execPath, '--import', 'tsx', fixture('collectives.ts')], {
    env: { ...env, COURIER_RENDEZVOUS: `tcp://127.0.0.1:${rendezvousPort}` },
    timeout: 60_000,
    killSignal: 'SIGKILL',
  });
  assert.match(stdout, /ok reduce and allreduce with every predefined op/);
  assert.match(stdout, /ok collectives on split communicators do not mix/);
  assert.doesNotMatch(stdout, /FAIL/);
});
