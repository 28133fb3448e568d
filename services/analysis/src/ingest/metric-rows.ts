import { attributesJson, findAttribute } from './otlp-attributes.js';
import {
  forEachItem,
  readArray,
  readBool,
  readDouble,
  readId,
  readInt,
  readInt64Number,
  readUint64Text,
  readNanos,
  readObject,
  readString,
  rethrowAt,
} from './otlp-values.js';
import { recordRejection } from './trace-rows.js';

const COMMON_COLUMNS = [
  'ResourceAttributes',
  'ResourceSchemaUrl',
  'ScopeName',
  'ScopeVersion',
  'ScopeAttributes',
  'ScopeDroppedAttrCount',
  'ScopeSchemaUrl',
  'ServiceName',
  'MetricName',
  'MetricDescription',
  'MetricUnit',
  'Attributes',
  'StartTimeUnix',
  'TimeUnix',
] as const;
const EXEMPLAR_COLUMNS = [
  'Exemplars.FilteredAttributes',
  'Exemplars.TimeUnix',
  'Exemplars.Value',
  'Exemplars.SpanId',
  'Exemplars.TraceId',
] as const;

/** Insert columns of the five metrics tables, keyed like `TableNames`. */
export const METRIC_COLUMNS = {
  metricsGauge: [...COMMON_COLUMNS, 'Value', 'Flags', ...EXEMPLAR_COLUMNS],
  metricsSum: [
    ...COMMON_COLUMNS,
    'Value',
    'Flags',
    ...EXEMPLAR_COLUMNS,
    'AggregationTemporality',
    'IsMonotonic',
  ],
  metricsHistogram: [
    ...COMMON_COLUMNS,
    'Count',
    'Sum',
    'BucketCounts',
    'ExplicitBounds',
    ...EXEMPLAR_COLUMNS,
    'Flags',
    'Min',
    'Max',
    'AggregationTemporality',
  ],
  metricsExpHistogram: [
    ...COMMON_COLUMNS,
    'Count',
    'Sum',
    'Scale',
    'ZeroCount',
    'PositiveOffset',
    'PositiveBucketCounts',
    'NegativeOffset',
    'NegativeBucketCounts',
    ...EXEMPLAR_COLUMNS,
    'Flags',
    'Min',
    'Max',
    'AggregationTemporality',
  ],
  metricsSummary: [
    ...COMMON_COLUMNS,
    'Count',
    'Sum',
    'ValueAtQuantiles.Quantile',
    'ValueAtQuantiles.Value',
    'Flags',
  ],
} as const;
export type MetricTable = keyof typeof METRIC_COLUMNS;

export interface MetricRows {
  rows: Record<MetricTable, string[]>;
  rejected: number;
  rejectReason: string;
}

/** Maps an ExportMetricsServiceRequest (protobuf-decoded or JSON) to rows of the five tables. */
export function mapMetricsRequest(request: unknown): MetricRows {
  const out: MetricRows = {
    rows: {
      metricsGauge: [],
      metricsSum: [],
      metricsHistogram: [],
      metricsExpHistogram: [],
      metricsSummary: [],
    },
    rejected: 0,
    rejectReason: '',
  };
  const body = readObject(request, '') ?? {};
  forEachItem(body.resourceMetrics, 'resourceMetrics', (resourceMetrics, r) =>
    mapResourceMetrics(resourceMetrics, `/resourceMetrics/${r}`, out),
  );
  return out;
}

function mapResourceMetrics(value: unknown, where: string, out: MetricRows): void {
  const rm = readObject(value, '') ?? {};
  const resource = readObject(rm.resource, 'resource') ?? {};
  const resourcePart =
    `${attributesJson(resource.attributes, 'resource/attributes')},` +
    `${JSON.stringify(readString(rm.schemaUrl, 'schemaUrl'))}`;
  const service = JSON.stringify(findAttribute(resource.attributes, 'service.name'));
  forEachItem(rm.scopeMetrics, 'scopeMetrics', (scopeMetrics, s) => {
    const sm = readObject(scopeMetrics, '') ?? {};
    const scope = readObject(sm.scope, 'scope') ?? {};
    const scopePart =
      `${resourcePart},${JSON.stringify(readString(scope.name, 'scope/name'))},` +
      `${JSON.stringify(readString(scope.version, 'scope/version'))},` +
      `${attributesJson(scope.attributes, 'scope/attributes')},` +
      `${readInt(scope.droppedAttributesCount, 'scope/droppedAttributesCount')},` +
      `${JSON.stringify(readString(sm.schemaUrl, 'schemaUrl'))},${service}`;
    forEachItem(sm.metrics, 'metrics', (metric, m) =>
      mapMetric(metric, scopePart, `${where}/scopeMetrics/${s}/metrics/${m}`, out),
    );
  });
}

type PointMapper = (point: Record<string, unknown>, data: Record<string, unknown>) => string;

const MAPPERS: [key: string, table: MetricTable, map: PointMapper][] = [
  ['gauge', 'metricsGauge', (p) => `${numberValue(p)},${flags(p)},${exemplars(p)}`],
  [
    'sum',
    'metricsSum',
    (p, d) =>
      `${numberValue(p)},${flags(p)},${exemplars(p)},${temporality(d)},` +
      `${readBool(d.isMonotonic, 'isMonotonic')}`,
  ],
  ['histogram', 'metricsHistogram', mapHistogramPoint],
  ['exponentialHistogram', 'metricsExpHistogram', mapExpHistogramPoint],
  ['summary', 'metricsSummary', mapSummaryPoint],
];

