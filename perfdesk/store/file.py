"""Store layer: the .perfdesk file — one SQLite database, written through on every change.

Opening checks before it writes anything: a file that is not SQLite, not ours, damaged or
from a newer PerfDesk is refused with a clear Chinese message and left untouched. An older
file is upgraded after a backup copy is written beside it. A second opener of a file that
another PerfDesk writes gets it read-only and is told so.
"""

from __future__ import annotations

import ctypes
import errno
import gc
import json
import os
import shutil
import sqlite3
import sys
import unicodedata
from decimal import Decimal, InvalidOperation
from pathlib import Path

from perfdesk.domain.model import (
    STEP_ABORT,
    STEP_DISCARD,
    STEP_DONE,
    Event,
    Form,
    Indicator,
    OverrideNote,
    Project,
    Workspace,
)
from perfdesk.domain.values import Value

from . import schema
from .reader import cells_to_text, read_workspace
from .lock import FILE_READ_ONLY, FOLDER_READ_ONLY, HELD, MEDIUM_READ_ONLY, UNLOCKABLE, FileLock

SQLITE_MAGIC = b"SQLite format 3\x00"
SUFFIX = ".perfdesk"


class StoreError(Exception):
    """A file that cannot be used. `str(error)` is one clear line for the user."""


class FileMissing(StoreError):
    pass


class NotPerfDeskFile(StoreError):
    pass


class DamagedFile(StoreError):
    pass


class FileLocked(StoreError):
    """Another program (a database tool, not PerfDesk) holds SQLite's lock on the file."""


class NewerVersion(StoreError):
    pass


class ReadOnlyError(StoreError):
    pass


class SaveError(StoreError):
    """A step could not be written: the file keeps its last complete state. The message
    names the cause in words a user can act on."""


def describe_write_error(exc: BaseException, path: Path | None = None) -> str:
    """Why a write failed, in plain Chinese, from SQLite's error code or the OS's errno."""
    name = f"“{shown_name(path)}”" if path is not None else "文件"
    return f"修改未能保存到{name}：{write_error_cause(exc)}。文件仍是上一次成功保存时的内容。"


def write_error_cause(exc: BaseException) -> str:
    """The cause of a failed write or create, in a few Chinese words."""
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    if primary is None and isinstance(exc, sqlite3.Error):  # no code: SQLite's standard texts
        text = str(exc).lower()
        for words, guess in (("is full", 13), ("locked", 5), ("readonly", 8), ("read-only", 8),
                             ("disk i/o", 10), ("malformed", 11), ("not a database", 26),
                             ("unable to open", 14)):
            if words in text:
                primary = guess
                break
    err = getattr(exc, "errno", None)
    if primary == 13 or err == errno.ENOSPC or err == errno.EDQUOT:  # SQLITE_FULL
        cause = "磁盘已满（或超出了磁盘配额）"
    elif primary in (5, 6):  # SQLITE_BUSY, SQLITE_LOCKED
        cause = "文件被其他程序锁定（例如另一个打开了它的数据库工具）"
    elif primary == 8 or err in (errno.EROFS, errno.EACCES, errno.EPERM) or primary == 3:
        cause = "文件或所在文件夹只读，或没有写入权限"
    elif primary in (11, 26):  # SQLITE_CORRUPT, SQLITE_NOTADB
        cause = "文件已损坏"
    elif primary == 18 or "too big" in str(exc).lower():  # SQLITE_TOOBIG: over MAX_VALUE_BYTES
        cause = f"有一项内容过大（超过 {MAX_VALUE_BYTES // (1024 * 1024)} MB）"
    elif primary == 14:  # SQLITE_CANTOPEN
        cause = "无法在文件所在的文件夹中写入（文件夹只读、已被移走或网络断开）"
    elif primary == 10 or err is not None:  # SQLITE_IOERR
        cause = "读写磁盘时出错（磁盘、U 盘或网络连接可能有故障）"
    else:
        cause = f"写入时出错（{exc}）"
    return cause


