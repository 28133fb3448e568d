import type { FastifyPluginAsync } from 'fastify';
import { FLAG_KEY_PATTERN } from '@tripwire/schema';
import { describeActor } from '../control-plane/auth.js';
import { flagScope } from '../control-plane/route-scopes.js';
import { createError } from '../errors.js';
import type { GuardianRouteOptions } from '../guardian/guardian-plugin.js';
import { checkRampStages, DEFAULT_RAMP_STAGES } from '../guardian/ramp-plan.js';

const key = { type: 'string', pattern: FLAG_KEY_PATTERN } as const;
const keyParams = { type: 'object', required: ['key'], properties: { key } } as const;
const environmentOnly = {
  type: 'object',
  required: ['environment'],
  additionalProperties: false,
  properties: { environment: key },
} as const;

interface StartBody {
  environment: string;
  stages?: number[];
  minUnits: number;
  minStageSeconds: number;
}

/** Staged ramps: start, read, abort, resume. The guardian advances them between checks. */
export const rampRoutes: FastifyPluginAsync<GuardianRouteOptions> = async (
  app,
  { context, guardian },
) => {
  const tags = ['ramps'];
  const controller = guardian.rampController;
  const write = {
    authorize: { action: 'ramps.write', scope: flagScope(context.flags, 'body') },
  } as const;

  app.get<{ Params: { key: string } }>(
    '/api/v1/flags/:key/ramps',
    {
      config: { authorize: { action: 'flags.read', scope: flagScope(context.flags, 'none') } },
      schema: { tags, summary: "A flag's ramps: every state, oldest first", params: keyParams },
    },
    async (request) => ({ ramps: await guardian.ramps.listForFlag(request.params.key) }),
  );

  app.post<{ Params: { key: string }; Body: StartBody }>(
    '/api/v1/flags/:key/ramps',
    {
      config: write,
      schema: {
        tags,
        summary: 'Start a staged ramp (default 1, 5, 10, 25, 50, 100%) of the fallthrough rollout',
        params: keyParams,
        body: {
          type: 'object',
          required: ['environment'],
          additionalProperties: false,
          properties: {
            environment: key,
            stages: { type: 'array', items: { type: 'number' }, minItems: 1, maxItems: 20 },
            minUnits: { type: 'integer', minimum: 1, default: 100 },
            minStageSeconds: { type: 'integer', minimum: 0, default: 600 },
          },
        },
      },
    },
    async (request, reply) => {
      const { environment, minUnits, minStageSeconds } = request.body;
      const stages = request.body.stages ?? [...DEFAULT_RAMP_STAGES];
      const problem = checkRampStages(stages);
      if (problem !== undefined)
        throw createError('TRIPWIRE_ERR_BAD_REQUEST', `body/${problem}`, {
          pointer: `/${problem.split(' ')[0]}`,
        });
      if ((await guardian.flags.get(request.params.key)) === undefined) {
        throw createError('TRIPWIRE_ERR_NOT_FOUND', `flag "${request.params.key}" does not exist`, {
          pointer: '/key',
        });
      }
      const ramp = await controller.start({
        flagKey: request.params.key,
        environment,
        stages,
        minUnits,
        minStageSeconds,
        actor: describeActor(request),
        now: new Date(),
      });
      return reply.code(201).send(ramp);
    },
  );

  for (const [action, status] of [
    ['abort', 'aborted'],
    ['resume', 'running'],
  ] as const) {
    app.post<{ Params: { key: string }; Body: { environment: string } }>(
      `/api/v1/flags/:key/ramps/${action}`,
      {
        config: write,
        schema: {
          tags,
          summary: `${action[0]!.toUpperCase()}${action.slice(1)} the ramp of an environment`,
          params: keyParams,
          body: environmentOnly,
        },
      },
      async (request) => {
        return controller.setStatus({
          flagKey: request.params.key,
          environment: request.body.environment,
          status,
          actor: describeActor(request),
          now: new Date(),
        });
      },
    );
  }
};
