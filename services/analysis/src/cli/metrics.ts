import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { CliIo } from '../control-plane/admin-client.js';
import {
  CliError,
  CONNECTION_USAGE,
  connectionOptions,
  createAdminClient,
  formatTable,
  runCli,
} from '../control-plane/admin-client.js';
import type { CatalogMetric, MetricChange } from '../control-plane/metric-store.js';
import type { Command } from './commands.js';

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
export async function runMetricsCommand(argv: string[], io: CliIo): Promise<number> {
  return runCli('metrics', io, async () => {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true });
    const [subcommand, id] = positionals;
    if (values.help || subcommand === undefined) {
      (values.help ? io.out : io.err).write(USAGE);
      return values.help ? 0 : 2;
    }
    const client = createAdminClient(values, io.env);
    const print = (value: unknown): void =>
      void io.out.write(`${JSON.stringify(value, null, 2)}\n`);
    const path = (metricId: string) => `/api/v1/metrics/${encodeURIComponent(metricId)}`;
    const reason = values.reason ?? '';
    switch (subcommand) {
      case 'list': {
        const listed = await client.request<{ metrics: CatalogMetric[] }>('GET', '/api/v1/metrics');
        if (values.json) print(listed);
        else io.out.write(formatMetrics(listed.metrics));
        return 0;
      }
      case 'get':
        print(await client.request<CatalogMetric>('GET', path(requireId(id))));
        return 0;
      case 'create': {
        const metric = readMetricFile(values.file);
        const created = await client.request<CatalogMetric>('POST', '/api/v1/metrics', {
          metric,
          reason,
        });
        if (values.json) print(created);
        else io.out.write(`created ${created.definition.id} (version ${created.version})\n`);
        return 0;
      }
      case 'set': {
        const metricId = requireId(id);
        const metric = readMetricFile(values.file);
        const expectedVersion =
          values['expected-version'] === undefined
            ? (await client.request<CatalogMetric>('GET', path(metricId))).version
            : Number(values['expected-version']);
        const updated = await client.request<CatalogMetric>('PUT', path(metricId), {
          metric,
          expectedVersion,
          reason,
        });
        if (values.json) print(updated);
        else io.out.write(`updated ${metricId} to version ${updated.version}\n`);
        return 0;
      }
      case 'history': {
        const history = await client.request<{ entries: MetricChange[] }>(
          'GET',
          `${path(requireId(id))}/history`,
        );
        if (values.json) print(history);
        else io.out.write(formatHistory(history.entries));
        return 0;
      }
      default:
        throw new CliError(
          `unknown subcommand "${subcommand}"; one of list, get, create, set, history`,
          2,
        );
    }
  });
}

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
