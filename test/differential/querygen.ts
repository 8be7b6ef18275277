/**
 * Random queries for the differential fuzzer: joins along foreign keys,
 * filters (comparisons, IN / NOT IN lists with NULLs, IS NULL, semi and anti
 * subqueries), GROUP BY with aggregates, DISTINCT, ORDER BY / LIMIT / OFFSET,
 * over the TPC-H schema or the edge tables.
 *
 * A query is a *genome*: a record of small non-negative integers that the
 * renderer reads as choices ("pick % candidates.length"). fast-check then
 * shrinks a failing query by shrinking integers toward 0, which always yields
 * another valid query (fewer joins, the first column, no filter), never a
 * broken one. Every query is rendered so its answer is unique:
 * - a LIMIT only under an ORDER BY over every output column, and plain
 *   (non-aggregate) queries are always ordered and limited;
 * - aggregate outputs come after all group keys, which are unique per row,
 *   so an ORDER BY never depends on a float sum's last bits;
 * - order-sensitive aggregates order by their own argument;
 * - sums and averages of DOUBLE only over columns that are never negative
 *   (no cancellation, so the float tolerance holds);
 * - no function whose result depends on the engine's row order.
 */
import fc from 'fast-check';

export type Kind = 'int' | 'decimal' | 'double' | 'date' | 'timestamp' | 'timestamptz' | 'varchar' | 'bool';

export interface ColumnModel {
  readonly name: string;
  readonly kind: Kind;
  /** Few distinct values: a sensible GROUP BY key. */
  readonly groupable?: boolean;
  /** Never negative (DOUBLE only): sum/avg cannot cancel. */
  readonly nonNegative?: boolean;
  /** SQL literals of the column's type drawn from the data, so filters select something. */
  readonly literals: readonly string[];
}

export interface TableModel {
  readonly name: string;
  readonly columns: readonly ColumnModel[];
  /** Rows are few enough to list without a LIMIT. */
  readonly small?: boolean;
}

/**
 * An equality join key between two tables. `b` is the side whose key is
 * (nearly) unique: the first join may go either way (one fan-out), later
 * joins only toward `b`, so a generated join never multiplies two fan-outs.
 */
export interface JoinEdge {
  readonly a: string;
  readonly aColumn: string;
  readonly b: string;
  readonly bColumn: string;
}

export interface SchemaModel {
  readonly name: string;
  readonly tables: readonly TableModel[];
  readonly edges: readonly JoinEdge[];
}

const col = (name: string, kind: Kind, literals: readonly string[], extra: Partial<ColumnModel> = {}): ColumnModel => ({ name, kind, literals, ...extra });
const dates = (...d: string[]) => d.map((x) => `DATE '${x}'`);
const strings = (...s: string[]) => s.map((x) => `'${x.replaceAll("'", "''")}'`);

