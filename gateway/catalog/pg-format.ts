/**
 * PostgreSQL's format(formatstr, args…) for a constant format string, as an
 * expression DuckDB evaluates (DuckDB's own format() is fmt-style, another
 * function): %s is the argument as text (NULL as empty), %I quote_ident,
 * %L quote_nullable, %% a percent sign; %n$ picks an argument by position.
 */
import { functionCall, varcharLiteral, type ExpressionNode } from '../sql/duckdb-ast.ts';

type CompatCall = (name: string, args: ExpressionNode[]) => ExpressionNode;

function castToText(node: ExpressionNode): ExpressionNode {
  return { class: 'CAST', type: 'OPERATOR_CAST', alias: '', query_location: 0, child: node, cast_type: { id: 'VARCHAR', type_info: null }, try_cast: false };
}

/** The concatenation format() stands for, or undefined when the string uses what is not handled here (widths, flags). */
export function formatCall(template: string, args: readonly ExpressionNode[], compat: CompatCall): ExpressionNode | undefined {
  const parts: ExpressionNode[] = [];
  let literal = '';
  let next = 0;
  for (let i = 0; i < template.length; i++) {
    if (template[i] !== '%') {
      literal += template[i];
      continue;
    }
    const spec = /^%(?:(\d+)\$)?([sIL%])/.exec(template.slice(i));
    if (!spec) return undefined;
    i += spec[0].length - 1;
    if (spec[2] === '%') {
      literal += '%';
      continue;
    }
    const index = spec[1] !== undefined ? Number(spec[1]) - 1 : next;
    next = index + 1;
    const arg = args[index];
    if (arg === undefined) return undefined;
    if (literal !== '') parts.push(varcharLiteral(literal));
    literal = '';
    parts.push(spec[2] === 's' ? castToText(arg) : compat(spec[2] === 'I' ? 'quote_ident' : 'quote_nullable', [castToText(arg)]));
  }
  if (literal !== '') parts.push(varcharLiteral(literal));
  if (parts.length === 0) return varcharLiteral('');
  return functionCall('concat', parts);
}
