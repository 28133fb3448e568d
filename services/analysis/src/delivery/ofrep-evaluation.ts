import { createHash } from 'node:crypto';
import type {
  ConfigSnapshot,
  EvaluationContext,
  EvaluationResult,
  JsonValue,
} from '@tripwire/schema';
import { compileConfig } from '@tripwire/sdk';
import type { CompiledConfig } from '@tripwire/sdk';

/** OFREP success item (https://github.com/open-feature/protocol, service/openapi.yaml). */
export interface OfrepSuccess {
  key: string;
  value?: JsonValue;
  reason: string;
  variant?: string;
  metadata?: Record<string, string | number | boolean>;
}
/** OFREP failure item; `FLAG_NOT_FOUND` answers 404, the others 400. */
export interface OfrepFailure {
  key: string;
  errorCode:
    'PARSE_ERROR' | 'TARGETING_KEY_MISSING' | 'INVALID_CONTEXT' | 'GENERAL' | 'FLAG_NOT_FOUND';
  errorDetails?: string;
}
export type OfrepItem = OfrepSuccess | OfrepFailure;

const ERROR_CODES: Record<string, OfrepFailure['errorCode']> = {
  flag_not_found: 'FLAG_NOT_FOUND',
  targeting_key_missing: 'TARGETING_KEY_MISSING',
  invalid_context: 'INVALID_CONTEXT',
  parse_error: 'PARSE_ERROR',
};

/** Maps the SDK core's result (semconv lower-case reasons and codes) to an OFREP item. */
export function toOfrepItem(
  key: string,
  result: EvaluationResult<JsonValue | undefined>,
  metadata: Record<string, string | number | boolean>,
): OfrepItem {
  if (result.errorCode !== undefined || result.reason === 'error') {
    return {
      key,
      errorCode: ERROR_CODES[result.errorCode ?? ''] ?? 'GENERAL',
      ...(result.errorMessage === undefined ? {} : { errorDetails: result.errorMessage }),
    };
  }
  const item: OfrepSuccess = {
    key,
    reason: result.reason.toUpperCase(),
    metadata: {
      ...metadata,
      ...(result.flagVersion === undefined ? {} : { version: result.flagVersion }),
    },
  };
  if (result.value !== undefined) item.value = result.value;
  if (result.variant !== undefined) item.variant = result.variant;
  return item;
}

/** The status an item is answered with on the single-flag endpoint. */
export function statusOf(item: OfrepItem): number {
  if (!('errorCode' in item)) return 200;
  return item.errorCode === 'FLAG_NOT_FOUND' ? 404 : 400;
}

/** A context is a JSON object; anything else is `INVALID_CONTEXT` (undefined = valid). */
export function checkContext(body: unknown): { context: EvaluationContext } | { error: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { error: 'the request body must be a JSON object with a "context" object' };
  }
  const context = (body as { context?: unknown }).context;
  if (typeof context !== 'object' || context === null || Array.isArray(context)) {
    return { error: '"context" must be an object (with a string "targetingKey")' };
  }
  const targetingKey = (context as { targetingKey?: unknown }).targetingKey;
  if (targetingKey !== undefined && typeof targetingKey !== 'string') {
    return { error: '"context.targetingKey" must be a string' };
  }
  return { context: context as EvaluationContext };
}

/** Bulk ETag: the config version and a hash of the context (results depend on both). */
export function formatBulkEtag(configEtag: string, context: EvaluationContext): string {
  const digest = createHash('sha256').update(stableStringify(context)).digest('base64url');
  return `${configEtag.replace(/"$/, '')}.${digest.slice(0, 16)}"`;
}

function stableStringify(value: unknown): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
    a < b ? -1 : 1,
  );
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
}

/** Compiles each snapshot once (per channel and version) with the SDK's pure evaluation core. */
export class CompiledConfigCache {
  readonly #byChannel = new Map<string, CompiledConfig>();

  get(channelId: string, snapshot: ConfigSnapshot): CompiledConfig {
    const cached = this.#byChannel.get(channelId);
    if (cached?.version === snapshot.version) return cached;
    const compiled = compileConfig(snapshot);
    this.#byChannel.set(channelId, compiled);
    return compiled;
  }
}
