"""SemVer 2.0.0 parsing and precedence (https://semver.org/#spec-item-11)."""

from __future__ import annotations

import re
from typing import Dict, NamedTuple, Optional, Tuple, Union

SEMVER_PATTERN = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?\Z",
    re.ASCII,
)
"""The regex suggested at semver.org (no leading ``v``), as @tripwire/schema's SEMVER_PATTERN."""

Identifier = Union[int, str]


class SemVer(NamedTuple):
    major: int
    minor: int
    patch: int
    prerelease: Tuple[Identifier, ...]


def parse_semver(text: str) -> Optional[SemVer]:
    """A strict SemVer 2.0.0 version (build metadata dropped), or None."""
    match = SEMVER_PATTERN.match(text)
    if match is None:
        return None
    pre = match.group(4)
    prerelease: Tuple[Identifier, ...] = ()
    if pre is not None:
        prerelease = tuple(int(part) if part.isdigit() else part for part in pre.split("."))
    return SemVer(int(match.group(1)), int(match.group(2)), int(match.group(3)), prerelease)


def _compare_identifiers(a: Identifier, b: Identifier) -> int:
    if isinstance(a, int) and isinstance(b, int):
        return (a > b) - (a < b)
    if isinstance(a, int):
        return -1  # numeric identifiers have lower precedence
    if isinstance(b, int):
        return 1
    return (a > b) - (a < b)


def compare_semver(a: SemVer, b: SemVer) -> int:
    """Negative, zero or positive by SemVer precedence."""
    for x, y in ((a.major, b.major), (a.minor, b.minor), (a.patch, b.patch)):
        if x != y:
            return -1 if x < y else 1
    ap, bp = a.prerelease, b.prerelease
    if not ap or not bp:
        return len(bp) - len(ap)  # a release outranks its prereleases
    for x2, y2 in zip(ap, bp):
        order = _compare_identifiers(x2, y2)
        if order != 0:
            return order
    return len(ap) - len(bp)


_CACHE_LIMIT = 1024


class SemverCache:
    """A bounded memo of parsed attribute values (versions have low cardinality)."""

    def __init__(self) -> None:
        self._parsed: Dict[str, Optional[SemVer]] = {}

    def parse(self, text: str) -> Optional[SemVer]:
        try:
            return self._parsed[text]
        except KeyError:
            pass
        parsed = parse_semver(text)
        if len(self._parsed) >= _CACHE_LIMIT:
            self._parsed.clear()
        self._parsed[text] = parsed
        return parsed
