import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CollectorTables } from '@tripwire/schema';

const ROOT = join(import.meta.dirname, '../..');
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}
interface Compose {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

const compose = parse(read('docker-compose.yml'), { merge: true }) as Compose;
const services = compose.services;
const service = (name: string): ComposeService => {
  const found = services[name];
  if (found === undefined) throw new Error(`docker-compose.yml has no service "${name}"`);
  return found;
};
/** Bind mounts as { host, container } (host relative to the repository root). */
const bindMounts = (svc: ComposeService): { host: string; container: string }[] =>
  (svc.volumes ?? [])
    .filter((v) => v.startsWith('./'))
    .map((v) => {
      const [host = '', container = ''] = v.split(':');
      return { host: host.slice(2), container };
    });
const mountOf = (svc: ComposeService, containerPath: string): string => {
  const mount = bindMounts(svc).find((m) => m.container === containerPath);
  if (mount === undefined) throw new Error(`nothing mounted at ${containerPath}`);
  return mount.host;
};
const publishedPorts = (svc: ComposeService): number[] =>
  (svc.ports ?? []).map((p) => Number(p.split(':').at(-1)));
/** Env values may be `${VAR:-default}`; the test checks the default a laptop run gets. */
const envDefault = (value: string | undefined): string =>
  (value ?? '').replace(/\$\{\w+:-([^}]*)\}/g, '$1');
/** `host:port` of a URL-ish endpoint (http://h:p, tcp://h:p?x, h:p). */
const hostPort = (endpoint: string): { host: string; port: number } => {
  const url = new URL(endpoint.includes('://') ? endpoint : `tcp://${endpoint}`);
  return { host: url.hostname, port: Number(url.port) };
};

const collectorPath = mountOf(service('otel-collector'), '/etc/otelcol-contrib/config.yaml');
const collector = parse(read(collectorPath)) as {
  receivers: { otlp: { protocols: { grpc: { endpoint: string }; http: { endpoint: string } } } };
  exporters: Record<string, Record<string, unknown>>;
  service: {
    pipelines: Record<string, { receivers: string[]; processors: string[]; exporters: string[] }>;
  };
  processors: Record<string, unknown>;
};
const grafana = service('grafana');
const datasourceDir = mountOf(grafana, '/etc/grafana/provisioning/datasources');
const providerDir = mountOf(grafana, '/etc/grafana/provisioning/dashboards');
const yamlFiles = (dir: string): string[] =>
  readdirSync(join(ROOT, dir))
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => join(dir, f));
interface Datasource {
  uid: string;
  type: string;
  jsonData: { host: string; port: number; protocol: string; username: string };
  secureJsonData: { password: string };
}
interface Provider {
  type: string;
  options: { path: string };
}
const datasources = yamlFiles(datasourceDir).flatMap(
  (f) => (parse(read(f)) as { datasources: Datasource[] }).datasources,
);
const providers = yamlFiles(providerDir).flatMap(
  (f) => (parse(read(f)) as { providers: Provider[] }).providers,
);

