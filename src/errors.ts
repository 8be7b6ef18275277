/**
 * Errors that carry a PostgreSQL SQLSTATE, and the mapping from DuckDB's error
 * messages (which carry a class such as "Binder Error:") to SQLSTATEs, so that
 * clients see the codes PostgreSQL would send for the same mistake.
 */
/**
 * Where DuckDB located an error, relative to the SQL text DuckDB was given.
 * The wire layer, which knows where that text sits in what the client sent,
 * turns it into PostgreSQL's position (see src/error-position.ts).
 */
export type DuckDBErrorLocation =
  /** From the "LINE n: <line>" context and the caret line under it. */
  | { readonly kind: 'caret'; readonly line: number; readonly shown: string; readonly column: number }
  /** A character (code point) offset, as json_serialize_sql reports for syntax errors. */
  | { readonly kind: 'offset'; readonly offset: number };

export class SqlError extends Error {
  constructor(
    readonly sqlstate: string,
    message: string,
    readonly detail?: string,
    readonly hint?: string,
    /** PostgreSQL's ErrorResponse P field: 1-based character index into the query string the client sent. */
    readonly position?: number,
    readonly location?: DuckDBErrorLocation,
  ) {
    super(message);
  }
}

interface Rule {
  readonly pattern: RegExp;
  readonly sqlstate: string;
}

// First match wins: specific messages before their error class. Each rule is
// checked against the message real DuckDB statements produce (errors.test.ts),
// so a change in DuckDB's wording fails a test instead of degrading to XX000.
const RULES: readonly Rule[] = [
  { pattern: /^Catalog Error: Table with name .* does not exist/i, sqlstate: '42P01' },
  { pattern: /^Catalog Error: (Scalar Function|Aggregate Function|Function|Macro Function|Table Function) with name .* does not exist/i, sqlstate: '42883' },
  { pattern: /^Catalog Error: Schema with name .* does not exist/i, sqlstate: '3F000' },
  { pattern: /^Catalog Error: Type with name .* does not exist/i, sqlstate: '42704' },
  { pattern: /^Catalog Error/i, sqlstate: '42P01' },
  // PostgreSQL: missing FROM-clause entry for table "x".
  { pattern: /^Binder Error: Referenced table .* not found/i, sqlstate: '42P01' },
  { pattern: /^Binder Error: (Referenced column|Values list|Column) .*not found/i, sqlstate: '42703' },
  { pattern: /^Binder Error: No function matches/i, sqlstate: '42883' },
  // PostgreSQL: operator does not exist: text > integer.
  { pattern: /^Binder Error: Cannot compare values of type/i, sqlstate: '42883' },
  // PostgreSQL: function abs(unknown) is not unique.
  { pattern: /^Binder Error: Could not choose a best candidate function/i, sqlstate: '42725' },
  // PostgreSQL: CASE/COALESCE types integer and date cannot be matched.
  { pattern: /^Binder Error: Cannot mix values of type/i, sqlstate: '42804' },
  // PostgreSQL: ORDER BY position 5 is not in select list.
  { pattern: /^Binder Error: (ORDER|GROUP BY) term out of range/i, sqlstate: '42P10' },
  { pattern: /^Binder Error: .*must appear in the GROUP BY|^Binder Error: .*cannot contain aggregates|^Binder Error: aggregate function calls cannot be nested/i, sqlstate: '42803' },
  { pattern: /^Binder Error: .*[Aa]mbiguous/i, sqlstate: '42702' },
  // PostgreSQL: each UNION query must have the same number of columns.
  { pattern: /^Binder Error: Set operations can only apply to expressions with the same number of result columns/i, sqlstate: '42601' },
  { pattern: /^Binder Error/i, sqlstate: '42703' },
  { pattern: /^Parser Error/i, sqlstate: '42601' },
  { pattern: /^Out of Range Error: .*[Dd]ivision by zero|Divide by zero/i, sqlstate: '22012' },
  { pattern: /^Out of Range Error: cannot take logarithm/i, sqlstate: '2201E' },
  { pattern: /^Out of Range Error: cannot take square root/i, sqlstate: '2201F' },
  { pattern: /^Out of Range Error/i, sqlstate: '22003' },
  { pattern: /^Conversion Error: .*out of range for the destination type/i, sqlstate: '22003' },
  { pattern: /^Conversion Error: (date|time|timestamp|interval)[a-z ]* field value out of range|^Conversion Error: Epoch .*out of range/i, sqlstate: '22008' },
  { pattern: /^Conversion Error: invalid (date|time|timestamp)[a-z ]* field format/i, sqlstate: '22007' },
  // PostgreSQL: cannot cast type integer to date.
  { pattern: /^Conversion Error: Unimplemented type for cast/i, sqlstate: '42846' },
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

/**
 * Any thrown value as a SqlError: SqlErrors pass through, DuckDB errors are
 * classified. DuckDB's "LINE n: …" context is taken off the message (PostgreSQL
 * reports a position instead) and kept as the error's location; `offset` is a
 * location DuckDB reported separately (json_serialize_sql).
 */
export function toSqlError(error: unknown, offset?: number): SqlError {
  if (error instanceof SqlError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const context = /\n\nLINE (\d+): ([^\n]*)\n( *)\^\s*$/.exec(message);
  const first = (context ? message.slice(0, context.index) : message.split('\n\nLINE ')[0]).trim();
  const location: DuckDBErrorLocation | undefined = context
    ? { kind: 'caret', line: Number(context[1]), shown: context[2], column: context[3].length }
    : offset !== undefined && Number.isInteger(offset) && offset >= 0
      ? { kind: 'offset', offset }
      : undefined;
  // PostgreSQL's primary message is one line; DuckDB's further lines ("Did you
  // mean …?", "Candidate bindings: …", "Possible solutions: …") are hints.
  const newline = first.indexOf('\n');
  const primary = newline < 0 ? first : first.slice(0, newline).trim();
  const hint = newline < 0 ? undefined : first.slice(newline + 1).trim() || undefined;
  return new SqlError(sqlstateForDuckDBMessage(first), primary, undefined, hint, undefined, location);
}
