import { SDK_STREAM_HEARTBEAT_MS } from '@tripwire/schema';
import { computeBackoffDelay } from '../internal/backoff.js';
import type { ConfigSink, ConfigSource } from './config-source.js';
import type { EventStreamConnection } from './event-stream-request.js';
import { requestEventStream } from './event-stream-request.js';
import type { PollingSource } from './polling-source.js';
import { createPollingSource } from './polling-source.js';
import type { ServerSentEvent } from './sse-parser.js';
import { SseParser } from './sse-parser.js';

export interface StreamSourceOptions {
  /** Full URL of the SSE endpoint (`GET /sdk/v1/stream`). */
  readonly url: string;
  /** Full URL of the config endpoint, used for resync and the polling fallback. */
  readonly configUrl: string;
  readonly sdkKey?: string | undefined;
  /** Reconnect delay: base·2^attempt capped at max, with equal jitter (defaults 500 ms, 30 s). */
  readonly backoff?: { readonly baseMs?: number; readonly maxMs?: number };
  /** Consecutive failed connections before polling the config endpoint meanwhile (default 2). */
  readonly fallbackAfterFailures?: number;
  /** Interval of the fallback poller (default 30 s). */
  readonly fallbackPollIntervalMs?: number;
  /** Reconnect when nothing (not even a heartbeat) arrived for this long (default 3 heartbeats, 45 s). */
  readonly idleTimeoutMs?: number;
  /** Source of jitter in [0, 1) (default Math.random). */
  readonly random?: () => number;
}

/**
 * SSE stream from the service: `event: put` carries a full snapshot, `event: patch` an
 * incremental update, `id:` the config version (sent back as `Last-Event-ID` on reconnect),
 * comment lines are heartbeats. Reconnects with exponential backoff and jitter; after
 * `fallbackAfterFailures` failures it also polls the config endpoint until the stream is back.
 */
export function createStreamSource(options: StreamSourceOptions): ConfigSource {
  return new StreamSource(options);
}

class StreamSource implements ConfigSource {
  readonly origin = 'stream' as const;
  readonly #options: StreamSourceOptions;
  #closed = false;
  #stream: EventStreamConnection | undefined;
  readonly #resync: PollingSource;
  #fallback: PollingSource | undefined;
  #sink: ConfigSink | undefined;
  #failures = 0;
  #retryFloorMs = 0;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #connection: Promise<void> | undefined;

  constructor(options: StreamSourceOptions) {
    this.#options = options;
    this.#resync = createPollingSource({
      url: options.configUrl,
      sdkKey: options.sdkKey,
      mode: 'on-demand',
    });
  }

  start(sink: ConfigSink): void {
    this.#sink = sink;
    this.#resync.start(sink);
    this.#connect();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#stream?.close();
    clearTimeout(this.#reconnectTimer);
    await Promise.all([this.#connection, this.#fallback?.close(), this.#resync.close()]);
  }

  #createPoller(intervalMs: number): PollingSource {
    return createPollingSource({
      url: this.#options.configUrl,
      sdkKey: this.#options.sdkKey,
      intervalMs,
    });
  }

  #connect(): void {
    if (this.#closed) return;
    this.#connection = this.#runConnection().then(
      () => this.#onDisconnect(new Error(`stream ${this.#options.url} ended`)),
      (error: Error) => this.#onDisconnect(error),
    );
  }

  /** One connection: resolves when the server ends it (or on close), rejects when it fails. */
  #runConnection(): Promise<void> {
    let receivedAny = false;
    const parser = new SseParser({
      onEvent: (event) => this.#onEvent(event),
      onRetry: (ms) => (this.#retryFloorMs = ms),
    });
    const stream = requestEventStream({
      url: this.#options.url,
      headers: this.#headers(),
      idleTimeoutMs: this.#options.idleTimeoutMs ?? 3 * SDK_STREAM_HEARTBEAT_MS,
      onText: (text) => {
        // Healthy once bytes arrive (an event or a heartbeat): a 200 that drops at once is a failure.
        if (!receivedAny) {
          receivedAny = true;
          this.#onConnected();
        }
        parser.push(text);
      },
    });
    this.#stream = stream;
    return stream.done;
  }

  #headers(): Record<string, string> {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (this.#options.sdkKey !== undefined)
      headers.authorization = `Bearer ${this.#options.sdkKey}`;
    const version = this.#sink?.appliedVersion();
    if (version !== undefined) headers['last-event-id'] = String(version);
    return headers;
  }

  #onConnected(): void {
    this.#failures = 0;
    this.#sink?.recover('stream');
    const fallback = this.#fallback;
    this.#fallback = undefined;
    void fallback?.close();
  }

  #onEvent(event: ServerSentEvent): void {
    const sink = this.#sink;
    if (sink === undefined || (event.type !== 'put' && event.type !== 'patch')) return;
    let payload: unknown;
    try {
      payload = JSON.parse(event.data);
    } catch (cause) {
      sink.fail(new Error(`invalid JSON in '${event.type}' event: ${String(cause)}`), 'stream');
      return;
    }
    if (event.type === 'put') sink.put(payload, 'stream');
    else if (!sink.patch(payload, 'stream')) void this.#resync.pollNow();
  }

  #onDisconnect(error: Error): void {
    if (this.#closed) return;
    this.#failures += 1;
    this.#sink?.fail(error, 'stream');
    const threshold = this.#options.fallbackAfterFailures ?? 2;
    if (this.#failures >= threshold && this.#fallback === undefined && this.#sink !== undefined) {
      this.#fallback = this.#createPoller(this.#options.fallbackPollIntervalMs ?? 30_000);
      this.#fallback.start(this.#sink);
    }
    const delay = computeBackoffDelay({
      attempt: this.#failures - 1,
      baseMs: Math.max(this.#options.backoff?.baseMs ?? 500, this.#retryFloorMs),
      maxMs: this.#options.backoff?.maxMs ?? 30_000,
      random: (this.#options.random ?? Math.random)(),
    });
    this.#reconnectTimer = setTimeout(() => this.#connect(), delay);
    this.#reconnectTimer.unref();
  }
}
