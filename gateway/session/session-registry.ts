/**
 * The gateway's live sessions, as pg_stat_activity shows them: who is
 * connected from where, since when, and what each is running (or ran last).
 * Each EngineSession registers itself and reports the start and end of its
 * statements; the catalog reads a snapshot when a query names pg_stat_activity.
 */
export interface ActivityRow {
  readonly pid: number;
  readonly usename: string;
  readonly application_name: string;
  readonly client_addr: string | null;
  readonly client_port: number | null;
  readonly backend_start: string;
  readonly xact_start: string | null;
  readonly query_start: string | null;
  readonly state_change: string;
  readonly state: 'active' | 'idle';
  readonly query: string;
}

export interface SessionActivity {
  /** A statement starts running. */
  begin(query: string): void;
  /** The statement (and its result) is done. */
  end(): void;
  /** The session is gone. */
  close(): void;
}

interface Entry {
  readonly pid: number;
  readonly user: string;
  readonly applicationName: () => string;
  readonly clientAddress: string | null;
  readonly clientPort: number | null;
  readonly backendStart: Date;
  queryStart: Date | null;
  stateChange: Date;
  state: 'active' | 'idle';
  query: string;
}

export class SessionRegistry {
  private readonly sessions = new Map<number, Entry>();

  register(session: { pid: number; user: string; applicationName: () => string; clientAddress?: string; clientPort?: number }): SessionActivity {
    const now = new Date();
    const entry: Entry = {
      pid: session.pid, user: session.user, applicationName: session.applicationName,
      clientAddress: session.clientAddress ?? null, clientPort: session.clientPort ?? null,
      backendStart: now, queryStart: null, stateChange: now, state: 'idle', query: '',
    };
    this.sessions.set(session.pid, entry);
    return {
      begin: (query) => {
        entry.query = query;
        entry.queryStart = entry.stateChange = new Date();
        entry.state = 'active';
      },
      end: () => {
        if (entry.state === 'idle') return;
        entry.stateChange = new Date();
        entry.state = 'idle';
      },
      close: () => {
        this.sessions.delete(session.pid);
      },
    };
  }

  /** The sessions now, oldest first. */
  snapshot(): ActivityRow[] {
    return [...this.sessions.values()].map((s) => ({
      pid: s.pid,
      usename: s.user,
      application_name: s.applicationName(),
      // PostgreSQL prints IPv4 clients without the IPv6 mapping prefix.
      client_addr: s.clientAddress?.replace(/^::ffff:/, '') ?? null,
      client_port: s.clientPort,
      backend_start: s.backendStart.toISOString(),
      xact_start: s.state === 'active' ? s.queryStart?.toISOString() ?? null : null,
      query_start: s.queryStart?.toISOString() ?? null,
      state_change: s.stateChange.toISOString(),
      state: s.state,
      query: s.query,
    }));
  }
}
