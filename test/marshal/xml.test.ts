import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCourierError } from '../../src/errors.ts';
import { codec, generateXsd, t } from '../../src/marshal/index.ts';
import { Located } from '../../src/marshal/located.ts';
import { XmlPull } from '../../src/marshal/xml/pull.ts';

const Person = t.struct('Person', { name: t.string(), place: t.string(), year: t.int32() });
const xml = codec(Person, 'xml');
const utf8 = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const NS = 'urn:courier-ipc:marshal';

function refused(input: string, pattern: RegExp, c = xml): void {
  assert.throws(
    () => c.decode(utf8(input)),
    (err: unknown) => isCourierError(err, 'ERR_DECODE') && pattern.test(err.message) && typeof err.context.line === 'number',
    input.slice(0, 80),
  );
}

test('the textbook Person is one element per field, in a namespace', () => {
  assert.equal(text(xml.encode({ name: 'Smith', place: 'London', year: 1984 })), `<Person xmlns="${NS}"><name>Smith</name><place>London</place><year>1984</year></Person>`);
});

test('nothing is guessed: "007" and "true" in string fields stay strings', () => {
  const doc = `<Person xmlns="${NS}"><name>007</name><place>true</place><year>0042</year></Person>`;
  assert.deepEqual(xml.decode(utf8(doc)), { name: '007', place: 'true', year: 42 });
});

test('a DOCTYPE is refused, so neither external entities nor billion laughs can be defined', () => {
  refused(`<?xml version="1.0"?><!DOCTYPE Person [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><Person xmlns="${NS}"><name>&xxe;</name><place/><year>1</year></Person>`, /DOCTYPE is not accepted/);
  const laughs =
    '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">' +
    '<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]>' +
    `<Person xmlns="${NS}"><name>&lol2;</name><place/><year>1</year></Person>`;
  refused(laughs, /DOCTYPE is not accepted/);
  refused(`<Person xmlns="${NS}"><name>&lol2;</name><place/><year>1</year></Person>`, /entity &lol2; is not defined/);
});

test('element depth and input size are bounded', () => {
  // The schema bounds how deep a decoder descends; the parser bounds it again on its own.
  const p = new XmlPull(`<a xmlns="${NS}"><b><c><d>1</d></c></b></a>`, 3);
  p.enter('a', NS);
  p.enter('b', NS);
  p.enter('c', NS);
  assert.throws(() => p.enter('d', NS), (e: unknown) => e instanceof Located && /deeper than maxDepth \(3\)/.test(e.message));
  refused(`<Person xmlns="${NS}"><name>${'<a>'.repeat(100000)}</name></Person>`, /unexpected element inside a value/);
  const small = codec(Person, 'xml', { maxMessageBytes: 32 });
  assert.throws(() => small.decode(utf8(' '.repeat(33))), (e: unknown) => isCourierError(e, 'ERR_DECODE') && /maxMessageBytes/.test((e as Error).message));
});

test('malformed XML is refused with line and column', () => {
  assert.throws(
    () => xml.decode(utf8(`<Person xmlns="${NS}">\n  <name>a</name>\n  <place>b</plaice>\n</Person>`)),
    (e: unknown) => isCourierError(e, 'ERR_DECODE') && e.context.line === 3 && /does not match/.test(e.message),
  );
  refused(`<Person xmlns="urn:other"><name>a</name><place>b</place><year>1</year></Person>`, /namespace 'urn:other'/);
  refused(`<Person xmlns="${NS}"><name>a</name><year>1</year></Person>`, /expected element <place>/);
  refused(`<Person xmlns="${NS}"><name>a</name><place>b</place><year>1</year><extra/></Person>`, /unexpected element <extra>/);
  refused(`<Person xmlns="${NS}"><name>a</name><place>b</place><year>x</year></Person>`, /expected an int32/);
  refused(`<Person xmlns="${NS}"><name a="1">a</name><place>b</place><year>1</year></Person>`, /unexpected attribute/);
  refused(`<Person xmlns="${NS}"><name>a &amp b</name><place>b</place><year>1</year></Person>`, /entity/);
  refused(`<Person xmlns="${NS}"><name><b>x</b></name><place>b</place><year>1</year></Person>`, /unexpected element inside a value/);
  refused(`<Person xmlns="${NS}"><name>a</name><place>b</place><year>1</year></Person><Person/>`, /content after the root/);
  refused(`<Person xmlns="${NS}"><name>&#0;</name><place>b</place><year>1</year></Person>`, /does not allow/);
  refused(`<Person xmlns="${NS}"><name>a`, /end of input/);
});

