import { formatAddress, parseAddress } from '../../net/address.ts';
import { connect } from '../../net/tcp.ts';
import { bindUdp } from '../../net/udp.ts';
import { parseDuration, parseFlags, UsageError, type Command } from '../command.ts';
import { stdinLines } from '../payload.ts';

export const sendCommand: Command = {
  name: 'send',
  summary: 'send a message (or each line of standard input) as a datagram or over a message stream',
  help: `Usage: courier send ADDRESS [MESSAGE] [--timeout DURATION]

Sends MESSAGE to udp://host:port as one datagram, or over a message stream to tcp://host:port (or
ipc:///path). Without MESSAGE, each line of standard input is sent as its own datagram or message.
Over a stream the last message is sent with confirmation, so the command returns only once the
listening application has received everything.

Options:
  --timeout DURATION   give up connecting or confirming after this long (default 10s)

Examples:
  courier send udp://127.0.0.1:9000 'hello'
  printf 'one\\ntwo\\n' | courier send tcp://127.0.0.1:9000`,
  async run(argv, io) {
    const { values, positionals } = parseFlags(argv, { timeout: { type: 'string' } });
    if (positionals.length < 1 || positionals.length > 2) throw new UsageError('expected ADDRESS [MESSAGE]');
    const address = parseAddress(positionals[0]!);
    const timeout = values.timeout === undefined ? 10_000 : parseDuration(values.timeout, '--timeout');
    const messages: AsyncIterable<string> | Iterable<string> = positionals[1] !== undefined ? [positionals[1]] : stdinLines(io.stdin);
    let sent = 0;

    if (address.transport === 'udp') {
      const host = address.host.includes(':') ? '[::]' : '0.0.0.0';
      await using endpoint = await bindUdp(`udp://${host}:0`);
      for await (const text of messages) {
        await endpoint.send(Buffer.from(text), address);
        sent++;
      }
      io.stderr.write(`sent ${sent} datagram(s) to ${formatAddress(address)}\n`);
      return 0;
    }

    await using stream = await connect(address, { timeout, signal: io.signal });
    let previous: string | undefined;
    for await (const text of messages) {
      if (previous !== undefined) await stream.send(Buffer.from(previous), { signal: io.signal });
      previous = text;
      sent++;
    }
    if (previous !== undefined) await stream.send(Buffer.from(previous), { confirm: true, timeout, signal: io.signal });
    await stream.end();
    io.stderr.write(`sent ${sent} message(s) to ${formatAddress(address)}; the listener received them all\n`);
    return 0;
  },
};
