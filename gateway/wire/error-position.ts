/**
 * Gives an error from DuckDB the position PostgreSQL would report: relative to
 * the whole query string the client sent (a simple Query's text with all its
 * statements, or a Parse message's query), counted in characters from 1.
 */
import { SqlError } from '../../src/errors.ts';
import { locateInSql, pgPosition } from '../../src/error-position.ts';
import type { Statement } from '../sql/classify.ts';

/**
 * `slice` is the statement as split from `text`, starting at `sliceStart`;
 * DuckDB was given `statement.sql`, which is `slice` without leading comments
 * and surrounding whitespace. Errors without a usable location pass unchanged.
 */
export function withPosition(error: SqlError, text: string, sliceStart: number, slice: string, statement: Statement): SqlError {
  if (error.position !== undefined || error.location === undefined || !('sql' in statement)) return error;
  const sqlStart = slice.lastIndexOf(statement.sql);
  if (sqlStart < 0 || sliceStart < 0) return error;
  const index = locateInSql(error.location, statement.sql);
  if (index === undefined) return error;
  return new SqlError(error.sqlstate, error.message, error.detail, error.hint, pgPosition(text, sliceStart + sqlStart + index), error.location);
}
