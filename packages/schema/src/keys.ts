/** Flag, variant, segment, rule and guardrail keys: safe in baggage, URLs and SQL identifiers. */
export const FLAG_KEY_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$';
