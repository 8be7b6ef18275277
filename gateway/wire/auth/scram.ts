/**
 * SCRAM-SHA-256 (RFC 5802 / RFC 7677) on the server side, the way PostgreSQL
 * implements it: the user name inside the SCRAM messages is ignored (the
 * startup packet's user counts), channel binding is `tls-server-end-point`
 * only (SCRAM-SHA-256-PLUS, offered on TLS connections), and the stored verifier has PostgreSQL's pg_authid text form
 * `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` (base64 parts),
 * so verifiers can be copied between PostgreSQL and pondgate.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { SqlError } from '../../../src/errors.ts';

export const SCRAM_MECHANISM = 'SCRAM-SHA-256';
export const SCRAM_PLUS_MECHANISM = 'SCRAM-SHA-256-PLUS';
const CHANNEL_BINDING_TYPE = 'tls-server-end-point';
/** PostgreSQL's default scram_iterations. */
export const SCRAM_ITERATIONS = 4096;
const SALT_BYTES = 16;
const NONCE_BYTES = 18;

export interface ScramVerifier {
  readonly iterations: number;
  readonly salt: Buffer;
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
}

const hmac = (key: Buffer, text: string): Buffer => createHmac('sha256', key).update(text, 'utf8').digest();
const sha256 = (data: Buffer): Buffer => createHash('sha256').update(data).digest();

/**
 * SASLprep's mapping and normalization steps (RFC 4013), which are all that
 * change the bytes: non-ASCII spaces become ' ', "mapped to nothing"
 * characters go, then NFKC. PostgreSQL and libpq do the same; for ASCII
 * passwords it is the identity.
 */
function prepare(password: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(password)) return password;
  return password
    .replace(/[\u00A0\u1680\u2000-\u200B\u202F\u205F\u3000]/g, ' ')
    // eslint-disable-next-line no-misleading-character-class
    .replace(/[\u00AD\u034F\u1806\u180B\u180C\u180D\u200C\u200D\u2060\uFE00-\uFE0F\uFEFF]/g, '')
    .normalize('NFKC');
}

export function makeScramVerifier(password: string, salt: Buffer = randomBytes(SALT_BYTES), iterations = SCRAM_ITERATIONS): ScramVerifier {
  const salted = pbkdf2Sync(prepare(password), salt, iterations, 32, 'sha256');
  return {
    iterations,
    salt,
    storedKey: sha256(hmac(salted, 'Client Key')),
    serverKey: hmac(salted, 'Server Key'),
  };
}

export function formatScramVerifier(v: ScramVerifier): string {
  return `${SCRAM_MECHANISM}$${v.iterations}:${v.salt.toString('base64')}$${v.storedKey.toString('base64')}:${v.serverKey.toString('base64')}`;
}

const VERIFIER = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/;

/** Parses a pg_authid-style verifier; undefined when `text` is not one. */
export function parseScramVerifier(text: string): ScramVerifier | undefined {
  const m = VERIFIER.exec(text);
  if (!m) return undefined;
  const iterations = Number(m[1]);
  const storedKey = Buffer.from(m[3], 'base64');
  const serverKey = Buffer.from(m[4], 'base64');
  if (!Number.isSafeInteger(iterations) || iterations < 1 || storedKey.length !== 32 || serverKey.length !== 32) return undefined;
  return { iterations, salt: Buffer.from(m[2], 'base64'), storedKey, serverKey };
}

/** True when `password` produces this verifier (used by the cleartext method). */
export function scramVerifierMatches(v: ScramVerifier, password: string): boolean {
  const computed = makeScramVerifier(password, v.salt, v.iterations);
  return timingSafeEqual(computed.storedKey, v.storedKey) && timingSafeEqual(computed.serverKey, v.serverKey);
}

function protocolViolation(detail: string): SqlError {
  return new SqlError('08P01', 'malformed SCRAM message', detail);
}

/** `a=value` attributes of a SCRAM message, in order. */
function attributes(message: string): Array<[string, string]> {
  return message.split(',').map((part) => {
    if (!/^[A-Za-z]=/.test(part)) throw protocolViolation(`Attribute expected, but found "${part}".`);
    return [part[0], part.slice(2)];
  });
}

export type ScramStep =
  | { readonly kind: 'continue'; readonly serverFirst: string }
  | { readonly kind: 'success'; readonly serverFinal: string }
  | { readonly kind: 'failure' };

export interface ScramOptions {
  /** tls-server-end-point data of this TLS connection: the server then offers SCRAM-SHA-256-PLUS. */
  readonly channelBinding?: Buffer;
  /** For test vectors only. */
  readonly serverNonce?: string;
}

/**
 * One SCRAM exchange. `verifier` undefined means the user does not exist: the
 * exchange then runs to the end against a made-up verifier and fails, so a
 * client cannot tell unknown users from wrong passwords (PostgreSQL's "mock"
 * authentication does the same).
 */
export class ScramServerExchange {
  private readonly verifier: ScramVerifier;
  private readonly mock: boolean;
  private state: 'first' | 'final' | 'done' = 'first';
  private gs2Header = '';
  private nonce = '';
  private clientFirstBare = '';
  private serverFirst = '';
  private readonly serverNonce: string;
  private readonly channelBinding: Buffer | undefined;
  private plus = false;

