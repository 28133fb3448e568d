import { COVERAGE_FULL } from '@tripwire/schema';
import type { EnvironmentState, Flag, FlagKind, Serve } from '@tripwire/schema';

/** How long flags may live and idle before they are reported. */
export interface StalePolicy {
  /** Report a flag with no exposure for this many days. */
  unusedDays: number;
  /** Report an environment serving one variant to everyone for this many days. */
  singleVariantDays: number;
  /** Maximum age by kind when the flag has no `expiresAt` (undefined = no sunset). */
  sunsetDays: Partial<Record<FlagKind, number>>;
}

/** Defaults: release flags sunset after 90 days, experiments after 60; kill switches and permissions live on. */
export const DEFAULT_STALE_POLICY: StalePolicy = {
  unusedDays: 30,
  singleVariantDays: 14,
  sunsetDays: { release: 90, experiment: 60 },
};

export type StaleReasonKind = 'not_evaluated' | 'single_variant' | 'expired' | 'past_sunset';

export interface StaleReason {
  kind: StaleReasonKind;
  detail: string;
  environment?: string;
}

export interface StaleFlag {
  key: string;
  kind: FlagKind;
  owner: string;
  ageDays: number;
  expiresAt?: string;
  lastExposureAt?: string;
  reasons: StaleReason[];
}

export interface StaleInput {
  flags: Flag[];
  /** Latest exposure per flag key (from exposure telemetry). */
  lastExposure: ReadonlyMap<string, Date>;
  /** When each flag's environment state last changed: `${key}\u0000${environment}` → time. */
  stateChangedAt: ReadonlyMap<string, Date>;
  now: Date;
  policy: StalePolicy;
}

const DAY_MS = 86_400_000;
const daysBetween = (from: Date, to: Date): number =>
  Math.floor((to.getTime() - from.getTime()) / DAY_MS);

/** The variants an environment can serve; one element means everyone gets the same variant. */
export function listServedVariants(flag: Flag, state: EnvironmentState): Set<string> {
  if (!state.enabled) return new Set([state.offVariant ?? flag.defaultVariant]);
  const served = new Set<string>();
  const add = (serve: Serve): void => {
    if ('variant' in serve) return void served.add(serve.variant);
    if (serve.rollout.coverage < COVERAGE_FULL) served.add(flag.defaultVariant);
    for (const weight of serve.rollout.weights) if (weight.weight > 0) served.add(weight.variant);
  };
  for (const rule of state.rules) add(rule.serve);
  add(state.fallthrough);
  return served;
}

/** Flags that should be cleaned up, with every reason why (pure: time and data are inputs). */
export function detectStaleFlags(input: StaleInput): StaleFlag[] {
  return input.flags
    .filter((flag) => flag.archived !== true)
    .map((flag) => describeStaleFlag(flag, input))
    .filter((flag) => flag.reasons.length > 0)
    .sort((a, b) => b.ageDays - a.ageDays || a.key.localeCompare(b.key));
}

function describeStaleFlag(flag: Flag, input: StaleInput): StaleFlag {
  const { now, policy } = input;
  const createdAt = new Date(flag.metadata.createdAt);
  const ageDays = daysBetween(createdAt, now);
  const reasons: StaleReason[] = [];
  const lastExposure = input.lastExposure.get(flag.key);
  const idleSince = lastExposure ?? createdAt;
  if (daysBetween(idleSince, now) >= policy.unusedDays) {
    reasons.push({
      kind: 'not_evaluated',
      detail:
        lastExposure === undefined
          ? `no exposure recorded since it was created ${ageDays} days ago`
          : `no exposure for ${daysBetween(lastExposure, now)} days`,
    });
  }
  for (const [environment, state] of Object.entries(flag.environments)) {
    const served = listServedVariants(flag, state);
    const changedAt = input.stateChangedAt.get(`${flag.key}\u0000${environment}`) ?? createdAt;
    const days = daysBetween(changedAt, now);
    if (served.size === 1 && days >= policy.singleVariantDays) {
      reasons.push({
        kind: 'single_variant',
        environment,
        detail: `serves "${[...served][0]}" to everyone in ${environment} for ${days} days`,
      });
    }
  }
  const expiresAt = flag.metadata.expiresAt;
  if (expiresAt !== undefined && new Date(expiresAt) <= now) {
    reasons.push({
      kind: 'expired',
      detail: `expired ${daysBetween(new Date(expiresAt), now)} days ago (${expiresAt})`,
    });
  }
  const sunset = policy.sunsetDays[flag.kind];
  if (expiresAt === undefined && sunset !== undefined && ageDays >= sunset) {
    reasons.push({
      kind: 'past_sunset',
      detail: `${flag.kind} flags sunset after ${sunset} days; this one is ${ageDays} days old`,
    });
  }
  return {
    key: flag.key,
    kind: flag.kind,
    owner: flag.metadata.owner,
    ageDays,
    ...(expiresAt === undefined ? {} : { expiresAt }),
    ...(lastExposure === undefined ? {} : { lastExposureAt: lastExposure.toISOString() }),
    reasons,
  };
}
