/**
 * The OTLP receiver alone, for `ingest.bench.ts`: the service's own ingest path (HTTP, protobuf →
 * Native, the batching queue, and the remote-server insert: `@clickhouse/client` streaming each
 * batch over HTTP) with `CLICKHOUSE_URL` pointing at the stand-in the bench runs, which reads
 * every insert body and answers 200. It measures what one service process costs per span when
 * ClickHouse runs on other machines. Usage: `tsx bench/ingest-receiver.ts <clickhouseUrl> <port>`.
 */
import Fastify from 'fastify';
import { loadConfig } from '../src/config.js';
import { otlpReceiver } from '../src/ingest/otlp-receiver.js';
import { openClickHouse } from '../src/storage/clickhouse.js';

const [clickhouseUrl, port] = process.argv.slice(2);
if (clickhouseUrl === undefined || port === undefined) {
  throw new Error('usage: tsx bench/ingest-receiver.ts <clickhouseUrl> <port>');
}
const config = loadConfig([], { ...process.env, CLICKHOUSE_URL: clickhouseUrl });
const clickhouse = await openClickHouse(config.clickhouse);
const app = Fastify({ bodyLimit: config.ingest.maxBodyBytes, forceCloseConnections: 'idle' });
app.get('/healthz', () => ({ status: 'ok' }));
await app.register(otlpReceiver, {
  context: { config, clickhouse, tables: config.tables, readiness: new Map() },
});
await app.listen({ host: '127.0.0.1', port: Number(port) });
process.once('SIGTERM', () => {
  void app.close().then(() => clickhouse.close());
});
