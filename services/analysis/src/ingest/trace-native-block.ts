import { RowBuffer } from './row-buffer.js';
import { TRACE_COLUMNS } from './trace-rows.js';

/** Running element counts of an array column, written as UInt64 offsets. */
export class ArrayOffsets {
  readonly offsets = new RowBuffer(1 << 12);
  /** Elements written so far (the last offset). */
  total = 0;

  endArray(elements: number): void {
    this.total += elements;
    this.offsets.int64(this.total % 2 ** 32, Math.floor(this.total / 2 ** 32));
  }

  reset(): void {
    this.offsets.pos = 0;
    this.total = 0;
  }
}

/**
 * One `Map(String, String)` column of a ClickHouse Native block
 * (https://clickhouse.com/docs/interfaces/formats/Native): in Native a map is an array of
 * entries — per map, the running total of entries as UInt64 (`offsets`); then every key, then
 * every value, each a varint length and bytes. Also serves `Array(Map(…))`, whose array offsets
 * are kept by the caller.
 */
export class MapColumn extends ArrayOffsets {
  readonly keys = new RowBuffer(1 << 16);
  readonly values = new RowBuffer(1 << 16);

  /** Closes one map of `entries` entries (already written to `keys` and `values`). */
  endMap(entries: number): void {
    this.endArray(entries);
  }

  override reset(): void {
    super.reset();
    this.keys.pos = this.values.pos = 0;
  }
}

/**
 * The Native types the block declares, in `TRACE_COLUMNS` order. LowCardinality columns and map
 * keys are sent as plain `String`: ClickHouse converts them to the table's types on insert
 * (`input_format_native_allow_types_conversion`, on by default), which costs ~1 µs/span and
 * spares this writer LowCardinality's dictionary encoding.
 */
const NATIVE_TYPES: Record<(typeof TRACE_COLUMNS)[number], string> = {
  Timestamp: 'DateTime64(9)',
  TraceId: 'String',
  SpanId: 'String',
  ParentSpanId: 'String',
  TraceState: 'String',
  SpanName: 'String',
  SpanKind: 'String',
  ServiceName: 'String',
  ResourceAttributes: 'Map(String, String)',
  ScopeName: 'String',
  ScopeVersion: 'String',
  SpanAttributes: 'Map(String, String)',
  Duration: 'UInt64',
  StatusCode: 'String',
  StatusMessage: 'String',
  'Events.Timestamp': 'Array(DateTime64(9))',
  'Events.Name': 'Array(String)',
  'Events.Attributes': 'Array(Map(String, String))',
  'Links.TraceId': 'Array(String)',
  'Links.SpanId': 'Array(String)',
  'Links.TraceState': 'Array(String)',
  'Links.Attributes': 'Array(Map(String, String))',
};

/** Each column's name and type as the Native block header spells them. */
const COLUMN_HEADERS = TRACE_COLUMNS.map((name) => {
  const header = new RowBuffer(64);
  const type = Buffer.from(NATIVE_TYPES[name]);
  header.string(Buffer.from(name), 0, name.length);
  header.string(type, 0, type.length);
  return header.buf.subarray(0, header.pos);
});

/**
 * The columns of `otel_traces` rows being written, one buffer (or a few) per column, turned
 * into one Native block by `finish`. Reused from request to request.
 */
export class TraceBlock {
  readonly timestamp = new RowBuffer(1 << 14);
  readonly traceId = new RowBuffer(1 << 15);
  readonly spanId = new RowBuffer(1 << 14);
  readonly parentSpanId = new RowBuffer(1 << 14);
  readonly traceState = new RowBuffer(1 << 12);
  readonly spanName = new RowBuffer(1 << 15);
  readonly spanKind = new RowBuffer(1 << 13);
  readonly serviceName = new RowBuffer(1 << 13);
  readonly resourceAttributes = new MapColumn();
  readonly scopeName = new RowBuffer(1 << 15);
  readonly scopeVersion = new RowBuffer(1 << 13);
  readonly spanAttributes = new MapColumn();
  readonly duration = new RowBuffer(1 << 14);
  readonly statusCode = new RowBuffer(1 << 13);
  readonly statusMessage = new RowBuffer(1 << 12);
  /** Shared by the three `Events.*` columns (same sizes). */
  readonly events = new ArrayOffsets();
  readonly eventTimestamp = new RowBuffer(1 << 14);
  readonly eventName = new RowBuffer(1 << 15);
  readonly eventAttributes = new MapColumn();
  /** Shared by the four `Links.*` columns. */
  readonly links = new ArrayOffsets();
  readonly linkTraceId = new RowBuffer(1 << 10);
  readonly linkSpanId = new RowBuffer(1 << 10);
  readonly linkTraceState = new RowBuffer(1 << 10);
  readonly linkAttributes = new MapColumn();

  reset(): void {
    for (const buffer of this.#plainColumns()) buffer.pos = 0;
    for (const map of [this.resourceAttributes, this.spanAttributes]) map.reset();
    for (const map of [this.eventAttributes, this.linkAttributes]) map.reset();
    this.events.reset();
    this.links.reset();
  }

  /** Writes the block (header, then each column's data in `TRACE_COLUMNS` order) to `out`. */
  finish(out: RowBuffer, rows: number): void {
    out.varint(TRACE_COLUMNS.length);
    out.varint(rows);
    const parts = this.#columnParts();
    for (let i = 0; i < parts.length; i++) {
      const header = COLUMN_HEADERS[i]!;
      out.copy(header, 0, header.length);
      for (const part of parts[i]!) out.copy(part.buf, 0, part.pos);
    }
  }

  #plainColumns(): RowBuffer[] {
    return [
      this.timestamp,
      this.traceId,
      this.spanId,
      this.parentSpanId,
      this.traceState,
      this.spanName,
      this.spanKind,
      this.serviceName,
      this.scopeName,
      this.scopeVersion,
      this.duration,
      this.statusCode,
      this.statusMessage,
      this.eventTimestamp,
      this.eventName,
      this.linkTraceId,
      this.linkSpanId,
      this.linkTraceState,
    ];
  }

  /** The buffers making up each column's data, in `TRACE_COLUMNS` order. */
  #columnParts(): RowBuffer[][] {
    const map = (column: MapColumn) => [column.offsets, column.keys, column.values];
    const events = this.events.offsets;
    const links = this.links.offsets;
    return [
      [this.timestamp],
      [this.traceId],
      [this.spanId],
      [this.parentSpanId],
      [this.traceState],
      [this.spanName],
      [this.spanKind],
      [this.serviceName],
      map(this.resourceAttributes),
      [this.scopeName],
      [this.scopeVersion],
      map(this.spanAttributes),
      [this.duration],
      [this.statusCode],
      [this.statusMessage],
      [events, this.eventTimestamp],
      [events, this.eventName],
      [events, ...map(this.eventAttributes)],
      [links, this.linkTraceId],
      [links, this.linkSpanId],
      [links, this.linkTraceState],
      [links, ...map(this.linkAttributes)],
    ];
  }
}
