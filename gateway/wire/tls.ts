/**
 * TLS for the wire protocol. PostgreSQL clients do not start TLS right away:
 * they send an SSLRequest on the plain socket, and after the one-byte 'S'
 * answer start the handshake on the same socket, which is then wrapped here.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import tls from 'node:tls';

export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

/** Reads the PEM certificate (chain) and key; errors name the file. */
export function loadTlsContext(files: TlsFiles): tls.SecureContext {
  const read = (file: string, what: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new Error(`cannot read TLS ${what} ${file}: ${(error as Error).message}`);
    }
  };
  const cert = read(files.certFile, 'certificate');
  const key = read(files.keyFile, 'key');
  try {
    return tls.createSecureContext({ cert, key, minVersion: 'TLSv1.2' });
  } catch (error) {
    throw new Error(`invalid TLS certificate or key (${files.certFile}, ${files.keyFile}): ${(error as Error).message}`);
  }
}

/**
 * Wraps a plain socket on which 'S' was just written. Call it in the same
 * tick as that write and before any further data is read, so the client's
 * ClientHello reaches the TLS layer and not the protocol decoder.
 */
export function upgradeToTls(socket: Socket, context: tls.SecureContext): tls.TLSSocket {
  return new tls.TLSSocket(socket, { isServer: true, secureContext: context });
}

// Signature algorithm OIDs (DER content bytes, hex) → the hash that
// tls-server-end-point uses (RFC 5929 §4.1: MD5 and SHA-1 become SHA-256).
const SIGNATURE_HASHES: ReadonlyMap<string, string> = new Map([
  ['2a864886f70d010104', 'sha256'], // md5WithRSAEncryption
  ['2a864886f70d010105', 'sha256'], // sha1WithRSAEncryption
  ['2a864886f70d01010b', 'sha256'], // sha256WithRSAEncryption
  ['2a864886f70d01010c', 'sha384'], // sha384WithRSAEncryption
  ['2a864886f70d01010d', 'sha512'], // sha512WithRSAEncryption
  ['2a864886f70d01010e', 'sha224'], // sha224WithRSAEncryption
  ['2a8648ce3d0401', 'sha256'], // ecdsa-with-SHA1
  ['2a8648ce3d040301', 'sha224'], // ecdsa-with-SHA224
  ['2a8648ce3d040302', 'sha256'], // ecdsa-with-SHA256
  ['2a8648ce3d040303', 'sha384'], // ecdsa-with-SHA384
  ['2a8648ce3d040304', 'sha512'], // ecdsa-with-SHA512
]);

/** One DER TLV at `at`: where its content starts and ends. */
function derElement(der: Buffer, at: number): { tag: number; start: number; end: number } {
  const tag = der[at];
  let length = der[at + 1];
  let start = at + 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    if (bytes < 1 || bytes > 4) throw new Error('unsupported DER length');
    length = der.readUIntBE(start, bytes);
    start += bytes;
  }
  if (start + length > der.length) throw new Error('truncated DER');
  return { tag, start, end: start + length };
}

/** The hash named by a certificate's signatureAlgorithm, or undefined for one channel binding cannot use (e.g. Ed25519, RSA-PSS). */
export function certificateSignatureHash(der: Buffer): string | undefined {
  try {
    const certificate = derElement(der, 0); // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signature }
    const tbs = derElement(der, certificate.start);
    const algorithm = derElement(der, tbs.end); // AlgorithmIdentifier ::= SEQUENCE { algorithm OID, parameters }
    const oid = derElement(der, algorithm.start);
    if (certificate.tag !== 0x30 || tbs.tag !== 0x30 || algorithm.tag !== 0x30 || oid.tag !== 0x06) return undefined;
    return SIGNATURE_HASHES.get(der.subarray(oid.start, oid.end).toString('hex'));
  } catch {
    return undefined;
  }
}

/**
 * Channel-binding data of type tls-server-end-point (RFC 5929): the hash of
 * our certificate. Undefined when it cannot be computed; SCRAM-SHA-256-PLUS is
 * then not offered, as PostgreSQL does.
 */
export function tlsServerEndPoint(socket: tls.TLSSocket): Buffer | undefined {
  const certificate = socket.getCertificate();
  const der = certificate && 'raw' in certificate ? certificate.raw : undefined;
  if (!der) return undefined;
  const hash = certificateSignatureHash(der);
  return hash ? createHash(hash).update(der).digest() : undefined;
}
