// What the benchmark's server and client share: the interface, gRPC's service definition with hand
// serialisers (the same bytes on the wire as courier's CDR would need), and the bare baseline's framing.
import { t } from '../../src/marshal/schema.ts';
import { defineInterface } from '../../src/invoke/interface.ts';

export const Calc = defineInterface('BenchCalc', {
  add: { args: [t.int32(), t.int32()], result: t.int32() },
  take: { args: [t.bytes()], result: t.int32() },
});

/** The implementations a server process can run. */
export type ServerImpl = 'courier-tcp' | 'courier-udp' | '@grpc/grpc-js' | 'node:net';

export const addRequest = {
  serialize: (v: { a: number; b: number }) => {
    const b = Buffer.allocUnsafe(8);
    b.writeInt32BE(v.a, 0);
    b.writeInt32BE(v.b, 4);
    return b;
  },
  deserialize: (b: Buffer) => ({ a: b.readInt32BE(0), b: b.readInt32BE(4) }),
};
export const int32Reply = {
  serialize: (v: number) => {
    const b = Buffer.allocUnsafe(4);
    b.writeInt32BE(v, 0);
    return b;
  },
  deserialize: (b: Buffer) => b.readInt32BE(0),
};
export const bytesRequest = { serialize: (v: Buffer) => v, deserialize: (b: Buffer) => b };

export const grpcService = {
  add: { path: '/bench.Calc/Add', requestStream: false, responseStream: false, requestSerialize: addRequest.serialize, requestDeserialize: addRequest.deserialize, responseSerialize: int32Reply.serialize, responseDeserialize: int32Reply.deserialize },
  take: { path: '/bench.Calc/Take', requestStream: false, responseStream: false, requestSerialize: bytesRequest.serialize, requestDeserialize: bytesRequest.deserialize, responseSerialize: int32Reply.serialize, responseDeserialize: int32Reply.deserialize },
} as const;

/** The bare baseline: u32 length prefix, JSON body `{"id","op","a","b"}` or `{"id","op","data"}` (base64). */
export function frame(body: unknown): Buffer {
  const json = Buffer.from(JSON.stringify(body));
  const out = Buffer.allocUnsafe(4 + json.length);
  out.writeUInt32BE(json.length, 0);
  json.copy(out, 4);
  return out;
}

/** Splits a byte stream into the bare baseline's JSON frames. */
export function unframer(onMessage: (body: Record<string, unknown>) => void): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 4) {
      const len = pending.readUInt32BE(0);
      if (pending.length < 4 + len) break;
      onMessage(JSON.parse(pending.subarray(4, 4 + len).toString()) as Record<string, unknown>);
      pending = pending.subarray(4 + len);
    }
  };
}
