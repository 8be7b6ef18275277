import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { certificateSignatureHash, loadTlsContext } from './tls.ts';

describe('TLS certificates', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pondgate-tls-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const makeCert = (name: string, keyArgs: string[], digest?: string) => {
    const key = path.join(dir, `${name}.key`);
    const cert = path.join(dir, `${name}.pem`);
    execFileSync('openssl', ['genpkey', ...keyArgs, '-out', key], { stdio: 'ignore' });
    execFileSync('openssl', ['req', '-x509', '-key', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', ...(digest ? [`-${digest}`] : [])], { stdio: 'ignore' });
    return { key, cert, der: new X509Certificate(readFileSync(cert)).raw };
  };

  it('finds the signature hash tls-server-end-point needs', () => {
    assert.equal(certificateSignatureHash(makeCert('rsa', ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'], 'sha256').der), 'sha256');
    assert.equal(certificateSignatureHash(makeCert('rsa1', ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'], 'sha1').der), 'sha256');
    assert.equal(certificateSignatureHash(makeCert('ec', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'], 'sha384').der), 'sha384');
    assert.equal(certificateSignatureHash(makeCert('ed', ['-algorithm', 'ED25519']).der), undefined);
    assert.equal(certificateSignatureHash(Buffer.from([0x30, 0x82, 0xff])), undefined);
  });

  it('loads a certificate and key, and names the file that is wrong', () => {
    const { key, cert } = makeCert('load', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']);
    assert.ok(loadTlsContext({ certFile: cert, keyFile: key }));
    assert.throws(() => loadTlsContext({ certFile: path.join(dir, 'missing.pem'), keyFile: key }), /cannot read TLS certificate .*missing\.pem/);
    assert.throws(() => loadTlsContext({ certFile: key, keyFile: key }), /invalid TLS certificate or key/);
  });
});
