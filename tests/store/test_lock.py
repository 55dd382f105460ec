"""One writer per .perfdesk FILE, whatever the route to it (perfdesk/store/lock.py).

A symlink, a hard link, another spelling of the path, another process and a second opener
in this process all get the file read-only while someone writes it; a crash frees it.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from perfdesk.domain.model import Project
from perfdesk.store import FileStore, SUFFIX
from perfdesk.store import lock as lock_module
from perfdesk.store.lock import LOCK_OFFSET, FileLock, lock_path_for

pytestmark = pytest.mark.skipif(os.name == "nt", reason="symlinks, hard links and SIGKILL: POSIX")

# Opens the file given like the application does and says what it got.
_OPEN = """
import json, sys
from perfdesk.store import FileStore
store = FileStore.open(sys.argv[1])
print(json.dumps({"read_only": store.read_only, "reason": store.read_only_reason}))
store.close()
"""

# Opens the file for writing, says so, and waits to be killed.
_HOLD = """
import json, sys, time
from perfdesk.store import FileStore
store = FileStore.open(sys.argv[1])
print(json.dumps({"read_only": store.read_only}), flush=True)
time.sleep(600)
"""


@pytest.fixture
def doc(tmp_path) -> Path:
    path = tmp_path / "docs" / f"单位{SUFFIX}"
    path.parent.mkdir()
    FileStore.create(path).close()
    return path


def names(folder: Path) -> list[str]:
    """What is in the document's folder, without the test's own data folder (conftest puts it in
    tmp_path; PerfDesk may keep its cache there)."""
    return sorted(p.name for p in folder.iterdir() if p.name != "userdata")


def open_elsewhere(path: Path | str, cwd: Path | None = None) -> dict:
    """FileStore.open in another process: {"read_only": ..., "reason": ...}."""
    done = subprocess.run([sys.executable, "-c", _OPEN, str(path)], capture_output=True, text=True,
                          timeout=120, cwd=cwd, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- every route to the same file ---------------------------------------------------------------

def _symlink(doc: Path) -> Path:
    link = doc.parent.parent / f"链接{SUFFIX}"
    link.symlink_to(doc)
    return link


def _hard_link(doc: Path) -> Path:
    link = doc.parent / f"硬链接{SUFFIX}"
    os.link(doc, link)
    return link


def _linked_folder(doc: Path) -> Path:
    folder = doc.parent.parent / "folder-link"
    folder.symlink_to(doc.parent, target_is_directory=True)
    return folder / doc.name


def _dot_dot(doc: Path) -> Path:
    (doc.parent / "sub").mkdir()
    return doc.parent / "sub" / ".." / "." / doc.name


def _relative(doc: Path) -> Path:
    return Path(os.path.relpath(doc))  # the test runs with doc's grandparent as cwd


ROUTES = pytest.mark.parametrize("route", [_symlink, _hard_link, _linked_folder, _dot_dot, _relative],
                                 ids=["symlink", "hard-link", "symlinked-folder", "dot-dot", "relative"])


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


@ROUTES
@pytest.mark.parametrize("first_by_route", [False, True], ids=["path-first", "route-first"])
def test_every_route_to_a_held_file_is_read_only(doc, route, first_by_route, in_tmp):
    other = route(doc)
    first_path, second_path = (other, doc) if first_by_route else (doc, other)
    assert os.path.samefile(first_path, second_path)
    first = FileStore.open(first_path)
    try:
        assert not first.read_only
        files = names(doc.parent)
        second = FileStore.open(second_path)
        try:
            assert second.read_only
            assert "只读" in second.read_only_reason
        finally:
            second.close()
        # the refused opener left nothing behind and did not release the writer
        assert names(doc.parent) == files
        first.workspace.add_project(Project("仍可写", id="p-first"))
        assert open_elsewhere(second_path)["read_only"]
    finally:
        first.close()
    with FileStore.open(second_path) as again:
        assert not again.read_only
        assert "p-first" in again.workspace.projects


@ROUTES
def test_another_process_gets_read_only_by_every_route(doc, route, in_tmp, tmp_path):
    other = route(doc)
    with FileStore.open(doc) as first:
        assert not first.read_only
        seen = open_elsewhere(other, cwd=tmp_path)
        assert seen["read_only"]
        if route is not _hard_link:  # a hard link has its own side file: no holder named
            assert f"进程 {os.getpid()}" in seen["reason"]
    assert open_elsewhere(other, cwd=tmp_path) == {"read_only": False, "reason": ""}
    assert not [name for name in names(doc.parent) if name.endswith(".lock")]


def test_holder_is_named_through_a_symlink(doc):
    link = _symlink(doc)
    assert lock_path_for(link) == lock_path_for(doc) == doc.parent / f".{doc.name}.lock"
    with FileStore.open(link) as first:
        assert lock_path_for(doc).exists()
        assert not (link.parent / f".{link.name}.lock").exists()
        with FileStore.open(doc) as second:
            assert second.read_only
            assert f"进程 {os.getpid()}" in second.read_only_reason
    assert names(doc.parent) == [doc.name]


def test_a_store_being_created_is_not_opened_for_writing(tmp_path):
    path = tmp_path / f"新{SUFFIX}"
    link = _symlink_beside(path)
    creator = FileStore.create(path)  # locked before the file existed
    try:
        for route in (path, link):
            with FileStore.open(route) as second:
                assert second.read_only
        assert open_elsewhere(link)["read_only"]
        creator.workspace.add_project(Project("新建", id="p-new"))
    finally:
        creator.close()
    with FileStore.open(link) as again:
        assert not again.read_only and "p-new" in again.workspace.projects
    assert names(tmp_path) == sorted([path.name, link.name])


def _symlink_beside(path: Path) -> Path:
    link = path.with_name(f"链接{SUFFIX}")
    link.symlink_to(path.name)  # dangling until the file is created
    return link


# -- crashes, SQLite's own locks -------------------------------------------------------------------

def test_a_killed_holder_leaves_the_file_unlocked(doc):
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, str(doc)], stdout=subprocess.PIPE, text=True)
    try:
        assert json.loads(holder.stdout.readline()) == {"read_only": False}
        with FileStore.open(_hard_link(doc)) as second:
            assert second.read_only
        with FileStore.open(doc) as second:
            assert second.read_only
            assert f"进程 {holder.pid}" in second.read_only_reason
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=60)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(timeout=60)
        holder.stdout.close()
    assert holder.returncode == -signal.SIGKILL
    assert lock_path_for(doc).exists()  # the dead holder's note stays; it no longer counts
    with FileStore.open(doc) as after:
        assert not after.read_only
        after.workspace.add_project(Project("崩溃之后", id="p-after"))
        assert open_elsewhere(doc)["read_only"]
    assert names(doc.parent) == sorted([doc.name, f"硬链接{SUFFIX}"])


def test_the_holder_writes_through_sqlite_as_before(doc):
    with FileStore.open(doc) as store:
        assert not store.read_only
        store.workspace.set_unit(name="某某单位", department="财务处")
        store.workspace.add_project(Project("项目甲", id="p1"))
        store.workspace.rename_project("p1", "项目甲改")
        assert store.conn.execute("SELECT name FROM project WHERE id = 'p1'").fetchone() == ("项目甲改",)
    with FileStore.open(doc) as again:
        assert not again.read_only
        assert (again.workspace.unit.name, again.workspace.unit.department) == ("某某单位", "财务处")
        assert again.workspace.projects["p1"].name == "项目甲改"


def test_other_connections_closing_in_this_process_keep_the_lock(doc):
    """Classic POSIX locks would be dropped here: closing any descriptor of the file
    releases them all, and SQLite closes one per connection."""
    with FileStore.open(doc) as holder:
        conn = sqlite3.connect(doc)
        assert conn.execute("PRAGMA application_id").fetchone()[0] != 0
        conn.close()
        with FileStore.open(doc, read_only=True) as reader:
            assert reader.read_only
        with open(doc, "rb") as raw:
            raw.read(16)
        assert open_elsewhere(doc)["read_only"]
        with FileStore.open(doc) as second:
            assert second.read_only
        assert open_elsewhere(doc)["read_only"]
        holder.workspace.add_project(Project("仍然写入", id="p-still"))
    with FileStore.open(doc, read_only=True) as reader:
        assert "p-still" in reader.workspace.projects


@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="Linux only")
def test_the_lock_is_an_ofd_lock_on_the_database_byte(doc):
    inode = os.stat(doc).st_ino

    def locks_on_doc() -> list[list[str]]:
        found = []
        for line in Path("/proc/locks").read_text().splitlines():
            fields = line.split()
            if fields[1] == "->":  # a waiter, not a holder
                continue
            if fields[5].rsplit(":", 1)[-1] == str(inode) and fields[5].split(":")[:2] == _dev(doc):
                found.append(fields[1:])
        return found

    byte = str(LOCK_OFFSET)
    with FileStore.open(doc):
        # process-independent (pid -1), exclusive, on exactly our byte of the database
        assert [lock[:4] + lock[5:] for lock in locks_on_doc()] == [
            ["OFDLCK", "ADVISORY", "WRITE", "-1", byte, byte]]
    assert locks_on_doc() == []


def _dev(path: Path) -> list[str]:
    dev = os.stat(path).st_dev
    return [f"{os.major(dev):02x}", f"{os.minor(dev):02x}"]


# -- the FileLock itself --------------------------------------------------------------------------

def test_release_is_idempotent_and_never_raises(doc):
    lock = FileLock(doc)
    lock.release()  # never acquired
    assert lock.acquire() and lock.held
    assert lock.acquire()  # already ours
    lock.path.unlink()  # someone tidied the folder meanwhile
    lock.release()
    lock.release()
    assert not lock.held
    assert names(doc.parent) == [doc.name]
    again = FileLock(doc)
    assert again.acquire()
    again.release()


def test_acquire_creates_no_database(tmp_path):
    path = tmp_path / f"还没有{SUFFIX}"
    lock = FileLock(path)
    assert lock.acquire()
    assert names(tmp_path) == [f".{path.name}.lock"]
    assert not FileLock(path).acquire()
    lock.release()
    assert names(tmp_path) == []


def test_release_leaves_a_newer_holders_note_alone(tmp_path):
    path = tmp_path / f"还没有{SUFFIX}"
    first = FileLock(path)
    assert first.acquire()
    first.path.unlink()  # removed under the holder: the next one locks a new side file
    second = FileLock(path)
    assert second.acquire()
    first.release()
    assert second.path.exists()
    assert not FileLock(path).acquire()
    second.release()
    assert names(tmp_path) == []


def test_a_file_that_cannot_be_opened_for_writing_is_not_locked(tmp_path):
    folder = tmp_path / "dir"
    folder.mkdir()
    lock = FileLock(folder)  # a folder can't be opened read-write
    assert not lock.acquire() and not lock.held
    assert names(tmp_path) == ["dir"]


def test_an_unusable_side_file_does_not_block_the_database_lock(doc, tmp_path):
    # say a stale note another user owns: the database lock alone decides
    lock_path_for(doc).mkdir()
    with FileStore.open(doc) as first:
        assert not first.read_only
        with FileStore.open(_hard_link(doc)) as second:
            assert second.read_only
        assert open_elsewhere(doc)["read_only"]
    assert lock_path_for(doc).is_dir()
    # without a database to lock, nothing is locked at all: refuse
    missing = tmp_path / f"还没有{SUFFIX}"
    lock_path_for(missing).mkdir()
    assert not FileLock(missing).acquire()


def test_without_ofd_locks_this_process_still_refuses_a_second_opener(doc, monkeypatch):
    # the fallback (macOS, Linux before 3.15): classic POSIX locks plus a registry
    monkeypatch.setattr(lock_module, "_ofd_command", None)
    first = FileLock(doc)
    assert first.acquire()
    assert not FileLock(_symlink(doc)).acquire()
    assert not FileLock(_hard_link(doc)).acquire()
    first.release()
    assert not lock_module._posix_held
    again = FileLock(doc)
    assert again.acquire()
    again.release()
    assert names(doc.parent) == sorted([doc.name, f"硬链接{SUFFIX}"])


def test_a_forked_child_releasing_leaves_the_parents_lock(doc):
    lock = FileLock(doc)
    assert lock.acquire()
    try:
        child = os.fork()
        if child == 0:  # pragma: no cover - runs in the child: only the release, then exit
            try:
                lock.release()
            finally:
                os._exit(0)
        assert os.waitpid(child, 0)[1] == 0
        assert lock_path_for(doc).exists()
        seen = open_elsewhere(doc)
        assert seen["read_only"] and f"进程 {os.getpid()}" in seen["reason"]
    finally:
        lock.release()
    assert open_elsewhere(doc)["read_only"] is False
    assert names(doc.parent) == [doc.name]
