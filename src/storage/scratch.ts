/**
 * The shared scratch directory: where stages of a distributed plan exchange
 * data as Parquet files (smallpond's shuffle through the file system). Every
 * gateway and worker of a cluster must see the same directory; by default it
 * lives inside the data directory, so one shared mount serves both.
 *
 * Layout: `<scratch>/<gateway>/<query>/s<stage>/t<task>-a<attempt>/…` (Parquet outputs, and
 * `batch-<n>.arrow` for result batches sent as files, each removed once read). A task
 * writes only under its own attempt directory, which the worker derives from
 * the task's identity; the gateway reads only the winning attempt's files and
 * removes a query's directory when the query ends. A gateway owns
 * `<scratch>/<gateway>/` and keeps an `owner` file there fresh, so a gateway
 * starting later can remove what a crashed one left behind.
 */
import path from 'node:path';

/** Inside the data directory; dot-named, so it never looks like a table. */
export const DEFAULT_SCRATCH_SUBDIR = '.scratch';

export function defaultScratchDir(dataDir: string): string {
  return path.join(dataDir, DEFAULT_SCRATCH_SUBDIR);
}

const SEGMENT = /^[A-Za-z0-9_.=-]+$/;

/** A scratch-relative path, refusing absolute paths, `..` and odd characters. */
export function checkScratchRelative(relative: string): string {
  const parts = relative.split('/');
  if (path.isAbsolute(relative) || parts.some((p) => p === '..' || p === '.' || p === '' || !SEGMENT.test(p))) {
    throw new Error(`scratch path ${JSON.stringify(relative)} must be relative, without '..'`);
  }
  return relative;
}

export function resolveScratchPath(scratchDir: string, relative: string): string {
  return path.join(path.resolve(scratchDir), checkScratchRelative(relative));
}

/** Directory (relative to scratch) of one attempt of one task. */
export function attemptDir(prefix: string, stageId: number, task: number, attempt: number): string {
  return `${checkScratchRelative(prefix)}/s${stageId}/t${task}-a${attempt}`;
}

/** Scratch-relative prefix of one query of one gateway. */
export function queryPrefix(gatewayId: string, queryId: string): string {
  return checkScratchRelative(`${gatewayId}/${queryId}`);
}

/** Scratch-relative path of result message `sequence` of an attempt, when it goes as a file. */
export function batchFilePath(prefix: string, stageId: number, task: number, attempt: number, sequence: number): string {
  return `${attemptDir(prefix, stageId, task, attempt)}/batch-${sequence}.arrow`;
}
