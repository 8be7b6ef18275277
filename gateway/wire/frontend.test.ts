import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { serialize } from 'pg-protocol';
import {
  FrontendDecoder, parsePasswordBody, parseSASLInitialResponse, decodeBody, invalidUtf8Message,
  type DecodeResult, type FrontendMessage, type DecodeError,
} from './frontend.ts';

// Decoded messages hold Uint8Array views into pushed chunks; compare as plain bytes.
function normalize(m: DecodeResult): unknown {
  return JSON.parse(JSON.stringify(m, (_k, v: unknown) => {
    if (v instanceof Map) return Object.fromEntries(v);
    if (v instanceof Uint8Array) return { bytes: Buffer.from(v).toString('hex') };
    if (v !== null && typeof v === 'object' && (v as { type?: string }).type === 'Buffer') {
      return { bytes: Buffer.from((v as { data: number[] }).data).toString('hex') };
    }
    return v;
  }));
}

function decodeChunks(chunks: readonly Uint8Array[], opts?: ConstructorParameters<typeof FrontendDecoder>[0]): DecodeResult[] {
  const d = new FrontendDecoder(opts);
  const out: DecodeResult[] = [];
  for (const c of chunks) out.push(...d.feed(c));
  return out;
}

function splitEvery(b: Uint8Array, n: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < b.length; i += n) out.push(b.subarray(i, i + n));
  return out;
}

const bytes = (s: string | Uint8Array): { bytes: string } => ({ bytes: Buffer.from(s).toString('hex') });

// A whole session as node-postgres would send it, with the decoded messages we expect.
function session(): { wire: Buffer; expected: unknown[] } {
  const parts: Array<[Buffer, unknown]> = [
    [serialize.startup({ user: 'alice', database: 'db', application_name: 'ünïcode app' }),
      { type: 'StartupMessage', protocolMajor: 3, protocolMinor: 0, params: { user: 'alice', database: 'db', application_name: 'ünïcode app', client_encoding: 'UTF8' } }],
    [serialize.password('s3cret'), { type: 'PasswordMessage', data: bytes('s3cret\0') }],
    [serialize.sendSASLInitialResponseMessage('SCRAM-SHA-256', 'n,,n=,r=abc'), {
      type: 'PasswordMessage', data: bytes(Buffer.concat([Buffer.from('SCRAM-SHA-256\0'), Buffer.from([0, 0, 0, 11]), Buffer.from('n,,n=,r=abc')])),
    }],
    [serialize.sendSCRAMClientFinalMessage('c=biws,r=abc,p=xyz'), { type: 'PasswordMessage', data: bytes('c=biws,r=abc,p=xyz') }],
    [serialize.query('SELECT 1; SELECT \'é\''), { type: 'Query', sql: 'SELECT 1; SELECT \'é\'' }],
    [serialize.query(''), { type: 'Query', sql: '' }],
    [serialize.parse({ name: 's1', text: 'select $1::int, $2', types: [23, 0, 4294967295] }),
      { type: 'Parse', name: 's1', query: 'select $1::int, $2', paramTypes: [23, 0, 4294967295] }],
    [serialize.parse({ text: 'select 1' }), { type: 'Parse', name: '', query: 'select 1', paramTypes: [] }],
    [serialize.bind({ portal: 'p1', statement: 's1', values: ['42', null, Buffer.from([0, 1, 255]), '', null], binary: true }), {
      type: 'Bind', portal: 'p1', statement: 's1', paramFormats: [0, 0, 1, 0, 0],
      params: [bytes('42'), null, bytes(Uint8Array.of(0, 1, 255)), bytes(''), null], resultFormats: [1],
    }],
    [serialize.bind({}), { type: 'Bind', portal: '', statement: '', paramFormats: [], params: [], resultFormats: [0] }],
    [serialize.describe({ type: 'S', name: 's1' }), { type: 'Describe', target: 'S', name: 's1' }],
    [serialize.describe({ type: 'P' }), { type: 'Describe', target: 'P', name: '' }],
    [serialize.execute({ portal: 'p1', rows: 100 }), { type: 'Execute', portal: 'p1', maxRows: 100 }],
    [serialize.execute(), { type: 'Execute', portal: '', maxRows: 0 }],
    [serialize.flush(), { type: 'Flush' }],
    [serialize.sync(), { type: 'Sync' }],
    [serialize.close({ type: 'S', name: 's1' }), { type: 'Close', target: 'S', name: 's1' }],
    [serialize.close({ type: 'P', name: '' }), { type: 'Close', target: 'P', name: '' }],
    [serialize.copyData(Buffer.from('1\t2\n')), { type: 'CopyData', data: bytes('1\t2\n') }],
    [serialize.copyDone(), { type: 'CopyDone' }],
    [serialize.copyFail('client gave up'), { type: 'CopyFail', message: 'client gave up' }],
    [serialize.end(), { type: 'Terminate' }],
  ];
  return { wire: Buffer.concat(parts.map((p) => p[0])), expected: parts.map((p) => p[1]) };
}

