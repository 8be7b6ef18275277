/**
 * Placement: which relations of a query a stage splits across its tasks (and
 * how: by their own layout, through an exchange, or as a materialized
 * subquery's buckets) and which every task reads whole — chosen from the
 * manifest's statistics by a small cost model, among the assignments the
 * distribution algebra (distribution.ts) proves correct.
 *
 * Candidates: each family of buckets the query's tables offer (a hash layout,
 * key ranges proved disjoint, one table's own partitions), a fresh hash
 * exchange on each class of equal columns, and a single task. For each, every
 * subset of the splittable relations is checked and costed; the cheapest
 * correct one wins. A relation not joined by any key is always broadcast.
 */
import type { TableEntry } from '../../src/storage/manifest.ts';
import {
  columnEquality,
  columnKey,
  conjuncts,
  boundColumn,
  type Analysis,
  type Block,
  type ColumnKey,
  type QueryInfo,
  type Relation,
} from './analysis.ts';
import { DistributionChecker, groupKeyColumns, type OutputDist } from './distribution.ts';
import { bucketCount, commonKeyType, describeFamily, hashFamilyOf, keyCompatible, nativeTasks, rangeFamily, type Family } from './families.ts';
import { estimateSelectivity, keptPartitions, pushableConjuncts } from './pushdown.ts';
import { columnShare, partitionSize, typeWidth } from './stats.ts';
import { isColumnRef, isObject, type ExpressionNode, type Json } from '../sql/duckdb-ast.ts';

export type JoinStrategy = 'auto' | 'broadcast' | 'shuffle' | 'colocate';

export interface PlacementSettings {
  /** Relations larger than this (bytes read) are never broadcast. */
  readonly broadcastLimitBytes: number;
  readonly joinStrategy: JoinStrategy;
  /**
   * Prove every family in order, each without a bound from the others: slower, and the reference
   * the bounded search must agree with (tests).
   */
  readonly exhaustivePlacement?: boolean;
}

/** What the planner knows of a materialized (cut) subquery's output. */
export interface MaterializedInfo {
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  readonly rows: number;
}

export interface PlacementInput {
  readonly analysis: Analysis;
  readonly root: QueryInfo;
  readonly cut: ReadonlySet<QueryInfo>;
  /** Task slots of the live workers: the most tasks a stage usefully has. */
  readonly slots: number;
  readonly aggregateNames: ReadonlySet<string>;
  readonly settings: PlacementSettings;
  /** Partitions of hash-partitioned relations that an equality on the key selects (see hashBuckets in the planner). */
  readonly hashBuckets?: ReadonlyMap<Relation, readonly number[]>;
  /** DuckDB version of the workers: rows may be exchanged into a table's hash buckets only if it hashed them. */
  readonly duckdbVersion: string;
  readonly materialized: ReadonlyMap<QueryInfo, MaterializedInfo>;
  /** Names referenced anywhere in the statement (lower case), for the columns a relation must provide. */
  readonly mentionedNames: ReadonlySet<string>;
  /**
   * Extra cost (ms) of finishing the root's output after the stage: nothing when each task's
   * rows are final, a merge of partial aggregates, or gathering every row; undefined when the
   * output cannot be finished at all.
   */
  readonly finishCost: (output: OutputDist, rowsIn: number) => number | undefined;
}

export type SplitHow = 'native' | 'exchange' | 'materialized';

export interface SplitChoice {
  readonly relation: Relation;
  /** Visible column the relation is split on. */
  readonly column: string;
  readonly type: string;
  readonly how: SplitHow;
  /** For `native`: the task of each (kept) partition. */
  readonly partitionTasks?: ReadonlyMap<number, number>;
}

