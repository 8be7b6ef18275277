// Incremental decoder of PostgreSQL v3 frontend (client -> server) messages.
//
// Fed socket chunks as they arrive; keeps partial bytes between chunks; yields
// typed messages. Malformed input never throws: it yields a DecodeError value
// carrying an ErrorResponse-ready SQLSTATE and message.
//
// Byte arrays in decoded messages (Bind params, CopyData, PasswordMessage...)
// are zero-copy views into the pushed chunks. The decoder never writes into a
// chunk it did not allocate, so views stay valid; callers must not mutate
// chunks after pushing them (socket chunks are never reused by Node).

import { isUtf8 } from 'node:buffer';

/** Type bytes of frontend messages (after startup). */
export const enum FrontendCode {
  Bind = 0x42, // 'B'
  Close = 0x43, // 'C'
  Describe = 0x44, // 'D'
  Execute = 0x45, // 'E'
  FunctionCall = 0x46, // 'F'
  Flush = 0x48, // 'H'
  Parse = 0x50, // 'P'
  Query = 0x51, // 'Q'
  Sync = 0x53, // 'S'
  Terminate = 0x58, // 'X'
  CopyDone = 0x63, // 'c'
  CopyData = 0x64, // 'd'
  CopyFail = 0x66, // 'f'
  /** PasswordMessage, SASLInitialResponse, SASLResponse, GSSResponse. */
  Password = 0x70, // 'p'
}

/** Request codes carried in place of a protocol version by startup-phase packets. */
export const enum StartupCode {
  Protocol3 = 196608, // 3 << 16
  CancelRequest = 80877102, // 1234 << 16 | 5678
  SSLRequest = 80877103, // 1234 << 16 | 5679
  GSSENCRequest = 80877104, // 1234 << 16 | 5680
}

export const DEFAULT_MAX_MESSAGE_LENGTH = 64 * 1024 * 1024;
// Same limit as PostgreSQL's MAX_STARTUP_PACKET_LENGTH: startup packets arrive
// before authentication, so they get a much smaller budget.
export const MAX_STARTUP_PACKET_LENGTH = 10000;
// PostgreSQL's PQ_SMALL_MESSAGE_LIMIT: messages that carry at most a name and a
// few integers never need more, so a huge length on one of them is garbage
// (or an attack) and is rejected before any body byte is buffered.
export const MAX_SMALL_MESSAGE_LENGTH = 10000;

/** Largest length field accepted for a message type, or undefined for a type byte no frontend sends. */
function lengthLimitOf(code: number, maxLength: number): number | undefined {
  switch (code) {
    case FrontendCode.Bind:
    case FrontendCode.Parse:
    case FrontendCode.Query:
    case FrontendCode.FunctionCall:
    case FrontendCode.Password:
    case FrontendCode.CopyData:
      return maxLength;
    case FrontendCode.Close:
    case FrontendCode.Describe:
    case FrontendCode.Execute:
    case FrontendCode.Flush:
    case FrontendCode.Sync:
    case FrontendCode.Terminate:
    case FrontendCode.CopyDone:
    case FrontendCode.CopyFail:
      return Math.min(MAX_SMALL_MESSAGE_LENGTH, maxLength);
    default:
      return undefined;
  }
}

export type DescribeTarget = 'S' | 'P';

