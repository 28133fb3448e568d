/**
 * Golden vectors for `matches` patterns (written to regex.json by generate.ts). Every result is
 * written here by hand from the RE2 syntax and the shared dialect in packages/schema/README.md;
 * no engine computed them. An input is a string or `{ repeat, times, then? }` (the string
 * `repeat` `times` times, then `then`), so long inputs stay readable.
 */

export type RegexInput = string | { repeat: string; times: number; then?: string };
export interface RegexCase {
  name: string;
  pattern: RegexInput;
  /** Present when every SDK must accept the pattern: each input and whether it matches. */
  tests?: [RegexInput, boolean][];
  /** Present when every SDK must refuse the pattern: why, in words (messages are free text). */
  refused?: string;
}

const times = (repeat: string, count: number, then?: string): RegexInput =>
  then === undefined ? { repeat, times: count } : { repeat, times: count, then };

const accepted: [string, string, [RegexInput, boolean][]][] = [
  [
    'searches anywhere unless anchored',
    'b',
    [
      ['abc', true],
      ['xyz', false],
      ['', false],
    ],
  ],
  [
    'the empty pattern matches every string',
    '',
    [
      ['', true],
      ['x', true],
    ],
  ],
  [
    '^ and $ anchor the whole value',
    '^ab$',
    [
      ['ab', true],
      ['abc', false],
      ['xab', false],
    ],
  ],
  [
    '$ does not match before a final newline',
    'a$',
    [
      ['a\n', false],
      ['ba', true],
    ],
  ],
  [
    'alternation',
    '^(cat|dog)s?$',
    [
      ['cats', true],
      ['dog', true],
      ['cow', false],
    ],
  ],
  [
    '. matches any code point but \\n',
    '^.$',
    [
      ['\r', true],
      ['\u2028', true],
      ['\n', false],
    ],
  ],
  [
    '. matches an astral character whole',
    '^.$',
    [
      ['😀', true],
      ['é', true],
      ['ab', false],
    ],
  ],
  [
    'two dots do not match one astral character',
    '^..$',
    [
      ['😀', false],
      ['ab', true],
    ],
  ],
  [
    '. matches a lone surrogate',
    '^.$',
    [
      ['\ud800', true],
      ['\udc00', true],
    ],
  ],
  [
    '\\s is [\\t\\n\\f\\r ] only',
    '^\\s$',
    [
      [' ', true],
      ['\t', true],
      ['\n', true],
      ['\f', true],
      ['\r', true],
      ['\v', false],
      ['\u00a0', false],
      ['\u2003', false],
    ],
  ],
  [
    '\\S is its complement',
    '^\\S$',
    [
      ['\v', true],
      ['a', true],
      [' ', false],
    ],
  ],
  [
    '\\w is ASCII',
    '^\\w+$',
    [
      ['a_Z9', true],
      ['é', false],
      ['a-b', false],
    ],
  ],
  [
    '\\W is its complement',
    '^\\W$',
    [
      ['é', true],
      ['-', true],
      ['_', false],
    ],
  ],
  [
    '\\d is ASCII digits',
    '^\\d+$',
    [
      ['0123456789', true],
      ['٣', false],
      ['1a', false],
    ],
  ],
  [
    '\\b is an ASCII word boundary',
    '\\bfoo\\b',
    [
      ['a foo.', true],
      ['afoo', false],
      ['foo', true],
    ],
  ],
  ['\\b does not see é as a word character', '\\bé', [['é', false]]],
  [
    '\\B is not a word boundary',
    'a\\B',
    [
      ['ab', true],
      ['a b', false],
    ],
  ],
  [
    'ranges and negated classes',
    '^[a-c][^a-c]$',
    [
      ['ax', true],
      ['ab', false],
      ['a\n', true],
    ],
  ],
  [
    'a negated class matches an astral character',
    '^[^a]$',
    [
      ['😀', true],
      ['a', false],
    ],
  ],
  [
    '] first in a class is a member',
    '^[]a]+$',
    [
      [']a]', true],
      ['b', false],
    ],
  ],
  [
    '] first in a negated class is a member',
    '^[^]a]$',
    [
      ['b', true],
      [']', false],
    ],
  ],
  [
    '- after a class escape is a member',
    '^[\\d-z]+$',
    [
      ['1-z', true],
      ['y', false],
    ],
  ],
  [
    '- last in a class is a member',
    '^[a-]+$',
    [
      ['a-', true],
      ['b', false],
    ],
  ],
  [
    'escaped punctuation is literal',
    '^a\\.b\\*\\_\\-$',
    [
      ['a.b*_-', true],
      ['axb*_-', false],
    ],
  ],
  [
    '\\xHH escapes',
    '^\\x41\\x7a$',
    [
      ['Az', true],
      ['az', false],
    ],
  ],
  ['control escapes', '^\\t\\n\\r\\f\\v\\a$', [['\t\n\r\f\v\u0007', true]]],
  [
    '\\0 is the NUL character',
    '^\\0$',
    [
      ['\u0000', true],
      ['0', false],
    ],
  ],
  [
    '{n} and {n,m} count',
    '^a{2,3}$',
    [
      ['aa', true],
      ['aaa', true],
      ['a', false],
      ['aaaa', false],
    ],
  ],
  [
    '{n,} counts at least n',
    '^a{2,}$',
    [
      ['aaaaa', true],
      ['a', false],
    ],
  ],
  [
    '{0} removes its atom',
    '^xa{0}y$',
    [
      ['xy', true],
      ['xay', false],
    ],
  ],
  [
    '{,n} is a literal',
    '^a{,3}$',
    [
      ['a{,3}', true],
      ['aaa', false],
    ],
  ],
  ['a lone { is a literal', '^a{$', [['a{', true]]],
  [
    'lazy quantifiers match the same values',
    '^a+?b??$',
    [
      ['aaa', true],
      ['aab', true],
      ['b', false],
    ],
  ],
  [
    'repeated assertions are accepted',
    '^*a\\b+',
    [
      ['a', true],
      ['ab', false],
    ],
  ],
  [
    'non-capturing and named groups',
    '^(?:a|b)(?<x>c)(?P<y>d)$',
    [
      ['acd', true],
      ['bcd', true],
      ['cd', false],
    ],
  ],
  [
    'case-sensitive',
    '^Abc$',
    [
      ['Abc', true],
      ['abc', false],
    ],
  ],
  [
    'nested repeats up to 1000 in all',
    '^(a{10}){100}$',
    [
      [times('a', 1000), true],
      [times('a', 999), false],
    ],
  ],
  [
    'groups nested 100 deep',
    `${'('.repeat(100)}a${')'.repeat(100)}`,
    [
      ['a', true],
      ['b', false],
    ],
  ],
  [
    'astral characters in the pattern',
    '^😀+$',
    [
      ['😀😀', true],
      ['😀a', false],
    ],
  ],
  [
    '^(a+)+$ is linear: no match at 28 a and a b',
    '^(a+)+$',
    [
      [times('a', 28, 'b'), false],
      [times('a', 4095, 'b'), false],
      [times('a', 4096), true],
    ],
  ],
  [
    'values past 4096 code points never match',
    '^(a+)+$',
    [
      [times('a', 4097), false],
      [times('a', 10_000, 'b'), false],
    ],
  ],
  [
    'the cap counts code points, not UTF-16 units',
    '^.+$',
    [
      [times('😀', 4096), true],
      [times('😀', 4097), false],
    ],
  ],
  [
    '(x+x+)+y on many x',
    '(x+x+)+y',
    [
      [times('x', 4000), false],
      [times('x', 4000, 'y'), true],
    ],
  ],
  [
    '(.*)*z on a long value',
    '(.*)*z',
    [
      [times('ab', 2000), false],
      [times('ab', 2000, 'z'), true],
    ],
  ],
];

