import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, loadConfig, tableNames, type TripwireApp } from '@tripwire/analysis';
import { makeErrorLogsMetric } from '../../services/analysis/test/metrics/metric-fixtures.js';
import { createDemoTelemetry, createRng } from './demo-telemetry.js';
import { expandGrafanaMacros } from './expand-grafana-macros.js';

const DASHBOARD_DIR = join(import.meta.dirname, '../../dashboards/json');
const FLAG = 'checkout-redesign';
const NOW = new Date(Date.UTC(2026, 10, 25, 12, 0, 0));
/** The catalog metric the metric dashboard is templated on; a guardrail of a second flag uses it. */
const METRIC = makeErrorLogsMetric({ owner: 'payments' });
const METRIC_FLAG = 'payment-retries';
/** A flag naming the metric as a secondary metric only: no guardrail checks it. */
const VALUES_FLAG = 'search-redesign';

interface Target {
  refId: string;
  rawSql: string;
  format: number;
  datasource: { type: string; uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  targets: Target[];
  datasource: { type: string; uid: string };
}
interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: { name: string; type: string; query: string }[] };
  annotations: { list: { name: string; target?: Target }[] };
}
interface QueryResult {
  names: string[];
  types: string[];
  rows: unknown[][];
}

const dashboards = readdirSync(DASHBOARD_DIR)
  .filter((file) => file.endsWith('.json'))
  .map((file) => ({
    file,
    json: JSON.parse(readFileSync(join(DASHBOARD_DIR, file), 'utf8')) as Dashboard,
  }));
