import { commands } from './commands/index.ts';
import { describeFailure, UsageError, type CommandIO } from './command.ts';

const overview = () =>
  [
    'courier: interprocess communication for Node.js',
    '',
    'Usage: courier <command> [options]     courier <command> --help for details',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`),
    '',
    'Example: courier tour',
  ].join('\n');

/** Runs the `courier` command line; resolves to the exit code (0 ok, 1 failure, 2 usage error). */
export async function main(argv: string[], io: Partial<CommandIO> = {}): Promise<number> {
  const controller = new AbortController();
  const stop = () => controller.abort(new Error('interrupted'));
  const full: CommandIO = {
    stdin: io.stdin ?? process.stdin,
    stdout: io.stdout ?? process.stdout,
    stderr: io.stderr ?? process.stderr,
    signal: io.signal ?? controller.signal,
  };
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    full.stdout.write(overview() + '\n');
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    full.stderr.write(`courier: unknown command '${name}' (see courier --help)\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    full.stdout.write(command.help.trimEnd() + '\n');
    return 0;
  }
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    return await command.run(rest, full);
  } catch (err) {
    full.stderr.write(`courier ${name}: ${describeFailure(err)}\n`);
    return err instanceof UsageError ? 2 : 1;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
