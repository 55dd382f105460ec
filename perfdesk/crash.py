"""The crash handler: an unexpected error is written to a log beside the settings and told to
the user in Chinese, instead of the window vanishing.

- Python errors anywhere (in a slot, a worker thread, at start-up) reach `sys.excepthook` /
  `threading.excepthook`; each is appended to the log with the version and platform, and the
  window shows one message box saying what happened, that every edit was already saved, and
  where the log is. The program then goes on; the user may close it.
- A hard crash in native code (Qt, PDFium) cannot show anything; `faulthandler` writes the
  Python stacks of every thread to the same log first.
- Under `pythonw.exe` (the Windows shortcut) there is no console: `sys.stderr` is None, so
  Qt's and Python's warnings are sent to the log too rather than lost (or crashing a write).

The log keeps its last ~1 MB only. This module is the window's; the CLI reports its errors
itself and never installs it.
"""

from __future__ import annotations

import datetime
import faulthandler
import sys
import threading
import traceback
from pathlib import Path
from typing import Callable

from perfdesk.paths import crash_log_path

MAX_LOG_BYTES = 1_000_000


def _version() -> str:
    from perfdesk import version

    try:
        return version()
    except Exception:  # noqa: BLE001 - a crash report must never fail on this
        return "?"


def trim(path: Path, limit: int = MAX_LOG_BYTES) -> None:
    """Keep the newest `limit // 2` bytes once the log has grown past `limit`."""
    try:
        if path.stat().st_size <= limit:
            return
        data = path.read_bytes()[-(limit // 2):]
        cut = data.find(b"\n")
        path.write_bytes(data[cut + 1:] if cut >= 0 else data)
    except OSError:
        pass


def format_report(exc_type, exc, tb, where: str = "") -> str:
    stamp = datetime.datetime.now().isoformat(timespec="seconds")
    import platform  # only when a report is written

    lines = [f"===== {stamp}  PerfDesk {_version()}  Python {platform.python_version()}  "
             f"{platform.platform()}",
             f"位置：{where or threading.current_thread().name}"]
    lines += traceback.format_exception(exc_type, exc, tb)
    return "\n".join(line.rstrip("\n") for line in lines) + "\n"


def write_report(text: str, path: Path | None = None) -> Path | None:
    """Append to the log; None when even that fails (a full or read-only disk)."""
    path = path or crash_log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        trim(path)
        with path.open("a", encoding="utf-8") as log:
            log.write(text)
        return path
    except OSError:
        return None


def user_message(log: Path | None, all_saved: bool = True) -> str:
    """`all_saved`: is everything on screen also in the file? Only then may we say so."""
    where = f"错误详情已写入：\n{log}\n\n请把这个文件发给技术支持人员。" if log else \
        "错误详情未能写入日志（磁盘已满或没有写入权限）。"
    if all_saved:
        state = ("您此前的每一处修改都已保存到文件中，不会因此丢失。"
                 "可以继续使用；如果界面表现异常，请关闭后重新打开 PerfDesk。")
    else:
        state = ("出错的这一步修改没有完整保存到文件中：屏幕上显示的内容可能与文件不一致。"
                 "文件本身仍是上一次成功保存时的完整内容。请关闭后重新打开文件，核对最后的修改。")
    return "PerfDesk 遇到了一个意外错误。\n\n" + state + "\n\n" + where


class CrashHandler:
    """Installed once by the window's start-up; `show` is how the message reaches the user
    (a Qt message box, marshalled to the GUI thread by the caller)."""

    def __init__(self, show: Callable[[str], None] | None = None, log: Path | None = None,
                 all_saved: Callable[[], bool] | None = None):
        self.show = show
        # Asked at each report: is the document on screen exactly what the file holds?
        self.all_saved = all_saved
        self.log = log or crash_log_path()
        self.reports = 0
        self._fault_file = None
        self._previous = (sys.excepthook, threading.excepthook)

    def install(self) -> "CrashHandler":
        sys.excepthook = self.handle
        threading.excepthook = lambda args: self.handle(args.exc_type, args.exc_value, args.exc_traceback,
                                                        where=f"线程 {args.thread.name if args.thread else '?'}")
        try:
            self.log.parent.mkdir(parents=True, exist_ok=True)
            self._fault_file = self.log.open("a", encoding="utf-8")
            faulthandler.enable(self._fault_file, all_threads=True)
            if sys.stderr is None:  # pythonw.exe: no console at all
                sys.stderr = self._fault_file
            if sys.stdout is None:
                sys.stdout = self._fault_file
        except OSError:
            self._fault_file = None
        return self

    def uninstall(self) -> None:
        sys.excepthook, threading.excepthook = self._previous
        if self._fault_file is not None:
            if faulthandler.is_enabled():
                faulthandler.disable()
            if sys.stderr is self._fault_file:
                sys.stderr = None
            if sys.stdout is self._fault_file:
                sys.stdout = None
            self._fault_file.close()
            self._fault_file = None

    def handle(self, exc_type, exc, tb, where: str = "") -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            self._previous[0](exc_type, exc, tb)
            return
        self.reports += 1
        written = write_report(format_report(exc_type, exc, tb, where), self.log)
        if self._fault_file is None and sys.__stderr__ is not None:
            traceback.print_exception(exc_type, exc, tb, file=sys.__stderr__)
        if self.show is not None:
            try:
                saved = True
                if self.all_saved is not None:
                    try:
                        saved = bool(self.all_saved())
                    except Exception:  # noqa: BLE001 - unknown: do not promise anything
                        saved = False
                self.show(user_message(written, saved))
            except Exception:  # noqa: BLE001 - the handler itself must never raise
                pass
