/**
 * A task's inputs and file outputs on the worker's connection.
 *
 * Inputs are bound by connections.ts. Outputs are
 * written with DuckDB's COPY around the planner's SELECT, into a directory the
 * worker derives from the task's identity, so task SQL never names a path.
 */
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteIdent } from '../src/arrow/sql.ts';
import { BUCKET_COLUMN, type StorageRoot, type TaskInput, type TaskMessage, type WrittenFile } from '../src/cluster/messages.ts';
import { resolveDataPath } from '../src/storage/manifest.ts';
import { attemptDir, resolveScratchPath } from '../src/storage/scratch.ts';

export type StorageDirs = Readonly<Record<StorageRoot, string>>;

const sqlString = (value: string): string => `'${value.replace(/'/g, "''")}'`;

export function resolveIn(dirs: StorageDirs, root: StorageRoot, relative: string): string {
  return root === 'data' ? resolveDataPath(dirs.data, relative) : resolveScratchPath(dirs.scratch, relative);
}

export interface WrittenOutput {
  readonly rows: number;
  readonly files: WrittenFile[];
  readonly bytes: number;
}

/** Runs the task's SQL into Parquet files under its attempt directory. */
export async function writeOutput(connection: DuckDBConnection, task: TaskMessage, scratchDir: string): Promise<WrittenOutput> {
  const output = task.output;
  if (output.kind === 'stream') throw new Error('Internal Error: a streamed task writes no files');
  const relativeDir = attemptDir(output.scratchPrefix, task.stageId, task.task, task.attempt);
  const absoluteDir = resolveScratchPath(scratchDir, relativeDir);
  const query = task.sql.replace(/[\s;]+$/, '');
  try {
    let statement: string;
    // DuckDB creates the last directory of a partitioned COPY, not its parents.
    await mkdir(path.dirname(absoluteDir), { recursive: true });
    if (output.kind === 'buckets') {
      statement = `COPY (\n${query}\n) TO ${sqlString(absoluteDir)} (FORMAT parquet, PARTITION_BY (${quoteIdent(BUCKET_COLUMN)}), RETURN_FILES true)`;
    } else {
      await mkdir(absoluteDir, { recursive: true });
      statement = `COPY (\n${query}\n) TO ${sqlString(path.join(absoluteDir, 'data.parquet'))} (FORMAT parquet, RETURN_FILES true)`;
    }
    const reader = await connection.runAndReadAll(statement);
    const [count, list] = reader.getRows()[0] ?? [0, null];
    const absoluteFiles = listItems(list);
    const files: WrittenFile[] = [];
    let bytes = 0;
    for (const file of absoluteFiles) {
      const relative = path.relative(path.resolve(scratchDir), file).split(path.sep).join('/');
      files.push({ bucket: output.kind === 'buckets' ? bucketOf(relative) : 0, path: relative });
      bytes += (await stat(file)).size;
    }
    return { rows: Number(count), files, bytes };
  } catch (error) {
    // A failed or interrupted attempt leaves nothing behind for anyone to read.
    await rm(absoluteDir, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  }
}

/** The bucket number from a `…/__pondgate_bucket=<n>/data_0.parquet` path. */
function bucketOf(relative: string): number {
  const match = new RegExp(`(?:^|/)${BUCKET_COLUMN}=(\\d+)/`).exec(relative);
  if (!match) throw new Error(`Internal Error: no bucket in written file ${relative}`);
  return Number(match[1]);
}

function listItems(value: unknown): string[] {
  const items = (value as { items?: unknown } | null)?.items;
  return Array.isArray(items) ? items.map(String) : [];
}