def shown_name(path: Path | str | None) -> str:
    """A file's name as a one-line message shows it: a name that is not valid UTF-8 (any
    byte sequence is a valid name on Linux) or holds control characters is still printable."""
    if path is None:
        return ""
    name = Path(path).name or str(path)
    name = name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return "".join("?" if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") else ch for ch in name)


def _is_busy(exc: BaseException) -> bool:
    """SQLite could not get its lock: another program is writing the file."""
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in (5, 6)  # SQLITE_BUSY, SQLITE_LOCKED
    return "database is locked" in str(exc).lower()


def _locked_message(path: Path) -> str:
    return (f"{shown_name(path)} 正被其他程序（例如数据库工具）锁定，暂时无法读取。"
            f"请关闭那个程序后再打开。文件未作任何改动。")


def _rollback(conn) -> None:
    try:
        conn.execute("ROLLBACK")
    except sqlite3.Error:
        pass  # SQLite may have rolled back by itself (disk full, I/O error)


class _Pending:
    """What one step changed, by id, so the step is written once with the final values."""

    __slots__ = ("discard", "unit", "projects", "whole_forms", "form_rows", "fields", "amounts",
                 "structure", "cells", "touched", "snapshots", "finals", "log", "tables")

    def __init__(self, discard: bool = False):
        self.discard = discard
        self.unit = False
        self.projects: dict[str, None] = {}  # ordered: new projects keep their order
        self.whole_forms: dict[str, None] = {}
        self.form_rows: set[str] = set()
        self.fields: set[tuple[str, str]] = set()
        self.amounts: set[tuple[str, str]] = set()
        self.structure: set[str] = set()
        self.cells: dict[str, set[str]] = {}
        self.touched = False
        self.snapshots: dict[str, None] = {}  # 定稿: snapshots kept, in order
        self.finals: set[str] = set()  # forms whose 已定稿 mark came or went
        self.log: dict[str, None] = {}  # final_log events, in order
        self.tables: set[tuple[str, str]] = set()  # (form id, section key) of table sections

    def note(self, event: Event) -> None:
        what = event.what
        self.touched = True
        if what == "unit":
            self.unit = True
        elif what.startswith("project_"):
            self.projects[event.item_id] = None
        elif what in ("form_added", "form_removed"):
            self.whole_forms[event.form_id] = None
        elif what == "form_changed":
            self.form_rows.add(event.form_id)
        elif what == "field":
            self.fields.add((event.form_id, event.key))
        elif what == "amount":
            self.amounts.add((event.form_id, event.key))
        elif what == "indicator":
            self.cells.setdefault(event.form_id, set()).add(event.item_id)
        elif what in ("indicator_added", "indicator_removed", "indicator_moved", "indicators_reset"):
            self.structure.add(event.form_id)
        elif what == "table":
            self.tables.add((event.form_id, event.key))
        elif what == "snapshot_added":
            self.snapshots[event.item_id] = None
        elif what in ("finalised", "withdrawn"):
            self.finals.add(event.form_id)
            self.log[event.item_id] = None
        else:  # pragma: no cover - a new event kind must be taught to the store
            raise ValueError(f"unknown event {what}")


def _now() -> str:
    from datetime import datetime

    return datetime.now().isoformat(timespec="seconds")


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _decimal(text: str | None) -> Decimal | None:
    if text is None or text == "":
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _shown_path(path: Path) -> str:
    return str(path).encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _inspect(path: Path) -> tuple[int, int]:
    """(application_id, user_version) of an existing file, or a StoreError; writes nothing
    (except SQLite's own recovery of a crash's hot journal, which restores the last commit)."""
    name = shown_name(path)
    try:
        if not path.exists():
            raise FileMissing(f"找不到文件：{_shown_path(path)}")
        if not path.is_file():
            raise NotPerfDeskFile(f"不是文件：{_shown_path(path)}")
        with path.open("rb") as handle:
            head = handle.read(100)
    except OSError as exc:
        raise StoreError(f"无法读取文件 {_shown_path(path)}：{exc.strerror or exc}") from exc
    if not head:
        raise NotPerfDeskFile(f"{name} 是空文件，不是 PerfDesk 数据文件。")
    if not head.startswith(SQLITE_MAGIC):
        raise NotPerfDeskFile(f"{name} 不是 PerfDesk 数据文件（.perfdesk）。")
    try:
        return _read_header(path, read_only=True)
    except sqlite3.DatabaseError as exc:
        if _is_busy(exc):
            raise FileLocked(_locked_message(path)) from exc
        if not _hot_journal(path):
            raise DamagedFile(f"{name} 已损坏，无法打开（{exc}）。文件未作任何改动。") from exc
        # A crash left a half-written transaction: SQLite's own recovery (rolling the
        # journal back) needs a writable connection. It restores the last committed state.
        try:
            return _read_header(path, read_only=False)
        except sqlite3.DatabaseError as exc2:
            if _is_busy(exc2):
                raise FileLocked(_locked_message(path)) from exc2
            raise DamagedFile(f"{name} 已损坏，无法打开（{exc2}）。") from exc2


INSPECT_BUSY_MS = 1000  # how long to wait for another program's lock before saying so
_ROW_PROBLEMS = ("NULL value in ", "CHECK constraint failed")


def _read_header(path: Path, read_only: bool) -> tuple[int, int]:
    """In this order, each before the next is trusted: our application id, a version we know,
    a schema that is exactly ours (nothing the file carries can run), SQLite's quick check."""
    from .verify import check_schema

    name = shown_name(path)
    if read_only:
        conn = sqlite3.connect(_read_only_uri(path), uri=True)
    else:
        conn = sqlite3.connect(str(path))
    try:
        harden(conn)
        conn.execute(f"PRAGMA busy_timeout = {INSPECT_BUSY_MS}")
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        if app_id != schema.APPLICATION_ID:
            raise NotPerfDeskFile(f"{name} 是 SQLite 数据库，但不是 PerfDesk 数据文件。文件未作任何改动。")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > schema.LATEST:
            raise NewerVersion(
                f"{name} 由更新版本的 PerfDesk 创建（文件格式 {version}，本程序支持到 {schema.LATEST}）。"
                f"请升级 PerfDesk 后再打开。文件未作任何改动。"
            )
        if version < 1:
            raise DamagedFile(f"{name} 已损坏：文件格式版本（{version}）无效。文件未作任何改动。")
        try:
            check_schema(conn, version)
        except DamagedFile as exc:
            raise DamagedFile(f"{name} 无法打开：{exc}") from None
        problems = [row[0] for row in conn.execute("PRAGMA quick_check")]
        # A NULL where our schema says NOT NULL, or a failed CHECK, is a row's problem: the
        # row check (verify) names the table and the row. Anything else is a damaged structure.
        if problems != ["ok"] and not all(str(p).startswith(_ROW_PROBLEMS) for p in problems):
            raise DamagedFile(f"{name} 已损坏（完整性检查：{problems[0]}）。文件未作任何改动，请使用备份。")
    finally:
        conn.close()
    return app_id, version


# -- the connection: nothing a file carries runs --------------------------------------------------
MAX_VALUE_BYTES = 8 * 1024 * 1024  # one text or blob; a long goal text is a few kilobytes
_DBCONFIG_DEFENSIVE = 1010  # SQLITE_DBCONFIG_DEFENSIVE
_db_config = None  # sqlite3_db_config of the library Python's sqlite3 module uses; False: none


def harden(conn: sqlite3.Connection) -> bool:
    """Settings for every connection to a file that came from anywhere: functions a schema
    names may not have side effects (`trusted_schema` off), SQLite's defensive mode (no
    writable schema, no raw page writes) and a ceiling on one value's size, so a huge text
    is refused instead of filling memory. True when defensive mode is on."""
    conn.execute("PRAGMA trusted_schema = OFF")
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    return _set_defensive(conn)


def _set_defensive(conn: sqlite3.Connection) -> bool:
    setconfig = getattr(conn, "setconfig", None)
    if setconfig is not None:  # Python 3.12+
        try:
            setconfig(_DBCONFIG_DEFENSIVE, True)
            return True
        except (sqlite3.Error, ValueError):  # pragma: no cover - a library without the option
            return False
    function = _sqlite_db_config()
    if function is None:
        return False
    # Python 3.10 and 3.11 do not expose sqlite3_db_config. Their connection object
    # (Modules/_sqlite/connection.h) starts with PyObject_HEAD followed by the `sqlite3 *db`
    # handle; `_sqlite_db_config` is only found on those versions.
    handle = ctypes.c_void_p.from_address(id(conn) + object.__basicsize__).value
    if not handle:
        return False
    state = ctypes.c_int(-1)
    return function(handle, _DBCONFIG_DEFENSIVE, 1, ctypes.byref(state)) == 0 and state.value == 1


def _sqlite_db_config():
    """sqlite3_db_config from the very library Python's sqlite3 module is linked with, or None."""
    global _db_config
    if _db_config is None:
        _db_config = False
        if (sys.implementation.name == "cpython" and sys.version_info[:2] in ((3, 10), (3, 11))
                and sys.platform in ("linux", "win32")):
            try:
                import _sqlite3

                places = [_sqlite3.__file__]  # Linux: the module's handle finds its libsqlite3
                if sys.platform == "win32":  # pragma: no cover - the DLL beside the module
                    places.append(os.path.join(os.path.dirname(_sqlite3.__file__), "sqlite3.dll"))
                for place in places:
                    try:
                        library = ctypes.CDLL(place)
                        function, version = library.sqlite3_db_config, library.sqlite3_libversion
                    except (OSError, AttributeError):
                        continue
                    version.restype = ctypes.c_char_p
                    if version().decode("ascii", "replace") != sqlite3.sqlite_version:
                        continue  # another copy of SQLite: its handles are not ours
                    function.restype = ctypes.c_int
                    function.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.POINTER(ctypes.c_int)]
                    _db_config = function
                    break
            except Exception:  # noqa: BLE001 - no defensive mode is the old behaviour, never a failure
                _db_config = False
    return _db_config or None


