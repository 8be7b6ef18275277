/**
 * Writes a streamed task's large result batches as files of its attempt's scratch directory
 * (BatchFiles in src/cluster/messages.ts): the gateway reads each once and removes it, and the
 * message bus carries only the file's name.
 *
 * Writes are synchronous on purpose: the file must be complete before its `file` message is
 * published, and the messages of a task (the last batch, then its end) must keep their order in
 * one tick. A batch is at most a NATS message's size, so a write costs well under a millisecond
 * of a worker's loop (page cache; the file is removed long before it would be flushed).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BatchFiles, FileBatchMessage, TaskMessage } from '../src/cluster/messages.ts';
import { batchFilePath, resolveScratchPath } from '../src/storage/scratch.ts';

export class BatchFileWriter {
  private directoryMade = false;

  constructor(
    private readonly scratchDir: string,
    private readonly task: TaskMessage,
    private readonly files: BatchFiles,
  ) {}

  /** The writer for a task whose gateway takes batch files; undefined when it does not. */
  static forTask(scratchDir: string, task: TaskMessage): BatchFileWriter | undefined {
    const output = task.output;
    return output.kind === 'stream' && output.batchFiles !== undefined ? new BatchFileWriter(scratchDir, task, output.batchFiles) : undefined;
  }

  /** A batch this large goes as a file. */
  wants(data: Uint8Array): boolean {
    return data.byteLength >= this.files.minBytes;
  }

  /** Writes result message `sequence` as a file; returns the message that announces it. */
  write(data: Uint8Array, sequence: number): FileBatchMessage {
    const { stageId, task, attempt } = this.task;
    const relative = batchFilePath(this.files.scratchPrefix, stageId, task, attempt, sequence);
    const file = resolveScratchPath(this.scratchDir, relative);
    if (!this.directoryMade) {
      mkdirSync(path.dirname(file), { recursive: true });
      this.directoryMade = true;
    }
    writeFileSync(file, data);
    return { file: relative, bytes: data.byteLength };
  }
}