export const TPCH_MODEL: SchemaModel = {
  name: 'tpch',
  tables: [
    { name: 'region', small: true, columns: [col('r_regionkey', 'int', ['0', '2', '4'], { groupable: true }), col('r_name', 'varchar', strings('ASIA', 'EUROPE'), { groupable: true })] },
    {
      name: 'nation', small: true,
      columns: [col('n_nationkey', 'int', ['3', '7', '24'], { groupable: true }), col('n_name', 'varchar', strings('FRANCE', 'JAPAN', 'PERU'), { groupable: true }),
        col('n_regionkey', 'int', ['1', '3'], { groupable: true })],
    },
    {
      name: 'supplier',
      columns: [col('s_suppkey', 'int', ['1', '50', '200']), col('s_nationkey', 'int', ['0', '12', '24'], { groupable: true }),
        col('s_acctbal', 'decimal', ['0', '-500.25', '5000.00'])],
    },
    {
      name: 'customer',
      columns: [col('c_custkey', 'int', ['1', '700', '3000']), col('c_nationkey', 'int', ['5', '15'], { groupable: true }),
        col('c_acctbal', 'decimal', ['0', '2500.50', '9000']), col('c_mktsegment', 'varchar', strings('BUILDING', 'MACHINERY'), { groupable: true })],
    },
    {
      name: 'part',
      columns: [col('p_partkey', 'int', ['1', '500', '1800']), col('p_brand', 'varchar', strings('Brand#13', 'Brand#45'), { groupable: true }),
        col('p_size', 'int', ['1', '15', '49'], { groupable: true }), col('p_retailprice', 'decimal', ['1000', '1500.50']),
        col('p_container', 'varchar', strings('SM BOX', 'LG CASE'))],
    },
    {
      name: 'partsupp',
      columns: [col('ps_partkey', 'int', ['1', '900']), col('ps_suppkey', 'int', ['1', '60']), col('ps_availqty', 'int', ['100', '5000']),
        col('ps_supplycost', 'decimal', ['10.5', '500'])],
    },
    {
      name: 'orders',
      columns: [col('o_orderkey', 'int', ['1', '100', '5000', '30000']), col('o_custkey', 'int', ['1', '400', '1000']),
        col('o_orderstatus', 'varchar', strings('F', 'O', 'P'), { groupable: true }), col('o_totalprice', 'decimal', ['1000', '150000.5', '300000']),
        col('o_orderdate', 'date', dates('1993-01-01', '1995-06-17', '1998-01-01')), col('o_orderpriority', 'varchar', strings('1-URGENT', '5-LOW'), { groupable: true })],
    },
    {
      name: 'lineitem',
      columns: [col('l_orderkey', 'int', ['1', '100', '5000', '30000']), col('l_partkey', 'int', ['10', '900']), col('l_suppkey', 'int', ['1', '40']),
        col('l_linenumber', 'int', ['1', '4', '7'], { groupable: true }), col('l_quantity', 'decimal', ['1', '25', '49.00'], { groupable: true }),
        col('l_extendedprice', 'decimal', ['1000', '30000.5']), col('l_discount', 'decimal', ['0.00', '0.05', '0.1'], { groupable: true }),
        col('l_returnflag', 'varchar', strings('A', 'N', 'R'), { groupable: true }), col('l_shipdate', 'date', dates('1992-06-01', '1995-01-01', '1997-12-31')),
        col('l_shipmode', 'varchar', strings('AIR', 'MAIL', 'TRUCK'), { groupable: true })],
    },
  ],
  edges: [
    { a: 'nation', aColumn: 'n_regionkey', b: 'region', bColumn: 'r_regionkey' },
    { a: 'supplier', aColumn: 's_nationkey', b: 'nation', bColumn: 'n_nationkey' },
    { a: 'customer', aColumn: 'c_nationkey', b: 'nation', bColumn: 'n_nationkey' },
    { a: 'orders', aColumn: 'o_custkey', b: 'customer', bColumn: 'c_custkey' },
    { a: 'lineitem', aColumn: 'l_orderkey', b: 'orders', bColumn: 'o_orderkey' },
    { a: 'lineitem', aColumn: 'l_partkey', b: 'part', bColumn: 'p_partkey' },
    { a: 'lineitem', aColumn: 'l_suppkey', b: 'supplier', bColumn: 's_suppkey' },
    { a: 'partsupp', aColumn: 'ps_partkey', b: 'part', bColumn: 'p_partkey' },
    { a: 'partsupp', aColumn: 'ps_suppkey', b: 'supplier', bColumn: 's_suppkey' },
    // Keys of different types: BIGINT = INTEGER. (DECIMAL = INTEGER keys are
    // in the corpus; l_quantity = p_size here would join 300k rows to 10k.)
    { a: 'orders', aColumn: 'o_orderkey', b: 'customer', bColumn: 'c_custkey' },
  ],
};

const tz = (...t: string[]) => t.map((x) => `TIMESTAMPTZ '${x}'`);