function mapMetric(value: unknown, scopePart: string, where: string, out: MetricRows): void {
  const metric = readObject(value, '') ?? {};
  const metricPart =
    `${scopePart},${JSON.stringify(readString(metric.name, 'name'))},` +
    `${JSON.stringify(readString(metric.description, 'description'))},` +
    `${JSON.stringify(readString(metric.unit, 'unit'))}`;
  for (const [key, table, map] of MAPPERS) {
    if (!Object.hasOwn(metric, key)) continue;
    const data = readObject(metric[key], key);
    if (data === undefined) continue;
    const points = readArray(data.dataPoints, `${key}/dataPoints`);
    for (let i = 0; i < points.length; i++) {
      try {
        const point = readObject(points[i], '') ?? {};
        const start = readNanos(point.startTimeUnixNano, 'startTimeUnixNano');
        const time = readNanos(point.timeUnixNano, 'timeUnixNano');
        out.rows[table].push(
          `[${metricPart},${attributesJson(point.attributes, 'attributes')},` +
            `${start.sec},${time.sec},${map(point, data)}]`,
        );
      } catch (error) {
        if (error instanceof InvalidExemplar) {
          recordRejection(out, `${where}/${key}/dataPoints/${i}: ${error.message}`);
        } else rethrowAt(error, `/${key}/dataPoints/${i}`);
      }
    }
  }
}

class InvalidExemplar extends Error {}

/** JSON text of a Float64: non-finite values as the quoted forms ClickHouse parses. */
function float(n: number): string {
  if (Number.isFinite(n)) return String(n);
  return Number.isNaN(n) ? '"nan"' : n > 0 ? '"inf"' : '"-inf"';
}

function numberValue(point: Record<string, unknown>): string {
  if (Object.hasOwn(point, 'asInt')) return float(readInt64Number(point.asInt, 'asInt'));
  return float(readDouble(point.asDouble, 'asDouble'));
}

function flags(point: Record<string, unknown>): number {
  return readInt(point.flags, 'flags') >>> 0;
}

function temporality(data: Record<string, unknown>): number {
  return readInt(data.aggregationTemporality, 'aggregationTemporality');
}

function exemplars(point: Record<string, unknown>): string {
  const list = readArray(point.exemplars, 'exemplars');
  if (list.length === 0) return '[],[],[],[],[]';
  const columns: [string[], string[], string[], string[], string[]] = [[], [], [], [], []];
  for (let i = 0; i < list.length; i++) {
    try {
      const e = readObject(list[i], '') ?? {};
      const spanId = readId(e.spanId, 'spanId', 8);
      const traceId = readId(e.traceId, 'traceId', 16);
      if (spanId === undefined || traceId === undefined) {
        throw new InvalidExemplar(`exemplar ${i} has an invalid traceId or spanId`);
      }
      columns[0].push(attributesJson(e.filteredAttributes, 'filteredAttributes'));
      columns[1].push(String(readNanos(e.timeUnixNano, 'timeUnixNano').sec));
      columns[2].push(numberValue(e));
      columns[3].push(`"${spanId}"`);
      columns[4].push(`"${traceId}"`);
    } catch (error) {
      if (error instanceof InvalidExemplar) throw error;
      rethrowAt(error, `/exemplars/${i}`);
    }
  }
  return columns.map((column) => `[${column.join(',')}]`).join(',');
}

function counts(value: unknown, key: string): string {
  return `[${readArray(value, key)
    .map((count) => readUint64Text(count, key))
    .join(',')}]`;
}

function mapHistogramPoint(p: Record<string, unknown>, d: Record<string, unknown>): string {
  const bounds = readArray(p.explicitBounds, 'explicitBounds').map((b) =>
    float(readDouble(b, 'explicitBounds')),
  );
  return (
    `${readUint64Text(p.count, 'count')},${float(readDouble(p.sum, 'sum'))},` +
    `${counts(p.bucketCounts, 'bucketCounts')},[${bounds.join(',')}],${exemplars(p)},` +
    `${flags(p)},${float(readDouble(p.min, 'min'))},${float(readDouble(p.max, 'max'))},${temporality(d)}`
  );
}

function mapExpHistogramPoint(p: Record<string, unknown>, d: Record<string, unknown>): string {
  const positive = readObject(p.positive, 'positive') ?? {};
  const negative = readObject(p.negative, 'negative') ?? {};
  return (
    `${readUint64Text(p.count, 'count')},${float(readDouble(p.sum, 'sum'))},` +
    `${readInt(p.scale, 'scale')},${readUint64Text(p.zeroCount, 'zeroCount')},` +
    `${readInt(positive.offset, 'positive/offset')},${counts(positive.bucketCounts, 'positive/bucketCounts')},` +
    `${readInt(negative.offset, 'negative/offset')},${counts(negative.bucketCounts, 'negative/bucketCounts')},` +
    `${exemplars(p)},${flags(p)},${float(readDouble(p.min, 'min'))},` +
    `${float(readDouble(p.max, 'max'))},${temporality(d)}`
  );
}

function mapSummaryPoint(p: Record<string, unknown>): string {
  const quantiles: string[] = [];
  const values: string[] = [];
  const list = readArray(p.quantileValues, 'quantileValues');
  for (let i = 0; i < list.length; i++) {
    const q = readObject(list[i], `quantileValues/${i}`) ?? {};
    quantiles.push(float(readDouble(q.quantile, `quantileValues/${i}/quantile`)));
    values.push(float(readDouble(q.value, `quantileValues/${i}/value`)));
  }
  return (
    `${readUint64Text(p.count, 'count')},${float(readDouble(p.sum, 'sum'))},` +
    `[${quantiles.join(',')}],[${values.join(',')}],${flags(p)}`
  );
}
