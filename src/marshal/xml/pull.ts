/**
 * A strict pull parser for the element-per-field XML subset, driven by the decoder that knows which
 * element comes next. It reads elements, attributes (namespace declarations only), character data,
 * the five predefined entities, character references, CDATA, comments and processing instructions.
 * It refuses any DOCTYPE (so no DTD, no entity definitions: neither external entities nor "billion
 * laughs" can exist), unknown entities and illegal characters, and bounds element depth.
 * Failures are Located errors carrying line and column.
 */
import { Located } from '../located.ts';

const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';
// eslint-disable-next-line no-control-regex -- these are exactly the control characters XML 1.0 forbids
const illegalChar = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;

interface Scope {
  readonly defaultNs: string;
  readonly prefixes: ReadonlyMap<string, string> | null;
  readonly parent: Scope | null;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
}

function isNameEnd(c: number): boolean {
  return isSpace(c) || c === 0x3e /* > */ || c === 0x2f /* / */ || c === 0x3d /* = */ || Number.isNaN(c);
}

export class XmlPull {
  private i = 0;
  private depth = 0;
  private scope: Scope = { defaultNs: '', prefixes: null, parent: null };
  /** Qualified names of the open elements, to check each end tag. */
  private readonly open: string[] = [];
  /** The namespace scope of each open element's parent, restored at its end tag. */
  private readonly scopes: Scope[] = [];

  constructor(
    readonly text: string,
    readonly maxDepth: number,
  ) {
    const bad = illegalChar.exec(text);
    if (bad) {
      this.i = bad.index;
      this.fail(`character U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()} is not allowed in XML`);
    }
    if (text.charCodeAt(0) === 0xfeff) this.i = 1;
  }

  /** Throws a Located error at the current position, with line and column (1-based). */
  fail(message: string, at = this.i): never {
    const before = this.text.slice(0, at);
    const line = before.split('\n').length;
    const column = at - before.lastIndexOf('\n');
    throw new Located(message, { line, column, offset: at });
  }

  /** Skips the XML declaration, comments, PIs and whitespace before the root; refuses a DOCTYPE. */
  prolog(): void {
    const t = this.text;
    if (t.startsWith('<?xml', this.i) && isSpace(t.charCodeAt(this.i + 5))) {
      const end = t.indexOf('?>', this.i);
      if (end < 0) this.fail('unterminated XML declaration');
      const decl = t.slice(this.i, end);
      const enc = /encoding\s*=\s*["']([^"']*)["']/.exec(decl);
      if (enc && !/^utf-?8$/i.test(enc[1]!)) this.fail(`encoding ${enc[1]} is not supported (UTF-8 only)`);
      this.i = end + 2;
    }
    this.misc();
  }

  /** After the root element: only comments, PIs and whitespace may follow. */
  finish(): void {
    this.misc();
    if (this.i < this.text.length) this.fail('content after the root element');
  }

  private misc(): void {
    const t = this.text;
    for (;;) {
      while (isSpace(t.charCodeAt(this.i))) this.i++;
      if (t.startsWith('<!--', this.i)) this.comment();
      else if (t.startsWith('<?', this.i)) this.pi();
      else if (t.startsWith('<!DOCTYPE', this.i) || t.startsWith('<!doctype', this.i)) {
        this.fail('DOCTYPE is not accepted: courier XML has no DTD, so entity definitions (external or nested) are refused');
      } else return;
    }
  }

  private comment(): void {
    const end = this.text.indexOf('-->', this.i + 4);
    if (end < 0) this.fail('unterminated comment');
    if (this.text.slice(this.i + 4, end).includes('--')) this.fail("'--' inside a comment");
    this.i = end + 3;
  }

  private pi(): void {
    const end = this.text.indexOf('?>', this.i + 2);
    if (end < 0) this.fail('unterminated processing instruction');
    if (/^<\?xml[\s?]/i.test(this.text.slice(this.i, this.i + 6))) this.fail('XML declaration is only allowed at the very start');
    this.i = end + 2;
  }

  /** Skips whitespace, comments and PIs between elements; fails on any other text. */
  private between(): void {
    const t = this.text;
    for (;;) {
      while (isSpace(t.charCodeAt(this.i))) this.i++;
      if (t.charCodeAt(this.i) !== 0x3c) {
        if (this.i >= t.length) this.fail('unexpected end of input');
        this.fail('unexpected text between elements');
      }
      if (t.startsWith('<!--', this.i)) this.comment();
      else if (t.startsWith('<?', this.i)) this.pi();
      else if (t.startsWith('<!', this.i)) this.fail(t.startsWith('<!DOCTYPE', this.i) ? 'DOCTYPE is not accepted' : 'unexpected markup declaration');
      else return;
    }
  }

