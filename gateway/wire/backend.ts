// Encoders for PostgreSQL v3 backend (server -> client) messages.
//
// Every message is: 1 type byte, int32 length (counting itself, not the type
// byte), body. Encoders are pure: `encodeX(...)` returns a fresh Buffer. For
// result streaming, `writeX(writer, ...)` appends into a MessageWriter so many
// rows are framed into one buffer and handed to the socket with one write.

/** Backend message type bytes. */
export const enum BackendCode {
  Authentication = 0x52, // 'R'
  ParameterStatus = 0x53, // 'S'
  BackendKeyData = 0x4b, // 'K'
  ReadyForQuery = 0x5a, // 'Z'
  RowDescription = 0x54, // 'T'
  DataRow = 0x44, // 'D'
  CommandComplete = 0x43, // 'C'
  EmptyQueryResponse = 0x49, // 'I'
  ErrorResponse = 0x45, // 'E'
  NoticeResponse = 0x4e, // 'N'
  ParseComplete = 0x31, // '1'
  BindComplete = 0x32, // '2'
  CloseComplete = 0x33, // '3'
  NoData = 0x6e, // 'n'
  ParameterDescription = 0x74, // 't'
  PortalSuspended = 0x73, // 's'
  CopyInResponse = 0x47, // 'G'
  CopyOutResponse = 0x48, // 'H'
  CopyData = 0x64, // 'd'
  CopyDone = 0x63, // 'c'
  NegotiateProtocolVersion = 0x76, // 'v'
}

/** Sub-codes of the Authentication ('R') message. */
export const enum AuthCode {
  Ok = 0,
  CleartextPassword = 3,
  MD5Password = 5,
  SASL = 10,
  SASLContinue = 11,
  SASLFinal = 12,
}

/**
 * Single-byte answers to SSLRequest / GSSENCRequest. These are NOT framed
 * messages: the server writes exactly one byte. 'N' = not supported, the client
 * then continues in plaintext with a StartupMessage (or disconnects if it
 * requires encryption); 'S'/'G' = go ahead with the TLS / GSSAPI handshake.
 */
export const SSL_REFUSED: Buffer = Buffer.from('N', 'latin1');
export const SSL_ACCEPTED: Buffer = Buffer.from('S', 'latin1');
export const GSSENC_REFUSED: Buffer = SSL_REFUSED;

const INITIAL_CAPACITY = 16 * 1024;
// Don't let one huge row pin a huge scratch buffer forever.
const RETAIN_LIMIT = 1024 * 1024;
// finish() hands out rather than copies buffers this full.
const HAND_OUT_BYTES = 64 * 1024;
// Written buffers kept for reuse (see recycle()).
const MAX_SPARES = 4;

/**
 * Growable byte writer with back-patched message lengths. One buffer is reused
 * across messages; `finish()` copies out what was written and starts over.
 */
export class MessageWriter {
  private buf: Buffer;
  private pos = 0;
  /** Buffers handed out by finish() (their memory), until recycled. */
  private readonly handedOut = new WeakSet<ArrayBufferLike>();
  private readonly spares: Buffer[] = [];

  constructor(initialCapacity: number = INITIAL_CAPACITY) {
    this.buf = Buffer.allocUnsafe(Math.max(64, initialCapacity));
  }

  /** Bytes written since the last finish(). */
  get length(): number {
    return this.pos;
  }

  /** Make room for `n` more bytes. */
  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /**
   * For bulk encoders that write many messages in one go: the buffer, with at
   * least `n` free bytes from `length` on. Write into it, then advance(). The
   * buffer is only valid until the next call on this writer.
   */
  reserve(n: number): Buffer {
    this.ensure(n);
    return this.buf;
  }

  /** Moves the write position to `pos` after writing into reserve()'s buffer. */
  advance(pos: number): void {
    if (pos < this.pos || pos > this.buf.length) throw new RangeError(`advance(${pos}) outside ${this.pos}..${this.buf.length}`);
    this.pos = pos;
  }

  /** Start a message: type byte + length placeholder. Returns the handle for end(). */
  begin(code: number): number {
    this.ensure(5);
    const start = this.pos;
    this.buf[start] = code;
    this.pos = start + 5;
    return start;
  }

  /** Back-patch the length of the message started at `start`. */
  end(start: number): void {
    this.buf.writeInt32BE(this.pos - start - 1, start + 1);
  }

  /** Overwrite an int32 written earlier (for lengths known only afterwards). */
  patchInt32(at: number, v: number): void {
    this.buf.writeInt32BE(v, at);
  }

  byte(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v;
    return this;
  }

  int16(v: number): this {
    this.ensure(2);
    // Accept both the signed and unsigned 16-bit spellings of a value.
    this.buf.writeUInt16BE(v & 0xffff, this.pos);
    this.pos += 2;
    return this;
  }

