import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { FLAG_KEY_PATTERN } from '@tripwire/schema';
import { canSee } from '../control-plane/auth.js';
import { filteredScope, loadedScope, projectRequirement } from '../control-plane/route-scopes.js';
import { ANY_SCOPE } from '../control-plane/token-store.js';
import { createError } from '../errors.js';
import type { GuardianRouteOptions } from '../guardian/guardian-plugin.js';
import { buildKillReport } from '../guardian/kill-report.js';

/** How far before a breach the report's timeline reaches. */
const TIMELINE_LOOKBACK_MS = 60 * 60 * 1000;

/** Kill reports: why the guardian acted, with the evidence, the query and the timeline. */
export const killReportRoutes: FastifyPluginAsync<GuardianRouteOptions> = async (
  app,
  { context, guardian },
) => {
  const tags = ['guardrails'];
  const store = context.flags;
  /** The flags whose kills the token may read; undefined = every flag (a token for all projects). */
  const visibleFlags = (request: FastifyRequest, only: string | undefined) => {
    if (only === undefined && canSee(request, { project: ANY_SCOPE })) return undefined;
    const keys = only === undefined ? store.list().map((flag) => flag.key) : [only];
    return keys.filter((key) => canSee(request, projectRequirement(store, key)));
  };

  app.get<{ Querystring: { flag?: string; limit: number } }>(
    '/api/v1/kill-reports',
    {
      config: {
        authorize: {
          action: 'guardrails.read',
          scope: filteredScope("kills of flags in the token's projects"),
        },
      },
      schema: {
        tags,
        summary: 'Kills made by the guardian, newest first',
        querystring: {
          type: 'object',
          properties: {
            flag: { type: 'string', pattern: FLAG_KEY_PATTERN },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 },
          },
        },
      },
    },
    async (request) => {
      const { flag, limit } = request.query;
      const flagKeys = visibleFlags(request, flag);
      const kills =
        flagKeys?.length === 0
          ? []
          : await guardian.decisions.listKills({
              limit,
              ...(flagKeys === undefined ? {} : { flagKeys }),
            });
      return {
        killReports: kills.map((kill) => ({
          breachId: kill.breachId,
          flagKey: kill.flagKey,
          environment: kill.environment,
          metric: kill.metric,
          variant: kill.variant,
          killedAt: kill.checkedAt,
          killVersion: kill.killVersion,
          url: `/api/v1/kill-reports/${kill.breachId}`,
        })),
      };
    },
  );

  app.get<{ Params: { breachId: string } }>(
    '/api/v1/kill-reports/:breachId',
    {
      config: {
        authorize: {
          action: 'guardrails.read',
          scope: loadedScope("the breach's flag's project and environment", async (request) => {
            const { breachId } = request.params as { breachId: string };
            const rows = await guardian.decisions.listForBreach(breachId);
            return rows.slice(0, 1).map((row) => ({
              ...projectRequirement(store, row.flagKey),
              environment: row.environment,
            }));
          }),
        },
      },
      schema: {
        tags,
        summary: 'The kill report of one breach',
        params: {
          type: 'object',
          required: ['breachId'],
          properties: { breachId: { type: 'string', pattern: '^[0-9a-fA-F-]{1,64}$' } },
        },
      },
    },
    async (request) => {
      const rows = await guardian.decisions.listForBreach(request.params.breachId);
      const breach = rows.find((row) => row.kind === 'check');
      if (breach === undefined) {
        throw createError('TRIPWIRE_ERR_NOT_FOUND', `no breach "${request.params.breachId}"`, {
          pointer: '/breachId',
        });
      }
      const from = new Date(Date.parse(breach.checkedAt) - TIMELINE_LOOKBACK_MS).toISOString();
      const [checks, history, deliveries] = await Promise.all([
        guardian.decisions.listWindow({
          flagKey: breach.flagKey,
          environment: breach.environment,
          from,
          to: breach.checkedAt,
        }),
        guardian.flags.history(breach.flagKey),
        guardian.deliveries.listForBreach(breach.breachId),
      ]);
      return buildKillReport({
        breach,
        kill: rows.find((row) => row.kind === 'kill'),
        checks,
        history: history.filter((change) => change.createdAt >= from),
        deliveries,
      });
    },
  );
};
