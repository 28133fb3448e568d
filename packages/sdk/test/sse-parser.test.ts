import { describe, expect, it } from 'vitest';
import type { ServerSentEvent } from '../src/sources/sse-parser.js';
import { SseParser } from '../src/sources/sse-parser.js';

function parse(chunks: string[]): { events: ServerSentEvent[]; retries: number[] } {
  const events: ServerSentEvent[] = [];
  const retries: number[] = [];
  const parser = new SseParser({
    onEvent: (e) => events.push(e),
    onRetry: (ms) => retries.push(ms),
  });
  for (const chunk of chunks) parser.push(chunk);
  return { events, retries };
}

describe('SseParser', () => {
  it('dispatches typed events with their id on a blank line', () => {
    const { events } = parse(['event: put\nid: 7\ndata: {"a":1}\n\n']);
    expect(events).toEqual([{ type: 'put', data: '{"a":1}', lastEventId: '7' }]);
  });

  it('joins multi-line data with LF and defaults the type to message', () => {
    const { events } = parse(['data: one\ndata:two\n\n']);
    expect(events).toEqual([{ type: 'message', data: 'one\ntwo', lastEventId: '' }]);
  });

  it('ignores comment lines (heartbeats) and events without data', () => {
    const { events } = parse([': heartbeat\n\n', 'event: put\n\n', ':hb\ndata: x\n\n']);
    expect(events.map((e) => e.data)).toEqual(['x']);
  });

  it('handles CRLF, CR and lines split across chunks, including a split CRLF', () => {
    const { events } = parse(['event: pa', 'tch\r', '\ndata: 1\r\rdata: 2\r\n', '\r\n']);
    expect(events).toEqual([
      { type: 'patch', data: '1', lastEventId: '' },
      { type: 'message', data: '2', lastEventId: '' },
    ]);
  });

  it('keeps the last id across events and ignores an id containing NUL', () => {
    const { events } = parse(['id: 3\ndata: a\n\nid: 4\u0000\ndata: b\n\n']);
    expect(events.map((e) => e.lastEventId)).toEqual(['3', '3']);
  });

  it('reports numeric retry fields only', () => {
    const { retries } = parse(['retry: 1500\nretry: soon\n\n']);
    expect(retries).toEqual([1500]);
  });
});