  int32(v: number): this {
    this.ensure(4);
    // OIDs are uint32 while most protocol ints are int32: accept both.
    this.buf.writeUInt32BE(v >>> 0, this.pos);
    this.pos += 4;
    return this;
  }

  bytes(v: Uint8Array): this {
    this.ensure(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
    return this;
  }

  /** UTF-8 text without terminator; returns the number of bytes written. */
  text(s: string): number {
    const n = s.length;
    // A UTF-16 code unit never needs more than 3 UTF-8 bytes; reserving the
    // worst case lets us write in one pass without Buffer.byteLength().
    this.ensure(n * 3);
    const buf = this.buf;
    let p = this.pos;
    if (n < 32) {
      // Short ASCII is the common case (numbers, dates); a JS loop beats the
      // native call overhead of buf.write for a handful of bytes.
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[p + i] = c;
      }
      if (i === n) {
        this.pos = p + n;
        return n;
      }
    }
    const written = buf.write(s, p, 'utf8');
    this.pos = p + written;
    return written;
  }

  /**
   * NUL-terminated string. An embedded NUL would end the field early and
   * desynchronise the client's parser, so it is dropped.
   */
  cstring(s: string): this {
    this.text(s.indexOf('\0') === -1 ? s : s.replace(/\0/g, ''));
    return this.byte(0);
  }

  /** Hand out everything written so far and reset for reuse. */
  finish(): Buffer {
    // A mostly full buffer (streamed rows) is handed out as is and replaced:
    // copying it would cost as much as allocating a new one. Small messages
    // are copied so the scratch buffer stays.
    if (this.pos >= HAND_OUT_BYTES && this.pos * 2 >= this.buf.length) {
      const out = this.buf.subarray(0, this.pos);
      this.handedOut.add(out.buffer);
      const size = Math.min(this.buf.length, RETAIN_LIMIT);
      const spare = this.spares.pop();
      this.buf = spare !== undefined && spare.length === size ? spare : Buffer.allocUnsafe(size);
      this.pos = 0;
      return out;
    }
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    this.reset();
    return out;
  }

  /**
   * A buffer finish() handed out, back once the socket has written it (its write callback):
   * reused by a later finish(). A stream of rows would otherwise allocate a new buffer of a
   * quarter MB or more per flush, and that much external memory makes V8 run full collections
   * (dozens per 10 million rows).
   */
  recycle(chunk: Buffer): void {
    const whole = chunk.buffer;
    if (chunk.byteOffset !== 0 || !this.handedOut.delete(whole) || this.spares.length >= MAX_SPARES) return;
    this.spares.push(Buffer.from(whole, 0, whole.byteLength));
  }

  /** Drop written bytes without copying (e.g. after an aborted batch). */
  reset(): void {
    this.pos = 0;
    if (this.buf.length > RETAIN_LIMIT) this.buf = Buffer.allocUnsafe(INITIAL_CAPACITY);
  }
}

// Scratch writer behind the encodeX() helpers. Safe because encoders are
// synchronous and finish() always copies out.
const scratch = new MessageWriter();

function fixed(code: number, body: readonly number[] = []): Buffer {
  const b = Buffer.alloc(5 + body.length);
  b[0] = code;
  b.writeInt32BE(4 + body.length, 1);
  for (let i = 0; i < body.length; i++) b[5 + i] = body[i];
  return b;
}

function authMessage(code: AuthCode, extra?: Uint8Array): Buffer {
  const w = scratch;
  const s = w.begin(BackendCode.Authentication);
  w.int32(code);
  if (extra !== undefined) w.bytes(extra);
  w.end(s);
  return w.finish();
}

function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}

// ---------------------------------------------------------------- auth / startup

export function encodeAuthenticationOk(): Buffer {
  return authMessage(AuthCode.Ok);
}

export function encodeAuthenticationCleartextPassword(): Buffer {
  return authMessage(AuthCode.CleartextPassword);
}

/** `salt` must be exactly 4 bytes. */
export function encodeAuthenticationMD5Password(salt: Uint8Array): Buffer {
  if (salt.length !== 4) throw new RangeError('MD5 salt must be 4 bytes');
  return authMessage(AuthCode.MD5Password, salt);
}

/** Mechanism names (e.g. 'SCRAM-SHA-256'), list terminated by an empty name. */
export function encodeAuthenticationSASL(mechanisms: readonly string[]): Buffer {
  const w = scratch;
  const s = w.begin(BackendCode.Authentication);
  w.int32(AuthCode.SASL);
  for (const m of mechanisms) w.cstring(m);
  w.byte(0);
  w.end(s);
  return w.finish();
}

/** Server-first message of SCRAM; raw bytes, no terminator. */
export function encodeAuthenticationSASLContinue(data: Uint8Array | string): Buffer {
  return authMessage(AuthCode.SASLContinue, toBytes(data));
}

