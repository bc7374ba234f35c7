import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isCourierError } from '../../src/errors.ts';
import { codec, describe, loadIdlFile, parseIdl, type Schema } from '../../src/marshal/index.ts';

function parseFails(source: string, line: number, column: number, message: RegExp): void {
  assert.throws(
    () => parseIdl(source, { file: 'x.idl' }),
    (e: unknown) => {
      assert.ok(isCourierError(e, 'ERR_PARSE'), String(e));
      assert.deepEqual([e.context.line, e.context.column], [line, column], e.message);
      assert.match(e.message, message);
      assert.ok(e.message.startsWith(`x.idl:${line}:${column}: `));
      return true;
    },
  );
}

const shapes = `
// Shapes, as a CORBA or DDS user would write them.
#pragma prefix "example.org"
module Demo {
  const long MAX = 4 * 2;           /* arithmetic on constants */
  const unsigned long long BIG = 0x10;
  const string NAME = "demo";
  enum Color { RED, GREEN, BLUE };
  typedef sequence<long, MAX> Longs;
  typedef double Matrix[2][3];
  struct Point { long x, y; };
  struct Shape {
    string<MAX> label;
    Color color;
    Point pts[3];
    Longs ids;
    sequence<octet> raw;
    Matrix m;
    @optional unsigned short tag;
    long long when;
    char c;
    boolean b;
    float f;
  };
  union Value switch (Color) {
    case RED: case Color::GREEN: long n;
    default: string s;
  };
  exception Oops { string why; };
  interface Service {
    struct Reply { Value v; };
    Value get(in long id) raises (Oops);
    readonly attribute long count;
  };
};
`;

test('IDL structs, enums, unions, typedefs, arrays, bounded types and constants become schemas', () => {
  const doc = parseIdl(shapes, { file: 'shapes.idl' });
  const shape = doc.type('Shape');
  assert.equal(shape.kind, 'struct');
  const fields = shape.kind === 'struct' ? shape.fields.map((f) => `${f.number}:${f.name}:${describe(f.type)}`) : [];
  assert.deepEqual(fields, [
    '1:label:string<8>',
    '2:color:Demo::Color',
    '3:pts:Demo::Point[3]',
    '4:ids:sequence<int32, 8>',
    '5:raw:bytes',
    '6:m:float64[3][2]',
    '7:tag:optional<uint16>',
    '8:when:int64',
    '9:c:char',
    '10:b:boolean',
    '11:f:float32',
  ]);
  const m = shape.kind === 'struct' ? shape.fields[5]!.type : undefined;
  assert.deepEqual(m, { kind: 'array', length: 2, element: { kind: 'array', length: 3, element: { kind: 'float64' } } });
  const value = doc.type('Demo::Value');
  assert.equal(value.kind === 'union' && value.cases.map((c) => `${c.name}:${c.labels.join('|')}:${c.isDefault}`).join(' '), 'n:RED|GREEN:false s::true');
  assert.equal(doc.constants.get('Demo::MAX'), 8n);
  assert.equal(doc.constants.get('Demo::BIG'), 16n);
  assert.equal(doc.type('Service::Reply').kind, 'struct');
  assert.equal(doc.type('Oops').kind, 'struct');
  // The imported schema drives a codec like a built one.
  const c = codec(doc.type('Point'), 'cdr');
  assert.deepEqual(c.decode(c.encode({ x: 1, y: -1 })), { x: 1, y: -1 });
});

test('type lookup by short name is refused when ambiguous or unknown', () => {
  const doc = parseIdl('module A { struct P { long x; }; }; module B { struct P { long y; }; };');
  assert.throws(() => doc.type('P'), /ambiguous: A::P, B::P/);
  assert.throws(() => doc.type('Q'), (e: unknown) => isCourierError(e, 'ERR_SCHEMA') && /no type 'Q'/.test(e.message));
  assert.equal((doc.type('B::P') as Schema & { kind: 'struct' }).fields[0]!.name, 'y');
});

