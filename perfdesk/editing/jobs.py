"""Editing layer: long work off the GUI thread — exports, imports and the print preview.

A job runs a plain-Python function on a worker thread with a snapshot of the document (the
user can keep editing meanwhile). The function gets `progress(done, total, label)` and
`cancelled()`; the job turns them into Qt signals and a flag. A function that also takes
`deliver` gets `deliver(obj)`, which hands `obj` to the GUI thread as `partial` at once — for
results that are shown as they come (the import dialog's files). The worker never touches a
widget: results and errors come back as queued signals on the GUI thread, in the order sent.

Lifetime: a Qt thread destroyed while it runs aborts the program, so a started job keeps
itself alive until its thread has ended, whoever drops it (a dialog closed mid-run); it is
let go from the event loop afterwards, never inside its own signals. Give a job no Qt parent
that may be deleted while it runs. When the application quits, running jobs are cancelled
and waited for.
"""

from __future__ import annotations

import functools
import inspect
import threading
import traceback
from typing import Any, Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QThread, QTimer, Signal

_ALIVE: set["Job"] = set()  # started and not yet let go
_quit_hooked = False


def _takes(work: Callable[..., Any], name: str) -> bool:
    try:
        parameters = inspect.signature(work).parameters
    except (TypeError, ValueError):  # a builtin without a signature: the two usual arguments
        return False
    return name in parameters or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())


class _Worker(QThread):
    progressed = Signal(int, int, str)
    delivered = Signal(object)
    succeeded = Signal(object)
    failed = Signal(object)  # the exception

    def __init__(self, work: Callable[..., Any], cancel: threading.Event, parent=None):
        super().__init__(parent)
        self.work, self.cancel = work, cancel
        self.streams = _takes(work, "deliver")

    def run(self) -> None:
        arguments = dict(progress=lambda done, total, label: self.progressed.emit(done, total, label),
                         cancelled=self.cancel.is_set)
        if self.streams:
            arguments["deliver"] = self.delivered.emit
        try:
            result = self.work(**arguments)
        except Exception as exc:  # reported to the GUI thread, which shows it in Chinese
            exc.trace = traceback.format_exc()
            self.failed.emit(exc)
        else:
            self.succeeded.emit(result)


class Job(QObject):
    """One background run. Connect to the signals, then `start()`; `cancel()` asks the work
    to stop at its next check."""

    progressed = Signal(int, int, str)
    partial = Signal(object)  # each deliver(obj) of the work, before succeeded/failed
    succeeded = Signal(object)
    failed = Signal(object)
    ended = Signal()  # after succeeded or failed, always

    def __init__(self, work: Callable[..., Any], parent: QObject | None = None):
        super().__init__(parent)
        self._cancel = threading.Event()
        self._worker = _Worker(work, self._cancel, self)
        self._worker.progressed.connect(self.progressed)
        self._worker.delivered.connect(self.partial)
        self._worker.succeeded.connect(self.succeeded)
        self._worker.failed.connect(self.failed)
        self._worker.finished.connect(self.ended)
        self._worker.finished.connect(self._let_go)
        self.result: Any = None
        self.error: BaseException | None = None
        # Bound methods, not lambdas: a lambda holding `self` is kept by its connection and
        # would keep every job — and its result, e.g. a preview's page images — forever.
        self.succeeded.connect(self._keep_result)
        self.failed.connect(self._keep_error)

    def start(self) -> None:
        _hook_quit()
        _ALIVE.add(self)
        self._worker.start()

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        """Whether `cancel()` was called (the work may have finished anyway)."""
        return self._cancel.is_set()

    @property
    def running(self) -> bool:
        return self._worker.isRunning()

    def wait(self, ms: int = 60000) -> bool:
        return self._worker.wait(ms)

    def join(self, ms: int = 60000) -> bool:
        """Wait for the worker, then deliver here and now the signals it queued (the last
        results, `succeeded`/`failed`, `ended`) — so a dialog that stops a job while closing
        has seen all of it when this returns. Call it on the GUI thread. False if the
        worker is still running after `ms`."""
        if not self._worker.wait(ms):
            return False
        QCoreApplication.sendPostedEvents(self, QEvent.Type.MetaCall)
        return True

    def _keep_result(self, result: Any) -> None:
        self.result = result

    def _keep_error(self, error: BaseException) -> None:
        self.error = error

    def _let_go(self) -> None:
        self._worker.wait()  # it has emitted finished; this returns at once
        # Later, from the event loop: not while one of this job's own signals is being delivered.
        QTimer.singleShot(0, functools.partial(_ALIVE.discard, self))


def stop_all(ms: int = 60000) -> None:
    """Cancel every running job and wait for it (the application is quitting)."""
    for job in list(_ALIVE):
        job.cancel()
    for job in list(_ALIVE):
        job.wait(ms)


def _hook_quit() -> None:
    global _quit_hooked
    app = QCoreApplication.instance()
    if app is not None and not _quit_hooked:
        app.aboutToQuit.connect(stop_all)
        _quit_hooked = True
