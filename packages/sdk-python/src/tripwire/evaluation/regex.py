"""A linear-time matcher for ``matches`` conditions (RE2 syntax and semantics, shared dialect).

The pattern compiles to a Thompson NFA; matching runs it as a lazily built DFA (each distinct set
of NFA states and input character is computed once, then looked up), so the time is linear in
the input for any pattern — ``^(a+)+$`` against ``aaaa…b`` included. It searches anywhere in
the value unless anchored. Values longer than MAX_INPUT_LENGTH code points never match; the
Node SDK (re2js) gives the same results on test/vectors/regex.json.
"""

from __future__ import annotations

import bisect
import threading
from typing import Dict, FrozenSet, List, Optional, Tuple

from .regex_parser import (
    WORD,
    AltNode,
    AssertNode,
    CatNode,
    CharNode,
    Node,
    RegexError,
    RepeatNode,
    parse_regex,
)

MAX_INPUT_LENGTH = 4096
MAX_PROGRAM_SIZE = 10_000
_CACHE_LIMIT = 4096

__all__ = ["MAX_INPUT_LENGTH", "Regex", "RegexError", "compile_regex"]

# Instructions: ("char", lows, highs, negated) | ("split", a, b) | ("jmp", a)
#               | ("assert", kind) | ("match",)
Instruction = Tuple[object, ...]


class _Compiler:
    def __init__(self) -> None:
        self.program: List[Instruction] = []

    def emit(self, instruction: Instruction) -> int:
        if len(self.program) >= MAX_PROGRAM_SIZE:
            raise RegexError(f"pattern too large (over {MAX_PROGRAM_SIZE} instructions)")
        self.program.append(instruction)
        return len(self.program) - 1

    def node(self, node: Node) -> None:
        if isinstance(node, CharNode):
            ranges = _merge(node.ranges)
            lows = tuple(lo for lo, _ in ranges)
            highs = tuple(hi for _, hi in ranges)
            self.emit(("char", lows, highs, node.negated))
        elif isinstance(node, AssertNode):
            self.emit(("assert", node.kind))
        elif isinstance(node, CatNode):
            for item in node.items:
                self.node(item)
        elif isinstance(node, AltNode):
            self.alternation(list(node.options))
        else:
            self.repeat(node)

    def alternation(self, options: List[Node]) -> None:
        jumps: List[int] = []
        for option in options[:-1]:
            split = self.emit(("split", 0, 0))
            self.node(option)
            jumps.append(self.emit(("jmp", 0)))
            self.program[split] = ("split", split + 1, len(self.program))
        self.node(options[-1])
        for jump in jumps:
            self.program[jump] = ("jmp", len(self.program))

    def repeat(self, node: RepeatNode) -> None:
        for _ in range(node.least):
            self.node(node.body)
        if node.most is None:
            loop = self.emit(("split", 0, 0))
            self.node(node.body)
            self.emit(("jmp", loop))
            self.program[loop] = ("split", loop + 1, len(self.program))
            return
        splits: List[int] = []
        for _ in range(node.most - node.least):
            splits.append(self.emit(("split", 0, 0)))
            self.node(node.body)
        for split in splits:
            self.program[split] = ("split", split + 1, len(self.program))


def _merge(ranges: Tuple[Tuple[int, int], ...]) -> List[Tuple[int, int]]:
    """Sorted, disjoint ranges covering the same code points (so a bisection finds a member)."""
    merged: List[Tuple[int, int]] = []
    for lo, hi in sorted(ranges):
        if merged and lo <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def _is_word(ch: Optional[str]) -> bool:
    return ch is not None and _in_ranges(ord(ch), WORD)


def _in_ranges(code: int, ranges: Tuple[Tuple[int, int], ...]) -> bool:
    return any(lo <= code <= hi for lo, hi in ranges)


State = FrozenSet[int]


class Regex:
    """A compiled pattern; ``search`` is thread-safe and linear in the input length."""

    def __init__(self, source: str) -> None:
        self.source = source
        compiler = _Compiler()
        compiler.node(parse_regex(source))
        compiler.emit(("match",))
        self._program = compiler.program
        self._steps: Dict[Tuple[State, int, str], Tuple[State, bool]] = {}
        self._lock = threading.Lock()

    def search(self, text: str) -> bool:
        """Whether the pattern matches anywhere in ``text``."""
        if len(text) > MAX_INPUT_LENGTH:
            return False
        state: State = frozenset((0,))
        previous = 0  # 0 = start of input, 1 = after a word character, 2 = after another
        for ch in text:
            state, matched = self._step(state, previous, ch)
            if matched:
                return True
            previous = 1 if _is_word(ch) else 2
        return self._accepts(state, previous, None)

    def _step(self, state: State, previous: int, ch: str) -> Tuple[State, bool]:
        key = (state, previous, ch)
        cached = self._steps.get(key)
        if cached is not None:
            return cached
        closure = self._closure(state, previous, ch)
        code = ord(ch)
        following = {0}  # a new match attempt may start after every character
        matched = False
        for pc in closure:
            instruction = self._program[pc]
            if instruction[0] == "match":
                matched = True
            elif instruction[0] == "char" and self._char_matches(instruction, code):
                following.add(pc + 1)
        result = (frozenset(following), matched)
        with self._lock:
            if len(self._steps) >= _CACHE_LIMIT:
                self._steps.clear()
            self._steps[key] = result
        return result

    @staticmethod
    def _char_matches(instruction: Instruction, code: int) -> bool:
        lows: Tuple[int, ...] = instruction[1]  # type: ignore[assignment]
        highs: Tuple[int, ...] = instruction[2]  # type: ignore[assignment]
        index = bisect.bisect_right(lows, code) - 1
        inside = index >= 0 and code <= highs[index]
        return inside != instruction[3]

    def _accepts(self, state: State, previous: int, ch: Optional[str]) -> bool:
        return any(self._program[pc][0] == "match" for pc in self._closure(state, previous, ch))

    def _closure(self, state: State, previous: int, ch: Optional[str]) -> List[int]:
        """NFA states reachable without input, given the characters around the position."""
        word_before = previous == 1
        word_after = _is_word(ch)
        seen = set()
        stack = list(state)
        out: List[int] = []
        while stack:
            pc = stack.pop()
            if pc in seen:
                continue
            seen.add(pc)
            instruction = self._program[pc]
            op = instruction[0]
            if op == "jmp":
                stack.append(instruction[1])  # type: ignore[arg-type]
            elif op == "split":
                stack.extend((instruction[2], instruction[1]))  # type: ignore[arg-type]
            elif op == "assert":
                if _assertion_holds(
                    instruction[1], previous == 0, ch is None, word_before != word_after
                ):
                    stack.append(pc + 1)
            else:
                out.append(pc)
        return out


def _assertion_holds(kind: object, at_start: bool, at_end: bool, at_boundary: bool) -> bool:
    if kind == "start":
        return at_start
    if kind == "end":
        return at_end
    return at_boundary if kind == "word" else not at_boundary


def compile_regex(source: str) -> Regex:
    """Compiles a pattern; raises RegexError (naming the position) when it is not accepted."""
    return Regex(source)
