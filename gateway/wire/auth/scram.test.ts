import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SqlError } from '../../../src/errors.ts';
import { ScramServerExchange, formatScramVerifier, makeScramVerifier, parseScramVerifier, scramVerifierMatches } from './scram.ts';

// RFC 7677 section 3: user "user", password "pencil".
const SALT = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
const CLIENT_FIRST = 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO';
const SERVER_NONCE = '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
const SERVER_FIRST = 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096';
const CLIENT_FINAL = 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=';
const SERVER_FINAL = 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=';

const exchange = (password = 'pencil') => new ScramServerExchange(makeScramVerifier(password, SALT), Buffer.alloc(16), SERVER_NONCE);

describe('SCRAM-SHA-256 server', () => {
  it('reproduces the RFC 7677 example exchange', () => {
    const scram = exchange();
    assert.deepEqual(scram.step(CLIENT_FIRST), { kind: 'continue', serverFirst: SERVER_FIRST });
    assert.deepEqual(scram.step(CLIENT_FINAL), { kind: 'success', serverFinal: SERVER_FINAL });
  });

  it('fails the proof for another password, and for an unknown user (mock verifier)', () => {
    const wrong = exchange('pencil2');
    wrong.step(CLIENT_FIRST);
    assert.deepEqual(wrong.step(CLIENT_FINAL), { kind: 'failure' });
    const mock = new ScramServerExchange(undefined, SALT, SERVER_NONCE);
    assert.deepEqual(mock.step(CLIENT_FIRST), { kind: 'continue', serverFirst: SERVER_FIRST });
    assert.deepEqual(mock.step(CLIENT_FINAL), { kind: 'failure' });
  });

  it('rejects a changed nonce, channel-binding data and malformed messages', () => {
    const badNonce = exchange();
    badNonce.step(CLIENT_FIRST);
    assert.throws(() => badNonce.step(CLIENT_FINAL.replace('k0,p=', 'k1,p=')), (e: SqlError) => e.sqlstate === '08P01' && /Nonce/.test(e.detail ?? ''));
    const badBinding = exchange();
    badBinding.step(CLIENT_FIRST);
    assert.throws(() => badBinding.step(CLIENT_FINAL.replace('c=biws', 'c=eSws')), (e: SqlError) => e.sqlstate === '08P01');
    assert.throws(() => exchange().step('p=tls-server-end-point,,n=,r=abc'), (e: SqlError) => e.sqlstate === '08P01');
    assert.throws(() => exchange().step('x,,n=,r=abc'), (e: SqlError) => e.sqlstate === '08P01');
    assert.throws(() => exchange().step('n,,n=,r='), (e: SqlError) => e.sqlstate === '08P01');
    assert.throws(() => exchange().step('n,a=admin,n=,r=abc'), (e: SqlError) => e.sqlstate === '0A000');
  });

  it('accepts the "y" flag (client can bind, server offers no binding) when c= echoes it', () => {
    const scram = exchange();
    const first = scram.step('y,,n=,r=abc');
    assert.equal(first.kind, 'continue');
    // Wrong proof, but well-formed: the exchange reaches verification.
    assert.deepEqual(scram.step(`c=eSws,r=abc${SERVER_NONCE},p=${Buffer.alloc(32).toString('base64')}`), { kind: 'failure' });
  });

  it('formats and parses pg_authid verifiers', () => {
    const verifier = makeScramVerifier('pencil', SALT);
    const text = formatScramVerifier(verifier);
    assert.match(text, /^SCRAM-SHA-256\$4096:W22ZaJ0SNY7soEsUEjb6gQ==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/);
    assert.deepEqual(parseScramVerifier(text), verifier);
    assert.equal(parseScramVerifier('SCRAM-SHA-256$4096:abc$def'), undefined);
    assert.ok(scramVerifierMatches(verifier, 'pencil'));
    assert.ok(!scramVerifierMatches(verifier, 'pencil!'));
  });
});
