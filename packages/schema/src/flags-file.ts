import type { Condition } from './condition.js';
import type { ConfigSnapshot } from './config.js';
import type { Flag, FlagKind, FlagValueType, Rule, Serve } from './flag.js';
import { FLAG_KEY_PATTERN } from './keys.js';
import { SCHEMA_VERSION } from './config.js';
import type { ValidationIssue, ValidationResult } from './validation-issue.js';
import { escapePointer } from './validation-issue.js';
import { validateConfigSnapshot } from './validate.js';

/**
 * The hand-written flags file a service starts from (see the README's "Flags files"): flags by
 * key, each with its variants and a split or rules, everything else defaulted. A document with
 * `schemaVersion` is a full config snapshot instead and is left alone.
 */
export interface FlagsFile {
  readonly flags: Readonly<Record<string, FlagShorthand>>;
  readonly version?: number;
}

type Value = Flag['variants'][number]['value'];

export interface FlagShorthand {
  /** Values (keys derived from them) or `{ variantKey: value }`; the first is the default. */
  readonly variants: readonly Value[] | Readonly<Record<string, Value>>;
  readonly default?: string;
  /** Weights: aligned with `variants`, or `{ variantKey: weight }`. */
  readonly split?: readonly number[] | Readonly<Record<string, number>>;
  /** One rule or a list; `serve` names a variant by key or by value. */
  readonly rules?: RuleShorthand | readonly RuleShorthand[];
  readonly kind?: FlagKind;
  readonly enabled?: boolean;
  readonly unit?: string;
  readonly owner?: string;
  readonly description?: string;
}

export interface RuleShorthand {
  readonly id?: string;
  /** A condition; a single value where `values` takes a list is accepted. */
  readonly when: unknown;
  readonly serve: Value;
}

const KEY = new RegExp(FLAG_KEY_PATTERN);
const CREATED_AT = '1970-01-01T00:00:00Z';

/** True when `doc` is a flags file rather than a full config snapshot. */
export function isFlagsFile(doc: unknown): doc is FlagsFile {
  if (typeof doc !== 'object' || doc === null || 'schemaVersion' in doc) return false;
  const flags = (doc as { flags?: unknown }).flags;
  return typeof flags === 'object' && flags !== null && !Array.isArray(flags);
}

class FlagsFileError extends Error {
  readonly issue: ValidationIssue;
  constructor(issue: ValidationIssue) {
    super(issue.message);
    this.issue = issue;
  }
}

function fail(path: string, message: string): never {
  throw new FlagsFileError({ instancePath: path, message });
}

function asList<T>(value: T | readonly T[] | undefined): readonly T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? (value as readonly T[]) : [value as T];
}

function typeOf(values: readonly Value[], path: string): FlagValueType {
  const types = new Set(
    values.map((v) => (typeof v === 'object' || typeof v === 'undefined' ? 'json' : typeof v)),
  );
  if (types.size !== 1) fail(path, 'variants must all have the same type');
  const [type] = types;
  return type === 'boolean' || type === 'string' || type === 'number' ? type : 'json';
}

function expandVariants(shorthand: FlagShorthand, path: string): Flag['variants'] {
  const given = shorthand.variants as unknown;
  if (Array.isArray(given)) {
    if (given.length === 0) fail(path, 'variants must not be empty');
    return (given as Value[]).map((value, i) => {
      const key = typeof value === 'object' ? `variant-${i}` : String(value);
      return { key: KEY.test(key) ? key : `variant-${i}`, value };
    });
  }
  if (typeof given !== 'object' || given === null)
    fail(path, 'variants must be a list of values or an object of variant keys to values');
  const entries = Object.entries(given as Record<string, Value>);
  if (entries.length === 0) fail(path, 'variants must not be empty');
  return entries.map(([key, value]) => {
    if (!KEY.test(key))
      fail(`${path}/${escapePointer(key)}`, `variant key must match ${FLAG_KEY_PATTERN}`);
    return { key, value };
  });
}

