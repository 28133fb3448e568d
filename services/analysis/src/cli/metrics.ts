import { readFileSync } from 'node:fs';
import type { CliIo } from '../control-plane/admin-client.js';
import {
  CliError,
  CONNECTION_USAGE,
  connectionOptions,
  formatTable,
} from '../control-plane/admin-client.js';
import type { CatalogMetric, MetricChange } from '../control-plane/metric-store.js';
import type { Command } from './commands.js';
import type { SubcommandTable } from './subcommands.js';
import { printJson, runSubcommands } from './subcommands.js';

const USAGE = `Usage: tripwire metrics <subcommand> [options]

Subcommands:
  list                                         built-in and defined metrics
  get <id>                                     one metric's definition (JSON)
  create --file <metric.json|->                define a metric (a MetricDefinition document)
  set <id> --file <metric.json|-> [--expected-version <n>]
                                               write a new version (default: on the current one)
  history <id>                                 every version: who, when, why

Options:
  --reason <text>          why (kept in the history)
${CONNECTION_USAGE}`;

const options = {
  ...connectionOptions,
  file: { type: 'string' },
  reason: { type: 'string' },
  'expected-version': { type: 'string' },
} as const;

/** `tripwire metrics …`: the metric catalog. */
export function runMetricsCommand(argv: string[], io: CliIo): Promise<number> {
  return runSubcommands({ name: 'metrics', usage: USAGE, options, subcommands }, argv, io);
}

const path = (metricId: string | undefined): string =>
  `/api/v1/metrics/${encodeURIComponent(requireId(metricId))}`;

const subcommands: SubcommandTable<typeof options>['subcommands'] = {
  async list({ client, values, io }) {
    const listed = await client.request<{ metrics: CatalogMetric[] }>('GET', '/api/v1/metrics');
    if (values.json) printJson(io, listed);
    else io.out.write(formatMetrics(listed.metrics));
  },
  async get({ client, target, io }) {
    printJson(io, await client.request<CatalogMetric>('GET', path(target)));
  },
  async create({ client, values, io }) {
    const metric = readMetricFile(values.file);
    const created = await client.request<CatalogMetric>('POST', '/api/v1/metrics', {
      metric,
      reason: values.reason ?? '',
    });
    if (values.json) printJson(io, created);
    else io.out.write(`created ${created.definition.id} (version ${created.version})\n`);
  },
  async set({ client, values, target, io }) {
    const metricPath = path(target);
    const metric = readMetricFile(values.file);
    const expectedVersion =
      values['expected-version'] === undefined
        ? (await client.request<CatalogMetric>('GET', metricPath)).version
        : Number(values['expected-version']);
    const updated = await client.request<CatalogMetric>('PUT', metricPath, {
      metric,
      expectedVersion,
      reason: values.reason ?? '',
    });
    if (values.json) printJson(io, updated);
    else io.out.write(`updated ${requireId(target)} to version ${updated.version}\n`);
  },
  async history({ client, values, target, io }) {
    const history = await client.request<{ entries: MetricChange[] }>(
      'GET',
      `${path(target)}/history`,
    );
    if (values.json) printJson(io, history);
    else io.out.write(formatHistory(history.entries));
  },
};

function requireId(id: string | undefined): string {
  if (id === undefined) throw new CliError('missing <id> (see `tripwire metrics list`)', 2);
  return id;
}

function readMetricFile(path: string | undefined): unknown {
  if (path === undefined) throw new CliError('missing --file <metric.json|->', 2);
  const text = readFileSync(path === '-' ? 0 : path, 'utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new CliError(`${path} is not JSON: ${(cause as Error).message}`, 2);
  }
}

function formatMetrics(metrics: CatalogMetric[]): string {
  const rows = metrics.map(({ definition, version, builtin }) => [
    definition.id,
    definition.name,
    definition.kind,
    definition.source,
    definition.direction,
    builtin ? 'built-in' : String(version),
  ]);
  return formatTable(['ID', 'NAME', 'KIND', 'SOURCE', 'DIRECTION', 'VERSION'], rows);
}

function formatHistory(entries: MetricChange[]): string {
  const rows = entries.map((e) => [String(e.version), e.action, e.actor, e.createdAt, e.reason]);
  return formatTable(['VERSION', 'ACTION', 'ACTOR', 'AT', 'REASON'], rows);
}

export const metricsCommand: Command = {
  summary: 'list, read, define and version metrics',
  run: (argv) =>
    runMetricsCommand(argv, { out: process.stdout, err: process.stderr, env: process.env }),
};
