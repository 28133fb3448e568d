import Type from 'typebox';
import { ConditionRef, describeRoot } from './condition.js';
import { FLAG_KEY_PATTERN } from './keys.js';

/**
 * A reusable audience. A unit is a member when its unit key is in `included` and not in
 * `excluded`, or, failing `included`, when `when` matches; `excluded` always wins.
 */
export const SegmentBody = Type.Object(
  {
    key: Type.String({ pattern: FLAG_KEY_PATTERN }),
    description: Type.Optional(Type.String({ maxLength: 4096 })),
    unit: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 256,
        description: 'attribute matched against included/excluded; default targetingKey',
      }),
    ),
    included: Type.Array(Type.String(), { maxItems: 100_000 }),
    excluded: Type.Array(Type.String(), { maxItems: 100_000 }),
    when: Type.Optional(ConditionRef),
    version: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export const SegmentSchema = Type.Object(SegmentBody.properties, {
  additionalProperties: false,
  ...describeRoot('segment'),
});
export type Segment = Type.Static<typeof SegmentBody>;