describe('docker-compose.yml', () => {
  it('runs ClickHouse, the collector, the analysis service, Grafana and the demo', () => {
    expect(Object.keys(services).sort()).toEqual([
      'analysis',
      'clickhouse',
      'demo',
      'grafana',
      'otel-collector',
    ]);
  });

  it('uses ClickHouse server 24.8 or newer and the collector contrib image', () => {
    const [, tag = ''] = (service('clickhouse').image ?? '').split(':');
    const [major = 0, minor = 0] = tag.split('.').map(Number);
    expect(major * 100 + minor).toBeGreaterThanOrEqual(2408);
    expect(service('otel-collector').image).toMatch(
      /^otel\/opentelemetry-collector-contrib:\d+\.\d+\.\d+$/,
    );
    expect(grafana.image).toMatch(/^grafana\/grafana:1[1-9]\./);
    expect(grafana.environment?.GF_PLUGINS_PREINSTALL).toContain('grafana-clickhouse-datasource');
  });

  it('mounts only files and directories that exist in the repository', () => {
    for (const [name, svc] of Object.entries(services))
      for (const { host } of bindMounts(svc))
        expect(existsSync(join(ROOT, host)), `${name}: ${host}`).toBe(true);
  });

  it('builds the Tripwire image from a Dockerfile that exists and runs commands that exist', () => {
    for (const name of ['analysis', 'demo']) {
      const svc = service(name);
      expect(svc.build, name).toBeDefined();
      expect(existsSync(join(ROOT, svc.build!.context, svc.build!.dockerfile)), name).toBe(true);
      const script = svc.command?.find((arg) => /\.(js|ts)$/.test(arg));
      expect(script && existsSync(join(ROOT, script)), `${name}: ${svc.command?.join(' ')}`).toBe(
        true,
      );
    }
  });

  it('depends only on services that exist, waiting for health checks that exist', () => {
    for (const [name, svc] of Object.entries(services))
      for (const [dep, { condition }] of Object.entries(svc.depends_on ?? {})) {
        expect(services, `${name} → ${dep}`).toHaveProperty(dep);
        if (condition === 'service_healthy')
          expect(service(dep).healthcheck, `${dep} healthcheck`).toBeDefined();
      }
  });

  it('points the analysis service at the ClickHouse HTTP port and publishes its API port', () => {
    const env = service('analysis').environment ?? {};
    const { host, port } = hostPort(env.CLICKHOUSE_URL ?? '');
    expect(host).toBe('clickhouse');
    expect(port).toBe(8123);
    expect(publishedPorts(service('clickhouse'))).toContain(8123);
    expect(env.TRIPWIRE_HOST).toBe('0.0.0.0');
    expect(publishedPorts(service('analysis'))).toContain(Number(env.TRIPWIRE_API_PORT));
    expect(envDefault(env.CLICKHOUSE_PASSWORD)).toBe(
      envDefault(service('clickhouse').environment?.CLICKHOUSE_PASSWORD),
    );
    expect(env.CLICKHOUSE_USER).toBe(service('clickhouse').environment?.CLICKHOUSE_USER);
  });

  it('sends the demo shop telemetry to the collector and its SDK to the analysis service', () => {
    const env = service('demo').environment ?? {};
    const otlp = hostPort(env.OTEL_EXPORTER_OTLP_ENDPOINT ?? '');
    expect(otlp.host).toBe('otel-collector');
    expect(otlp.port).toBe(hostPort(collector.receivers.otlp.protocols.http.endpoint).port);
    const api = hostPort(env.TRIPWIRE_API_URL ?? '');
    expect(api.host).toBe('analysis');
    expect(api.port).toBe(Number(service('analysis').environment?.TRIPWIRE_API_PORT));
  });
});

describe('collector config', () => {
  const exporter = collector.exporters.clickhouse ?? {};

  it('writes into the schema Tripwire owns (create_schema: false) with the collector table names', () => {
    expect(exporter.create_schema).toBe(false);
    expect(exporter.traces_table_name).toBe(CollectorTables.traces);
    expect(exporter.logs_table_name).toBe(CollectorTables.logs);
    expect(exporter.metrics_tables).toEqual({
      gauge: { name: CollectorTables.metricsGauge },
      sum: { name: CollectorTables.metricsSum },
      summary: { name: CollectorTables.metricsSummary },
      histogram: { name: CollectorTables.metricsHistogram },
      exponential_histogram: { name: CollectorTables.metricsExpHistogram },
    });
    expect(exporter.database).toBe(service('analysis').environment?.CLICKHOUSE_DATABASE);
  });

  it('reaches ClickHouse on its native port with the analysis service user', () => {
    const { host, port } = hostPort(String(exporter.endpoint));
    expect(host).toBe('clickhouse');
    expect(publishedPorts(service('clickhouse'))).toContain(port);
    expect(port).toBe(9000);
    expect(exporter.username).toBe(service('clickhouse').environment?.CLICKHOUSE_USER);
    expect(exporter.password).toBe('${env:CLICKHOUSE_PASSWORD}');
    expect(service('otel-collector').environment).toHaveProperty('CLICKHOUSE_PASSWORD');
  });

  it('wires every signal from OTLP to ClickHouse through defined processors', () => {
    expect(Object.keys(collector.service.pipelines).sort()).toEqual(['logs', 'metrics', 'traces']);
    for (const pipeline of Object.values(collector.service.pipelines)) {
      expect(pipeline.receivers).toEqual(['otlp']);
      expect(pipeline.exporters).toEqual(['clickhouse']);
      for (const p of pipeline.processors) expect(collector.processors).toHaveProperty(p);
    }
    const ports = publishedPorts(service('otel-collector'));
    expect(ports).toContain(hostPort(collector.receivers.otlp.protocols.http.endpoint).port);
    expect(ports).toContain(hostPort(collector.receivers.otlp.protocols.grpc.endpoint).port);
  });
});