function expandSplit(
  split: FlagShorthand['split'],
  variants: Flag['variants'],
  path: string,
): Serve {
  const pairs = Array.isArray(split)
    ? (split as number[]).map((weight, i) => {
        const variant = variants[i];
        if (variant === undefined) fail(`${path}/${i}`, 'more weights than variants');
        return { variant: variant.key, weight };
      })
    : Object.entries(split as Record<string, number>).map(([variant, weight]) => {
        if (!variants.some((v) => v.key === variant))
          fail(`${path}/${escapePointer(variant)}`, `no variant "${variant}"`);
        return { variant, weight };
      });
  return { rollout: { coverage: 10_000, weights: pairs } };
}

/** `values: x` → `values: [x]`, through `all`/`any`/`not`. */
function expandCondition(when: unknown): Condition {
  if (typeof when !== 'object' || when === null) return when as Condition;
  const c = when as Record<string, unknown>;
  if (Array.isArray(c.all)) return { all: c.all.map(expandCondition) };
  if (Array.isArray(c.any)) return { any: c.any.map(expandCondition) };
  if ('not' in c) return { not: expandCondition(c.not) };
  if ('values' in c && !Array.isArray(c.values)) return { ...c, values: [c.values] } as Condition;
  return c as unknown as Condition;
}

function findVariant(serve: Value, variants: Flag['variants'], path: string): string {
  const byKey = variants.find((v) => v.key === serve);
  if (byKey !== undefined) return byKey.key;
  const json = JSON.stringify(serve);
  const byValue = variants.find((v) => JSON.stringify(v.value) === json);
  if (byValue === undefined) fail(path, `no variant has the key or value ${json}`);
  return byValue.key;
}

function expandRules(shorthand: FlagShorthand, variants: Flag['variants'], path: string): Rule[] {
  return asList(shorthand.rules).map((rule, i) => {
    const at = `${path}/rules${Array.isArray(shorthand.rules) ? `/${i}` : ''}`;
    if (typeof rule !== 'object' || rule === null || !('serve' in rule))
      fail(at, 'a rule needs "when" and "serve"');
    return {
      id: rule.id ?? `rule-${i + 1}`,
      when: expandCondition(rule.when),
      serve: { variant: findVariant(rule.serve, variants, `${at}/serve`) },
    };
  });
}

function expandFlag(key: string, shorthand: FlagShorthand, environment: string): Flag {
  const path = `/flags/${escapePointer(key)}`;
  if (typeof shorthand !== 'object' || shorthand === null) fail(path, 'a flag must be an object');
  const variants = expandVariants(shorthand, `${path}/variants`);
  const defaultVariant = shorthand.default ?? variants[0]!.key;
  const fallthrough =
    shorthand.split === undefined
      ? { variant: defaultVariant }
      : expandSplit(shorthand.split, variants, `${path}/split`);
  const flag: Flag = {
    key,
    kind: shorthand.kind ?? (shorthand.split === undefined ? 'release' : 'experiment'),
    type: typeOf(
      variants.map((v) => v.value),
      `${path}/variants`,
    ),
    variants,
    defaultVariant,
    salt: key,
    metadata: { owner: shorthand.owner ?? 'local', createdAt: CREATED_AT },
    environments: {
      [environment]: {
        enabled: shorthand.enabled ?? true,
        rules: expandRules(shorthand, variants, path),
        fallthrough,
      },
    },
    version: 1,
  };
  if (shorthand.unit !== undefined) flag.unit = shorthand.unit;
  if (shorthand.description !== undefined) flag.metadata.description = shorthand.description;
  return flag;
}

/**
 * Expands a flags file into the config snapshot of `environment`, then validates it like any
 * snapshot. Never throws: problems come back as JSON pointers into the file (or, past the
 * shorthand, into the expanded snapshot).
 */
export function expandFlagsFile(
  doc: FlagsFile,
  options: { environment: string },
): ValidationResult<ConfigSnapshot> {
  let flags: Flag[];
  try {
    flags = Object.entries(doc.flags).map(([key, flag]) =>
      expandFlag(key, flag, options.environment),
    );
  } catch (error) {
    if (error instanceof FlagsFileError) return { ok: false, errors: [error.issue] };
    throw error;
  }
  return validateConfigSnapshot({
    schemaVersion: SCHEMA_VERSION,
    environment: options.environment,
    version: doc.version ?? 1,
    generatedAt: CREATED_AT,
    flags,
    segments: [],
  });
}
