"""The SDK's one error class, with a ``code`` naming what went wrong."""

from __future__ import annotations

from typing import Literal, Optional

TripwireErrorCode = Literal[
    "TRIPWIRE_INVALID_OPTIONS",
    "TRIPWIRE_INVALID_CONFIG",
    "TRIPWIRE_SOURCE_FAILED",
]


class TripwireError(Exception):
    """Raised only by client construction (invalid options); run-time problems are reported
    through the client's error handlers, never raised."""

    def __init__(
        self, code: TripwireErrorCode, message: str, *, cause: Optional[BaseException] = None
    ) -> None:
        super().__init__(message)
        self.code: TripwireErrorCode = code
        self.message = message
        if cause is not None:
            self.__cause__ = cause