def _read_only_uri(path: Path) -> str:
    """SQLite's read-only URI for `path`. A file another tool left in WAL mode would make even
    a read-only connection create `-wal` and `-shm` files beside it (and leave them, since it
    may not delete them): with no write-ahead log to replay, it is opened as immutable, which
    reads the file alone and creates nothing."""
    uri = f"{path.resolve().as_uri()}?mode=ro"
    try:
        with path.open("rb") as handle:
            header = handle.read(20)
        wal = path.with_name(path.name + "-wal")
        pending = wal.exists() and wal.stat().st_size > 0
    except OSError:
        return uri
    if len(header) == 20 and header[18:20] == b"\x02\x02" and not pending:
        uri += "&immutable=1"
    return uri


def _hot_journal(path: Path) -> bool:
    journal = path.with_name(path.name + "-journal")
    return journal.is_file() and journal.stat().st_size > 0


def backup_path_for(path: Path, version: int) -> Path:
    candidate = path.with_name(f"{path.stem}.v{version}-备份{path.suffix}")
    n = 2
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}.v{version}-备份{n}{path.suffix}")
        n += 1
    return candidate


def _upgrade(conn: sqlite3.Connection, start: int) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        for version in range(start + 1, schema.LATEST + 1):
            for statement in schema.STEPS[version]:
                conn.execute(statement)
        if start == 0:
            conn.execute(f"PRAGMA application_id = {schema.APPLICATION_ID}")
            conn.execute("INSERT INTO meta(key, value) VALUES ('app', 'perfdesk')")
            conn.execute("INSERT OR IGNORE INTO unit(id) VALUES (1)")
        conn.execute(f"PRAGMA user_version = {schema.LATEST}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


class FileStore:
    """An open .perfdesk file. Use `FileStore.open` / `FileStore.create`."""

    def __init__(self, path: Path, conn: sqlite3.Connection, lock: FileLock | None,
                 read_only_reason: str = "", upgraded_from: int | None = None,
                 backup: Path | None = None):
        self.path = path
        self.conn = conn
        self._lock = lock
        self.read_only_reason = read_only_reason
        self.upgraded_from = upgraded_from
        self.backup = backup
        self.workspace: Workspace | None = None
        self._pending: _Pending | None = None
        # True once a step's own code failed half-way: its changes are in memory, not on disk.
        self.diverged = False
        self.step_error: StoreError | None = None  # why the last step was not written

    @property
    def read_only(self) -> bool:
        return bool(self.read_only_reason)

    # -- opening -----------------------------------------------------------------------
    read_only_cause = ""  # ASKED, or lock.HELD, FILE_READ_ONLY …: why the file is read-only
    holder = ""  # who edits it, when read_only_cause is HELD

    def write_refusal(self) -> str:
        """Why this file cannot be written, worded for a terminal (no window to speak of)."""
        name = shown_name(self.path)
        text = _TERMINAL_REASONS.get(self.read_only_cause, "{name} 以只读方式打开，无法写入。")
        return text.format(name=name, holder=self.holder or "另一个 PerfDesk") + "文件未作任何改动。"

    @classmethod
    def create(cls, path: Path | str, *, overwrite: bool = False) -> "FileStore":
        path = Path(path)
        if path.is_dir():
            raise StoreError(f"{_shown_path(path)} 是一个文件夹，不是文件。请写出要建的文件名，"
                             f"例如 {_shown_path(path / '示例.perfdesk')}")
        if path.exists() and not overwrite:
            raise StoreError(f"文件已存在：{_shown_path(path)}")
        if path.exists():
            _inspect(path)  # only ever overwrite one of our own files
        lock = FileLock(path)
        if not lock.acquire():
            if lock.refusal == HELD:
                raise StoreError(f"无法写入 {_shown_path(path)}：文件正被另一个 PerfDesk 使用。")
            if lock.refusal == UNLOCKABLE:
                raise StoreError(f"无法在 {_shown_path(path.parent)} 中创建文件：那里不支持文件锁定。")
            raise StoreError(f"无法在 {_shown_path(path.parent)} 中创建文件：文件夹只读或没有写入权限。")
        conn = None
        try:
            if path.exists():
                path.unlink()
            conn = cls._connect(path, read_only=False)
            _upgrade(conn, 0)
        except BaseException as exc:
            # Leave nothing behind: not a half-made file, not its journal, not the lock.
            if conn is not None:
                _close_quietly(conn)
            for leftover in (path, path.with_name(path.name + "-journal")):
                try:
                    leftover.unlink(missing_ok=True)
                except OSError:
                    pass
            lock.release()
            if isinstance(exc, (sqlite3.Error, OSError)):
                raise StoreError(f"无法创建文件 {shown_name(path)}：{write_error_cause(exc)}。") from exc
            raise
        store = cls(path, conn, lock)
        store.workspace = Workspace()
        store._follow(store.workspace)
        return store

    @classmethod
    def open(cls, path: Path | str, *, read_only: bool = False,
             definitions: "set[str] | None | object" = ...) -> "FileStore":
        """Open an existing file. Everything is checked before anything is written (see
        docs/file-format.md §5): a refusal raises a StoreError with one Chinese line, leaves
        the file byte for byte as it was, writes no backup and leaves no lock file.
        `definitions`: the form definition ids the rows may name (default: those this
        PerfDesk ships; None: not checked)."""
        path = Path(path)
        _, version = _inspect(path)
        if definitions is ...:
            definitions = _known_definitions()
        lock = None
        cause = holder = ""
        if read_only:
            cause = ASKED
        else:
            lock = FileLock(path)
            if not lock.acquire():
                cause = lock.refusal or HELD
                holder = lock.holder() if cause == HELD else ""
                lock = None
            else:
                cause = _unwritable(path, lock)
                if cause:
                    lock.release()
                    lock = None
        reason = _WINDOW_REASONS[cause].format(holder=holder) if cause else ""
        opened: list[sqlite3.Connection] = []
        backup: Path | None = None
        phase = "read"
        try:
            # Checked and read through a read-only connection: a refusal can write nothing.
            source = cls._connect(path, read_only=True)
            opened.append(source)
            _verify(source, path, version, definitions)
            if version < schema.LATEST:  # upgraded in a private in-memory copy first
                memory = sqlite3.connect(":memory:", isolation_level=None)
                opened.append(memory)
                harden(memory)
                source.backup(memory)
                opened.remove(source)
                _close_quietly(source)  # the file is read; the copy is upgraded
                memory.execute("PRAGMA foreign_keys = ON")
                _upgrade(memory, version)
                source = memory
            store = cls(path, source, lock, reason)
            store.read_only_cause, store.holder = cause, holder
            store.workspace = store.load()
            if lock is not None:
                # All is well: only now is the file written — the backup, the upgrade.
                if version < schema.LATEST:
                    phase = "backup"
                    backup = backup_path_for(path, version)
                    shutil.copy2(path, backup)
                phase = "upgrade" if version < schema.LATEST else "connect"
                conn = cls._connect(path, read_only=False)
                opened.append(conn)
                if version < schema.LATEST:
                    _upgrade(conn, version)
                    store.upgraded_from, store.backup = version, backup
                phase = "done"
                for other in opened[:-1]:
                    _close_quietly(other)
                store.conn = conn
        except BaseException as exc:
            for conn in opened:
                _close_quietly(conn)
            if backup is not None and phase != "done":
                try:  # the file was not upgraded: its backup is not needed
                    backup.unlink(missing_ok=True)
                except OSError:
                    pass
            if lock is not None:
                lock.release()
            refusal = _refusal(exc, path, phase)
            if refusal is None:
                raise
            raise refusal from exc
        store._follow(store.workspace)
        return store

    @staticmethod
    def _connect(path: Path, read_only: bool) -> sqlite3.Connection:
        if read_only:
            conn = sqlite3.connect(_read_only_uri(path), uri=True, isolation_level=None)
            harden(conn)
        else:
            conn = sqlite3.connect(str(path), isolation_level=None)
            harden(conn)
            conn.execute("PRAGMA journal_mode = DELETE")
            conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 5000")
        return conn

    def close(self) -> None:
        if self.workspace is not None:
            self._unfollow(self.workspace)
        try:
            self.conn.close()
        finally:
            if self._lock:
                self._lock.release()
                self._lock = None

    def __enter__(self) -> "FileStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- reading -----------------------------------------------------------------------
    def load(self) -> Workspace:
        # Loading builds many small objects and no cycles: pausing the cyclic collector
        # keeps large files (10,000 forms) linear instead of collecting over and over.
        enabled = gc.isenabled()
        gc.disable()
        try:
            return read_workspace(self.conn)
        finally:
            if enabled:
                gc.enable()

    def snapshot_blob(self, snapshot_id: str) -> bytes:
        """A snapshot's content as stored (zlib-compressed JSON, see domain/snapshot.py)."""
        row = self.conn.execute("SELECT content FROM snapshot WHERE id = ?", (snapshot_id,)).fetchone()
        if row is None:
            raise KeyError(snapshot_id)
        return bytes(row[0])

    def snapshot_content(self, snapshot_id: str):
        """The snapshot's forms and scores as they were (`SnapshotContent`); SnapshotError
        (Chinese message) if its content is damaged."""
        from perfdesk.domain.snapshot import decode

        snapshot = self.workspace.snapshots.get(snapshot_id) if self.workspace is not None else None
        blob = snapshot.blob if snapshot is not None and snapshot.blob is not None else self.snapshot_blob(snapshot_id)
        return decode(blob)

    def last_changes(self) -> dict[str, str]:
        """When each form last changed (ISO 8601, seconds), for forms changed since version 4."""
        return {form_id: changed for form_id, changed in
                self.conn.execute("SELECT id, changed FROM form WHERE changed IS NOT NULL")}

    # -- writing -----------------------------------------------------------------------
    def _check_writable(self) -> None:
        if self.read_only:
            raise ReadOnlyError(self.read_only_reason)

    def _transaction(self):
        store = self

        class _Tx:
            def __enter__(self):
                store._check_writable()
                store.conn.execute("BEGIN IMMEDIATE")
                return store.conn

            def __exit__(self, exc_type, exc, tb):
                if exc_type is None:
                    try:
                        store.conn.execute("COMMIT")
                        return False
                    except BaseException:
                        _rollback(store.conn)
                        raise
                _rollback(store.conn)
                return False

        return _Tx()

    def write_all(self, workspace: Workspace) -> None:
        """Replace the whole content with `workspace` in one transaction, and follow it.
        For filling a file that was just created (demo, benchmarks); edits go through steps."""
        try:
            with self._transaction() as c:
                c.execute("DELETE FROM project")  # cascades to forms, fields, amounts, indicators
                self._write_unit(c, workspace)
                for position, project in enumerate(workspace.projects.values()):
                    self._write_project(c, project, position)
                for position, form in enumerate(workspace.forms.values()):
                    self._write_form(c, form, position)
                c.execute("DELETE FROM final_log")
                c.execute("DELETE FROM snapshot")
                if workspace.snapshots or workspace.finals or workspace.final_log:
                    missing = [s.id for s in workspace.snapshots.values() if s.blob is None]
                    for snapshot_id in missing:  # read from this file before it is replaced
                        raise ValueError(f"snapshot {snapshot_id} has no content")
                    self._write_finals(c, workspace, dict.fromkeys(workspace.snapshots), set(workspace.finals),
                                       dict.fromkeys(e.id for e in workspace.final_log))
        except (sqlite3.Error, OSError) as exc:
            raise SaveError(describe_write_error(exc, self.path)) from exc
        if self.workspace is not None and self.workspace is not workspace:
            self._unfollow(self.workspace)
        if self.workspace is not workspace:
            self._follow(workspace)
        self.workspace = workspace

    def _follow(self, workspace: Workspace) -> None:
        workspace.subscribe(self._on_event)
        workspace.add_guard(self._check_writable)

    def _unfollow(self, workspace: Workspace) -> None:
        try:
            workspace.unsubscribe(self._on_event)
        except ValueError:
            pass
        workspace.remove_guard(self._check_writable)

    def _on_event(self, event: Event) -> None:
        """Collect what a step changes; write it all in one transaction when the step ends.
        A change outside any step is written at once, as a step of its own."""
        what = event.what
        if what == "step_begin":
            self._pending = _Pending(discard=event.key == STEP_DISCARD)
            self.step_error = None
            return
        if what == "step_end":
            pending, self._pending = self._pending, None
            if pending is not None and event.key is STEP_DONE and not pending.discard:
                self._flush(pending)
            elif event.key == STEP_ABORT and pending is not None and pending.touched:
                # The step's own code failed half-way: nothing of it reaches the file, and the
                # document may now differ from the file until it is reopened.
                self.diverged = True
            return
        if what.startswith("will_"):
            return  # the workspace's guard has already refused a read-only file
        if self._pending is not None:
            if not self._pending.discard:
                self._pending.note(event)
            return
        single = _Pending()
        single.note(event)
        self.step_error = None
        self._flush(single)

    def _flush(self, pending: "_Pending") -> None:
        if not pending.touched:
            return
        ws = self.workspace
        assert ws is not None
        try:
            with self._transaction() as c:
                self._write_pending(c, ws, pending)
        except ReadOnlyError as exc:
            self.step_error = exc
            raise
        except (sqlite3.Error, OSError) as exc:
            self.step_error = SaveError(describe_write_error(exc, self.path))
            raise self.step_error from exc

    def _write_pending(self, c, ws: Workspace, p: "_Pending") -> None:
        if p.unit:
            self._write_unit(c, ws)
        for project_id in p.projects:
            project = ws.projects.get(project_id)
            if project is not None:
                c.execute("INSERT INTO project(id, name, position) VALUES (?, ?, "
                          "(SELECT COALESCE(MAX(position), -1) + 1 FROM project)) "
                          "ON CONFLICT(id) DO UPDATE SET name = excluded.name", (project.id, project.name))
        for form_id in p.whole_forms:
            form = ws.forms.get(form_id)
            if form is None:
                c.execute("DELETE FROM form WHERE id = ?", (form_id,))
            else:
                self._write_form(c, form, self._next_position(c, "form"), keep_position=True)
        for form_id in p.form_rows - p.whole_forms.keys():
            form = ws.forms.get(form_id)
            if form is not None:
                c.execute("UPDATE form SET year = ?, definition = ?, budget_score = ?, total = ?, budget_reason = ?,"
                          " budget_at = ?, budget_computed = ?, total_reason = ?, total_at = ?, total_computed = ?"
                          " WHERE id = ?",
                          (form.year, form.definition_id, _text(form.budget_score), _text(form.total),
                           *_note(form.budget_note), *_note(form.total_note), form.id))
        fields = [(f, k, ws.forms[f].fields.get(k, "")) for f, k in p.fields
                  if f in ws.forms and f not in p.whole_forms]
        c.executemany("INSERT OR REPLACE INTO form_field(form_id, key, value) VALUES (?, ?, ?)", fields)
        amounts = [(f, k, _text(ws.forms[f].amounts.get(k))) for f, k in p.amounts
                   if f in ws.forms and f not in p.whole_forms]
        c.executemany("INSERT OR REPLACE INTO form_amount(form_id, key, value) VALUES (?, ?, ?)", amounts)
        for form_id in p.structure - p.whole_forms.keys():
            form = ws.forms.get(form_id)
            if form is not None:
                self._write_indicators(c, form)
        rows = []
        for form_id, indicator_ids in p.cells.items():
            form = ws.forms.get(form_id)
            if form is None or form_id in p.whole_forms or form_id in p.structure:
                continue
            positions = {ind.id: i for i, ind in enumerate(form.indicators)}
            for indicator_id in indicator_ids:
                position = positions.get(indicator_id)
                if position is not None:
                    rows.append(_indicator_row(form_id, form.indicators[position], position))
        c.executemany(_INSERT_INDICATOR, rows)
        for form_id, section in p.tables:
            form = ws.forms.get(form_id)
            if form is not None and form_id not in p.whole_forms:
                self._write_table(c, form, section)
        for project_id in p.projects:
            if project_id not in ws.projects:
                c.execute("DELETE FROM project WHERE id = ?", (project_id,))
        changed = (set(p.whole_forms) | p.form_rows | {f for f, _ in p.fields} | {f for f, _ in p.amounts}
                   | p.structure | set(p.cells) | {f for f, _ in p.tables}) & ws.forms.keys()
        if changed:
            stamp = _now()
            c.executemany("UPDATE form SET changed = ? WHERE id = ?", [(stamp, form_id) for form_id in changed])
        if p.snapshots or p.finals or p.log:
            self._write_finals(c, ws, p.snapshots, p.finals, p.log)

    def _write_finals(self, c, ws: Workspace, snapshots, finals, log) -> None:
        """定稿 records: snapshots are only ever added (never changed, never removed)."""
        for snapshot_id in snapshots:
            snapshot = ws.snapshots.get(snapshot_id)
            if snapshot is None:
                continue
            if snapshot.blob is None:  # pragma: no cover - a snapshot is written when it is made
                raise ValueError(f"snapshot {snapshot_id} has no content")
            c.execute("INSERT INTO snapshot(id, name, at, note, year, scope, forms, content, position)"
                      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(position), -1) + 1 FROM snapshot))",
                      (snapshot.id, snapshot.name, snapshot.at, snapshot.note, snapshot.year, snapshot.scope,
                       json.dumps(list(snapshot.form_ids)), sqlite3.Binary(snapshot.blob)))
        for form_id in finals:
            mark = ws.finals.get(form_id)
            if mark is None:
                c.execute("DELETE FROM final_mark WHERE form_id = ?", (form_id,))
            elif form_id in ws.forms:
                c.execute("INSERT OR REPLACE INTO final_mark(form_id, snapshot_id, at) VALUES (?, ?, ?)",
                          (form_id, mark.snapshot_id, mark.at))
        events = {event.id: event for event in ws.final_log if event.id in log}
        for event_id in log:
            event = events.get(event_id)
            if event is not None:
                c.execute("INSERT OR IGNORE INTO final_log(id, form_id, what, at, snapshot_id, reason, position)"
                          " VALUES (?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(position), -1) + 1 FROM final_log))",
                          (event.id, event.form_id, event.what, event.at, event.snapshot_id, event.reason))

    @staticmethod
    def _next_position(c, table: str) -> int:
        # Positions only order rows; new rows go last, existing rows keep theirs.
        return c.execute(f"SELECT COALESCE(MAX(position), -1) + 1 FROM {table}").fetchone()[0]

    @staticmethod
    def _write_unit(c, ws: Workspace) -> None:
        c.execute("INSERT OR REPLACE INTO unit(id, name, department) VALUES (1, ?, ?)",
                  (ws.unit.name, ws.unit.department))

    @staticmethod
    def _write_project(c, project: Project, position: int) -> None:
        c.execute("INSERT INTO project(id, name, position) VALUES (?, ?, ?) "
                  "ON CONFLICT(id) DO UPDATE SET name = excluded.name, position = excluded.position",
                  (project.id, project.name, position))

    @staticmethod
    def _write_form_row(c, form: Form, position: int) -> None:
        c.execute(
            "INSERT INTO form(id, project_id, kind, year, definition, budget_score, total, position,"
            " budget_reason, budget_at, budget_computed, total_reason, total_at, total_computed) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET"
            " project_id = excluded.project_id, kind = excluded.kind, year = excluded.year,"
            " definition = excluded.definition, budget_score = excluded.budget_score, total = excluded.total,"
            " position = excluded.position, budget_reason = excluded.budget_reason,"
            " budget_at = excluded.budget_at, budget_computed = excluded.budget_computed,"
            " total_reason = excluded.total_reason, total_at = excluded.total_at,"
            " total_computed = excluded.total_computed",
            (form.id, form.project_id, form.kind.value, form.year, form.definition_id,
             _text(form.budget_score), _text(form.total), position,
             *_note(form.budget_note), *_note(form.total_note)))

    def _write_form(self, c, form: Form, position: int, keep_position: bool = False) -> None:
        """The whole form. `keep_position`: a form already in the file keeps its place."""
        if keep_position:
            known = c.execute("SELECT position FROM form WHERE id = ?", (form.id,)).fetchone()
            if known is not None:
                position = known[0]
        self._write_form_row(c, form, position)
        c.execute("DELETE FROM form_field WHERE form_id = ?", (form.id,))
        c.executemany("INSERT INTO form_field(form_id, key, value) VALUES (?, ?, ?)",
                      [(form.id, k, v) for k, v in form.fields.items()])
        c.execute("DELETE FROM form_amount WHERE form_id = ?", (form.id,))
        c.executemany("INSERT INTO form_amount(form_id, key, value) VALUES (?, ?, ?)",
                      [(form.id, k, _text(v)) for k, v in form.amounts.items()])
        self._write_indicators(c, form)
        c.execute("DELETE FROM form_row WHERE form_id = ?", (form.id,))
        for section in form.tables:
            self._write_table(c, form, section)

    @staticmethod
    def _write_table(c, form: Form, section: str) -> None:
        """One of the form's own table sections, rows in order."""
        c.execute("DELETE FROM form_row WHERE form_id = ? AND section = ?", (form.id, section))
        c.executemany("INSERT OR REPLACE INTO form_row(id, form_id, section, position, cells) VALUES (?, ?, ?, ?, ?)",
                      [(row.id, form.id, section, i, cells_to_text(row.cells))
                       for i, row in enumerate(form.tables.get(section, ()))])

    def _write_indicators(self, c, form: Form) -> None:
        c.execute("DELETE FROM indicator WHERE form_id = ?", (form.id,))
        c.executemany(_INSERT_INDICATOR, [_indicator_row(form.id, ind, i) for i, ind in enumerate(form.indicators)])

    @staticmethod
    def _write_indicator(c, form_id: str, indicator: Indicator, position: int) -> None:
        c.execute(_INSERT_INDICATOR, _indicator_row(form_id, indicator, position))

    # -- copies ------------------------------------------------------------------------
    def save_copy(self, destination: Path | str) -> Path:
        """另存为: a consistent copy through SQLite's backup API; this file stays open."""
        destination = Path(destination)
        if destination.resolve() == self.path.resolve():
            raise StoreError("不能把文件另存为它自己。")
        tmp = destination.with_name(destination.name + ".tmp")
        try:
            target = sqlite3.connect(str(tmp))
            try:
                self.conn.backup(target)
                target.execute("PRAGMA journal_mode = DELETE")
            finally:
                target.close()
            tmp.replace(destination)
        except (sqlite3.Error, OSError) as exc:
            tmp.unlink(missing_ok=True)
            raise StoreError(f"无法另存为 {destination}：{exc}") from exc
        return destination


