import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { createAlertDispatcher } from '../alerts/alert-dispatcher.js';
import { startMetricValuesRecorder } from '../analysis/record-metric-values.js';
import { createDeliveryRepository } from '../alerts/delivery-repository.js';
import type { AlertDispatcher } from '../alerts/alert-dispatcher.js';
import type { DeliveryRepository } from '../alerts/delivery-repository.js';
import type { ContextPluginOptions } from '../context.js';
import { guardrailRoutes } from '../routes/guardrails.js';
import { killReportRoutes } from '../routes/kill-reports.js';
import { rampRoutes } from '../routes/ramps.js';
import { createDecisionRepository, type DecisionRepository } from './decision-repository.js';
import { createGuardian, type Guardian } from './guardian.js';
import type { GuardianFlags } from './guardian-types.js';
import { createGuardianMetrics } from './guardian-metrics.js';
import { createGuardianSources } from './guardian-sources.js';
import { createRampController, type RampController } from './ramp-controller.js';
import { createRampRepository, type RampRepository } from './ramp-repository.js';
import { watchCommittedTelemetry } from '../ingest/watch-committed-telemetry.js';
import { watchRestoredKills } from './watch-restored-kills.js';

/** What the guardian's routes read and drive. */
export interface GuardianHandles {
  guardian: Guardian;
  flags: GuardianFlags;
  decisions: DecisionRepository;
  deliveries: DeliveryRepository;
  ramps: RampRepository;
  rampController: RampController;
  alerts: AlertDispatcher;
}

export interface GuardianRouteOptions extends ContextPluginOptions {
  guardian: GuardianHandles;
}

export interface GuardianPluginOptions extends ContextPluginOptions {
  /**
   * The OTLP receiver's app: each committed traces/logs request brings the next pass forward
   * (at most one per second; the interval stays the upper bound). Without it: interval only.
   */
  telemetry?: FastifyInstance;
}

/**
 * Runs the guardian on the writer (a reader replica cannot kill): starts checking when the API
 * is ready (and the catalog metric values recorder, `--metric-values`), re-checks early when telemetry is committed, resolves the alerts of restored kills,
 * stops (waiting for the pass in flight and alert deliveries) when it closes. Also registers the
 * guardrail, kill-report and ramp routes.
 */
export const guardianPlugin: FastifyPluginAsync<GuardianPluginOptions> = async (
  app,
  { context, telemetry },
) => {
  const sources = createGuardianSources(context);
  const decisions = createDecisionRepository(context.clickhouse, context.tables);
  const deliveries = createDeliveryRepository(context.clickhouse, context.tables);
  const ramps = createRampRepository(context.clickhouse, context.tables);
  const rampController = createRampController(sources.flags, ramps);
  const alerts = createAlertDispatcher({
    config: context.config.alerts,
    deliveries,
    log: context.log,
  });
  const guardian = createGuardian({
    sources,
    decisions,
    alerts,
    metrics: createGuardianMetrics(),
    log: context.log.child({ component: 'guardian' }),
    publicUrl: context.config.publicUrl,
    intervalMs: context.config.guardianIntervalSeconds * 1000,
    minRecheckMs: context.config.guardianRecheckMs,
    ramps: rampController,
  });
  const handles: GuardianHandles = {
    guardian,
    flags: sources.flags,
    decisions,
    deliveries,
    ramps,
    rampController,
    alerts,
  };
  await app.register(guardrailRoutes, { context, guardian: handles });
  await app.register(killReportRoutes, { context, guardian: handles });
  await app.register(rampRoutes, { context, guardian: handles });
  if (context.flags.isWriter) {
    let stopWatchingKills = (): void => {};
    let recorder: { stop(): Promise<void> } | undefined;
    app.addHook('onReady', async () => {
      guardian.start();
      const intervalSeconds = context.config.metricValuesIntervalSeconds;
      if (intervalSeconds > 0)
        recorder = startMetricValuesRecorder({
          context,
          intervalMs: intervalSeconds * 1000,
          log: context.log.child({ component: 'metric-values' }),
        });
      stopWatchingKills = watchRestoredKills({
        store: context.flags,
        decisions,
        alerts,
        publicUrl: context.config.publicUrl,
        log: context.log.child({ component: 'guardian' }),
      });
    });
    app.addHook('onClose', async () => {
      stopWatchingKills();
      await recorder?.stop();
    });
    if (telemetry !== undefined) {
      watchCommittedTelemetry(telemetry, () => guardian.notifyFreshTelemetry());
    }
  }
  app.addHook('onClose', async () => guardian.stop());
};
