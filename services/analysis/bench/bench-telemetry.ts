/**
 * The benchmarks' generated experiment, as `INSERT … SELECT FROM numbers()` statements into
 * otel_traces (`{traces}` is replaced by the table; `{start}`/`{count}` page through the numbers),
 * so the materialized views fill exactly as in production.
 */
export const FLAG = 'bench-checkout';

/** Exposure spans: unit u gets variant u % 2, first exposed within one day. */
export const EXPOSURE_SQL = `INSERT INTO {traces} (Timestamp, TraceId, SpanId, SpanName, SpanKind, ServiceName, ResourceAttributes, SpanAttributes, Duration, StatusCode)
SELECT
  toDateTime64('2026-11-20 00:00:00', 9, 'UTC') + toIntervalMillisecond(intHash32(number) % 86400000),
  lower(hex(cityHash64(number, 1))), lower(hex(number)), 'tripwire.exposure', 'Internal', 'api',
  map('service.name', 'api', 'deployment.environment.name', 'production', 'telemetry.sdk.language', 'nodejs'),
  map('feature_flag.key', {flag:String},
      'feature_flag.result.variant', if(number % 2 = 0, 'control', 'treatment'),
      'feature_flag.result.reason', 'split',
      'feature_flag.context.id', lower(hex(cityHash64(number))),
      'tripwire.environment', 'production',
      'tripwire.unit.id', lower(hex(cityHash64(number)))),
  1000, 'Unset'
FROM numbers({start:UInt64}, {count:UInt64})`;

/**
 * Request spans: span n belongs to unit n % EXPOSURES, services api/payments/search, ~1% errors
 * (2% for treatment in payments), log-normal-ish latency; a unit's spans fall in a few minutes.
 * Attributes as an instrumented HTTP server writes them (method, route, status, host, SDK).
 */
export const SPAN_SQL = `INSERT INTO {traces} (Timestamp, TraceId, SpanId, SpanName, SpanKind, ServiceName, ResourceAttributes, SpanAttributes, Duration, StatusCode)
SELECT
  toDateTime64('2026-11-20 00:00:00', 9, 'UTC') + toIntervalMillisecond(intHash32(unit) % 86400000 + (number % 7) * 20000),
  lower(hex(cityHash64(number, 2))), lower(hex(number)),
  concat('GET /', service), if(number % 5 = 0, 'SPAN_KIND_SERVER', 'Server'), service,
  map('service.name', service, 'cloud.region', if(unit % 3 = 0, 'eu', 'us'), 'service.version', '1.4.2',
      'deployment.environment.name', 'production', 'host.name', concat(service, '-', toString(number % 4)),
      'telemetry.sdk.language', 'nodejs', 'telemetry.sdk.name', 'opentelemetry'),
  map(concat('tripwire.variant.', {flag:String}), variant, 'tripwire.unit.id', lower(hex(cityHash64(unit))),
      'http.request.method', 'GET', 'http.route', concat('/', service), 'url.path', concat('/', service),
      'http.response.status_code', if(failed, '500', '200'), 'server.address', concat(service, '.internal')),
  toUInt64(1e6 * (5 + 20 * exp(randNormal(0, 0.5)))),
  if(failed, 'Error', 'Unset')
FROM (
  SELECT number, number % {units:UInt64} AS unit, if(unit % 2 = 0, 'control', 'treatment') AS variant,
    ['api', 'payments', 'search'][number % 3 + 1] AS service,
    randCanonical() < if(variant = 'treatment' AND service = 'payments', 0.02, 0.01) AS failed
  FROM numbers({start:UInt64}, {count:UInt64})
)`;

/**
 * Conversion spans ('purchase'): 10% of units one hour after their exposure, 5% two hours
 * before it (the CUPED pre-period).
 */
export const CONVERSION_SQL = `INSERT INTO {traces} (Timestamp, TraceId, SpanId, SpanName, SpanKind, ServiceName, SpanAttributes, Duration, StatusCode)
SELECT
  toDateTime64('2026-11-20 00:00:00', 9, 'UTC') + toIntervalMillisecond(intHash32(unit) % 86400000)
    + toIntervalSecond(if(cityHash64(unit, 3) % 20 < 2, 3600, -7200)),
  lower(hex(cityHash64(unit, 3))), lower(hex(unit)), 'tripwire.conversion', 'Internal', 'shop',
  map('tripwire.unit.id', lower(hex(cityHash64(unit))), 'tripwire.conversion.event', 'purchase',
      'tripwire.conversion.value', '42.5'),
  1000, 'Unset'
FROM (SELECT number AS unit FROM numbers({start:UInt64}, {count:UInt64}))
WHERE cityHash64(unit, 3) % 20 IN (0, 1, 2)`;

/**
 * Log records in the request spans' traces: one in about every tenth span's (same TraceId and
 * time; chosen by hash, so both arms get them: every tenth span number would be an even unit's
 * when the unit count is even), error severity for 10% of them (15% for treatment), so a log
 * metric reaches its unit by trace context.
 */
export const LOG_SQL = `INSERT INTO {logs} (Timestamp, TraceId, SpanId, SeverityNumber, SeverityText, ServiceName, Body, LogAttributes)
SELECT
  toDateTime64('2026-11-20 00:00:00', 9, 'UTC') + toIntervalMillisecond(intHash32(unit) % 86400000 + (number % 7) * 20000),
  lower(hex(cityHash64(number, 2))), lower(hex(number)),
  if(failed, 17, 9), if(failed, 'ERROR', 'INFO'), 'payments',
  if(failed, 'payment failed: declined', 'payment ok'), map('payment.attempt', toString(number % 3))
FROM (
  SELECT number, number % {units:UInt64} AS unit,
    randCanonical() < if(unit % 2 = 1, 0.15, 0.1) AS failed
  FROM numbers({start:UInt64}, {count:UInt64})
  WHERE cityHash64(number, 5) % 10 = 0
)`;

/**
 * One cumulative histogram series per unit (`shop.basket.value`, the unit and variant among its
 * attributes as `assignmentAttributes()` puts them), exported twice: the reader takes the last.
 */
export const POINT_SQL = `INSERT INTO {histograms} (ServiceName, MetricName, Attributes, StartTimeUnix, TimeUnix, Count, Sum, BucketCounts, ExplicitBounds, AggregationTemporality)
SELECT 'shop', 'shop.basket.value',
  map('tripwire.unit.id', lower(hex(cityHash64(unit))), concat('tripwire.variant.', {flag:String}), if(unit % 2 = 0, 'control', 'treatment')),
  toDateTime('2026-11-20 00:00:00', 'UTC'),
  toDateTime('2026-11-20 00:00:00', 'UTC') + toIntervalSecond(intHash32(unit) % 86400 + export * 60),
  2 + export, (20 + cityHash64(unit, 4) % 40) * (2 + export), [1 + export, 1], [50], 2
FROM (SELECT number AS unit, arrayJoin([0, 1]) AS export FROM numbers({start:UInt64}, {count:UInt64}))`;
