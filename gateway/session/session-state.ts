/**
 * Per-session settings a PostgreSQL client may read and change with SET/SHOW,
 * and the ParameterStatus values PostgreSQL reports at startup and on change.
 */
export const SERVER_VERSION = '15.0';

interface ParameterSpec {
  readonly default: string;
  /** Reported to the client in ParameterStatus (at startup and when it changes). */
  readonly reported: boolean;
  /** Canonical spelling in SHOW output and ParameterStatus. */
  readonly name: string;
  readonly validate?: (value: string) => string | undefined;
  /** Unless set, the value is that of this other parameter. */
  readonly follows?: string;
}

const JOIN_STRATEGIES = ['auto', 'broadcast', 'shuffle', 'colocate'] as const;
export type JoinStrategySetting = (typeof JOIN_STRATEGIES)[number];

const TRUE_WORDS = /^(on|true|yes|1)$/i;
const FALSE_WORDS = /^(off|false|no|0)$/i;

function validateBoolean(name: string): (value: string) => string | undefined {
  return (value) => (TRUE_WORDS.test(value.trim()) || FALSE_WORDS.test(value.trim()) ? undefined : `parameter "${name}" requires a Boolean value`);
}

function validateChoice(name: string, choices: readonly string[]): (value: string) => string | undefined {
  return (value) => (choices.includes(value.trim().toLowerCase()) ? undefined : `invalid value for parameter "${name}": "${value}" (one of ${choices.join(', ')})`);
}

function validateLimit(value: string): string | undefined {
  const n = Number(value);
  return Number.isFinite(n) && (n >= 0 || n === -1) ? undefined : `invalid value for parameter "pondgate.broadcast_limit_mb": "${value}" (megabytes, or -1 for no limit)`;
}

const PARAMETERS: Readonly<Record<string, ParameterSpec>> = {
  server_version: { name: 'server_version', default: SERVER_VERSION, reported: true },
  server_encoding: { name: 'server_encoding', default: 'UTF8', reported: true },
  client_encoding: { name: 'client_encoding', default: 'UTF8', reported: true, validate: validateEncoding },
  datestyle: { name: 'DateStyle', default: 'ISO, MDY', reported: true },
  intervalstyle: { name: 'IntervalStyle', default: 'postgres', reported: true },
  timezone: { name: 'TimeZone', default: 'UTC', reported: true, validate: validateTimeZone },
  integer_datetimes: { name: 'integer_datetimes', default: 'on', reported: true },
  standard_conforming_strings: { name: 'standard_conforming_strings', default: 'on', reported: true },
  application_name: { name: 'application_name', default: '', reported: true },
  is_superuser: { name: 'is_superuser', default: 'off', reported: true },
  session_authorization: { name: 'session_authorization', default: '', reported: true },
  extra_float_digits: { name: 'extra_float_digits', default: '1', reported: false, validate: validateFloatDigits },
  search_path: { name: 'search_path', default: '"$user", public', reported: false },
  statement_timeout: { name: 'statement_timeout', default: '0', reported: false, validate: validateTimeout },
  default_transaction_isolation: { name: 'default_transaction_isolation', default: 'read committed', reported: false, validate: validateIsolation },
  default_transaction_read_only: { name: 'default_transaction_read_only', default: 'on', reported: false, validate: validateBoolean('default_transaction_read_only') },
  default_transaction_deferrable: { name: 'default_transaction_deferrable', default: 'off', reported: false, validate: validateBoolean('default_transaction_deferrable') },
  // A transaction's own modes start as the session's defaults (SET TRANSACTION changes them for one transaction).
  transaction_isolation: { name: 'transaction_isolation', default: 'read committed', reported: false, validate: validateIsolation, follows: 'default_transaction_isolation' },
  transaction_read_only: { name: 'transaction_read_only', default: 'on', reported: false, validate: validateBoolean('transaction_read_only'), follows: 'default_transaction_read_only' },
  transaction_deferrable: { name: 'transaction_deferrable', default: 'off', reported: false, validate: validateBoolean('transaction_deferrable'), follows: 'default_transaction_deferrable' },
  max_identifier_length: { name: 'max_identifier_length', default: '63', reported: false },
  lc_messages: { name: 'lc_messages', default: 'C', reported: false },
  lc_monetary: { name: 'lc_monetary', default: 'C', reported: false },
  lc_numeric: { name: 'lc_numeric', default: 'C', reported: false },
  lc_time: { name: 'lc_time', default: 'C', reported: false },
  // pondgate's own settings (the planner): for comparisons and for tests at small scale.
  'pondgate.distributed': { name: 'pondgate.distributed', default: 'on', reported: false, validate: validateBoolean('pondgate.distributed') },
  'pondgate.join_strategy': { name: 'pondgate.join_strategy', default: 'auto', reported: false, validate: validateChoice('pondgate.join_strategy', JOIN_STRATEGIES) },
  'pondgate.broadcast_limit_mb': { name: 'pondgate.broadcast_limit_mb', default: '-1', reported: false, validate: validateLimit },
  // On: correlated EXISTS and compared scalar aggregates become joins before planning (gateway/plan/decorrelate.ts).
  'pondgate.decorrelate': { name: 'pondgate.decorrelate', default: 'off', reported: false, validate: validateBoolean('pondgate.decorrelate') },
  // Off: this session's queries neither read nor fill the gateway's result cache (result-cache.ts).
  'pondgate.result_cache': { name: 'pondgate.result_cache', default: 'on', reported: false, validate: validateBoolean('pondgate.result_cache') },
};