test('prefixes, comments, CDATA, PIs, character references and CRLF are read as XML defines them', () => {
  const doc =
    `<?xml version="1.0" encoding="UTF-8"?>\n<!-- c --><p:Person xmlns:p="${NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="x y">` +
    `<p:name><![CDATA[<Sm&th>]]>&#x41;&#66;</p:name><?pi x?><p:place>a\r\nb&#13;</p:place><!-- y --><p:year> 7 </p:year></p:Person>`;
  assert.deepEqual(xml.decode(utf8(doc)), { name: '<Sm&th>AB', place: 'a\nb\r', year: 7 });
});

test('floats keep NaN, infinities and -0; 64-bit integers and bytes survive', () => {
  const S = t.struct('S', { a: t.float64(), b: t.float32(), c: t.float64(), d: t.int64(), e: t.bytes(), f: t.uint64() });
  const c = codec(S, 'xml');
  const v = { a: NaN, b: -0, c: -Infinity, d: -(2n ** 63n), e: new Uint8Array([0, 255]), f: 2n ** 64n - 1n };
  assert.match(text(c.encode(v)), /<a>NaN<\/a><b>-0<\/b><c>-INF<\/c><d>-9223372036854775808<\/d><e>AP8=<\/e><f>18446744073709551615<\/f>/);
  assert.deepStrictEqual(c.decode(c.encode(v)), v);
});

test('the XSD names a complex type per struct and lists enumerators', () => {
  const xsd = generateXsd(t.struct('Demo::Shape', { color: t.enum('Demo::Color', ['red', 'green']), pts: t.sequence(t.int32(), 4) }));
  assert.match(xsd, /<xs:element name="Shape" type="tns:Demo.Shape"\/>/);
  assert.match(xsd, /<xs:complexType name="Demo.Shape">/);
  assert.match(xsd, /<xs:enumeration value="green"\/>/);
  assert.match(xsd, /maxOccurs="4"/);
});

test('two different types with one name cannot share an XSD', () => {
  const a = t.struct('Point', { x: t.int32() });
  const b = t.struct('Point', { y: t.int32() });
  assert.throws(() => generateXsd(t.struct('Pair', { a, b })), (e: unknown) => isCourierError(e, 'ERR_SCHEMA') && /both named Point/.test((e as Error).message));
  assert.match(generateXsd(t.struct('Pair', { a, b: t.struct('Point', { x: t.int32() }) })), /<xs:complexType name="Point">/);
});

test('names that could break the markup are refused', () => {
  assert.throws(() => codec(Person, 'xml', { rootElement: 'a"><evil' }), (e: unknown) => isCourierError(e, 'ERR_INVALID_ARGUMENT'));
  assert.throws(() => generateXsd({ kind: 'struct', name: 'P"', fields: [] }), (e: unknown) => isCourierError(e, 'ERR_SCHEMA'));
  const clash = t.union('U', t.int32(), { discriminator: t.case([1], t.int32()) });
  assert.throws(() => codec(clash, 'xml'), /cannot be told apart/);
  assert.doesNotThrow(() => codec(clash, 'json'));
  const c = codec(Person, 'xml', { namespace: 'urn:a&b"c', rootElement: 'P' });
  const v = { name: 'a', place: 'b', year: 1 };
  assert.match(text(c.encode(v)), /^<P xmlns="urn:a&amp;b&quot;c">/);
  assert.deepEqual(c.decode(c.encode(v)), v);
});
