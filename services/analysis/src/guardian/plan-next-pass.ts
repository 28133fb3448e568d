/**
 * Why a guardian pass runs: `interval` = the regular check (at most `intervalMs` after the
 * previous one), `telemetry` = fresh telemetry was committed and the early re-check is due.
 */
export type PassTrigger = 'interval' | 'telemetry';

export interface PassTiming {
  /** Clock of the shell (ms, monotonic). */
  now: number;
  /** Start of the latest pass of either kind; undefined before the first. */
  lastStartedAt: number | undefined;
  /** How long the latest pass took (0 before the first). */
  lastDurationMs: number;
  /** Start of the latest `interval` pass (or of the loop, before the first). */
  lastIntervalStartedAt: number;
  /** Telemetry was committed since the latest pass started. */
  hasFreshTelemetry: boolean;
  intervalMs: number;
  /** Shortest time between the starts of two passes when the second is an early re-check. */
  minRecheckMs: number;
}

/**
 * Early re-checks wait at least this many times the latest pass's duration, so they keep the
 * guardian busy at most a quarter of the time however slow ClickHouse gets.
 */
export const RECHECK_DURATION_FACTOR = 4;

/**
 * When the next pass starts and why (pure). The interval is the upper bound between regular
 * passes whatever the telemetry does; fresh telemetry brings a pass forward to
 * `max(minRecheckMs, 4 × last duration)` after the latest start. Looking more often is safe:
 * the guardian's always-valid tests hold their error rate over any number of looks.
 */
export function planNextPass(timing: PassTiming): { delayMs: number; trigger: PassTrigger } {
  const intervalDue = timing.lastIntervalStartedAt + timing.intervalMs;
  const gap = Math.max(timing.minRecheckMs, RECHECK_DURATION_FACTOR * timing.lastDurationMs);
  const earlyDue = !timing.hasFreshTelemetry
    ? Infinity
    : timing.lastStartedAt === undefined
      ? timing.now
      : timing.lastStartedAt + gap;
  if (earlyDue < intervalDue) {
    return { delayMs: Math.max(0, earlyDue - timing.now), trigger: 'telemetry' };
  }
  return { delayMs: Math.max(0, intervalDue - timing.now), trigger: 'interval' };
}
