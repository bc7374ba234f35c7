/**
 * The XML Schema (XSD 1.0) of a type's element-per-field representation, so any validator (xmllint,
 * Xerces) can check courier's XML. Named structs and unions become named complex types, enums named
 * simple types (scoped IDL names joined with '.'); lists, bounded strings and chars are anonymous.
 */
import { InvalidArgumentError, SchemaError } from '../../errors.ts';
import { checkSchema } from '../schema-check.ts';
import { MARSHAL_DEFAULTS } from '../limits.ts';
import { planUnion } from '../union.ts';
import { isPrimitive, type PrimitiveKind, type Schema } from '../schema.ts';
import { escapeAttribute } from './text.ts';

const builtin: Record<PrimitiveKind, string> = {
  boolean: 'xs:boolean',
  octet: 'xs:unsignedByte',
  uint8: 'xs:unsignedByte',
  int8: 'xs:byte',
  int16: 'xs:short',
  uint16: 'xs:unsignedShort',
  int32: 'xs:int',
  uint32: 'xs:unsignedInt',
  int64: 'xs:long',
  uint64: 'xs:unsignedLong',
  float32: 'xs:float',
  float64: 'xs:double',
  char: '',
};

/** The XSD type name of a named schema type: `Demo::Person` becomes `Demo.Person`. */
export function xsdTypeName(name: string): string {
  return name.replace(/::/g, '.');
}

const ncName = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/**
 * Throws ERR_SCHEMA for a union with a case named `discriminator`: in the element-per-field form its
 * element could not be told from the discriminator's.
 */
export function checkXmlNames(s: Schema): void {
  switch (s.kind) {
    case 'struct':
      return s.fields.forEach((f) => checkXmlNames(f.type));
    case 'union':
      if (s.cases.some((c) => c.name === 'discriminator')) {
        throw new SchemaError(`union ${s.name}: a case named 'discriminator' cannot be told apart from the discriminator in XML`, { type: s.name });
      }
      return s.cases.forEach((c) => checkXmlNames(c.type));
    case 'sequence':
    case 'array':
    case 'optional':
      return checkXmlNames(s.element);
  }
}

/** Throws ERR_INVALID_ARGUMENT unless `name` (when given) can name an XML element. */
export function checkRootElement(name: string | undefined): void {
  if (name !== undefined && !ncName.test(name)) throw new InvalidArgumentError(`rootElement '${name}' is not an XML element name`, { rootElement: name });
}

export interface XsdOptions {
  readonly namespace?: string;
  readonly rootElement?: string;
}

