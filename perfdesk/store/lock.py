"""Store layer: one writer per .perfdesk file — per file, not per path name.

The authority is an operating-system lock on one byte of the database file itself, at
`LOCK_OFFSET` (0x7FFFFF00): far from the bytes SQLite locks (0x40000000..0x400001FF) and
below 2 GiB, so lock offsets of 32 bits (old NFS, the Windows C runtime) still carry it.
A lock on the file rather than on a name catches every route to it: a symlink, a hard
link, a relative path or `a/../b`, another process, and a second opener in this process.

- Linux: an open-file-description lock (`F_OFD_SETLK`). It belongs to our descriptor, not
  to the process, so it survives SQLite closing another descriptor of the same file (it
  does, whenever a connection closes), and two descriptions exclude each other even in
  one process. Not `lockf`/`F_SETLK` (process-wide, dropped by any such close) and not
  `flock` (emulated on NFS/CIFS as a whole-file POSIX lock that would collide with
  SQLite's own locks).
- Without OFD locks (macOS, Linux before 3.15): classic POSIX locks, plus a registry of
  the files this process holds, so a second opener in this process is still refused.
  Weaker: SQLite closing a descriptor of the same file silently drops such a lock.
- Windows: `msvcrt.locking` on that byte.

The OS drops these locks when the process dies, so a crash never leaves a file locked.

Beside the resolved file (`os.path.realpath`, so symlinks and every spelling agree) a small
side file, `.name.perfdesk.lock`, records who holds the lock (pid, host) for the message
the second opener sees; it is written after locking and removed on release if still ours.
It carries a lock at the same offset too, for the one moment the database has no inode to
lock: `FileStore.create` takes the lock before the file exists (or before it replaces
it). A creator holds the side file only; an opener of an existing file must get both, so
a file being created is not opened for writing by anyone else. Through a hard link (a
different name, so a different side file) the database lock alone decides, and the
message names no holder.

Caveat (any lock on the database itself): closing a descriptor of a file drops every
classic POSIX lock this process holds on it, SQLite's included. `release()` and a failed
`acquire()` close ours; harmless while no other connection of this process is inside a
transaction on the same file at that moment (FileStore connections are autocommit, used
from one thread).
"""

from __future__ import annotations

import errno
import json
import os
import struct
import threading
from pathlib import Path

if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt
else:
    import fcntl

LOCK_OFFSET = 0x7FFFFF00
_CONFLICT = (errno.EACCES, errno.EAGAIN)
_READ_ONLY_ERRORS = (errno.EROFS, errno.EACCES, errno.EPERM)

# Why `FileLock.acquire()` failed (`FileLock.refusal`):
HELD = "held"  # another PerfDesk writes this file
FILE_READ_ONLY = "file"  # the file may not be written (attributes, permissions)
MEDIUM_READ_ONLY = "medium"  # a read-only disk, share or mount
FOLDER_READ_ONLY = "folder"  # the folder refuses new files (creating a file, nothing to lock)
UNLOCKABLE = "unlockable"  # the file system cannot lock files (some network shares)

# Classic POSIX locks do not conflict within one process: the (device, inode) pairs this
# process holds through them, so a second opener here is refused all the same.
_posix_held: set[tuple[int, int]] = set()
_posix_guard = threading.Lock()
_ofd_command = getattr(fcntl, "F_OFD_SETLK", None) if os.name != "nt" else None


def lock_path_for(path: Path) -> Path:
    """The side file naming the holder: beside the resolved file, so all routes agree."""
    real = Path(os.path.realpath(path))
    return real.with_name(f".{real.name}.lock")


def _flock_struct(lock_type: int) -> bytes:
    # Linux's struct flock {short l_type; short l_whence; off_t l_start; off_t l_len;
    # pid_t l_pid;} (64-bit off_t, as Python is built), native alignment and trailing
    # padding ("0q"); l_pid must be 0 for OFD locks. Only Linux has F_OFD_SETLK in fcntl.
    return struct.pack("hhqqi0q", lock_type, os.SEEK_SET, LOCK_OFFSET, 1, 0)


