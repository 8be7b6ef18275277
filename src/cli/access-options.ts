/**
 * The gateway's authentication and TLS options (`gateway` and `cluster`
 * share them), and the Contract's identity rule: trust only on a loopback
 * bind with no users configured; anywhere else a password is required.
 */
import { Option, type Command } from 'commander';
import { AUTH_METHODS, Authenticator, type AuthMethod } from '../../gateway/wire/auth/authenticator.ts';
import { PASSWORD_ENV, loadUsers } from '../../gateway/wire/auth/users.ts';
import type { AccessPolicy } from '../../gateway/wire/security.ts';
import { loadTlsContext } from '../../gateway/wire/tls.ts';
import { isLoopback, positiveNumber } from './options.ts';

export interface AccessCliOptions {
  users?: string;
  authMethod: AuthMethod;
  tlsCert?: string;
  tlsKey?: string;
  requireTls: boolean;
  authenticationTimeout: number;
}

export function addAccessOptions(command: Command): Command {
  return command
    .option('--users <file>', `users file, one "name:password" or "name:SCRAM-SHA-256$..." verifier per line (or set ${PASSWORD_ENV} for the user "pondgate")`)
    .addOption(new Option('--auth-method <method>', 'password method when users are configured').choices(AUTH_METHODS).default('scram-sha-256'))
    .option('--tls-cert <file>', 'TLS certificate (PEM); enables SSL connections')
    .option('--tls-key <file>', 'TLS private key (PEM)')
    .option('--require-tls', 'refuse connections that do not use SSL', false)
    .option('--authentication-timeout <seconds>', 'close connections that have not logged in after this long', positiveNumber, 60);
}

export interface AccessSummary {
  readonly policy: AccessPolicy;
  /** For the start-up log line. */
  readonly description: { auth: string; users: number; tls: boolean; requireTls: boolean };
}

/** Builds the policy, or throws an Error whose message tells the user what to change. */
export function accessPolicy(options: AccessCliOptions, host: string, env: NodeJS.ProcessEnv = process.env): AccessSummary {
  if ((options.tlsCert === undefined) !== (options.tlsKey === undefined)) throw new Error('--tls-cert and --tls-key must be given together');
  const tls = options.tlsCert !== undefined && options.tlsKey !== undefined ? loadTlsContext({ certFile: options.tlsCert, keyFile: options.tlsKey }) : undefined;
  if (options.requireTls && !tls) throw new Error('--require-tls needs a certificate: pass --tls-cert and --tls-key');
  const users = loadUsers(options.users, env[PASSWORD_ENV]);
  if (users.size === 0 && !isLoopback(host)) {
    throw new Error(
      `refusing to listen on ${host}: a non-loopback address requires password authentication; ` +
        `configure users with --users FILE or set ${PASSWORD_ENV} (user "pondgate"), or listen on 127.0.0.1`,
    );
  }
  const authenticator = new Authenticator(users, options.authMethod);
  return {
    policy: { authenticator, tls, requireTls: options.requireTls, startupTimeoutMs: Math.round(options.authenticationTimeout * 1000) },
    description: { auth: authenticator.trust ? 'trust' : options.authMethod, users: users.size, tls: tls !== undefined, requireTls: options.requireTls },
  };
}
