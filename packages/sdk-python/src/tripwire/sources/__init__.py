"""Config sources: where a client's config comes from."""

from .config_source import ClientConfigListener, ConfigListener, ConfigSource
from .file_source import FileSource
from .source_types import SOURCE_TYPES, SourceSettings, create_source
from .static_source import StaticSource

__all__ = [
    "ClientConfigListener",
    "ConfigListener",
    "ConfigSource",
    "FileSource",
    "SOURCE_TYPES",
    "SourceSettings",
    "StaticSource",
    "create_source",
]