class _ByteLock:
    """An exclusive lock on LOCK_OFFSET of one open descriptor; `take` never waits."""

    def __init__(self, fd: int):
        self.fd = fd
        self.pid = os.getpid()  # a forked child shares the lock and must not undo it
        self.kind = ""  # "ofd", "posix" or "nt" once taken
        self._key: tuple[int, int] | None = None

    def take(self) -> bool:
        """True: taken. False: someone else holds it. OSError: the file can't be locked."""
        global _ofd_command
        if os.name == "nt":  # pragma: no cover
            os.lseek(self.fd, LOCK_OFFSET, os.SEEK_SET)
            try:
                msvcrt.locking(self.fd, msvcrt.LK_NBLCK, 1)
            except OSError:
                return False
            self.kind = "nt"
            return True
        if _ofd_command is not None:
            try:
                fcntl.fcntl(self.fd, _ofd_command, _flock_struct(fcntl.F_WRLCK))
            except OSError as exc:
                if exc.errno in _CONFLICT:
                    return False
                if exc.errno != errno.EINVAL:
                    raise
                _ofd_command = None  # pragma: no cover - a kernel without OFD locks
            else:
                self.kind = "ofd"
                return True
        return self._take_posix()

    def _take_posix(self) -> bool:
        info = os.fstat(self.fd)
        key = (info.st_dev, info.st_ino)
        with _posix_guard:
            if key in _posix_held:
                return False
            try:
                fcntl.lockf(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, LOCK_OFFSET, os.SEEK_SET)
            except OSError as exc:
                if exc.errno in _CONFLICT:
                    return False
                raise
            _posix_held.add(key)
        self._key = key
        self.kind = "posix"
        return True

    def close(self) -> None:
        """Unlock (if taken) and close the descriptor; never raises."""
        fd, self.fd = self.fd, -1
        if fd < 0:
            return
        if self.pid != os.getpid():
            self.kind = ""  # closing a forked copy of the descriptor leaves the lock to the parent
        try:
            if self.kind == "ofd":
                fcntl.fcntl(fd, _ofd_command or fcntl.F_OFD_SETLK, _flock_struct(fcntl.F_UNLCK))
            elif self.kind == "posix":
                fcntl.lockf(fd, fcntl.LOCK_UN, 1, LOCK_OFFSET, os.SEEK_SET)
            elif self.kind == "nt":  # pragma: no cover
                os.lseek(fd, LOCK_OFFSET, os.SEEK_SET)
                msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        except (OSError, AttributeError):
            pass  # closing the descriptor below releases it all the same
        finally:
            if self._key is not None:
                with _posix_guard:
                    _posix_held.discard(self._key)
                self._key = None
            try:
                os.close(fd)
            except OSError:
                pass


_BINARY = getattr(os, "O_BINARY", 0) | getattr(os, "O_NOINHERIT", 0)


