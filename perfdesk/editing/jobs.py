"""Editing layer: long work off the GUI thread — exports now, imports and previews alike.

A job runs a plain-Python function on a worker thread with a snapshot of the document (the
user can keep editing meanwhile). The function gets `progress(done, total, label)` and
`cancelled()`; the job turns them into Qt signals and a flag. The worker never touches a
widget: results and errors come back as queued signals on the GUI thread.
"""

from __future__ import annotations

import threading
import traceback
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, Signal


class _Worker(QThread):
    progressed = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(object)  # the exception

    def __init__(self, work: Callable[..., Any], cancel: threading.Event, parent=None):
        super().__init__(parent)
        self.work, self.cancel = work, cancel

    def run(self) -> None:
        try:
            result = self.work(progress=lambda done, total, label: self.progressed.emit(done, total, label),
                               cancelled=self.cancel.is_set)
        except Exception as exc:  # reported to the GUI thread, which shows it in Chinese
            exc.trace = traceback.format_exc()
            self.failed.emit(exc)
        else:
            self.succeeded.emit(result)


class Job(QObject):
    """One background run. Connect to the signals, then `start()`; `cancel()` asks the work
    to stop at its next check."""

    progressed = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(object)
    ended = Signal()  # after succeeded or failed, always

    def __init__(self, work: Callable[..., Any], parent: QObject | None = None):
        super().__init__(parent)
        self._cancel = threading.Event()
        self._worker = _Worker(work, self._cancel, self)
        self._worker.progressed.connect(self.progressed)
        self._worker.succeeded.connect(self.succeeded)
        self._worker.failed.connect(self.failed)
        self._worker.finished.connect(self.ended)
        self.result: Any = None
        self.error: BaseException | None = None
        self.succeeded.connect(lambda result: setattr(self, "result", result))
        self.failed.connect(lambda error: setattr(self, "error", error))

    def start(self) -> None:
        self._worker.start()

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def running(self) -> bool:
        return self._worker.isRunning()

    def wait(self, ms: int = 60000) -> bool:
        return self._worker.wait(ms)
