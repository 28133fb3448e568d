"""An OpenFeature provider for the official ``openfeature-sdk``
(extra ``tripwire-sdk[openfeature]``)."""

from .tripwire_provider import TripwireProvider

__all__ = ["TripwireProvider"]