class FileLock:
    """One writer per .perfdesk file: `acquire()` once, `release()` when done."""

    def __init__(self, path: Path):
        self.database = Path(os.path.realpath(path))
        self.path = lock_path_for(path)  # the side file naming the holder
        self._database_lock: _ByteLock | None = None
        self._side_lock: _ByteLock | None = None
        # Why the last `acquire()` failed, for the message: HELD, FILE_READ_ONLY, MEDIUM_READ_ONLY,
        # FOLDER_READ_ONLY or UNLOCKABLE; "" after a success.
        self.refusal = ""
        # After a success: the side file could not be created because the folder refuses
        # new files (SQLite could not create its journal there either).
        self.folder_read_only = False

    @property
    def held(self) -> bool:
        return self._side_lock is not None or self._database_lock is not None

    def acquire(self) -> bool:
        """Try once, without waiting. False: someone else writes this file (or we can't lock).

        Creates no database: when the file does not exist yet (FileStore.create), only the
        side file is locked; whoever opens the file once it exists needs that lock too. A
        side file that can't be opened (a stale one owned by another user) does not stop
        the holder of the database lock.
        """
        if self.held:
            return True
        self.refusal, self.folder_read_only = "", False
        try:
            fd = os.open(self.database, os.O_RDWR | _BINARY)
        except FileNotFoundError:
            database = None
        except OSError as exc:
            # Not ours to write: a read-only file or medium, a folder, no permission.
            self.refusal = _refusal_of(exc, FILE_READ_ONLY)
            return False
        else:
            database = _ByteLock(fd)
            try:
                taken = database.take()
            except OSError as exc:  # the file system cannot lock (some network shares)
                taken = False
                self.refusal = _refusal_of(exc, UNLOCKABLE)
            if not taken:
                self.refusal = self.refusal or HELD
                database.close()
                return False
        free, side, error = self._lock_side_file()
        folder_refuses = error is not None and error.errno in _READ_ONLY_ERRORS and not _exists(self.path)
        if not free or (side is None and database is None):
            if database is not None:
                database.close()
            if not free:
                self.refusal = HELD
            elif error is not None and error.errno == errno.EROFS:
                self.refusal = MEDIUM_READ_ONLY
            else:
                self.refusal = FOLDER_READ_ONLY if folder_refuses else UNLOCKABLE
            return False
        self._database_lock, self._side_lock = database, side
        self.folder_read_only = folder_refuses
        if side is not None:
            self._write_holder()
        return True

    def _lock_side_file(self) -> tuple[bool, _ByteLock | None, OSError | None]:
        """(False, None, _): someone else holds it. (True, None, error): it can't be used here
        (say a stale one another user owns, or a folder that refuses new files); the database
        lock then decides alone."""
        for _ in range(20):
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | _BINARY, 0o666)
            except OSError as exc:
                return True, None, exc
            side = _ByteLock(fd)
            try:
                taken = side.take()
            except OSError as exc:
                side.close()
                return True, None, exc
            if not taken:
                side.close()
                return False, None, None
            if os.name == "nt" or _still_linked(fd, self.path):
                return True, side, None
            # The holder released and removed the side file between our open and our lock:
            # we hold a lock on a dead file. Start again on the new one.
            side.close()  # pragma: no cover - a narrow race
        return False, None, None  # pragma: no cover

    def _write_holder(self) -> None:
        assert self._side_lock is not None
        text = json.dumps({"pid": os.getpid(), "host": _host_name()}).encode("utf-8")
        fd = self._side_lock.fd
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            os.ftruncate(fd, 0)
            os.write(fd, text)
        except OSError:
            pass  # the note is informative only

    def holder(self) -> str:
        """Who holds the lock, in words for the user."""
        try:
            info = json.loads(self.path.read_text(encoding="utf-8") or "{}")
        except (OSError, ValueError):
            info = {}
        if not isinstance(info, dict):
            info = {}
        host, pid = info.get("host"), info.get("pid")
        if host and pid:
            return f"计算机 {host} 上的 PerfDesk（进程 {pid}）"
        return "另一个 PerfDesk 窗口"

    def release(self) -> None:
        """Give the lock back and remove the side file if it is still ours. Idempotent;
        never raises."""
        database, self._database_lock = self._database_lock, None
        side, self._side_lock = self._side_lock, None
        if side is not None:
            if side.pid != os.getpid():
                side.close()  # a forked child: the parent still holds it and its note
            elif os.name != "nt":
                # Remove while still locked, so nobody can lock this file and lose it to us.
                try:
                    if _still_linked(side.fd, self.path):
                        self.path.unlink()
                except OSError:
                    pass
                side.close()
            else:  # pragma: no cover - an open file can't be removed on Windows
                side.close()
                try:
                    self.path.unlink()  # fails while a new holder has it open
                except OSError:
                    pass
        if database is not None:
            database.close()

    def __del__(self):
        try:
            self.release()
        except Exception:  # pragma: no cover - interpreter shutdown
            pass


def _refusal_of(exc: OSError, default: str) -> str:
    if exc.errno == errno.EROFS:
        return MEDIUM_READ_ONLY
    if exc.errno in (errno.EACCES, errno.EPERM):
        return FILE_READ_ONLY
    return default


def _exists(path: Path) -> bool:
    try:
        return os.path.lexists(path)
    except (OSError, ValueError):  # pragma: no cover
        return False


def _still_linked(fd: int, path: Path) -> bool:
    try:
        mine, there = os.fstat(fd), os.stat(path)
    except OSError:
        return False
    return (mine.st_dev, mine.st_ino) == (there.st_dev, there.st_ino)


def _host_name() -> str:
    """This computer's name, for the holder message; without importing `socket` (and with
    it `selectors`), which the window would otherwise load before its first paint."""
    if hasattr(os, "uname"):
        return os.uname().nodename
    name = os.environ.get("COMPUTERNAME")  # pragma: no cover - Windows
    if name:  # pragma: no cover
        return name
    import socket  # pragma: no cover

    return socket.gethostname()  # pragma: no cover
