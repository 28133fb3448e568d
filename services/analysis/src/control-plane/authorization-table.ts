import { Actions } from './access-policy.js';
import type { RouteAccess } from './auth.js';

/** Where the generated table sits in services/analysis/README.md. */
export const AUTHORIZATION_TABLE_MARKERS = {
  start: '<!-- authorization-table:start (generated from the route declarations) -->',
  end: '<!-- authorization-table:end -->',
} as const;

/**
 * The README's authorization table, one row per route and method (HEAD, which mirrors GET, left
 * out), from the routes' own `config.authorize` declarations: action, who, scope.
 */
export function renderAuthorizationTable(routes: readonly RouteAccess[]): string {
  const rows = routes
    .filter((route) => route.method !== 'HEAD')
    .map((route) => {
      const { action, scope } = route.authorize;
      const who = Actions[action];
      const where =
        scope.filtered === true ? `answer filtered to ${scope.describe}` : scope.describe;
      return `| \`${route.method} ${route.url}\` | \`${action}\` | ${who} | ${where} |`;
    })
    .sort();
  return [
    '| Route | Action | Needs | Project and environment scope |',
    '| --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
