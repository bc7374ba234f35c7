// A benchmark server process: serves the Calc interface with one implementation, reports its address
// over IPC, and runs until its parent disconnects.
import net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { ObjectEndpoint } from '../../src/invoke/objects.ts';
import { formatRef } from '../../src/invoke/reference.ts';
import { StreamRequestReply } from '../../src/invoke/stream-request-reply.ts';
import { UdpRequestReply } from '../../src/invoke/udp-request-reply.ts';
import { bindUdp } from '../../src/net/udp.ts';
import { Calc, frame, grpcService, unframer, type ServerImpl } from './protocol.ts';

const impl = process.argv[2] as ServerImpl;
const calc = { add: (a: number, b: number) => a + b, take: (data: Uint8Array) => data.length };

async function start(): Promise<string> {
  switch (impl) {
    case 'courier-tcp': {
      const endpoint = new ObjectEndpoint(await StreamRequestReply.listen('tcp://127.0.0.1:0'));
      return formatRef(endpoint.export(calc, Calc));
    }
    case 'courier-udp': {
      const endpoint = new ObjectEndpoint(new UdpRequestReply(await bindUdp('udp://127.0.0.1:0', { socketReceiveBuffer: 4 << 20, maxQueued: 4096 })));
      return formatRef(endpoint.export(calc, Calc));
    }
    case '@grpc/grpc-js': {
      const server = new grpc.Server();
      server.addService(grpcService as unknown as grpc.ServiceDefinition, {
        add: (call: grpc.ServerUnaryCall<{ a: number; b: number }, number>, cb: grpc.sendUnaryData<number>) => cb(null, call.request.a + call.request.b),
        take: (call: grpc.ServerUnaryCall<Buffer, number>, cb: grpc.sendUnaryData<number>) => cb(null, call.request.length),
      });
      const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
      );
      return `127.0.0.1:${port}`;
    }
    case 'node:net': {
      const server = net.createServer((socket) => {
        socket.setNoDelay(true);
        socket.on(
          'data',
          unframer((m) => {
            const r = m['op'] === 'add' ? (m['a'] as number) + (m['b'] as number) : Buffer.from(m['data'] as string, 'base64').length;
            socket.write(frame({ id: m['id'], r }));
          }),
        );
        socket.on('error', () => undefined); // the client going away ends the benchmark, nothing more
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    }
  }
}

process.send?.({ address: await start() });
process.on('disconnect', () => process.exit(0));
