/** The XML codec: the element-per-field representation in a namespace, as UTF-8 bytes. */
import { rootPath } from '../check.ts';
import type { Codec, CodecOptions } from '../codec-types.ts';
import { MARSHAL_DEFAULTS, type Limits } from '../limits.ts';
import { toDecodeError, toEncodeError } from '../located.ts';
import type { Schema } from '../schema.ts';
import { readUtf8Input } from '../text-input.ts';
import { compileXmlEncoder } from './compile.ts';
import { compileXmlReader } from './decode.ts';
import { compileXmlWriter, hasElements } from './encode.ts';
import { XmlPull } from './pull.ts';
import { escapeAttribute } from './text.ts';
import { checkRootElement, checkXmlNames, xsdTypeName } from './xsd.ts';

const encoder = new TextEncoder();

export function xmlCodec<T>(schema: Schema, options: CodecOptions, limits: Limits): Codec<T> {
  checkRootElement(options.rootElement);
  checkXmlNames(schema);
  const ns = options.namespace ?? MARSHAL_DEFAULTS.xmlNamespace;
  const name = options.rootElement ?? ('name' in schema ? xsdTypeName(schema.name).split('.').pop()! : 'value');
  const root = rootPath('name' in schema ? schema.name : undefined);
  const write = compileXmlWriter(schema);
  // Generated code for the compact form by default; pretty output and codegen: false use the closures.
  const generated = options.codegen === false || options.pretty ? undefined : compileXmlEncoder(schema, root);
  const read = compileXmlReader(schema, ns);
  const complex = hasElements(schema);
  const open = `<${name} xmlns="${escapeAttribute(ns)}">`;
  const close = `</${name}>`;
  const pretty = options.pretty === true;
  return {
    schema,
    format: 'xml',
    encode(value: T): Uint8Array {
      let body: string;
      try {
        body = generated ? generated(value) : write(value, pretty ? '  ' : null);
      } catch (err) {
        toEncodeError(err, root);
      }
      const text = pretty ? `<?xml version="1.0" encoding="UTF-8"?>\n${open}${complex && body ? '\n' : ''}${body}${close}\n` : open + body + close;
      return encoder.encode(text);
    },
    decode(bytes: Uint8Array): T {
      const text = readUtf8Input(bytes, limits, root, 'XML input is not valid UTF-8 (courier reads UTF-8 only)');
      try {
        const p = new XmlPull(text, limits.maxDepth);
        p.prolog();
        const value = read(p, p.enter(name, ns));
        p.finish();
        return value as T;
      } catch (err) {
        toDecodeError(err, root);
      }
    },
  };
}