test('syntax errors name line and column', () => {
  parseFails('module M {\n  struct S {\n    long x\n  };\n};', 4, 3, /expected ';', found '}'/);
  parseFails('struct S { Unknown u; };', 1, 12, /'Unknown' is not declared/);
  parseFails('struct S { long x; long x; };', 1, 25, /already has a member 'x'/);
  parseFails('struct S {\n  string<0> s;\n};', 2, 10, /string bound must be a positive integer/);
  parseFails('const long N = 1 / 0;', 1, 18, /division by zero/);
  parseFails('struct S { wstring w; };', 1, 12, /'wstring' is not supported/);
  parseFails('union U switch (double) { case 1: long a; };', 1, 17, /discriminator must be/);
  parseFails('struct S { long x; };\nstruct S { long y; };', 2, 8, /already declared/);
  parseFails('struct S { long x; }', 1, 21, /expected ';', found the end of input/);
  parseFails('#if FOO > 1\n#endif', 1, 1, /unsupported #if/);
  parseFails('/* open', 1, 1, /unterminated comment/);
  parseFails('struct N; struct S { N n; };', 1, 22, /recursive types are not supported/);
  parseFails('enum E { A, A };', 1, 13, /already has an enumerator 'A'/);
});

test('preprocessor: include guards, #define constants, #ifdef, #include relative to the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'courier-idl-'));
  writeFileSync(join(dir, 'common.idl'), '#ifndef COMMON\n#define COMMON\n#define LEN 5\nmodule C { struct Stamp { long sec; }; };\n#endif\n');
  writeFileSync(
    join(dir, 'main.idl'),
    '#include "common.idl"\n#include "common.idl"\n#include <orb.idl>\n#ifdef NOPE\nthis is skipped\n#else\nmodule M { struct S { C::Stamp t; string<LEN> s; }; };\n#endif\n',
  );
  const doc = loadIdlFile(join(dir, 'main.idl'));
  assert.equal(describe((doc.type('S') as Schema & { kind: 'struct' }).fields[1]!.type), 'string<5>');
  writeFileSync(join(dir, 'bad.idl'), '\n  #include "missing.idl"\n');
  assert.throws(() => loadIdlFile(join(dir, 'bad.idl')), (e: unknown) => isCourierError(e, 'ERR_PARSE') && e.context.line === 2 && /cannot find included file/.test(e.message));
  assert.throws(() => loadIdlFile(join(dir, 'none.idl')), (e: unknown) => isCourierError(e, 'ERR_PARSE') && /cannot read IDL file/.test(e.message));
});

test('DDS annotations are skipped, @optional and @id honoured', () => {
  const doc = parseIdl('@topic\nstruct T { @key long id; @id(10) @optional string note; @default(3) short n; };\n@annotation X { long v; };');
  const s = doc.type('T') as Schema & { kind: 'struct' };
  assert.deepEqual(
    s.fields.map((f) => [f.name, f.number, describe(f.type)]),
    [
      ['id', 1, 'int32'],
      ['note', 10, 'optional<string>'],
      ['n', 11, 'int16'],
    ],
  );
});

test('ROS 2 generated IDL: nested modules, @verbatim annotations with concatenated text, includes, constants modules', () => {
  const files: Record<string, string> = {
    'builtin_interfaces/msg/Time.idl':
      'module builtin_interfaces {\n  module msg {\n    @verbatim (language="comment", text=\n      "ROS Time." "\\n"\n      "See the design article.")\n' +
      '    struct Time {\n      int32 sec;\n      uint32 nanosec;\n    };\n  };\n};\n',
  };
  const doc = parseIdl(
    '#include "builtin_interfaces/msg/Time.idl"\nmodule geometry_msgs { module msg {\n  typedef double double__36[36];\n' +
      '  module Pose_Constants { const uint8 FRAME_A = 1; };\n  struct Point { double x; double y; double z; };\n' +
      '  struct Pose { builtin_interfaces::msg::Time stamp; @default (value="map") string frame_id; Point position; double__36 covariance; sequence<Point, 10> waypoints; };\n}; };\n',
    {
      file: 'geometry_msgs/msg/Pose.idl',
      resolveInclude: (name) => (files[name] === undefined ? undefined : { file: name, text: files[name]! }),
    },
  );
  const pose = doc.type('Pose') as Schema & { kind: 'struct' };
  assert.deepEqual(
    pose.fields.map((f) => describe(f.type)),
    ['builtin_interfaces::msg::Time', 'string', 'geometry_msgs::msg::Point', 'float64[36]', 'sequence<geometry_msgs::msg::Point, 10>'],
  );
  assert.equal(doc.constants.get('geometry_msgs::msg::Pose_Constants::FRAME_A'), 1n);
  const c = codec(pose, 'cdr-le', { encapsulation: 'xcdr1' });
  const v = { stamp: { sec: 1, nanosec: 2 }, frame_id: 'map', position: { x: 1, y: 2, z: 3 }, covariance: Array<number>(36).fill(0.5), waypoints: [{ x: 0, y: 0, z: 0 }] };
  assert.deepEqual(c.decode(c.encode(v as never)), v);
});

test('escaped identifiers: a leading underscore lets a name clash with a keyword and is not part of it', () => {
  const doc = parseIdl('module M { struct _struct { long _module; string _string; }; typedef _struct Alias; };');
  const s = doc.type('struct') as Schema & { kind: 'struct' };
  assert.deepEqual(
    s.fields.map((f) => f.name),
    ['module', 'string'],
  );
  assert.equal(doc.type('Alias'), s);
});
