"""Config sources: where a client's config comes from."""

from .backoff import compute_backoff_delay
from .config_source import ClientConfigListener, ConfigListener, ConfigSource
from .file_source import FileSource
from .polling_source import PollingSource
from .source_types import SOURCE_TYPES, SourceSettings, create_source
from .sse_parser import ServerSentEvent, SseParser
from .static_source import StaticSource
from .stream_source import StreamSource

__all__ = [
    "ClientConfigListener",
    "ConfigListener",
    "ConfigSource",
    "FileSource",
    "PollingSource",
    "SOURCE_TYPES",
    "ServerSentEvent",
    "SourceSettings",
    "SseParser",
    "StaticSource",
    "StreamSource",
    "compute_backoff_delay",
    "create_source",
]
