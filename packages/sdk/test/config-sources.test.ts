import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConfigSource } from '../src/sources/config-source.js';
import { createFileSource } from '../src/sources/file-source.js';
import { createPollingSource } from '../src/sources/polling-source.js';
import { createStreamSource } from '../src/sources/stream-source.js';
import { ConfigServer, formatSse } from './support/config-server.js';
import { RecordingSink } from './support/recording-sink.js';
import { waitFor } from './support/wait-for.js';

let server: ConfigServer;
let base: string;
let source: ConfigSource | undefined;

beforeEach(async () => {
  server = new ConfigServer();
  base = await server.listen();
});

afterEach(async () => {
  await source?.close();
  source = undefined;
  await server.close();
});

describe('polling source', () => {
  it('sends the SDK key and If-None-Match, and delivers only changed configs', async () => {
    server.config = { version: 1, body: { version: 1 } };
    const sink = new RecordingSink();
    const poller = createPollingSource({
      url: `${base}/sdk/v1/config`,
      sdkKey: 'sk',
      intervalMs: 10,
    });
    source = poller;
    poller.start(sink);
    await sink.until(() => sink.puts.length === 1);
    await waitFor(() => server.requests.length >= 3);
    expect(sink.puts).toHaveLength(1);
    expect(server.requests[0]?.headers.authorization).toBe('Bearer sk');
    expect(server.requests[2]?.headers['if-none-match']).toBe('"1"');
    server.config = { version: 2, body: { version: 2 } };
    await sink.until(() => sink.puts.length === 2);
    expect(sink.puts[1]).toEqual({ payload: { version: 2 }, origin: 'polling' });
  });

  it('reports an outage and recovers when the server is back', async () => {
    server.failWith = 503;
    server.config = { version: 3, body: { version: 3 } };
    const sink = new RecordingSink();
    source = createPollingSource({ url: `${base}/sdk/v1/config`, intervalMs: 10 });
    source.start(sink);
    await sink.until(() => sink.failures.length >= 2);
    expect(sink.failures[0]?.message).toContain('answered 503');
    server.failWith = undefined;
    await sink.until(() => sink.puts.length === 1);
  });

  it('reports invalid JSON with the URL', async () => {
    server.config = { version: 1, body: '{not json' };
    const sink = new RecordingSink();
    source = createPollingSource({ url: `${base}/sdk/v1/config`, intervalMs: 60_000 });
    source.start(sink);
    await sink.until(() => sink.failures.length === 1);
    expect(sink.failures[0]?.message).toMatch(
      /invalid JSON from http:\/\/127\.0\.0\.1:\d+\/sdk\/v1\/config/,
    );
  });
});

