"""JavaScript's ``String(number)`` (ECMAScript Number::toString), so a numeric unit key hashes
to the same bytes as in the Node SDK (``1.0`` → ``1``, ``1e21`` → ``1e+21``,
``1e-7`` → ``1e-7``)."""

from __future__ import annotations

import math
from typing import Union


def format_js_number(value: Union[int, float]) -> str:
    """The decimal form JavaScript gives a finite number."""
    number = float(value)
    if number == 0:
        return "0"
    if not math.isfinite(number):
        return "NaN" if math.isnan(number) else ("Infinity" if number > 0 else "-Infinity")
    sign = "-" if number < 0 else ""
    digits, point = _shortest_digits(abs(number))
    return sign + _layout(digits, point)


def _shortest_digits(number: float) -> tuple[str, int]:
    """Shortest round-tripping digits ``d`` and ``n`` with number = 0.d × 10**n."""
    text = repr(number)
    mantissa, _, exponent = text.partition("e")
    whole, _, fraction = mantissa.partition(".")
    if fraction == "0":
        fraction = ""
    digits = (whole + fraction).lstrip("0")
    leading_zeros = len(whole + fraction) - len((whole + fraction).lstrip("0"))
    point = len(whole) - leading_zeros + (int(exponent) if exponent else 0)
    return digits.rstrip("0") or "0", point


def _layout(digits: str, n: int) -> str:
    k = len(digits)
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return f"{digits[:n]}.{digits[n:]}"
    if -6 < n <= 0:
        return f"0.{'0' * -n}{digits}"
    exponent = n - 1
    sign = "+" if exponent >= 0 else "-"
    body = digits if k == 1 else f"{digits[0]}.{digits[1:]}"
    return f"{body}e{sign}{abs(exponent)}"