test('decodes a full session from pg-protocol bytes in one chunk', () => {
  const { wire, expected } = session();
  assert.deepEqual(decodeChunks([wire]).map(normalize), expected);
});

test('decodes the same session fed one byte at a time', () => {
  const { wire, expected } = session();
  const d = new FrontendDecoder();
  const got: DecodeResult[] = [];
  for (let i = 0; i < wire.length; i++) {
    got.push(...d.feed(wire.subarray(i, i + 1)));
    // Nothing decodes before its last byte has arrived.
    assert.ok(got.length <= expected.length);
  }
  assert.deepEqual(got.map(normalize), expected);
  assert.equal(d.bufferedBytes, 0);
  assert.equal(d.phase, 'messages');
});

test('decodes the session split into two chunks at every byte boundary', () => {
  const { wire, expected } = session();
  for (let i = 0; i <= wire.length; i++) {
    assert.deepEqual(decodeChunks([wire.subarray(0, i), wire.subarray(i)]).map(normalize), expected, `split at ${i}`);
  }
});

test('decoded byte views survive later pushes (decoder never overwrites handed-out bytes)', () => {
  const d = new FrontendDecoder({ expectStartup: false });
  const a = serialize.copyData(Buffer.from('first'));
  const b = serialize.copyData(Buffer.from('second'));
  const held: Uint8Array[] = [];
  const wire = Buffer.concat([a, b, a, b]);
  for (const c of splitEvery(wire, 3)) {
    for (const m of d.feed(c)) if (m.type === 'CopyData') held.push(m.data);
  }
  assert.deepEqual(held.map((h) => Buffer.from(h).toString()), ['first', 'second', 'first', 'second']);
});

test('SSLRequest, GSSENCRequest and CancelRequest in the startup phase', () => {
  const gss = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x30]);
  const wire = Buffer.concat([serialize.requestSsl(), gss, serialize.startup({ user: 'u' })]);
  const d = new FrontendDecoder();
  const got = d.feed(wire).map(normalize);
  assert.deepEqual(got, [
    { type: 'SSLRequest' },
    { type: 'GSSENCRequest' },
    { type: 'StartupMessage', protocolMajor: 3, protocolMinor: 0, params: { user: 'u', client_encoding: 'UTF8' } },
  ]);
  assert.equal(d.phase, 'messages');
  assert.deepEqual(decodeChunks(splitEvery(serialize.cancel(4242, -99), 1)).map(normalize), [
    { type: 'CancelRequest', processId: 4242, secretKey: -99 },
  ]);
});

test('bufferedBytes reports data pipelined behind an SSLRequest', () => {
  const d = new FrontendDecoder();
  d.push(Buffer.concat([serialize.requestSsl(), Buffer.from('junk')]));
  assert.equal(d.next()?.type, 'SSLRequest');
  assert.equal(d.bufferedBytes, 4);
});

test('protocol 3.2 startup is decoded (the server then negotiates down)', () => {
  const body = Buffer.from('user\0u\0\0');
  const b = Buffer.alloc(8);
  b.writeInt32BE(8 + body.length, 0);
  b.writeInt32BE((3 << 16) | 2, 4);
  const [m] = decodeChunks([Buffer.concat([b, body])]);
  assert.deepEqual(normalize(m), { type: 'StartupMessage', protocolMajor: 3, protocolMinor: 2, params: { user: 'u' } });
});

