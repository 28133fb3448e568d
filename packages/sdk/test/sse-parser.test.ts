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

  it('gives the same events however the stream is cut into chunks', () => {
    const stream =
      'retry: 10\r\n: ping\n\nevent: put\r\nid: 1\r\ndata: {"a":"é✓"}\r\n\r\n' +
      'event: patch\rid: 2\rdata: x\rdata:\r\rdata: tail\n\n';
    const whole = parse([stream]);
    expect(whole.events).toEqual([
      { type: 'put', data: '{"a":"é✓"}', lastEventId: '1' },
      { type: 'patch', data: 'x\n', lastEventId: '2' },
      { type: 'message', data: 'tail', lastEventId: '2' },
    ]);
    for (let size = 1; size <= 7; size += 1) {
      const chunks: string[] = [];
      for (let at = 0; at < stream.length; at += size) chunks.push(stream.slice(at, at + size));
      expect(parse(chunks), `chunks of ${size}`).toEqual(whole);
    }
    for (let cut = 1; cut < stream.length; cut += 1) {
      expect(parse([stream.slice(0, cut), stream.slice(cut)]), `cut at ${cut}`).toEqual(whole);
    }
  });

  it('joins a long line that arrives in many pieces', () => {
    const data = 'x'.repeat(10_000);
    const text = `event: put\ndata: ${data}\n\n`;
    const chunks = text.match(/[^]{1,97}/g) ?? [];
    expect(parse(chunks).events).toEqual([{ type: 'put', data, lastEventId: '' }]);
  });
});
