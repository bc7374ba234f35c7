// A throwaway OpenSSH server for the --hosts test: its own host key, one authorized client key, listening on
// loopback addresses that stand for separate hosts (127.0.0.2, 127.0.0.3, …), all in a temporary directory.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SSHD = '/usr/sbin/sshd';

/** Why this machine cannot run the test sshd, or undefined if it can. */
export function sshdUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'sshd for the --hosts test needs root (CI runs as root)';
  if (!existsSync(SSHD)) return 'sshd is not installed (apt-get install openssh-server; CI installs it)';
  try {
    execFileSync('sh', ['-c', 'command -v ssh && command -v ssh-keygen'], { stdio: 'ignore' });
  } catch {
    return 'ssh or ssh-keygen is not installed (apt-get install openssh-client)';
  }
  return undefined;
}

export interface TestSshd {
  /** The ssh command line that logs in to this server without prompts: pass as LaunchOptions.ssh. */
  readonly ssh: string[];
  stop(): Promise<void>;
}

/** Starts sshd on `port` of each of `addresses` and waits until it accepts connections. */
export async function startSshd(addresses: readonly string[], port: number): Promise<TestSshd> {
  const dir = mkdtempSync(join(tmpdir(), 'courier-sshd-'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'client_key')]);
  execFileSync('cp', [join(dir, 'client_key.pub'), join(dir, 'authorized_keys')]);
  mkdirSync('/run/sshd', { recursive: true }); // sshd's privilege-separation directory
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      ...addresses.map((a) => `ListenAddress ${a}`),
      `HostKey ${join(dir, 'host_key')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'LogLevel ERROR',
    ].join('\n') + '\n',
  );
  const child: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let errors = '';
  child.stderr!.on('data', (c: Buffer) => (errors = (errors + c.toString()).slice(-2000)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await gone;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (const address of addresses) {
    if (!(await accepts(address, port, 10_000))) {
      await stop();
      throw new Error(`sshd did not start on ${address}:${port}: ${errors.trim()}`);
    }
  }
  const ssh = ['ssh', '-p', String(port), '-i', join(dir, 'client_key'), '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR'];
  return { ssh, stop };
}

async function accepts(host: string, port: number, withinMs: number): Promise<boolean> {
  const deadline = performance.now() + withinMs;
  while (performance.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, host, () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}