export interface Placement {
  readonly family: Family;
  readonly tasks: number;
  readonly split: ReadonlyMap<Relation, SplitChoice>;
  /** Leaf relations every task reads whole. */
  readonly broadcast: readonly Relation[];
  readonly output: OutputDist;
  /** Estimated milliseconds (relative: for choosing, never shown as a promise). */
  readonly cost: number;
  /** Partitions of each table relation that may hold rows (pruned by statistics). */
  readonly kept: ReadonlyMap<Relation, readonly number[]>;
  readonly filters: ReadonlyMap<Relation, readonly ExpressionNode[]>;
  readonly neededColumns: ReadonlyMap<Relation, readonly string[]>;
}

// Cost constants in milliseconds, from measurements of DuckDB on one core (see docs/architecture.md).
const SCAN_BYTES_PER_MS = 200_000;
const BUILD_MS_PER_ROW = 0.00005;
const EXCHANGE_WRITE_MS_PER_ROW = 0.0002;
const STAGE_MS = 12;
const TASK_MS = 4;

interface Leaf {
  readonly relation: Relation;
  readonly kind: 'table' | 'materialized' | 'other';
  readonly bytes: number;
  readonly rows: number;
  readonly rowWidth: number;
}

export function place(input: PlacementInput): Placement | { readonly failure: string } {
  const region = fusedRegion(input.root, input.cut);
  const leaves = region.leaves.map((relation) => describeLeaf(relation, input));
  const kept = new Map<Relation, number[]>();
  const filters = new Map<Relation, ReturnType<typeof pushableConjuncts>>();
  const needed = new Map<Relation, string[]>();
  for (const leaf of leaves) {
    if (leaf.relation.kind === 'table') {
      const pushed = pushableConjuncts(leaf.relation);
      filters.set(leaf.relation, pushed);
      const byStatistics = keptPartitions(leaf.relation, pushed);
      const byHash = input.hashBuckets?.get(leaf.relation);
      kept.set(leaf.relation, byHash ? byStatistics.filter((p) => byHash.includes(p)) : byStatistics);
    }
    needed.set(leaf.relation, neededColumns(leaf.relation, input.mentionedNames));
  }
  const classes = keyClasses(region.blocks, region.leaves);
  const derived: Derived = { kept, filters, needed };
  // A forced join strategy takes one task only when nothing else is possible.
  const forced = input.settings.joinStrategy !== 'auto';
  const families = candidateFamilies(leaves, classes, input);
  const ordered = forced ? [...families.filter((f) => f.family.kind !== 'single'), ...families.filter((f) => f.family.kind === 'single')] : families;
  const searches: FamilySearch[] = [];
  let lastFailure = 'no placement was possible';
  for (const [rank, candidate] of ordered.entries()) {
    const search = familySearch(candidate, rank, leaves, classes, input, derived);
    if ('failure' in search) lastFailure = search.failure;
    else searches.push(search);
  }
  // Families are proved cheapest first (by their cheapest assignment before finishing), so the
  // first correct placements bound the rest and most assignments are never proved. The choice is
  // the same as proving the families in their order: the lowest cost wins, a tie goes to the
  // family that comes first (its rank).
  const bounded = !input.settings.exhaustivePlacement;
  if (!forced && bounded) searches.sort((x, y) => x.lowest - y.lowest || x.rank - y.rank);
  let best: { placement: Placement; rank: number } | undefined;
  for (const search of searches) {
    if (forced && best && search.candidate.family.kind === 'single') break;
    const bound = bounded && best ? { cost: best.placement.cost, winsTies: search.rank < best.rank } : undefined;
    const result = proveFamily(search, leaves, input, derived, bound);
    if ('failure' in result) {
      lastFailure = result.failure;
      continue;
    }
    if (!best || result.cost < best.placement.cost || (result.cost === best.placement.cost && search.rank < best.rank)) best = { placement: result, rank: search.rank };
  }
  return best?.placement ?? { failure: lastFailure };
}

// ---------------------------------------------------------------- the region a stage runs

interface Region {
  readonly blocks: Block[];
  readonly leaves: Relation[];
}

