/**
 * The bounds every codec enforces, in one frozen object so the docs and tests can cite them. Pass
 * overrides per codec: `codec(schema, 'cdr', { maxMessageBytes: 1 << 20 })`.
 */
export const MARSHAL_DEFAULTS = Object.freeze({
  /** Largest encoding accepted by decode or produced by encode, in bytes (64 MiB). */
  maxMessageBytes: 64 * 1024 * 1024,
  /** Deepest schema a codec compiles, and deepest XML element nesting a decoder reads. */
  maxDepth: 64,
  /** Most elements in one sequence whose elements may take no bytes (a sequence of empty structs): each
   * still costs an object, so this bounds what a 4-byte count can make a decoder build. */
  maxSequenceLength: 1024 * 1024,
  /** Namespace of the XML element-per-field representation, unless a codec names another. */
  xmlNamespace: 'urn:courier-ipc:marshal',
});

/** Options common to every codec; each defaults to the value in MARSHAL_DEFAULTS. */
export interface Limits {
  readonly maxMessageBytes: number;
  readonly maxDepth: number;
  readonly maxSequenceLength: number;
}
