/** Where the applied config came from; `ready()` reports it. */
export type ConfigOrigin = 'static' | 'bootstrap' | 'file' | 'polling' | 'stream';

/**
 * What a source hands to the client. Payloads are unvalidated JSON: the client validates them
 * with the schema's validator and keeps the last known good config when one is rejected.
 */
export interface ConfigSink {
  /** A full config snapshot. Returns whether it was applied. */
  put(payload: unknown, origin: ConfigOrigin): boolean;
  /** An incremental update. Returns false when it cannot be applied (the source resyncs). */
  patch(payload: unknown, origin: ConfigOrigin): boolean;
  /** A transient failure (network, parse); the client reports it and keeps its config. */
  fail(error: Error, origin: ConfigOrigin): void;
  /** The source reached its server again (a 200/304, or bytes on the stream) after failing. */
  recover(origin: ConfigOrigin): void;
  /** Version of the applied config, if any (the stream resumes from it with `Last-Event-ID`). */
  appliedVersion(): number | undefined;
}

export interface ConfigSource {
  readonly origin: ConfigOrigin;
  start(sink: ConfigSink): void;
  /** Releases timers, sockets and watchers; resolves once they are released. */
  close(): Promise<void>;
}

/** Reads a response body as JSON, naming the URL in the error. */
export async function readJson(response: Response, url: string): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new Error(`invalid JSON from ${url}: ${(cause as Error).message}`, { cause });
  }
}
