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

const LF = 10;
const CR = 13;
const COLON = 58;
const SPACE = 32;

/**
 * Incremental SSE parser following the WHATWG "event stream interpretation" rules: lines end in
 * CRLF, LF or CR (also split across chunks), `:` lines are comments (heartbeats), `data` lines
 * join with LF, an `id` containing NUL is ignored, a blank line dispatches. Hand-written so the
 * SDK keeps zero runtime dependencies besides `@tripwire/schema`.
 *
 * Cost is linear in the input: every character is scanned once (a line split across chunks
 * waits as pieces and is joined once, when its end arrives), and a whole line is sliced out
 * only for the field value it carries.
 */
export class SseParser {
  readonly #handlers: SseParserHandlers;
  /** Pieces of a line whose end has not arrived yet. */
  #partial: string[] = [];
  /** The previous chunk ended in CR: a leading LF in the next one belongs to that CRLF. */
  #pendingCr = false;
  #type = '';
  #data: string[] = [];
  #lastEventId = '';

  constructor(handlers: SseParserHandlers) {
    this.#handlers = handlers;
  }

  /** Feed decoded text; complete lines are processed now, a partial line waits for more. */
  push(chunk: string): void {
    let start = 0;
    if (this.#pendingCr && chunk.charCodeAt(0) === LF) start = 1;
    this.#pendingCr = false;
    const length = chunk.length;
    // Next LF and CR at or after `start`; -1 once none is left in this chunk.
    let nextLf = chunk.indexOf('\n', start);
    let nextCr = chunk.indexOf('\r', start);
    while (start < length) {
      if (nextLf !== -1 && nextLf < start) nextLf = chunk.indexOf('\n', start);
      if (nextCr !== -1 && nextCr < start) nextCr = chunk.indexOf('\r', start);
      const end = nextCr === -1 || (nextLf !== -1 && nextLf < nextCr) ? nextLf : nextCr;
      if (end === -1) {
        this.#partial.push(start === 0 ? chunk : chunk.slice(start));
        return;
      }
      this.#takeLine(chunk, start, end);
      if (chunk.charCodeAt(end) === CR) {
        // A CR at the very end may be the first half of a CRLF split across chunks.
        if (end + 1 === length) this.#pendingCr = true;
        else if (chunk.charCodeAt(end + 1) === LF) start = end + 1;
      }
      start = Math.max(start, end) + 1;
    }
  }

  /** The line is `chunk[start, end)`, preceded by any pieces kept from earlier chunks. */
  #takeLine(chunk: string, start: number, end: number): void {
    if (this.#partial.length === 0) return this.#processLine(chunk, start, end);
    this.#partial.push(chunk.slice(start, end));
    const line = this.#partial.join('');
    this.#partial = [];
    this.#processLine(line, 0, line.length);
  }

  #processLine(text: string, start: number, end: number): void {
    if (start === end) return this.#dispatch();
    if (text.charCodeAt(start) === COLON) return;
    let colon = text.indexOf(':', start);
    if (colon >= end) colon = -1;
    const field = text.slice(start, colon === -1 ? end : colon);
    let valueStart = colon === -1 ? end : colon + 1;
    if (valueStart < end && text.charCodeAt(valueStart) === SPACE) valueStart += 1;
    const value = text.slice(valueStart, end);
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
    this.#type = '';
    if (data.length === 0) return;
    this.#data = [];
    this.#handlers.onEvent({
      type: type === '' ? 'message' : type,
      data: data.length === 1 ? (data[0] ?? '') : data.join('\n'),
      lastEventId: this.#lastEventId,
    });
  }
}
