"""Store layer: the .perfdesk file (SQLite), its schema, upgrades and the one-writer lock."""

from .file import (
    DamagedFile,
    FileLocked,
    FileMissing,
    FileStore,
    NewerVersion,
    NotPerfDeskFile,
    ReadOnlyError,
    SaveError,
    StoreError,
    describe_write_error,
    SUFFIX,
)

__all__ = ["DamagedFile", "FileLocked", "FileMissing", "FileStore", "NewerVersion", "NotPerfDeskFile",
           "ReadOnlyError", "SaveError", "StoreError", "SUFFIX",
           "describe_write_error"]
