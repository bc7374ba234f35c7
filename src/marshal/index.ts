// Public API of the marshal layer: the schema builder, the codec entry point, IDL import, XSD output.
export { t, describe, type Infer, type Schema, type Field, type UnionCase, type Label, type Annotations, type StructSchema, type EnumSchema, type UnionSchema, type SequenceSchema, type ArraySchema, type OptionalSchema, type StringSchema, type BytesSchema, type PrimitiveSchema, type PrimitiveKind } from './schema.ts';
export { codec } from './codec.ts';
export type { Codec, CodecOptions, Format, Encapsulation } from './codec-types.ts';
export { MARSHAL_DEFAULTS, type Limits } from './limits.ts';
export { generateXsd, type XsdOptions } from './xml/xsd.ts';
export { parseIdl, type IdlDocument, type IdlOptions, type ConstValue } from './idl/parser.ts';
export { loadIdlFile, type IdlFileOptions } from './idl/file.ts';
export { UNKNOWN_FIELDS, unknownFields } from './protobuf/unknown.ts';
export { parseProto, type ProtoDocument, type ProtoOptions, type ImportResolver } from './protobuf/proto-parser.ts';
export { loadProtoFile } from './protobuf/proto-file.ts';
export { readJavaStream, readJavaStreamWithHandles, JAVA_READ_DEFAULTS, type JavaValue, type JavaObject, type JavaArray, type JavaEnum, type JavaClass, type JavaClassDesc, type JavaClassData, type JavaFieldDesc, type JavaReadOptions } from './java/stream.ts';
export { writeJavaStream } from './java/write.ts';
export { formatJavaStream, javaTypeName, JAVA_INSPECT_DEFAULTS, type JavaInspectOptions } from './java/inspect.ts';