/** Blocks and leaf relations a stage fuses: everything but what was cut out as stages of its own. */
function fusedRegion(root: QueryInfo, cut: ReadonlySet<QueryInfo>): Region {
  const blocks: Block[] = [];
  const leaves: Relation[] = [];
  const seen = new Set<QueryInfo>();
  const visitQuery = (query: QueryInfo) => {
    if (seen.has(query)) return;
    seen.add(query);
    if (query.kind === 'select') visitBlock(query.block);
    else if (query.kind === 'setop') {
      visitQuery(query.left);
      visitQuery(query.right);
    }
  };
  const visitBlock = (block: Block) => {
    blocks.push(block);
    for (const relation of block.relations) {
      if (relation.kind === 'table' || relation.kind === 'other') leaves.push(relation);
      else if (relation.query && cut.has(relation.query)) leaves.push(relation);
      else if (relation.query) visitQuery(relation.query);
    }
    for (const use of block.subqueries) if (!cut.has(use.query)) visitQuery(use.query);
  };
  visitQuery(root);
  return { blocks, leaves };
}

function describeLeaf(relation: Relation, input: PlacementInput): Leaf {
  if (relation.kind === 'table' && relation.table) {
    const table = relation.table;
    let bytes = 0;
    let rows = 0;
    for (const partition of table.partitions) {
      const size = partitionSize(table, partition);
      bytes += size.bytes;
      rows += size.rows;
    }
    const columns = neededColumns(relation, input.mentionedNames);
    const sources = columns.map((c) => sourceColumn(relation, c) ?? c);
    const width = table.columns.filter((c) => sources.includes(c.name)).reduce((sum, c) => sum + typeWidth(c.type), 0);
    return { relation, kind: 'table', bytes: bytes * columnShare(table, sources), rows, rowWidth: Math.max(width, 1) };
  }
  const info = relation.query ? input.materialized.get(relation.query) : undefined;
  if (info) {
    const width = info.columns.reduce((sum, c) => sum + typeWidth(c.type), 0);
    return { relation, kind: 'materialized', bytes: info.rows * width * 0.5, rows: info.rows, rowWidth: Math.max(width, 1) };
  }
  return { relation, kind: 'other', bytes: 0, rows: 1, rowWidth: 1 };
}

/** Visible columns of a relation the query may read: every name mentioned anywhere, or all of them under a star. */
export function neededColumns(relation: Relation, mentioned: ReadonlySet<string>): string[] {
  const columns = relation.columns ?? [];
  if (mentioned.has('*')) return [...columns];
  const out = columns.filter((c) => mentioned.has(c.toLowerCase()));
  return out.length > 0 ? out : columns.slice(0, 1);
}

/** The table column behind a visible column (renames are positional). */
export function sourceColumn(relation: Relation, visible: string): string | undefined {
  const index = relation.columns?.indexOf(visible) ?? -1;
  return index >= 0 ? relation.sourceColumns?.[index] : undefined;
}

/** Every name in a column reference anywhere in the tree ('*' for stars and COLUMNS()). */
export function mentionedNames(tree: Json): Set<string> {
  const names = new Set<string>();
  const visit = (value: Json) => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (!isObject(value)) return;
    if (value.class === 'STAR' || value.class === 'COLUMNS') names.add('*');
    if (isColumnRef(value)) for (const name of value.column_names) names.add(name.toLowerCase());
    // USING (k) columns are names too.
    if (value.type === 'JOIN' && Array.isArray(value.using_columns)) for (const name of value.using_columns) names.add(String(name).toLowerCase());
    for (const child of Object.values(value)) visit(child);
  };
  visit(tree);
  return names;
}

// ---------------------------------------------------------------- classes of equal columns

class UnionFind {
  private readonly parent = new Map<string, string>();
  find(x: string): string {
    let root = x;
    while (this.parent.has(root) && this.parent.get(root) !== root) root = this.parent.get(root)!;
    // Path compression: every key on the way now points at the root.
    for (let key = x; key !== root; ) {
      const next = this.parent.get(key)!;
      this.parent.set(key, root);
      key = next;
    }
    this.parent.set(root, root);
    return root;
  }
  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent.set(ra, rb);
  }
}

