/**
 * The checkpoints of a metric's time series in SQL: bucket starts (unix seconds, ascending) of
 * `{bucketSeconds}`-wide buckets, as the typed parameters `buildCheckpointParams` fills.
 */
import type { SqlParams } from './metric-predicates.js';

/**
 * Index (1-based) of the checkpoint holding epoch minute `minute`: the first checkpoint at or after
 * its bucket, looked up in `{pointOfBucket}` (one entry per bucket from the first checkpoint to the
 * last); before the first: the first; past the last: the last.
 */
export const POINT_OF = (minute: string) =>
  `{pointOfBucket:Array(UInt32)}[least(greatest(intDiv(toInt64(${minute}) * 60 - {firstBucket:Int64}, {bucketSeconds:UInt32}), 0), length({pointOfBucket:Array(UInt32)}) - 1) + 1]`;

/** Every checkpoint index from `first` (SQL) to the last, one row each (`arrayJoin`). */
export const POINTS_FROM = (first: string) =>
  `arrayJoin(range(${first}, length({checkpoints:Array(Int64)}) + 1))`;

/** The start of checkpoint `point` (SQL, 1-based) as a DateTime. */
export const CHECKPOINT_START = (point: string) =>
  `toDateTime({checkpoints:Array(Int64)}[${point}], 'UTC')`;

/** Per bucket from the first checkpoint to the last, the index of the first checkpoint at or after it. */
function buildPointOfBucket(checkpoints: readonly number[], bucketSeconds: number): number[] {
  const first = checkpoints[0] ?? 0;
  const last = checkpoints.at(-1) ?? first;
  const out: number[] = [];
  let point = 0;
  for (let bucket = first; bucket <= last; bucket += bucketSeconds) {
    while ((checkpoints[point] ?? Infinity) < bucket) point += 1;
    out.push(point + 1);
  }
  return out;
}

/** The parameters `POINT_OF`, `POINTS_FROM` and `CHECKPOINT_START` read. */
export function buildCheckpointParams(input: {
  checkpoints: readonly number[];
  bucketSeconds: number;
}): SqlParams {
  return {
    bucketSeconds: input.bucketSeconds,
    checkpoints: input.checkpoints,
    firstBucket: input.checkpoints[0] ?? 0,
    pointOfBucket: buildPointOfBucket(input.checkpoints, input.bucketSeconds),
  };
}