const refused: [string, RegexInput, string][] = [
  ['a backreference', '(a)\\1', 'backreferences are not linear-time'],
  ['a named backreference', '(?<n>a)\\k<n>', 'backreferences are not linear-time'],
  ['a lookahead', 'a(?=b)', 'lookaround is not linear-time'],
  ['a negative lookahead', 'a(?!b)', 'lookaround is not linear-time'],
  ['a lookbehind', '(?<=a)b', 'lookaround is not linear-time'],
  ['a negative lookbehind', '(?<!a)b', 'lookaround is not linear-time'],
  ['inline flags', '(?i)abc', 'outside the shared dialect'],
  ['a Unicode class', '\\pL', 'outside the shared dialect'],
  ['a POSIX class', '[[:alpha:]]', 'outside the shared dialect'],
  ['\\Q…\\E quoting', '\\Q*\\E', 'outside the shared dialect'],
  ['\\A', '\\Aa', 'outside the shared dialect'],
  ['\\z', 'a\\z', 'outside the shared dialect'],
  ['\\x{…}', '\\x{41}', 'outside the shared dialect'],
  ['an octal escape', '\\101', 'outside the shared dialect'],
  ['\\u escapes (JavaScript, not RE2)', '\\u0041', 'not RE2 syntax'],
  ['\\c escapes (JavaScript, not RE2)', '\\cA', 'not RE2 syntax'],
  ['an escaped letter without meaning', '\\y', 'not RE2 syntax'],
  ['an escaped non-ASCII character', '\\é', 'not RE2 syntax'],
  ['\\b inside a class', '[\\b]', 'not RE2 syntax'],
  ['a short \\x escape', '\\x4', 'malformed'],
  ['an empty class', '[]', 'malformed: the ] is a member, the class is unclosed'],
  ['a reversed range', '[z-a]', 'malformed'],
  ['a class escape bounding a range', '[a-\\d]', 'malformed'],
  ['an unclosed group', '(?:a', 'malformed'],
  ['an unopened group', 'a)', 'malformed'],
  ['a bare quantifier', '*a', 'malformed'],
  ['a quantifier after |', 'a|*', 'malformed'],
  ['a nested quantifier', 'a**', 'malformed'],
  ['a quantifier on a quantifier', 'a{2}{3}', 'malformed'],
  ['a trailing backslash', 'a\\', 'malformed'],
  ['a bad group name', '(?<a-b>x)', 'malformed'],
  ['an empty group name', '(?<>x)', 'malformed'],
  ['a repeat count above 1000', 'a{1001}', 'too large'],
  ['nested repeats above 1000 in all', '(a{100}){100}', 'too large'],
  ['reversed repeat bounds', 'x{2,1}', 'malformed'],
  ['a pattern longer than 1024 characters', times('a', 1025), 'too long'],
  ['groups nested deeper than 100', `${'('.repeat(101)}a${')'.repeat(101)}`, 'too deep'],
];

export const regexCases: RegexCase[] = [
  ...accepted.map(([name, pattern, tests]) => ({ name, pattern, tests })),
  ...refused.map(([name, pattern, why]) => ({ name: `refuses ${name}`, pattern, refused: why })),
];
