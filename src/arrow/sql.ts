/** SQL text helpers for the statements this package generates. */

/** Quotes an identifier so any name (quotes, spaces, keywords) is taken literally. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** `"catalog"."schema"."name"`, the fully qualified form used for staging objects. */
export interface TableRef {
  readonly catalog: string;
  readonly schema: string;
  readonly name: string;
}

export function qualifiedName(ref: TableRef): string {
  return `${quoteIdent(ref.catalog)}.${quoteIdent(ref.schema)}.${quoteIdent(ref.name)}`;
}

/**
 * Refuses a type string that could smuggle extra SQL into a generated
 * statement.
 *
 * Type strings arrive in Arrow metadata from another process and are spliced
 * into CREATE/CAST unquoted, so a statement separator or comment outside a
 * quoted part, or unbalanced parentheses, is rejected. Real DuckDB type
 * strings never contain those.
 */
export function assertSafeTypeString(type: string): void {
  let depth = 0;
  let quote: string | null = null;
  for (let i = 0; i < type.length; i++) {
    const ch = type[i];
    if (quote !== null) {
      if (ch === quote) {
        // A doubled quote is an escaped quote and keeps us inside.
        if (type[i + 1] === quote) i++;
        else quote = null;
      }
      continue;
    }
    if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')') {
      depth--;
      if (depth < 0) break;
    } else if (ch === ';' || (ch === '-' && type[i + 1] === '-') || (ch === '/' && type[i + 1] === '*')) {
      depth = -1;
      break;
    }
  }
  if (quote !== null || depth !== 0 || type.trim() === '') {
    throw new Error(`Refusing unsafe or malformed DuckDB type string: ${JSON.stringify(type)}`);
  }
}
