import type { Baggage, BaggageEntry } from '@opentelemetry/api';
import { propagation } from '@opentelemetry/api';
import { BaggageKeys, TripwireAttributes } from '@tripwire/schema';
import { getVariantAttribute } from './variant-attribute.js';

/** W3C baggage limit for one entry (bytes); assignments past it are dropped, not truncated mid-pair. */
export const MAX_ASSIGNMENTS_BYTES = 4096;

/** Flag and variant keys are restricted to this alphabet, so pairs need no escaping. */
const KEY_PATTERN = /^[A-Za-z0-9_.-]+$/;

/**
 * Parses `flagKey:variant,flagKey:variant`. Pairs that are malformed or use characters outside
 * `[A-Za-z0-9_.-]` are skipped: baggage comes from other processes and is not trusted.
 */
export function parseAssignments(value: string): Map<string, string> {
  const pairs = new Map<string, string>();
  for (const pair of value.split(',')) {
    const colon = pair.indexOf(':');
    const flagKey = pair.slice(0, colon).trim();
    const variant = pair.slice(colon + 1).trim();
    if (colon <= 0 || !KEY_PATTERN.test(flagKey) || !KEY_PATTERN.test(variant)) continue;
    pairs.set(flagKey, variant);
  }
  return pairs;
}

/** A hashed unit id as `hashUnit` writes it (hex); anything else in baggage is ignored. */
export function isUnitId(value: string): boolean {
  return /^[0-9a-f]{8,64}$/.test(value);
}

/** `[attribute, value]` pairs for a unit id (dropped unless well-formed) and assignments. */
export function toSpanAttributes(
  unitId: string | undefined,
  assignments: ReadonlyMap<string, string>,
): [string, string][] {
  const attributes: [string, string][] = [];
  if (unitId !== undefined && isUnitId(unitId))
    attributes.push([TripwireAttributes.unitId, unitId]);
  for (const [flagKey, variant] of assignments) {
    attributes.push([getVariantAttribute(flagKey), variant]);
  }
  return attributes;
}

/** Formats pairs as the `tripwire.assignments` baggage value, keeping it within one entry's limit. */
export function formatAssignments(pairs: ReadonlyMap<string, string>): string {
  let out = '';
  for (const [flagKey, variant] of pairs) {
    const pair = `${flagKey}:${variant}`;
    const next = out === '' ? pair : `${out},${pair}`;
    if (Buffer.byteLength(next) > MAX_ASSIGNMENTS_BYTES) break;
    out = next;
  }
  return out;
}

/**
 * The mutable half of {@link AssignmentBaggage}: assignments made in the current scope
 * (a request, usually) after the scope's context was created. One unit per scope: a later unit
 * replaces the unit id (assignments are kept).
 */
export class AssignmentCollector {
  unitId: string | undefined;
  readonly assignments = new Map<string, string>();
  /** Bumped on every record, so readers can cache what they derive from the assignments. */
  revision = 0;

  record(unitId: string, flagKey: string, variant: string): void {
    this.unitId = unitId;
    this.assignments.set(flagKey, variant);
    this.revision += 1;
  }
}

/**
 * A W3C Baggage whose two Tripwire entries are read live from an {@link AssignmentCollector}:
 * OTel baggage in a context is immutable, so assignments made after the scope opened would
 * otherwise never reach outbound requests or later spans. Other entries come from the
 * baggage the scope inherited; upstream assignments are merged, local ones win per flag.
 */
export class AssignmentBaggage implements Baggage {
  readonly base: Baggage;
  readonly collector: AssignmentCollector;
  #attributes: readonly [string, string][] = [];
  #attributesRevision = -1;

  constructor(base: Baggage | undefined, collector: AssignmentCollector) {
    this.base = base ?? propagation.createBaggage();
    this.collector = collector;
  }

  /** Upstream assignments (from the inherited baggage) overlaid with local ones. */
  mergedAssignments(): Map<string, string> {
    const upstream = this.base.getEntry(BaggageKeys.assignments)?.value;
    const merged = upstream === undefined ? new Map<string, string>() : parseAssignments(upstream);
    for (const [flagKey, variant] of this.collector.assignments) merged.set(flagKey, variant);
    return merged;
  }

  /**
   * The span attributes this baggage stands for: `tripwire.unit.id` (when the unit id is
   * well-formed) and `tripwire.variant.<flagKey>` per merged assignment. Rebuilt only after the
   * collector records something: every span of a request reads the same list.
   */
  spanAttributes(): readonly [string, string][] {
    if (this.#attributesRevision !== this.collector.revision) {
      this.#attributes = toSpanAttributes(this.unitId(), this.mergedAssignments());
      this.#attributesRevision = this.collector.revision;
    }
    return this.#attributes;
  }

  unitId(): string | undefined {
    return this.collector.unitId ?? this.base.getEntry(BaggageKeys.unit)?.value;
  }

  getEntry(key: string): BaggageEntry | undefined {
    if (key === BaggageKeys.unit) {
      const unit = this.unitId();
      return unit === undefined ? undefined : { value: unit };
    }
    if (key === BaggageKeys.assignments) {
      const value = formatAssignments(this.mergedAssignments());
      return value === '' ? undefined : { value };
    }
    return this.base.getEntry(key);
  }

  getAllEntries(): [string, BaggageEntry][] {
    const entries = this.base
      .getAllEntries()
      .filter(([key]) => key !== BaggageKeys.unit && key !== BaggageKeys.assignments);
    for (const key of [BaggageKeys.unit, BaggageKeys.assignments]) {
      const entry = this.getEntry(key);
      if (entry !== undefined) entries.push([key, entry]);
    }
    return entries;
  }

  setEntry(key: string, entry: BaggageEntry): Baggage {
    return new AssignmentBaggage(this.base.setEntry(key, entry), this.collector);
  }

  removeEntry(key: string): Baggage {
    return new AssignmentBaggage(this.base.removeEntry(key), this.collector);
  }

  removeEntries(...keys: string[]): Baggage {
    return new AssignmentBaggage(this.base.removeEntries(...keys), this.collector);
  }

  clear(): Baggage {
    return new AssignmentBaggage(undefined, this.collector);
  }
}
