"""Test helpers for honest saving: a connection that fails its Nth write, and a canonical
dump of a workspace to compare the document in memory with what the file holds.

Kept free of pytest and Qt so the kill-trial child process (`tests/store/kill_child.py`) can
import it too.
"""

from __future__ import annotations

import dataclasses
import hashlib
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Iterator

from perfdesk.domain.model import Workspace
from perfdesk.domain.values import Value
from perfdesk.store import FileStore

# Statements that write (or open / close a write transaction). BEGIN is counted too: it is
# where a real lock held by another program makes SQLite give up (SQLITE_BUSY).
WRITE_WORDS = frozenset({"BEGIN", "INSERT", "UPDATE", "DELETE", "REPLACE", "COMMIT"})


@dataclass(frozen=True)
class Fault:
    """One way SQLite refuses a write, and the words the user must be shown for it."""

    name: str
    code: int  # what Python's sqlite3 puts in `sqlite_errorcode`
    message: str  # SQLite's own English text
    cause: str  # what `describe_write_error` must say, in Chinese
    auto_rollback: bool  # SQLite rolls the transaction back by itself on this error

    def error(self) -> sqlite3.OperationalError:
        exc = sqlite3.OperationalError(self.message)
        exc.sqlite_errorcode = self.code
        exc.sqlite_errorname = self.name
        return exc


FULL = Fault("SQLITE_FULL", 13, "database or disk is full", "磁盘已满", True)
BUSY = Fault("SQLITE_BUSY", 5, "database is locked", "被其他程序锁定", False)
READONLY = Fault("SQLITE_READONLY", 8, "attempt to write a readonly database", "只读", False)
IOERR = Fault("SQLITE_IOERR", 10, "disk I/O error", "读写磁盘时出错", True)
FAULTS = (FULL, BUSY, READONLY, IOERR)


def statement_word(sql: str) -> str:
    stripped = sql.lstrip()
    return stripped.split(None, 1)[0].upper() if stripped else ""


class FaultyConnection:
    """Stands in for `FileStore.conn`: passes everything through to the real connection,
    counts the write statements, and makes the `fail_at`-th one (1-based) raise `fault`
    instead of running (a batch, `executemany`, writes its first half first). On faults where SQLite gives up the transaction by itself (disk
    full, I/O error) the real transaction is rolled back first, as SQLite would."""

    def __init__(self, conn: sqlite3.Connection, fail_at: int | None = None, fault: Fault = FULL):
        self.real = conn
        self.fail_at = fail_at
        self.fault = fault
        self.writes = 0
        self.triggered = 0
        self.statements: list[str] = []  # the write statements seen, by first word

    def _fails(self, sql: str) -> bool:
        word = statement_word(sql)
        if word not in WRITE_WORDS:
            return False
        self.writes += 1
        self.statements.append(word)
        return self.fail_at is not None and self.writes == self.fail_at

    def _fail(self):
        self.triggered += 1
        if self.fault.auto_rollback and self.real.in_transaction:
            self.real.execute("ROLLBACK")
        raise self.fault.error()

    def execute(self, sql: str, parameters=()):
        if self._fails(sql):
            self._fail()
        return self.real.execute(sql, parameters)

    def executemany(self, sql: str, seq_of_parameters):
        if self._fails(sql):
            # A batch fails part-way, as a disk that fills up does: its first rows are
            # already written inside the transaction when the error comes.
            rows = list(seq_of_parameters)
            if len(rows) > 1:
                self.real.executemany(sql, rows[: len(rows) // 2])
            self._fail()
        return self.real.executemany(sql, seq_of_parameters)

    def __getattr__(self, name: str):
        return getattr(self.real, name)


@contextmanager
def failing_writes(store: FileStore, fail_at: int | None, fault: Fault = FULL) -> Iterator[FaultyConnection]:
    """The store's writes go through a FaultyConnection for the duration; the real
    connection is put back afterwards whatever happens."""
    real = store.conn
    proxy = FaultyConnection(real, fail_at, fault)
    store.conn = proxy
    try:
        yield proxy
    finally:
        store.conn = real


# -- canonical dump ------------------------------------------------------------------------
def _plain(value):
    """Any part of a document as nested tuples of plain values, comparable and printable.
    Decimals keep their exact spelling ("7.50" is not "7.5"); values keep the text as typed."""
    if isinstance(value, Value):
        return ("value", value.raw)
    if isinstance(value, Decimal):
        return ("decimal", str(value))
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return tuple(sorted((key, _plain(item)) for key, item in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_plain(item) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return tuple((f.name, _plain(getattr(value, f.name))) for f in dataclasses.fields(value))
    return value


def canonical(ws: Workspace) -> tuple:
    """The whole document: the unit, the projects, and every form with its fields, amounts and
    indicators (every attribute, in row order). Projects and forms are listed by id: the file
    keeps no order for them that the user sees (the outline sorts by name and year)."""
    projects = tuple(_plain(p) for p in sorted(ws.projects.values(), key=lambda p: p.id))
    forms = tuple(_plain(f) for f in sorted(ws.forms.values(), key=lambda f: f.id))
    return (("unit", _plain(ws.unit)), ("projects", projects), ("forms", forms))


def digest(ws: Workspace) -> str:
    """A short fingerprint of `canonical(ws)`: cheap enough to print after every step."""
    return hashlib.sha256(repr(canonical(ws)).encode("utf-8")).hexdigest()[:20]


def file_dump(path: Path | str) -> tuple:
    """What the file holds, read by a separate read-only opener."""
    with FileStore.open(path, read_only=True) as reader:
        return canonical(reader.workspace)


def first_difference(a: tuple, b: tuple, where: str = "") -> str:
    """Where two canonical dumps first differ, for a readable assertion message."""
    if type(a) is not type(b) or not isinstance(a, tuple):
        return "" if a == b else f"{where or '<root>'}: {a!r} != {b!r}"
    if len(a) != len(b):
        return f"{where or '<root>'}: {len(a)} items != {len(b)} items"
    for i, (x, y) in enumerate(zip(a, b)):
        label = x[0] if isinstance(x, tuple) and x and isinstance(x[0], str) else str(i)
        found = first_difference(x, y, f"{where}/{label}")
        if found:
            return found
    return ""
