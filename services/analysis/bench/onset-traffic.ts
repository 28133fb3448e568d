// Child process of onset-to-kill.bench.ts: the instrumented "service". One SDK client assigns
// units inside server spans at a fixed rate (OTel SDK → OTLP/HTTP protobuf to the analysis
// service); K more SDK clients only watch. Messages from the parent: {type:'start', flagKey},
// {type:'regress'} (treatment error rate doubles from now), {type:'stop'}. Reports, over IPC,
// when the first export holding a span started after the onset was acknowledged (committed:
// the receiver answers only after ClickHouse committed it) and the wall-clock time at which
// each client first serves the control to a treated probe unit.
// Exporter: BatchSpanProcessor with scheduledDelayMillis = EXPORT_DELAY_MS (argv, default 1000,
// a common production setting; the SDK's own default is 5000) and the SDK's default batch
// (512 spans) and queue (2048) sizes.
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  context,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type ContextManager,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { createClient, TripwireSpanProcessor, type TripwireClient } from '@tripwire/sdk';

const [apiUrl, otlpUrl, sdkKey, rateText, watchersText, exportDelayText] = process.argv.slice(2);
const RATE = Number(rateText);
const USERS = 5000;
const BASE_ERROR_RATE = 0.05;
const wallClock = (): number => performance.timeOrigin + performance.now();
const send = (message: unknown): void => void process.send?.(message);

/** The OTel API needs a context manager for active spans; AsyncLocalStorage is Node's own. */
class StorageContextManager implements ContextManager {
  readonly #storage = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.#storage.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.#storage.run(ctx, () => fn.call(thisArg, ...args));
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.#storage.disable();
    return this;
  }
}

/** Wall-clock ms of the onset (0 = none yet) and when its first span was acknowledged. */
let onsetAt = 0;
let committedAt = 0;

/** The real OTLP exporter, noting when the first batch holding a post-onset span is committed. */
function watchCommits(exporter: SpanExporter): SpanExporter {
  return {
    export(spans: ReadableSpan[], done) {
      const onset = onsetAt;
      const hasNew =
        onset > 0 &&
        spans.some((span) => span.startTime[0] * 1000 + span.startTime[1] / 1e6 >= onset);
      exporter.export(spans, (result) => {
        // The OTLP exporter reports every failure with an `error`; none = the 200 arrived.
        if (hasNew && result.error === undefined && committedAt === 0 && onsetAt === onset) {
          committedAt = wallClock();
          send({ type: 'committed', at: committedAt });
        }
        done(result);
      });
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
}

context.setGlobalContextManager(new StorageContextManager());
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'onset-bench-shop' }),
  spanProcessors: [
    new TripwireSpanProcessor(),
    new BatchSpanProcessor(watchCommits(new OTLPTraceExporter({ url: `${otlpUrl}/v1/traces` })), {
      scheduledDelayMillis: Number(exportDelayText ?? 1000),
    }),
  ],
});
trace.setGlobalTracerProvider(provider);
const tracer = trace.getTracer('onset-bench');

const makeClient = (): TripwireClient =>
  createClient({
    environment: 'production',
    source: { type: 'stream', baseUrl: apiUrl! },
    sdkKey: sdkKey!,
    hashKey: 'onset-bench-hash-key-0123',
    logger: null,
  });
const clients = [makeClient(), ...Array.from({ length: Number(watchersText) }, makeClient)];
await Promise.all(clients.map((client) => client.ready({ timeoutMs: 60_000 })));

let flagKey = '';
let regressed = false;
let sent = 0;
let started = 0;
let probe = '';
let servedControl = new Map<number, number>();

function serveOne(): void {
  const user = `user-${Math.floor(Math.random() * USERS)}`;
  const start = Date.now();
  tracer.startActiveSpan('GET /checkout', { kind: SpanKind.SERVER, startTime: start }, (span) => {
    const result = clients[0]!.assign(flagKey, { targetingKey: user }, false);
    const isTreatment = result.variant === 'on';
    const errorRate = BASE_ERROR_RATE * (regressed && isTreatment ? 2 : 1);
    if (Math.random() < errorRate) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end(start + 20 - Math.log(1 - Math.random()) * 20);
  });
}

/** A unit the flag treats: every client must serve it the control after the kill. */
function findProbe(): string {
  for (let i = 0; ; i++) {
    const result = clients[0]!.assign(flagKey, { targetingKey: `probe-${i}` }, false);
    if (result.variant === 'on') return `probe-${i}`;
  }
}

setInterval(() => {
  if (flagKey === '') return;
  const due = Math.floor(((performance.now() - started) / 1000) * RATE);
  while (sent < due) {
    sent++;
    serveOne();
  }
  if (!regressed) return;
  clients.forEach((client, index) => {
    if (servedControl.has(index)) return;
    if (client.assign(flagKey, { targetingKey: probe }, false).variant === 'off') {
      servedControl.set(index, wallClock());
      if (servedControl.size === clients.length) {
        send({ type: 'killed', at: [...servedControl.values()] });
      }
    }
  });
}, 5);

/** Waits until every client has the new flag, then starts sending its traffic. */
async function startRun(key: string): Promise<void> {
  while (clients.some((client) => client.getFlagInfo(key) === undefined)) {
    await new Promise((done) => setTimeout(done, 20));
  }
  regressed = false;
  onsetAt = 0;
  committedAt = 0;
  servedControl = new Map();
  sent = 0;
  started = performance.now();
  flagKey = key;
  probe = findProbe();
  send({ type: 'started' });
}

process.on('message', (message: { type: string; flagKey?: string }) => {
  if (message.type === 'start') {
    void startRun(message.flagKey!);
  } else if (message.type === 'regress') {
    regressed = true;
    onsetAt = wallClock();
    send({ type: 'regressed', at: onsetAt });
  } else if (message.type === 'stop') {
    flagKey = '';
    send({ type: 'stopped', sent });
  } else if (message.type === 'exit') {
    void Promise.all(clients.map((client) => client.close()))
      .then(() => provider.shutdown())
      .catch(() => undefined)
      .then(() => process.exit(0));
  }
});
send({ type: 'ready' });