interface KeyClasses {
  readonly of: (key: ColumnKey) => string;
  /** Leaf relations' columns, by class. */
  readonly members: ReadonlyMap<string, { relation: Relation; column: string }[]>;
  /** Classes holding a grouping or window partition key. */
  readonly grouping: ReadonlySet<string>;
}

/** Columns joined by equalities anywhere in the region (joins, WHERE, correlations, IN, derived-table outputs). */
function keyClasses(blocks: readonly Block[], leaves: readonly Relation[]): KeyClasses {
  const uf = new UnionFind();
  for (const block of blocks) {
    const equalities = [...conjuncts(block.node.where_clause), ...joinConditions(block)];
    for (const conjunct of equalities) {
      const e = columnEquality(conjunct, block);
      if (e && e.left.depth <= 1 && e.right.depth <= 1) uf.union(e.left.key, e.right.key);
    }
    for (const use of block.subqueries) {
      if (use.type !== 'ANY' || use.comparison !== 'COMPARE_EQUAL' || use.query.kind !== 'select') continue;
      const child = use.child ? boundColumn(use.child, block) : undefined;
      const item = use.query.block.node.select_list[0];
      const inner = item ? boundColumn({ ...item, alias: '' }, use.query.block) ?? boundColumn(item, use.query.block) : undefined;
      if (child && inner) uf.union(child.key, inner.key);
    }
    // Grouping and window partition keys: an exchange on them completes the groups in each task.
    for (const key of groupingColumns(block)) uf.find(key);
    for (const relation of block.relations) {
      if (!relation.query || relation.query.kind !== 'select' || !relation.columns) continue;
      const sources = outputSources(relation.query.block);
      relation.columns.forEach((name, i) => {
        const source = sources[i];
        if (source) uf.union(columnKey(relation, name), source);
      });
    }
  }
  const grouping = new Set(blocks.flatMap((b) => groupingColumns(b)).map((k) => uf.find(k)));
  const members = new Map<string, { relation: Relation; column: string }[]>();
  for (const relation of leaves) {
    for (const column of relation.columns ?? []) {
      const id = uf.find(columnKey(relation, column));
      const list = members.get(id) ?? [];
      list.push({ relation, column });
      members.set(id, list);
    }
  }
  return { of: (key) => uf.find(key), members, grouping };
}

/** Columns the block groups by or partitions windows by (plain references to its relations). */
function groupingColumns(block: Block): ColumnKey[] {
  const out: ColumnKey[] = [];
  for (const key of groupKeyColumns(block)) if (key) out.push(key);
  const visit = (value: Json) => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (!isObject(value) || value.class === 'SUBQUERY') return;
    if (value.class === 'WINDOW' && Array.isArray(value.partitions)) {
      for (const p of value.partitions) {
        const column = boundColumn(p, block);
        if (column && column.depth === 0) out.push(column.key);
      }
    }
    for (const child of Object.values(value)) visit(child);
  };
  visit(block.node.select_list as unknown as Json);
  return out;
}

function joinConditions(block: Block): ExpressionNode[] {
  const out: ExpressionNode[] = [];
  const visit = (tree: Block['from']) => {
    if (tree.kind !== 'join') return;
    out.push(...conjuncts(tree.condition), ...tree.usingEqualities);
    visit(tree.left);
    visit(tree.right);
  };
  visit(block.from);
  return out;
}

/** For each output column of a block, the column key of a plain column reference producing it. */
export function outputSources(block: Block): (ColumnKey | undefined)[] {
  const out: (ColumnKey | undefined)[] = [];
  for (const item of block.node.select_list) {
    if (item.class === 'STAR') {
      const qualifier = String(item.relation_name ?? '').toLowerCase();
      const relations = qualifier ? block.relations.filter((r) => r.qualifier.toLowerCase() === qualifier) : block.relations;
      for (const relation of relations) for (const column of relation.columns ?? []) out.push(columnKey(relation, column));
      continue;
    }
    const column = boundColumn({ ...item, alias: '' }, block) ?? boundColumn(item, block);
    out.push(column && column.depth === 0 ? column.key : undefined);
  }
  return out;
}

