"""The current OpenTelemetry context, read in one C call where the API allows it."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Callable

from opentelemetry import context as otel_context
from opentelemetry.context.contextvars_context import ContextVarsRuntimeContext


def _reader() -> Callable[[], otel_context.Context]:
    """``otel_context.get_current`` is two Python calls (the API's function, then its runtime
    context's method) around a ``ContextVar.get``; with the API's default runtime context, read
    that ContextVar directly. Any other runtime context (``OTEL_PYTHON_CONTEXT``), or an API
    that keeps it elsewhere, gets the API's function."""
    runtime = getattr(otel_context, "_RUNTIME_CONTEXT", None)
    variable = getattr(runtime, "_current_context", None)
    if (
        type(runtime) is ContextVarsRuntimeContext
        and isinstance(variable, ContextVar)
        and isinstance(variable.get(), otel_context.Context)
    ):
        get: Callable[[], otel_context.Context] = variable.get
        return get
    return otel_context.get_current


current_context = _reader()
