/**
 * The gateway process: a PostgreSQL-protocol TCP server in front of the
 * cluster. It owns one in-process DuckDB (catalog mirror, planning, merges),
 * one NATS connection (tasks out, results in) and the client sessions.
 */
import net from 'node:net';
import { randomInt } from 'node:crypto';
import { DuckDBInstance } from '@duckdb/node-api';
import type { NatsConnection } from 'nats';
import { clusterSubjects } from '../src/cluster/subjects.ts';
import { duckdbConfig, type DuckDBResources } from '../src/duckdb/resources.ts';
import type { Logger } from '../src/log.ts';
import { openDataDir } from '../src/storage/upgrade.ts';
import { Catalog } from './catalog/catalog.ts';
import { installPgCompat } from './catalog/pg-compat.ts';
import { DEFAULT_DISPATCHER_OPTIONS, TaskDispatcher } from './exec/dispatcher.ts';
import { QueryEngine } from './exec/engine.ts';
import { QueryExecutor } from './exec/executor.ts';
import { ResultCache } from './exec/result-cache.ts';
import { AdmissionQueue, type AdmissionLimits } from './exec/admission-queue.ts';
import { ScratchSpace } from './exec/scratch.ts';
import { MemoryBudget } from './exec/spool.ts';
import { GatewayTempDir } from './exec/temp-dir.ts';
import { LocalLane } from './exec/local-lane.ts';
import { WorkerRegistry } from './exec/workers.ts';
import { collectGarbage } from '../src/storage/gc.ts';
import { VersionPins } from '../src/storage/pins.ts';

const GC_INTERVAL_MS = 60_000;
import { ClientConnection } from './wire/connection.ts';
import { TRUST_POLICY, connectionSecurity, type AccessPolicy, type ConnectionSecurity } from './wire/security.ts';

export interface GatewayOptions {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** Shared scratch directory for exchanges between stages (the workers' too). */
  readonly scratchDir: string;
  readonly cluster: string;
  readonly database: string;
  /** The gateway DuckDB's threads and its share of --memory-limit-mb. */
  readonly resources: DuckDBResources;
  /** In-memory budget of buffered result messages, all queries together (the rest of --memory-limit-mb). */
  readonly resultBufferBytes: number;
  /** Memory of the gateway's own task lane for one-task queries over small files, MB (local-lane.ts); 0 or absent: none. */
  readonly localLaneMb?: number;
  /** Largest spill file of one query's result, bytes. */
  readonly spillLimitBytes: number;
  /** Parent of the gateway's own temp directory (default: os.tmpdir()). */
  readonly tempDir?: string;
  readonly maxConnections: number;
  /** Distributed queries running at once, and the queue's timeout (gateway/exec/admission-queue.ts). */
  readonly admission: AdmissionLimits;
  /** Authentication and TLS; trust without TLS when absent. */
  readonly access?: AccessPolicy;
  /** Largest frontend message accepted (default: the decoder's 64 MiB). */
  readonly maxMessageBytes?: number;
  /** Memory for the result cache of repeated identical queries, in MB; 0 (the default here) disables it. */
  readonly resultCacheMb?: number;
  /** Attempts of one task in all, re-runs after a lost worker included (default 3; 1 never re-runs). */
  readonly taskAttempts?: number;
  /** Result batches of at least this many bytes come from workers as scratch files (BatchFiles); 0 or absent: all through NATS. */
  readonly batchFileMinBytes?: number;
  readonly log: Logger;
}

/** Tasks the gateway's own lane runs at once: one can run in DuckDB while another's rows are handled. */
const LOCAL_LANE_SLOTS = 2;

export class Gateway {
  private readonly sessions = new Map<number, { secretKey: number; connection: ClientConnection }>();
  private readonly sockets = new Set<net.Socket>();
  private gcTimer: NodeJS.Timeout | undefined;
  private nextProcessId = 1;

  private constructor(
    private readonly server: net.Server,
    private readonly duckdb: DuckDBInstance,
    readonly address: { host: string; port: number },
    private readonly workers: WorkerRegistry,
    private readonly scratch: ScratchSpace,
    private readonly temp: GatewayTempDir,
    private readonly lane: LocalLane | undefined,
  ) {}

  static async start(nc: NatsConnection, options: GatewayOptions): Promise<Gateway> {
    const log = options.log;
    const temp = await GatewayTempDir.open(options.tempDir, log);
    try {
      return await Gateway.startIn(temp, nc, options);
    } catch (error) {
      await temp.remove().catch(() => undefined);
      throw error;
    }
  }