// ---------------------------------------------------------------- candidate families

interface Candidate {
  readonly family: Family;
  /** The class of columns the family's buckets are keyed on (none for partitions/single). */
  readonly anchorClass: string | undefined;
  readonly keyType: string | undefined;
  readonly name: string;
}

function candidateFamilies(leaves: readonly Leaf[], classes: KeyClasses, input: PlacementInput): Candidate[] {
  const out: Candidate[] = [{ family: { kind: 'single' }, anchorClass: undefined, keyType: undefined, name: 'single' }];
  if (input.slots <= 1 && input.settings.joinStrategy === 'auto') return out;
  const seen = new Set<string>(['single']);
  const add = (candidate: Candidate) => {
    if (seen.has(candidate.name)) return;
    seen.add(candidate.name);
    out.push(candidate);
  };
  const tables = leaves.filter((l) => l.kind === 'table' && l.relation.table && l.relation.table.partitions.length > 1);
  for (const leaf of tables) {
    const relation = leaf.relation;
    const table = relation.table as TableEntry;
    const hash = hashFamilyOf(table);
    if (hash && hash.kind === 'hash' && table.partitioning.scheme === 'hash') {
      const visible = visibleColumn(relation, table.partitioning.column);
      if (visible) add({ family: hash, anchorClass: classes.of(columnKey(relation, visible)), keyType: hash.keyType, name: `hash:${hash.buckets}:${hash.keyType}:${classes.of(columnKey(relation, visible))}` });
    }
    for (const column of relation.columns ?? []) {
      const klass = classes.of(columnKey(relation, column));
      // Key ranges pay off on columns that join something, or that group or partition rows.
      if ((classes.members.get(klass)?.length ?? 0) < 2 && !classes.grouping.has(klass)) continue;
      const source = sourceColumn(relation, column);
      const family = source ? rangeFamily(table, source) : undefined;
      if (family && family.kind === 'range') add({ family, anchorClass: klass, keyType: family.layout.column.type, name: `range:${table.name}:${source}` });
    }
    add({ family: { kind: 'partitions', table }, anchorClass: undefined, keyType: undefined, name: `partitions:${relation.id}` });
  }
  // Fresh exchanges on every class that links two or more relations.
  const leafBytes = new Map(leaves.map((l) => [l.relation, l.bytes]));
  for (const [klass, members] of classes.members) {
    const relations = new Set(members.map((m) => m.relation));
    if (relations.size < 2 && !classes.grouping.has(klass)) continue;
    // Exchanging only small relations never pays: they are broadcast instead.
    if (input.settings.joinStrategy === 'auto' && ![...relations].some((r) => (leafBytes.get(r) ?? 0) >= SMALL_BYTES || r.kind !== 'table')) continue;
    const types = members.map((m) => leafColumnType(m.relation, m.column, input)).filter((t): t is string => t !== undefined);
    const keyType = commonKeyType(types);
    if (!keyType) continue;
    const buckets = Math.max(1, input.slots);
    add({ family: { kind: 'hash', buckets, keyType }, anchorClass: klass, keyType, name: `exchange:${klass}` });
  }
  return out;
}

function visibleColumn(relation: Relation, source: string): string | undefined {
  const index = relation.sourceColumns?.findIndex((c) => c.toLowerCase() === source.toLowerCase()) ?? -1;
  return index >= 0 ? relation.columns?.[index] : undefined;
}

function leafColumnType(relation: Relation, column: string, input: PlacementInput): string | undefined {
  if (relation.kind === 'table' && relation.table) {
    const source = sourceColumn(relation, column);
    return relation.table.columns.find((c) => c.name === source)?.type;
  }
  const info = relation.query ? input.materialized.get(relation.query) : undefined;
  const index = relation.columns?.indexOf(column) ?? -1;
  return info && index >= 0 ? info.columns[index]?.type : undefined;
}