export const EDGE_MODEL: SchemaModel = {
  name: 'edge',
  tables: [
    {
      name: 'accounts', small: true,
      columns: [col('acct_id', 'int', ['7', '8', '60', '120']), col('zone', 'int', ['0', '2', '4', 'NULL'], { groupable: true }),
        col('owner', 'varchar', strings("O'Brien; DROP", 'owner 10', 'semi;colon')), col('balance', 'decimal', ['0', '-100.5', '250']),
        col('opened_at', 'timestamptz', tz('2023-03-12 00:00:00+00', '2023-03-26 12:00:00+02')), col('tier', 'int', ['0', '1', '2'], { groupable: true }),
        col('active', 'bool', ['true', 'false'], { groupable: true })],
    },
    {
      name: 'events',
      columns: [col('event_id', 'int', ['1', '1000', '3999']), col('acct_id', 'int', ['7', '8', '501', 'NULL'], { groupable: true }),
        col('kind', 'varchar', strings('buy', 'refund', 'open'), { groupable: true }), col('amount', 'decimal', ['0', '-2.5', '10.125']),
        col('occurred_at', 'timestamptz', tz('2023-03-05 00:00:00+00', '2023-03-26 01:00:00+00', '2023-04-10 00:00:00+00')),
        col('score', 'double', ['10.0', '71.5', '140'], { nonNegative: true }), col('qty', 'int', ['0', '3', '8'], { groupable: true })],
    },
    {
      name: 'transfers',
      columns: [col('transfer_id', 'int', ['1', '300', '600']), col('acct_id', 'int', ['8', '15', 'NULL'], { groupable: true }),
        col('to_acct', 'int', ['12', '125']), col('amount', 'decimal', ['1', '50.5', '99.99']),
        col('sent_at', 'timestamptz', tz('2023-03-10 00:00:00+00', '2023-03-20 00:00:00+00')), col('memo', 'varchar', strings('memo 1', 'memo 8'), { groupable: true })],
    },
    {
      name: 'ledger', small: true,
      columns: [col('entry_id', 'int', ['1', '150']), col('acct_ref', 'decimal', ['7', '13.50', '100']), col('delta', 'decimal', ['0', '-10.5', '20']),
        col('booked_on', 'date', dates('2023-01-15', '2023-03-01'), { groupable: true })],
    },
    {
      name: 'readings',
      columns: [col('reading_id', 'int', ['1', '200', '350', '500']), col('acct_id', 'int', ['7', '100', 'NULL'], { groupable: true }),
        col('sensor', 'int', ['3', '25', '49'], { groupable: true }), col('value', 'double', ['0', '50.5', '150'], { nonNegative: true }),
        col('taken_at', 'timestamp', ["TIMESTAMP '2023-03-26 00:00:00'", "TIMESTAMP '2023-04-01 12:00:00'"]),
        col('taken_on', 'date', dates('2023-03-26', '2023-04-02'), { groupable: true })],
    },
    { name: 'zones', small: true, columns: [col('code', 'int', ['0', '3', '9', 'NULL'], { groupable: true }), col('name', 'varchar', strings('north', 'nowhere'), { groupable: true }), col('utc_offset', 'int', ['0', '9'])] },
    { name: 'one_row', small: true, columns: [col('id', 'int', ['7', '8']), col('label', 'varchar', strings('the only row')), col('amount', 'decimal', ['12.5'])] },
    { name: 'no_rows', small: true, columns: [col('id', 'int', ['7']), col('label', 'varchar', strings('never')), col('amount', 'decimal', ['12.5'])] },
  ],
  edges: [
    { a: 'events', aColumn: 'acct_id', b: 'accounts', bColumn: 'acct_id' },
    { a: 'transfers', aColumn: 'acct_id', b: 'accounts', bColumn: 'acct_id' },
    { a: 'transfers', aColumn: 'to_acct', b: 'accounts', bColumn: 'acct_id' },
    { a: 'ledger', aColumn: 'acct_ref', b: 'accounts', bColumn: 'acct_id' },
    { a: 'readings', aColumn: 'acct_id', b: 'accounts', bColumn: 'acct_id' },
    { a: 'accounts', aColumn: 'zone', b: 'zones', bColumn: 'code' },
    { a: 'events', aColumn: 'acct_id', b: 'transfers', bColumn: 'acct_id' },
    { a: 'events', aColumn: 'acct_id', b: 'one_row', bColumn: 'id' },
    { a: 'accounts', aColumn: 'acct_id', b: 'no_rows', bColumn: 'id' },
  ],
};