test('FunctionCall and unknown message types', () => {
  const body = Buffer.concat([
    Buffer.from([0, 0, 0x04, 0xd2]), // oid 1234
    Buffer.from([0, 1, 0, 1]), // 1 arg format: binary
    Buffer.from([0, 2, 0, 0, 0, 2, 0xab, 0xcd, 0xff, 0xff, 0xff, 0xff]), // 2 args: 2 bytes, NULL
    Buffer.from([0, 0]), // result text
  ]);
  const f = Buffer.concat([Buffer.from([0x46, 0, 0, 0, 4 + body.length]), body]);
  const u = Buffer.from([0x7a, 0, 0, 0, 6, 9, 8]);
  const out = decodeChunks([Buffer.concat([f, u])], { expectStartup: false });
  assert.deepEqual(normalize(out[0]), { type: 'FunctionCall', functionOid: 1234, argFormats: [1], args: [bytes(Uint8Array.of(0xab, 0xcd)), null], resultFormat: 0 });
  // An unknown type byte is fatal at once, as in PostgreSQL; decodeBody still names it for direct callers.
  assertFatal(out, /invalid frontend message type 122/);
  assert.equal(out.length, 2);
  assert.deepEqual(normalize(decodeBody(0x7a, Uint8Array.of(9, 8))), { type: 'Unknown', code: 0x7a, body: bytes(Uint8Array.of(9, 8)) });
});

test('an unknown type byte is rejected before its body arrives (no waiting on a bogus length)', () => {
  // A second StartupMessage after startup: type byte 0, "length" 0x2900.
  const d = new FrontendDecoder({ expectStartup: false });
  const r = d.feed(serialize.startup({ user: 'u' }).subarray(0, 5));
  assertFatal(r, /invalid frontend message type 0/);
});

test('small messages (Sync, Execute, Describe, ...) get PostgreSQL\'s 10000-byte length limit', () => {
  for (const code of [0x53, 0x48, 0x58, 0x44, 0x43, 0x45, 0x63, 0x66]) {
    assertFatal(decodeChunks([Buffer.from([code, 0, 0, 0x27, 0x11])], { expectStartup: false }), /too long: 10001 bytes exceeds the limit of 10000/);
  }
  // Large-message types only get the configured limit.
  assert.deepEqual(decodeChunks([Buffer.from([0x51, 0, 0, 0x27, 0x11])], { expectStartup: false }), []);
});

test('invalid UTF-8 is reported with its bytes, as PostgreSQL does', () => {
  assert.equal(invalidUtf8Message(Buffer.from([0x61, 0xc3, 0x28])), 'invalid byte sequence for encoding "UTF8": 0xc3 0x28');
  assert.equal(invalidUtf8Message(Buffer.from([0xff, 0x61])), 'invalid byte sequence for encoding "UTF8": 0xff');
  assert.equal(invalidUtf8Message(Buffer.concat([Buffer.from('é€😀'), Buffer.from([0xe2, 0x82])])), 'invalid byte sequence for encoding "UTF8": 0xe2 0x82');
  assert.equal(invalidUtf8Message(Buffer.from([0xed, 0xa0, 0x80])), 'invalid byte sequence for encoding "UTF8": 0xed 0xa0 0x80'); // a surrogate
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
      if (isUtf8(b)) return;
      const m = /: ((?:0x[0-9a-f]{2} ?)+)$/.exec(invalidUtf8Message(b));
      assert.ok(m, invalidUtf8Message(b));
      // The named bytes occur in the input, and everything before them is valid UTF-8.
      const named = Buffer.from(m[1].trim().split(' ').map((x) => parseInt(x, 16)));
      const at = Buffer.from(b).indexOf(named);
      assert.ok(at >= 0);
    }),
    { numRuns: 500 },
  );
});

test('startup parameters that are not UTF-8 are a fatal 22021', () => {
  const body = Buffer.concat([Buffer.from([0, 3, 0, 0]), Buffer.from('user\0', 'latin1'), Buffer.from([0x66, 0xff, 0x6f, 0]), Buffer.from([0])]);
  const packet = Buffer.concat([Buffer.alloc(4), body]);
  packet.writeInt32BE(packet.length, 0);
  const r = decodeChunks([packet]);
  assertFatal(r, /invalid byte sequence for encoding "UTF8"/);
  assert.equal((r[0] as DecodeError).sqlstate, '22021');
});

