import { CourierError } from '../../errors.ts';
import { formatAddress } from '../../net/address.ts';
import { DataItemReader, DataItemWriter } from '../../net/data-items.ts';
import { connect, listen } from '../../net/tcp.ts';
import { showPayload } from '../payload.ts';
import type { TourStep } from './step.ts';

export const tcpStep: TourStep = {
  title: 'TCP message streams: flow control, end-of-stream, typed items, failure',
  idea:
    'A stream carries bytes; courier frames them into messages. A slow reader makes the writer wait\n' +
    '(flow control) instead of buffering without bound; closing one direction lets the reader drain\n' +
    'everything and then see end-of-stream; and a broken connection is one clear error.',
  async run(say, signal) {
    const highWaterMark = 64 * 1024;
    await using listener = await listen('tcp://127.0.0.1:0', { highWaterMark, receiveHighWaterMark: 64 * 1024 });
    const client = await connect(listener.address, { timeout: 2000, signal, highWaterMark });
    const server = await listener.accept({ timeout: 2000, signal });
    say(`client ${formatAddress(client.localAddress)} connected to ${formatAddress(listener.address)}`);

    // Flow control: the server reads nothing while the client writes 1 KiB messages until a send waits.
    const message = new Uint8Array(1024);
    let sent = 0;
    let waiting: Promise<void> | undefined;
    while (!waiting && sent < 200_000) {
      const sending = client.send(message, { signal });
      const stalled = await Promise.race([sending.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 100))]);
      sent++;
      if (stalled) waiting = sending;
    }
    say(`the server reads nothing: after ${sent} messages the client's send waits,`);
    say(`with ${client.stats().bufferedBytes} bytes buffered in courier (high-water mark ${highWaterMark});`);
    say(`the rest fill the kernel's socket buffers and TCP's window, and the server paused reading`);
    for (let i = 0; i < sent; i++) await server.receive({ timeout: 2000, signal });
    await waiting;
    say(`the server read all ${sent}; the waiting send completed (reading paused ${server.stats().readPauses} time(s))`);

    // Synchronous send, then end-of-stream.
    let confirmed = false;
    const confirming = client.send(Buffer.from('confirmed'), { confirm: true, timeout: 2000, signal }).then(() => (confirmed = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    say(`a confirmed send, 50 ms later, before the server application has received it: resolved = ${confirmed}`);
    const taken = await server.receive({ timeout: 2000, signal });
    await confirming;
    say(`the server took ${showPayload(taken!)}; now the send has resolved = ${confirmed}`);
    for (const word of ['one', 'two', 'three']) await client.send(Buffer.from(word));
    await client.end();
    const words: string[] = [];
    for await (const m of server) words.push(Buffer.from(m).toString());
    say(`client sent three messages and end(); server drained ${JSON.stringify(words)} then read end-of-stream`);

    // Typed data items: reading the wrong type is an error, not garbage.
    await new DataItemWriter(server).writeFloat64(2.5);
    const reader = new DataItemReader(client);
    try {
      await reader.readInt32({ timeout: 2000 });
    } catch (err) {
      if (!(err instanceof CourierError)) throw err;
      say(`reading an int32 where a float64 was written: ${err.code}`);
    }
    say(`read again with the right type: ${await reader.readFloat64()}`);

    // Failure: the server resets the connection.
    server.destroy();
    try {
      await client.receive({ timeout: 2000, signal });
    } catch (err) {
      if (!(err instanceof CourierError) || err.code !== 'ERR_CONNECTION_BROKEN') throw err;
      say(`the server reset the connection: ${err.code}`);
      say(`  "${err.message}"`);
    }
    client.destroy();
  },
};
