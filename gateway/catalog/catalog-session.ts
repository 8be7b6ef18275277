/**
 * The bridge between a client session and the catalog rewrite: what the
 * rewrite reads (user, database, pid, search_path, settings, the live
 * sessions) and where the set_config() calls it finds are applied (the
 * session's SessionState).
 */
import { SERVER_VERSION, UnknownParameterError, type SessionState } from '../session/session-state.ts';
import type { ActivityRow } from '../session/session-registry.ts';
import type { CatalogSession, SessionSetting } from './pg-rewrite.ts';

/** Facts about a session that SessionState does not hold. */
export interface SessionIdentity {
  readonly database: string;
  readonly processId: number;
  readonly clientAddress?: string;
  readonly clientPort?: number;
  readonly serverAddress?: string;
  readonly serverPort?: number;
}

/** PostgreSQL prints IPv4 peers without the IPv6 mapping prefix. */
const address = (value: string | undefined) => value?.replace(/^::ffff:/, '') ?? null;

export const DEFAULT_IDENTITY: SessionIdentity = { database: 'pondgate', processId: 0 };

export function catalogSession(state: SessionState, identity: SessionIdentity, activity: () => readonly ActivityRow[] = () => []): CatalogSession {
  return {
    user: state.get('session_authorization'),
    database: identity.database,
    processId: identity.processId,
    get searchPath() {
      return state.get('search_path');
    },
    serverVersion: SERVER_VERSION,
    network: {
      clientAddress: address(identity.clientAddress),
      clientPort: identity.clientPort ?? null,
      serverAddress: address(identity.serverAddress),
      serverPort: identity.serverPort ?? null,
    },
    setting(name: string): string | undefined {
      try {
        return state.get(name);
      } catch (error) {
        if (error instanceof UnknownParameterError) return undefined;
        throw error;
      }
    },
    sessionJson(): string {
      return JSON.stringify({ user: state.get('session_authorization'), database: identity.database, settings: state.all(), activity: activity() });
    },
  };
}

/**
 * Applies set_config(name, value, false) as SET would. A transaction-local set_config has
 * no lasting effect in PostgreSQL outside a transaction block, and pondgate has none.
 * Errors are SessionState's (unknown parameter, invalid value); the caller maps them.
 */
export function applySettings(state: SessionState, settings: readonly SessionSetting[]): void {
  for (const setting of settings) {
    if (setting.local) continue;
    state.set(setting.name, setting.value);
  }
}
