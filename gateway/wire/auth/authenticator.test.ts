import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import type { SqlError } from '../../../src/errors.ts';
import { Authenticator, type AuthExchange } from './authenticator.ts';
import { md5SaltedResponse } from './md5.ts';
import { parseUsersFile } from './users.ts';

const users = parseUsersFile(`alice:alice-pw\ncarol:md5${createHash('md5').update('carol-pwcarol').digest('hex')}\n`);
const cstring = (s: string) => Buffer.from(`${s}\0`, 'utf8');
/** The Authentication request code (int32 after the 5-byte header). */
const requestCode = (exchange: AuthExchange | undefined) => exchange?.request.readInt32BE(5);
const failed = (user: string) => (e: SqlError) => e.sqlstate === '28P01' && e.message === `password authentication failed for user "${user}"`;

describe('Authenticator', () => {
  it('trusts everyone when no users are configured', () => {
    const trust = new Authenticator(new Map());
    assert.ok(trust.trust);
    assert.equal(trust.begin('anyone'), undefined);
  });

  it('md5: answers the salted hash of plain-text and md5 entries', () => {
    const auth = new Authenticator(users, 'md5');
    for (const [user, password] of [['alice', 'alice-pw'], ['carol', 'carol-pw']]) {
      const exchange = auth.begin(user);
      assert.equal(requestCode(exchange), 5);
      const salt = exchange!.request.subarray(9, 13);
      const stored = `md5${createHash('md5').update(password + user).digest('hex')}`;
      assert.deepEqual(exchange!.respond(cstring(md5SaltedResponse(stored, salt))), { kind: 'ok' });
      assert.throws(() => auth.begin(user)!.respond(cstring(md5SaltedResponse(stored, salt))), failed(user), 'a new exchange has a new salt');
    }
    assert.throws(() => auth.begin('nobody')!.respond(cstring('md5' + '0'.repeat(32))), failed('nobody'));
  });

  it('password: compares the cleartext password; empty and malformed answers fail', () => {
    const auth = new Authenticator(users, 'password');
    assert.equal(requestCode(auth.begin('alice')), 3);
    assert.deepEqual(auth.begin('alice')!.respond(cstring('alice-pw')), { kind: 'ok' });
    assert.deepEqual(auth.begin('carol')!.respond(cstring('carol-pw')), { kind: 'ok' });
    assert.throws(() => auth.begin('alice')!.respond(cstring('alice-pwx')), failed('alice'));
    assert.throws(() => auth.begin('alice')!.respond(cstring('')), failed('alice'));
    assert.throws(() => auth.begin('alice')!.respond(Buffer.from('no terminator')), (e: SqlError) => e.sqlstate === '08P01');
  });

  it('scram-sha-256: offers SCRAM-SHA-256, and -PLUS only with channel-binding data', () => {
    const auth = new Authenticator(users);
    const plain = auth.begin('alice')!;
    assert.equal(requestCode(plain), 10);
    assert.equal(plain.request.subarray(9).toString(), 'SCRAM-SHA-256\0\0');
    assert.equal(auth.begin('alice', Buffer.alloc(32))!.request.subarray(9).toString(), 'SCRAM-SHA-256-PLUS\0SCRAM-SHA-256\0\0');
    const initial = Buffer.concat([cstring('SCRAM-SHA-256'), Buffer.from([0, 0, 0, 11]), Buffer.from('n,,n=,r=abc')]);
    const reply = plain.respond(initial);
    assert.equal(reply.kind, 'continue');
    assert.match(reply.message.subarray(9).toString(), /^r=abc[A-Za-z0-9+/]{24},s=[A-Za-z0-9+/=]+,i=4096$/);
    assert.throws(() => auth.begin('alice')!.respond(Buffer.concat([cstring('SCRAM-SHA-1'), Buffer.from([0, 0, 0, 11]), Buffer.from('n,,n=,r=abc')])), /invalid SASL authentication mechanism/);
  });
});
