/**
 * The users a password-protected gateway accepts.
 *
 * Users file format: one user per line, `name:secret`, split at the first
 * colon. Blank lines and lines starting with `#` are ignored. The secret is
 *  - a SCRAM verifier `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`
 *    (PostgreSQL's pg_authid form, printed by `pondgate passwd`), or
 *  - an md5 hash `md5` + 32 hex digits (md5(password + name), PostgreSQL's form), or
 *  - otherwise the password itself, in plain text.
 * The environment variable PONDGATE_PASSWORD defines the user `pondgate`
 * unless the file already does.
 */
import { readFileSync } from 'node:fs';
import { isMd5PasswordHash } from './md5.ts';
import { makeScramVerifier, parseScramVerifier, type ScramVerifier } from './scram.ts';

export type Credential =
  | { readonly kind: 'plain'; readonly password: string; readonly scram: ScramVerifier }
  | { readonly kind: 'scram'; readonly verifier: ScramVerifier }
  | { readonly kind: 'md5'; readonly hash: string };

export type UserStore = ReadonlyMap<string, Credential>;

export const DEFAULT_USER = 'pondgate';
export const PASSWORD_ENV = 'PONDGATE_PASSWORD';

export function parseCredential(secret: string): Credential {
  if (secret.startsWith('SCRAM-SHA-256$')) {
    const verifier = parseScramVerifier(secret);
    if (!verifier) throw new Error('malformed SCRAM-SHA-256 verifier');
    return { kind: 'scram', verifier };
  }
  if (isMd5PasswordHash(secret)) return { kind: 'md5', hash: secret };
  // Derived once here so each login costs one exchange, not a fresh PBKDF2 of the salt.
  return { kind: 'plain', password: secret, scram: makeScramVerifier(secret) };
}

/** Parses the users file's text; errors name the line. */
export function parseUsersFile(text: string, source = 'users file'): Map<string, Credential> {
  const users = new Map<string, Credential>();
  text.split('\n').forEach((raw, index) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const where = `${source} line ${index + 1}`;
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`${where}: expected name:password`);
    const name = line.slice(0, colon);
    const secret = line.slice(colon + 1);
    if (secret === '') throw new Error(`${where}: empty password for user "${name}"`);
    if (users.has(name)) throw new Error(`${where}: user "${name}" is defined twice`);
    try {
      users.set(name, parseCredential(secret));
    } catch (error) {
      throw new Error(`${where}: ${(error as Error).message}`);
    }
  });
  return users;
}

/** Users from `--users FILE` and PONDGATE_PASSWORD; an empty store means no users are configured. */
export function loadUsers(file: string | undefined, envPassword: string | undefined): UserStore {
  let users = new Map<string, Credential>();
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new Error(`cannot read users file ${file}: ${(error as Error).message}`);
    }
    users = parseUsersFile(text, file);
    if (users.size === 0) throw new Error(`users file ${file} defines no users`);
  }
  if (envPassword !== undefined && envPassword !== '' && !users.has(DEFAULT_USER)) users.set(DEFAULT_USER, parseCredential(envPassword));
  return users;
}
