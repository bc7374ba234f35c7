import { Buffer } from 'node:buffer';
import { MessageTooLargeError } from '../errors.ts';

/**
 * The frame format of courier's TCP message streams. Every frame is a 5-byte header, then the body:
 *
 *   u32 body length (big-endian) | u8 kind | body
 *
 * Data frames carry application messages; the rest are the stream's own control traffic.
 */
export const FRAME_HEADER_BYTES = 5;

export const FrameKind = {
  /** An application message. */
  Data: 0x01,
  /** An application message whose sender waits until the receiving application has taken it. */
  DataConfirm: 0x02,
  /** Body u64: how many messages the receiving application has taken so far (cumulative). */
  Ack: 0x03,
  /** The sender will send no more messages (end-of-stream); control frames may still follow. */
  End: 0x04,
  /** Liveness probe; answered with Pong. */
  Ping: 0x05,
  Pong: 0x06,
  /** First frame each way: magic "CRR", version 1, u32 the sender's maximum message size. */
  Hello: 0x10,
  /** Sent instead of Hello by a listener that will not serve the connection; body: code, space, reason. */
  Refuse: 0x11,
} as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

/** Control frames are tiny; a peer announcing a bigger one is broken or hostile. */
export const MAX_CONTROL_BODY = 1024;

/** Writes a frame header for a body of `length` bytes into `target` at `offset`. */
export function writeFrameHeader(target: Uint8Array, offset: number, kind: FrameKind, length: number): void {
  target[offset] = length >>> 24;
  target[offset + 1] = (length >>> 16) & 0xff;
  target[offset + 2] = (length >>> 8) & 0xff;
  target[offset + 3] = length & 0xff;
  target[offset + 4] = kind;
}

/** One whole frame: header and body in one new buffer (for control frames and tests). */
export function encodeFrame(kind: FrameKind, body: Uint8Array = new Uint8Array(0)): Uint8Array {
  const frame = new Uint8Array(FRAME_HEADER_BYTES + body.length);
  writeFrameHeader(frame, 0, kind, body.length);
  frame.set(body, FRAME_HEADER_BYTES);
  return frame;
}

/**
 * Reassembles frames from a byte stream cut at arbitrary points. A body that lies within one chunk is
 * delivered as a view of it (no copy); one that spans chunks is copied once into a buffer of exactly its
 * size, allocated only after its length has been checked against the limit.
 */
export class FrameDecoder {
  private readonly header = new Uint8Array(FRAME_HEADER_BYTES);
  private headerFilled = 0;
  private body: Uint8Array | undefined;
  private bodyFilled = 0;
  private bodyKind: FrameKind = FrameKind.Data;

  constructor(
    /** Largest data body accepted, bytes; a bigger announced length throws ERR_MESSAGE_TOO_LARGE. */
    private readonly maxDataBody: number,
    private readonly onFrame: (kind: FrameKind, body: Uint8Array) => void,
  ) {}

  /** True while part of a frame has arrived and the rest has not. */
  get midFrame(): boolean {
    return this.headerFilled > 0 || this.body !== undefined;
  }

  /** Bytes of the current partial frame received so far, and the frame's total size (0 if unknown yet). */
  get partial(): { received: number; total: number } {
    if (this.body) return { received: FRAME_HEADER_BYTES + this.bodyFilled, total: FRAME_HEADER_BYTES + this.body.length };
    return { received: this.headerFilled, total: 0 };
  }

  /** Feeds the next chunk of the byte stream. Throws ERR_MESSAGE_TOO_LARGE for an over-long frame. */
  push(chunk: Uint8Array): void {
    let offset = 0;
    const end = chunk.length;
    // A Buffer's views are made with Buffer.from(arrayBuffer, …), a third as costly as subarray() (which
    // looks up the species constructor each time) and still a Buffer, as subarray() would give.
    const isBuffer = Buffer.isBuffer(chunk);
    while (offset < end) {
      if (this.body) {
        const n = Math.min(this.body.length - this.bodyFilled, end - offset);
        this.body.set(chunk.subarray(offset, offset + n), this.bodyFilled);
        this.bodyFilled += n;
        offset += n;
        if (this.bodyFilled === this.body.length) {
          const body = this.body;
          this.body = undefined;
          this.onFrame(this.bodyKind, body);
        }
        continue;
      }
      let length: number;
      let kind: FrameKind;
      if (this.headerFilled === 0 && end - offset >= FRAME_HEADER_BYTES) {
        length = ((chunk[offset]! << 24) | (chunk[offset + 1]! << 16) | (chunk[offset + 2]! << 8) | chunk[offset + 3]!) >>> 0;
        kind = chunk[offset + 4] as FrameKind;
        offset += FRAME_HEADER_BYTES;
      } else {
        const n = Math.min(FRAME_HEADER_BYTES - this.headerFilled, end - offset);
        this.header.set(chunk.subarray(offset, offset + n), this.headerFilled);
        this.headerFilled += n;
        offset += n;
        if (this.headerFilled < FRAME_HEADER_BYTES) return;
        this.headerFilled = 0;
        const h = this.header;
        length = ((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0;
        kind = h[4] as FrameKind;
      }
      this.checkLength(kind, length);
      if (end - offset >= length) {
        const body = isBuffer ? Buffer.from(chunk.buffer, chunk.byteOffset + offset, length) : chunk.subarray(offset, offset + length);
        offset += length;
        this.onFrame(kind, body);
      } else {
        // Every byte is written before the body is delivered, so it needs no zero-filling first (which
        // costs as much as the copy itself for a 1 MiB message). Its own memory, as before: not a pool slice.
        this.body = isBuffer ? Buffer.allocUnsafeSlow(length) : new Uint8Array(length);
        this.bodyFilled = 0;
        this.bodyKind = kind;
      }
    }
  }

  private checkLength(kind: FrameKind, length: number): void {
    const isData = kind === FrameKind.Data || kind === FrameKind.DataConfirm;
    const limit = isData ? this.maxDataBody : MAX_CONTROL_BODY;
    if (length > limit) {
      throw new MessageTooLargeError(
        `the peer announced a ${isData ? 'message' : 'control frame'} of ${length} bytes, over the limit of ${limit} (maxMessageBytes)`,
        { size: length, limit },
      );
    }
  }
}
