// Child process of propagation.bench.ts: N SSE clients against the service. Reports, over IPC,
// when all are connected and every config version each one applied, with a wall-clock time.
import { request } from 'node:http';
import { createClient } from '@tripwire/sdk';
import type { ConfigChange } from '@tripwire/sdk';

const [baseUrl, sdkKey, countText, mode] = process.argv.slice(2);
const count = Number(countText);
const wallClock = (): number => performance.timeOrigin + performance.now();
const send = (message: unknown): void => void process.send?.(message);
let applied: { client: number; version: number; at: number }[] = [];
let connected = 0;

setInterval(() => {
  if (applied.length === 0) return;
  send({ type: 'applied', items: applied });
  applied = [];
}, 2).unref();

const onApplied = (client: number, version: number): void => {
  applied.push({ client, version, at: wallClock() });
};
const onConnected = (): void => {
  connected += 1;
  if (connected === count) send({ type: 'ready' });
};

/** The real SDK client (stream source); `change` fires after the config is validated and applied. */
async function startSdkClient(index: number): Promise<void> {
  const client = createClient({
    environment: 'production',
    source: { type: 'stream', baseUrl: baseUrl! },
    sdkKey: sdkKey!,
    hashKey: 'propagation-bench-hash-key',
    logger: null,
  });
  client.on('change', (change: ConfigChange) => onApplied(index, change.version));
  await client.ready({ timeoutMs: 60_000 });
  onConnected();
}

/** A raw SSE reader: a patch counts as applied once its JSON is parsed. */
function startRawClient(index: number): void {
  const headers = { authorization: `Bearer ${sdkKey}`, accept: 'text/event-stream' };
  request(`${baseUrl}/sdk/v1/stream`, { headers, agent: false }, (response) => {
    response.setEncoding('utf8');
    let buffer = '';
    let first = true;
    response.on('data', (chunk: string) => {
      buffer += chunk;
      let end = buffer.indexOf('\n\n');
      while (end !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf('\n\n');
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (data === undefined) continue;
        const { version } = JSON.parse(data) as { version: number };
        if (first) {
          first = false;
          onConnected();
        } else onApplied(index, version);
      }
    });
  }).end();
}

for (let index = 0; index < count; index += 1) {
  if (mode === 'sdk') void startSdkClient(index);
  else startRawClient(index);
}
