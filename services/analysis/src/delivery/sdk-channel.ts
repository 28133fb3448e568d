import type { FastifyRequest } from 'fastify';
import { createError } from '../errors.js';
import type { DeliveryChannel } from './config-projection.js';

/** The channel an SDK key reads: its one project and one environment. */
export function resolveChannel(request: FastifyRequest): DeliveryChannel {
  const token = request.principal;
  const project = token?.projects[0];
  const environment = token?.environments[0];
  if (token?.kind !== 'sdk' || project === undefined || environment === undefined) {
    throw createError(
      'TRIPWIRE_ERR_FORBIDDEN',
      'SDK delivery needs an SDK key scoped to one environment',
    );
  }
  return { project, environment };
}