describe('stream source', () => {
  const streamOptions = () => ({
    url: `${base}/sdk/v1/stream`,
    configUrl: `${base}/sdk/v1/config`,
    sdkKey: 'sk',
    backoff: { baseMs: 5, maxMs: 20 },
    fallbackPollIntervalMs: 10,
  });

  it('delivers put and patch events and ignores heartbeats and other events', async () => {
    server.onStream((res) => {
      res.write(': ping\n\n');
      res.write(formatSse('put', { version: 4 }, 4));
      res.write(formatSse('hello', { x: 1 }));
      res.write(formatSse('patch', { version: 5 }, 5));
    });
    const sink = new RecordingSink();
    source = createStreamSource(streamOptions());
    source.start(sink);
    await sink.until(() => sink.patches.length === 1);
    expect(sink.puts).toEqual([{ payload: { version: 4 }, origin: 'stream' }]);
    expect(sink.patches).toEqual([{ payload: { version: 5 }, origin: 'stream' }]);
    expect(server.requests[0]?.headers.accept).toBe('text/event-stream');
    expect(server.requests[0]?.headers.authorization).toBe('Bearer sk');
  });

  it('reconnects after a drop and resumes from the applied version with Last-Event-ID', async () => {
    let connections = 0;
    server.onStream((res) => {
      connections += 1;
      if (connections === 1) res.write(formatSse('put', { version: 9 }, 9));
    });
    const sink = new RecordingSink();
    source = createStreamSource(streamOptions());
    source.start(sink);
    await sink.until(() => sink.puts.length === 1);
    server.dropStreams();
    await sink.until(() => sink.failures.length === 1);
    await waitFor(() => connections === 2);
    const streamRequests = server.requests.filter((r) => r.path === '/sdk/v1/stream');
    expect(streamRequests[0]?.headers['last-event-id']).toBeUndefined();
    expect(streamRequests[1]?.headers['last-event-id']).toBe('9');
  });

  it('falls back to polling while the stream keeps failing', async () => {
    server.config = { version: 2, body: { version: 2 } };
    server.onStream((res) => res.destroy());
    const sink = new RecordingSink();
    source = createStreamSource({ ...streamOptions(), fallbackAfterFailures: 2 });
    source.start(sink);
    await sink.until(() => sink.puts.length === 1);
    expect(sink.puts[0]).toEqual({ payload: { version: 2 }, origin: 'polling' });
    expect(sink.failures.length).toBeGreaterThanOrEqual(2);
  });

  it('fetches the full config when a patch cannot be applied', async () => {
    server.config = { version: 6, body: { version: 6 } };
    server.onStream((res) => res.write(formatSse('patch', { version: 6 }, 6)));
    const sink = new RecordingSink();
    sink.acceptPatches = false;
    source = createStreamSource(streamOptions());
    source.start(sink);
    await sink.until(() => sink.puts.length === 1);
    expect(sink.puts[0]).toEqual({ payload: { version: 6 }, origin: 'polling' });
  });

  it('reports a malformed event and keeps the connection', async () => {
    server.onStream((res) => {
      res.write('event: put\ndata: {oops\n\n');
      res.write(formatSse('put', { version: 1 }, 1));
    });
    const sink = new RecordingSink();
    source = createStreamSource(streamOptions());
    source.start(sink);
    await sink.until(() => sink.puts.length === 1);
    expect(sink.failures[0]?.message).toContain("invalid JSON in 'put' event");
    expect(server.openStreams).toBe(1);
  });

  it('reports a non-2xx answer with the URL and connects again', async () => {
    let connections = 0;
    server.onStream((res) => {
      connections += 1;
      res.write(formatSse('put', { version: 3 }, 3));
    });
    server.failWith = 503;
    const sink = new RecordingSink();
    source = createStreamSource(streamOptions());
    source.start(sink);
    await sink.until(() => sink.failures.length === 1);
    expect(sink.failures[0]?.message).toBe(`GET ${base}/sdk/v1/stream answered 503`);
    server.failWith = undefined;
    await sink.until(() => sink.puts.length === 1);
    expect(connections).toBe(1);
  });

  it('drops a silent connection after idleTimeoutMs and connects again', async () => {
    let connections = 0;
    server.onStream((res) => {
      connections += 1;
      if (connections === 2) res.write(formatSse('put', { version: 2 }, 2));
    });
    const sink = new RecordingSink();
    source = createStreamSource({ ...streamOptions(), idleTimeoutMs: 50 });
    source.start(sink);
    await sink.until(() => sink.puts.length === 1);
    expect(sink.failures[0]?.message).toBe(`no data from ${base}/sdk/v1/stream for 50 ms`);
    expect(connections).toBe(2);
  });

  it('reassembles UTF-8 characters split between packets', async () => {
    const text = 'café ✓ 🚀';
    const bytes = Buffer.from(formatSse('put', { version: 1, text }, 1));
    const cut = bytes.indexOf(Buffer.from('🚀')) + 2;
    server.onStream((res) => {
      res.write(bytes.subarray(0, cut));
      setTimeout(() => res.write(bytes.subarray(cut)), 20);
    });
    const sink = new RecordingSink();
    source = createStreamSource(streamOptions());
    source.start(sink);
    await sink.until(() => sink.puts.length === 1);
    expect(sink.puts[0]?.payload).toEqual({ version: 1, text });
  });

  it('fails only the connection, not the process, when the sink throws', async () => {
    let connections = 0;
    server.onStream((res) => {
      connections += 1;
      res.write(formatSse('put', { version: connections }, connections));
    });
    const sink = new RecordingSink();
    const put = sink.put.bind(sink);
    sink.put = (payload, origin) => {
      if (sink.puts.length === 0) {
        sink.puts.push({ payload: 'thrown', origin });
        throw new Error('sink exploded');
      }
      return put(payload, origin);
    };
    source = createStreamSource(streamOptions());
    source.start(sink);
    await sink.until(() => sink.puts.length === 2);
    expect(sink.failures[0]?.message).toContain('sink exploded');
    expect(sink.puts[1]?.payload).toEqual({ version: 2 });
  });

  it('reports an unsupported protocol as a source failure', async () => {
    const sink = new RecordingSink();
    source = createStreamSource({ ...streamOptions(), url: 'ftp://127.0.0.1/sdk/v1/stream' });
    source.start(sink);
    await sink.until(() => sink.failures.length === 1);
    expect(sink.failures[0]?.message).toContain("unsupported protocol 'ftp:'");
  });

  it('releases its connection on close', async () => {
    server.onStream(() => undefined);
    const sink = new RecordingSink();
    const stream = createStreamSource(streamOptions());
    stream.start(sink);
    await waitFor(() => server.openStreams === 1);
    await stream.close();
    await waitFor(() => server.openStreams === 0);
    expect(sink.failures).toEqual([]);
  });
});

describe('file source', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tripwire-file-source-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads the file, then follows in-place writes and atomic renames', async () => {
    const path = join(dir, 'flags.json');
    await writeFile(path, JSON.stringify({ version: 1 }));
    const sink = new RecordingSink();
    source = createFileSource({ path, debounceMs: 5 });
    source.start(sink);
    await sink.until(() => sink.puts.length === 1);
    await writeFile(path, JSON.stringify({ version: 2 }));
    await sink.until(() => sink.puts.length === 2);
    await writeFile(join(dir, 'next.json'), JSON.stringify({ version: 3 }));
    await rename(join(dir, 'next.json'), path);
    await sink.until(() => sink.puts.length === 3);
    expect(sink.puts.map((p) => p.payload)).toEqual([
      { version: 1 },
      { version: 2 },
      { version: 3 },
    ]);
    expect(sink.puts.every((p) => p.origin === 'file')).toBe(true);
  });

  it('reports a missing file and invalid JSON with the path', async () => {
    const path = join(dir, 'flags.json');
    const sink = new RecordingSink();
    source = createFileSource({ path, debounceMs: 5 });
    source.start(sink);
    await sink.until(() => sink.failures.length === 1);
    expect(sink.failures[0]?.message).toBe(`cannot read config file ${path}`);
    await writeFile(path, '{"version":');
    await sink.until(() => sink.failures.length === 2);
    expect(sink.failures[1]?.message).toContain(`invalid JSON in ${path}`);
  });
});
