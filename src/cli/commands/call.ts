import { signature } from '../../invoke/describe.ts';
import { parseRef } from '../../invoke/reference.ts';
import { codec } from '../../marshal/codec.ts';
import { parseDuration, parseFlags, UsageError, type Command } from '../command.ts';
import { cliObjectEndpoint } from '../invoke-endpoint.ts';

export const callCommand: Command = {
  name: 'call',
  summary: 'invoke a method of a remote object from its reference, with JSON arguments',
  help: `Usage: courier call REF METHOD [ARG ...] [--timeout DURATION] [--describe]

Invokes METHOD on the object REF names (its text form, udp://host:port/time/number/Interface#secret).
The object describes its own interface, so no definition is needed here. Each ARG is a JSON value
(64-bit integers as strings, bytes as base64, enums by name); the result is printed as JSON.

Options:
  --timeout DURATION   give up after this long (default 5s)
  --describe           print the object's methods instead of calling one

Examples:
  courier call 'udp://127.0.0.1:9000/1764000000123/1/Counter#00112233aabbccdd' add 5
  courier call 'udp://127.0.0.1:9000/1764000000123/1/Counter#00112233aabbccdd' --describe`,
  async run(argv, io) {
    const { values, positionals } = parseFlags(argv, { timeout: { type: 'string' }, describe: { type: 'boolean' } });
    const [refText, method, ...rawArgs] = positionals;
    if (!refText || (!method && !values.describe)) throw new UsageError('expected REF METHOD [ARG ...] (or REF --describe)');
    const ref = parseRef(refText);
    const args = rawArgs.map((a, i) => {
      try {
        return JSON.parse(a) as unknown;
      } catch {
        throw new UsageError(`argument ${i + 1} is not JSON: ${a} (strings need quotes: '"text"')`);
      }
    });
    const timeout = values.timeout ? parseDuration(values.timeout, '--timeout') : 5000;
    await using endpoint = await cliObjectEndpoint(ref.transport, undefined, timeout);
    const iface = await endpoint.describe(ref);
    if (values.describe) {
      io.stdout.write(`${iface.name}\n${iface.methods.map((m) => `  ${signature(m)}`).join('\n')}\n`);
      return 0;
    }
    const result = await endpoint.invokeJson(ref, iface, method!, args);
    const info = iface.methods.find((m) => m.name === method)!;
    if (info.resultSchema) {
      const text = Buffer.from(codec(info.resultSchema, 'json').encode({ value: result })).toString('utf8');
      io.stdout.write(JSON.stringify((JSON.parse(text) as { value: unknown }).value) + '\n');
    }
    return 0;
  },
};
