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
  writeHeader(bytes, 0, h, h.flags);
  return bytes;
}

// The size field is a float64: converted through this scratch (JS is single-threaded), not a DataView per packet.
const sizeScratch = new DataView(new ArrayBuffer(8));

/** Writes `h` (with `flags` in place of its own) into `bytes` at `at`: the packet and its header in one buffer. */
export function writeHeader(bytes: Uint8Array, at: number, h: Header, flags: number): void {
  bytes[at] = h.kind;
  bytes[at + 1] = h.dtype;
  bytes[at + 2] = flags;
  bytes[at + 3] = 0;
  writeU32(bytes, at + 4, h.context);
  writeU32(bytes, at + 8, h.tag);
  writeU32(bytes, at + 12, h.msgId);
  sizeScratch.setFloat64(0, h.size);
  for (let i = 0; i < 8; i++) bytes[at + 16 + i] = sizeScratch.getUint8(i);
  writeU32(bytes, at + 24, h.code);
}

/** Reads a header; ERR_PROTOCOL when the bytes cannot be one. */
export function decodeHeader(bytes: Uint8Array): Header {
  if (bytes.length !== HEADER_BYTES) throw new ProtocolError(`MPI packet header of ${bytes.length} bytes, expected ${HEADER_BYTES}`, { size: bytes.length });
  return readHeader(bytes, 0);
}

/** Reads the header at the start of a packet of at least HEADER_BYTES; ERR_PROTOCOL for an unknown kind. */
export function readHeader(bytes: Uint8Array, at: number): Header {
  const kind = bytes[at]!;
  if (kind < Kind.Eager || kind > Kind.Abort) throw new ProtocolError(`unknown MPI packet kind ${kind}`, { kind });
  for (let i = 0; i < 8; i++) sizeScratch.setUint8(i, bytes[at + 16 + i]!);
  return {
    kind,
    dtype: bytes[at + 1]!,
    flags: bytes[at + 2]!,
    context: readU32(bytes, at + 4),
    tag: readU32(bytes, at + 8) | 0,
    msgId: readU32(bytes, at + 12),
    size: sizeScratch.getFloat64(0),
    code: readU32(bytes, at + 24) | 0,
  };
}

// Big-endian 32-bit fields by hand: cheaper than a DataView over each packet.
export function writeU32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value >>> 24;
  bytes[at + 1] = value >>> 16;
  bytes[at + 2] = value >>> 8;
  bytes[at + 3] = value;
}

export function readU32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

/** True for kinds followed by a body. */
export function hasBody(kind: Kind): boolean {
  return kind === Kind.Eager || kind === Kind.Data;
}
