import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertEncodedRows, openClickHouse } from '../../src/storage/clickhouse.js';

/**
 * The server transport of `insertEncodedRows` (CLICKHOUSE_URL), checked at the HTTP level: a
 * local endpoint records what the client sends. The rows themselves are checked against real
 * ClickHouse in `ingest-wire-rows.test.ts` (embedded) and `test/storage` (with CLICKHOUSE_URL).
 */
interface Recorded {
  method: string;
  query: string;
  body: Buffer;
}
const recorded: Recorded[] = [];
let server: Server;
let url: string;

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

beforeAll(async () => {
  server = createServer((request, response) => {
    void readBody(request).then((body) => {
      const query = new URL(request.url ?? '/', 'http://x').searchParams.get('query') ?? '';
      recorded.push({ method: request.method ?? '', query, body });
      response.writeHead(200, { 'content-type': 'text/plain' }).end('');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
});

describe('insertEncodedRows on a ClickHouse server', () => {
  it('sends the body unchanged as the data of INSERT … FORMAT with the quoted column list', async () => {
    const client = await openClickHouse({
      url,
      user: 'default',
      password: '',
      database: 'default',
      dataDir: '/nonexistent',
    });
    // Binary (a Native block may hold any byte): NUL, newline, CR, tab, 0xff.
    const body = Buffer.from([2, 0, 1, 0x0a, 0x0d, 0x09, 0xff, 0x27, 0x5c, 0]);
    await insertEncodedRows(client, {
      table: 'otel_traces',
      columns: ['Timestamp', 'Events.Name'],
      format: 'Native',
      body,
    });
    await client.close();
    const insert = recorded.find((request) => request.query.startsWith('INSERT'));
    expect(insert).toBeDefined();
    expect(insert!.method).toBe('POST');
    expect(insert!.query).toBe(
      'INSERT INTO otel_traces (`Timestamp`, `Events.Name`) SETTINGS optimize_on_insert = 0 FORMAT Native',
    );
    expect(insert!.body.equals(body)).toBe(true);
  });
});