/** Server-final message of SCRAM; raw bytes, no terminator. */
export function encodeAuthenticationSASLFinal(data: Uint8Array | string): Buffer {
  return authMessage(AuthCode.SASLFinal, toBytes(data));
}

export function encodeParameterStatus(name: string, value: string): Buffer {
  const w = scratch;
  const s = w.begin(BackendCode.ParameterStatus);
  w.cstring(name).cstring(value);
  w.end(s);
  return w.finish();
}

/** processId and secretKey are 32-bit; signed or unsigned spellings both work. */
export function encodeBackendKeyData(processId: number, secretKey: number): Buffer {
  const w = scratch;
  const s = w.begin(BackendCode.BackendKeyData);
  w.int32(processId).int32(secretKey);
  w.end(s);
  return w.finish();
}

/**
 * Sent when the client asked for a newer minor version (e.g. 3.2) or for
 * `_pq_.` protocol options we don't know; we then continue with 3.<newestMinor>.
 */
export function encodeNegotiateProtocolVersion(newestMinor: number, unrecognizedOptions: readonly string[]): Buffer {
  const w = scratch;
  const s = w.begin(BackendCode.NegotiateProtocolVersion);
  w.int32(newestMinor).int32(unrecognizedOptions.length);
  for (const o of unrecognizedOptions) w.cstring(o);
  w.end(s);
  return w.finish();
}

/** Transaction status: I = idle, T = in a transaction block, E = in a failed transaction block. */
export type TransactionStatus = 'I' | 'T' | 'E';

const READY: Record<TransactionStatus, Buffer> = {
  I: fixed(BackendCode.ReadyForQuery, [0x49]),
  T: fixed(BackendCode.ReadyForQuery, [0x54]),
  E: fixed(BackendCode.ReadyForQuery, [0x45]),
};

export function encodeReadyForQuery(status: TransactionStatus): Buffer {
  // Fresh copy: callers may hand buffers to socket.write, which must not share.
  return Buffer.from(READY[status]);
}

// ---------------------------------------------------------------- results

/** Result / parameter format code: 0 = text, 1 = binary. */
export type FormatCode = 0 | 1;

export interface FieldDescription {
  name: string;
  /** OID of the source table, 0 if the column is not a plain table column. */
  tableOid: number;
  /** Attribute number within that table, 0 if none. */
  columnAttr: number;
  typeOid: number;
  /** pg_type.typlen (negative = variable width). */
  typeSize: number;
  /** atttypmod, -1 = none. */
  typeModifier: number;
  formatCode: FormatCode;
}

export function writeRowDescription(w: MessageWriter, fields: readonly FieldDescription[]): void {
  const s = w.begin(BackendCode.RowDescription);
  w.int16(fields.length);
  for (const f of fields) {
    w.cstring(f.name).int32(f.tableOid).int16(f.columnAttr).int32(f.typeOid).int16(f.typeSize).int32(f.typeModifier).int16(f.formatCode);
  }
  w.end(s);
}

export function encodeRowDescription(fields: readonly FieldDescription[]): Buffer {
  writeRowDescription(scratch, fields);
  return scratch.finish();
}

/** A column value: raw bytes (binary format or pre-encoded UTF-8), text, or SQL NULL. */
export type FieldValue = Uint8Array | string | null;

/**
 * Hot path: append one DataRow. Strings are UTF-8 encoded straight into the
 * writer and the per-field length is back-patched, so no per-field Buffer is
 * allocated.
 */
export function writeDataRow(w: MessageWriter, values: readonly FieldValue[]): void {
  const s = w.begin(BackendCode.DataRow);
  const n = values.length;
  w.int16(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null) {
      w.int32(-1);
    } else if (typeof v === 'string') {
      w.int32(0);
      const lenAt = w.length - 4;
      const written = w.text(v);
      w.patchInt32(lenAt, written);
    } else {
      w.int32(v.length).bytes(v);
    }
  }
  w.end(s);
}

export function encodeDataRow(values: readonly FieldValue[]): Buffer {
  writeDataRow(scratch, values);
  return scratch.finish();
}

/** Command tag, e.g. 'SELECT 3', 'INSERT 0 1', 'BEGIN'. */
export function writeCommandComplete(w: MessageWriter, tag: string): void {
  const s = w.begin(BackendCode.CommandComplete);
  w.cstring(tag);
  w.end(s);
}

export function encodeCommandComplete(tag: string): Buffer {
  writeCommandComplete(scratch, tag);
  return scratch.finish();
}

export function encodeEmptyQueryResponse(): Buffer {
  return fixed(BackendCode.EmptyQueryResponse);
}

export function encodeParseComplete(): Buffer {
  return fixed(BackendCode.ParseComplete);
}

export function encodeBindComplete(): Buffer {
  return fixed(BackendCode.BindComplete);
}

