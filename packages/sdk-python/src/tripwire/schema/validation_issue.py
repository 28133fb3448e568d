"""One problem found in a value: where (a JSON pointer into it) and what."""

from __future__ import annotations

from typing import NamedTuple


class ValidationIssue(NamedTuple):
    instance_path: str
    message: str

    def describe(self) -> str:
        return f"{self.instance_path or '/'}: {self.message}"


def escape_pointer(segment: str) -> str:
    """A key as a JSON pointer segment (RFC 6901)."""
    return segment.replace("~", "~0").replace("/", "~1")
