"""`Job`: plain-Python work on a worker thread, talking to the GUI thread only through queued
signals — progress, results streamed with `deliver`, the result or the error, then `ended`."""

import gc
import threading
import weakref

from PySide6.QtCore import QThread

from perfdesk.editing import jobs
from perfdesk.editing.jobs import Job


class Recorder:
    """Everything a job said, in the order the GUI thread heard it, with the thread it heard it on."""

    def __init__(self, job: Job):
        self.events, self.threads = [], set()
        job.progressed.connect(lambda done, total, label: self._add(("progress", done, total, label)))
        job.partial.connect(lambda obj: self._add(("partial", obj)))
        job.succeeded.connect(lambda result: self._add(("succeeded", result)))
        job.failed.connect(lambda error: self._add(("failed", error)))
        job.ended.connect(lambda: self._add(("ended",)))

    def _add(self, event):
        self.threads.add(QThread.currentThread())
        self.events.append(event)

    def kinds(self):
        return [event[0] for event in self.events]


def test_deliver_streams_each_object_to_the_gui_thread_before_the_result(qtbot, qapp):
    workers = []

    def work(progress, cancelled, deliver):
        workers.append(QThread.currentThread())
        for n in range(3):
            progress(n, 3, f"第 {n + 1} 个")
            deliver({"n": n})
        return "全部"

    job = Job(work)
    seen = Recorder(job)
    job.start()
    qtbot.waitUntil(lambda: "ended" in seen.kinds())
    assert workers and workers[0] is not qapp.thread()
    assert seen.threads == {qapp.thread()}
    assert seen.kinds() == ["progress", "partial"] * 3 + ["succeeded", "ended"]
    assert [e[1] for e in seen.events if e[0] == "partial"] == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert job.result == "全部" and job.error is None and not job.running


def test_work_without_deliver_is_called_as_before(qtbot):
    calls = []

    def work(progress, cancelled):  # the export's signature: no deliver argument
        calls.append(cancelled())
        return 7

    job = Job(work)
    seen = Recorder(job)
    job.start()
    qtbot.waitUntil(lambda: "ended" in seen.kinds())
    assert calls == [False] and job.result == 7
    assert "partial" not in seen.kinds()


def test_an_error_arrives_after_what_was_delivered(qtbot):
    def work(progress, cancelled, deliver):
        deliver("第一个")
        raise ValueError("坏了")

    job = Job(work)
    seen = Recorder(job)
    job.start()
    qtbot.waitUntil(lambda: "ended" in seen.kinds())
    assert seen.kinds() == ["partial", "failed", "ended"]
    assert isinstance(job.error, ValueError) and "ValueError" in job.error.trace
    assert job.result is None


def test_cancel_is_seen_by_the_work_and_join_delivers_what_was_queued(qtbot):
    entered, release = threading.Event(), threading.Event()

    def work(progress, cancelled, deliver):
        done = 0
        for n in range(100):
            if cancelled():
                break
            deliver(n)
            done += 1
            if n == 1:
                entered.set()
                assert release.wait(30)  # a safety net, not a timing assertion
        return done

    job = Job(work)
    seen = Recorder(job)
    job.start()
    assert entered.wait(30)
    assert job.running and not job.cancelled
    job.cancel()
    assert job.cancelled
    release.set()
    assert job.join()
    # Without the event loop running: join itself delivered the queued signals.
    assert not job.running
    assert [e[1] for e in seen.events if e[0] == "partial"] == [0, 1]
    assert seen.kinds()[-2:] == ["succeeded", "ended"] and job.result == 2


def test_a_running_job_dropped_by_its_owner_is_kept_until_its_thread_ends(qtbot):
    """Dropping the last reference to a running job must not destroy its QThread (that aborts
    the process); the job lets itself go once the thread has ended."""
    release = threading.Event()
    job = Job(lambda progress, cancelled: release.wait(30))
    worker = job._worker
    job.start()
    del job
    gc.collect()
    assert worker.isRunning()
    release.set()
    assert worker.wait(30000)
    qtbot.waitUntil(lambda: not jobs._ALIVE)


def test_a_finished_job_is_freed_once_dropped(qtbot):
    """Nothing of the job's own keeps it (and its result, e.g. a preview's page images) alive."""
    job = Job(lambda progress, cancelled: bytearray(1_000_000))
    seen = Recorder(job)
    job.start()
    qtbot.waitUntil(lambda: "ended" in seen.kinds())
    ref = weakref.ref(job)
    del job
    qtbot.waitUntil(lambda: gc.collect() >= 0 and ref() is None)


def test_stop_all_cancels_and_waits_for_every_running_job(qtbot):
    started = threading.Barrier(3)

    def work(progress, cancelled):
        started.wait(30)
        while not cancelled():
            threading.Event().wait(0.01)
        return "停了"

    running = [Job(work), Job(work)]
    for job in running:
        job.start()
    started.wait(30)
    jobs.stop_all()
    assert not any(job.running for job in running)
    assert all(job.cancelled for job in running)
