import { PassThrough, Readable } from 'node:stream';
import type { CommandIO } from '../../src/cli/command.ts';

/** Captured standard streams for running `main()` in-process. */
export function captureIO(stdinText = '', signal?: AbortSignal): { io: CommandIO; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  return {
    io: { stdin: Readable.from([stdinText]), stdout, stderr, signal: signal ?? new AbortController().signal },
    out: () => out,
    err: () => err,
  };
}
