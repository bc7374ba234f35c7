/** The XML codec: the element-per-field representation in a namespace, as UTF-8 bytes. */
import { DecodeError } from '../../errors.ts';
import { rootPath } from '../check.ts';
import type { Codec, CodecOptions } from '../codec-types.ts';
import { MARSHAL_DEFAULTS, type Limits } from '../limits.ts';
import { toDecodeError, toEncodeError } from '../located.ts';
import type { Schema } from '../schema.ts';
import { compileXmlEncoder } from './compile.ts';
import { compileXmlReader } from './decode.ts';
import { compileXmlWriter, hasElements } from './encode.ts';
import { XmlPull } from './pull.ts';
import { escapeAttribute } from './text.ts';
import { checkRootElement, checkXmlNames, xsdTypeName } from './xsd.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

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
      if (!(bytes instanceof Uint8Array)) throw new DecodeError('expected a Uint8Array to decode', { offset: 0, path: root });
      if (bytes.length > limits.maxMessageBytes) {
        throw new DecodeError(`input of ${bytes.length} bytes exceeds maxMessageBytes (${limits.maxMessageBytes})`, { offset: 0, path: root, limit: limits.maxMessageBytes });
      }
      let text: string;
      try {
        text = decoder.decode(bytes);
      } catch {
        // The fatal decoder's TypeError has no position; say what is wrong instead.
        throw new DecodeError('XML input is not valid UTF-8 (courier reads UTF-8 only)', { offset: 0, path: root });
      }
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