// ---------------------------------------------------------------- one family

interface Derived {
  readonly kept: ReadonlyMap<Relation, readonly number[]>;
  readonly filters: ReadonlyMap<Relation, ReturnType<typeof pushableConjuncts>>;
  readonly needed: ReadonlyMap<Relation, readonly string[]>;
}

interface Option {
  readonly leaf: Leaf;
  readonly choice: SplitChoice;
}

const MAX_ENUMERATED = 10;
/** Relations smaller than this are broadcast unless a rule forces them to be split (a preserved side …). */
const SMALL_BYTES = 4 * 1024 * 1024;

/** One family's split options and their assignments, costed, ready to be proved. */
interface FamilySearch {
  readonly candidate: Candidate;
  /** Position among the families: among equal costs, the first family wins. */
  readonly rank: number;
  readonly tasks: number;
  /** Assignments splitting only large relations (or natively split ones), cheapest first. */
  readonly large: readonly Assignment[];
  /** Assignments that may split small relations too, when some are small; computed when first needed. */
  readonly all: (() => readonly Assignment[]) | undefined;
  /** Cost before finishing of the family's cheapest assignment. */
  readonly lowest: number;
}

interface Assignment {
  readonly split: Map<Relation, SplitChoice>;
  /** Cost before finishing. */
  readonly cost: number;
}

/** Assignments cost at least as much as `cost` cannot beat the best placement of another family (but win a tie when `winsTies`). */
interface Bound {
  readonly cost: number;
  readonly winsTies: boolean;
}

function familySearch(
  candidate: Candidate,
  rank: number,
  leaves: readonly Leaf[],
  classes: KeyClasses,
  input: PlacementInput,
  derived: Derived,
): FamilySearch | { failure: string } {
  const family = candidate.family;
  const tasks = family.kind === 'single' ? 1 : Math.max(1, Math.min(bucketCount(family), input.slots));
  const strategy = input.settings.joinStrategy;
  if (family.kind === 'single') {
    const none: Assignment = { split: new Map(), cost: estimateCost(family, tasks, new Map(), leaves, leaves, input, derived) };
    return { candidate, rank, tasks, large: [none], all: undefined, lowest: none.cost };
  }
  const options: Option[] = [];
  for (const leaf of leaves) {
    const option = splitOption(leaf, candidate, classes, tasks, input, derived);
    if (!option) continue;
    if ((strategy === 'colocate' || strategy === 'broadcast') && option.choice.how === 'exchange') continue;
    if (strategy === 'shuffle' && option.choice.how === 'native' && family.kind !== 'hash') continue;
    options.push(option);
  }
  if (options.length === 0) return { failure: `nothing can be split in ${describeFamily(family)}` };
  // Largest first: past the enumeration limit the rest stay split.
  options.sort((a, b) => b.leaf.bytes - a.leaf.bytes);
  const assignments = (candidates: readonly Option[]): Assignment[] => {
    const enumerated = candidates.slice(0, MAX_ENUMERATED);
    const fixed = candidates.slice(MAX_ENUMERATED);
    const out: Assignment[] = [];
    for (let mask = 1; mask < 1 << enumerated.length; mask++) {
      const chosen = [...enumerated.filter((_, i) => (mask >> i) & 1), ...fixed];
      // 'shuffle' forces every relation that can be exchanged to be split.
      if (strategy === 'shuffle' && chosen.length < candidates.length) continue;
      if (strategy === 'broadcast' && chosen.length > 1) continue;
      const split = new Map(chosen.map((o) => [o.leaf.relation, o.choice]));
      out.push({ split, cost: estimateCost(family, tasks, split, leaves.filter((l) => !split.has(l.relation)), leaves, input, derived) });
    }
    // Stable: among equal costs the enumeration order decides, as it always did.
    return out.sort((a, b) => a.cost - b.cost);
  };
  // Small relations are broadcast, unless no correct assignment does without splitting them.
  const large = options.filter((o) => o.leaf.bytes >= SMALL_BYTES || o.choice.how === 'native' || strategy !== 'auto');
  let allAssignments: Assignment[] | undefined;
  const all = large.length < options.length ? () => (allAssignments ??= assignments(options)) : undefined;
  const largeAssignments = assignments(large);
  const lowest = largeAssignments[0]?.cost ?? all?.()[0]?.cost ?? Infinity;
  return { candidate, rank, tasks, large: largeAssignments, all, lowest };
}