/** Generates the XSD document for values of `schema` (root element named after the type). */
export function generateXsd(schema: Schema, options: XsdOptions = {}): string {
  checkSchema(schema, Infinity);
  checkXmlNames(schema);
  checkRootElement(options.rootElement);
  const ns = options.namespace ?? MARSHAL_DEFAULTS.xmlNamespace;
  const named = new Map<string, string>();

  const typeRef = (s: Schema, indent: string): { attr: string; inline: string } => {
    if (isPrimitive(s) && s.kind !== 'char') return { attr: ` type="${builtin[s.kind]}"`, inline: '' };
    switch (s.kind) {
      case 'struct':
      case 'union':
      case 'enum':
        define(s);
        return { attr: ` type="tns:${xsdTypeName(s.name)}"`, inline: '' };
      case 'bytes':
        if (s.maxLength === undefined) return { attr: ' type="xs:base64Binary"', inline: '' };
        return { attr: '', inline: simple(indent, 'xs:base64Binary', `<xs:maxLength value="${s.maxLength}"/>`) };
      case 'string':
        if (s.maxLength === undefined) return { attr: ' type="xs:string"', inline: '' };
        // XSD counts characters and courier's bound counts UTF-8 bytes, so this is the looser check.
        return { attr: '', inline: simple(indent, 'xs:string', `<xs:maxLength value="${s.maxLength}"/>`) };
      case 'char':
        return { attr: '', inline: simple(indent, 'xs:string', '<xs:length value="1"/>') };
      case 'sequence':
      case 'array': {
        const min = s.kind === 'array' ? s.length : 0;
        const max = s.kind === 'array' ? String(s.length) : s.maxLength === undefined ? 'unbounded' : String(s.maxLength);
        const item = elementDecl('item', s.element, `${indent}      `, ` minOccurs="${min}" maxOccurs="${max}"`);
        return { attr: '', inline: `\n${indent}  <xs:complexType>\n${indent}    <xs:sequence>\n${item}${indent}    </xs:sequence>\n${indent}  </xs:complexType>\n${indent}` };
      }
      case 'optional':
        return typeRef(s.element, indent);
      default:
        return { attr: ` type="${builtin[s.kind]}"`, inline: '' };
    }
  };

  const simple = (indent: string, base: string, facet: string) =>
    `\n${indent}  <xs:simpleType>\n${indent}    <xs:restriction base="${base}">${facet}</xs:restriction>\n${indent}  </xs:simpleType>\n${indent}`;

  const elementDecl = (name: string, s: Schema, indent: string, occurs = ''): string => {
    const { attr, inline } = typeRef(s, indent);
    return inline ? `${indent}<xs:element name="${name}"${occurs}>${inline}</xs:element>\n` : `${indent}<xs:element name="${name}"${attr}${occurs}/>\n`;
  };

  const defined = new Map<string, Schema>();
  function define(s: Schema & { kind: 'struct' | 'union' | 'enum' }): void {
    const name = xsdTypeName(s.name);
    const prior = defined.get(name);
    if (prior) {
      // One XSD type per name: two different types sharing a name would make the XSD reject valid XML.
      if (prior !== s && JSON.stringify(prior) !== JSON.stringify(s)) {
        throw new SchemaError(`two different types are both named ${s.name}; XSD type names must be unique`, { type: s.name });
      }
      return;
    }
    defined.set(name, s);
    named.set(name, '');
    let body: string;
    if (s.kind === 'enum') {
      const values = s.values.map((v) => `      <xs:enumeration value="${v}"/>\n`).join('');
      body = `  <xs:simpleType name="${name}">\n    <xs:restriction base="xs:string">\n${values}    </xs:restriction>\n  </xs:simpleType>\n`;
    } else if (s.kind === 'struct') {
      const fields = s.fields
        .map((f) => elementDecl(f.name, f.type.kind === 'optional' ? f.type.element : f.type, '      ', f.type.kind === 'optional' ? ' minOccurs="0"' : ''))
        .join('');
      body = `  <xs:complexType name="${name}">\n    <xs:sequence>\n${fields}    </xs:sequence>\n  </xs:complexType>\n`;
    } else {
      const d = elementDecl('discriminator', s.discriminator, '      ', ' minOccurs="0"');
      const cases = s.cases.map((c) => elementDecl(c.name, c.type, '        ')).join('');
      // A union without a default case may hold no member: then only its discriminator is written.
      const choice = planUnion(s).emptyLabel === undefined ? '<xs:choice>' : '<xs:choice minOccurs="0">';
      body = `  <xs:complexType name="${name}">\n    <xs:sequence>\n${d}      ${choice}\n${cases}      </xs:choice>\n    </xs:sequence>\n  </xs:complexType>\n`;
    }
    named.set(name, body);
  }

  const rootName = options.rootElement ?? ('name' in schema ? xsdTypeName(schema.name).split('.').pop()! : 'value');
  const root = elementDecl(rootName, schema, '  ');
  const ens = escapeAttribute(ns);
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:tns="${ens}" targetNamespace="${ens}" elementFormDefault="qualified">\n` +
    root +
    [...named.values()].join('') +
    `</xs:schema>\n`
  );
}
