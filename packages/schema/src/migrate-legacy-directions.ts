import type { GuardrailDirection } from './flag.js';

/** The guardrail directions before the one vocabulary (`MetricDirections`), and what they mean. */
const LEGACY_DIRECTIONS: Readonly<Record<string, GuardrailDirection>> = {
  increase_is_bad: 'lower_is_better',
  decrease_is_bad: 'higher_is_better',
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A flag (or any value) with its guardrails' legacy directions rewritten: `increase_is_bad` →
 * `lower_is_better`, `decrease_is_bad` → `higher_is_better`. Flags stored or written before the
 * rename keep working; anything else is returned as it is (the same object when nothing changed).
 */
export function migrateLegacyDirections<T>(flag: T): T {
  if (!isRecord(flag) || !Array.isArray(flag.guardrails)) return flag;
  let changed = false;
  const guardrails = flag.guardrails.map((guardrail: unknown) => {
    const direction = isRecord(guardrail) ? guardrail.direction : undefined;
    const renamed = typeof direction === 'string' ? LEGACY_DIRECTIONS[direction] : undefined;
    if (renamed === undefined || !isRecord(guardrail)) return guardrail;
    changed = true;
    return { ...guardrail, direction: renamed };
  });
  return changed ? { ...flag, guardrails } : flag;
}

/** A snapshot or patch (`{ flags: [...] }`) with every flag migrated. */
export function migrateLegacyConfig<T>(config: T): T {
  if (!isRecord(config) || !Array.isArray(config.flags)) return config;
  const flags = config.flags.map((flag: unknown) => migrateLegacyDirections(flag));
  return flags.every((flag, i) => flag === (config.flags as unknown[])[i])
    ? config
    : { ...config, flags };
}