/**
 * The cheapest correct assignment of a family, or a failure. Costing is cheap, proving correctness
 * is not: assignments are proved cheapest first, and once an assignment's cost before finishing
 * (finishing adds, never subtracts) reaches the best proved total or the bound another family set,
 * neither it nor any after it can win.
 */
function proveFamily(search: FamilySearch, leaves: readonly Leaf[], input: PlacementInput, derived: Derived, bound: Bound | undefined): Placement | { failure: string } {
  const { family } = search.candidate;
  const tasks = search.tasks;
  const strategy = input.settings.joinStrategy;
  const evaluate = (split: Map<Relation, SplitChoice>): Placement | { failure: string } => {
    const broadcast = leaves.filter((l) => !split.has(l.relation));
    if (family.kind !== 'single' && broadcast.some((l) => l.bytes > input.settings.broadcastLimitBytes)) {
      return { failure: 'a relation above the broadcast limit would be broadcast' };
    }
    // Join strategy 'shuffle': every table is split (by its layout or an exchange), none broadcast.
    if (strategy === 'shuffle' && broadcast.some((l) => l.kind === 'table')) return { failure: 'join strategy shuffle broadcasts no table' };
    const checker = new DistributionChecker(
      { split: new Map([...split].map(([r, c]) => [r, c.column])), cut: input.cut, nullSafeLinks: family.kind !== 'range' },
      input.aggregateNames,
    );
    const output = checker.query(input.root);
    if (output.kind === 'invalid') return { failure: output.reason };
    if (family.kind !== 'single' && output.kind === 'replicated') return { failure: 'nothing is split' };
    const rowsIn = Math.max(1, ...leaves.map((l) => l.rows));
    const finish = input.finishCost(output, rowsIn);
    if (finish === undefined) return { failure: output.kind === 'needs-merge' ? output.reason : 'the output cannot be finished' };
    const cost = estimateCost(family, tasks, split, broadcast, leaves, input, derived) + finish;
    return { family, tasks, split, broadcast: broadcast.map((l) => l.relation), output, cost, kept: derived.kept, filters: derived.filters, neededColumns: derived.needed };
  };
  let best: Placement | undefined;
  let failure = 'no correct assignment';
  const beaten = (cost: number) => bound !== undefined && (cost > bound.cost || (cost === bound.cost && !bound.winsTies));
  /**
   * Proves assignments cheapest first; says whether one is correct, even one that cannot win.
   * Past the bound only that may still matter (`mustKnow`): it decides whether small relations may be split.
   */
  const prove = (assignments: readonly Assignment[], mustKnow: boolean): boolean => {
    for (const { split, cost } of assignments) {
      if (best && cost >= best.cost) return true;
      const losing = beaten(cost);
      if (losing && !mustKnow) return false;
      const result = evaluate(split);
      if ('failure' in result) {
        failure = result.failure;
        continue;
      }
      if (losing) return true;
      if (!best || result.cost < best.cost) best = result;
    }
    return best !== undefined;
  };
  const largeSuffice = search.large.length > 0 && prove(search.large, search.all !== undefined);
  if (!largeSuffice && search.all) prove(search.all(), false);
  if (best && beaten(best.cost)) return { failure: 'a cheaper placement is known' };
  return best ?? { failure };
}

