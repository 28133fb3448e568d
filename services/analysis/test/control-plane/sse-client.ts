/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-explicit-any -- JSON response bodies are checked by the assertions that read them */
import { request } from 'node:http';

export interface ReceivedEvent {
  type: string;
  id: string;
  data: any;
}

/** A minimal raw SSE reader for tests: collects events, resolves waiters by predicate. */
export class TestStream {
  readonly events: ReceivedEvent[] = [];
  #waiters: {
    predicate: (event: ReceivedEvent) => boolean;
    resolve: (e: ReceivedEvent) => void;
  }[] = [];
  #close: () => void = () => undefined;
  comments = 0;
  status = 0;

  static async open(url: string, token: string, lastEventId?: string): Promise<TestStream> {
    const stream = new TestStream();
    await new Promise<void>((resolve, reject) => {
      const headers: Record<string, string> = {
        authorization: `Bearer ${token}`,
        accept: 'text/event-stream',
      };
      if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
      const req = request(url, { headers }, (res) => {
        stream.status = res.statusCode ?? 0;
        res.setEncoding('utf8');
        let buffer = '';
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let end = buffer.indexOf('\n\n');
          while (end !== -1) {
            stream.#onBlock(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
            end = buffer.indexOf('\n\n');
          }
        });
        res.on('error', () => undefined);
        resolve();
      });
      req.on('error', reject);
      req.end();
      stream.#close = () => req.destroy();
    });
    return stream;
  }

  #onBlock(block: string): void {
    let type = 'message';
    let id = '';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) this.comments += 1;
      else if (line.startsWith('event: ')) type = line.slice(7);
      else if (line.startsWith('id: ')) id = line.slice(4);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (data.length === 0) return;
    const event = { type, id, data: JSON.parse(data.join('\n')) };
    this.events.push(event);
    this.#waiters = this.#waiters.filter((waiter) => {
      if (!waiter.predicate(event)) return true;
      waiter.resolve(event);
      return false;
    });
  }

  next(predicate: (event: ReceivedEvent) => boolean): Promise<ReceivedEvent> {
    const found = this.events.find(predicate);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve) => this.#waiters.push({ predicate, resolve }));
  }

  close(): void {
    this.#close();
  }
}
