import { isBuiltinMetricId, type Guardrail } from '@tripwire/schema';
import { StatsError, type MetricStats } from '@tripwire/stats';
import { emptyArmStats } from '../analysis/fetch-arm-statistics.js';
import { decideDataFault, pairCovariates } from './evaluate-guardrail.js';
import type { CheckOutcome, GuardianSources, RunningRollout } from './guardian-types.js';

export interface CheckClock {
  now: () => Date;
  newId: () => string;
}

/**
 * Checks every guardrail of one rollout for every treatment against the control: one ClickHouse
 * round trip per guardrail (all variants at once; the sources may read several at once when
 * told the requests first, `prefetchFacts`), one decision per treatment. A guardrail whose
 * facts cannot be read is reported through `onError` and skipped (never a kill); facts the
 * statistics reject as impossible (`StatsError`) are reported and recorded as `invalid_data`.
 */
export async function checkRollout(
  rollout: RunningRollout,
  sources: Pick<GuardianSources, 'fetchFacts' | 'prefetchFacts' | 'decide'>,
  clock: CheckClock & { since?: Date; onError: (guardrail: Guardrail, error: unknown) => void },
): Promise<CheckOutcome[]> {
  const outcomes: CheckOutcome[] = [];
  const requests = rollout.guardrails.map((guardrail) => ({
    flagKey: rollout.flagKey,
    environment: rollout.environment,
    guardrail,
    variants: [rollout.control, ...rollout.treatments],
    // Exemplars only for a breach's kill report (fetched then), never on every check.
    exemplarLimit: 0,
    ...(clock.since === undefined ? {} : { since: clock.since }),
  }));
  await sources.prefetchFacts?.(requests);
  for (const request of requests) {
    const { guardrail } = request;
    let facts;
    try {
      facts = await sources.fetchFacts(request);
    } catch (error) {
      clock.onError(guardrail, error);
      continue;
    }
    const checkedAt = clock.now();
    const control = facts.arms.get(rollout.control);
    for (const variant of rollout.treatments) {
      const treatment = facts.arms.get(variant);
      const units = { control: control?.units ?? 0, treatment: treatment?.units ?? 0 };
      let decision;
      let detail: string | undefined;
      try {
        // An arm absent from the facts sent nothing: stats decides `no_traffic` for zero statistics.
        decision = sources.decide({
          guardrail,
          control: control ?? emptyStatsFor(guardrail),
          treatment: treatment ?? emptyStatsFor(guardrail),
          covariates: pairCovariates(facts.covariates, {
            control: rollout.control,
            treatment: variant,
          }),
        });
      } catch (error) {
        clock.onError(guardrail, error);
        if (!(error instanceof StatsError)) continue;
        // Impossible statistics are a data fault: recorded and visible, never evidence.
        decision = decideDataFault(guardrail, units);
        detail = `data fault (${error.code}): ${error.message}`;
      }
      outcomes.push({
        checkId: clock.newId(),
        checkedAt,
        rollout,
        guardrail,
        variant,
        decision,
        facts,
        ...(detail === undefined ? {} : { detail }),
      });
    }
  }
  return outcomes;
}

/** Zero statistics of a built-in metric; catalog metrics' facts carry every variant already. */
function emptyStatsFor(guardrail: Guardrail): MetricStats {
  if (isBuiltinMetricId(guardrail.metric)) return emptyArmStats(guardrail.metric);
  throw new Error(`the facts of catalog metric ${guardrail.metric} lack an arm`);
}