  private name(): string {
    const t = this.text;
    const start = this.i;
    while (!isNameEnd(t.charCodeAt(this.i))) this.i++;
    if (this.i === start) this.fail('expected a name');
    return t.slice(start, this.i);
  }

  /** Namespace and local name of the last name resolved (fields, not a tuple: this runs per element). */
  private resolvedNs = '';
  private resolvedLocal = '';

  private resolve(qname: string, scope: Scope): void {
    const colon = qname.indexOf(':');
    if (colon < 0) {
      this.resolvedNs = scope.defaultNs;
      this.resolvedLocal = qname;
      return;
    }
    const prefix = qname.slice(0, colon);
    this.resolvedLocal = qname.slice(colon + 1);
    if (prefix === 'xml') {
      this.resolvedNs = XML_NS;
      return;
    }
    for (let s: Scope | null = scope; s; s = s.parent) {
      const ns = s.prefixes?.get(prefix);
      if (ns !== undefined) {
        this.resolvedNs = ns;
        return;
      }
    }
    this.fail(`namespace prefix '${prefix}' is not declared`);
  }

  /**
   * The local name of the next child element, or null when the parent's end tag comes next. Leaves the
   * position on the '<' so `enter` can read the tag.
   */
  peek(): string | null {
    this.between();
    const t = this.text;
    if (t.charCodeAt(this.i + 1) === 0x2f) return null;
    const save = this.i;
    this.i++;
    const q = this.name();
    // Remember the name, so the `enter` that usually follows does not read it again.
    this.peekedAt = save;
    this.peekedName = q;
    this.peekedEnd = this.i;
    this.i = save;
    const colon = q.indexOf(':');
    return colon < 0 ? q : q.slice(colon + 1);
  }

  private peekedAt = -1;
  private peekedName = '';
  private peekedEnd = 0;

  /**
   * Reads the start tag of element `local` in namespace `ns`. Returns true if it was empty (`<x/>`),
   * in which case no end tag follows.
   */
  enter(local: string, ns: string): boolean {
    this.between();
    const t = this.text;
    const at = this.i;
    if (t.charCodeAt(this.i + 1) === 0x2f) this.fail(`expected element <${local}>, found an end tag`);
    let qname: string;
    if (this.peekedAt === at) {
      qname = this.peekedName;
      this.i = this.peekedEnd;
    } else {
      this.i++;
      qname = this.name();
    }
    let scope = this.scope;
    let declared: Map<string, string> | null = null;
    let defaultNs: string | undefined;
    let attributes: [string, number][] | null = null;
    for (;;) {
      const ws = this.i;
      while (isSpace(t.charCodeAt(this.i))) this.i++;
      const c = t.charCodeAt(this.i);
      if (c === 0x3e || c === 0x2f) break;
      if (this.i === ws) this.fail('expected whitespace before an attribute');
      const attrAt = this.i;
      const attr = this.name();
      while (isSpace(t.charCodeAt(this.i))) this.i++;
      if (t.charCodeAt(this.i) !== 0x3d) this.fail(`expected '=' after attribute ${attr}`);
      this.i++;
      while (isSpace(t.charCodeAt(this.i))) this.i++;
      const value = this.attributeValue();
      if (attr === 'xmlns') defaultNs = value;
      else if (attr.startsWith('xmlns:')) (declared ??= new Map()).set(attr.slice(6), value);
      else (attributes ??= []).push([attr, attrAt]);
    }
    if (defaultNs !== undefined || declared) {
      scope = { defaultNs: defaultNs ?? scope.defaultNs, prefixes: declared, parent: scope };
    }
    this.resolve(qname, scope);
    if (this.resolvedLocal !== local) this.fail(`expected element <${local}>, found <${this.resolvedLocal}>`, at);
    if (this.resolvedNs !== ns) this.fail(`element <${local}> is in namespace '${this.resolvedNs}', expected '${ns}'`, at);
    if (attributes) {
      for (const [attr, attrAt] of attributes) {
        // Schema-instance attributes (xsi:schemaLocation, …) are hints for validators; anything else is
        // not part of the element-per-field representation.
        this.resolve(attr, scope);
        if (this.resolvedNs !== XSI_NS) this.fail(`unexpected attribute ${attr}`, attrAt);
      }
    }
    if (t.charCodeAt(this.i) === 0x2f) {
      if (t.charCodeAt(this.i + 1) !== 0x3e) this.fail("expected '/>'");
      this.i += 2;
      return true;
    }
    this.i++;
    if (++this.depth > this.maxDepth) this.fail(`elements nest deeper than maxDepth (${this.maxDepth})`);
    this.open.push(qname);
    this.scopes.push(this.scope);
    this.scope = scope;
    return false;
  }

