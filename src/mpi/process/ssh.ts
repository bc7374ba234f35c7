// Starting a rank on another machine: one ssh session per rank, running node with the rank's environment
// in the same working directory (the program and courier are on a shared file system, as Open MPI assumes
// too). The session's standard input is the rank's line to its launcher: signals travel down it as
// `signal NAME` lines, and when the session ends the rank ends (see remote-rank.ts), since ssh without a
// terminal passes no signal to the remote command.

/** The ssh command used by default: never prompt (a job cannot answer a password prompt). */
export const DEFAULT_SSH: readonly string[] = ['ssh', '-o', 'BatchMode=yes'];

/** Quotes `text` for a POSIX shell (the remote login shell runs the command line). */
export function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The local command that runs `command` in `cwd` on `host` with `env` set, through `ssh`. */
export function sshCommand(ssh: readonly string[], host: string, cwd: string, env: Readonly<Record<string, string>>, command: readonly string[]): { file: string; args: string[] } {
  const assignments = Object.entries(env).map(([k, v]) => `${k}=${shellQuote(v)}`);
  const remote = `cd ${shellQuote(cwd)} && exec env ${assignments.join(' ')} ${command.map(shellQuote).join(' ')}`;
  return { file: ssh[0]!, args: [...ssh.slice(1), host, remote] };
}

/** The line that asks a remote rank to signal itself. */
export function signalLine(signal: NodeJS.Signals): string {
  return `signal ${signal}\n`;
}
