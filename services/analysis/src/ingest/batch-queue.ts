import { createError } from '../errors.js';

/** Writes encoded rows to one table; resolves only once ClickHouse has committed them. */
export type InsertRows = (table: string, rows: readonly string[]) => Promise<void>;

export interface BatchQueueOptions {
  insert: InsertRows;
  /** Rows per insert (a larger single request is inserted alone). */
  batchRows: number;
  /** Longest a row waits for its batch to fill. */
  flushIntervalMs: number;
  /** Rows held (waiting or being inserted) before new requests are refused. */
  maxQueueRows: number;
  /** Seconds a refused client is told to wait (Retry-After). */
  retryAfterSeconds?: number;
}

interface Chunk {
  rows: readonly string[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface TableState {
  chunks: Chunk[];
  pendingRows: number;
  inFlight: boolean;
  timer: NodeJS.Timeout | undefined;
}

/**
 * A bounded, per-table batching queue. `enqueue` returns a promise that settles when the
 * request's rows are committed (or their insert failed), so a request is acknowledged only after
 * its data is durable. One insert per table runs at a time; rows arriving meanwhile form the next
 * batch. When the queue holds `maxQueueRows` rows, `enqueue` throws a 503 with Retry-After.
 */
export class BatchQueue {
  readonly #options: Required<BatchQueueOptions>;
  readonly #tables = new Map<string, TableState>();
  #queuedRows = 0;
  #closing = false;

  constructor(options: BatchQueueOptions) {
    this.#options = { retryAfterSeconds: 1, ...options };
  }

  /** Rows accepted and not yet committed. */
  get queuedRows(): number {
    return this.#queuedRows;
  }

  get isFull(): boolean {
    return this.#queuedRows >= this.#options.maxQueueRows;
  }

  /** Queues rows for several tables as one unit; resolves when all of them are committed. */
  enqueue(parts: readonly { table: string; rows: readonly string[] }[]): Promise<void> {
    const nonEmpty = parts.filter((part) => part.rows.length > 0);
    const total = nonEmpty.reduce((sum, part) => sum + part.rows.length, 0);
    if (this.#closing) {
      throw createError('TRIPWIRE_ERR_NOT_READY', 'the service is shutting down', {
        retryAfter: this.#options.retryAfterSeconds,
      });
    }
    if (total > this.#options.maxQueueRows) {
      // Could never fit, so retrying would not help: the client must send smaller requests.
      throw createError(
        'TRIPWIRE_ERR_PAYLOAD_TOO_LARGE',
        `request has ${total} items, more than the ingest queue holds (${this.#options.maxQueueRows}); send smaller batches`,
      );
    }
    if (total > 0 && this.#queuedRows + total > this.#options.maxQueueRows) {
      throw createError(
        'TRIPWIRE_ERR_OVERLOADED',
        `ingest queue full (${this.#queuedRows} of ${this.#options.maxQueueRows} rows waiting for ClickHouse)`,
        { retryAfter: this.#options.retryAfterSeconds },
      );
    }
    this.#queuedRows += total;
    return Promise.all(nonEmpty.map((part) => this.#add(part.table, part.rows))).then(() => {});
  }

  #add(table: string, rows: readonly string[]): Promise<void> {
    let state = this.#tables.get(table);
    if (state === undefined) {
      state = { chunks: [], pendingRows: 0, inFlight: false, timer: undefined };
      this.#tables.set(table, state);
    }
    const done = new Promise<void>((resolve, reject) => {
      state.chunks.push({ rows, resolve, reject });
    });
    state.pendingRows += rows.length;
    this.#schedule(table, state);
    return done;
  }

  #schedule(table: string, state: TableState): void {
    if (state.inFlight || state.chunks.length === 0) return;
    if (state.pendingRows >= this.#options.batchRows || this.#closing) {
      this.#flush(table, state);
    } else if (state.timer === undefined) {
      state.timer = setTimeout(() => this.#flush(table, state), this.#options.flushIntervalMs);
    }
  }

  #flush(table: string, state: TableState): void {
    if (state.timer !== undefined) clearTimeout(state.timer);
    state.timer = undefined;
    if (state.inFlight || state.chunks.length === 0) return;
    const batch: Chunk[] = [];
    let rows = 0;
    while (
      state.chunks.length > 0 &&
      (batch.length === 0 || rows + state.chunks[0]!.rows.length <= this.#options.batchRows)
    ) {
      const chunk = state.chunks.shift()!;
      batch.push(chunk);
      rows += chunk.rows.length;
    }
    state.pendingRows -= rows;
    state.inFlight = true;
    const all = batch.length === 1 ? batch[0]!.rows : batch.flatMap((chunk) => chunk.rows);
    this.#options
      .insert(table, all)
      .then(
        () => {
          for (const chunk of batch) chunk.resolve();
        },
        (cause: unknown) => {
          const error = createError(
            'TRIPWIRE_ERR_STORAGE_UNAVAILABLE',
            `storing ${rows} rows in ${table} failed, nothing was acknowledged: ${(cause as Error).message}`,
            { retryAfter: this.#options.retryAfterSeconds * 5, cause },
          );
          for (const chunk of batch) chunk.reject(error);
        },
      )
      .finally(() => {
        this.#queuedRows -= rows;
        state.inFlight = false;
        this.#schedule(table, state);
        if (this.#closing && this.#queuedRows === 0) this.#drained?.();
      });
  }

  #drained: (() => void) | undefined;

  /** Refuses new rows, flushes everything accepted, and resolves once all of it is settled. */
  async close(): Promise<void> {
    this.#closing = true;
    if (this.#queuedRows === 0) return;
    const drained = new Promise<void>((resolve) => {
      this.#drained = resolve;
    });
    for (const [table, state] of this.#tables) this.#schedule(table, state);
    await drained;
  }
}
