// The packet header every transport carries in front of (or without) a body. Fixed 28 bytes:
//   kind u8 | dtype u8 | flags u8 | 0 | context u32 | tag i32 | msgId u32 | size f64 | code i32
import { ProtocolError } from '../errors.ts';

/** Packet kinds of the point-to-point protocols. */
export const enum Kind {
  /** A whole message (up to the eager limit) with its body. */
  Eager = 1,
  /** Request to send a large message: header only; the receiver answers Cts once a receive matches. */
  Rts = 2,
  /** Clear to send: the receiver matched an Rts and is ready for its data. */
  Cts = 3,
  /** The body of a rendezvous message, after Cts. */
  Data = 4,
  /** The receiver matched a synchronous eager message. */
  SyncAck = 5,
  /** A ready send found its posted receive. */
  ReadyAck = 6,
  /** A ready send found no posted receive; the message was dropped. */
  ReadyNack = 7,
  /** The sender aborts the job with `code`. */
  Abort = 8,
}

/** Flags of an Eager or Rts packet. */
export const enum Flag {
  Sync = 1,
  Ready = 2,
  /** Transport-level: the body follows the header in the same stream message (small bodies). */
  Inline = 4,
}

export const HEADER_BYTES = 28;

/** A decoded packet header. */
export interface Header {
  kind: Kind;
  dtype: number;
  flags: number;
  context: number;
  tag: number;
  msgId: number;
  /** Body bytes of the message (for Rts: the size of the data to come). */
  size: number;
  /** Abort code (Abort packets). */
  code: number;
}

/** Writes a header into a new 28-byte array. */
export function encodeHeader(h: Header): Uint8Array {
  const bytes = new Uint8Array(HEADER_BYTES);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, h.kind);
  view.setUint8(1, h.dtype);
  view.setUint8(2, h.flags);
  view.setUint32(4, h.context);
  view.setInt32(8, h.tag);
  view.setUint32(12, h.msgId);
  view.setFloat64(16, h.size);
  view.setInt32(24, h.code);
  return bytes;
}

/** Reads a header; ERR_PROTOCOL when the bytes cannot be one. */
export function decodeHeader(bytes: Uint8Array): Header {
  if (bytes.length !== HEADER_BYTES) throw new ProtocolError(`MPI packet header of ${bytes.length} bytes, expected ${HEADER_BYTES}`, { size: bytes.length });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const kind = view.getUint8(0);
  if (kind < Kind.Eager || kind > Kind.Abort) throw new ProtocolError(`unknown MPI packet kind ${kind}`, { kind });
  return {
    kind,
    dtype: view.getUint8(1),
    flags: view.getUint8(2),
    context: view.getUint32(4),
    tag: view.getInt32(8),
    msgId: view.getUint32(12),
    size: view.getFloat64(16),
    code: view.getInt32(24),
  };
}

/** True for kinds followed by a body. */
export function hasBody(kind: Kind): boolean {
  return kind === Kind.Eager || kind === Kind.Data;
}