test('password body helpers', () => {
  assert.equal(parsePasswordBody(Buffer.from('pw\0')), 'pw');
  assert.equal((parsePasswordBody(Buffer.from('pw')) as DecodeError).type, 'DecodeError');
  assert.equal((parsePasswordBody(Buffer.from('pw\0x')) as DecodeError).type, 'DecodeError');
  const msg = decodeChunks([serialize.sendSASLInitialResponseMessage('SCRAM-SHA-256', 'n,,n=,r=xyz')], { expectStartup: false })[0];
  assert.equal(msg.type, 'PasswordMessage');
  const sasl = parseSASLInitialResponse((msg as { data: Uint8Array }).data);
  assert.deepEqual(normalize(sasl as unknown as DecodeResult), { mechanism: 'SCRAM-SHA-256', initialResponse: bytes('n,,n=,r=xyz') });
  assert.deepEqual(parseSASLInitialResponse(Buffer.from('SCRAM-SHA-256\0\xff\xff\xff\xff', 'latin1')), { mechanism: 'SCRAM-SHA-256', initialResponse: null });
  assert.equal((parseSASLInitialResponse(Buffer.from('SCRAM\0\0\0\0\x09abc', 'latin1')) as DecodeError).type, 'DecodeError');
});

// ------------------------------------------------------------------ malformed input

function assertFatal(r: DecodeResult[] , re: RegExp): void {
  const last = r[r.length - 1];
  assert.equal(last?.type, 'DecodeError', JSON.stringify(r));
  const e = last as DecodeError;
  assert.equal(e.fatal, true);
  assert.match(e.message, re);
}

test('length < 4 is a fatal protocol violation, and the decoder stays failed', () => {
  const d = new FrontendDecoder({ expectStartup: false });
  const r = d.feed(Buffer.concat([serialize.sync(), Buffer.from([0x51, 0, 0, 0, 3]), serialize.sync()]));
  assert.equal(r[0].type, 'Sync');
  assertFatal(r, /invalid message length 3/);
  assert.equal((r[1] as DecodeError).sqlstate, '08P01');
  assert.equal(r.length, 2);
  assert.equal(d.phase, 'failed');
  assert.deepEqual(d.feed(serialize.sync()), []);
  // Negative lengths (high bit set) too.
  assertFatal(decodeChunks([Buffer.from([0x51, 0xff, 0xff, 0xff, 0xff])], { expectStartup: false }), /invalid message length -1/);
});

test('oversized messages are rejected as soon as the header arrives', () => {
  const d = new FrontendDecoder({ expectStartup: false, maxMessageLength: 1000 });
  // Only the 5-byte header: no need to wait for (or buffer) the body.
  const r = d.feed(Buffer.from([0x51, 0, 0, 0x03, 0xe9]));
  assertFatal(r, /too long: 1001 bytes exceeds the limit of 1000/);
  // Exactly at the limit is fine.
  const ok = decodeChunks([serialize.query('x'.repeat(1000 - 4 - 1))], { expectStartup: false, maxMessageLength: 1000 });
  assert.equal(ok[0].type, 'Query');
  // Default limit 64 MiB.
  assertFatal(decodeChunks([Buffer.from([0x51, 0x04, 0, 0, 1])], { expectStartup: false }), /too long/);
});

test('truncated input yields nothing yet, without throwing', () => {
  const q = serialize.query('select 1');
  const d = new FrontendDecoder({ expectStartup: false });
  assert.deepEqual(d.feed(q.subarray(0, q.length - 1)), []);
  assert.equal(d.bufferedBytes, q.length - 1);
  assert.equal(d.feed(q.subarray(q.length - 1))[0].type, 'Query');
});

