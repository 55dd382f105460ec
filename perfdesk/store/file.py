"""Store layer: the .perfdesk file — one SQLite database, written through on every change.

Opening checks before it writes anything: a file that is not SQLite, not ours, damaged or
from a newer PerfDesk is refused with a clear Chinese message and left untouched. An older
file is upgraded after a backup copy is written beside it. A second opener of a file that
another PerfDesk writes gets it read-only and is told so.
"""

from __future__ import annotations

import errno
import gc
import os
import shutil
import sqlite3
from decimal import Decimal, InvalidOperation
from pathlib import Path

from perfdesk.domain.definition import FormKind
from perfdesk.domain.model import (
    STEP_ABORT,
    STEP_DISCARD,
    STEP_DONE,
    Event,
    Form,
    Indicator,
    OverrideNote,
    Project,
    Unit,
    Workspace,
)
from perfdesk.domain.values import Value, parse

from . import schema
from .lock import FileLock

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


class NewerVersion(StoreError):
    pass


class ReadOnlyError(StoreError):
    pass


class SaveError(StoreError):
    """A step could not be written: the file keeps its last complete state. The message
    names the cause in words a user can act on."""


def describe_write_error(exc: BaseException, path: Path | None = None) -> str:
    """Why a write failed, in plain Chinese, from SQLite's error code or the OS's errno."""
    name = f"“{path.name}”" if path is not None else "文件"
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
    elif primary == 14:  # SQLITE_CANTOPEN
        cause = "无法在文件所在的文件夹中写入（文件夹只读、已被移走或网络断开）"
    elif primary == 10 or err is not None:  # SQLITE_IOERR
        cause = "读写磁盘时出错（磁盘、U 盘或网络连接可能有故障）"
    else:
        cause = f"写入时出错（{exc}）"
    return f"修改未能保存到{name}：{cause}。文件仍是上一次成功保存时的内容。"


def _rollback(conn) -> None:
    try:
        conn.execute("ROLLBACK")
    except sqlite3.Error:
        pass  # SQLite may have rolled back by itself (disk full, I/O error)


class _Pending:
    """What one step changed, by id, so the step is written once with the final values."""

    __slots__ = ("discard", "unit", "projects", "whole_forms", "form_rows", "fields", "amounts",
                 "structure", "cells", "touched")

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
        else:  # pragma: no cover - a new event kind must be taught to the store
            raise ValueError(f"unknown event {what}")


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _decimal(text: str | None) -> Decimal | None:
    if text is None or text == "":
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _inspect(path: Path) -> tuple[int, int]:
    """(application_id, user_version) of an existing file, or a StoreError; writes nothing."""
    if not path.exists():
        raise FileMissing(f"找不到文件：{path}")
    if not path.is_file():
        raise NotPerfDeskFile(f"不是文件：{path}")
    try:
        with path.open("rb") as handle:
            head = handle.read(100)
    except OSError as exc:
        raise StoreError(f"无法读取文件 {path}：{exc.strerror or exc}") from exc
    if not head:
        raise NotPerfDeskFile(f"{path.name} 是空文件，不是 PerfDesk 数据文件。")
    if not head.startswith(SQLITE_MAGIC):
        raise NotPerfDeskFile(f"{path.name} 不是 PerfDesk 数据文件（.perfdesk）。")
    try:
        app_id, version, check = _read_header(path, read_only=True)
    except sqlite3.DatabaseError as exc:
        if not _hot_journal(path):
            raise DamagedFile(f"{path.name} 已损坏，无法打开（{exc}）。文件未作任何改动。") from exc
        # A crash left a half-written transaction: SQLite's own recovery (rolling the
        # journal back) needs a writable connection. It restores the last committed state.
        try:
            app_id, version, check = _read_header(path, read_only=False)
        except sqlite3.DatabaseError as exc2:
            raise DamagedFile(f"{path.name} 已损坏，无法打开（{exc2}）。") from exc2
    if app_id != schema.APPLICATION_ID:
        raise NotPerfDeskFile(f"{path.name} 是 SQLite 数据库，但不是 PerfDesk 数据文件。文件未作任何改动。")
    if check != "ok":
        raise DamagedFile(f"{path.name} 已损坏（完整性检查：{check}）。文件未作任何改动，请使用备份。")
    if version > schema.LATEST:
        raise NewerVersion(
            f"{path.name} 由更新版本的 PerfDesk 创建（文件格式 {version}，本程序支持到 {schema.LATEST}）。"
            f"请升级 PerfDesk 后再打开。文件未作任何改动。"
        )
    return app_id, version


