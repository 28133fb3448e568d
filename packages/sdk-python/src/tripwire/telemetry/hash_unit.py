"""Unit ids: the keyed hash under which a unit key leaves the process."""

from __future__ import annotations

import hashlib
import hmac
import re

from ..evaluation.murmur3 import encode_utf8

UNIT_ID_LENGTH = 32
"""Hex characters kept: 128 bits of HMAC-SHA256."""

_UNIT_ID = re.compile(r"[0-9a-f]{8,64}\Z")


def hash_unit(unit_key: str, hash_key: str) -> str:
    """HMAC-SHA256(hash_key, unit_key) over UTF-8 bytes (lone surrogates as U+FFFD, as
    Node's Buffer encodes them), hex, truncated to 32 characters — byte-identical to
    ``hashUnit`` in @tripwire/sdk."""
    digest = hmac.new(encode_utf8(hash_key), encode_utf8(unit_key), hashlib.sha256)
    return digest.hexdigest()[:UNIT_ID_LENGTH]


def is_unit_id(value: str) -> bool:
    """A hashed unit id as ``hash_unit`` writes it (hex); anything else in baggage is ignored."""
    return _UNIT_ID.match(value) is not None
