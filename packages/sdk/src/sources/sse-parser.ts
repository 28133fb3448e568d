/** One dispatched Server-Sent Event (https://html.spec.whatwg.org/multipage/server-sent-events.html). */
export interface ServerSentEvent {
  /** `event:` field, `message` when absent. */
  readonly type: string;
  readonly data: string;
  /** The last event id seen on the stream so far (`id:` field), '' when none. */
  readonly lastEventId: string;
}

export interface SseParserHandlers {
  readonly onEvent: (event: ServerSentEvent) => void;
  /** Called for a valid `retry:` field (reconnection time in ms). */
  readonly onRetry?: (ms: number) => void;
}

/**
 * Incremental SSE parser following the WHATWG "event stream interpretation" rules: lines end in
 * CRLF, LF or CR (also split across chunks), `:` lines are comments (heartbeats), `data` lines
 * join with LF, an `id` containing NUL is ignored, a blank line dispatches. Hand-written (~50
 * lines) so the SDK keeps zero runtime dependencies besides `@tripwire/schema`.
 */
export class SseParser {
  readonly #handlers: SseParserHandlers;
  #buffer = '';
  #pendingCr = false;
  #type = '';
  #data: string[] = [];
  #lastEventId = '';

  constructor(handlers: SseParserHandlers) {
    this.#handlers = handlers;
  }

  /** Feed decoded text; complete lines are processed now, a partial line waits for more. */
  push(chunk: string): void {
    let text = chunk;
    if (this.#pendingCr && text.startsWith('\n')) text = text.slice(1);
    this.#pendingCr = false;
    let buffer = this.#buffer + text;
    let match = /\r\n|\n|\r/.exec(buffer);
    while (match !== null) {
      if (match[0] === '\r' && match.index === buffer.length - 1) {
        // A CR at the very end may be the first half of a CRLF split across chunks.
        this.#pendingCr = true;
      }
      this.#processLine(buffer.slice(0, match.index));
      buffer = buffer.slice(match.index + match[0].length);
      match = /\r\n|\n|\r/.exec(buffer);
    }
    this.#buffer = buffer;
  }

  #processLine(line: string): void {
    if (line === '') return this.#dispatch();
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.#type = value;
        break;
      case 'data':
        this.#data.push(value);
        break;
      case 'id':
        if (!value.includes('\u0000')) this.#lastEventId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.#handlers.onRetry?.(Number(value));
        break;
      default:
        break;
    }
  }

  #dispatch(): void {
    const data = this.#data;
    const type = this.#type;
    this.#data = [];
    this.#type = '';
    if (data.length === 0) return;
    this.#handlers.onEvent({
      type: type === '' ? 'message' : type,
      data: data.join('\n'),
      lastEventId: this.#lastEventId,
    });
  }
}
