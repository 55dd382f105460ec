"""Store layer: one writer per .perfdesk file.

An operating-system lock on a small file beside the document (`.name.perfdesk.lock`). The
OS drops it when the process dies, so a crash never leaves a file locked for good; the text
inside only says who holds it, for the message the second opener sees.
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt
else:
    import fcntl


def lock_path_for(path: Path) -> Path:
    return path.with_name(f".{path.name}.lock")


class FileLock:
    def __init__(self, path: Path):
        self.path = lock_path_for(path)
        self._handle = None

    @property
    def held(self) -> bool:
        return self._handle is not None

    def acquire(self) -> bool:
        """Try once, without waiting. False: someone else writes this file (or we can't lock)."""
        try:
            handle = open(self.path, "a+", encoding="utf-8")
        except OSError:
            return False
        try:
            if os.name == "nt":  # pragma: no cover
                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        if os.name != "nt" and not _still_linked(handle, self.path):
            # The holder released and deleted the lock file between our open and our lock:
            # we hold a lock on a dead file. Start again on the new one.
            handle.close()
            return self.acquire()
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname()}))
            handle.flush()
        except OSError:
            pass
        self._handle = handle
        return True

    def holder(self) -> str:
        """Who holds the lock, in words for the user."""
        try:
            info = json.loads(self.path.read_text(encoding="utf-8") or "{}")
        except (OSError, ValueError):
            info = {}
        host, pid = info.get("host"), info.get("pid")
        if host and pid:
            return f"计算机 {host} 上的 PerfDesk（进程 {pid}）"
        return "另一个 PerfDesk 窗口"

    def release(self) -> None:
        handle, self._handle = self._handle, None
        if handle is None:
            return
        try:
            if os.name == "nt":  # pragma: no cover
                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
            else:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        except OSError:
            pass
        handle.close()
        try:
            self.path.unlink()
        except OSError:
            pass


def _still_linked(handle, path: Path) -> bool:
    try:
        return os.fstat(handle.fileno()).st_ino == os.stat(path).st_ino
    except OSError:
        return False
