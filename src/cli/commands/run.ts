import { parseHosts } from '../../mpi/hosts.ts';
import { launch } from '../../mpi/launcher.ts';
import { parseDuration, parseFlags, UsageError, type Command } from '../command.ts';

const help = `Usage: courier run -n N [--tcp] [--threads] [--hosts H:N,...] [--ssh CMD] PROGRAM [ARGS...]
       (alias: courier mpirun)

Starts an MPI job of N ranks, each running PROGRAM (.js, or .ts through tsx) with ARGS. Ranks find each
other through a rendezvous served by this command and talk over Unix domain sockets (--tcp: TCP on
127.0.0.1). With --hosts, ranks fill the listed hosts in order and those on other machines are started
over ssh, in the same directory (a shared file system, as with Open MPI), talking over TCP. Every line a rank prints is prefixed with its rank: "[2] ...". SIGINT and SIGTERM are passed
on to the ranks. If a rank fails, the others are ended and this command exits non-zero naming the rank
and why (its exit code, or 128 + the signal number that killed it).

Options:
  -n, --np N     number of ranks (default 1)
  --tcp          connect the ranks of this host over TCP on 127.0.0.1 instead of Unix domain sockets
  --ipc          Unix domain sockets (the default on one host; kept for scripts that name it)
  --threads      run the ranks as worker threads of one process, talking through shared memory
  --kill-grace D after asking ranks to end, kill them after D (default 2s)
  --hosts LIST   hosts and slots, such as node1:4,node2:4 (a host without :N has one slot);
                 localhost and this machine's name start ranks directly, others through ssh
  --ssh CMD      the ssh command and its options (default "ssh -o BatchMode=yes"), split on spaces

Examples:
  courier run -n 4 examples/mpi/pi.ts
  courier mpirun -n 3 examples/mpi/ring.ts
  courier run -n 8 --threads examples/mpi/pi.ts 100000000
  courier run -n 4 --hosts node1:2,node2:2 --ssh "ssh -p 2222" examples/mpi/pi.ts`;

async function runJob(argv: string[], io: Parameters<Command['run']>[1]): Promise<number> {
  // Flags end at the program: everything after it belongs to the program.
  const at = argv.findIndex((a, i) => !a.startsWith('-') && !['-n', '--np', '--kill-grace', '--hosts', '--ssh'].includes(argv[i - 1] ?? ''));
  const own = at < 0 ? argv : argv.slice(0, at);
  const { values } = parseFlags(own, { np: { type: 'string', short: 'n' }, ipc: { type: 'boolean' }, tcp: { type: 'boolean' }, threads: { type: 'boolean' }, 'kill-grace': { type: 'string' }, hosts: { type: 'string' }, ssh: { type: 'string' } });
  if (at < 0) throw new UsageError('expected a PROGRAM to run, such as examples/mpi/pi.ts');
  if (values.tcp && values.ipc) throw new UsageError('--tcp and --ipc exclude each other');
  const np = Number(values.np ?? '1');
  if (!Number.isInteger(np) || np < 1) throw new UsageError(`-n: expected a positive integer, got '${values.np}'`);
  const grace = values['kill-grace'] === undefined ? undefined : parseDuration(values['kill-grace'], '--kill-grace');
  const hosts = values.hosts === undefined ? undefined : parseHosts(values.hosts);
  const ssh = values.ssh?.split(' ').filter((w) => w !== '');
  if (ssh !== undefined && ssh.length === 0) throw new UsageError('--ssh: expected a command, such as "ssh -p 2222"');
  const result = await launch({
    np,
    program: argv[at]!,
    args: argv.slice(at + 1),
    // Unset: the launcher's default, Unix domain sockets when every rank is on this host, TCP otherwise.
    net: values.tcp ? 'tcp' : values.ipc ? 'ipc' : undefined,
    threads: values.threads === true,
    forwardSignals: true,
    signal: io.signal,
    ...(grace === undefined ? {} : { killGraceMs: grace }),
    ...(hosts ? { hosts } : {}),
    ...(ssh ? { ssh } : {}),
    onLine: (rank, stream, line) => (stream === 'stdout' ? io.stdout : io.stderr).write(`[${rank}] ${line}\n`),
  });
  if (result.exitCode !== 0) io.stderr.write(`courier run: ${result.summary}\n`);
  return result.exitCode;
}

export const runCommand: Command = { name: 'run', summary: 'start an MPI job: N ranks of a program, output prefixed by rank', help, run: runJob };

export const mpirunCommand: Command = { name: 'mpirun', summary: 'alias of run', help, run: runJob };