export interface StartupMessage {
  readonly type: 'StartupMessage';
  readonly protocolMajor: 3;
  /** 0 for 3.0; newer clients may ask for 3.2 and expect NegotiateProtocolVersion. */
  readonly protocolMinor: number;
  /** In wire order; includes `user`, `database`, `options`, and any `_pq_.*` options. */
  readonly params: ReadonlyMap<string, string>;
}
export interface SSLRequest { readonly type: 'SSLRequest' }
export interface GSSENCRequest { readonly type: 'GSSENCRequest' }
export interface CancelRequest {
  readonly type: 'CancelRequest';
  readonly processId: number;
  readonly secretKey: number;
}
export interface Query { readonly type: 'Query'; readonly sql: string }
export interface Parse {
  readonly type: 'Parse';
  /** Prepared statement name, '' = unnamed. */
  readonly name: string;
  readonly query: string;
  /** Declared parameter types; 0 = unspecified. */
  readonly paramTypes: readonly number[];
}
export interface Bind {
  readonly type: 'Bind';
  readonly portal: string;
  readonly statement: string;
  /** 0 entries = all text, 1 = applies to all, else one per parameter. */
  readonly paramFormats: readonly number[];
  /** null = SQL NULL (length -1). */
  readonly params: readonly (Uint8Array | null)[];
  /** Same 0 / 1 / per-column convention as paramFormats. */
  readonly resultFormats: readonly number[];
}
export interface Describe { readonly type: 'Describe'; readonly target: DescribeTarget; readonly name: string }
export interface Execute {
  readonly type: 'Execute';
  readonly portal: string;
  /** int32 as sent; PostgreSQL treats <= 0 as "no limit". */
  readonly maxRows: number;
}
export interface Sync { readonly type: 'Sync' }
export interface Flush { readonly type: 'Flush' }
export interface Close { readonly type: 'Close'; readonly target: DescribeTarget; readonly name: string }
export interface Terminate { readonly type: 'Terminate' }
export interface PasswordMessage {
  readonly type: 'PasswordMessage';
  /** Raw body: its meaning depends on the authentication exchange in progress (see parse helpers below). */
  readonly data: Uint8Array;
}
export interface CopyData { readonly type: 'CopyData'; readonly data: Uint8Array }
export interface CopyDone { readonly type: 'CopyDone' }
export interface CopyFail { readonly type: 'CopyFail'; readonly message: string }
export interface FunctionCall {
  readonly type: 'FunctionCall';
  readonly functionOid: number;
  readonly argFormats: readonly number[];
  readonly args: readonly (Uint8Array | null)[];
  readonly resultFormat: number;
}
export interface UnknownMessage {
  readonly type: 'Unknown';
  /** The unrecognised type byte. */
  readonly code: number;
  readonly body: Uint8Array;
}

export type FrontendMessage =
  | StartupMessage | SSLRequest | GSSENCRequest | CancelRequest
  | Query | Parse | Bind | Describe | Execute | Sync | Flush | Close | Terminate
  | PasswordMessage | CopyData | CopyDone | CopyFail | FunctionCall | UnknownMessage;

/**
 * Malformed input. `fatal` means framing is lost (bad length, oversized,
 * broken startup packet): answer with a FATAL ErrorResponse and close. A
 * non-fatal error concerns one well-framed message (e.g. bad string, invalid
 * UTF-8): answer with an ERROR and, in the extended protocol, skip until Sync,
 * as PostgreSQL does.
 */
export interface DecodeError {
  readonly type: 'DecodeError';
  readonly fatal: boolean;
  /** SQLSTATE for the ErrorResponse: 08P01 protocol_violation unless stated otherwise. */
  readonly sqlstate: '08P01' | '0A000' | '22021';
  readonly message: string;
  /** Type byte of the well-framed message that was malformed (non-fatal errors after startup). */
  readonly messageType?: number;
}

export type DecodeResult = FrontendMessage | DecodeError;

export interface FrontendDecoderOptions {
  /** Largest accepted length field (which counts itself). Default 64 MiB. */
  maxMessageLength?: number;
  /** Start in the startup phase (untyped packets). Default true. */
  expectStartup?: boolean;
}

export type DecoderPhase = 'startup' | 'messages' | 'failed';

const EMPTY = new Uint8Array(0);

function protocolError(message: string, fatal: boolean): DecodeError {
  return { type: 'DecodeError', fatal, sqlstate: '08P01', message };
}

const SYNC: Sync = { type: 'Sync' };
const FLUSH: Flush = { type: 'Flush' };
const TERMINATE: Terminate = { type: 'Terminate' };
const COPY_DONE: CopyDone = { type: 'CopyDone' };
const SSL_REQUEST: SSLRequest = { type: 'SSLRequest' };
const GSSENC_REQUEST: GSSENCRequest = { type: 'GSSENCRequest' };

export class FrontendDecoder {
  private readonly maxLength: number;
  private state: DecoderPhase;
  // Pending bytes live in buf[start, end). `owned` = we allocated buf and may
  // append into its free tail; a pushed chunk is adopted without copying and
  // never written to.
  private buf: Uint8Array = EMPTY;
  private start = 0;
  private end = 0;
  private owned = false;