export const MODELS: readonly SchemaModel[] = [TPCH_MODEL, EDGE_MODEL];

// --- the genome -----------------------------------------------------------------------

/** A choice among candidates: the renderer takes it modulo the number of candidates. */
type Pick = number;

export interface PredicateGene {
  readonly column: Pick;
  readonly form: Pick;
  readonly literal: Pick;
  readonly literal2: Pick;
  /** Joins the predicate with the previous one by OR instead of AND. */
  readonly or: boolean;
  readonly negate: boolean;
}

export interface OutputGene {
  readonly column: Pick;
  readonly transform: Pick;
  /** For aggregates: which aggregate; for plain queries unused. */
  readonly aggregate: Pick;
  readonly filter?: PredicateGene;
  readonly alias: boolean;
}

export interface QueryGenome {
  readonly schema: Pick;
  readonly table: Pick;
  readonly joins: readonly { readonly edge: Pick; readonly type: Pick }[];
  readonly where: readonly PredicateGene[];
  /** A semi/anti subquery predicate: IN, NOT IN, EXISTS, NOT EXISTS over a join edge. */
  readonly subquery?: { readonly edge: Pick; readonly form: Pick; readonly where?: PredicateGene };
  readonly aggregate: boolean;
  readonly groupBy: readonly OutputGene[];
  readonly outputs: readonly OutputGene[];
  readonly having?: { readonly threshold: Pick };
  readonly distinct: boolean;
  readonly order: readonly { readonly desc: boolean; readonly nullsFirst: boolean }[];
  readonly limit?: { readonly limit: Pick; readonly offset: Pick };
}

const pick = fc.nat({ max: 1000 });
const predicateGene: fc.Arbitrary<PredicateGene> = fc.record({ column: pick, form: pick, literal: pick, literal2: pick, or: fc.boolean(), negate: fc.boolean() });
const outputGene: fc.Arbitrary<OutputGene> = fc.record(
  { column: pick, transform: pick, aggregate: pick, filter: predicateGene, alias: fc.boolean() },
  { requiredKeys: ['column', 'transform', 'aggregate', 'alias'] },
);

export const queryGenome: fc.Arbitrary<QueryGenome> = fc.record(
  {
    schema: pick,
    table: pick,
    joins: fc.array(fc.record({ edge: pick, type: pick }), { maxLength: 2 }),
    where: fc.array(predicateGene, { maxLength: 2 }),
    subquery: fc.record({ edge: pick, form: pick, where: predicateGene }, { requiredKeys: ['edge', 'form'] }),
    aggregate: fc.boolean(),
    groupBy: fc.array(outputGene, { maxLength: 2 }),
    outputs: fc.array(outputGene, { minLength: 1, maxLength: 4 }),
    having: fc.record({ threshold: pick }),
    distinct: fc.boolean(),
    order: fc.array(fc.record({ desc: fc.boolean(), nullsFirst: fc.boolean() }), { maxLength: 6 }),
    limit: fc.record({ limit: pick, offset: pick }),
  },
  { requiredKeys: ['schema', 'table', 'joins', 'where', 'aggregate', 'groupBy', 'outputs', 'distinct', 'order'] },
);

// --- rendering -------------------------------------------------------------------------

export interface GeneratedQuery {
  readonly sql: string;
  /** Output columns of the ORDER BY, in order (empty = unordered). */
  readonly orderBy: readonly number[];
}

interface Source {
  readonly alias: string;
  readonly table: TableModel;
}

interface Ref {
  readonly sql: string;
  readonly column: ColumnModel;
}

const choose = <T>(items: readonly T[], p: Pick): T => items[p % items.length];

