import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MessageWriter, SSL_REFUSED, SSL_ACCEPTED,
  encodeAuthenticationOk, encodeAuthenticationCleartextPassword, encodeAuthenticationMD5Password,
  encodeAuthenticationSASL, encodeAuthenticationSASLContinue, encodeAuthenticationSASLFinal,
  encodeParameterStatus, encodeBackendKeyData, encodeReadyForQuery, encodeRowDescription,
  encodeDataRow, writeDataRow, encodeCommandComplete, encodeEmptyQueryResponse, encodeErrorResponse,
  encodeNoticeResponse, encodeParseComplete, encodeBindComplete, encodeCloseComplete, encodeNoData,
  encodeParameterDescription, encodePortalSuspended, encodeCopyOutResponse, encodeCopyInResponse,
  encodeCopyData, encodeCopyDone, encodeNegotiateProtocolVersion, writeRowDescription, writeCommandComplete,
  type FieldDescription,
} from './backend.ts';
import { parseBackend } from './test-support.ts';

async function one(b: Buffer): Promise<Record<string, unknown>> {
  const msgs = await parseBackend(b);
  assert.equal(msgs.length, 1);
  // The length field must match the actual frame.
  assert.equal(b.readInt32BE(1), b.length - 1);
  return msgs[0];
}

test('authentication messages', async () => {
  assert.deepEqual(encodeAuthenticationOk(), Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 0]));
  assert.equal((await one(encodeAuthenticationOk())).name, 'authenticationOk');
  assert.equal((await one(encodeAuthenticationCleartextPassword())).name, 'authenticationCleartextPassword');
  const md5 = await one(encodeAuthenticationMD5Password(Uint8Array.of(1, 2, 3, 250)));
  assert.equal(md5.name, 'authenticationMD5Password');
  assert.deepEqual([...(md5.salt as Buffer)], [1, 2, 3, 250]);
  assert.throws(() => encodeAuthenticationMD5Password(Uint8Array.of(1, 2, 3)));
  const sasl = await one(encodeAuthenticationSASL(['SCRAM-SHA-256', 'SCRAM-SHA-256-PLUS']));
  assert.equal(sasl.name, 'authenticationSASL');
  assert.deepEqual(sasl.mechanisms, ['SCRAM-SHA-256', 'SCRAM-SHA-256-PLUS']);
  const cont = await one(encodeAuthenticationSASLContinue('r=abc,s=c2FsdA==,i=4096'));
  assert.equal(cont.name, 'authenticationSASLContinue');
  assert.equal(cont.data, 'r=abc,s=c2FsdA==,i=4096');
  const fin = await one(encodeAuthenticationSASLFinal(Buffer.from('v=c2lnbmF0dXJl')));
  assert.equal(fin.name, 'authenticationSASLFinal');
  assert.equal(fin.data, 'v=c2lnbmF0dXJl');
});

test('startup-phase messages', async () => {
  const ps = await one(encodeParameterStatus('server_version', '15.0 (pondgate)'));
  assert.equal(ps.name, 'parameterStatus');
  assert.equal(ps.parameterName, 'server_version');
  assert.equal(ps.parameterValue, '15.0 (pondgate)');
  const k = await one(encodeBackendKeyData(12345, -123456789));
  assert.equal(k.name, 'backendKeyData');
  assert.equal(k.processID, 12345);
  assert.equal(k.secretKey, -123456789);
  // Unsigned spelling of the same 32 bits decodes identically.
  assert.equal((await one(encodeBackendKeyData(1, 0xffffffff))).secretKey, -1);
  for (const s of ['I', 'T', 'E'] as const) {
    const z = await one(encodeReadyForQuery(s));
    assert.equal(z.name, 'readyForQuery');
    assert.equal(z.status, s);
  }
  // The encoders hand out independent buffers.
  const a = encodeReadyForQuery('I');
  a[5] = 0;
  assert.equal(encodeReadyForQuery('I')[5], 0x49);
});

test('NegotiateProtocolVersion (not parsed by pg-protocol: checked byte for byte)', () => {
  const b = encodeNegotiateProtocolVersion(0, ['_pq_.foo', '_pq_.bar']);
  const body = Buffer.concat([Buffer.from([0, 0, 0, 0, 0, 0, 0, 2]), Buffer.from('_pq_.foo\0_pq_.bar\0')]);
  const expected = Buffer.concat([Buffer.from([0x76]), Buffer.from([0, 0, 0, 4 + body.length]), body]);
  assert.deepEqual(b, expected);
});

test('SSL answers are single unframed bytes', () => {
  assert.deepEqual(SSL_REFUSED, Buffer.from('N'));
  assert.deepEqual(SSL_ACCEPTED, Buffer.from('S'));
});

const FIELDS: FieldDescription[] = [
  { name: 'id', tableOid: 16384, columnAttr: 1, typeOid: 23, typeSize: 4, typeModifier: -1, formatCode: 0 },
  { name: 'prix €', tableOid: 0, columnAttr: 0, typeOid: 1700, typeSize: -1, typeModifier: ((10 << 16) | 2) + 4, formatCode: 1 },
  { name: 'big_oid', tableOid: 0xfffffff0, columnAttr: 0, typeOid: 0xfffffffe, typeSize: -2, typeModifier: 0, formatCode: 0 },
];

