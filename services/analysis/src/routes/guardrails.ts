import type { FastifyPluginAsync } from 'fastify';
import { FLAG_KEY_PATTERN } from '@tripwire/schema';
import { flagScope } from '../control-plane/route-scopes.js';
import { createError } from '../errors.js';
import type { GuardianRouteOptions } from '../guardian/guardian-plugin.js';
import { defaultGuardrails } from '../guardian/default-guardrails.js';

const key = { type: 'string', pattern: FLAG_KEY_PATTERN } as const;
const keyParams = { type: 'object', required: ['key'], properties: { key } } as const;

/** The effective guardrails of a flag, their latest decisions, and the decision log. */
export const guardrailRoutes: FastifyPluginAsync<GuardianRouteOptions> = async (
  app,
  { context, guardian },
) => {
  const tags = ['guardrails'];
  const read = (environment: 'none' | 'query') =>
    ({
      authorize: { action: 'guardrails.read', scope: flagScope(context.flags, environment) },
    }) as const;

  app.get<{ Params: { key: string } }>(
    '/api/v1/flags/:key/guardrails',
    {
      config: read('none'),
      schema: {
        tags,
        summary: "A flag's guardrails (or the defaults) and the latest state of each",
        params: keyParams,
      },
    },
    async (request) => {
      const flag = await guardian.flags.get(request.params.key);
      if (flag === undefined) {
        throw createError('TRIPWIRE_ERR_NOT_FOUND', `flag "${request.params.key}" does not exist`, {
          pointer: '/key',
        });
      }
      const own = flag.guardrails ?? [];
      const recent = await guardian.decisions.listForFlag({ flagKey: flag.key, limit: 500 });
      const latest = new Map<string, (typeof recent)[number]>();
      for (const row of recent) {
        if (row.kind !== 'check') continue;
        const id = `${row.environment}/${row.guardrailId}/${row.variant}`;
        if (!latest.has(id)) latest.set(id, row);
      }
      return {
        flagKey: flag.key,
        usesDefaults: own.length === 0,
        guardrails: own.length > 0 ? own : defaultGuardrails(),
        latest: [...latest.values()].map((row) => ({
          environment: row.environment,
          guardrailId: row.guardrailId,
          metric: row.metric,
          variant: row.variant,
          state: row.state,
          checkedAt: row.checkedAt,
          estimate: Number.isFinite(row.estimate) ? row.estimate : null,
          interval: [row.intervalLower, row.intervalUpper].map((v) =>
            Number.isFinite(v) ? v : null,
          ),
          n: { control: row.nControl, treatment: row.nTreatment },
        })),
      };
    },
  );

  app.get<{ Params: { key: string }; Querystring: { environment?: string; limit: number } }>(
    '/api/v1/flags/:key/guardrail-decisions',
    {
      config: read('query'),
      schema: {
        tags,
        summary: "The guardian's checks of a flag, newest first (one row per check)",
        params: keyParams,
        querystring: {
          type: 'object',
          properties: {
            environment: key,
            limit: { type: 'integer', minimum: 1, maximum: 10_000, default: 100 },
          },
        },
      },
    },
    async (request) => {
      const { environment, limit } = request.query;
      const rows = await guardian.decisions.listForFlag({
        flagKey: request.params.key,
        limit,
        ...(environment === undefined ? {} : { environment }),
      });
      return {
        decisions: rows.map(({ query: _query, guardrail: _guardrail, ...row }) => ({
          ...row,
          estimate: Number.isFinite(row.estimate) ? row.estimate : null,
          intervalLower: Number.isFinite(row.intervalLower) ? row.intervalLower : null,
          intervalUpper: Number.isFinite(row.intervalUpper) ? row.intervalUpper : null,
          controlMean: Number.isFinite(row.controlMean) ? row.controlMean : null,
          treatmentMean: Number.isFinite(row.treatmentMean) ? row.treatmentMean : null,
        })),
      };
    },
  );
};
