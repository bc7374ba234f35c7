import { DecodeError } from '../errors.ts';
import { t, type Schema, type StructSchema } from '../marshal/schema.ts';
import type { MethodInfo, RemoteInterface } from './interface.ts';

/** The operation id that asks an object for its interface description instead of invoking a method. */
export const DESCRIBE_OPERATION = 0xffff_ffff;

export const NO_ARGS = t.struct('courier::NoArgs', {});

/** An interface as JSON text: its name and each method's operation, argument and result schemas and exceptions. */
export function describeInterface(iface: RemoteInterface): string {
  return JSON.stringify({
    name: iface.name,
    methods: iface.methods.map((m) => ({
      name: m.name,
      operation: m.operation,
      argNames: m.argNames,
      args: m.argsSchema,
      result: m.resultSchema ?? null,
      raises: [...m.raises.values()],
    })),
  });
}

interface Described {
  name: string;
  methods: { name: string; operation: number; argNames: string[]; args: StructSchema; result: StructSchema | null; raises: StructSchema[] }[];
}

/**
 * Rebuilds an interface from `describeInterface`'s text. The schemas are plain data, so they come back as
 * they were; ERR_DECODE when the text is not such a description.
 */
export function parseInterfaceDescription(text: string): RemoteInterface {
  let d: Described;
  try {
    d = JSON.parse(text) as Described;
  } catch (err) {
    throw new DecodeError(`interface description is not JSON: ${(err as Error).message}`);
  }
  if (typeof d?.name !== 'string' || !Array.isArray(d.methods)) throw new DecodeError('not an interface description');
  const methods = d.methods.map(
    (m): MethodInfo => ({
      name: m.name,
      operation: m.operation,
      argNames: m.argNames,
      argsSchema: m.args,
      resultSchema: m.result ?? undefined,
      raises: new Map(m.raises.map((e) => [e.name, e])),
    }),
  );
  return { name: d.name, methods };
}

/** Shown in help texts: the schema of a method's arguments in one line. */
export function signature(m: MethodInfo): string {
  const show = (s: Schema): string => ('name' in s ? s.name : s.kind);
  const args = m.argsSchema.fields.map((f) => `${f.name}: ${show(f.type)}`).join(', ');
  const result = m.resultSchema ? show(m.resultSchema.fields[0]!.type) : 'void';
  return `${m.name}(${args}): ${result}`;
}