// SQL-standard spellings PostgreSQL accepts in SHOW (pgjdbc and SQLAlchemy send the first on connect).
const ALIASES: Readonly<Record<string, string>> = {
  'transaction isolation level': 'transaction_isolation',
  'time zone': 'timezone',
};

function parameterKey(name: string): string {
  const key = name.toLowerCase().replace(/\s+/g, ' ');
  return ALIASES[key] ?? key;
}

export class UnknownParameterError extends Error {}
export class InvalidParameterValueError extends Error {}

export class SessionState {
  private readonly values = new Map<string, string>();
  /** SET LOCAL and SET TRANSACTION values: they last until the transaction ends. */
  private readonly local = new Map<string, string>();

  constructor(user: string, startupOptions: ReadonlyMap<string, string>) {
    this.values.set('session_authorization', user);
    for (const [name, value] of startupOptions) {
      const key = name.toLowerCase();
      if (PARAMETERS[key] && key !== 'server_version' && key !== 'server_encoding') this.set(key, value);
    }
  }

  get(name: string): string {
    const key = parameterKey(name);
    const spec = PARAMETERS[key];
    if (!spec) throw new UnknownParameterError(`unrecognized configuration parameter "${name}"`);
    return this.local.get(key) ?? this.values.get(key) ?? (spec.follows !== undefined ? this.get(spec.follows) : spec.default);
  }

  /** SET LOCAL: the value holds until the current transaction ends; returns the ParameterStatus to send, if any. */
  setLocal(name: string, value: string | undefined): { name: string; value: string } | undefined {
    const key = parameterKey(name);
    const spec = PARAMETERS[key];
    if (!spec) throw new UnknownParameterError(`unrecognized configuration parameter "${name}"`);
    this.check(key, name, value);
    if (value === undefined) this.local.delete(key);
    else this.local.set(key, key === 'timezone' ? canonicalTimeZone(value) : value);
    return spec.reported ? { name: spec.name, value: this.get(key) } : undefined;
  }

  /** The transaction ended: SET LOCAL values lapse. Returns the ParameterStatus of reported ones that changed back. */
  endTransaction(): Array<{ name: string; value: string }> {
    const lapsed = [...this.local.keys()];
    this.local.clear();
    return lapsed.filter((key) => PARAMETERS[key].reported).map((key) => ({ name: PARAMETERS[key].name, value: this.get(key) }));
  }

  private check(key: string, name: string, value: string | undefined): void {
    if (key === 'server_version' || key === 'server_encoding' || key === 'is_superuser' || key === 'integer_datetimes') {
      throw new InvalidParameterValueError(`parameter "${name}" cannot be changed`);
    }
    const problem = value === undefined ? undefined : PARAMETERS[key].validate?.(value);
    if (problem) throw new InvalidParameterValueError(problem);
  }