_INSERT_INDICATOR = (
    "INSERT OR REPLACE INTO indicator(id, form_id, position, level1, level2, level3, target, target_sign,"
    " target_number, target_unit, actual, actual_sign, actual_number, actual_unit, weight, score, grade,"
    " reason, adjusted, provenance, score_reason, score_at, score_computed, extra)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _note(note: OverrideNote | None) -> tuple:
    """An override's note as (reason, at, computed) columns; NULLs for none."""
    if note is None:
        return None, None, None
    return note.reason, note.at, _text(note.computed)


def note_from(reason: str | None, at: str | None, computed: str | None) -> OverrideNote | None:
    if reason is None and at is None and computed is None:
        return None
    return OverrideNote(reason or "", at or "", _decimal(computed))


def _parsed(value: Value) -> tuple:
    if value.is_quantitative:
        return value.sign, _text(value.number), value.unit
    return None, None, None


def _indicator_row(form_id: str, ind: Indicator, position: int) -> tuple:
    return (ind.id, form_id, position, ind.level1, ind.level2, ind.level3,
            ind.target.raw, *_parsed(ind.target), ind.actual.raw, *_parsed(ind.actual),
            _text(ind.weight), _text(ind.score), ind.grade, ind.reason, int(ind.adjusted), ind.provenance,
            *_note(ind.score_note if ind.score is not None else None), cells_to_text(ind.extra))


# -- why a file opens read-only, and refusals --------------------------------------------------------
ASKED = "asked"  # the caller asked for read-only

_WINDOW_REASONS = {
    ASKED: "以只读方式打开。",
    HELD: "此文件正被{holder}编辑，本窗口以只读方式打开，修改不会保存。",
    FILE_READ_ONLY: "文件是只读的（文件属性或权限不允许修改），本窗口以只读方式打开，修改不会保存。",
    MEDIUM_READ_ONLY: "文件所在的磁盘或共享位置只读（例如光盘、写保护的 U 盘），本窗口以只读方式打开，修改不会保存。",
    FOLDER_READ_ONLY: "文件所在的文件夹只读（保存修改时要在其中建立临时文件），本窗口以只读方式打开，修改不会保存。",
    UNLOCKABLE: "文件所在的位置不支持文件锁定，无法确保只有一处在修改，本窗口以只读方式打开，修改不会保存。",
}
_TERMINAL_REASONS = {
    HELD: "{name} 正被{holder}编辑，不能同时写入；请先在那里关闭它。",
    FILE_READ_ONLY: "{name} 是只读文件（文件属性或权限不允许修改），无法写入。",
    MEDIUM_READ_ONLY: "{name} 所在的磁盘或共享位置只读，无法写入。",
    FOLDER_READ_ONLY: "{name} 所在的文件夹只读，无法写入。",
    UNLOCKABLE: "{name} 所在的位置不支持文件锁定，无法安全写入。",
}


def _unwritable(path: Path, lock: FileLock) -> str:
    """With the lock taken: why the file still cannot be written, or ""."""
    if lock.folder_read_only:
        return FOLDER_READ_ONLY
    if not os.access(path, os.W_OK):
        return FILE_READ_ONLY
    if not os.access(path.parent, os.W_OK):
        return FOLDER_READ_ONLY
    return ""


def _known_definitions() -> set[str] | None:
    """The ids of the form definitions this PerfDesk ships (None if they cannot be read)."""
    try:
        from perfdesk.formdefs import default_registry

        return {definition.id for definition in default_registry()}
    except Exception:  # noqa: BLE001 - a broken installation; the rows' other checks still run
        return None


def _verify(conn: sqlite3.Connection, path: Path, version: int, definitions: set[str] | None) -> None:
    from .verify import check_schema, verify

    try:
        check_schema(conn, version)  # again: the file may have changed since it was inspected
        verify(conn, definitions)
    except DamagedFile as exc:
        raise DamagedFile(f"{shown_name(path)} 无法打开：{exc}") from None


def _close_quietly(conn: sqlite3.Connection) -> None:
    try:
        conn.close()
    except Exception:  # noqa: BLE001 - closing after a failure must not hide it
        pass


def _refusal(exc: BaseException, path: Path, phase: str) -> StoreError | None:
    """What opening says when `exc` stopped it in `phase`; None: re-raise `exc` as it is
    (an interrupt). Never a traceback for anything a file can contain."""
    name = shown_name(path)
    if isinstance(exc, StoreError):
        return exc
    if not isinstance(exc, Exception):
        return None  # KeyboardInterrupt, SystemExit
    if phase in ("backup", "upgrade", "connect") and isinstance(exc, (sqlite3.Error, OSError)):
        if _is_busy(exc):
            return FileLocked(_locked_message(path))
        if phase == "connect":
            return StoreError(f"{name} 无法以可写方式打开：{write_error_cause(exc)}。文件未作任何改动。")
        return StoreError(f"{name} 需要升级到新的文件格式，但未能写入：{write_error_cause(exc)}。文件未作任何改动。")
    if isinstance(exc, sqlite3.Error):
        text = str(exc)
        if _is_busy(exc):
            return FileLocked(_locked_message(path))
        if "decode" in text.lower() or "utf-8" in text.lower():
            return DamagedFile(f"{name} 已损坏：其中有不是 UTF-8 编码的文字，无法读取。文件未作任何改动。")
        if "too big" in text.lower():
            return DamagedFile(f"{name} 无法打开：其中有一项内容过大（超过 {MAX_VALUE_BYTES // (1024 * 1024)} MB）。"
                               f"文件未作任何改动。")
        return DamagedFile(f"{name} 已损坏，无法读取（{text}）。文件未作任何改动。")
    if isinstance(exc, OSError):
        return StoreError(f"无法打开 {_shown_path(path)}：{exc.strerror or exc}")
    if isinstance(exc, MemoryError):
        return DamagedFile(f"{name} 无法打开：内容过大，内存不足。文件未作任何改动。")
    return DamagedFile(f"{name} 已损坏，无法读取（{type(exc).__name__}）。文件未作任何改动。")
