/** What a connection needs to decide who may start a session, and how. */
import type { SecureContext } from 'node:tls';
import { Admission } from './admission.ts';
import { Authenticator } from './auth/authenticator.ts';

/** The operator's choices: who may log in, and over what. */
export interface AccessPolicy {
  readonly authenticator: Authenticator;
  /** Present when TLS is configured: SSLRequest is then answered 'S'. */
  readonly tls?: SecureContext;
  /** Refuse sessions that did not negotiate TLS. */
  readonly requireTls: boolean;
  /** Time allowed from connect to a started session (PostgreSQL's authentication_timeout); default 60 s. */
  readonly startupTimeoutMs?: number;
}

export interface ConnectionSecurity extends AccessPolicy {
  readonly admission: Admission;
  readonly startupTimeoutMs: number;
}

/** No users, no TLS: trust (the CLI allows it on loopback binds only). */
export const TRUST_POLICY: AccessPolicy = { authenticator: new Authenticator(new Map()), requireTls: false };

export function connectionSecurity(policy: AccessPolicy, maxConnections: number): ConnectionSecurity {
  return { ...policy, admission: new Admission(maxConnections), startupTimeoutMs: policy.startupTimeoutMs ?? 60_000 };
}
