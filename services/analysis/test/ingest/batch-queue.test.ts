import { describe, expect, it } from 'vitest';
import { BatchQueue, type EncodedRows, type RowBatch } from '../../src/ingest/batch-queue.js';
import { TripwireHttpError } from '../../src/errors.js';

/** An insert whose commits the test releases by hand; `rows` are the batch body's lines. */
function controlledInsert() {
  const calls: { table: string; rows: readonly string[]; commit(): void; fail(e: Error): void }[] =
    [];
  const insert = (table: string, batch: RowBatch) =>
    new Promise<void>((resolve, reject) => {
      const rows = batch.body.toString('utf8').split('\n').slice(0, -1);
      expect(rows).toHaveLength(batch.rows);
      calls.push({ table, rows, commit: resolve, fail: reject });
    });
  return { calls, insert };
}

/** One request's rows for `table`, one line each. */
function part(table: string, rows: string[]): EncodedRows {
  const body = Buffer.from(rows.map((row) => `${row}\n`).join(''));
  return { table, format: 'JSONCompactEachRow', rows: rows.length, body };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

function settled(promise: Promise<unknown>): { done: boolean; error?: unknown } {
  const state: { done: boolean; error?: unknown } = { done: false };
  promise.then(
    () => (state.done = true),
    (error: unknown) => {
      state.done = true;
      state.error = error;
    },
  );
  return state;
}

describe('BatchQueue', () => {
  it('acknowledges a request only after its insert is committed', async () => {
    const { calls, insert } = controlledInsert();
    const queue = new BatchQueue({
      insert,
      batchRows: 2,
      flushIntervalMs: 1000,
      maxQueueRows: 100,
    });
    const request = settled(queue.enqueue([part('t', ['a', 'b'])]));
    await tick();
    expect(calls).toHaveLength(1);
    expect(request.done).toBe(false);
    calls[0]!.commit();
    await tick();
    expect(request).toEqual({ done: true });
    expect(queue.queuedRows).toBe(0);
  });

  it('batches requests that arrive while an insert runs into the next insert', async () => {
    const { calls, insert } = controlledInsert();
    const queue = new BatchQueue({ insert, batchRows: 3, flushIntervalMs: 1, maxQueueRows: 100 });
    const first = settled(queue.enqueue([part('t', ['a', 'b', 'c'])]));
    const second = settled(queue.enqueue([part('t', ['d'])]));
    const third = settled(queue.enqueue([part('t', ['e'])]));
    await tick();
    expect(calls.map((call) => call.rows)).toEqual([['a', 'b', 'c']]);
    calls[0]!.commit();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(first.done).toBe(true);
    expect(calls.map((call) => call.rows)).toEqual([
      ['a', 'b', 'c'],
      ['d', 'e'],
    ]);
    expect(second.done || third.done).toBe(false);
    calls[1]!.commit();
    await tick();
    expect(second.done && third.done).toBe(true);
  });

  it.each([
    [1500, true],
    [400, false],
  ])(
    'inserts a batch flushIntervalMs (1000) after its first row: after an insert of %i ms, at once is %s',
    async (insertMs, atOnce) => {
      const { calls, insert } = controlledInsert();
      let now = 0;
      const queue = new BatchQueue({
        insert,
        batchRows: 3,
        flushIntervalMs: 1000,
        maxQueueRows: 100,
        now: () => now,
      });
      void queue.enqueue([part('t', ['a', 'b', 'c'])]);
      const waiting = settled(queue.enqueue([part('t', ['d'])])); // first row of the next batch
      await tick();
      now = insertMs;
      calls[0]!.commit();
      await tick();
      await tick();
      expect(calls.map((call) => call.rows)).toEqual(
        atOnce ? [['a', 'b', 'c'], ['d']] : [['a', 'b', 'c']],
      );
      const closed = queue.close();
      await tick();
      calls.at(-1)!.commit();
      await closed;
      expect(waiting).toEqual({ done: true });
    },
  );

  it('refuses a request past the bound with a 503 carrying Retry-After', async () => {
    const { insert } = controlledInsert();
    const queue = new BatchQueue({ insert, batchRows: 10, flushIntervalMs: 1000, maxQueueRows: 3 });
    void queue.enqueue([part('t', ['a', 'b'])]);
    let error: unknown;
    try {
      await queue.enqueue([part('t', ['c', 'd'])]);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TripwireHttpError);
    expect(error).toMatchObject({
      code: 'TRIPWIRE_ERR_OVERLOADED',
      statusCode: 503,
      retryAfter: 1,
    });
  });

  it('answers 413 for a request that could never fit the queue', () => {
    const { insert } = controlledInsert();
    const queue = new BatchQueue({ insert, batchRows: 10, flushIntervalMs: 1000, maxQueueRows: 3 });
    expect(() => queue.enqueue([part('t', ['a', 'b', 'c', 'd'])])).toThrow(
      expect.objectContaining({ code: 'TRIPWIRE_ERR_PAYLOAD_TOO_LARGE', statusCode: 413 }),
    );
  });

  it('fails every request of a failed insert with a retryable 503', async () => {
    const { calls, insert } = controlledInsert();
    const queue = new BatchQueue({ insert, batchRows: 1, flushIntervalMs: 1000, maxQueueRows: 10 });
    const request = settled(queue.enqueue([part('t', ['a'])]));
    await tick();
    calls[0]!.fail(new Error('disk full'));
    await tick();
    expect(request.error).toMatchObject({
      code: 'TRIPWIRE_ERR_STORAGE_UNAVAILABLE',
      statusCode: 503,
    });
    expect((request.error as Error).message).toMatch(/disk full/);
    expect(queue.queuedRows).toBe(0);
  });

  it('waits for every table of a multi-table request', async () => {
    const { calls, insert } = controlledInsert();
    const queue = new BatchQueue({ insert, batchRows: 1, flushIntervalMs: 1000, maxQueueRows: 10 });
    const request = settled(
      queue.enqueue([part('sum', ['a']), part('gauge', ['b']), part('empty', [])]),
    );
    await tick();
    expect(calls.map((call) => call.table).sort()).toEqual(['gauge', 'sum']);
    calls[0]!.commit();
    await tick();
    expect(request.done).toBe(false);
    calls[1]!.commit();
    await tick();
    expect(request.done).toBe(true);
  });

  it("copies a request's rows before returning, so the caller may reuse its buffer", async () => {
    const { calls, insert } = controlledInsert();
    const queue = new BatchQueue({ insert, batchRows: 10, flushIntervalMs: 1, maxQueueRows: 100 });
    const reused = Buffer.from('a\n');
    const first = settled(queue.enqueue([{ ...part('t', []), rows: 1, body: reused }]));
    reused.write('b\n');
    const second = settled(queue.enqueue([{ ...part('t', []), rows: 1, body: reused }]));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(calls.map((call) => call.rows)).toEqual([['a', 'b']]);
    calls[0]!.commit();
    await tick();
    expect(first.done && second.done).toBe(true);
  });

  it('inserts rows of one table in different formats separately', async () => {
    const { calls, insert } = controlledInsert();
    const formats: string[] = [];
    const queue = new BatchQueue({
      insert: (table, batch) => {
        formats.push(batch.format);
        return insert(table, batch);
      },
      batchRows: 1,
      flushIntervalMs: 1000,
      maxQueueRows: 10,
    });
    const request = settled(
      queue.enqueue([part('t', ['json']), { ...part('t', ['tsv']), format: 'TabSeparated' }]),
    );
    await tick();
    expect(calls.map((call) => call.rows)).toEqual([['json'], ['tsv']]);
    expect(formats).toEqual(['JSONCompactEachRow', 'TabSeparated']);
    for (const call of calls) call.commit();
    await tick();
    expect(request.done).toBe(true);
  });

  it('flushes everything accepted on close, then refuses new rows', async () => {
    const { calls, insert } = controlledInsert();
    const queue = new BatchQueue({
      insert,
      batchRows: 100,
      flushIntervalMs: 60_000,
      maxQueueRows: 1000,
    });
    const request = settled(queue.enqueue([part('t', ['a'])]));
    const closed = settled(queue.close());
    await tick();
    expect(calls).toHaveLength(1);
    expect(closed.done).toBe(false);
    calls[0]!.commit();
    await tick();
    expect(request.done && closed.done).toBe(true);
    expect(() => queue.enqueue([part('t', ['b'])])).toThrow(/shutting down/);
  });
});