  constructor(verifier: ScramVerifier | undefined, mockSalt: Buffer, options: ScramOptions = {}) {
    this.mock = verifier === undefined;
    this.verifier = verifier ?? { iterations: SCRAM_ITERATIONS, salt: mockSalt, storedKey: randomBytes(32), serverKey: randomBytes(32) };
    this.serverNonce = options.serverNonce ?? randomBytes(NONCE_BYTES).toString('base64');
    this.channelBinding = options.channelBinding;
  }

  /** The SASL mechanisms to offer, preferred first (as PostgreSQL lists them). */
  get mechanisms(): string[] {
    return this.channelBinding ? [SCRAM_PLUS_MECHANISM, SCRAM_MECHANISM] : [SCRAM_MECHANISM];
  }

  /**
   * Feeds the next client message (client-first with the mechanism the client
   * chose, then client-final). Throws SqlError 08P01 on malformed input.
   */
  step(message: string, mechanism: string = SCRAM_MECHANISM): ScramStep {
    switch (this.state) {
      case 'first':
        if (!this.mechanisms.includes(mechanism)) throw new SqlError('08P01', 'client selected an invalid SASL authentication mechanism');
        this.plus = mechanism === SCRAM_PLUS_MECHANISM;
        this.state = 'final';
        return { kind: 'continue', serverFirst: this.clientFirst(message) };
      case 'final':
        this.state = 'done';
        return this.clientFinal(message);
      case 'done':
        throw protocolViolation('The SCRAM exchange is already complete.');
    }
  }

  private clientFirst(message: string): string {
    // gs2-header: cbind-flag "," [authzid] ","
    const m = /^([ny]|p=[^,]*),([^,]*),(.*)$/s.exec(message);
    if (!m) throw protocolViolation('Unexpected channel-binding flag.');
    this.checkChannelBindingFlag(m[1]);
    if (m[2] !== '') throw new SqlError('0A000', 'client uses authorization identity, but it is not supported');
    this.gs2Header = `${m[1]},${m[2]},`;
    this.clientFirstBare = m[3];
    const attrs = attributes(this.clientFirstBare);
    if (attrs[0]?.[0] === 'm') throw new SqlError('0A000', 'client requires an unsupported SCRAM extension');
    if (attrs[0]?.[0] !== 'n') throw protocolViolation('Attribute "n" expected.');
    const clientNonce = attrs[1]?.[0] === 'r' ? attrs[1][1] : undefined;
    // A nonce is printable ASCII other than ','.
    if (!clientNonce || !/^[\x21-\x2b\x2d-\x7e]+$/.test(clientNonce)) throw protocolViolation('Attribute "r" expected.');
    this.nonce = clientNonce + this.serverNonce;
    this.serverFirst = `r=${this.nonce},s=${this.verifier.salt.toString('base64')},i=${this.verifier.iterations}`;
    return this.serverFirst;
  }

  private checkChannelBindingFlag(flag: string): void {
    if (this.plus) {
      if (!flag.startsWith('p=')) throw protocolViolation('The client selected SCRAM-SHA-256-PLUS, but the SCRAM message does not include channel binding data.');
      if (flag !== `p=${CHANNEL_BINDING_TYPE}`) throw protocolViolation(`unsupported SCRAM channel-binding type "${flag.slice(2)}"`);
      return;
    }
    if (flag.startsWith('p=')) throw protocolViolation('The client selected SCRAM-SHA-256 without channel binding, but the SCRAM message includes channel binding data.');
    // 'y': the client could bind but believes we cannot; we offered PLUS, so someone removed it (a downgrade).
    if (flag === 'y' && this.channelBinding) {
      throw new SqlError(
        '08P01',
        'SCRAM channel binding negotiation error',
        'The client supports SCRAM channel binding but thinks the server does not.  However, this server does support channel binding.',
      );
    }
  }

  private clientFinal(message: string): ScramStep {
    const attrs = attributes(message);
    const [c, r] = attrs;
    const proofAttr = attrs[attrs.length - 1];
    if (c?.[0] !== 'c') throw protocolViolation('Attribute "c" expected.');
    const expected = Buffer.concat([Buffer.from(this.gs2Header, 'latin1'), this.plus && this.channelBinding ? this.channelBinding : Buffer.alloc(0)]);
    if (!Buffer.from(c[1], 'base64').equals(expected)) throw protocolViolation('SCRAM channel binding check failed.');
    if (r?.[0] !== 'r' || r[1] !== this.nonce) throw protocolViolation('Nonce does not match.');
    if (attrs.length < 3 || proofAttr[0] !== 'p') throw protocolViolation('Attribute "p" expected.');
    const proof = Buffer.from(proofAttr[1], 'base64');
    if (proof.length !== 32) throw protocolViolation('Malformed proof in client-final-message.');
    const withoutProof = message.slice(0, message.length - proofAttr[1].length - 3);
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const clientSignature = hmac(this.verifier.storedKey, authMessage);
    const clientKey = Buffer.alloc(32);
    for (let i = 0; i < 32; i++) clientKey[i] = proof[i] ^ clientSignature[i];
    if (this.mock || !timingSafeEqual(sha256(clientKey), this.verifier.storedKey)) return { kind: 'failure' };
    return { kind: 'success', serverFinal: `v=${hmac(this.verifier.serverKey, authMessage).toString('base64')}` };
  }
}
