"""Reconnect delays: exponential backoff with equal jitter, as the Node SDK computes them."""

from __future__ import annotations


def compute_backoff_delay(*, attempt: int, base_s: float, max_s: float, random: float) -> float:
    """Half of ``min(max_s, base_s * 2**attempt)`` fixed, half scaled by ``random`` in [0, 1),
    so reconnecting clients spread out but never retry immediately. ``attempt`` counts failed
    attempts so far (0 for the first retry)."""
    ceiling = min(max_s, base_s * float(2 ** min(max(attempt, 0), 30)))
    return ceiling / 2 + (ceiling / 2) * random
