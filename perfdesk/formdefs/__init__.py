"""Formdefs layer: reads the declarative form definitions (TOML) into domain definitions."""

from .loader import (
    DefinitionError,
    FORMS_DIR,
    Registry,
    default_registry,
)

__all__ = ["DefinitionError", "FORMS_DIR", "Registry", "default_registry"]
