import type { ConfigSnapshot, Flag, JsonValue } from '@tripwire/schema';
import type { TripwireClient } from '../client-types.js';
import { createClientWithSource } from '../client.js';
import type { ClientOptions } from '../client-options.js';
import { TripwireError } from '../errors.js';
import { createStaticSource } from '../sources/static-source.js';

/**
 * Forces a flag: a variant key of a flag in `config`, or `{ value }` for a flag the config does
 * not have (a one-variant flag named `override` is synthesized).
 */
export type FlagOverride = string | { readonly value: JsonValue };

export interface TestClientOptions extends Partial<Omit<ClientOptions, 'source' | 'bootstrap'>> {
  /** Base config (default: empty, environment `test`). */
  readonly config?: ConfigSnapshot;
  readonly overrides?: Readonly<Record<string, FlagOverride>>;
}

const TEST_HASH_KEY = 'tripwire-test-hash-key';

function typeOf(value: JsonValue): Flag['type'] {
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return 'number';
  return 'json';
}

function synthesizeFlag(key: string, value: JsonValue, environment: string): Flag {
  return {
    key,
    kind: 'release',
    type: typeOf(value),
    variants: [{ key: 'override', value }],
    defaultVariant: 'override',
    salt: key,
    metadata: { owner: 'test', createdAt: '2026-01-01T00:00:00Z' },
    environments: {
      [environment]: { enabled: true, rules: [], fallthrough: { variant: 'override' } },
    },
    version: 0,
  };
}

/** Pins a flag of the config to one variant in `environment` (enabled, no rules). */
function pinFlag(flag: Flag, variant: string, environment: string): Flag {
  if (!flag.variants.some((v) => v.key === variant)) {
    const known = flag.variants.map((v) => v.key).join(', ');
    throw new TripwireError(
      'TRIPWIRE_INVALID_OPTIONS',
      `overrides.${flag.key}: no variant '${variant}' (has ${known})`,
    );
  }
  const state = { enabled: true, rules: [], fallthrough: { variant } };
  return {
    ...flag,
    prerequisites: [],
    environments: { ...flag.environments, [environment]: state },
  };
}

/** The config a test client evaluates: `config` with `overrides` applied. */
export function applyOverrides(options: TestClientOptions): ConfigSnapshot {
  const environment = options.environment ?? options.config?.environment ?? 'test';
  const base: ConfigSnapshot = options.config ?? {
    schemaVersion: 1,
    environment,
    version: 0,
    generatedAt: new Date(0).toISOString(),
    flags: [],
    segments: [],
  };
  const flags = new Map(base.flags.map((f) => [f.key, f]));
  for (const [key, override] of Object.entries(options.overrides ?? {})) {
    const flag = flags.get(key);
    if (typeof override === 'string') {
      if (flag === undefined) {
        throw new TripwireError(
          'TRIPWIRE_INVALID_OPTIONS',
          `overrides.${key}: the config has no flag '${key}'; pass { value } to create one`,
        );
      }
      flags.set(key, pinFlag(flag, override, environment));
    } else {
      flags.set(key, synthesizeFlag(key, override.value, environment));
    }
  }
  return { ...base, environment, flags: [...flags.values()] };
}

/**
 * A real client over an in-memory config with flags forced to chosen variants. Ready at once;
 * telemetry goes to the given (or global) tracer and meter like any client. Throws
 * `TripwireError` for an override naming an unknown flag or variant, or an invalid config.
 */
export function createTestClient(options: TestClientOptions = {}): TripwireClient {
  const config = applyOverrides(options);
  const { config: _config, overrides: _overrides, ...clientOptions } = options;
  const client = createClientWithSource(
    {
      hashKey: TEST_HASH_KEY,
      logger: null,
      ...clientOptions,
      environment: config.environment,
      source: { type: 'static', config },
    },
    createStaticSource(config),
  );
  const status = client.status();
  if (status.version === undefined) {
    void client.close();
    throw new TripwireError(
      'TRIPWIRE_INVALID_OPTIONS',
      `createTestClient: the config is invalid: ${status.lastProblem?.message ?? 'unknown reason'}`,
    );
  }
  return client;
}