const panels = dashboards.flatMap(({ file, json }) =>
  json.panels.flatMap((panel) => panel.targets.map((target) => ({ file, panel, target }))),
);
const annotationQueries = dashboards.flatMap(({ file, json }) =>
  json.annotations.list.flatMap((a) =>
    a.target ? [{ file, name: a.name, target: a.target }] : [],
  ),
);
const numericType = /^(Nullable\()?(U?Int\d+|Float\d+|Decimal)/;

let app: TripwireApp;
let dataDir: string;

async function run(sql: string): Promise<QueryResult> {
  const expanded = expandGrafanaMacros(sql, {
    from: new Date(NOW.getTime() - 3_600_000),
    to: NOW,
    intervalSeconds: 60,
    variables: { flag: FLAG, metric: METRIC.id },
  });
  const result = await app.context.clickhouse.query({
    query: expanded,
    format: 'JSONCompactEachRowWithNamesAndTypes',
  });
  const [names = [], types = [], ...rows] = await result.json<unknown[]>();
  return { names: names as string[], types: types as string[], rows };
}

async function fillDemoData(): Promise<void> {
  const { clickhouse, tables } = app.context;
  const demo = createDemoTelemetry({ flagKey: FLAG, now: NOW, units: 300, rng: createRng(7) });
  await clickhouse.insert({ table: tables.traces, values: demo.spans, format: 'JSONEachRow' });
  await clickhouse.insert({
    table: tables.metricsGauge,
    values: demo.gauges,
    format: 'JSONEachRow',
  });
  await clickhouse.insert({ table: tables.metricsSum, values: demo.sums, format: 'JSONEachRow' });
  const at = (minutesAgo: number): string =>
    new Date(NOW.getTime() - minutesAgo * 60_000).toISOString().replace('T', ' ').slice(0, 23);
  await clickhouse.insert({
    table: tables.flagChangelog,
    format: 'JSONEachRow',
    values: [
      {
        seq: 1,
        entity: 'flag',
        key: FLAG,
        project: 'default',
        version: 1,
        action: 'create',
        environment: '',
        actor: 'alice',
        reason: 'launch',
        document: '{}',
        created_at: at(40),
      },
      {
        seq: 2,
        entity: 'flag',
        key: FLAG,
        project: 'default',
        version: 2,
        action: 'kill',
        environment: 'production',
        actor: 'guardian',
        reason: 'error_rate breached',
        document: '{}',
        created_at: at(5),
      },
    ],
  });
  await insertCatalogMetric(at);
  const decision = {
    flag_key: FLAG,
    environment: 'production',
    flag_version: 1,
    guardrail_id: 'errors',
    guardrail: 'error rate',
    metric: 'error_rate',
    control_variant: 'control',
    variant: 'treatment',
    action: 'kill',
    test: 'confidence_sequence',
    scale: 'relative',
    alpha: 0.05,
    margin: 0.05,
    control_mean: 0.03,
    treatment_mean: 0.12,
    query: 'SELECT 1',
    detail: '{}',
  };
  await clickhouse.insert({
    table: tables.guardrailDecisions,
    format: 'JSONEachRow',
    values: [
      {
        ...decision,
        check_id: 'c1',
        kind: 'check',
        checked_at: at(10),
        state: 'inconclusive',
        action_taken: 'none',
        estimate: 0.05,
        relative_estimate: 1.2,
        interval_lower: -0.01,
        interval_upper: 0.11,
        n_control: 120,
        n_treatment: 118,
        exemplar_trace_ids: [],
      },
      {
        ...decision,
        check_id: 'c2',
        kind: 'check',
        checked_at: at(6),
        state: 'breached',
        action_taken: 'kill',
        breach_id: 'b1',
        estimate: 0.09,
        relative_estimate: 3,
        interval_lower: 0.04,
        interval_upper: 0.14,
        n_control: 150,
        n_treatment: 149,
        exemplar_trace_ids: ['0af7651916cd43dd8448eb211c80319c'],
      },
      {
        ...decision,
        check_id: 'k1',
        kind: 'kill',
        checked_at: at(5),
        state: 'breached',
        action_taken: 'kill',
        breach_id: 'b1',
        estimate: 0.09,
        relative_estimate: 3,
        interval_lower: 0.04,
        interval_upper: 0.14,
        n_control: 150,
        n_treatment: 149,
        kill_version: 2,
        exemplar_trace_ids: ['0af7651916cd43dd8448eb211c80319c'],
      },
    ],
  });
  await clickhouse.insert({
    table: tables.alertDeliveries,
    format: 'JSONEachRow',
    values: [
      {
        delivery_id: 'd1',
        alert_id: 'a1',
        breach_id: 'b1',
        flag_key: FLAG,
        environment: 'production',
        target: 'webhook',
        url: 'http://127.0.0.1:9/hook',
        attempt: 1,
        attempted_at: at(5),
        outcome: 'delivered',
        status: 200,
        error: '',
        payload: '{}',
      },
    ],
  });
}

/**
 * Two versions of a catalog metric (the second during the experiment), a flag naming it as its
 * goal and guardrail, and the guardian's checks (one per version) and kill on that guardrail.
 */
async function insertCatalogMetric(at: (minutesAgo: number) => string): Promise<void> {
  const { clickhouse, tables } = app.context;
  const version = (n: number, minutesAgo: number, reason: string) => ({
    metric_id: METRIC.id,
    version: n,
    action: n === 1 ? 'create' : 'update',
    actor: 'bob',
    reason,
    document: JSON.stringify({ ...METRIC, description: `v${n}` }),
    created_at: at(minutesAgo),
  });
  await clickhouse.insert({
    table: tables.metricChangelog,
    format: 'JSONEachRow',
    values: [version(1, 50, 'define'), version(2, 20, 'count fatal too')],
  });
  const flag = {
    key: METRIC_FLAG,
    metrics: { goal: METRIC.id },
    guardrails: [{ id: 'logs', metric: METRIC.id }],
  };
  await clickhouse.insert({
    table: tables.flagChangelog,
    format: 'JSONEachRow',
    values: [1, 2].map((v) => ({
      seq: 10 + v,
      entity: 'flag',
      key: METRIC_FLAG,
      project: 'default',
      version: v,
      action: v === 1 ? 'create' : 'update',
      environment: '',
      actor: 'alice',
      reason: '',
      // The guardrail is added in version 2: roles come from the current version only.
      document: JSON.stringify(v === 1 ? { key: METRIC_FLAG } : flag),
      created_at: at(45 - v),
    })),
  });
  const check = (id: string, minutesAgo: number, metricVersion: number, state: string) => ({
    check_id: id,
    kind: id.startsWith('k') ? 'kill' : 'check',
    checked_at: at(minutesAgo),
    flag_key: METRIC_FLAG,
    environment: 'production',
    flag_version: 2,
    guardrail_id: 'logs',
    guardrail: 'logs',
    metric: METRIC.id,
    metric_version: metricVersion,
    control_variant: 'off',
    variant: 'on',
    state,
    action: 'kill',
    action_taken: state === 'breached' ? 'kill' : 'none',
    test: 'asymptotic-confidence-sequence',
    scale: 'relative',
    estimate: 0.8,
    relative_estimate: 0.8,
    interval_lower: state === 'breached' ? 0.3 : -0.2,
    interval_upper: 1.3,
    alpha: 0.05,
    margin: 0.1,
    n_control: 400,
    n_treatment: 410,
    exemplar_trace_ids: [],
    kill_version: id.startsWith('k') ? 3 : null,
    query: 'SELECT 1',
    detail: '{}',
  });
  await clickhouse.insert({
    table: tables.guardrailDecisions,
    format: 'JSONEachRow',
    values: [
      check('m1', 30, 1, 'inconclusive'),
      check('m2', 15, 2, 'breached'),
      check('k2', 14, 2, 'breached'),
    ],
  });
  await insertMetricValues(at);
}

/** Values of the metric as the recorder writes them: its guardrail flag and a flag naming it as secondary only. */
async function insertMetricValues(at: (minutesAgo: number) => string): Promise<void> {
  const { clickhouse, tables } = app.context;
  const row = (flag: string, minutesAgo: number, variant: string, value: number) => ({
    recorded_at: at(minutesAgo),
    flag_key: flag,
    environment: '',
    metric: METRIC.id,
    metric_version: 2,
    roles: flag === METRIC_FLAG ? ['goal', 'guardrail'] : ['secondary'],
    variant,
    is_control: variant === 'off',
    units: 400,
    value,
    standard_error: 0.01,
    relative_lift: variant === 'off' ? null : value / 0.1 - 1,
    relative_lower: variant === 'off' ? null : value / 0.1 - 1.2,
    relative_upper: variant === 'off' ? null : value / 0.1 - 0.8,
    cuped_relative_lift: null,
    cuped_relative_lower: null,
    cuped_relative_upper: null,
  });
  await clickhouse.insert({
    table: tables.metricValues,
    format: 'JSONEachRow',
    values: [METRIC_FLAG, VALUES_FLAG].flatMap((flag) => [
      row(flag, 30, 'off', 0.1),
      row(flag, 30, 'on', 0.12),
      row(flag, 10, 'off', 0.1),
      row(flag, 10, 'on', flag === METRIC_FLAG ? 0.18 : 0.09),
    ]),
  });
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'tripwire-'));
  const config = {
    ...loadConfig([], {
      TRIPWIRE_ADMIN_TOKEN: 'tw_admin_dashboards_0123456789abcdef',
      TRIPWIRE_METRIC_VALUES_SECONDS: '0',
    }),
    apiPort: 0,
    otlpPort: 0,
  };
  config.clickhouse.dataDir = dataDir;
  app = await buildApp(config, { logger: false });
  await fillDemoData();
}, 60_000);