test('RowDescription', async () => {
  const m = await one(encodeRowDescription(FIELDS));
  assert.equal(m.name, 'rowDescription');
  assert.equal(m.fieldCount, 3);
  const f = m.fields as Array<Record<string, unknown>>;
  for (let i = 0; i < FIELDS.length; i++) {
    assert.equal(f[i].name, FIELDS[i].name);
    assert.equal(f[i].tableID, FIELDS[i].tableOid);
    assert.equal(f[i].columnID, FIELDS[i].columnAttr);
    assert.equal(f[i].dataTypeID, FIELDS[i].typeOid);
    assert.equal(f[i].dataTypeSize, FIELDS[i].typeSize);
    assert.equal(f[i].dataTypeModifier, FIELDS[i].typeModifier);
    assert.equal(f[i].format, FIELDS[i].formatCode === 0 ? 'text' : 'binary');
  }
  assert.equal((await one(encodeRowDescription([]))).fieldCount, 0);
});

test('DataRow with strings, bytes, NULLs, multi-byte UTF-8 and empty values', async () => {
  const long = 'x'.repeat(100) + 'é';
  const values = ['1', null, '', 'héllo wörld ✓ 𝄞', Buffer.from('raw'), long, new Uint8Array(0), 'ab\u0000c'];
  const b = encodeDataRow(values);
  const m = await one(b);
  assert.equal(m.name, 'dataRow');
  assert.deepEqual(m.fields, ['1', null, '', 'héllo wörld ✓ 𝄞', 'raw', long, '', 'ab\u0000c']);
  // Byte-exact frame for a tiny row.
  assert.deepEqual(encodeDataRow(['a', null]), Buffer.from([0x44, 0, 0, 0, 15, 0, 2, 0, 0, 0, 1, 0x61, 0xff, 0xff, 0xff, 0xff]));
  assert.deepEqual(encodeDataRow([]), Buffer.from([0x44, 0, 0, 0, 6, 0, 0]));
});

test('MessageWriter batches many messages and grows past its initial capacity', async () => {
  const w = new MessageWriter(64);
  writeRowDescription(w, FIELDS.slice(0, 1));
  const rows: string[][] = [];
  for (let i = 0; i < 2000; i++) {
    const row = [String(i), 'v'.repeat(i % 50) + 'ü'];
    rows.push(row);
    writeDataRow(w, row);
  }
  writeCommandComplete(w, 'SELECT 2000');
  const bytes = w.finish();
  assert.equal(w.length, 0);
  // Feed the parser in odd-sized chunks to exercise frame boundaries.
  const msgs = await parseBackend(bytes, 977);
  assert.equal(msgs.length, 2002);
  assert.equal(msgs[0].name, 'rowDescription');
  for (let i = 0; i < 2000; i++) assert.deepEqual(msgs[i + 1].fields, rows[i]);
  assert.equal(msgs[2001].text, 'SELECT 2000');
  // After finish() the writer is reusable and starts empty.
  writeCommandComplete(w, 'BEGIN');
  assert.deepEqual(w.finish(), encodeCommandComplete('BEGIN'));
});

test('CommandComplete, EmptyQueryResponse and the fixed-size messages', async () => {
  assert.equal((await one(encodeCommandComplete('INSERT 0 5'))).text, 'INSERT 0 5');
  const fixed: Array<[Buffer, string, number]> = [
    [encodeEmptyQueryResponse(), 'emptyQuery', 0x49],
    [encodeParseComplete(), 'parseComplete', 0x31],
    [encodeBindComplete(), 'bindComplete', 0x32],
    [encodeCloseComplete(), 'closeComplete', 0x33],
    [encodeNoData(), 'noData', 0x6e],
    [encodePortalSuspended(), 'portalSuspended', 0x73],
    [encodeCopyDone(), 'copyDone', 0x63],
  ];
  for (const [b, name, code] of fixed) {
    assert.deepEqual(b, Buffer.from([code, 0, 0, 0, 4]));
    assert.equal((await one(b)).name, name);
  }
});

test('ParameterDescription', async () => {
  const m = await one(encodeParameterDescription([23, 25, 0, 4294967295]));
  assert.equal(m.name, 'parameterDescription');
  assert.deepEqual(m.dataTypeIDs, [23, 25, 0, 4294967295]);
});

