"""Parses the dialect of RE2 syntax every Tripwire SDK shares into a small syntax tree.

Accepted: literals, ``.`` (any character but ``\\n``), classes (``[a-z]``, ``[^…]``, a ``]`` first
is a member), ``\\d \\w \\s`` (ASCII; ``\\s`` is ``[\\t\\n\\f\\r ]``) and their negations, escapes
(``\\a \\t \\n \\v \\f \\r \\0 \\xHH``, escaped ASCII punctuation), ``^ $ \\b \\B``, groups
(``( )``, ``(?: )``, ``(?<name> )``, ``(?P<name> )``), alternation and the quantifiers
``* + ? {n} {n,} {n,m}`` (lazy or not; repeat counts up to 1000 in all, as RE2 counts them).
Refused: backreferences and lookaround (no linear-time engine can run them), RE2 syntax
outside the shared dialect (inline flags, ``\\p``, POSIX classes, ``\\Q``, ``\\A``, ``\\z``,
``\\x{}``, octal), patterns over MAX_PATTERN_LENGTH characters or nested over
MAX_PATTERN_NESTING levels.
"""

from __future__ import annotations

from typing import List, NamedTuple, Optional, Tuple, Union

Ranges = Tuple[Tuple[int, int], ...]
MAX_REPEAT = 1000
MAX_PATTERN_LENGTH = 1024
MAX_PATTERN_NESTING = 100
_UNSHARED_ESCAPES = {
    "p": "Unicode classes (\\p) are not supported",
    "P": "Unicode classes (\\P) are not supported",
    "Q": "quoting (\\Q…\\E) is not supported",
    "A": "\\A is not supported (use ^)",
    "z": "\\z is not supported (use $)",
}


class RegexError(ValueError):
    """A pattern outside the accepted subset, or malformed."""


class CharNode(NamedTuple):
    ranges: Ranges
    negated: bool


class CatNode(NamedTuple):
    items: Tuple[Node, ...]


class AltNode(NamedTuple):
    options: Tuple[Node, ...]


class RepeatNode(NamedTuple):
    body: Node
    least: int
    most: Optional[int]


class AssertNode(NamedTuple):
    kind: str  # "start" | "end" | "word" | "not_word"


Node = Union[CharNode, CatNode, AltNode, RepeatNode, AssertNode]

DIGIT: Ranges = ((0x30, 0x39),)
WORD: Ranges = ((0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A))
SPACE: Ranges = ((0x09, 0x0A), (0x0C, 0x0D), (0x20, 0x20))
NEWLINE: Ranges = ((0x0A, 0x0A),)
_CLASS_ESCAPES = {
    "d": (DIGIT, False),
    "D": (DIGIT, True),
    "w": (WORD, False),
    "W": (WORD, True),
    "s": (SPACE, False),
    "S": (SPACE, True),
}
_CONTROL_ESCAPES = {"a": 7, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, "0": 0}
_SYNTAX = set("^$\\.*+?()[]{}|/-")


def _invert(ranges: Ranges) -> List[Tuple[int, int]]:
    out: List[Tuple[int, int]] = []
    low = 0
    for lo, hi in sorted(ranges):
        if lo > low:
            out.append((low, lo - 1))
        low = max(low, hi + 1)
    if low <= 0x10FFFF:
        out.append((low, 0x10FFFF))
    return out