function splitOption(leaf: Leaf, candidate: Candidate, classes: KeyClasses, tasks: number, input: PlacementInput, derived: Derived): Option | undefined {
  const family = candidate.family;
  const relation = leaf.relation;
  if (family.kind === 'single' || leaf.kind === 'other') return undefined;
  if (family.kind === 'partitions') {
    if (relation.table !== family.table) return undefined;
    const taskOf = nativeTasks(family, family.table, undefined, tasks);
    if (!taskOf) return undefined;
    return { leaf, choice: { relation, column: '', type: '', how: 'native', partitionTasks: keptTasks(taskOf, derived.kept.get(relation)) } };
  }
  // The relation's columns in the family's class, in the relation's column order.
  const columns = candidate.anchorClass === undefined ? [] : (classes.members.get(candidate.anchorClass) ?? []).filter((m) => m.relation === relation).map((m) => m.column);
  let exchange: Option | undefined;
  for (const column of columns) {
    const type = leafColumnType(relation, column, input);
    if (!type) continue;
    if (leaf.kind === 'table' && relation.table) {
      const taskOf = nativeTasks(family, relation.table, sourceColumn(relation, column), tasks);
      if (taskOf) return { leaf, choice: { relation, column, type, how: 'native', partitionTasks: keptTasks(taskOf, derived.kept.get(relation)) } };
    }
    const foreignHash = family.kind === 'hash' && family.hashedBy !== undefined && family.hashedBy !== input.duckdbVersion;
    if (candidate.keyType && keyCompatible(type, candidate.keyType) && !exchange && !foreignHash) {
      exchange = { leaf, choice: { relation, column, type, how: leaf.kind === 'materialized' ? 'materialized' : 'exchange' } };
    }
  }
  return exchange;
}

function keptTasks(taskOf: readonly number[], kept: readonly number[] | undefined): Map<number, number> {
  const out = new Map<number, number>();
  for (const partition of kept ?? taskOf.map((_, i) => i)) out.set(partition, taskOf[partition]);
  return out;
}

function estimateCost(
  family: Family,
  tasks: number,
  split: ReadonlyMap<Relation, SplitChoice>,
  broadcast: readonly Leaf[],
  leaves: readonly Leaf[],
  input: PlacementInput,
  derived: Derived,
): number {
  const parallel = Math.max(1, Math.min(tasks, input.slots));
  const leafOf = new Map(leaves.map((l) => [l.relation, l]));
  const keptShare = (relation: Relation): number => {
    const table = relation.table;
    const kept = derived.kept.get(relation);
    return table && kept ? kept.length / Math.max(1, table.partitions.length) : 1;
  };
  const selectivity = (relation: Relation): number => estimateSelectivity(derived.filters.get(relation) ?? []);
  let mainWork = 0;
  let exchangeWork = 0;
  let exchanges = 0;
  for (const choice of split.values()) {
    const leaf = leafOf.get(choice.relation);
    if (!leaf) continue;
    const share = keptShare(choice.relation);
    if (choice.how === 'materialized') {
      // Split into the stage's buckets, a materialized result needs a stage of its own to finish it.
      mainWork += STAGE_MS;
    }
    if (choice.how === 'exchange') {
      exchanges++;
      const rows = leaf.rows * share * selectivity(choice.relation);
      exchangeWork += (leaf.bytes * share) / SCAN_BYTES_PER_MS + rows * EXCHANGE_WRITE_MS_PER_ROW;
      mainWork += (rows * leaf.rowWidth) / SCAN_BYTES_PER_MS;
    } else {
      mainWork += (leaf.bytes * share) / SCAN_BYTES_PER_MS;
    }
  }
  for (const leaf of broadcast) {
    const share = keptShare(leaf.relation);
    const rows = leaf.rows * share * selectivity(leaf.relation);
    mainWork += tasks * ((leaf.bytes * share) / SCAN_BYTES_PER_MS + rows * BUILD_MS_PER_ROW);
  }
  const exchangeTime = exchanges > 0 ? exchangeWork / parallel + STAGE_MS : 0;
  return exchangeTime + mainWork / parallel + STAGE_MS + (tasks * TASK_MS) / parallel;
}
