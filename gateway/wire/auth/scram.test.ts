import assert from 'node:assert/strict';
import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { describe, it } from 'node:test';
import { SqlError } from '../../../src/errors.ts';
import { SCRAM_PLUS_MECHANISM, ScramServerExchange, formatScramVerifier, makeScramVerifier, parseScramVerifier, scramVerifierMatches } from './scram.ts';

// RFC 7677 section 3: user "user", password "pencil".
const SALT = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
const CLIENT_FIRST = 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO';
const SERVER_NONCE = '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
const SERVER_FIRST = 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096';
const CLIENT_FINAL = 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=';
const SERVER_FINAL = 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=';

const exchange = (password = 'pencil') => new ScramServerExchange(makeScramVerifier(password, SALT), Buffer.alloc(16), { serverNonce: SERVER_NONCE });

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
    const mock = new ScramServerExchange(undefined, SALT, { serverNonce: SERVER_NONCE });
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

  describe('channel binding (tls-server-end-point)', () => {
    const binding = createHash('sha256').update('certificate').digest();
    const plusExchange = () => new ScramServerExchange(makeScramVerifier('pencil', SALT), Buffer.alloc(16), { channelBinding: binding, serverNonce: SERVER_NONCE });
    // The client side of RFC 5802, written out independently of the server code.
    const clientFinal = (gs2: string, cbind: Buffer, serverFirst: string, password = 'pencil') => {
      const salted = pbkdf2Sync(password, SALT, 4096, 32, 'sha256');
      const clientKey = createHmac('sha256', salted).update('Client Key').digest();
      const storedKey = createHash('sha256').update(clientKey).digest();
      const withoutProof = `c=${Buffer.concat([Buffer.from(gs2), cbind]).toString('base64')},r=abc${SERVER_NONCE}`;
      const signature = createHmac('sha256', storedKey).update(`n=,r=abc,${serverFirst},${withoutProof}`).digest();
      return `${withoutProof},p=${Buffer.from(clientKey.map((b, i) => b ^ signature[i])).toString('base64')}`;
    };

    it('offers SCRAM-SHA-256-PLUS first and verifies the binding data', () => {
      const scram = plusExchange();
      assert.deepEqual(scram.mechanisms, ['SCRAM-SHA-256-PLUS', 'SCRAM-SHA-256']);
      const first = scram.step('p=tls-server-end-point,,n=,r=abc', SCRAM_PLUS_MECHANISM);
      assert.equal(first.kind, 'continue');
      const final = scram.step(clientFinal('p=tls-server-end-point,,', binding, first.serverFirst));
      assert.equal(final.kind, 'success');
    });

    it('fails on other binding data, a wrong password, and a missing or unknown binding type', () => {
      const other = plusExchange();
      const first = other.step('p=tls-server-end-point,,n=,r=abc', SCRAM_PLUS_MECHANISM);
      assert.equal(first.kind, 'continue');
      assert.throws(() => other.step(clientFinal('p=tls-server-end-point,,', Buffer.alloc(32), first.serverFirst)), (e: SqlError) => /channel binding check failed/.test(e.detail ?? ''));
      const wrong = plusExchange();
      const wrongFirst = wrong.step('p=tls-server-end-point,,n=,r=abc', SCRAM_PLUS_MECHANISM);
      assert.equal(wrongFirst.kind, 'continue');
      assert.deepEqual(wrong.step(clientFinal('p=tls-server-end-point,,', binding, wrongFirst.serverFirst, 'pencil2')), { kind: 'failure' });
      assert.throws(() => plusExchange().step('n,,n=,r=abc', SCRAM_PLUS_MECHANISM), (e: SqlError) => e.sqlstate === '08P01');
      assert.throws(() => plusExchange().step('p=tls-unique,,n=,r=abc', SCRAM_PLUS_MECHANISM), (e: SqlError) => /unsupported SCRAM channel-binding type/.test(e.detail ?? ''));
      assert.throws(() => exchange().step('p=tls-server-end-point,,n=,r=abc', SCRAM_PLUS_MECHANISM), /invalid SASL authentication mechanism/);
    });

    it('refuses the "y" flag when PLUS was offered (a downgrade), accepts "n"', () => {
      assert.throws(() => plusExchange().step('y,,n=,r=abc'), (e: SqlError) => e.message === 'SCRAM channel binding negotiation error');
      assert.equal(plusExchange().step('n,,n=,r=abc').kind, 'continue');
    });
  });
});
