/**
 * The query inside DECLARE … FOR query and COPY (query) TO: it must be a query
 * the gateway runs (SELECT, VALUES, TABLE, WITH …); anything else is refused
 * with the error that statement would get on its own.
 */
import { SqlError } from '../../src/errors.ts';
import { classify } from './classify.ts';

export function embeddedQuery(sql: string, context: 'DECLARE CURSOR' | 'COPY'): string {
  const statement = classify(sql);
  if (statement.kind === 'query') return statement.sql;
  if (statement.kind === 'refused') throw new SqlError(statement.sqlstate, statement.message);
  throw new SqlError('42601', `${context} needs a query (SELECT, VALUES, TABLE or WITH …), not ${statement.kind.toUpperCase()}`);
}
