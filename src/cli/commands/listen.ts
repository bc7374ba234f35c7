import { formatAddress, parseAddress } from '../../net/address.ts';
import type { MessageStream } from '../../net/stream.ts';
import { listen } from '../../net/tcp.ts';
import { bindUdp } from '../../net/udp.ts';
import { describeFailure, parseFlags, parseSize, UsageError, type Command } from '../command.ts';
import { showPayload } from '../payload.ts';

export const listenCommand: Command = {
  name: 'listen',
  summary: 'print the datagrams or messages that arrive at an address, with their senders',
  help: `Usage: courier listen ADDRESS [--count N] [--buffer BYTES]

Binds udp://host:port and prints each datagram with its sender (flagging truncation), or listens on
tcp://host:port (or ipc:///path) and prints each message of every connection, served concurrently.

Options:
  --count N        exit after N datagrams or messages
  --buffer BYTES   UDP receive buffer size (default 8192); larger datagrams arrive truncated

Examples:
  courier listen udp://127.0.0.1:9000
  courier listen tcp://127.0.0.1:9000 --count 3`,
  async run(argv, io) {
    const { values, positionals } = parseFlags(argv, { count: { type: 'string' }, buffer: { type: 'string' } });
    if (positionals.length !== 1) throw new UsageError('expected one ADDRESS, such as udp://127.0.0.1:9000');
    const address = parseAddress(positionals[0]!);
    const count = values.count === undefined ? Infinity : Number(values.count);
    if (!(count > 0)) throw new UsageError(`--count: expected a positive number, got '${values.count}'`);
    const out = (line: string) => io.stdout.write(line + '\n');
    let seen = 0;

    if (address.transport === 'udp') {
      const receiveBufferSize = values.buffer === undefined ? undefined : parseSize(values.buffer, '--buffer');
      await using endpoint = await bindUdp(address, receiveBufferSize ? { receiveBufferSize } : {});
      out(`listening on ${formatAddress(endpoint.address)}`);
      while (seen < count && !io.signal.aborted) {
        const d = await endpoint.receive({ signal: io.signal }).catch((err: unknown) => (io.signal.aborted ? null : Promise.reject(err)));
        if (!d) break;
        seen++;
        const cut = d.truncated ? ` [truncated: ${d.size} bytes sent, ${d.data.length} kept]` : '';
        out(`${formatAddress(d.from)}  ${d.data.length} B  ${showPayload(d.data)}${cut}`);
      }
      return 0;
    }

    await using listener = await listen(address);
    out(`listening on ${formatAddress(listener.address)}`);
    const enough = new AbortController();
    const stop = AbortSignal.any([io.signal, enough.signal]);
    stop.addEventListener('abort', () => void listener.close(), { once: true });
    await listener.serve(
      async (stream: MessageStream) => {
        const peer = formatAddress(stream.remoteAddress);
        out(`${peer}  connected`);
        for (let m = await stream.receive({ signal: stop }); m !== null; m = await stream.receive({ signal: stop })) {
          out(`${peer}  ${m.length} B  ${showPayload(m)}`);
          if (++seen >= count) enough.abort();
        }
        out(`${peer}  end of stream`);
      },
      (err, stream) => {
        if (!stop.aborted) out(`${formatAddress(stream.remoteAddress)}  ${describeFailure(err)}`);
      },
    );
    return 0;
  },
};
