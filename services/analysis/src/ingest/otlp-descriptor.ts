import protobuf from 'protobufjs';

/**
 * OTLP message definitions for protobufjs, written from open-telemetry/opentelemetry-proto 1.x
 * (`opentelemetry/proto/{common,resource,trace,metrics,logs}/v1/*.proto`, the collector
 * `*_service.proto` files, and `google/rpc/status.proto`). Field names are the proto3 JSON
 * (lowerCamelCase) names, so decoded protobuf messages and parsed OTLP/JSON share one shape.
 * Enums are declared as int32 (same wire encoding): we store their numeric values.
 */
const f = (type: string, id: number) => ({ type, id });
const many = (type: string, id: number) => ({ type, id, rule: 'repeated' });

const descriptor = {
  nested: {
    otlp: {
      nested: {
        AnyValue: {
          // A oneof, so protobufjs keeps presence: `boolValue: false` and `intValue: 0` survive.
          oneofs: {
            value: {
              oneof: [
                'stringValue',
                'boolValue',
                'intValue',
                'doubleValue',
                'arrayValue',
                'kvlistValue',
                'bytesValue',
              ],
            },
          },
          fields: {
            stringValue: f('string', 1),
            boolValue: f('bool', 2),
            intValue: f('int64', 3),
            doubleValue: f('double', 4),
            arrayValue: f('ArrayValue', 5),
            kvlistValue: f('KeyValueList', 6),
            bytesValue: f('bytes', 7),
          },
        },
        ArrayValue: { fields: { values: many('AnyValue', 1) } },
        KeyValueList: { fields: { values: many('KeyValue', 1) } },
        KeyValue: { fields: { key: f('string', 1), value: f('AnyValue', 2) } },
        InstrumentationScope: {
          fields: {
            name: f('string', 1),
            version: f('string', 2),
            attributes: many('KeyValue', 3),
            droppedAttributesCount: f('uint32', 4),
          },
        },
        Resource: {
          fields: { attributes: many('KeyValue', 1), droppedAttributesCount: f('uint32', 2) },
        },
        // trace/v1/trace.proto
        ExportTraceServiceRequest: { fields: { resourceSpans: many('ResourceSpans', 1) } },
        ResourceSpans: {
          fields: {
            resource: f('Resource', 1),
            scopeSpans: many('ScopeSpans', 2),
            schemaUrl: f('string', 3),
          },
        },
        ScopeSpans: {
          fields: {
            scope: f('InstrumentationScope', 1),
            spans: many('Span', 2),
            schemaUrl: f('string', 3),
          },
        },
        Span: {
          fields: {
            traceId: f('bytes', 1),
            spanId: f('bytes', 2),
            traceState: f('string', 3),
            parentSpanId: f('bytes', 4),
            name: f('string', 5),
            kind: f('int32', 6),
            startTimeUnixNano: f('fixed64', 7),
            endTimeUnixNano: f('fixed64', 8),
            attributes: many('KeyValue', 9),
            droppedAttributesCount: f('uint32', 10),
            events: many('SpanEvent', 11),
            droppedEventsCount: f('uint32', 12),
            links: many('SpanLink', 13),
            droppedLinksCount: f('uint32', 14),
            status: f('Status', 15),
            flags: f('fixed32', 16),
          },
        },
        SpanEvent: {
          fields: {
            timeUnixNano: f('fixed64', 1),
            name: f('string', 2),
            attributes: many('KeyValue', 3),
            droppedAttributesCount: f('uint32', 4),
          },
        },
        SpanLink: {
          fields: {
            traceId: f('bytes', 1),
            spanId: f('bytes', 2),
            traceState: f('string', 3),
            attributes: many('KeyValue', 4),
            droppedAttributesCount: f('uint32', 5),
            flags: f('fixed32', 6),
          },
        },
        Status: { fields: { message: f('string', 2), code: f('int32', 3) } },
        // logs/v1/logs.proto
        ExportLogsServiceRequest: { fields: { resourceLogs: many('ResourceLogs', 1) } },
        ResourceLogs: {
          fields: {
            resource: f('Resource', 1),
            scopeLogs: many('ScopeLogs', 2),
            schemaUrl: f('string', 3),
          },
        },
        ScopeLogs: {
          fields: {
            scope: f('InstrumentationScope', 1),
            logRecords: many('LogRecord', 2),
            schemaUrl: f('string', 3),
          },
        },
        LogRecord: {
          fields: {
            timeUnixNano: f('fixed64', 1),
            severityNumber: f('int32', 2),
            severityText: f('string', 3),
            body: f('AnyValue', 5),
            attributes: many('KeyValue', 6),
            droppedAttributesCount: f('uint32', 7),
            flags: f('fixed32', 8),
            traceId: f('bytes', 9),
            spanId: f('bytes', 10),
            observedTimeUnixNano: f('fixed64', 11),
            eventName: f('string', 12),
          },
        },
        // metrics/v1/metrics.proto
        ExportMetricsServiceRequest: { fields: { resourceMetrics: many('ResourceMetrics', 1) } },
        ResourceMetrics: {
          fields: {
            resource: f('Resource', 1),
            scopeMetrics: many('ScopeMetrics', 2),
            schemaUrl: f('string', 3),
          },
        },
        ScopeMetrics: {
          fields: {
            scope: f('InstrumentationScope', 1),
            metrics: many('Metric', 2),
            schemaUrl: f('string', 3),
          },
        },
        Metric: {
          oneofs: {
            data: { oneof: ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] },
          },
          fields: {
            name: f('string', 1),
            description: f('string', 2),
            unit: f('string', 3),
            gauge: f('Gauge', 5),
            sum: f('Sum', 7),
            histogram: f('Histogram', 9),
            exponentialHistogram: f('ExponentialHistogram', 10),
            summary: f('Summary', 11),
            metadata: many('KeyValue', 12),
          },
        },
        Gauge: { fields: { dataPoints: many('NumberDataPoint', 1) } },
        Sum: {
          fields: {
            dataPoints: many('NumberDataPoint', 1),
            aggregationTemporality: f('int32', 2),
            isMonotonic: f('bool', 3),
          },
        },
        Histogram: {
          fields: {
            dataPoints: many('HistogramDataPoint', 1),
            aggregationTemporality: f('int32', 2),
          },
        },
        ExponentialHistogram: {
          fields: {
            dataPoints: many('ExponentialHistogramDataPoint', 1),
            aggregationTemporality: f('int32', 2),
          },
        },
        Summary: { fields: { dataPoints: many('SummaryDataPoint', 1) } },
        NumberDataPoint: {
          oneofs: { value: { oneof: ['asDouble', 'asInt'] } },
          fields: {
            attributes: many('KeyValue', 7),
            startTimeUnixNano: f('fixed64', 2),
            timeUnixNano: f('fixed64', 3),
            asDouble: f('double', 4),
            asInt: f('sfixed64', 6),
            exemplars: many('Exemplar', 5),
            flags: f('uint32', 8),
          },
        },
        HistogramDataPoint: {
          fields: {
            attributes: many('KeyValue', 9),
            startTimeUnixNano: f('fixed64', 2),
            timeUnixNano: f('fixed64', 3),
            count: f('fixed64', 4),
            sum: f('double', 5),
            bucketCounts: many('fixed64', 6),
            explicitBounds: many('double', 7),
            exemplars: many('Exemplar', 8),
            flags: f('uint32', 10),
            min: f('double', 11),
            max: f('double', 12),
          },
        },
        ExponentialHistogramDataPoint: {
          fields: {
            attributes: many('KeyValue', 1),
            startTimeUnixNano: f('fixed64', 2),
            timeUnixNano: f('fixed64', 3),
            count: f('fixed64', 4),
            sum: f('double', 5),
            scale: f('sint32', 6),
            zeroCount: f('fixed64', 7),
            positive: f('Buckets', 8),
            negative: f('Buckets', 9),
            flags: f('uint32', 10),
            exemplars: many('Exemplar', 11),
            min: f('double', 12),
            max: f('double', 13),
            zeroThreshold: f('double', 14),
          },
        },
        Buckets: { fields: { offset: f('sint32', 1), bucketCounts: many('uint64', 2) } },
        SummaryDataPoint: {
          fields: {
            attributes: many('KeyValue', 7),
            startTimeUnixNano: f('fixed64', 2),
            timeUnixNano: f('fixed64', 3),
            count: f('fixed64', 4),
            sum: f('double', 5),
            quantileValues: many('ValueAtQuantile', 6),
            flags: f('uint32', 8),
          },
        },
        ValueAtQuantile: { fields: { quantile: f('double', 1), value: f('double', 2) } },
        Exemplar: {
          oneofs: { value: { oneof: ['asDouble', 'asInt'] } },
          fields: {
            filteredAttributes: many('KeyValue', 7),
            timeUnixNano: f('fixed64', 2),
            asDouble: f('double', 3),
            asInt: f('sfixed64', 6),
            spanId: f('bytes', 4),
            traceId: f('bytes', 5),
          },
        },
        // collector/*/v1/*_service.proto responses
        ExportTraceServiceResponse: { fields: { partialSuccess: f('ExportPartialSuccess', 1) } },
        ExportMetricsServiceResponse: {
          fields: { partialSuccess: f('ExportPartialSuccess', 1) },
        },
        ExportLogsServiceResponse: { fields: { partialSuccess: f('ExportPartialSuccess', 1) } },
        // rejected_spans / rejected_data_points / rejected_log_records: all field 1, int64.
        ExportPartialSuccess: { fields: { rejected: f('int64', 1), errorMessage: f('string', 2) } },
        // google/rpc/status.proto (details are Any; we never send any).
        RpcStatus: { fields: { code: f('int32', 1), message: f('string', 2) } },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(descriptor);
const lookup = (name: string): protobuf.Type => root.lookupType(`otlp.${name}`);

/** Compiled OTLP message types (protobufjs generates their decoders on first use). */
export const OtlpMessages = {
  anyValue: lookup('AnyValue'),
  traceRequest: lookup('ExportTraceServiceRequest'),
  metricsRequest: lookup('ExportMetricsServiceRequest'),
  logsRequest: lookup('ExportLogsServiceRequest'),
  traceResponse: lookup('ExportTraceServiceResponse'),
  metricsResponse: lookup('ExportMetricsServiceResponse'),
  logsResponse: lookup('ExportLogsServiceResponse'),
  status: lookup('RpcStatus'),
} as const;

/** Protobuf wire types (https://protobuf.dev/programming-guides/encoding/#structure). */
export const WireType = { varint: 0, fixed64: 1, lengthDelimited: 2, fixed32: 5 } as const;

function wireTypeOf(field: protobuf.Field): number {
  if (field.resolvedType instanceof protobuf.Type) return WireType.lengthDelimited;
  switch (field.type) {
    case 'string':
    case 'bytes':
      return WireType.lengthDelimited;
    case 'fixed64':
    case 'sfixed64':
    case 'double':
      return WireType.fixed64;
    case 'fixed32':
    case 'sfixed32':
    case 'float':
      return WireType.fixed32;
    default:
      return WireType.varint;
  }
}

/** One message's fields for a wire walker: number and wire type by field name. */
export interface WireFields<Name extends string> {
  /** Field numbers by (JSON) field name. */
  id: Record<Name, number>;
  /** Expected wire type by field number (-1: undeclared, or a repeated number, packed or not). */
  wireType: Int8Array;
  /** The message name, for error messages. */
  message: string;
}

/**
 * Field numbers and wire types of an OTLP message, read from the definitions above, so the
 * wire walkers (`trace-wire-rows.ts`) never repeat a field number. Throws when `names` lists a
 * field the message does not have.
 */
export function readWireFields<Name extends string>(
  message: string,
  names: readonly Name[],
): WireFields<Name> {
  const type = root.lookupType(`otlp.${message}`);
  type.resolveAll();
  const id = {} as Record<Name, number>;
  let max = 0;
  for (const field of type.fieldsArray) max = Math.max(max, field.id);
  const wireType = new Int8Array(max + 1).fill(-1);
  for (const field of type.fieldsArray) {
    const packable = field.repeated && wireTypeOf(field) !== WireType.lengthDelimited;
    // A repeated number may come packed (length-delimited) or not: either is accepted.
    wireType[field.id] = packable ? -1 : wireTypeOf(field);
  }
  for (const name of names) {
    const field = type.fields[name];
    if (field === undefined) throw new Error(`otlp.${message} has no field ${name}`);
    id[name] = field.id;
  }
  return { id, wireType, message };
}
