import { DataItemMismatchError, DecodeError, EncodeError, EndOfStreamError } from '../errors.ts';
import type { MessageStream, SendOptions } from './stream.ts';
import type { WaitOptions } from './wait.ts';

/**
 * Typed data items over a message stream, like Java's DataOutputStream/DataInputStream but self-describing:
 * each item is one message whose first byte names its type, so a reader that expects an int32 where the
 * writer put a float64 gets ERR_DATA_ITEM_MISMATCH naming both instead of reinterpreted garbage.
 */
export const DataItemType = {
  boolean: 1,
  int8: 2,
  int16: 3,
  int32: 4,
  int64: 5,
  float32: 6,
  float64: 7,
  char: 8,
  string: 9,
  bytes: 10,
} as const;
export type DataItemTypeName = keyof typeof DataItemType;

interface ItemValues {
  boolean: boolean;
  int8: number;
  int16: number;
  int32: number;
  int64: bigint;
  float32: number;
  float64: number;
  char: string;
  string: string;
  bytes: Uint8Array;
}

/** A data item of any type, as `readAny` returns it. */
export type DataItem = { [K in DataItemTypeName]: { type: K; value: ItemValues[K] } }[DataItemTypeName];

const typeNames = Object.fromEntries(Object.entries(DataItemType).map(([name, tag]) => [tag, name])) as Record<number, DataItemTypeName>;

/** Fixed payload sizes; string and bytes are variable. */
const fixedSize: Partial<Record<DataItemTypeName, number>> = { boolean: 1, int8: 1, int16: 2, int32: 4, int64: 8, float32: 4, float64: 8, char: 2 };

const intRange = { int8: [-128, 127], int16: [-32768, 32767], int32: [-2147483648, 2147483647] } as const;

/** Writes typed data items to a stream; each write is one message. */
export class DataItemWriter {
  constructor(private readonly stream: MessageStream) {}

  writeBoolean(value: boolean, opts?: SendOptions): Promise<void> {
    return this.put('boolean', (v) => v.setUint8(0, value ? 1 : 0), opts);
  }

  /** Integers outside the type's range give ERR_ENCODE. */
  writeInt8(value: number, opts?: SendOptions): Promise<void> {
    return this.int('int8', value, (v) => v.setInt8(0, value), opts);
  }

  writeInt16(value: number, opts?: SendOptions): Promise<void> {
    return this.int('int16', value, (v) => v.setInt16(0, value), opts);
  }

  writeInt32(value: number, opts?: SendOptions): Promise<void> {
    return this.int('int32', value, (v) => v.setInt32(0, value), opts);
  }

  writeInt64(value: bigint, opts?: SendOptions): Promise<void> {
    if (typeof value !== 'bigint' || value !== BigInt.asIntN(64, value)) return Promise.reject(new EncodeError(`int64 item out of range: ${String(value)}`, { value: String(value) }));
    return this.put('int64', (v) => v.setBigInt64(0, value), opts);
  }

  writeFloat32(value: number, opts?: SendOptions): Promise<void> {
    return this.put('float32', (v) => v.setFloat32(0, value), opts);
  }

  writeFloat64(value: number, opts?: SendOptions): Promise<void> {
    return this.put('float64', (v) => v.setFloat64(0, value), opts);
  }

  /** One UTF-16 code unit, as Java's char. */
  writeChar(value: string, opts?: SendOptions): Promise<void> {
    if (value.length !== 1) return Promise.reject(new EncodeError(`char item must be one UTF-16 code unit, got ${value.length}`, { value }));
    return this.put('char', (v) => v.setUint16(0, value.charCodeAt(0)), opts);
  }

  writeString(value: string, opts?: SendOptions): Promise<void> {
    return this.variable('string', Buffer.from(value, 'utf8'), opts);
  }

  writeBytes(value: Uint8Array, opts?: SendOptions): Promise<void> {
    return this.variable('bytes', value, opts);
  }

  private int(type: keyof typeof intRange, value: number, set: (v: DataView) => void, opts?: SendOptions): Promise<void> {
    const [min, max] = intRange[type];
    if (!Number.isInteger(value) || value < min || value > max) return Promise.reject(new EncodeError(`${type} item out of range: ${value}`, { value }));
    return this.put(type, set, opts);
  }

  private put(type: DataItemTypeName, set: (v: DataView) => void, opts?: SendOptions): Promise<void> {
    const message = new Uint8Array(1 + fixedSize[type]!);
    message[0] = DataItemType[type];
    set(new DataView(message.buffer, 1));
    return this.stream.send(message, opts);
  }

