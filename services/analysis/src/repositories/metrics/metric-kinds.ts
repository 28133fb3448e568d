import type { MetricKind } from '@tripwire/schema';
import { countKind } from './kinds/count.js';
import { meanKind } from './kinds/mean.js';
import { proportionKind } from './kinds/proportion.js';
import { quantileKind } from './kinds/quantile.js';
import { ratioKind } from './kinds/ratio.js';
import type { MetricKindModule } from './metric-kind.js';

/**
 * Every statistic kind's module, the one place kinds are looked up. A new kind: its name in
 * `MetricKinds` (@tripwire/schema `metric.ts`), its module in `kinds/`, its line here, its test.
 */
export const METRIC_KIND_MODULES: Readonly<Record<MetricKind, MetricKindModule>> = {
  proportion: proportionKind,
  mean: meanKind,
  ratio: ratioKind,
  quantile: quantileKind,
  count: countKind,
};
