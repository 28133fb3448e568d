/**
 * The documented authorization policy (services/analysis/README.md, "Authorization"), written
 * out independently of the implementation: for every route in the OpenAPI document, a request
 * against a resource of project `alpha` or `beta` and what a token needs for it. The route-walk
 * test compares the service's answers with this.
 */

export const ROLES = ['viewer', 'editor', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export type Project = 'alpha' | 'beta';

/** A token of the walk: its kind, role and scope (`*` = all). */
export interface WalkPrincipal {
  name: string;
  kind: 'none' | 'sdk' | 'api';
  role: Role;
  projects: string[];
  environments: string[];
}

/** Something the token must cover: a project and/or environment, `*` only covered by `*`. */
export interface Need {
  project?: string;
  environment?: string;
}

/** `public`: anyone; `sdk`: SDK keys only; else an API token with `role` covering every `needs`. */
export type Expectation =
  | { who: 'public' }
  | { who: 'sdk' }
  | { who: Role; needs: Need[]; filtered?: (body: unknown, principal: WalkPrincipal) => string[] };

export interface WalkRequest {
  method: string;
  url: string;
  body?: unknown;
  stream?: boolean;
}

/** One route of the OpenAPI document (`GET /api/v1/flags/{key}`) and its requests. */
export interface RouteCase {
  route: string;
  requests: (
    fixture: WalkFixture,
  ) => { label: string; request: WalkRequest; expect: Expectation }[];
}

/** What the walk set up: per project a flag, a breach and revocable tokens. */
export interface WalkFixture {
  flag: Record<Project, string>;
  breach: Record<Project, string>;
  victim: Record<Project | 'alphaStaging', string>;
  segment: string;
  newFlag(project: Project): unknown;
  /** The project's flag as it is, but with production's state changed. */
  changedInProduction(project: Project): unknown;
  nextName(): string;
  /** The project a flag key belongs to, for filtered lists. */
  projectOf(key: string): string | undefined;
}

const covers = (list: string[], value: string | undefined): boolean =>
  value === undefined || list.includes('*') || list.includes(value);

/** Whether the documented policy lets `principal` make the request. */
export function isAllowed(principal: WalkPrincipal, expectation: Expectation): boolean {
  if (expectation.who === 'public') return true;
  if (expectation.who === 'sdk') return principal.kind === 'sdk';
  if (principal.kind !== 'api') return false;
  if (ROLES.indexOf(principal.role) < ROLES.indexOf(expectation.who)) return false;
  return expectation.needs.every(
    (need) =>
      covers(principal.projects, need.project) && covers(principal.environments, need.environment),
  );
}

const PROJECTS: Project[] = ['alpha', 'beta'];
const each = (
  build: (project: Project) => { request: WalkRequest; expect: Expectation },
): ReturnType<RouteCase['requests']> =>
  PROJECTS.map((project) => ({ label: project, ...build(project) }));

/** Items of a filtered list that the principal should not see. */
function outside(items: { project?: string | undefined }[], principal: WalkPrincipal): string[] {
  return items
    .filter((item) => !covers(principal.projects, item.project ?? '*'))
    .map((item) => JSON.stringify(item));
}

const STALE = 999_999;
const viewerOf = (project: Project, environment?: string): Expectation => ({
  who: 'viewer',
  needs: [{ project, ...(environment === undefined ? {} : { environment }) }],
});
const editorOf = (project: Project, ...environments: string[]): Expectation => ({
  who: 'editor',
  needs:
    environments.length === 0
      ? [{ project }]
      : environments.map((e) => ({ project, environment: e })),
});
const everything: Need = { project: '*', environment: '*' };

/** Reads of each project's flag, and of a key no project has (only `*` tokens learn it is missing). */
const flagRead =
  (suffix: string): RouteCase['requests'] =>
  (f) => [
    ...each((p) => ({
      request: { method: 'GET', url: `/api/v1/flags/${f.flag[p]}${suffix}` },
      expect: viewerOf(p),
    })),
    {
      label: 'missing flag',
      request: { method: 'GET', url: `/api/v1/flags/walk.missing${suffix}` },
      expect: { who: 'viewer', needs: [{ project: '*' }] },
    },
  ];

/** A list any viewer may read, holding only flags of the viewer's projects. */
const listedFlags: Expectation = {
  who: 'viewer',
  needs: [],
  filtered: (body, principal) =>
    outside((body as { flags: { project: string }[] }).flags, principal),
};

/** Every route of the OpenAPI document; the walk fails if one is missing here or there. */
export const ROUTE_CASES: RouteCase[] = [
  {
    route: 'GET /healthz',
    requests: () => [
      { label: 'any', request: { method: 'GET', url: '/healthz' }, expect: { who: 'public' } },
    ],
  },
  {
    route: 'GET /readyz',
    requests: () => [
      { label: 'any', request: { method: 'GET', url: '/readyz' }, expect: { who: 'public' } },
    ],
  },
  { route: 'GET /api/v1/flags/{key}/summary', requests: flagRead('/summary') },
  {
    route: 'GET /api/v1/flags',
    requests: () => [
      {
        label: 'all',
        request: { method: 'GET', url: '/api/v1/flags?archived=true' },
        expect: listedFlags,
      },
      ...each((p) => ({
        request: { method: 'GET', url: `/api/v1/flags?project=${p}` },
        expect: listedFlags,
      })),
    ],
  },
  {
    route: 'POST /api/v1/flags',
    requests: (f) =>
      each((p) => ({
        request: { method: 'POST', url: '/api/v1/flags', body: { flag: f.newFlag(p), project: p } },
        expect: editorOf(p, 'staging', 'production'),
      })),
  },
  { route: 'GET /api/v1/flags/{key}', requests: flagRead('') },
  {
    route: 'PUT /api/v1/flags/{key}',
    requests: (f) =>
      each((p) => ({
        request: {
          method: 'PUT',
          url: `/api/v1/flags/${f.flag[p]}`,
          body: { flag: f.changedInProduction(p), expectedVersion: STALE },
        },
        expect: editorOf(p, 'production'),
      })),
  },
  {
    route: 'POST /api/v1/flags/{key}/environments/{environment}',
    requests: (f) =>
      each((p) => ({
        request: {
          method: 'POST',
          url: `/api/v1/flags/${f.flag[p]}/environments/production`,
          body: { enabled: true, expectedVersion: STALE },
        },
        expect: editorOf(p, 'production'),
      })),
  },
  ...(['kill', 'restore'] as const).map((action) => ({
    route: `POST /api/v1/flags/{key}/${action}`,
    requests: (f: WalkFixture) =>
      each((p) => ({
        request: {
          method: 'POST',
          url: `/api/v1/flags/${f.flag[p]}/${action}`,
          body: { environment: 'production', reason: 'walk', expectedVersion: STALE },
        },
        expect: editorOf(p, 'production'),
      })),
  })),
  {
    route: 'POST /api/v1/flags/{key}/archive',
    requests: (f) =>
      each((p) => ({
        request: {
          method: 'POST',
          url: `/api/v1/flags/${f.flag[p]}/archive`,
          body: { archived: true, expectedVersion: STALE },
        },
        expect: editorOf(p, 'staging', 'production'),
      })),
  },
  {
    route: 'POST /api/v1/flags/{key}/rollback',
    requests: (f) =>
      each((p) => ({
        // Version 2 changed production (setup), so going back to 1 changes production.
        request: {
          method: 'POST',
          url: `/api/v1/flags/${f.flag[p]}/rollback`,
          body: { toVersion: 1, expectedVersion: STALE },
        },
        expect: editorOf(p, 'production'),
      })),
  },
  { route: 'GET /api/v1/flags/{key}/history', requests: flagRead('/history') },
  ...segmentCases(),
  ...tokenCases(),
  {
    route: 'GET /api/v1/stale',
    requests: (f) => [
      {
        label: 'all',
        request: { method: 'GET', url: '/api/v1/stale?unusedDays=1' },
        expect: {
          who: 'viewer',
          needs: [],
          filtered: (body, principal) =>
            outside(
              (body as { flags: { key: string }[] }).flags.map((flag) => ({
                project: f.projectOf(flag.key),
              })),
              principal,
            ),
        },
      },
    ],
  },
  ...['/sdk/v1/config', '/sdk/v1/stream', '/ofrep/v1/events'].map((url) => ({
    route: `GET ${url}`,
    requests: () => [
      {
        label: 'own',
        request: { method: 'GET', url, stream: url !== '/sdk/v1/config' },
        expect: { who: 'sdk' as const },
      },
    ],
  })),
  ...['/ofrep/v1/evaluate/flags/{key}', '/ofrep/v1/evaluate/flags'].map((route) => ({
    route: `POST ${route}`,
    requests: (f: WalkFixture) => [
      {
        label: 'own',
        request: {
          method: 'POST',
          url: route.replace('{key}', f.flag.alpha),
          body: { context: { targetingKey: 'walker' } },
        },
        expect: { who: 'sdk' as const },
      },
    ],
  })),
  ...['experiments', 'flags'].map((kind) => ({
    route: `GET /api/v1/${kind}/{key}/results`,
    requests: (f: WalkFixture) => [
      ...each((p) => ({
        request: { method: 'GET', url: `/api/v1/${kind}/${f.flag[p]}/results` },
        expect: viewerOf(p),
      })),
      ...each((p) => ({
        request: {
          method: 'GET',
          url: `/api/v1/${kind}/${f.flag[p]}/results?environment=production`,
        },
        expect: viewerOf(p, 'production'),
      })).map((item) => ({ ...item, label: `${item.label} production` })),
    ],
  })),
  {
    route: 'GET /api/v1/traces/{traceId}',
    requests: () => [
      {
        label: 'any',
        request: { method: 'GET', url: `/api/v1/traces/${'ab'.repeat(16)}` },
        expect: { who: 'viewer', needs: [everything] },
      },
    ],
  },
  ...guardianCases(),
];

/** Segments and metrics are shared by all projects: any viewer reads, `*` editors write. */
function segmentCases(): RouteCase[] {
  const anyViewer: Expectation = { who: 'viewer', needs: [] };
  const globalEditor: Expectation = { who: 'editor', needs: [everything] };
  const shared = (request: WalkRequest, expect: Expectation) => [
    { label: 'shared', request, expect },
  ];
  const metric = { id: 'walk_metric', name: 'walk' };
  return [
    {
      route: 'GET /api/v1/metrics',
      requests: () => shared({ method: 'GET', url: '/api/v1/metrics' }, anyViewer),
    },
    {
      route: 'GET /api/v1/metrics/{id}',
      requests: () => shared({ method: 'GET', url: '/api/v1/metrics/error_rate' }, anyViewer),
    },
    {
      route: 'GET /api/v1/metrics/{id}/history',
      requests: () =>
        shared({ method: 'GET', url: '/api/v1/metrics/error_rate/history' }, anyViewer),
    },
    {
      route: 'POST /api/v1/metrics',
      requests: () =>
        shared({ method: 'POST', url: '/api/v1/metrics', body: { metric } }, globalEditor),
    },
    {
      route: 'PUT /api/v1/metrics/{id}',
      requests: () =>
        shared(
          {
            method: 'PUT',
            url: '/api/v1/metrics/walk_metric',
            body: { metric, expectedVersion: STALE },
          },
          globalEditor,
        ),
    },
    {
      route: 'GET /api/v1/segments',
      requests: () => [
        { label: 'shared', request: { method: 'GET', url: '/api/v1/segments' }, expect: anyViewer },
      ],
    },
    {
      route: 'GET /api/v1/segments/{key}',
      requests: (f) => [
        {
          label: 'shared',
          request: { method: 'GET', url: `/api/v1/segments/${f.segment}` },
          expect: anyViewer,
        },
      ],
    },
    {
      route: 'GET /api/v1/segments/{key}/history',
      requests: (f) => [
        {
          label: 'shared',
          request: { method: 'GET', url: `/api/v1/segments/${f.segment}/history` },
          expect: anyViewer,
        },
      ],
    },
    {
      route: 'PUT /api/v1/segments/{key}',
      requests: (f) => [
        {
          label: 'shared',
          request: {
            method: 'PUT',
            url: `/api/v1/segments/${f.segment}`,
            body: { segment: { key: f.segment, version: 0 }, expectedVersion: STALE },
          },
          expect: globalEditor,
        },
      ],
    },
  ];
}

function tokenCases(): RouteCase[] {
  const admin = (...needs: Need[]): Expectation => ({ who: 'admin', needs });
  return [
    {
      route: 'GET /api/v1/tokens',
      requests: () => [
        {
          label: 'within',
          request: { method: 'GET', url: '/api/v1/tokens' },
          expect: {
            who: 'admin',
            needs: [],
            filtered: (body, principal) =>
              (body as { tokens: WalkPrincipal[] }).tokens
                .filter(
                  (token) =>
                    ROLES.indexOf(token.role) > ROLES.indexOf(principal.role) ||
                    token.projects.some((p) => !covers(principal.projects, p)) ||
                    token.environments.some((e) => !covers(principal.environments, e)),
                )
                .map((token) => token.name),
          },
        },
      ],
    },
    {
      route: 'POST /api/v1/tokens',
      requests: (f) => [
        ...each((p) => ({
          request: {
            method: 'POST',
            url: '/api/v1/tokens',
            body: { name: f.nextName(), role: 'viewer', projects: [p] },
          },
          expect: admin({ project: p }),
        })),
        {
          label: 'escalation to a global admin',
          request: {
            method: 'POST',
            url: '/api/v1/tokens',
            body: { name: f.nextName(), role: 'admin', projects: ['*'], environments: ['*'] },
          },
          expect: admin(everything),
        },
        {
          label: 'alpha production editor',
          request: {
            method: 'POST',
            url: '/api/v1/tokens',
            body: {
              name: f.nextName(),
              role: 'editor',
              projects: ['alpha'],
              environments: ['production'],
            },
          },
          expect: admin({ project: 'alpha', environment: 'production' }),
        },
        {
          label: 'beta SDK key',
          request: {
            method: 'POST',
            url: '/api/v1/tokens',
            body: {
              name: f.nextName(),
              kind: 'sdk',
              projects: ['beta'],
              environments: ['production'],
            },
          },
          expect: admin({ project: 'beta', environment: 'production' }),
        },
      ],
    },
    {
      route: 'GET /api/v1/tokens/self',
      requests: () => [
        {
          label: 'self',
          request: { method: 'GET', url: '/api/v1/tokens/self' },
          expect: { who: 'viewer', needs: [] },
        },
      ],
    },
    {
      route: 'DELETE /api/v1/tokens/{id}',
      requests: (f) => [
        ...each((p) => ({
          request: { method: 'DELETE', url: `/api/v1/tokens/${f.victim[p]}` },
          expect: admin({ project: p, environment: '*' }),
        })),
        {
          label: 'alpha staging viewer',
          request: { method: 'DELETE', url: `/api/v1/tokens/${f.victim.alphaStaging}` },
          expect: admin({ project: 'alpha', environment: 'staging' }),
        },
      ],
    },
  ];
}

function guardianCases(): RouteCase[] {
  return [
    { route: 'GET /api/v1/flags/{key}/guardrails', requests: flagRead('/guardrails') },
    {
      route: 'GET /api/v1/flags/{key}/guardrail-decisions',
      requests: (f) => [
        ...flagRead('/guardrail-decisions')(f),
        ...each((p) => ({
          request: {
            method: 'GET',
            url: `/api/v1/flags/${f.flag[p]}/guardrail-decisions?environment=production`,
          },
          expect: viewerOf(p, 'production'),
        })).map((item) => ({ ...item, label: `${item.label} production` })),
      ],
    },
    {
      route: 'GET /api/v1/kill-reports',
      requests: (f) => {
        const filtered = (body: unknown, principal: WalkPrincipal) =>
          outside(
            (body as { killReports: { flagKey: string }[] }).killReports.map((kill) => ({
              project: f.projectOf(kill.flagKey),
            })),
            principal,
          );
        return [
          {
            label: 'all',
            request: { method: 'GET', url: '/api/v1/kill-reports' },
            expect: { who: 'viewer', needs: [], filtered },
          },
          ...each((p) => ({
            request: { method: 'GET', url: `/api/v1/kill-reports?flag=${f.flag[p]}` },
            expect: { who: 'viewer' as const, needs: [], filtered },
          })),
        ];
      },
    },
    {
      route: 'GET /api/v1/kill-reports/{breachId}',
      requests: (f) =>
        each((p) => ({
          request: { method: 'GET', url: `/api/v1/kill-reports/${f.breach[p]}` },
          expect: viewerOf(p, 'production'),
        })),
    },
    { route: 'GET /api/v1/flags/{key}/ramps', requests: flagRead('/ramps') },
    ...['', '/abort', '/resume'].map((suffix) => ({
      route: `POST /api/v1/flags/{key}/ramps${suffix}`,
      requests: (f: WalkFixture) =>
        each((p) => ({
          request: {
            method: 'POST',
            url: `/api/v1/flags/${f.flag[p]}/ramps${suffix}`,
            body: { environment: 'production' },
          },
          expect: editorOf(p, 'production'),
        })),
    })),
  ];
}
