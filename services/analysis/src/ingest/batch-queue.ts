import { createError } from '../errors.js';
import type { RowFormat } from '../storage/clickhouse.js';
import { RowBuffer } from './row-buffer.js';

/** Rows of one table, already encoded in `format` (one row per line, each line ending in \n). */
export interface EncodedRows {
  table: string;
  format: RowFormat;
  /** How many rows `body` holds. */
  rows: number;
  /** Copied by `enqueue` before it returns, so it may be a view of a reused buffer. */
  body: Uint8Array;
}

/** One insert: the rows of one or more requests in one body. */
export interface RowBatch {
  format: RowFormat;
  rows: number;
  /** Valid until the insert's promise settles (the queue reuses its memory afterwards). */
  body: Buffer;
}

/** Writes a batch to one table; resolves only once ClickHouse has committed it. */
export type InsertRows = (table: string, batch: RowBatch) => Promise<void>;

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
  /** The clock (ms) a batch's first row is stamped with; `Date.now` unless a test sets it. */
  now?: () => number;
}

/** Requests' rows gathered in one buffer, settled together by one insert. */
interface Batch {
  buffer: RowBuffer;
  rows: number;
  /** When its first row arrived (`now()`): it is inserted at most `flushIntervalMs` later. */
  firstRowAt: number;
  waiting: { resolve: () => void; reject: (error: unknown) => void }[];
}

/** One (table, format) pair: batches fill one at a time; one insert runs at a time. */
interface Lane {
  table: string;
  format: RowFormat;
  /** Full or flushed batches waiting for their insert, oldest first. */
  sealed: Batch[];
  /** The batch new rows are appended to. */
  open: Batch;
  inFlight: boolean;
  timer: NodeJS.Timeout | undefined;
  /** Buffers of settled inserts, reused so batch memory is not allocated anew each time. */
  spare: RowBuffer[];
}

/**
 * A bounded, per-table batching queue. `enqueue` copies each request's encoded rows into the
 * table's open batch and returns a promise that settles when they are committed (or their
 * insert failed), so a request is acknowledged only after its data is durable. One insert per
 * table and format runs at a time; rows arriving meanwhile form the next batch. When the queue
 * holds `maxQueueRows` rows, `enqueue` throws a 503 with Retry-After.
 */
export class BatchQueue {
  readonly #options: Required<BatchQueueOptions>;
  readonly #lanes = new Map<string, Lane>();
  #queuedRows = 0;
  #closing = false;
  #drained: (() => void) | undefined;

  constructor(options: BatchQueueOptions) {
    this.#options = { retryAfterSeconds: 1, now: Date.now, ...options };
  }

  /** Rows accepted and not yet committed. */
  get queuedRows(): number {
    return this.#queuedRows;
  }

  get isFull(): boolean {
    return this.#queuedRows >= this.#options.maxQueueRows;
  }

  /** Queues rows for several tables as one unit; resolves when all of them are committed. */
  enqueue(parts: readonly EncodedRows[]): Promise<void> {
    const nonEmpty = parts.filter((part) => part.rows > 0);
    const total = nonEmpty.reduce((sum, part) => sum + part.rows, 0);
    this.#checkCapacity(total);
    this.#queuedRows += total;
    return Promise.all(nonEmpty.map((part) => this.#add(part))).then(() => {});
  }

  #checkCapacity(total: number): void {
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
  }

  #add(part: EncodedRows): Promise<void> {
    const lane = this.#lane(part.table, part.format);
    // A batch never grows past batchRows unless a single request is larger.
    if (lane.open.rows > 0 && lane.open.rows + part.rows > this.#options.batchRows) {
      this.#seal(lane);
    }
    const batch = lane.open;
    if (batch.rows === 0) batch.firstRowAt = this.#options.now();
    batch.buffer.copy(part.body, 0, part.body.length);
    batch.rows += part.rows;
    const done = new Promise<void>((resolve, reject) => {
      batch.waiting.push({ resolve, reject });
    });
    if (batch.rows >= this.#options.batchRows) this.#seal(lane);
    this.#schedule(lane);
    return done;
  }

  #lane(table: string, format: RowFormat): Lane {
    const key = `${table}\n${format}`;
    let lane = this.#lanes.get(key);
    if (lane === undefined) {
      lane = {
        table,
        format,
        sealed: [],
        open: newBatch([]),
        inFlight: false,
        timer: undefined,
        spare: [],
      };
      this.#lanes.set(key, lane);
    }
    return lane;
  }

  #seal(lane: Lane): void {
    if (lane.open.rows === 0) return;
    lane.sealed.push(lane.open);
    lane.open = newBatch(lane.spare);
  }

  #schedule(lane: Lane): void {
    if (lane.inFlight) return;
    if (lane.sealed.length > 0 || (this.#closing && lane.open.rows > 0)) {
      this.#flush(lane);
    } else if (lane.open.rows > 0 && lane.timer === undefined) {
      // Counted from the batch's first row: rows that waited out an insert go at once.
      const due = lane.open.firstRowAt + this.#options.flushIntervalMs - this.#options.now();
      lane.timer = setTimeout(() => this.#flush(lane), Math.max(0, due));
    }
  }

  #flush(lane: Lane): void {
    if (lane.timer !== undefined) clearTimeout(lane.timer);
    lane.timer = undefined;
    if (lane.inFlight) return;
    if (lane.sealed.length === 0) this.#seal(lane);
    const batch = lane.sealed.shift();
    if (batch === undefined) return;
    lane.inFlight = true;
    const { buffer, rows } = batch;
    this.#options
      .insert(lane.table, { format: lane.format, rows, body: buffer.buf.subarray(0, buffer.pos) })
      .then(
        () => {
          for (const waiter of batch.waiting) waiter.resolve();
        },
        (cause: unknown) => {
          const error = createError(
            'TRIPWIRE_ERR_STORAGE_UNAVAILABLE',
            `storing ${rows} rows in ${lane.table} failed, nothing was acknowledged: ${(cause as Error).message}`,
            { retryAfter: this.#options.retryAfterSeconds * 5, cause },
          );
          for (const waiter of batch.waiting) waiter.reject(error);
        },
      )
      .finally(() => {
        this.#queuedRows -= rows;
        buffer.pos = 0;
        const reusable = buffer.buf.length <= MAX_SPARE_BYTES;
        if (reusable && lane.spare.length < MAX_SPARE_BUFFERS) lane.spare.push(buffer);
        lane.inFlight = false;
        this.#schedule(lane);
        if (this.#closing && this.#queuedRows === 0) this.#drained?.();
      });
  }

  /** Refuses new rows, flushes everything accepted, and resolves once all of it is settled. */
  async close(): Promise<void> {
    this.#closing = true;
    if (this.#queuedRows === 0) return;
    const drained = new Promise<void>((resolve) => {
      this.#drained = resolve;
    });
    for (const lane of this.#lanes.values()) this.#schedule(lane);
    await drained;
  }
}

/** Buffers kept per lane between inserts (each grows to a batch's size and stays that big). */
const MAX_SPARE_BUFFERS = 1;
/** A buffer grown past this by one huge request is let go rather than kept. */
const MAX_SPARE_BYTES = 64 * 1024 * 1024;

function newBatch(spare: RowBuffer[]): Batch {
  return { buffer: spare.pop() ?? new RowBuffer(1 << 16), rows: 0, firstRowAt: 0, waiting: [] };
}