afterAll(async () => {
  await app?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('dashboard JSON', () => {
  it.each(dashboards)(
    '$file is a schemaVersion 39 dashboard with a stable uid and a datasource variable',
    ({ json }) => {
      expect(json.schemaVersion).toBe(39);
      expect(json.uid).toMatch(/^tripwire-[a-z-]+$/);
      const variable = json.templating.list.find((v) => v.name === 'datasource');
      expect(variable).toMatchObject({
        type: 'datasource',
        query: 'grafana-clickhouse-datasource',
      });
      for (const panel of json.panels) {
        expect(panel.datasource, panel.title).toEqual({
          type: 'grafana-clickhouse-datasource',
          uid: '${datasource}',
        });
        for (const target of panel.targets)
          expect(target.datasource.uid, panel.title).toBe('${datasource}');
      }
    },
  );

  it('gives every dashboard a distinct uid and every panel a distinct id within its dashboard', () => {
    expect(new Set(dashboards.map((d) => d.json.uid)).size).toBe(dashboards.length);
    for (const { json } of dashboards)
      expect(new Set(json.panels.map((p) => p.id)).size).toBe(json.panels.length);
  });

  it('reads only tables Tripwire creates', () => {
    const known = new Set<string>(Object.values(tableNames()));
    const sqls = [
      ...panels.map((p) => p.target.rawSql),
      ...annotationQueries.map((a) => a.target.rawSql),
    ];
    for (const sql of sqls) {
      for (const [, table] of sql.matchAll(
        /\b(?:FROM|JOIN)\s+([A-Za-z_][A-Za-z0-9_]*)\b(?!\s*\()/g,
      )) {
        expect(known, `${table} in\n${sql}`).toContain(table);
      }
    }
  });
});

describe('every panel query against demo data', () => {
  it.each(panels.map((p) => ({ ...p, name: `${p.file} › ${p.panel.title} (${p.target.refId})` })))(
    '$name returns rows of its panel type',
    async ({ panel, target }) => {
      const { names, types, rows } = await run(target.rawSql);
      expect(rows.length).toBeGreaterThan(0);
      expect(new Set(names).size).toBe(names.length);
      if (panel.type === 'timeseries') {
        expect(target.format).toBe(0);
        expect(names[0]).toBe('time');
        expect(types[0]).toMatch(/^DateTime/);
        expect(types.slice(1).some((t) => numericType.test(t))).toBe(true);
        types.forEach((type, i) => {
          if (i > 0)
            expect(type, names[i]).toMatch(
              /^(LowCardinality\()?String|^(Nullable\()?(U?Int|Float)/,
            );
        });
      } else {
        expect(panel.type).toBe('table');
        expect(target.format).toBe(1);
      }
      for (const row of rows)
        row.forEach((value, i) => {
          if (numericType.test(types[i] ?? '') && value !== null)
            expect(Number.isFinite(Number(value)), names[i]).toBe(true);
        });
    },
  );

  it.each(annotationQueries)(
    '$file annotation "$name" returns time, text and tags',
    async ({ target }) => {
      const { names, types, rows } = await run(target.rawSql);
      expect(rows.length).toBeGreaterThan(0);
      expect(names.slice(0, 3)).toEqual(['time', 'text', 'tags']);
      expect(types[0]).toMatch(/^DateTime64/);
      expect(types[2]).toBe('Array(String)');
    },
  );
});

describe('what the panels say about the demo data', () => {
  const panelSql = (uid: string, title: string): string => {
    const panel = dashboards
      .find((d) => d.json.uid === uid)
      ?.json.panels.find((p) => p.title === title);
    if (panel?.targets[0] === undefined) throw new Error(`no panel "${title}" in ${uid}`);
    return panel.targets[0].rawSql;
  };

  it('shows the treatment failing more often than control', async () => {
    const { names, rows } = await run(
      panelSql('tripwire-experiment', 'Variants now (whole range)'),
    );
    const byVariant = new Map(
      rows.map((row) => [String(row[0]), new Map(names.map((n, i) => [n, Number(row[i])]))]),
    );
    const metric = (variant: string, name: string): number =>
      byVariant.get(variant)?.get(name) ?? NaN;
    expect([...byVariant.keys()]).toEqual(['control', 'treatment']);
    expect(metric('treatment', 'error_rate')).toBeGreaterThan(metric('control', 'error_rate'));
    expect(metric('treatment', 'mean_latency_ms')).toBeGreaterThan(
      metric('control', 'mean_latency_ms'),
    );
    expect(metric('control', 'units')).toBe(150);
  });

  it('shows the latest config version and age per service', async () => {
    const { rows } = await run(
      panelSql('tripwire-sdk-health', 'Config applied per service (latest)'),
    );
    expect(rows.map((row) => [row[0], row[1], Number(row[2])])).toEqual([
      ['demo-payments', 'production', 8],
      ['demo-shop', 'production', 8],
    ]);
  });

  it('lists the guardian kill with its evidence', async () => {
    const { names, rows } = await run(panelSql('tripwire-guardian', 'Kills'));
    expect(rows).toHaveLength(2);
    const kills = rows.map((row) => Object.fromEntries(names.map((n, i) => [n, row[i]])));
    const kill = kills.find((k) => k.flag_key === FLAG);
    expect(kill).toMatchObject({
      flag_key: FLAG,
      metric: 'error_rate',
      variant: 'treatment',
      kill_version: 2,
    });
  });

  it('templates the metric dashboard on the catalog: definition, experiments, versions, checks', async () => {
    const dashboard = dashboards.find((d) => d.json.uid === 'tripwire-metric')!.json;
    const variable = dashboard.templating.list.find((v) => v.name === 'metric')!;
    const { rows: ids } = await run(variable.query);
    expect(ids.map((row) => row[0])).toEqual(['error_rate', METRIC.id]);
    const table = async (title: string) => {
      const { names, rows } = await run(panelSql('tripwire-metric', title));
      return rows.map((row) => Object.fromEntries(names.map((n, i) => [n, row[i]])));
    };
    expect(await table('Definition (current version)')).toMatchObject([
      { id: METRIC.id, version: 2, source: 'logs', kind: 'count', updated_by: 'bob' },
    ]);
    expect(await table('Experiments naming this metric')).toEqual([
      { flag: METRIC_FLAG, project: 'default', flag_version: 2, roles: ['goal', 'guardrail'] },
    ]);
    expect((await table('Versions')).map((v) => v.version)).toEqual([2, 1]);
    expect(await table('Latest check per guardrail')).toMatchObject([
      {
        flag_key: METRIC_FLAG,
        latest_state: 'breached',
        latest_metric_version: 2,
        definition_changed: 1,
      },
    ]);
    expect(await table('Kills on this metric')).toMatchObject([
      { flag_key: METRIC_FLAG, kill_version: 3, metric_version: 2 },
    ]);
    // Values per variant of every experiment naming it, the non-guardrail one included.
    const latest = await table('Latest value per variant');
    expect(latest.map((r) => [r.flag_key, r.variant, r.value, r.roles])).toEqual([
      [METRIC_FLAG, 'off', 0.1, ['goal', 'guardrail']],
      [METRIC_FLAG, 'on', 0.18, ['goal', 'guardrail']],
      [VALUES_FLAG, 'off', 0.1, ['secondary']],
      [VALUES_FLAG, 'on', 0.09, ['secondary']],
    ]);
    expect(latest[3]!.relative_lift).toBeCloseTo(-0.1, 9);
    const series = await table('Value per variant');
    expect(new Set(series.map((r) => r.series))).toEqual(
      new Set([
        `${METRIC_FLAG} off`,
        `${METRIC_FLAG} on`,
        `${VALUES_FLAG} off`,
        `${VALUES_FLAG} on`,
      ]),
    );
  });
});