  private variable(type: 'string' | 'bytes', payload: Uint8Array, opts?: SendOptions): Promise<void> {
    const message = new Uint8Array(1 + payload.length);
    message[0] = DataItemType[type];
    message.set(payload, 1);
    return this.stream.send(message, opts);
  }
}

/**
 * Reads typed data items from a stream. A read of the wrong type gives ERR_DATA_ITEM_MISMATCH and leaves
 * the item unread, so nothing is lost: the caller can read it with the right method or `readAny`.
 * At end-of-stream a read gives ERR_END_OF_STREAM.
 */
export class DataItemReader {
  private pending: Uint8Array | undefined;
  private index = 0;

  constructor(private readonly stream: MessageStream) {}

  readBoolean(opts?: WaitOptions): Promise<boolean> {
    return this.read('boolean', opts);
  }
  readInt8(opts?: WaitOptions): Promise<number> {
    return this.read('int8', opts);
  }
  readInt16(opts?: WaitOptions): Promise<number> {
    return this.read('int16', opts);
  }
  readInt32(opts?: WaitOptions): Promise<number> {
    return this.read('int32', opts);
  }
  readInt64(opts?: WaitOptions): Promise<bigint> {
    return this.read('int64', opts);
  }
  readFloat32(opts?: WaitOptions): Promise<number> {
    return this.read('float32', opts);
  }
  readFloat64(opts?: WaitOptions): Promise<number> {
    return this.read('float64', opts);
  }
  readChar(opts?: WaitOptions): Promise<string> {
    return this.read('char', opts);
  }
  readString(opts?: WaitOptions): Promise<string> {
    return this.read('string', opts);
  }
  readBytes(opts?: WaitOptions): Promise<Uint8Array> {
    return this.read('bytes', opts);
  }

  /** The type of the next item without consuming it; `null` at end-of-stream. */
  async peekType(opts?: WaitOptions): Promise<DataItemTypeName | null> {
    const message = await this.next(opts);
    if (message === null) return null;
    this.pending = message;
    return this.typeOf(message);
  }

  /** Reads the next item whatever its type. */
  async readAny(opts?: WaitOptions): Promise<DataItem> {
    const type = await this.peekType(opts);
    if (type === null) throw new EndOfStreamError('the stream ended before the next data item', { item: this.index });
    return { type, value: await this.read(type, opts) } as DataItem;
  }

  private async read<K extends DataItemTypeName>(expected: K, opts?: WaitOptions): Promise<ItemValues[K]> {
    const message = await this.next(opts);
    if (message === null) throw new EndOfStreamError(`the stream ended where a ${expected} item was expected`, { item: this.index });
    const found = this.typeOf(message);
    if (found !== expected) {
      this.pending = message;
      throw new DataItemMismatchError(expected, found, { item: this.index });
    }
    const value = decodeItem(expected, message.subarray(1), this.index);
    this.index++;
    return value;
  }

  private async next(opts?: WaitOptions): Promise<Uint8Array | null> {
    if (this.pending) {
      const message = this.pending;
      this.pending = undefined;
      return message;
    }
    return this.stream.receive(opts);
  }

  private typeOf(message: Uint8Array): DataItemTypeName {
    const name = message.length > 0 ? typeNames[message[0]!] : undefined;
    if (name === undefined) throw new DecodeError(`item ${this.index} is not a data item (type byte ${message[0] ?? 'missing'})`, { item: this.index, offset: 0 });
    return name;
  }
}

function decodeItem<K extends DataItemTypeName>(type: K, payload: Uint8Array, index: number): ItemValues[K] {
  const size = fixedSize[type];
  if (size !== undefined && payload.length !== size) {
    throw new DecodeError(`${type} item ${index} has ${payload.length} payload bytes, expected ${size}`, { item: index, offset: 1 });
  }
  const view = new DataView(payload.buffer, payload.byteOffset, payload.length);
  const values: { [T in DataItemTypeName]: () => ItemValues[T] } = {
    boolean: () => view.getUint8(0) !== 0,
    int8: () => view.getInt8(0),
    int16: () => view.getInt16(0),
    int32: () => view.getInt32(0),
    int64: () => view.getBigInt64(0),
    float32: () => view.getFloat32(0),
    float64: () => view.getFloat64(0),
    char: () => String.fromCharCode(view.getUint16(0)),
    string: () => decodeUtf8(payload, index),
    bytes: () => new Uint8Array(payload), // a copy, so the item outlives the network buffer it came in
  };
  return values[type]();
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(payload: Uint8Array, index: number): string {
  try {
    return utf8.decode(payload);
  } catch {
    throw new DecodeError(`string item ${index} is not valid UTF-8`, { item: index, offset: 1 });
  }
}
