/** What the analysis benches time with and print beside every table. */
import { loadavg } from 'node:os';

/** The load average (1, 5, 15 min) as printed with each figure. */
export const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

/** The middle value (the upper one of an even count); NaN for none. */
export const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

/** Milliseconds `work` takes. */
export async function time(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}