  constructor(options: FrontendDecoderOptions = {}) {
    const max = options.maxMessageLength ?? DEFAULT_MAX_MESSAGE_LENGTH;
    if (!Number.isInteger(max) || max < 4 || max > 0x7fffffff) throw new RangeError('maxMessageLength must be an integer in [4, 2^31-1]');
    this.maxLength = max;
    this.state = options.expectStartup === false ? 'messages' : 'startup';
  }

  /**
   * 'startup' until a StartupMessage is decoded (SSLRequest / GSSENCRequest
   * keep it there), then 'messages'; 'failed' after a fatal error.
   */
  get phase(): DecoderPhase {
    return this.state;
  }

  /**
   * Bytes received but not yet decoded. Check it is 0 before switching the
   * socket to TLS after an SSLRequest: bytes sent ahead of the handshake were
   * not encrypted and must be rejected (CVE-2021-23214).
   */
  get bufferedBytes(): number {
    return this.end - this.start;
  }

  /** Append received bytes. Ignored after a fatal error. */
  push(chunk: Uint8Array): void {
    if (this.state === 'failed' || chunk.length === 0) return;
    const pending = this.end - this.start;
    if (pending === 0) {
      this.buf = chunk;
      this.start = 0;
      this.end = chunk.length;
      this.owned = false;
      return;
    }
    if (this.owned && this.end + chunk.length <= this.buf.length) {
      this.buf.set(chunk, this.end);
      this.end += chunk.length;
      return;
    }
    // Size for the message being assembled when its length is known, so a
    // large message is copied at most once more.
    let cap = Math.max(pending + chunk.length, 2 * pending, 4096);
    const want = this.pendingMessageSize();
    if (want > cap) cap = want;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(this.start, this.end), 0);
    next.set(chunk, pending);
    this.buf = next;
    this.start = 0;
    this.end = pending + chunk.length;
    this.owned = true;
  }

  /** Next complete message or error; undefined when more bytes are needed. */
  next(): DecodeResult | undefined {
    if (this.state === 'failed') return undefined;
    const r = this.state === 'startup' ? this.nextStartup() : this.nextMessage();
    if (r !== undefined && r.type === 'DecodeError' && r.fatal) this.fail();
    if (this.start === this.end) {
      // Release the reference; views handed out keep what they need alive.
      this.buf = EMPTY;
      this.start = this.end = 0;
      this.owned = false;
    }
    return r;
  }

  /** push() then drain every complete message. */
  feed(chunk: Uint8Array): DecodeResult[] {
    this.push(chunk);
    const out: DecodeResult[] = [];
    for (let m = this.next(); m !== undefined; m = this.next()) out.push(m);
    return out;
  }

  private fail(): void {
    this.state = 'failed';
    this.buf = EMPTY;
    this.start = this.end = 0;
    this.owned = false;
  }

  private pendingMessageSize(): number {
    const avail = this.end - this.start;
    const hdr = this.state === 'startup' ? 4 : 5;
    if (avail < hdr) return 0;
    const len = readInt32(this.buf, this.start + hdr - 4);
    const limit = hdr === 4 ? this.maxLength : (lengthLimitOf(this.buf[this.start], this.maxLength) ?? 0);
    return len >= 4 && len <= limit ? len + hdr - 4 : 0;
  }

  private nextStartup(): DecodeResult | undefined {
    const avail = this.end - this.start;
    if (avail < 4) return undefined;
    const len = readInt32(this.buf, this.start);
    // Checked before the body arrives so a hostile length can't make us buffer.
    if (len < 8 || len > MAX_STARTUP_PACKET_LENGTH || len > this.maxLength) return protocolError('invalid length of startup packet', true);
    if (avail < len) return undefined;
    const body = this.buf.subarray(this.start + 4, this.start + len);
    this.start += len;
    const code = readInt32(body, 0);
    switch (code) {
      case StartupCode.SSLRequest:
        return len === 8 ? SSL_REQUEST : protocolError('invalid length of SSLRequest packet', true);
      case StartupCode.GSSENCRequest:
        return len === 8 ? GSSENC_REQUEST : protocolError('invalid length of GSSENCRequest packet', true);
      case StartupCode.CancelRequest:
        if (len !== 16) return protocolError('invalid length of cancel request packet', true);
        return { type: 'CancelRequest', processId: readInt32(body, 4), secretKey: readInt32(body, 8) };
    }
    const major = code >>> 16;
    const minor = code & 0xffff;
    if (major !== 3) {
      return {
        type: 'DecodeError',
        fatal: true,
        sqlstate: '0A000',
        message: `unsupported frontend protocol ${major}.${minor}: server supports 3.0 to 3.0`,
      };
    }
    const params = parseStartupParams(body.subarray(4));
    if (params === 'badEncoding') return { type: 'DecodeError', fatal: true, sqlstate: '22021', message: 'invalid byte sequence for encoding "UTF8" in startup packet' };
    if (params === undefined) return protocolError('invalid startup packet layout: expected terminator as last byte', true);
    this.state = 'messages';
    return { type: 'StartupMessage', protocolMajor: 3, protocolMinor: minor, params };
  }

  private nextMessage(): DecodeResult | undefined {
    const avail = this.end - this.start;
    if (avail < 5) return undefined;
    const buf = this.buf;
    const code = buf[this.start];
    // Like PostgreSQL, judge the type byte before waiting for a body: a client
    // that is out of sync (e.g. sends a second StartupMessage) would otherwise
    // leave us waiting for bytes that never come.
    const limit = lengthLimitOf(code, this.maxLength);
    if (limit === undefined) return protocolError(`invalid frontend message type ${code}`, true);
    const len = readInt32(buf, this.start + 1);
    if (len < 4) return protocolError(`invalid message length ${len} for message type 0x${code.toString(16)}`, true);
    if (len > limit) return protocolError(`message of type 0x${code.toString(16)} too long: ${len} bytes exceeds the limit of ${limit}`, true);
    if (avail < len + 1) return undefined;
    const body = buf.subarray(this.start + 5, this.start + 1 + len);
    this.start += len + 1;
    const result = decodeBody(code, body);
    // The receiver recovers differently after a bad Query than after a bad Bind.
    return result.type === 'DecodeError' ? { ...result, messageType: code } : result;
  }
}

