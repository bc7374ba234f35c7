import { parseArgs, type ParseArgsConfig } from 'node:util';

type FlagOptions = NonNullable<ParseArgsConfig['options']>;
import { CourierError } from '../errors.ts';

/** One `courier` subcommand: its name, a one-line summary, its --help text, and what it does. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  /** Full help: usage line, options, and at least one example. */
  readonly help: string;
  /** Runs the command; resolves to the process exit code. */
  run(argv: string[], io: CommandIO): Promise<number>;
}

/** Where a command reads and writes, so tests can run commands without a terminal. */
export interface CommandIO {
  readonly stdin: NodeJS.ReadableStream;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  /** Aborted on SIGINT/SIGTERM: long-running commands stop cleanly. */
  readonly signal: AbortSignal;
}

/** A command-line mistake: printed as one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** parseArgs with errors turned into UsageError, so every command reports bad flags the same way. */
export function parseFlags<const O extends FlagOptions>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** Parses a duration such as `500ms`, `2s` or `1.5m` (plain numbers are milliseconds). */
export function parseDuration(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) throw new UsageError(`${flag}: '${text}' is not a duration (try 500ms, 2s or 1m)`);
  const scale = m[2] === 's' ? 1000 : m[2] === 'm' ? 60_000 : 1;
  return Number(m[1]) * scale;
}

/** Parses a size such as `1400`, `64KiB` or `1MiB` into bytes. */
export function parseSize(text: string, flag: string): number {
  const m = /^(\d+)(B|KiB|MiB|GiB|K|M|G)?$/.exec(text.trim());
  if (!m) throw new UsageError(`${flag}: '${text}' is not a size (try 1400, 64KiB or 1MiB)`);
  const unit = m[2] ?? 'B';
  const scale = unit.startsWith('K') ? 1024 : unit.startsWith('M') ? 1024 ** 2 : unit.startsWith('G') ? 1024 ** 3 : 1;
  return Number(m[1]) * scale;
}

/** The single line printed for a failed command: the error code when there is one, then the message. */
export function describeFailure(err: unknown): string {
  if (err instanceof CourierError) return `${err.code}: ${err.message}`;
  if (err instanceof UsageError) return err.message;
  return err instanceof Error ? err.message : String(err);
}
