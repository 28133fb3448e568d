import type { ConfigOrigin, ConfigSink, ConfigSource } from './config-source.js';
import { readJson } from './config-source.js';

export interface PollingSourceOptions {
  /** Full URL of the config endpoint (`GET /sdk/v1/config`). */
  readonly url: string;
  readonly sdkKey?: string | undefined;
  /** Time between polls (default 30 s). */
  readonly intervalMs?: number;
  /** Per-request timeout (default 10 s). */
  readonly timeoutMs?: number;
  /** Reported as the origin of configs this source delivers (the stream's fallback says 'stream'). */
  readonly origin?: ConfigOrigin;
  /** 'on-demand' fetches only when `pollNow()` is called (the stream's resync). Default 'interval'. */
  readonly mode?: 'interval' | 'on-demand';
}

/** A poller that can also be asked for one immediate fetch (the stream's resync). */
export interface PollingSource extends ConfigSource {
  /** Fetches now; resolves when the response was handled. */
  pollNow(): Promise<void>;
}

/** HTTP polling with ETag / If-None-Match: an unchanged config costs a 304 and no parsing. */
export function createPollingSource(options: PollingSourceOptions): PollingSource {
  const intervalMs = options.intervalMs ?? 30_000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const origin = options.origin ?? 'polling';
  const controller = new AbortController();
  let etag: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let sink: ConfigSink | undefined;
  let inFlight: Promise<void> | undefined;

  const fetchOnce = async (): Promise<void> => {
    if (sink === undefined || controller.signal.aborted) return;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.sdkKey !== undefined) headers.authorization = `Bearer ${options.sdkKey}`;
    if (etag !== undefined) headers['if-none-match'] = etag;
    try {
      const signal = AbortSignal.any([controller.signal, AbortSignal.timeout(timeoutMs)]);
      const response = await fetch(options.url, { headers, signal });
      if (response.status === 304) {
        sink.recover(origin);
        return void (await response.body?.cancel());
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new Error(`GET ${options.url} answered ${response.status}`);
      }
      const payload = await readJson(response, options.url);
      // Kept even when the client rejects the payload: the same ETag means the same bad config.
      etag = response.headers.get('etag') ?? undefined;
      sink.recover(origin);
      sink.put(payload, origin);
    } catch (error) {
      if (!controller.signal.aborted) sink.fail(error as Error, origin);
    }
  };

  const pollNow = (): Promise<void> => {
    inFlight ??= fetchOnce().finally(() => (inFlight = undefined));
    return inFlight;
  };

  const schedule = (): void => {
    if (controller.signal.aborted) return;
    timer = setTimeout(() => void pollNow().then(schedule), intervalMs);
    timer.unref();
  };

  return {
    origin,
    pollNow,
    start(target) {
      sink = target;
      if (options.mode !== 'on-demand') void pollNow().then(schedule);
    },
    async close() {
      controller.abort();
      clearTimeout(timer);
      await inFlight;
    },
  };
}