  private static async startIn(temp: GatewayTempDir, nc: NatsConnection, options: GatewayOptions): Promise<Gateway> {
    // At its memory_limit DuckDB spills to temp_directory instead of failing, the
    // per-query databases (ATTACH ':memory:') holding the workers' rows included.
    const duckdb = await DuckDBInstance.create(':memory:', { ...duckdbConfig(options.resources), temp_directory: temp.duckdbDir });
    // The gateway's DuckDB never reads files: data reaches it only through the workers.
    const setup = await duckdb.connect();
    await setup.run('SET enable_external_access = false');
    await setup.run('SET autoinstall_known_extensions = false');
    await setup.run('SET autoload_known_extensions = false');
    setup.closeSync();
    await installPgCompat(duckdb);
    const log = options.log;
    log.debug({ directory: temp.directory }, 'gateway temp directory');
    // A format-1 data directory is upgraded before the catalog reads it.
    await openDataDir(options.dataDir, { log });
    const catalog = await Catalog.open(duckdb, options.dataDir, log);
    const subjects = clusterSubjects(options.cluster);
    const workers = new WorkerRegistry();
    workers.listen(nc, subjects);
    await workers.waitForWorkers(500);
    const scratch = await ScratchSpace.open(options.scratchDir, log);
    const maxMessageBytes = Math.min(DEFAULT_DISPATCHER_OPTIONS.maxMessageBytes, nc.info?.max_payload ? nc.info.max_payload - 16 * 1024 : Infinity);
    const laneMb = options.localLaneMb ?? 0;
    const lane =
      laneMb > 0
        ? await LocalLane.open({
            dataDir: options.dataDir,
            scratchDir: options.scratchDir,
            memoryMb: laneMb,
            slots: LOCAL_LANE_SLOTS,
            maxInputBytes: Math.floor((laneMb * 1024 * 1024) / 8),
            maxMessageBytes,
            log,
          })
        : undefined;
    const dispatcher = new TaskDispatcher(
      nc,
      subjects,
      log,
      {
        ...DEFAULT_DISPATCHER_OPTIONS,
        maxAttempts: options.taskAttempts ?? DEFAULT_DISPATCHER_OPTIONS.maxAttempts,
        maxMessageBytes,
      },
      workers,
      scratch,
      lane,
      scratch,
    );
    const pins = new VersionPins();
    const spool = { budget: new MemoryBudget(options.resultBufferBytes), directory: temp.spoolDir, spillLimitBytes: options.spillLimitBytes };
    const results = new ResultCache({ maxBytes: (options.resultCacheMb ?? 0) * 1024 * 1024 });
    const executor = new QueryExecutor(duckdb, dispatcher, log, scratch, pins, { spool, admission: new AdmissionQueue(options.admission), batchFileMinBytes: options.batchFileMinBytes ?? 0, ...(lane ? { keyIndex: lane.keyIndex, dataDir: options.dataDir } : {}) });
    const engine = new QueryEngine(duckdb, catalog, executor, log, workers, undefined, results);
    const server = net.createServer();
    const gateway = new Gateway(server, duckdb, { host: options.host, port: options.port }, workers, scratch, temp, lane);
    gateway.collectGarbageEvery(options.dataDir, pins, log);
    // The connection limit is applied per startup packet (53300), not by dropping sockets.
    const security = connectionSecurity(options.access ?? TRUST_POLICY, options.maxConnections);
    server.on('connection', (socket) => gateway.accept(socket, engine, options, security));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const bound = server.address();
    if (bound && typeof bound === 'object') gateway.address.port = bound.port;
    return gateway;
  }

  private accept(socket: net.Socket, engine: QueryEngine, options: GatewayOptions, security: ConnectionSecurity): void {
    const processId = this.nextProcessId++;
    const secretKey = randomInt(1, 2 ** 31 - 1);
    const log = options.log.child({ session: processId, client: `${socket.remoteAddress}:${socket.remotePort}` });
    const connection = new ClientConnection(socket, engine, { database: options.database, processId, secretKey, log, security, maxMessageBytes: options.maxMessageBytes }, (pid, key) => {
      const target = this.sessions.get(pid);
      if (target && target.secretKey === key) target.connection.cancel();
    });
    this.sessions.set(processId, { secretKey, connection });
    this.sockets.add(socket);
    socket.once('close', () => {
      this.sessions.delete(processId);
      this.sockets.delete(socket);
    });
  }

  /**
   * Deletes files that replaced tables no longer use, once no running query of this gateway
   * reads the versions that used them and their grace period (for other gateways) has passed.
   */
  private collectGarbageEvery(dataDir: string, pins: VersionPins, log: Logger): void {
    let running = false;
    this.gcTimer = setInterval(() => {
      if (running) return;
      running = true;
      collectGarbage(dataDir, { oldestPinnedVersion: pins.oldestPinnedVersion() })
        .then((result) => {
          if (result.deleted.length > 0) log.info({ deleted: result.deleted.length, waiting: result.waiting }, 'removed files of replaced tables');
        })
        .catch((error: unknown) => log.warn({ err: error }, 'garbage collection failed'))
        .finally(() => (running = false));
    }, GC_INTERVAL_MS);
    this.gcTimer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.gcTimer);
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const { connection } of this.sessions.values()) connection.cancel();
      for (const socket of this.sockets) socket.destroy();
    });
    this.workers.stop();
    await this.lane?.close();
    await this.scratch.close();
    this.duckdb.closeSync();
    await this.temp.remove();
  }
}
