/**
 * Password authentication of one startup, independent of sockets: the
 * connection sends `request`, then passes each PasswordMessage body to
 * `respond` until it answers 'ok'. Failures are SqlErrors (28P01 for a wrong
 * password or unknown user — one message for both, as PostgreSQL does — and
 * 08P01 for malformed exchanges), which the connection reports as FATAL.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { SqlError } from '../../../src/errors.ts';
import {
  encodeAuthenticationCleartextPassword,
  encodeAuthenticationMD5Password,
  encodeAuthenticationSASL,
  encodeAuthenticationSASLContinue,
  encodeAuthenticationSASLFinal,
} from '../backend.ts';
import { parsePasswordBody, parseSASLInitialResponse } from '../frontend.ts';
import { md5PasswordHash, md5ResponseMatches } from './md5.ts';
import { ScramServerExchange, scramVerifierMatches, type ScramVerifier } from './scram.ts';
import type { Credential, UserStore } from './users.ts';

export const AUTH_METHODS = ['scram-sha-256', 'md5', 'password'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

export type AuthReply = { readonly kind: 'continue'; readonly message: Buffer } | { readonly kind: 'ok'; readonly message?: Buffer };

export interface AuthExchange {
  /** The Authentication request that opens the exchange. */
  readonly request: Buffer;
  /** Handles one PasswordMessage / SASLInitialResponse / SASLResponse body. */
  respond(body: Uint8Array): AuthReply;
}

export class Authenticator {
  // Keyed per process so mock salts are stable for a user name (as a real
  // user's salt is) without revealing anything.
  private readonly mockKey = randomBytes(32);

  constructor(
    private readonly users: UserStore,
    private readonly method: AuthMethod = 'scram-sha-256',
  ) {}

  /** No users configured: every user name is accepted without a password (loopback only; the CLI enforces that). */
  get trust(): boolean {
    return this.users.size === 0;
  }

  /**
   * The exchange for `user`, or undefined when no password is needed.
   * `channelBinding` is the TLS connection's tls-server-end-point data, if any.
   */
  begin(user: string, channelBinding?: Buffer): AuthExchange | undefined {
    if (this.trust) return undefined;
    const credential = this.users.get(user);
    if (this.method === 'password') return cleartextExchange(user, credential);
    // As in PostgreSQL, an md5-configured gateway still uses SCRAM for users whose secret is a SCRAM verifier.
    if (this.method === 'md5' && credential?.kind !== 'scram') return md5Exchange(user, credential);
    const mockSalt = createHmac('sha256', this.mockKey).update(user).digest().subarray(0, 16);
    return scramExchange(user, new ScramServerExchange(scramVerifierOf(credential), mockSalt, { channelBinding }));
  }
}

export function authenticationFailed(user: string): SqlError {
  return new SqlError('28P01', `password authentication failed for user "${user}"`);
}

function scramVerifierOf(credential: Credential | undefined): ScramVerifier | undefined {
  if (credential?.kind === 'plain') return credential.scram;
  if (credential?.kind === 'scram') return credential.verifier;
  return undefined; // unknown user, or only an md5 hash: SCRAM cannot succeed
}

function password(body: Uint8Array): string {
  const text = parsePasswordBody(body);
  if (typeof text !== 'string') throw new SqlError(text.sqlstate, text.message);
  return text;
}

function scramExchange(user: string, scram: ScramServerExchange): AuthExchange {
  let initial = true;
  return {
    request: encodeAuthenticationSASL(scram.mechanisms),
    respond(body) {
      let data: Uint8Array;
      let mechanism: string | undefined;
      if (initial) {
        initial = false;
        const message = parseSASLInitialResponse(body);
        if ('type' in message) throw new SqlError(message.sqlstate, message.message);
        if (message.initialResponse === null) throw new SqlError('08P01', 'malformed SCRAM message', 'The message is empty.');
        data = message.initialResponse;
        mechanism = message.mechanism;
      } else {
        data = body;
      }
      const step = scram.step(Buffer.from(data).toString('utf8'), mechanism);
      if (step.kind === 'continue') return { kind: 'continue', message: encodeAuthenticationSASLContinue(step.serverFirst) };
      if (step.kind === 'failure') throw authenticationFailed(user);
      return { kind: 'ok', message: encodeAuthenticationSASLFinal(step.serverFinal) };
    },
  };
}

function md5Exchange(user: string, credential: Credential | undefined): AuthExchange {
  const salt = randomBytes(4);
  const hash = credential?.kind === 'plain' ? md5PasswordHash(user, credential.password) : credential?.kind === 'md5' ? credential.hash : undefined;
  return {
    request: encodeAuthenticationMD5Password(salt),
    respond(body) {
      const response = password(body);
      if (hash === undefined || !md5ResponseMatches(hash, salt, response)) throw authenticationFailed(user);
      return { kind: 'ok' };
    },
  };
}

function cleartextExchange(user: string, credential: Credential | undefined): AuthExchange {
  return {
    request: encodeAuthenticationCleartextPassword(),
    respond(body) {
      const given = password(body);
      if (given === '' || credential === undefined || !cleartextMatches(user, credential, given)) throw authenticationFailed(user);
      return { kind: 'ok' };
    },
  };
}

function cleartextMatches(user: string, credential: Credential, given: string): boolean {
  switch (credential.kind) {
    case 'plain':
      return sameText(credential.password, given);
    case 'scram':
      return scramVerifierMatches(credential.verifier, given);
    case 'md5':
      return sameText(credential.hash, md5PasswordHash(user, given));
  }
}

/** Constant-time string comparison (of digests, so lengths do not leak either). */
function sameText(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
}
