/** Per-call measurements of evaluate.bench.ts: CPU time, bytes allocated, promises created. */
import { createHook } from 'node:async_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { do_not_optimize } from 'mitata';
import type { Subject } from './evaluate-contenders.js';

const gc: () => void = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

/**
 * CPU time per call (user + system), robust to other processes competing for the cores,
 * which inflate wall-clock timings. Runs for at least 300 ms of CPU.
 */
export async function measureCpuNsPerCall(subject: Subject): Promise<number> {
  const isAsync = subject(0) instanceof Promise;
  let calls = 0;
  const start = process.cpuUsage();
  let used = 0;
  while (used < 300_000) {
    if (isAsync) for (let i = 0; i < 1000; i++) await subject(calls + i);
    else for (let i = 0; i < 100_000; i++) do_not_optimize(subject(calls + i));
    calls += isAsync ? 1000 : 100_000;
    const { user, system } = process.cpuUsage(start);
    used = user + system;
  }
  return (used * 1000) / calls;
}

/** Median heap growth per call over batches small enough to fit in the young generation. */
export async function measureHeapPerCall(subject: Subject): Promise<number> {
  const batch = 2000;
  const samples: number[] = [];
  const isAsync = subject(0) instanceof Promise;
  for (let round = 0; round < 15; round++) {
    gc();
    const before = process.memoryUsage().heapUsed;
    if (isAsync) for (let i = 0; i < batch; i++) await subject(i);
    else for (let i = 0; i < batch; i++) do_not_optimize(subject(i));
    samples.push((process.memoryUsage().heapUsed - before) / batch);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

/** Bytes allocated per call: heap growth minus that of an empty loop (the measuring itself). */
export async function measureBytesPerCall(subject: Subject): Promise<number> {
  const baseline = await measureHeapPerCall((i) => i < 0);
  return Math.max(0, (await measureHeapPerCall(subject)) - baseline);
}

export async function countPromisesPerCall(subject: Subject): Promise<number> {
  let promises = 0;
  const hook = createHook({
    init(_id, type) {
      if (type === 'PROMISE') promises++;
    },
  });
  const calls = 1000;
  const isAsync = subject(0) instanceof Promise;
  hook.enable();
  if (isAsync) for (let i = 0; i < calls; i++) await subject(i);
  else for (let i = 0; i < calls; i++) do_not_optimize(subject(i));
  hook.disable();
  return promises / calls;
}
