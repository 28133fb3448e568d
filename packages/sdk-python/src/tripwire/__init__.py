"""Tripwire's assignment SDK for Python."""

from .errors import TripwireError, TripwireErrorCode

__all__ = ["TripwireError", "TripwireErrorCode"]