export function encodeCloseComplete(): Buffer {
  return fixed(BackendCode.CloseComplete);
}

export function encodeNoData(): Buffer {
  return fixed(BackendCode.NoData);
}

export function encodePortalSuspended(): Buffer {
  return fixed(BackendCode.PortalSuspended);
}

export function encodeParameterDescription(oids: readonly number[]): Buffer {
  const w = scratch;
  const s = w.begin(BackendCode.ParameterDescription);
  w.int16(oids.length);
  for (const o of oids) w.int32(o);
  w.end(s);
  return w.finish();
}

// ---------------------------------------------------------------- errors / notices

export type Severity = 'ERROR' | 'FATAL' | 'PANIC' | 'WARNING' | 'NOTICE' | 'DEBUG' | 'INFO' | 'LOG';

/** Fields of ErrorResponse / NoticeResponse; the letter is the wire field code. */
export interface ErrorFields {
  /** S (possibly localized severity). */
  severity: Severity;
  /** V (never localized); defaults to `severity`. */
  severityNonLocalized?: Severity;
  /** C: SQLSTATE, five characters. */
  code: string;
  /** M */
  message: string;
  /** D */
  detail?: string;
  /** H */
  hint?: string;
  /** P: 1-based character position in the query string. */
  position?: number;
  /** p */
  internalPosition?: number;
  /** q */
  internalQuery?: string;
  /** W */
  where?: string;
  /** s */
  schema?: string;
  /** t */
  table?: string;
  /** c */
  column?: string;
  /** d */
  dataType?: string;
  /** n */
  constraint?: string;
  /** F */
  file?: string;
  /** L */
  line?: number;
  /** R */
  routine?: string;
}

// Same order PostgreSQL sends them in.
const OPTIONAL_FIELDS: ReadonlyArray<readonly [number, keyof ErrorFields]> = [
  [0x44, 'detail'], // D
  [0x48, 'hint'], // H
  [0x50, 'position'], // P
  [0x70, 'internalPosition'], // p
  [0x71, 'internalQuery'], // q
  [0x57, 'where'], // W
  [0x73, 'schema'], // s
  [0x74, 'table'], // t
  [0x63, 'column'], // c
  [0x64, 'dataType'], // d
  [0x6e, 'constraint'], // n
  [0x46, 'file'], // F
  [0x4c, 'line'], // L
  [0x52, 'routine'], // R
];

function writeErrorLike(w: MessageWriter, code: BackendCode, f: ErrorFields): void {
  const s = w.begin(code);
  w.byte(0x53).cstring(f.severity); // S
  w.byte(0x56).cstring(f.severityNonLocalized ?? f.severity); // V
  w.byte(0x43).cstring(f.code); // C
  w.byte(0x4d).cstring(f.message); // M
  for (const [letter, key] of OPTIONAL_FIELDS) {
    const v = f[key];
    if (v !== undefined) w.byte(letter).cstring(String(v));
  }
  w.byte(0);
  w.end(s);
}

export function writeErrorResponse(w: MessageWriter, fields: ErrorFields): void {
  writeErrorLike(w, BackendCode.ErrorResponse, fields);
}

export function encodeErrorResponse(fields: ErrorFields): Buffer {
  writeErrorLike(scratch, BackendCode.ErrorResponse, fields);
  return scratch.finish();
}

export function encodeNoticeResponse(fields: ErrorFields): Buffer {
  writeErrorLike(scratch, BackendCode.NoticeResponse, fields);
  return scratch.finish();
}

// ---------------------------------------------------------------- COPY

/** Overall format 0 = text, 1 = binary; one format code per column. */
export function encodeCopyOutResponse(format: FormatCode, columnFormats: readonly FormatCode[]): Buffer {
  return copyResponse(BackendCode.CopyOutResponse, format, columnFormats);
}

export function encodeCopyInResponse(format: FormatCode, columnFormats: readonly FormatCode[]): Buffer {
  return copyResponse(BackendCode.CopyInResponse, format, columnFormats);
}

function copyResponse(code: BackendCode, format: FormatCode, columnFormats: readonly FormatCode[]): Buffer {
  const w = scratch;
  const s = w.begin(code);
  w.byte(format).int16(columnFormats.length);
  for (const c of columnFormats) w.int16(c);
  w.end(s);
  return w.finish();
}

export function writeCopyData(w: MessageWriter, data: Uint8Array | string): void {
  const s = w.begin(BackendCode.CopyData);
  if (typeof data === 'string') w.text(data);
  else w.bytes(data);
  w.end(s);
}

export function encodeCopyData(data: Uint8Array | string): Buffer {
  writeCopyData(scratch, data);
  return scratch.finish();
}

export function encodeCopyDone(): Buffer {
  return fixed(BackendCode.CopyDone);
}
