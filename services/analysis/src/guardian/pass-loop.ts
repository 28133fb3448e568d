import { planNextPass, type PassTrigger } from './plan-next-pass.js';

export interface PassLoopOptions {
  intervalMs: number;
  minRecheckMs: number;
  /** One pass; must not reject (the guardian logs its own failures). */
  runPass: (trigger: PassTrigger) => Promise<unknown>;
  /** Monotonic milliseconds; default `performance.now`. */
  clock?: () => number;
}

export interface PassLoop {
  /** First regular pass `intervalMs` from now (earlier if telemetry arrives). */
  start(): void;
  /** Telemetry was committed: bring the next pass forward (see `planNextPass`). Cheap to call often. */
  notifyFreshTelemetry(): void;
  /** No new passes; resolves when the pass in flight has finished. */
  stop(): Promise<void>;
}

/** The guardian's timer: never overlapping passes, regular ones every interval, early ones on fresh telemetry. */
export function createPassLoop(options: PassLoopOptions): PassLoop {
  const clock = options.clock ?? (() => performance.now());
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let isStopped = true;
  let hasFreshTelemetry = false;
  let lastStartedAt: number | undefined;
  let lastDurationMs = 0;
  let lastIntervalStartedAt = 0;

  const schedule = (): void => {
    if (isStopped || running !== undefined) return;
    if (timer !== undefined) clearTimeout(timer);
    const { delayMs, trigger } = planNextPass({
      now: clock(),
      lastStartedAt,
      lastDurationMs,
      lastIntervalStartedAt,
      hasFreshTelemetry,
      intervalMs: options.intervalMs,
      minRecheckMs: options.minRecheckMs,
    });
    timer = setTimeout(() => {
      timer = undefined;
      run(trigger);
    }, delayMs);
    timer.unref();
  };

  const run = (trigger: PassTrigger): void => {
    const startedAt = clock();
    lastStartedAt = startedAt;
    if (trigger === 'interval') lastIntervalStartedAt = startedAt;
    // Telemetry committed before this start is visible to this pass.
    hasFreshTelemetry = false;
    running = options
      .runPass(trigger)
      .catch(() => undefined)
      .finally(() => {
        lastDurationMs = clock() - startedAt;
        running = undefined;
        schedule();
      });
  };

  return {
    start() {
      isStopped = false;
      lastIntervalStartedAt = clock();
      schedule();
    },
    notifyFreshTelemetry() {
      // Only the first notice after a pass start changes the plan; the rest are free.
      if (isStopped || hasFreshTelemetry) return;
      hasFreshTelemetry = true;
      schedule();
    },
    async stop() {
      isStopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
