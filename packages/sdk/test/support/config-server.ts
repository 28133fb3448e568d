import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the server saw, for assertions on headers. */
export interface SeenRequest {
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
}

/**
 * A small real HTTP server speaking the SDK delivery protocol (`/sdk/v1/config` with ETag/304,
 * `/sdk/v1/stream` as SSE) whose payloads and failures the test controls.
 */
export class ConfigServer {
  readonly requests: SeenRequest[] = [];
  /** Body served by /sdk/v1/config (JSON-encoded unless a string); ETag = `"<version>"`. */
  config: { version: number; body: unknown } | undefined;
  /** Status forced on the next requests to either endpoint, e.g. 503 for an outage. */
  failWith: number | undefined;
  readonly #streams = new Set<ServerResponse>();
  readonly #server: Server;
  #onStream: ((res: ServerResponse, req: IncomingMessage) => void) | undefined;

  constructor() {
    this.#server = createServer((req, res) => this.#handle(req, res));
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    const { port } = this.#server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** Called for each new stream connection (after the SSE headers were sent). */
  onStream(handler: (res: ServerResponse, req: IncomingMessage) => void): void {
    this.#onStream = handler;
  }

  /** Writes raw SSE text to every open stream. */
  broadcast(text: string): void {
    for (const res of this.#streams) res.write(text);
  }

  get openStreams(): number {
    return this.#streams.size;
  }

  /** Ends every open stream from the server side (a dropped connection). */
  dropStreams(): void {
    for (const res of this.#streams) res.destroy();
    this.#streams.clear();
  }

  async close(): Promise<void> {
    this.dropStreams();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '').split('?')[0] ?? '';
    this.requests.push({ path, headers: req.headers });
    if (this.failWith !== undefined) {
      res.writeHead(this.failWith).end('unavailable');
      return;
    }
    if (path === '/sdk/v1/config') return this.#serveConfig(req, res);
    if (path === '/sdk/v1/stream') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.flushHeaders();
      this.#streams.add(res);
      res.on('close', () => this.#streams.delete(res));
      this.#onStream?.(res, req);
      return;
    }
    res.writeHead(404).end();
  }

  #serveConfig(req: IncomingMessage, res: ServerResponse): void {
    if (this.config === undefined) {
      res.writeHead(404).end();
      return;
    }
    const etag = `"${this.config.version}"`;
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag }).end();
      return;
    }
    const { body } = this.config;
    res.writeHead(200, { 'content-type': 'application/json', etag });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  }
}

/** Formats one SSE event. */
export function formatSse(event: string, data: unknown, id?: number): string {
  const idLine = id === undefined ? '' : `id: ${id}\n`;
  return `event: ${event}\n${idLine}data: ${JSON.stringify(data)}\n\n`;
}
