"""MurmurHash3 x86 32-bit (https://github.com/aappleby/smhasher) over UTF-8 bytes.

Strings are read as JavaScript reads them (UTF-16): a surrogate pair is one code point and a
lone surrogate encodes as U+FFFD, as ``TextEncoder`` does, so every string hashes as in the
Node SDK.
"""

from __future__ import annotations

import struct
from typing import NamedTuple

_C1 = 0xCC9E2D51
_C2 = 0x1B873593
_MASK = 0xFFFFFFFF


def encode_utf8(text: str) -> bytes:
    """UTF-8 bytes of ``text``: surrogate pairs joined, lone surrogates as U+FFFD."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        units = text.encode("utf-16-le", "surrogatepass")
        return units.decode("utf-16-le", "replace").encode("utf-8")


class HashPrefix(NamedTuple):
    """Hash state after a fixed prefix, so per-unit hashing only processes the unit key."""

    h: int
    tail: bytes
    length: int


def _mix_blocks(h: int, data: bytes, end: int) -> int:
    for (block,) in struct.iter_unpack("<I", data[:end]):
        k = (block * _C1) & _MASK
        k = ((k << 15) | (k >> 17)) & _MASK
        k = (k * _C2) & _MASK
        h ^= k
        h = ((h << 13) | (h >> 19)) & _MASK
        h = (h * 5 + 0xE6546B64) & _MASK
    return h


def _finish(h: int, tail: bytes, length: int) -> int:
    if tail:
        k = int.from_bytes(tail, "little")
        k = (k * _C1) & _MASK
        k = ((k << 15) | (k >> 17)) & _MASK
        k = (k * _C2) & _MASK
        h ^= k
    h ^= length & _MASK
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & _MASK
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & _MASK
    h ^= h >> 16
    return h


def create_hash_prefix(prefix: str, seed: int = 0) -> HashPrefix:
    """Precomputes the state after ``prefix`` (hash seed ``seed``)."""
    data = encode_utf8(prefix)
    end = len(data) - len(data) % 4
    return HashPrefix(_mix_blocks(seed & _MASK, data, end), data[end:], len(data))


def hash_with_prefix(prefix: HashPrefix, text: str) -> int:
    """``murmur3(prefix_text + text)`` from a precomputed prefix; unsigned 32-bit."""
    data = prefix.tail + encode_utf8(text)
    end = len(data) - len(data) % 4
    h = _mix_blocks(prefix.h, data, end)
    return _finish(h, data[end:], prefix.length + len(data) - len(prefix.tail))


def murmur3(text: str, seed: int = 0) -> int:
    """MurmurHash3 x86 32 of the UTF-8 bytes of ``text``; unsigned."""
    return hash_with_prefix(create_hash_prefix("", seed), text)
