import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { md5PasswordHash, md5ResponseMatches, md5SaltedResponse } from './md5.ts';
import { formatScramVerifier, makeScramVerifier, scramVerifierMatches } from './scram.ts';
import { loadUsers, parseUsersFile } from './users.ts';

describe('users file', () => {
  it('reads plain-text, SCRAM verifier and md5 entries, skipping comments and blank lines', () => {
    const verifier = formatScramVerifier(makeScramVerifier('bob-pw'));
    const users = parseUsersFile(`# comment\n\nalice:pw:with:colons\r\nbob:${verifier}\n  # indented comment\ncarol:${md5PasswordHash('carol', 'x')}\n`);
    assert.deepEqual([...users.keys()], ['alice', 'bob', 'carol']);
    const alice = users.get('alice');
    assert.equal(alice?.kind, 'plain');
    assert.equal(alice.password, 'pw:with:colons');
    assert.ok(scramVerifierMatches(alice.scram, 'pw:with:colons'));
    const bob = users.get('bob');
    assert.equal(bob?.kind, 'scram');
    assert.ok(scramVerifierMatches(bob.verifier, 'bob-pw'));
    assert.equal(users.get('carol')?.kind, 'md5');
  });

  it('names the line of a bad entry', () => {
    assert.throws(() => parseUsersFile('alice:x\nnocolon\n', 'u.txt'), /u\.txt line 2: expected name:password/);
    assert.throws(() => parseUsersFile('alice:\n'), /line 1: empty password/);
    assert.throws(() => parseUsersFile('a:x\na:y\n'), /line 2: user "a" is defined twice/);
    assert.throws(() => parseUsersFile('a:SCRAM-SHA-256$4096:abc\n'), /line 1: malformed SCRAM-SHA-256 verifier/);
  });

  it('adds the user pondgate from PONDGATE_PASSWORD; nothing configured means no users', () => {
    assert.equal(loadUsers(undefined, undefined).size, 0);
    assert.equal(loadUsers(undefined, '').size, 0);
    const users = loadUsers(undefined, 'secret');
    assert.deepEqual([...users.keys()], ['pondgate']);
  });
});

describe('md5 passwords', () => {
  it('computes PostgreSQL md5 hashes and salted responses', () => {
    const hex = (s: string | Buffer) => createHash('md5').update(s).digest('hex');
    const stored = md5PasswordHash('alice', 'pw');
    assert.equal(stored, `md5${hex('pwalice')}`);
    const salt = Buffer.from([1, 2, 3, 4]);
    const response = md5SaltedResponse(stored, salt);
    assert.equal(response, `md5${hex(Buffer.concat([Buffer.from(hex('pwalice')), salt]))}`);
    assert.ok(md5ResponseMatches(stored, salt, response));
    assert.ok(!md5ResponseMatches(stored, Buffer.from([1, 2, 3, 5]), response));
  });
});
