import { randomUUID } from 'node:crypto';
import type { AlertsConfig } from '../config.js';
import type { AlertNotice } from './alert-notice.js';
import {
  buildAlertmanagerAlerts,
  buildGrafanaAnnotation,
  buildWebhookPayload,
} from './alert-payloads.js';
import type { AlertTarget, DeliveryRecord, DeliveryRepository } from './delivery-repository.js';

export interface AlertDispatcherOptions {
  config: AlertsConfig;
  deliveries: DeliveryRepository;
  log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** Injected for tests; default global fetch and setTimeout-based sleep, `Math.random` jitter. */
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => Date;
}

export interface AlertDispatcher {
  /** Sends the notice to every configured target, retrying each independently; never throws. */
  dispatch(notice: AlertNotice): Promise<void>;
  /** Resolves when every dispatch started so far has finished (used on shutdown and in tests). */
  drain(): Promise<void>;
  /** The configured targets, in order. */
  targets(): AlertTarget[];
}

interface TargetRequest {
  target: AlertTarget;
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

const REQUEST_TIMEOUT_MS = 5_000;

export function createAlertDispatcher(options: AlertDispatcherOptions): AlertDispatcher {
  const { config, deliveries, log } = options;
  const doFetch = options.fetch ?? fetch;
  const sleep =
    options.sleep ?? ((ms: number) => new Promise<void>((done) => setTimeout(done, ms)));
  const random = options.random ?? Math.random;
  const now = options.now ?? (() => new Date());
  const pending = new Set<Promise<void>>();

  const requestsFor = (notice: AlertNotice): TargetRequest[] => {
    const requests: TargetRequest[] = [];
    const json = { 'content-type': 'application/json' };
    if (config.alertmanagerUrl) {
      requests.push({
        target: 'alertmanager',
        url: joinUrl(config.alertmanagerUrl, '/api/v2/alerts'),
        headers: json,
        body: buildAlertmanagerAlerts(notice),
      });
    }
    if (config.webhookUrl) {
      requests.push({
        target: 'webhook',
        url: config.webhookUrl,
        headers: json,
        body: buildWebhookPayload(notice),
      });
    }
    if (config.grafanaUrl) {
      requests.push({
        target: 'grafana',
        url: joinUrl(config.grafanaUrl, '/api/annotations'),
        headers: config.grafanaToken
          ? { ...json, authorization: `Bearer ${config.grafanaToken}` }
          : json,
        body: buildGrafanaAnnotation(notice),
      });
    }
    return requests;
  };

  const deliver = async (notice: AlertNotice, request: TargetRequest): Promise<void> => {
    const payload = JSON.stringify(request.body);
    for (let attempt = 1; attempt <= config.maxAttempts; attempt++) {
      const { status, error } = await send(doFetch, request, payload);
      const ok = status >= 200 && status < 300;
      const retryable = !ok && (status === 0 || status === 429 || status >= 500);
      const last = attempt === config.maxAttempts;
      const outcome = ok ? 'delivered' : retryable && !last ? 'retrying' : 'failed';
      const record: DeliveryRecord = {
        deliveryId: randomUUID(),
        alertId: notice.alertId,
        breachId: notice.breachId,
        flagKey: notice.flagKey,
        environment: notice.environment,
        target: request.target,
        url: request.url,
        attempt,
        attemptedAt: now().toISOString(),
        outcome,
        status,
        error,
        payload,
      };
      await deliveries.insert(record).catch((err: unknown) => {
        log.error({ err }, 'recording an alert delivery failed');
      });
      if (outcome !== 'retrying') {
        if (outcome === 'failed') {
          log.warn({ target: request.target, status, error }, 'alert delivery failed');
        }
        return;
      }
      // Exponential backoff with jitter in [0.5, 1) of the nominal delay.
      await sleep(config.backoffMs * 2 ** (attempt - 1) * (0.5 + random() / 2));
    }
  };

  const dispatchNow = async (notice: AlertNotice): Promise<void> => {
    const done = new Set(await deliveries.listDeliveredTargets(notice.alertId).catch(() => []));
    const requests = requestsFor(notice).filter((request) => !done.has(request.target));
    await Promise.all(requests.map((request) => deliver(notice, request)));
  };

  return {
    dispatch(notice) {
      const run = dispatchNow(notice).catch((err: unknown) => {
        log.error({ err }, 'alert dispatch failed');
      });
      pending.add(run);
      void run.finally(() => pending.delete(run));
      return run;
    },
    async drain() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    targets: () =>
      (
        [
          ['alertmanager', config.alertmanagerUrl],
          ['webhook', config.webhookUrl],
          ['grafana', config.grafanaUrl],
        ] as const
      )
        .filter(([, url]) => url !== '')
        .map(([target]) => target),
  };
}

async function send(
  doFetch: typeof fetch,
  request: TargetRequest,
  payload: string,
): Promise<{ status: number; error: string }> {
  try {
    const response = await doFetch(request.url, {
      method: 'POST',
      headers: request.headers,
      body: payload,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = response.ok ? '' : (await response.text()).slice(0, 500);
    if (response.ok) await response.body?.cancel();
    return { status: response.status, error: text };
  } catch (error) {
    return { status: 0, error: (error as Error).message };
  }
}

function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + path;
}