test('malformed bodies inside a well-framed message are non-fatal errors', () => {
  const frame = (code: number, body: Buffer): Buffer => Buffer.concat([Buffer.from([code]), Buffer.from([0, 0, 0, 0]).fill(0), body]).fill(0, 1, 5);
  const mk = (code: number, body: Buffer): Buffer => {
    const f = frame(code, body);
    f.writeInt32BE(4 + body.length, 1);
    return f;
  };
  const cases: Array<[Buffer, RegExp, string]> = [
    [mk(0x51, Buffer.from('no terminator')), /invalid string in message/, '08P01'],
    [mk(0x53, Buffer.from([1])), /invalid message format/, '08P01'],
    [mk(0x44, Buffer.from('Xname\0')), /invalid DESCRIBE\/CLOSE message subtype 88/, '08P01'],
    [mk(0x45, Buffer.from('portal\0\0\0')), /insufficient data left in message/, '08P01'],
    // Bind promising 2 params but carrying one.
    [mk(0x42, Buffer.from([0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 1, 0x31])), /insufficient data left/, '08P01'],
    // Bind with 2 formats for 3 params.
    [mk(0x42, Buffer.from([0, 0, 0, 2, 0, 0, 0, 0, 0, 3, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 0, 0])), /2 parameter formats but 3 parameters/, '08P01'],
    [mk(0x42, Buffer.from([0, 0, 0, 1, 0, 7, 0, 0, 0, 0])), /unsupported format code: 7/, '08P01'],
    [mk(0x42, Buffer.from([0, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xfe, 0, 0])), /invalid parameter length -2/, '08P01'],
    [mk(0x51, Buffer.from([0xc3, 0x28, 0])), /invalid byte sequence for encoding "UTF8"/, '22021'],
  ];
  for (const [wire, re, sqlstate] of cases) {
    const d = new FrontendDecoder({ expectStartup: false });
    const r = d.feed(Buffer.concat([wire, serialize.sync()]));
    assert.equal(r.length, 2, re.source);
    const e = r[0] as DecodeError;
    assert.equal(e.type, 'DecodeError', re.source);
    assert.equal(e.fatal, false);
    assert.equal(e.sqlstate, sqlstate);
    assert.match(e.message, re);
    // Framing survived: the following Sync decodes.
    assert.equal(r[1].type, 'Sync');
    assert.equal(d.phase, 'messages');
  }
});

test('malformed startup packets are fatal', () => {
  const pkt = (len: number, code: number, rest: Buffer = Buffer.alloc(0)): Buffer => {
    const b = Buffer.alloc(8);
    b.writeInt32BE(len, 0);
    b.writeInt32BE(code, 4);
    return Buffer.concat([b, rest]);
  };
  assertFatal(decodeChunks([Buffer.from([0, 0, 0, 4])]), /invalid length of startup packet/);
  assertFatal(decodeChunks([Buffer.from([0, 0, 0x27, 0x11])]), /invalid length of startup packet/); // 10001
  assertFatal(decodeChunks([pkt(12, 80877103, Buffer.alloc(4))]), /invalid length of SSLRequest/);
  assertFatal(decodeChunks([pkt(12, 80877102, Buffer.alloc(4))]), /invalid length of cancel request/);
  const v2 = decodeChunks([pkt(9, 2 << 16, Buffer.alloc(1))]);
  assertFatal(v2, /unsupported frontend protocol 2\.0/);
  assert.equal((v2[0] as DecodeError).sqlstate, '0A000');
  assertFatal(decodeChunks([pkt(13, 196608, Buffer.from('user\0'))]), /invalid startup packet layout/);
  assertFatal(decodeChunks([pkt(14, 196608, Buffer.from('user\0\0'))]), /invalid startup packet layout/);
  assertFatal(decodeChunks([pkt(10, 196608, Buffer.from('ab'))]), /invalid startup packet layout/);
});

// ------------------------------------------------------------------ properties

const name = fc.string({ maxLength: 12 }).map((s) => s.replace(/\0/g, ''));
const text = fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => s.replace(/\0/g, ''));
const int32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const oid = fc.integer({ min: 0, max: 0xffffffff });

type Spec = { wire: Buffer; expected: unknown };
const messageSpec: fc.Arbitrary<Spec> = fc.oneof(
  text.map((t) => ({ wire: serialize.query(t), expected: { type: 'Query', sql: t } })),
  fc.record({ n: name, q: text, types: fc.array(oid, { maxLength: 5 }) }).map(({ n, q, types }) => ({
    wire: serialize.parse({ name: n, text: q, types }), expected: { type: 'Parse', name: n, query: q, paramTypes: types },
  })),
  fc.record({
    portal: name, statement: name, binary: fc.boolean(),
    values: fc.array(fc.oneof(fc.constant(null), text, fc.uint8Array({ maxLength: 20 }).map((u) => Buffer.from(u))), { maxLength: 6 }),
  }).map(({ portal, statement, binary, values }) => ({
    wire: serialize.bind({ portal, statement, binary, values }),
    expected: {
      type: 'Bind', portal, statement,
      paramFormats: values.map((v) => (Buffer.isBuffer(v) ? 1 : 0)),
      params: values.map((v) => (v === null ? null : bytes(v))),
      resultFormats: [binary ? 1 : 0],
    },
  })),
  fc.record({ t: fc.constantFrom('S' as const, 'P' as const), n: name }).map(({ t, n }) => ({
    wire: serialize.describe({ type: t, name: n }), expected: { type: 'Describe', target: t, name: n },
  })),
  fc.record({ t: fc.constantFrom('S' as const, 'P' as const), n: name }).map(({ t, n }) => ({
    wire: serialize.close({ type: t, name: n }), expected: { type: 'Close', target: t, name: n },
  })),
  fc.record({ portal: name, rows: fc.nat({ max: 0x7fffffff }) }).map(({ portal, rows }) => ({
    wire: serialize.execute({ portal, rows }), expected: { type: 'Execute', portal, maxRows: rows },
  })),
  fc.constant({ wire: serialize.sync(), expected: { type: 'Sync' } }),
  fc.constant({ wire: serialize.flush(), expected: { type: 'Flush' } }),
  fc.constant({ wire: serialize.end(), expected: { type: 'Terminate' } }),
  fc.constant({ wire: serialize.copyDone(), expected: { type: 'CopyDone' } }),
  fc.uint8Array({ maxLength: 64 }).map((u) => ({ wire: serialize.copyData(Buffer.from(u)), expected: { type: 'CopyData', data: bytes(u) } })),
  text.map((t) => ({ wire: serialize.copyFail(t), expected: { type: 'CopyFail', message: t } })),
  text.map((t) => ({ wire: serialize.password(t), expected: { type: 'PasswordMessage', data: bytes(t + '\0') } })),
);

