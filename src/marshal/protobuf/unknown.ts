/**
 * Unknown fields kept by a decode ride on the decoded object under a non-enumerable symbol, so they
 * survive a decode/encode round trip without showing up in the value's keys, JSON or comparisons.
 */

/** The property under which a decoded message keeps the raw records of fields its schema does not name. */
export const UNKNOWN_FIELDS: unique symbol = Symbol.for('courier.protobuf.unknownFields');

/** The raw unknown-field records a decode kept on `message`, or undefined. */
export function unknownFields(message: object): Uint8Array | undefined {
  const u: unknown = Reflect.get(message, UNKNOWN_FIELDS);
  return u instanceof Uint8Array && u.length > 0 ? u : undefined;
}

/** Attaches raw unknown-field records to `message` (not enumerable, so equality and JSON ignore them). */
export function keepUnknownFields(message: object, records: Uint8Array): void {
  Object.defineProperty(message, UNKNOWN_FIELDS, { value: records, enumerable: false, writable: true, configurable: true });
}