function readInt32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) | 0;
}

function parseStartupParams(b: Uint8Array): Map<string, string> | undefined | 'badEncoding' {
  // The parameter list ends with an empty name, i.e. the packet's last byte is NUL.
  if (b.length === 0 || b[b.length - 1] !== 0) return undefined;
  // Names and values become the session's user, settings and log fields: refuse
  // bytes that are not UTF-8 rather than silently turning them into U+FFFD.
  if (!isUtf8(b)) return 'badEncoding';
  const params = new Map<string, string>();
  let p = 0;
  const last = b.length - 1;
  while (p < last) {
    const k = b.indexOf(0, p);
    const key = utf8(b, p, k);
    p = k + 1;
    if (p >= last) return undefined; // name without value
    const v = b.indexOf(0, p);
    params.set(key, utf8(b, p, v));
    p = v + 1;
  }
  return p === last ? params : undefined;
}

function utf8(b: Uint8Array, from: number, to: number): string {
  return Buffer.from(b.buffer, b.byteOffset + from, to - from).toString('utf8');
}

// Bounds-checked cursor over one message body. Overruns set `bad` and return
// neutral values so decoding code stays linear; the caller checks once.
class Reader {
  pos = 0;
  bad: string | undefined;
  constructor(readonly b: Uint8Array) {}

