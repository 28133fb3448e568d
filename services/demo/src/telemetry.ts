import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { TripwireSpanProcessor } from '@tripwire/sdk';

export interface TelemetryOptions {
  /** Base URL of an OTLP/HTTP receiver (the analysis service's :4318). */
  otlpUrl: string;
  serviceName: string;
  /** How often batches are exported; short in tests so the guardian sees traffic quickly. */
  exportDelayMs: number;
}

/**
 * The host's OTel SDK: Tripwire's span processor (stamps assignments) before a batch exporter
 * sending OTLP/HTTP protobuf to the analysis service. Registers the global providers.
 */
export function startTelemetry(options: TelemetryOptions): NodeSDK {
  const exporter = new OTLPTraceExporter({
    url: `${options.otlpUrl.replace(/\/+$/, '')}/v1/traces`,
  });
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    spanProcessors: [
      new TripwireSpanProcessor(),
      new BatchSpanProcessor(exporter, {
        scheduledDelayMillis: options.exportDelayMs,
        maxQueueSize: 65_536,
        maxExportBatchSize: 4096,
      }),
    ],
    instrumentations: [],
    autoDetectResources: false,
  });
  sdk.start();
  return sdk;
}
