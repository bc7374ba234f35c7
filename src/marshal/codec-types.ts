/** The one interface every format's codec implements, and the options they take. */
import type { Limits } from './limits.ts';
import type { Schema } from './schema.ts';

/** Wire formats of this layer: big-endian CDR, little-endian CDR, XML, JSON, Protocol Buffers (proto3 binary), Java object serialization. */
export type Format = 'cdr' | 'cdr-le' | 'xml' | 'json' | 'protobuf' | 'java';

/**
 * How a CDR encoding is framed: `none` a bare stream aligned from its first byte; `corba` a CORBA
 * encapsulation (byte-order octet at offset 0, alignment from it); `xcdr1`/`xcdr2` the 4-byte DDS/ROS 2
 * representation header, alignment from the end of the header.
 */
export type Encapsulation = 'none' | 'corba' | 'xcdr1' | 'xcdr2';

export interface CodecOptions extends Partial<Limits> {
  /** Generate specialised code with `new Function` (default true); false interprets the schema tree. */
  readonly codegen?: boolean;
  /** CDR framing (default `none`). On decode, a framed encoding's own byte-order flag wins. */
  readonly encapsulation?: Encapsulation;
  /** XML namespace of every element (default MARSHAL_DEFAULTS.xmlNamespace). */
  readonly namespace?: string;
  /** XML root element name (default: the root type's name, or `value`). */
  readonly rootElement?: string;
  /**
   * JSON of a .proto schema (proto3 mapping): where a `google.protobuf.Any` finds the message its `@type`
   * URL names (a ProtoDocument from parseProto/loadProtoFile). Without it an Any is ERR_ENCODE/ERR_DECODE.
   */
  readonly protoTypes?: { type(name: string): Schema };
  /** JSON of a .proto schema (proto3 mapping): skip unknown members and enum names on decode (default false). */
  readonly ignoreUnknownFields?: boolean;
  /** JSON and XML: indent the text for people (default false). */
  readonly pretty?: boolean;
}

/** Encodes and decodes values of one schema in one format. Compiled once; reuse it. */
export interface Codec<T> {
  readonly schema: Schema;
  readonly format: Format;
  /** Encodes `value`; throws ERR_ENCODE with the field path when it does not fit the schema. */
  encode(value: T): Uint8Array;
  /** Decodes one value; throws ERR_DECODE with offset (or line) and field path on malformed input. */
  decode(bytes: Uint8Array): T;
}
