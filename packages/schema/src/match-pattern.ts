import { RE2JS } from 're2js';

/**
 * Longest context value, in Unicode code points, that a `matches` condition tests; a longer
 * value never matches. Every SDK uses the same figure.
 */
export const MAX_MATCH_INPUT_LENGTH = 4096;
/** Longest accepted pattern, in code points. */
export const MAX_PATTERN_LENGTH = 1024;
/** Deepest accepted nesting of groups in a pattern. */
export const MAX_PATTERN_NESTING = 100;

/** A compiled `matches` pattern: RE2 semantics, so `test` runs in time linear in the value. */
export interface MatchPattern {
  readonly source: string;
  /** Whether the pattern matches anywhere in `value` (false past {@link MAX_MATCH_INPUT_LENGTH}). */
  test(value: string): boolean;
}

/** The compiled pattern, or why it is not accepted. */
export type MatchPatternCompilation = { pattern: MatchPattern } | { error: string };

/** RE2 syntax that not every SDK implements, by what it starts with. */
const UNSHARED_ESCAPES: Record<string, string> = {
  p: 'Unicode classes (\\p) are not supported',
  P: 'Unicode classes (\\P) are not supported',
  Q: 'quoting (\\Q…\\E) is not supported',
  A: '\\A is not supported (use ^)',
  z: '\\z is not supported (use $)',
};

const NOT_LINEAR = (what: string): string =>
  `${what} are not supported (no linear-time engine can run them)`;

function codePointLength(value: string): number {
  if (value.length <= MAX_MATCH_INPUT_LENGTH) return value.length;
  let count = 0;
  for (const _ of value) count++;
  return count;
}

/** Why an escape (the backslash at `at`) is outside the shared dialect, or undefined. */
function describeEscape(source: string, at: number): string | undefined {
  const next = source[at + 1] ?? '';
  if (next in UNSHARED_ESCAPES) return UNSHARED_ESCAPES[next];
  if (next === 'x' && source[at + 2] === '{') return '\\x{…} is not supported (use \\xHH)';
  if (/[1-9]/.test(next) || next === 'k') return NOT_LINEAR('backreferences');
  if (next === '0' && /[0-9]/.test(source[at + 2] ?? ''))
    return 'octal escapes are not supported (use \\xHH)';
  return undefined;
}

/** Why the `(` at `at` opens a group outside the shared dialect, or undefined. */
function describeGroup(source: string, at: number): string | undefined {
  const head = source.slice(at, at + 4);
  if (!head.startsWith('(?')) return undefined;
  if (/^\(\?(=|!|<=|<!)/.test(head)) return NOT_LINEAR('lookaround');
  if (/^\(\?(:|<|P<)/.test(head)) return undefined;
  return 'inline flags and other (?…) groups are not supported, only (?:…) and (?<name>…)';
}

/**
 * Rejects the RE2 constructs outside the dialect shared by every Tripwire SDK (inline flags,
 * Unicode and POSIX classes, \Q…\E, \A, \z, \x{…}, octal escapes), says why backreferences and
 * lookaround fail, and bounds length and nesting. Returns why the pattern is refused, or undefined.
 */
function describeUnshared(source: string): string | undefined {
  if (codePointLength(source) > MAX_PATTERN_LENGTH)
    return `is longer than ${MAX_PATTERN_LENGTH} characters`;
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    let problem: string | undefined;
    if (ch === '\\') problem = describeEscape(source, i);
    else if (inClass) {
      if (ch === '[' && source[i + 1] === ':')
        problem = 'POSIX classes ([:alpha:]) are not supported';
      if (ch === ']') inClass = false;
    } else if (ch === '(') {
      problem = describeGroup(source, i);
      depth++;
    } else if (ch === ')') depth--;
    else if (ch === '[') {
      inClass = true;
      if (source[i + 1] === '^') i++;
      if (source[i + 1] === ']') i++; // a ']' first in a class is a member
    }
    if (problem) return `at position ${i}: ${problem}`;
    if (depth > MAX_PATTERN_NESTING) return `nests deeper than ${MAX_PATTERN_NESTING} levels`;
    if (ch === '\\') i++;
  }
  return undefined;
}

/** The RE2 engine's message without its prefix ("missing closing ): `(?:a`"). */
function engineMessage(error: unknown): string {
  return String((error as Error).message).replace(/^error parsing regexp: /, '');
}

/**
 * Compiles a `matches` pattern with RE2 semantics (re2js: linear time, no backtracking).
 * Backreferences and lookaround are refused, as are the constructs outside the shared dialect.
 */
export function compileMatchPattern(source: string): MatchPatternCompilation {
  const unshared = describeUnshared(source);
  if (unshared) return { error: unshared };
  let engine: RE2JS;
  try {
    engine = RE2JS.compile(source);
  } catch (error) {
    return { error: engineMessage(error) };
  }
  return {
    pattern: {
      source,
      test: (value) => codePointLength(value) <= MAX_MATCH_INPUT_LENGTH && engine.test(value),
    },
  };
}