/** Every column of the sources, qualified by its alias. */
function refsOf(sources: readonly Source[]): Ref[] {
  return sources.flatMap((s) => s.table.columns.map((c) => ({ sql: `${s.alias}.${c.name}`, column: c })));
}

function table(schema: SchemaModel, name: string): TableModel {
  const t = schema.tables.find((x) => x.name === name);
  if (!t) throw new Error(`query generator: no table ${name} in schema ${schema.name}`);
  return t;
}

/** A boolean predicate over one column, well-typed by construction. */
function predicate(ref: Ref, gene: PredicateGene): string {
  const c = ref.sql;
  const lits = ref.column.literals;
  const lit = choose(lits, gene.literal);
  const lit2 = choose(lits, gene.literal2);
  const nonNull = lits.filter((l) => l !== 'NULL');
  const nn = choose(nonNull.length ? nonNull : ['0'], gene.literal);
  const nn2 = choose(nonNull.length ? nonNull : ['0'], gene.literal2);
  const forms: string[] = [`${c} IS NULL`, `${c} IS NOT NULL`, `${c} IN (${lit}, ${lit2})`, `${c} NOT IN (${lit}, ${lit2})`];
  switch (ref.column.kind) {
    case 'bool':
      forms.push(c, `NOT ${c}`, `${c} = ${nn}`);
      break;
    case 'varchar':
      forms.push(`${c} = ${nn}`, `${c} <> ${nn}`, `${c} < ${nn}`, `${c} LIKE ${prefixPattern(nn)}`, `${c} >= ${nn}`);
      break;
    default:
      forms.push(`${c} = ${nn}`, `${c} <> ${nn}`, `${c} < ${nn}`, `${c} >= ${nn}`, `${c} BETWEEN ${nn} AND ${nn2}`, `${c} > ${nn}`);
  }
  const p = choose(forms, gene.form);
  // Negated one time in four: NOT of a selective predicate is rarely selective, the other way round empties results.
  return gene.negate && gene.literal2 % 2 === 0 ? `NOT (${p})` : p;
}

/** `'ab%'` from the string literal `'abc'` (quotes inside are re-escaped). */
function prefixPattern(literal: string): string {
  const text = literal.slice(1, -1).replaceAll("''", "'");
  return `'${text.slice(0, 2).replaceAll("'", "''")}%'`;
}

/** An expression over a column for SELECT / GROUP BY, keeping the column's kind exact (no float results from exact input). */
function transform(ref: Ref, p: Pick): string {
  const c = ref.sql;
  const options: string[] = [c];
  switch (ref.column.kind) {
    case 'int':
      options.push(`${c} % 7`, `${c} // 10`, `coalesce(${c}, -1)`);
      break;
    case 'decimal':
      options.push(`round(${c}, 0)`, `${c} * 2`);
      break;
    case 'date':
      options.push(`year(${c})`, `date_trunc('month', ${c})`);
      break;
    case 'timestamp':
    case 'timestamptz':
      options.push(`date_trunc('day', ${c})`, `hour(${c})`);
      break;
    case 'varchar':
      options.push(`substr(${c}, 1, 2)`, `upper(${c})`, `length(${c})`);
      break;
    case 'bool':
      options.push(`NOT ${c}`);
      break;
    case 'double':
      break;
  }
  return choose(options, p);
}

/** An aggregate over a column; whether its result is a float decides where it may be ordered. */
function aggregate(ref: Ref, p: Pick): string {
  const c = ref.sql;
  const k = ref.column.kind;
  const options = ['count(*)', `count(${c})`, `count(DISTINCT ${c})`, `min(${c})`, `max(${c})`];
  if (k === 'int' || k === 'decimal') {
    options.push(`sum(${c})`, `avg(${c})`, `sum(DISTINCT ${c})`, `stddev_samp(${c})`, `var_pop(${c})`, `quantile_disc(${c}, 0.5)`, `median(${c})`);
  }
  if (k === 'int') options.push(`bit_or(${c})`, `bit_xor(${c})`);
  if (k === 'double' && ref.column.nonNegative) options.push(`sum(${c})`, `avg(${c})`, `quantile_disc(${c}, 0.25)`);
  if (k === 'bool') options.push(`bool_and(${c})`, `bool_or(${c})`);
  if (k === 'varchar') options.push(`string_agg(${c}, ',' ORDER BY ${c})`, `list(DISTINCT ${c} ORDER BY ${c})`);
  if (k === 'date' || k === 'timestamptz' || k === 'timestamp') options.push(`quantile_disc(${c}, 0.5)`);
  return choose(options, p);
}