/** Random cut points turning `b` into chunks. */
function chunked(b: Buffer, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (b.length + 1)))].sort((x, y) => x - y);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(b.subarray(prev, p));
    prev = p;
  }
  out.push(b.subarray(prev));
  return out;
}

test('property: random message sequences, randomly chunked, decode to the same messages', () => {
  fc.assert(
    fc.property(
      fc.record({ user: name, db: name }),
      fc.array(messageSpec, { maxLength: 25 }),
      fc.array(fc.nat(), { maxLength: 30 }),
      ({ user, db }, specs, cuts) => {
        const startup = serialize.startup({ user, database: db });
        const wire = Buffer.concat([startup, ...specs.map((s) => s.wire)]);
        const got = decodeChunks(chunked(wire, cuts)).map(normalize);
        assert.deepEqual(got, [
          { type: 'StartupMessage', protocolMajor: 3, protocolMinor: 0, params: { user, database: db, client_encoding: 'UTF8' } },
          ...specs.map((s) => s.expected),
        ]);
      },
    ),
    { numRuns: 300 },
  );
});

test('property: arbitrary bytes never throw and always terminate', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(), { maxLength: 10 }), fc.boolean(), (junk, cuts, startup) => {
      const d = new FrontendDecoder({ expectStartup: startup, maxMessageLength: 256 });
      let count = 0;
      for (const c of chunked(Buffer.from(junk), cuts)) {
        for (const m of d.feed(c)) {
          count++;
          if (m.type === 'DecodeError' && m.fatal) assert.equal(d.phase, 'failed');
        }
      }
      // Every decoded item consumed at least one byte (5 after startup), so
      // this bounds the work and proves progress.
      assert.ok(count <= junk.length);
      assert.ok(d.bufferedBytes <= junk.length);
    }),
    { numRuns: 2000 },
  );
});

test('property: corrupting one length field of a valid stream yields errors, not exceptions', () => {
  fc.assert(
    fc.property(fc.array(messageSpec, { minLength: 1, maxLength: 10 }), fc.nat(), int32, (specs, pick, badLen) => {
      const frames = specs.map((s) => Buffer.from(s.wire));
      const i = pick % frames.length;
      frames[i].writeInt32BE(badLen, 1);
      const d = new FrontendDecoder({ expectStartup: false, maxMessageLength: 1 << 20 });
      const out: DecodeResult[] = [];
      for (const c of splitEvery(Buffer.concat(frames), 7)) out.push(...d.feed(c));
      // Messages before the corrupted one are intact.
      assert.deepEqual(out.slice(0, i).map(normalize), specs.slice(0, i).map((s) => s.expected));
      if (badLen < 4 || badLen > 1 << 20) {
        const e = out[i] as DecodeError;
        assert.equal(e.type, 'DecodeError');
        assert.equal(e.fatal, true);
        assert.equal(out.length, i + 1);
      }
    }),
    { numRuns: 500 },
  );
});

test('decodeBody is usable on its own', () => {
  const m = decodeBody(0x51, Buffer.from('select 1\0')) as FrontendMessage;
  assert.deepEqual(m, { type: 'Query', sql: 'select 1' });
});