  private attributeValue(): string {
    const t = this.text;
    const q = t.charCodeAt(this.i);
    if (q !== 0x22 && q !== 0x27) this.fail('expected a quoted attribute value');
    const end = t.indexOf(q === 0x22 ? '"' : "'", this.i + 1);
    if (end < 0) this.fail('unterminated attribute value');
    const raw = t.slice(this.i + 1, end);
    if (raw.includes('<')) this.fail("'<' inside an attribute value");
    this.i = end + 1;
    return raw.includes('&') ? this.unescape(raw, end - raw.length) : raw;
  }

  /** Reads the end tag of the innermost open element. */
  leave(): void {
    this.between();
    this.endTag();
  }

  private endTag(): void {
    const t = this.text;
    const at = this.i;
    if (t.charCodeAt(this.i + 1) !== 0x2f) this.fail(`expected the end tag </${this.open[this.open.length - 1]}>, found another element`);
    this.i += 2;
    const qname = this.name();
    while (isSpace(t.charCodeAt(this.i))) this.i++;
    if (t.charCodeAt(this.i) !== 0x3e) this.fail("expected '>'");
    this.i++;
    const expected = this.open.pop();
    if (qname !== expected) this.fail(`end tag </${qname}> does not match <${expected}>`, at);
    this.depth--;
    this.scope = this.scopes.pop()!;
  }

  /** Reads the character content of the element just entered, then its end tag. */
  content(): string {
    const t = this.text;
    let out = '';
    for (;;) {
      const lt = t.indexOf('<', this.i);
      if (lt < 0) this.fail('unexpected end of input inside an element');
      if (lt > this.i) out += this.chars(this.i, lt);
      this.i = lt;
      if (t.startsWith('</', lt)) break;
      if (t.startsWith('<![CDATA[', lt)) {
        const end = t.indexOf(']]>', lt + 9);
        if (end < 0) this.fail('unterminated CDATA section');
        out += t.slice(lt + 9, end).replace(/\r\n?/g, '\n');
        this.i = end + 3;
      } else if (t.startsWith('<!--', lt)) this.comment();
      else if (t.startsWith('<?', lt)) this.pi();
      else this.fail('unexpected element inside a value');
    }
    this.endTag();
    return out;
  }

  private chars(from: number, to: number): string {
    const raw = this.text.slice(from, to);
    if (raw.includes(']]>')) this.fail("']]>' in character data", from + raw.indexOf(']]>'));
    // XML parsers hand applications \n for every \r\n or lone \r in the text (a literal \r is written
    // &#13;), so newlines are normalised before references are expanded.
    const text = raw.includes('\r') ? raw.replace(/\r\n?/g, '\n') : raw;
    return text.includes('&') ? this.unescape(text, from) : text;
  }

  private unescape(raw: string, from: number): string {
    return raw.replace(/&([^;&]*);?/g, (m, body: string, offset: number) => {
      if (!m.endsWith(';')) this.fail("'&' must start an entity or character reference", from + offset);
      switch (body) {
        case 'lt':
          return '<';
        case 'gt':
          return '>';
        case 'amp':
          return '&';
        case 'quot':
          return '"';
        case 'apos':
          return "'";
      }
      const ref = /^#(?:x([0-9A-Fa-f]+)|([0-9]+))$/.exec(body);
      if (!ref) this.fail(`entity &${body}; is not defined (only the five predefined entities and character references are accepted)`, from + offset);
      const code = ref[1] !== undefined ? parseInt(ref[1], 16) : parseInt(ref[2]!, 10);
      const legal = code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
      if (!legal) this.fail(`character reference &${body}; names a character XML does not allow`, from + offset);
      return String.fromCodePoint(code);
    });
  }
}