const JOIN_TYPES = ['JOIN', 'LEFT JOIN', 'RIGHT JOIN', 'FULL JOIN'] as const;

/** Renders a genome into one deterministic query (see the module comment for the rules). */
export function renderQuery(genome: QueryGenome): GeneratedQuery {
  const schema = choose(MODELS, genome.schema);
  const first = choose(schema.tables, genome.table);
  const sources: Source[] = [{ alias: 't0', table: first }];
  let from = `${first.name} t0`;
  for (const join of genome.joins) {
    // Edges with one end already in the query; the other end joins as a new alias.
    const present = new Set(sources.map((s) => s.table.name));
    const fanOutAllowed = sources.length === 1;
    const candidates = schema.edges.flatMap((e) => [
      ...(present.has(e.a) ? [{ from: e.a, fromColumn: e.aColumn, to: e.b, toColumn: e.bColumn }] : []),
      ...(present.has(e.b) && fanOutAllowed ? [{ from: e.b, fromColumn: e.bColumn, to: e.a, toColumn: e.aColumn }] : []),
    ]);
    if (candidates.length === 0) break;
    const edge = choose(candidates, join.edge);
    const left = sources.find((s) => s.table.name === edge.from);
    if (!left) break;
    const alias = `t${sources.length}`;
    sources.push({ alias, table: table(schema, edge.to) });
    from += ` ${choose(JOIN_TYPES, join.type)} ${edge.to} ${alias} ON ${alias}.${edge.toColumn} = ${left.alias}.${edge.fromColumn}`;
  }
  const refs = refsOf(sources);

  const conditions: string[] = [];
  for (const gene of genome.where) {
    const p = predicate(choose(refs, gene.column), gene);
    if (gene.or && conditions.length > 0) conditions.push(`(${conditions.pop() ?? ''} OR ${p})`);
    else conditions.push(p);
  }
  if (genome.subquery) conditions.push(subqueryPredicate(schema, sources, genome.subquery));
  const where = conditions.length ? ` WHERE ${conditions.join(' AND ')}` : '';

  const outputs: { sql: string; float: boolean; alias: boolean }[] = [];
  let groupBy = '';
  let having = '';
  let bounded = sources.every((s) => s.table.small);
  if (genome.aggregate) {
    const keys = genome.groupBy.map((g) => {
      const groupable = refs.filter((r) => r.column.groupable);
      const ref = choose(groupable.length ? groupable : refs, g.column);
      return { sql: transform(ref, g.transform), float: ref.column.kind === 'double', alias: g.alias };
    });
    // Duplicate keys would make the output columns ambiguous to read; keep the first.
    const uniqueKeys = keys.filter((k, i) => keys.findIndex((x) => x.sql === k.sql) === i);
    outputs.push(...uniqueKeys);
    for (const o of genome.outputs) {
      const ref = choose(refs, o.column);
      let agg = aggregate(ref, o.aggregate);
      if (o.filter) agg += ` FILTER (WHERE ${predicate(choose(refs, o.filter.column), o.filter)})`;
      outputs.push({ sql: agg, float: isFloatAggregate(agg, ref.column.kind), alias: o.alias });
    }
    if (uniqueKeys.length) groupBy = ` GROUP BY ${uniqueKeys.map((k) => k.sql).join(', ')}`;
    if (genome.having && uniqueKeys.length) having = ` HAVING count(*) > ${genome.having.threshold % 5}`;
    // Groupable keys have few values, so grouped results stay small; a table
    // with no groupable column falls back to any column, and to a LIMIT.
    bounded = refs.some((r) => r.column.groupable) || bounded;
  } else {
    for (const o of genome.outputs) {
      const ref = choose(refs, o.column);
      outputs.push({ sql: transform(ref, o.transform), float: ref.column.kind === 'double', alias: o.alias });
    }
  }

  const select = outputs.map((o, i) => (o.alias ? `${o.sql} AS c${i}` : o.sql)).join(', ');
  const distinct = !genome.aggregate && genome.distinct ? 'DISTINCT ' : '';

  // ORDER BY every output column, exact ones first: for aggregates the group
  // keys come first and are unique, so float aggregates never decide an order.
  let orderBy: number[] = [];
  let tail = '';
  const limited = genome.limit !== undefined || !bounded;
  if (genome.order.length > 0 || limited) {
    const exact = outputs.map((_, i) => i).filter((i) => !outputs[i].float);
    const floats = outputs.map((_, i) => i).filter((i) => outputs[i].float);
    orderBy = [...exact, ...floats];
    const terms = orderBy.map((i, n) => {
      const o = genome.order[n % Math.max(1, genome.order.length)] ?? { desc: false, nullsFirst: false };
      return `${i + 1}${o.desc ? ' DESC' : ''}${o.nullsFirst ? ' NULLS FIRST' : ' NULLS LAST'}`;
    });
    tail = ` ORDER BY ${terms.join(', ')}`;
    if (limited) {
      const limit = 1 + ((genome.limit?.limit ?? 19) % 50);
      // Small offsets, and none on a one-row aggregate: an offset past the end tests only emptiness.
      const oneRow = genome.aggregate && groupBy === '';
      const offset = oneRow ? 0 : (genome.limit?.offset ?? 0) % 4;
      tail += ` LIMIT ${limit}${offset ? ` OFFSET ${offset}` : ''}`;
    }
  }
  return { sql: `SELECT ${distinct}${select} FROM ${from}${where}${groupBy}${having}${tail}`, orderBy };
}

