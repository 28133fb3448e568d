"""RFC 3339 timestamps, parsed without the platform's ``fromisoformat`` quirks (Python 3.9
rejects ``Z``)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Optional

_PARTS = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|z|[+-]\d\d:\d\d)?\Z"
)


def parse_date_time(text: str) -> Optional[datetime]:
    """An aware datetime (UTC when no offset is given), or None when ``text`` is not one."""
    match = _PARTS.match(text)
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    fraction = match.group(7) or "0"
    offset = match.group(8)
    tz = timezone.utc
    if offset is not None and offset not in ("Z", "z"):
        sign = 1 if offset[0] == "+" else -1
        tz = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])))
    try:
        micro = int((fraction + "000000")[:6])
        return datetime(year, month, day, hour, minute, min(second, 59), micro, tzinfo=tz)
    except ValueError:
        return None
