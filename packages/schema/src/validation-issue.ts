/** One problem found in a value: where (a JSON pointer into the value) and what. */
export interface ValidationIssue {
  instancePath: string;
  message: string;
}

/** Either the validated value or every problem found in it. */
export type ValidationResult<T> = { ok: true; value: T } | { ok: false; errors: ValidationIssue[] };

/** Escapes a key for use as a JSON pointer segment (RFC 6901). */
export function escapePointer(segment: string | number): string {
  return String(segment).replaceAll('~', '~0').replaceAll('/', '~1');
}