function isFloatAggregate(agg: string, kind: Kind): boolean {
  if (/^(avg|stddev_samp|var_pop|median)\(/.test(agg)) return true;
  return kind === 'double' && /^(sum|min|max|quantile_disc)\(/.test(agg);
}

/** IN / NOT IN / EXISTS / NOT EXISTS against another table along a join edge. */
function subqueryPredicate(schema: SchemaModel, sources: readonly Source[], gene: NonNullable<QueryGenome['subquery']>): string {
  const candidates = schema.edges.flatMap((e) => sources.flatMap((s) => [
    ...(s.table.name === e.a ? [{ outer: `${s.alias}.${e.aColumn}`, inner: e.b, innerColumn: e.bColumn }] : []),
    ...(s.table.name === e.b ? [{ outer: `${s.alias}.${e.bColumn}`, inner: e.a, innerColumn: e.aColumn }] : []),
  ]));
  if (candidates.length === 0) return 'true';
  const c = choose(candidates, gene.edge);
  const innerTable = table(schema, c.inner);
  const inner = gene.where ? predicate(choose(refsOf([{ alias: 's', table: innerTable }]), gene.where.column), gene.where) : undefined;
  const where = inner ? ` WHERE ${inner}` : '';
  const and = inner ? ` AND ${inner}` : '';
  switch (gene.form % 4) {
    case 0:
      return `${c.outer} IN (SELECT s.${c.innerColumn} FROM ${c.inner} s${where})`;
    case 1:
      // NOT IN: a NULL in the inner column keeps no row; an empty inner side keeps every row.
      return `${c.outer} NOT IN (SELECT s.${c.innerColumn} FROM ${c.inner} s${where})`;
    case 2:
      return `EXISTS (SELECT 1 FROM ${c.inner} s WHERE s.${c.innerColumn} = ${c.outer}${and})`;
    default:
      return `NOT EXISTS (SELECT 1 FROM ${c.inner} s WHERE s.${c.innerColumn} = ${c.outer}${and})`;
  }
}
