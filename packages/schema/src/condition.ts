import Type from 'typebox';
import { FLAG_KEY_PATTERN } from './keys.js';

/** Operators of an attribute condition. Semantics are documented in packages/schema/README.md. */
export const ConditionOperators = [
  'equals',
  'not_equals',
  'in',
  'not_in',
  'lt',
  'lte',
  'gt',
  'gte',
  'semver_eq',
  'semver_lt',
  'semver_lte',
  'semver_gt',
  'semver_gte',
  'starts_with',
  'ends_with',
  'contains',
  'matches',
  'exists',
  'not_exists',
] as const;
export type ConditionOperator = (typeof ConditionOperators)[number];

/** A scalar a condition compares against. */
export type ConditionValue = string | number | boolean;

export interface AttributeCondition {
  attribute: string;
  op: ConditionOperator;
  /** Absent (or empty) only for `exists` / `not_exists`. */
  values?: ConditionValue[];
}
export interface AllCondition {
  all: Condition[];
}
export interface AnyCondition {
  any: Condition[];
}
export interface NotCondition {
  not: Condition;
}
export interface SegmentCondition {
  segment: string;
}
/** A targeting condition: an attribute test, a boolean combination, or segment membership. */
export type Condition =
  AttributeCondition | AllCondition | AnyCondition | NotCondition | SegmentCondition;

/**
 * Conditions are recursive. Every exported root schema that contains one carries
 * `$defs.Condition` and an `$id`, and refers to it as `#/$defs/Condition`, so each root is
 * self-contained (Ajv/fastify and TypeBox resolve the reference against the nearest `$id`).
 */
export const ConditionRef = Type.Unsafe<Condition>({ $ref: '#/$defs/Condition' });

const ConditionValueSchema = Type.Union([Type.String(), Type.Number(), Type.Boolean()]);

const AttributeConditionSchema = Type.Object(
  {
    attribute: Type.String({ minLength: 1, maxLength: 256 }),
    op: Type.Enum(ConditionOperators),
    values: Type.Optional(Type.Array(ConditionValueSchema, { maxItems: 10_000 })),
  },
  { additionalProperties: false },
);

/** The definition placed under `$defs.Condition`. */
export const ConditionDefinition = Type.Union([
  AttributeConditionSchema,
  Type.Object({ all: Type.Array(ConditionRef, { minItems: 1 }) }, { additionalProperties: false }),
  Type.Object({ any: Type.Array(ConditionRef, { minItems: 1 }) }, { additionalProperties: false }),
  Type.Object({ not: ConditionRef }, { additionalProperties: false }),
  Type.Object(
    { segment: Type.String({ pattern: FLAG_KEY_PATTERN }) },
    { additionalProperties: false },
  ),
]);

/** Schema ids are versioned with the schema: `https://tripwire.dev/schema/v1/<name>.json`. */
export const SCHEMA_ID_BASE = 'https://tripwire.dev/schema/v1/';

/** Options that make a schema a self-contained root (see {@link ConditionRef}). */
export function describeRoot(name: string): { $id: string; $defs: { Condition: unknown } } {
  return { $id: `${SCHEMA_ID_BASE}${name}.json`, $defs: { Condition: ConditionDefinition } };
}

/** `Condition` as a standalone root schema. */
export const ConditionSchema = Type.Unsafe<Condition>({
  ...describeRoot('condition'),
  $ref: '#/$defs/Condition',
});
