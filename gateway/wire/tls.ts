/**
 * TLS for the wire protocol. PostgreSQL clients do not start TLS right away:
 * they send an SSLRequest on the plain socket, and after the one-byte 'S'
 * answer start the handshake on the same socket, which is then wrapped here.
 */
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
