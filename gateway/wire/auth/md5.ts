/**
 * PostgreSQL's md5 password method: the stored secret is
 * "md5" + md5(password + user), the client answers a 4-byte salt with
 * "md5" + md5(hex(md5(password + user)) + salt).
 */
import { createHash, timingSafeEqual } from 'node:crypto';

const md5hex = (data: Buffer): string => createHash('md5').update(data).digest('hex');

/** The stored form, as PostgreSQL's pg_authid keeps md5 passwords. */
export function md5PasswordHash(user: string, password: string): string {
  return `md5${md5hex(Buffer.from(password + user, 'utf8'))}`;
}

export function isMd5PasswordHash(text: string): boolean {
  return /^md5[0-9a-f]{32}$/.test(text);
}

/** What a client sends for `storedHash` (md5 + 32 hex) and `salt`. */
export function md5SaltedResponse(storedHash: string, salt: Uint8Array): string {
  return `md5${md5hex(Buffer.concat([Buffer.from(storedHash.slice(3), 'latin1'), salt]))}`;
}

export function md5ResponseMatches(storedHash: string, salt: Uint8Array, response: string): boolean {
  const expected = Buffer.from(md5SaltedResponse(storedHash, salt), 'latin1');
  const got = Buffer.from(response, 'latin1');
  return expected.length === got.length && timingSafeEqual(expected, got);
}