def _read_header(path: Path, read_only: bool) -> tuple[int, int, str]:
    if read_only:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    else:
        conn = sqlite3.connect(str(path))
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        check = conn.execute("PRAGMA quick_check").fetchone()[0]
    finally:
        conn.close()
    return app_id, version, check


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
        self.last_saved: _Pending | None = None
        self.step_error: StoreError | None = None  # why the last step was not written

    @property
    def read_only(self) -> bool:
        return bool(self.read_only_reason)

    # -- opening -----------------------------------------------------------------------
    @classmethod
    def create(cls, path: Path | str, *, overwrite: bool = False) -> "FileStore":
        path = Path(path)
        if path.exists() and not overwrite:
            raise StoreError(f"文件已存在：{path}")
        if path.exists():
            _inspect(path)  # only ever overwrite one of our own files
        lock = FileLock(path)
        if not lock.acquire():
            raise StoreError(f"无法写入 {path}（文件正被另一个 PerfDesk 使用，或文件夹只读）。")
        try:
            if path.exists():
                path.unlink()
            conn = cls._connect(path, read_only=False)
            _upgrade(conn, 0)
        except (sqlite3.Error, OSError) as exc:
            lock.release()
            raise StoreError(f"无法创建文件 {path}：{exc}") from exc
        except BaseException:
            lock.release()
            raise
        store = cls(path, conn, lock)
        store.workspace = Workspace()
        store._follow(store.workspace)
        return store

    @classmethod
    def open(cls, path: Path | str, *, read_only: bool = False) -> "FileStore":
        path = Path(path)
        _, version = _inspect(path)
        lock = None
        reason = "以只读方式打开。" if read_only else ""
        if not read_only:
            lock = FileLock(path)
            if not lock.acquire():
                if _writable(path):
                    reason = f"此文件正被{lock.holder()}编辑，本窗口以只读方式打开，修改不会保存。"
                else:
                    reason = "文件或所在文件夹只读，本窗口以只读方式打开，修改不会保存。"
                lock = None
            elif not _writable(path):
                lock.release()
                lock = None
                reason = "文件或所在文件夹只读，本窗口以只读方式打开，修改不会保存。"
        upgraded_from = backup = None
        try:
            if reason:
                conn = cls._connect(path, read_only=True)
                if version < schema.LATEST:  # upgrade a private copy in memory
                    memory = sqlite3.connect(":memory:", isolation_level=None)
                    conn.backup(memory)
                    conn.close()
                    conn = memory
                    _upgrade(conn, version)
            else:
                if version < schema.LATEST:
                    backup = backup_path_for(path, version)
                    shutil.copy2(path, backup)
                    upgraded_from = version
                conn = cls._connect(path, read_only=False)
                if version < schema.LATEST:
                    _upgrade(conn, version)
            store = cls(path, conn, lock, reason, upgraded_from, backup)
            store.workspace = store.load()
        except sqlite3.DatabaseError as exc:
            if lock:
                lock.release()
            raise DamagedFile(f"{path.name} 已损坏，无法读取（{exc}）。") from exc
        except OSError as exc:
            if lock:
                lock.release()
            raise StoreError(f"无法打开 {path}：{exc.strerror or exc}") from exc
        store._follow(store.workspace)
        return store

    @staticmethod
    def _connect(path: Path, read_only: bool) -> sqlite3.Connection:
        if read_only:
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
        else:
            conn = sqlite3.connect(str(path), isolation_level=None)
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
            return self._load()
        finally:
            if enabled:
                gc.enable()

    def _load(self) -> Workspace:
        c = self.conn
        name, department = c.execute("SELECT name, department FROM unit WHERE id = 1").fetchone() or ("", "")
        ws = Workspace(Unit(name, department))
        for pid, pname in c.execute("SELECT id, name FROM project ORDER BY position, rowid"):
            ws.projects[pid] = Project(name=pname, id=pid)
        forms: dict[str, Form] = {}
        for (fid, pid, kind, year, definition, budget_score, total, b_reason, b_at, b_computed,
             t_reason, t_at, t_computed) in c.execute(
            "SELECT id, project_id, kind, year, definition, budget_score, total, budget_reason, budget_at,"
            " budget_computed, total_reason, total_at, total_computed FROM form ORDER BY position, rowid"
        ):
            forms[fid] = Form(project_id=pid, kind=FormKind(kind), year=year, definition_id=definition,
                              id=fid, budget_score=_decimal(budget_score), total=_decimal(total),
                              budget_note=note_from(b_reason, b_at, b_computed),
                              total_note=note_from(t_reason, t_at, t_computed))
        for fid, key, value in c.execute("SELECT form_id, key, value FROM form_field"):
            forms[fid].fields[key] = value
        for fid, key, value in c.execute("SELECT form_id, key, value FROM form_amount"):
            forms[fid].amounts[key] = _decimal(value)
        for row in c.execute(
            "SELECT id, form_id, level1, level2, level3, target, actual, weight, score, grade, reason,"
            " adjusted, provenance, score_reason, score_at, score_computed FROM indicator ORDER BY form_id, position"
        ):
            (iid, fid, l1, l2, l3, target, actual, weight, score, grade, reason, adjusted, provenance,
             s_reason, s_at, s_computed) = row
            forms[fid].indicators.append(Indicator(
                id=iid, level1=l1, level2=l2, level3=l3, target=parse(target), actual=parse(actual),
                weight=_decimal(weight), score=_decimal(score), grade=grade, reason=reason,
                adjusted=bool(adjusted), provenance=provenance, score_note=note_from(s_reason, s_at, s_computed)))
        ws.forms = forms
        return ws

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
        self.last_saved = pending

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
        for project_id in p.projects:
            if project_id not in ws.projects:
                c.execute("DELETE FROM project WHERE id = ?", (project_id,))

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
    " reason, adjusted, provenance, score_reason, score_at, score_computed)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
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
            *_note(ind.score_note if ind.score is not None else None))


def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
