import { DecodeError, MessageTooLargeError } from '../errors.ts';
import type { Clock } from '../net/clock.ts';

/**
 * Request and reply messages too large for one datagram travel as fragments. Each datagram starts with
 * a 12-byte header (big-endian): magic 0xCF, version 1, kind (1 request, 2 reply), 0, request id u32,
 * fragment index u16, fragment count u16. The receiver reassembles per (sender, kind, request id).
 */
export const FRAGMENT_HEADER_BYTES = 12;
const MAGIC = 0xcf;
const VERSION = 1;

export type FragmentKind = 1 | 2;

export interface FragmentHeader {
  readonly kind: FragmentKind;
  readonly requestId: number;
  readonly index: number;
  readonly count: number;
}

/** Cuts `message` into datagrams of at most `maxDatagram` bytes each, at most `maxFragments` of them. */
export function fragment(message: Uint8Array, kind: FragmentKind, requestId: number, maxDatagram: number, maxFragments: number): Uint8Array[] {
  const room = maxDatagram - FRAGMENT_HEADER_BYTES;
  const count = Math.max(1, Math.ceil(message.length / room));
  if (count > maxFragments) {
    throw new MessageTooLargeError(
      `a message of ${message.length} bytes needs ${count} datagrams of ${maxDatagram} bytes, over the limit of ${maxFragments} (maxFragments)`,
      { size: message.length, limit: maxFragments * room },
    );
  }
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const part = message.subarray(i * room, (i + 1) * room);
    const datagram = new Uint8Array(FRAGMENT_HEADER_BYTES + part.length);
    const view = new DataView(datagram.buffer);
    datagram[0] = MAGIC;
    datagram[1] = VERSION;
    datagram[2] = kind;
    view.setUint32(4, requestId);
    view.setUint16(8, i);
    view.setUint16(10, count);
    datagram.set(part, FRAGMENT_HEADER_BYTES);
    out.push(datagram);
  }
  return out;
}

/** Reads a fragment header; throws ERR_DECODE for a datagram that is not one. */
export function readFragmentHeader(datagram: Uint8Array): FragmentHeader {
  if (datagram.length < FRAGMENT_HEADER_BYTES || datagram[0] !== MAGIC || datagram[1] !== VERSION || (datagram[2] !== 1 && datagram[2] !== 2)) {
    throw new DecodeError('not a request-reply datagram', { offset: 0 });
  }
  const view = new DataView(datagram.buffer, datagram.byteOffset, FRAGMENT_HEADER_BYTES);
  const index = view.getUint16(8);
  const count = view.getUint16(10);
  if (count === 0 || index >= count) throw new DecodeError(`fragment ${index} of ${count} is impossible`, { offset: 8 });
  return { kind: datagram[2] as FragmentKind, requestId: view.getUint32(4), index, count };
}

interface Partial {
  readonly parts: (Uint8Array | undefined)[];
  received: number;
  bytes: number;
  readonly started: number;
}

/**
 * Reassembles fragmented messages. Bounded: at most `maxPending` partial messages (the oldest is given
 * up first), `maxFragments` fragments each, and partial messages older than `timeout` ms are dropped.
 */
export class Reassembler {
  private readonly pending = new Map<string, Partial>();
  /** Partial messages given up (evicted or expired). */
  abandoned = 0;

  constructor(
    private readonly maxPending: number,
    private readonly maxFragments: number,
    private readonly timeout: number,
    private readonly clock: Clock,
  ) {}

  /** Adds one fragment; returns the whole message once every fragment has arrived, else undefined. */
  add(key: string, header: FragmentHeader, payload: Uint8Array): Uint8Array | undefined {
    if (header.count === 1) return payload;
    if (header.count > this.maxFragments) throw new DecodeError(`message announced in ${header.count} fragments, over maxFragments (${this.maxFragments})`, { offset: 10 });
    const id = `${key}/${header.kind}/${header.requestId}`;
    const now = this.clock.now();
    this.expire(now);
    let p = this.pending.get(id);
    if (!p) {
      if (this.pending.size >= this.maxPending) this.evictOldest();
      p = { parts: new Array<Uint8Array | undefined>(header.count), received: 0, bytes: 0, started: now };
      this.pending.set(id, p);
    }
    if (p.parts.length !== header.count) throw new DecodeError('fragment count changed within one message', { offset: 10 });
    if (p.parts[header.index]) return undefined; // a duplicate fragment
    p.parts[header.index] = payload.slice();
    p.received++;
    p.bytes += payload.length;
    if (p.received < header.count) return undefined;
    this.pending.delete(id);
    const whole = new Uint8Array(p.bytes);
    let offset = 0;
    for (const part of p.parts) {
      whole.set(part!, offset);
      offset += part!.length;
    }
    return whole;
  }

  private expire(now: number): void {
    for (const [id, p] of this.pending) {
      if (now - p.started <= this.timeout) break; // insertion order is age order
      this.pending.delete(id);
      this.abandoned++;
    }
  }

  private evictOldest(): void {
    const oldest = this.pending.keys().next().value;
    if (oldest !== undefined) {
      this.pending.delete(oldest);
      this.abandoned++;
    }
  }
}