test('ErrorResponse and NoticeResponse carry every field', async () => {
  const e = await one(encodeErrorResponse({
    severity: 'ERROR', code: '42P01', message: 'relation "nope" does not exist', detail: 'd', hint: 'h',
    position: 15, internalPosition: 3, internalQuery: 'iq', where: 'w', schema: 'public', table: 'nope',
    column: 'c', dataType: 'dt', constraint: 'k', file: 'parse_relation.c', line: 1392, routine: 'parserOpenTable',
  }));
  assert.equal(e.name, 'error');
  assert.equal(e.severity, 'ERROR');
  assert.equal(e.code, '42P01');
  assert.equal(e.message, 'relation "nope" does not exist');
  assert.equal(e.detail, 'd');
  assert.equal(e.hint, 'h');
  assert.equal(e.position, '15');
  assert.equal(e.internalPosition, '3');
  assert.equal(e.internalQuery, 'iq');
  assert.equal(e.where, 'w');
  assert.equal(e.schema, 'public');
  assert.equal(e.table, 'nope');
  assert.equal(e.column, 'c');
  assert.equal(e.dataType, 'dt');
  assert.equal(e.constraint, 'k');
  assert.equal(e.file, 'parse_relation.c');
  assert.equal(e.line, '1392');
  assert.equal(e.routine, 'parserOpenTable');
  // Minimal error: S, V, C, M only, byte for byte.
  const min = encodeErrorResponse({ severity: 'FATAL', code: '08P01', message: 'bad' });
  const body = Buffer.from('SFATAL\0VFATAL\0C08P01\0Mbad\0\0');
  assert.deepEqual(min, Buffer.concat([Buffer.from([0x45, 0, 0, 0, 4 + body.length]), body]));
  const n = await one(encodeNoticeResponse({ severity: 'NOTICE', code: '00000', message: 'hello', severityNonLocalized: 'NOTICE' }));
  assert.equal(n.name, 'notice');
  assert.equal(n.message, 'hello');
  assert.equal(n.severity, 'NOTICE');
  assert.equal(n.code, '00000');
});

test('embedded NUL in a C string is dropped rather than corrupting the frame', async () => {
  const msgs = await parseBackend(Buffer.concat([encodeCommandComplete('SEL\0ECT 1'), encodeReadyForQuery('I')]));
  assert.equal(msgs[0].text, 'SELECT 1');
  assert.equal(msgs[1].name, 'readyForQuery');
});

test('COPY messages', async () => {
  const out = await one(encodeCopyOutResponse(0, [0, 0, 0]));
  assert.equal(out.name, 'copyOutResponse');
  assert.equal(out.binary, false);
  assert.deepEqual(out.columnTypes, [0, 0, 0]);
  const inn = await one(encodeCopyInResponse(1, [1, 1]));
  assert.equal(inn.name, 'copyInResponse');
  assert.equal(inn.binary, true);
  assert.deepEqual(inn.columnTypes, [1, 1]);
  const d = await one(encodeCopyData('1\tfoo\n'));
  assert.equal(d.name, 'copyData');
  assert.deepEqual(d.chunk, Buffer.from('1\tfoo\n'));
  const d2 = await one(encodeCopyData(Uint8Array.of(0, 255, 1)));
  assert.deepEqual(d2.chunk, Buffer.from([0, 255, 1]));
});

test('MessageWriter: reserve/advance for bulk writers; a full buffer is handed out, not shared with later writes', () => {
  const w = new MessageWriter(64);
  const buf = w.reserve(100_000);
  assert.ok(buf.length - w.length >= 100_000);
  buf.fill(7, 0, 90_000);
  w.advance(90_000);
  assert.throws(() => w.advance(10), RangeError);
  const first = w.finish();
  assert.equal(first.length, 90_000);
  assert.equal(w.length, 0);
  // Writing again must not touch the bytes handed out.
  w.reserve(90_000).fill(9, 0, 90_000);
  w.advance(90_000);
  const second = w.finish();
  assert.ok(first.every((b) => b === 7));
  assert.ok(second.every((b) => b === 9));
  // Small messages are still copied out of the reused scratch buffer.
  w.byte(1);
  assert.deepEqual([...w.finish()], [1]);
});

test('MessageWriter reuses a handed-out buffer once it is recycled, and only such buffers', () => {
  const writer = new MessageWriter(128 * 1024);
  const handOut = (n: number): Buffer => {
    const buf = writer.reserve(n);
    buf.fill(7, writer.length, writer.length + n);
    writer.advance(writer.length + n);
    return writer.finish();
  };
  const first = handOut(100 * 1024);
  assert.equal(first.length, 100 * 1024);
  // Each hand-out replaces the writer's buffer: without a recycled one, with new memory.
  const second = handOut(100 * 1024);
  assert.ok(second.buffer !== first.buffer);
  writer.recycle(first);
  // The buffer the writer holds now was allocated at the last hand-out; the recycled one replaces it next.
  const third = handOut(100 * 1024);
  assert.ok(third.buffer !== first.buffer);
  const fourth = handOut(100 * 1024);
  assert.ok(fourth.buffer === first.buffer, 'the recycled memory is written again');
  assert.ok(fourth.every((b) => b === 7));
  // A second recycle of the same hand-out, or a small copied message, is ignored.
  writer.recycle(third);
  writer.recycle(third);
  const small = handOut(10);
  writer.recycle(small);
  const fifth = handOut(100 * 1024);
  const sixth = handOut(100 * 1024);
  assert.ok(sixth.buffer === third.buffer, 'the recycled hand-out');
  const seventh = handOut(100 * 1024);
  assert.ok(seventh.buffer !== third.buffer && seventh.buffer !== small.buffer && seventh.buffer !== fifth.buffer, 'one recycle, one reuse');
});