  /** Sets a parameter (undefined = back to default); returns the ParameterStatus to send, if any. */
  set(name: string, value: string | undefined): { name: string; value: string } | undefined {
    const key = parameterKey(name);
    const spec = PARAMETERS[key];
    if (!spec) throw new UnknownParameterError(`unrecognized configuration parameter "${name}"`);
    this.check(key, name, value);
    if (value === undefined) this.values.delete(key);
    else this.values.set(key, key === 'timezone' ? canonicalTimeZone(value) : value);
    return spec.reported ? { name: spec.name, value: this.get(key) } : undefined;
  }

  resetAll(): Array<{ name: string; value: string }> {
    const changed: Array<{ name: string; value: string }> = [];
    for (const key of [...this.values.keys()]) {
      if (key === 'session_authorization') continue;
      const status = this.set(key, undefined);
      if (status) changed.push(status);
    }
    return changed;
  }

  /** Every ParameterStatus PostgreSQL sends after authentication. */
  reported(): Array<{ name: string; value: string }> {
    return Object.entries(PARAMETERS)
      .filter(([, spec]) => spec.reported)
      .map(([key, spec]) => ({ name: spec.name, value: this.get(key) }));
  }

  /** Every parameter's current value, by lower-case name (pg_settings shows them). */
  all(): Record<string, string> {
    return Object.fromEntries(Object.keys(PARAMETERS).map((key) => [key, this.get(key)]));
  }

  displayName(name: string): string {
    return PARAMETERS[parameterKey(name)]?.name ?? name;
  }

  get timeZone(): string {
    return this.get('timezone');
  }

  get extraFloatDigits(): number {
    return Number(this.get('extra_float_digits'));
  }

  /** statement_timeout in milliseconds (0 = none). */
  get statementTimeoutMs(): number {
    return parseTimeout(this.get('statement_timeout')) ?? 0;
  }

  /** Whether this session's queries use the gateway's result cache. */
  get resultCache(): boolean {
    return TRUE_WORDS.test(this.get('pondgate.result_cache').trim());
  }

  /** The planner's session settings. */
  get planner(): { distributed: boolean; joinStrategy: JoinStrategySetting; broadcastLimitBytes: number; decorrelate: boolean } {
    const limit = Number(this.get('pondgate.broadcast_limit_mb'));
    return {
      distributed: TRUE_WORDS.test(this.get('pondgate.distributed').trim()),
      joinStrategy: this.get('pondgate.join_strategy').trim().toLowerCase() as JoinStrategySetting,
      broadcastLimitBytes: limit < 0 ? Number.POSITIVE_INFINITY : limit * 1024 * 1024,
      decorrelate: TRUE_WORDS.test(this.get('pondgate.decorrelate').trim()),
    };
  }
}

function validateTimeZone(value: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: canonicalTimeZone(value) });
    return undefined;
  } catch {
    return `invalid value for parameter "TimeZone": "${value}"`;
  }
}

function canonicalTimeZone(value: string): string {
  return /^(utc|gmt|z|zulu|etc\/utc)$/i.test(value) ? 'UTC' : value;
}

function validateIsolation(value: string): string | undefined {
  return /^(serializable|repeatable read|read committed|read uncommitted)$/i.test(value.trim()) ? undefined : `invalid value for parameter "transaction_isolation": "${value}"`;
}

function validateEncoding(value: string): string | undefined {
  return /^(utf-?8|unicode)$/i.test(value) ? undefined : `pondgate supports only client_encoding UTF8, not "${value}"`;
}

function validateFloatDigits(value: string): string | undefined {
  const n = Number(value);
  return Number.isInteger(n) && n >= -15 && n <= 3 ? undefined : `${value} is outside the valid range for parameter "extra_float_digits" (-15 .. 3)`;
}

function validateTimeout(value: string): string | undefined {
  return parseTimeout(value) === undefined ? `invalid value for parameter "statement_timeout": "${value}"` : undefined;
}

/** PostgreSQL time units: a bare number is milliseconds. */
export function parseTimeout(value: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|min|h|d)?\s*$/i.exec(value);
  if (!match) return undefined;
  const factor = { ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 }[(match[2] ?? 'ms').toLowerCase() as 'ms'];
  return Math.round(Number(match[1]) * factor);
}