  private fail(msg: string): void {
    if (this.bad === undefined) this.bad = msg;
    this.pos = this.b.length;
  }
  int16(): number {
    if (this.pos + 2 > this.b.length) { this.fail('insufficient data left in message'); return 0; }
    const v = ((this.b[this.pos] << 8) | this.b[this.pos + 1]) << 16 >> 16;
    this.pos += 2;
    return v;
  }
  int32(): number {
    if (this.pos + 4 > this.b.length) { this.fail('insufficient data left in message'); return 0; }
    const v = readInt32(this.b, this.pos);
    this.pos += 4;
    return v;
  }
  uint32(): number {
    return this.int32() >>> 0;
  }
  byte(): number {
    if (this.pos >= this.b.length) { this.fail('no data left in message'); return 0; }
    return this.b[this.pos++];
  }
  cstring(): string {
    const z = this.b.indexOf(0, this.pos);
    if (z < 0) { this.fail('invalid string in message'); return ''; }
    if (!isUtf8(this.b.subarray(this.pos, z))) {
      this.fail(invalidUtf8Message(this.b.subarray(this.pos, z)));
      this.badEncoding = true;
      return '';
    }
    const s = utf8(this.b, this.pos, z);
    this.pos = z + 1;
    return s;
  }
  badEncoding = false;
  bytes(n: number): Uint8Array {
    if (n < 0 || this.pos + n > this.b.length) { this.fail('insufficient data left in message'); return EMPTY; }
    const v = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  rest(): Uint8Array {
    const v = this.b.subarray(this.pos);
    this.pos = this.b.length;
    return v;
  }
  int16Array(n: number): number[] {
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = this.int16();
    return out;
  }
  /** Length-prefixed values, -1 = NULL. */
  values(n: number): (Uint8Array | null)[] {
    const out = new Array<Uint8Array | null>(n);
    for (let i = 0; i < n; i++) {
      const len = this.int32();
      if (len === -1) out[i] = null;
      else if (len < -1) { this.fail(`invalid parameter length ${len}`); out[i] = null; }
      else out[i] = this.bytes(len);
    }
    return out;
  }
}

// Decode a framed body. `rest` says whether trailing bytes are allowed.
function finish<T extends FrontendMessage>(r: Reader, msg: T): T | DecodeError {
  if (r.bad !== undefined) {
    if (r.badEncoding) return { type: 'DecodeError', fatal: false, sqlstate: '22021', message: r.bad };
    return protocolError(r.bad, false);
  }
  if (r.pos !== r.b.length) return protocolError('invalid message format', false);
  return msg;
}

function target(r: Reader): DescribeTarget {
  const t = r.byte();
  if (t === 0x53) return 'S';
  if (t === 0x50) return 'P';
  if (r.bad === undefined) r.bad = `invalid DESCRIBE/CLOSE message subtype ${t}`;
  return 'S';
}

function checkFormats(r: Reader, formats: readonly number[], count: number, what: string): void {
  if (r.bad !== undefined) return;
  if (formats.length > 1 && formats.length !== count) {
    r.bad = `${what} message has ${formats.length} parameter formats but ${count} parameters`;
    return;
  }
  for (const f of formats) {
    if (f !== 0 && f !== 1) { r.bad = `unsupported format code: ${f}`; return; }
  }
}

/** PostgreSQL's wording, which names the offending bytes: `invalid byte sequence for encoding "UTF8": 0xc3 0x28`. */
export function invalidUtf8Message(b: Uint8Array): string {
  let i = 0;
  while (i < b.length) {
    const n = utf8SequenceLength(b, i);
    if (n === 0) break;
    i += n;
  }
  const lead = b[i] ?? 0;
  const want = lead >= 0xf5 || lead < 0xc2 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
  const bytes = Array.from(b.subarray(i, Math.min(b.length, i + want)), (x) => `0x${x.toString(16).padStart(2, '0')}`);
  return `invalid byte sequence for encoding "UTF8": ${bytes.join(' ')}`;
}

/** Length of the valid UTF-8 sequence at b[i], or 0 if it is not valid. */
function utf8SequenceLength(b: Uint8Array, i: number): number {
  const c = b[i];
  if (c < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => i + k < b.length && b[i + k] >= lo && b[i + k] <= hi;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) return cont(1, c === 0xe0 ? 0xa0 : 0x80, c === 0xed ? 0x9f : 0xbf) && cont(2) ? 3 : 0;
  if (c >= 0xf0 && c <= 0xf4) return cont(1, c === 0xf0 ? 0x90 : 0x80, c === 0xf4 ? 0x8f : 0xbf) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

// Text-format parameter values must be valid in the client encoding (always
// UTF-8 here), as PostgreSQL checks when it converts them: 22021, not U+FFFD.
function checkTextParams(r: Reader, formats: readonly number[], params: readonly (Uint8Array | null)[]): void {
  if (r.bad !== undefined) return;
  for (let i = 0; i < params.length; i++) {
    const value = params[i];
    const format = formats.length === 1 ? formats[0] : (formats[i] ?? 0);
    if (value !== null && format === 0 && !isUtf8(value)) {
      r.bad = invalidUtf8Message(value);
      r.badEncoding = true;
      return;
    }
  }
}

/** Decode one framed message body (after startup). Pure; never throws. */
export function decodeBody(code: number, body: Uint8Array): DecodeResult {
  const r = new Reader(body);
  switch (code) {
    case FrontendCode.Query:
      return finish(r, { type: 'Query', sql: r.cstring() });
    case FrontendCode.Parse: {
      const name = r.cstring();
      const query = r.cstring();
      const n = r.int16();
      if (n < 0) r.bad ??= 'invalid parameter type count';
      const paramTypes = new Array<number>(Math.max(0, n));
      for (let i = 0; i < paramTypes.length; i++) paramTypes[i] = r.uint32();
      return finish(r, { type: 'Parse', name, query, paramTypes });
    }
    case FrontendCode.Bind: {
      const portal = r.cstring();
      const statement = r.cstring();
      const paramFormats = r.int16Array(Math.max(0, r.int16()));
      const params = r.values(Math.max(0, r.int16()));
      const resultFormats = r.int16Array(Math.max(0, r.int16()));
      checkFormats(r, paramFormats, params.length, 'bind');
      checkTextParams(r, paramFormats, params);
      for (const f of resultFormats) if (r.bad === undefined && f !== 0 && f !== 1) r.bad = `unsupported format code: ${f}`;
      return finish(r, { type: 'Bind', portal, statement, paramFormats, params, resultFormats });
    }
    case FrontendCode.Describe: {
      const t = target(r);
      return finish(r, { type: 'Describe', target: t, name: r.cstring() });
    }
    case FrontendCode.Close: {
      const t = target(r);
      return finish(r, { type: 'Close', target: t, name: r.cstring() });
    }
    case FrontendCode.Execute: {
      const portal = r.cstring();
      return finish(r, { type: 'Execute', portal, maxRows: r.int32() });
    }
    case FrontendCode.Sync:
      return finish(r, SYNC);
    case FrontendCode.Flush:
      return finish(r, FLUSH);
    case FrontendCode.Terminate:
      return finish(r, TERMINATE);
    case FrontendCode.CopyDone:
      return finish(r, COPY_DONE);
    case FrontendCode.Password:
      return { type: 'PasswordMessage', data: r.rest() };
    case FrontendCode.CopyData:
      return { type: 'CopyData', data: r.rest() };
    case FrontendCode.CopyFail:
      return finish(r, { type: 'CopyFail', message: r.cstring() });
    case FrontendCode.FunctionCall: {
      const functionOid = r.uint32();
      const argFormats = r.int16Array(Math.max(0, r.int16()));
      const args = r.values(Math.max(0, r.int16()));
      const resultFormat = r.int16();
      checkFormats(r, argFormats, args.length, 'function call');
      return finish(r, { type: 'FunctionCall', functionOid, argFormats, args, resultFormat });
    }
    default:
      return { type: 'Unknown', code, body };
  }
}

// ---------------------------------------------------------------- 'p' bodies

/** PasswordMessage body (cleartext or "md5..." hash): a NUL-terminated string. */
export function parsePasswordBody(data: Uint8Array): string | DecodeError {
  const r = new Reader(data);
  const s = r.cstring();
  return r.bad !== undefined || r.pos !== data.length ? protocolError('invalid password packet format', true) : s;
}

export interface SASLInitialResponse {
  readonly mechanism: string;
  /** null when the client sent length -1 (no initial response). */
  readonly initialResponse: Uint8Array | null;
}

/** SASLInitialResponse body: mechanism cstring, int32 length, data. */
export function parseSASLInitialResponse(data: Uint8Array): SASLInitialResponse | DecodeError {
  const r = new Reader(data);
  const mechanism = r.cstring();
  const len = r.int32();
  const initialResponse = len === -1 ? null : r.bytes(len);
  if (r.bad !== undefined || r.pos !== data.length) return protocolError('malformed SASLInitialResponse message', true);
  return { mechanism, initialResponse };
}
