/**
 * The message types a google.protobuf.Any may hold in proto3 JSON: its `@type` URL's last segment is a
 * full message name, looked up in a ProtoDocument; each type's plan and protobuf codec are made once.
 */
import type { Codec } from '../codec-types.ts';
import type { Limits } from '../limits.ts';
import { protobufCodec } from '../protobuf/codec.ts';
import { planRoot, type MessagePlan } from '../protobuf/plan.ts';
import type { Schema } from '../schema.ts';

export interface AnyType {
  readonly plan: MessagePlan;
  readonly pb: Codec<unknown>;
}

/** Finds the type of an Any's `@type` URL, or undefined when it names no message of the document. */
export type AnyTypes = (url: string) => AnyType | undefined;

/** Well-known types whose JSON is not an object of fields: inside an Any their JSON goes under "value". */
const special = new Set(
  ['Any', 'Timestamp', 'Duration', 'FieldMask', 'Struct', 'Value', 'ListValue', 'DoubleValue', 'FloatValue', 'Int64Value', 'UInt64Value', 'Int32Value', 'UInt32Value', 'BoolValue', 'StringValue', 'BytesValue'].map(
    (n) => `google.protobuf.${n}`,
  ),
);

/** Whether a message of `plan` sits under "value" inside an Any's JSON. */
export const underValue = (plan: MessagePlan) => plan.proto !== undefined && special.has(plan.proto);

/** The resolver over `doc`, caching each type (at most `maxTypes` of them, 1,000 by default). */
export function anyTypes(doc: { type(name: string): Schema }, limits: Limits, maxTypes = 1000): AnyTypes {
  const cache = new Map<string, AnyType | undefined>();
  return (url) => {
    const slash = url.lastIndexOf('/');
    const name = url.slice(slash + 1);
    if (slash < 0 || name === '') return undefined;
    if (cache.has(name)) return cache.get(name);
    let t: AnyType | undefined;
    try {
      const schema = doc.type(name);
      t = schema.kind === 'struct' ? { plan: planRoot(schema), pb: protobufCodec(schema, {}, limits) } : undefined;
    } catch {
      // A name the document does not declare: the caller reports the Any as unresolvable.
      t = undefined;
    }
    if (cache.size < maxTypes) cache.set(name, t);
    return t;
  };
}
