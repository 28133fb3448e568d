import type { ClientRequest, RequestOptions } from 'node:http';
import { request as requestHttp } from 'node:http';
import { request as requestHttps } from 'node:https';

export interface EventStreamRequestOptions {
  /** `http:` or `https:` URL of the event stream. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The connection fails when no byte arrives for this long (connecting included). */
  readonly idleTimeoutMs: number;
  /** Decoded body text in arrival order (UTF-8 sequences split across packets are joined). */
  readonly onText: (text: string) => void;
}

/** One open stream request. */
export interface EventStreamConnection {
  /**
   * Settles once the connection is over: resolves when the server ends the body or `close()`
   * was called; rejects with an error naming the URL on a non-2xx status, a network error, a
   * connection dropped mid-body, or `idleTimeoutMs` of silence.
   */
  readonly done: Promise<void>;
  /** Tears the connection down; `done` resolves. Idempotent. */
  close(): void;
}

/**
 * Opens a long-lived `GET` on `node:http`/`node:https` and hands over its body as text. The
 * stream source uses this instead of `fetch`: one `'data'` event per packet and an idle timer
 * kept by the socket cost a fraction of undici's web stream per chunk, which is what adds up
 * when one process holds many streams (see the propagation bench).
 */
export function requestEventStream(options: EventStreamRequestOptions): EventStreamConnection {
  const { url } = options;
  let closing = false;
  let request: ClientRequest | undefined;
  const done = new Promise<void>((resolve, reject) => {
    let settled = false;
    const settle = (error?: Error): void => {
      if (settled) return;
      settled = true;
      if (error === undefined || closing) resolve();
      else reject(error);
    };
    try {
      request = sendRequest(url, { headers: options.headers, agent: false });
    } catch (cause) {
      settle(new Error(`GET ${url} failed: ${(cause as Error).message}`, { cause }));
      return;
    }
    request.setTimeout(options.idleTimeoutMs, () =>
      request?.destroy(new Error(`no data from ${url} for ${options.idleTimeoutMs} ms`)),
    );
    request.on('error', (error) => settle(describeError(url, error)));
    request.on('close', () => settle(new Error(`connection to ${url} dropped`)));
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      if (status < 200 || status > 299) {
        settle(new Error(`GET ${url} answered ${status}`));
        response.resume();
        request?.destroy();
        return;
      }
      response.setEncoding('utf8');
      response.on('data', (text: string) => {
        try {
          options.onText(text);
        } catch (error) {
          // A throwing consumer fails this connection (and is retried), never the host process.
          request?.destroy(error as Error);
        }
      });
      response.on('end', () => settle());
      response.on('error', (error) => settle(describeError(url, error)));
    });
    request.end();
  });
  return {
    done,
    close() {
      closing = true;
      request?.destroy();
    },
  };
}

function sendRequest(url: string, options: RequestOptions): ClientRequest {
  const protocol = new URL(url).protocol;
  if (protocol === 'http:') return requestHttp(url, options);
  if (protocol === 'https:') return requestHttps(url, options);
  throw new Error(`unsupported protocol '${protocol}' (http: or https: only)`);
}

function describeError(url: string, error: Error): Error {
  return error.message.includes(url) ? error : new Error(`GET ${url} failed: ${error.message}`);
}
