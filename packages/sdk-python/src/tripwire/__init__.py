"""Tripwire's assignment SDK for Python: local flag and experiment evaluation, exposure spans
and attribution through OpenTelemetry, byte-compatible with @tripwire/sdk."""

from .client import TripwireClient
from .client_state import ClientStatus, ReadyResult
from .config_store import ConfigChange, ConfigProblem
from .create_client import create_client
from .errors import TripwireError, TripwireErrorCode
from .evaluation.bucket import bucket_unit
from .evaluation.compile_config import compile_config
from .evaluation.compiled_config import CompiledConfig
from .evaluation.compiled_flag import CompiledFlag, EvaluationResult
from .evaluation.murmur3 import murmur3
from .schema.telemetry import PROVIDER_NAME
from .schema.validate import (
    validate_config_patch,
    validate_config_snapshot,
    validate_flag,
    validate_segment,
)
from .schema.validation_issue import ValidationIssue
from .sources.config_source import ClientConfigListener, ConfigListener, ConfigSource
from .sources.file_source import FileSource
from .sources.polling_source import PollingSource
from .sources.static_source import StaticSource
from .sources.stream_source import StreamSource
from .telemetry.assignment_baggage import format_assignments, parse_assignments
from .telemetry.hash_unit import hash_unit
from .telemetry.span_processor import TripwireSpanProcessor

__all__ = [
    "PROVIDER_NAME",
    "ClientConfigListener",
    "ClientStatus",
    "CompiledConfig",
    "CompiledFlag",
    "ConfigChange",
    "ConfigListener",
    "ConfigProblem",
    "ConfigSource",
    "EvaluationResult",
    "FileSource",
    "PollingSource",
    "ReadyResult",
    "StaticSource",
    "StreamSource",
    "TripwireClient",
    "TripwireError",
    "TripwireErrorCode",
    "TripwireSpanProcessor",
    "ValidationIssue",
    "bucket_unit",
    "compile_config",
    "create_client",
    "format_assignments",
    "hash_unit",
    "murmur3",
    "parse_assignments",
    "validate_config_patch",
    "validate_config_snapshot",
    "validate_flag",
    "validate_segment",
]