describe('Grafana provisioning', () => {
  const [datasource] = datasources;
  const dashboardsDir = mountOf(grafana, '/var/lib/grafana/dashboards/tripwire');
  const dashboards = readdirSync(join(ROOT, dashboardsDir))
    .filter((f) => f.endsWith('.json'))
    .map(
      (f) =>
        JSON.parse(read(join(dashboardsDir, f))) as {
          uid: string;
          templating: { list: { type: string; current?: { value?: string } }[] };
        },
    );

  it('provisions one ClickHouse datasource on the native port of the clickhouse service', () => {
    expect(datasources).toHaveLength(1);
    expect(datasource).toMatchObject({
      type: 'grafana-clickhouse-datasource',
      jsonData: { host: 'clickhouse', protocol: 'native' },
    });
    expect(publishedPorts(service('clickhouse'))).toContain(datasource!.jsonData.port);
    expect(datasource!.jsonData.host).not.toMatch(/:\/\//);
  });

  it('logs Grafana in as a read-only ClickHouse user defined in the mounted users file', () => {
    const usersFile = bindMounts(service('clickhouse')).find((m) =>
      m.container.includes('/users.d/'),
    );
    const xml = read(usersFile!.host);
    const user = datasource!.jsonData.username;
    expect(xml).toMatch(
      new RegExp(`<${user}>[\\s\\S]*<profile>(\\w+)</profile>[\\s\\S]*</${user}>`),
    );
    const profile = new RegExp(`<${user}>[\\s\\S]*?<profile>(\\w+)</profile>`).exec(xml)![1]!;
    expect(xml).toMatch(
      new RegExp(
        `<${profile}>[\\s\\S]*<readonly>1</readonly>[\\s\\S]*<changeable_in_readonly />[\\s\\S]*</${profile}>`,
      ),
    );
    const passwordVar = /from_env="(\w+)"/.exec(xml)![1]!;
    expect(service('clickhouse').environment).toHaveProperty(passwordVar);
    expect(datasource!.secureJsonData.password).toBe(`\${${passwordVar}}`);
    expect(envDefault(grafana.environment?.[passwordVar])).toBe(
      envDefault(service('clickhouse').environment?.[passwordVar]),
    );
  });

  it('loads dashboards from the directory the dashboards are mounted at', () => {
    expect(providers).toHaveLength(1);
    expect(providers[0]).toMatchObject({
      type: 'file',
      options: { path: '/var/lib/grafana/dashboards/tripwire' },
    });
    expect(dashboards.length).toBeGreaterThanOrEqual(3);
  });

  it('defaults every dashboard datasource variable to the provisioned datasource uid', () => {
    for (const dashboard of dashboards) {
      const variable = dashboard.templating.list.find((v) => v.type === 'datasource');
      expect(variable?.current?.value, dashboard.uid).toBe(datasource!.uid);
    }
  });
});
