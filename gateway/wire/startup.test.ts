import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Admission } from './admission.ts';
import { protocolNegotiation } from './startup.ts';

const startup = (minor: number, params: Record<string, string>) =>
  ({ type: 'StartupMessage', protocolMajor: 3, protocolMinor: minor, params: new Map(Object.entries(params)) }) as const;

describe('protocolNegotiation', () => {
  it('says nothing to a plain 3.0 startup', () => {
    assert.equal(protocolNegotiation(startup(0, { user: 'u', database: 'd', application_name: 'x' })), undefined);
  });

  it('answers a newer minor version and _pq_ options with NegotiateProtocolVersion(0, options)', () => {
    const two = protocolNegotiation(startup(2, { user: 'u', '_pq_.a': '1', '_pq_.b': '2' }))!;
    assert.equal(two.readInt32BE(1), two.length - 1, 'length field');
    assert.equal(two.subarray(13).toString(), '_pq_.a\0_pq_.b\0');
    const bytes = protocolNegotiation(startup(0, { user: 'u', '_pq_.a': '1' }))!;
    assert.equal(bytes.subarray(0, 1).toString(), 'v');
    assert.equal(bytes.readInt32BE(5), 0);
    assert.equal(bytes.readInt32BE(9), 1);
    assert.equal(bytes.subarray(13).toString(), '_pq_.a\0');
    const newer = protocolNegotiation(startup(2, { user: 'u' }))!;
    assert.deepEqual([newer.readInt32BE(5), newer.readInt32BE(9)], [0, 0]);
  });
});

describe('Admission', () => {
  it('hands out at most `limit` slots and takes each back once', () => {
    const admission = new Admission(2);
    const a = admission.tryAcquire();
    const b = admission.tryAcquire();
    assert.ok(a && b);
    assert.equal(admission.tryAcquire(), undefined);
    a();
    a();
    const c = admission.tryAcquire();
    assert.ok(c);
    assert.equal(admission.tryAcquire(), undefined);
  });
});
