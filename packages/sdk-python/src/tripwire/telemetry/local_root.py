"""Which span is the local root (no parent, or a remote parent) of each open span, so an
assignment made deep in a request is also stamped on its server span."""

from __future__ import annotations

import threading
import weakref
from typing import Optional

from opentelemetry.trace import Span

_roots: weakref.WeakKeyDictionary[Span, Span] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def mark_local_root(span: Span, parent: Optional[Span]) -> None:
    """Called by TripwireSpanProcessor on every span start."""
    context = parent.get_span_context() if parent is not None else None
    try:
        with _lock:
            if parent is None or context is None or not context.is_valid or context.is_remote:
                _roots[span] = span
                return
            root = _roots.get(parent)
            _roots[span] = root if root is not None else parent
    except TypeError:  # a span type that cannot be weakly referenced: no root stamping
        return


def find_open_local_root(span: Span) -> Optional[Span]:
    """The span's local root if it is still recording (other than the span itself)."""
    try:
        with _lock:
            root = _roots.get(span)
    except TypeError:
        return None
    if root is None or root is span or not root.is_recording():
        return None
    return root
