/**
 * Errors that carry a PostgreSQL SQLSTATE, and the mapping from DuckDB's error
 * messages (which carry a class such as "Binder Error:") to SQLSTATEs, so that
 * clients see the codes PostgreSQL would send for the same mistake.
 */
export class SqlError extends Error {
  constructor(
    readonly sqlstate: string,
    message: string,
    readonly detail?: string,
    readonly hint?: string,
    readonly position?: number,
  ) {
    super(message);
  }
}

interface Rule {
  readonly pattern: RegExp;
  readonly sqlstate: string;
}

// First match wins: specific messages before their error class.
const RULES: readonly Rule[] = [
  { pattern: /^Catalog Error: Table (with name|Function with name) .* does not exist/i, sqlstate: '42P01' },
  { pattern: /^Catalog Error: (Scalar Function|Aggregate Function|Function|Macro Function|Table Function) with name .* does not exist/i, sqlstate: '42883' },
  { pattern: /^Catalog Error: Schema with name .* does not exist/i, sqlstate: '3F000' },
  { pattern: /^Catalog Error: Type with name .* does not exist/i, sqlstate: '42704' },
  { pattern: /^Catalog Error/i, sqlstate: '42P01' },
  { pattern: /^Binder Error: (Referenced column|Values list|Column) .*not found|^Binder Error: Referenced table .* not found/i, sqlstate: '42703' },
  { pattern: /^Binder Error: No function matches/i, sqlstate: '42883' },
  { pattern: /^Binder Error: .*must appear in the GROUP BY/i, sqlstate: '42803' },
  { pattern: /^Binder Error: .*[Aa]mbiguous/i, sqlstate: '42702' },
  { pattern: /^Binder Error/i, sqlstate: '42703' },
  { pattern: /^Parser Error/i, sqlstate: '42601' },
  { pattern: /^Out of Range Error: .*[Dd]ivision by zero|Divide by zero/i, sqlstate: '22012' },
  { pattern: /^Out of Range Error/i, sqlstate: '22003' },
  { pattern: /^Conversion Error/i, sqlstate: '22P02' },
  { pattern: /^Out of Memory Error/i, sqlstate: '53200' },
  { pattern: /^INTERRUPT Error|^Interrupt/i, sqlstate: '57014' },
  { pattern: /^Permission Error/i, sqlstate: '42501' },
  { pattern: /^Invalid Input Error/i, sqlstate: '22023' },
  { pattern: /^Not implemented Error/i, sqlstate: '0A000' },
  { pattern: /^Constraint Error/i, sqlstate: '23000' },
];

/** SQLSTATE for a DuckDB error message; XX000 (internal error) when nothing matches. */
export function sqlstateForDuckDBMessage(message: string): string {
  for (const rule of RULES) if (rule.pattern.test(message)) return rule.sqlstate;
  return 'XX000';
}

/** Any thrown value as a SqlError: SqlErrors pass through, DuckDB errors are classified. */
export function toSqlError(error: unknown): SqlError {
  if (error instanceof SqlError) return error;
  const message = error instanceof Error ? error.message : String(error);
  // DuckDB appends "LINE 1: …" context; PostgreSQL reports a position instead.
  const [first] = message.split('\n\nLINE ');
  return new SqlError(sqlstateForDuckDBMessage(first), first.trim());
}