class _Parser:
    def __init__(self, source: str) -> None:
        self.src = source
        self.pos = 0
        self.depth = 0

    def fail(self, message: str) -> RegexError:
        return RegexError(f"{message} at position {self.pos}")

    def peek(self, offset: int = 0) -> str:
        at = self.pos + offset
        return self.src[at] if at < len(self.src) else ""

    def parse(self) -> Node:
        if len(self.src) > MAX_PATTERN_LENGTH:
            raise RegexError(f"is longer than {MAX_PATTERN_LENGTH} characters")
        node = self.alternation()
        if self.pos < len(self.src):
            raise self.fail("unmatched ')'")
        return node

    def alternation(self) -> Node:
        options = [self.concatenation()]
        while self.peek() == "|":
            self.pos += 1
            options.append(self.concatenation())
        return options[0] if len(options) == 1 else AltNode(tuple(options))

    def concatenation(self) -> Node:
        items: List[Node] = []
        while self.peek() not in ("", "|", ")"):
            items.append(self.repetition())
        return items[0] if len(items) == 1 else CatNode(tuple(items))

    def repetition(self) -> Node:
        node = self.atom()
        bounds = self.quantifier()
        if bounds is None:
            return node
        if self.peek() == "?":
            self.pos += 1  # lazy: the same language, and only whether it matches counts
        if self.quantifier_follows(at=self.pos):
            raise self.fail("invalid nested repetition operator")
        node = RepeatNode(node, bounds[0], bounds[1])
        if not _repeat_is_valid(node, MAX_REPEAT):
            raise self.fail(f"repeat count above {MAX_REPEAT} in all")
        return node

    def quantifier(self) -> Optional[Tuple[int, Optional[int]]]:
        ch = self.peek()
        simple = {"*": (0, None), "+": (1, None), "?": (0, 1)}
        if ch in simple:
            self.pos += 1
            return simple[ch]
        if ch != "{":
            return None
        end = self.src.find("}", self.pos)
        body = self.src[self.pos + 1 : end] if end > 0 else ""
        parts = body.split(",")
        if (
            end < 0
            or len(parts) > 2
            or not parts[0].isdigit()
            or (len(parts) == 2 and parts[1] and not parts[1].isdigit())
        ):
            return None  # a literal '{', as JavaScript reads it
        least = int(parts[0])
        most = least if len(parts) == 1 else (int(parts[1]) if parts[1] else None)
        if most is not None and most < least:
            raise self.fail("numbers out of order in {} quantifier")
        if max(least, most or 0) > MAX_REPEAT:
            raise self.fail(f"repeat count above {MAX_REPEAT}")
        self.pos = end + 1
        return least, most

    def atom(self) -> Node:
        ch = self.peek()
        self.pos += 1
        if ch == "(":
            return self.group()
        if ch == "[":
            return self.char_class()
        if ch == ".":
            return CharNode(NEWLINE, True)
        if ch == "^":
            return AssertNode("start")
        if ch == "$":
            return AssertNode("end")
        if ch == "\\":
            return self.escape()
        if ch in ("*", "+", "?"):
            raise self.fail("nothing to repeat")
        if ch == "{" and self.quantifier_follows(at=self.pos - 1):
            raise self.fail("nothing to repeat")
        return CharNode(((ord(ch), ord(ch)),), False)

    def quantifier_follows(self, at: int) -> bool:
        """Whether a valid quantifier starts at ``at`` (the position is left unchanged)."""
        start = self.pos
        self.pos = at
        try:
            found = self.quantifier() is not None
        except RegexError:
            found = True
        self.pos = start
        return found

    def group(self) -> Node:
        self.depth += 1
        if self.depth > MAX_PATTERN_NESTING:
            raise self.fail(f"nests deeper than {MAX_PATTERN_NESTING} levels")
        if self.peek() == "?":
            self.group_kind()
        node = self.alternation()
        if self.peek() != ")":
            raise self.fail("missing ')'")
        self.pos += 1
        self.depth -= 1
        return node

    def group_kind(self) -> None:
        """Reads what follows ``(?``: ``:`` or a group name; refuses everything else."""
        kind = self.src[self.pos : self.pos + 3]
        if kind.startswith("?:"):
            self.pos += 2
        elif kind in ("?<=", "?<!") or kind[:2] in ("?=", "?!"):
            raise self.fail("lookaround assertions are not supported (not linear-time)")
        elif kind.startswith("?<") or kind == "?P<":
            start = self.src.index("<", self.pos) + 1
            end = self.src.find(">", start)
            name = self.src[start:end] if end > 0 else ""
            if not name or not all(c.isascii() and (c.isalnum() or c == "_") for c in name):
                raise self.fail("invalid group name")
            self.pos = end + 1
        else:
            raise self.fail("inline flags and other (?…) groups are not supported")

    def escape(self) -> Node:
        ch = self.peek()
        if ch == "":
            raise self.fail("\\ at end of pattern")
        if ch in ("b", "B"):
            self.pos += 1
            return AssertNode("word" if ch == "b" else "not_word")
        if ch in _CLASS_ESCAPES:
            self.pos += 1
            ranges, negated = _CLASS_ESCAPES[ch]
            return CharNode(ranges, negated)
        code = self.escaped_code()
        return CharNode(((code, code),), False)

    def escaped_code(self) -> int:
        """The code point of an escape after its backslash (outside the class escapes)."""
        ch = self.peek()
        self.pos += 1
        if ch.isdigit() and ch != "0" or ch == "k":
            raise self.fail("backreferences are not supported (not linear-time)")
        if ch == "0" and self.peek().isdigit():
            raise self.fail("octal escapes are not supported")
        if ch in _UNSHARED_ESCAPES:
            raise self.fail(_UNSHARED_ESCAPES[ch])
        if ch in _CONTROL_ESCAPES:
            return _CONTROL_ESCAPES[ch]
        if ch == "x":
            digits = self.src[self.pos : self.pos + 2]
            if self.peek() == "{":
                raise self.fail("\\x{…} is not supported (use \\xHH)")
            if len(digits) != 2 or not all(d in "0123456789abcdefABCDEF" for d in digits):
                raise self.fail("invalid \\x escape")
            self.pos += 2
            return int(digits, 16)
        if not ch.isascii() or ch.isalnum():
            raise self.fail(f"invalid escape sequence \\{ch}")
        return ord(ch)

    def char_class(self) -> Node:
        negated = self.peek() == "^"
        if negated:
            self.pos += 1
        ranges: List[Tuple[int, int]] = []
        if self.peek() == "]":  # a ']' first in a class is a member
            self.pos += 1
            ranges.append((0x5D, 0x5D))
        while self.peek() != "]":
            if self.peek() == "":
                raise self.fail("missing ']'")
            low = self.class_atom(ranges)
            if low is None:
                continue
            if self.peek() == "-" and self.peek(1) not in ("]", ""):
                self.pos += 1
                high = self.class_atom(ranges)
                if high is None:
                    raise self.fail("a class escape cannot bound a range")
                if high < low:
                    raise self.fail("range out of order in character class")
                ranges.append((low, high))
            else:
                ranges.append((low, low))
        self.pos += 1
        return CharNode(tuple(ranges), negated)

    def class_atom(self, ranges: List[Tuple[int, int]]) -> Optional[int]:
        """One class member's code point; a class escape (``\\d``…) is added and gives None."""
        ch = self.peek()
        self.pos += 1
        if ch == "[" and self.peek() == ":":
            raise self.fail("POSIX classes ([:alpha:]) are not supported")
        if ch != "\\":
            return ord(ch)
        escape = self.peek()
        if escape in _CLASS_ESCAPES:
            self.pos += 1
            members, negated = _CLASS_ESCAPES[escape]
            ranges.extend(_invert(members) if negated else members)
            return None
        if escape == "-":
            self.pos += 1
            return ord("-")
        return self.escaped_code()


def _repeat_is_valid(node: Node, budget: int) -> bool:
    """RE2's bound: counted repeats nested inside each other may not exceed ``budget`` in all."""
    if isinstance(node, RepeatNode):
        if node.most == 0:
            return True
        count = node.least if node.most is None else node.most
        if count > budget:
            return False
        if count > 0:
            budget //= count
        return _repeat_is_valid(node.body, budget)
    if isinstance(node, (CatNode, AltNode)):
        children = node.items if isinstance(node, CatNode) else node.options
        return all(_repeat_is_valid(child, budget) for child in children)
    return True


def parse_regex(source: str) -> Node:
    """The syntax tree of a pattern; raises RegexError outside the accepted subset."""
    return _Parser(source).parse()
