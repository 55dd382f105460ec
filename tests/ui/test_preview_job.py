"""打印预览 off the GUI thread: the PDF and its page images are made by a `Job` on a snapshot,
the pages appear when it ends, a refresh replaces a running one, and closing (or deleting)
the dialog mid-run stops without a crash or a thread left running."""

import threading
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QThread
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication, QLabel

from perfdesk.editing import jobs
from perfdesk.editing.pdf_pages import page_count, render_pages
from perfdesk.export import ExportCancelled, ExportError, export_forms
from perfdesk.ui import export_dialog
from perfdesk.ui.export_dialog import PreviewDialog, make_preview

from .conftest import open_form


class Gate:
    """Stands in for export_forms: records each call and its thread, holds the calls back
    until released (a safety-net timeout, never asserted on), then exports for real."""

    def __init__(self, monkeypatch, hold=lambda call: True):
        self.real = export_dialog.export_forms
        self.calls, self.threads, self.saw_cancel = [], [], []
        self.entered, self.release = threading.Event(), threading.Event()
        self.hold = hold
        self.active = self.most_active = 0
        self.lock = threading.Lock()
        monkeypatch.setattr(export_dialog, "export_forms", self)

    def __call__(self, *args, cancelled=None, **kwargs):
        with self.lock:
            self.calls.append(args[4])
            self.active += 1
            self.most_active = max(self.most_active, self.active)
        self.threads.append(QThread.currentThread())
        try:
            if self.hold(len(self.calls)):
                self.entered.set()
                self.release.wait(30)
            self.saw_cancel.append(cancelled())
            return self.real(*args, cancelled=cancelled, **kwargs)
        finally:
            with self.lock:
                self.active -= 1


def labels_with_pixmaps(dialog):
    return [label for label in dialog.scroll.widget().findChildren(QLabel) if not label.pixmap().isNull()]


def test_preview_shows_the_pages_of_the_pdf_made_off_the_gui_thread(window, qtbot, monkeypatch, tmp_path, registry):
    gate = Gate(monkeypatch, hold=lambda call: False)
    form_id = open_form(window, "补充日常经费")
    dialog = PreviewDialog(window, window.session, form_id)
    qtbot.addWidget(dialog)
    # Nothing has been delivered yet: the event loop has not run since the job started.
    assert dialog.busy and dialog.info.text() == "正在生成预览…" and dialog.busy_bar.isVisibleTo(dialog)
    assert not dialog.print_button.isEnabled() and dialog.pages == []
    qtbot.waitUntil(lambda: not dialog.busy)
    assert gate.threads and gate.threads[0] is not QApplication.instance().thread()

    ws = window.session.workspace
    (reference,) = export_forms(ws, [ws.forms[form_id]], registry, "pdf", tmp_path / "ref", with_list=False)
    assert len(dialog.pages) == page_count(dialog.pdf) == page_count(reference) >= 2
    assert len(labels_with_pixmaps(dialog)) == len(dialog.pages)
    assert dialog.info.text() == f"共 {len(dialog.pages)} 页（A4，按表样的纸张方向）"
    assert dialog.print_button.isEnabled() and not dialog.busy_bar.isVisibleTo(dialog)
    first = render_pages(dialog.pdf, dpi=96, first=0, last=0)[0]
    assert (dialog.pages[0].width(), dialog.pages[0].height()) == (first.width(), first.height())
    dialog.close()


def test_closing_during_a_run_cancels_it_and_leaves_no_thread(window, qtbot, monkeypatch):
    gate = Gate(monkeypatch)
    dialog = PreviewDialog(window, window.session, open_form(window, "补充日常经费"))
    qtbot.addWidget(dialog)
    dialog.show()
    assert gate.entered.wait(30)
    job, folder = dialog._job, Path(dialog._tmp.name)
    assert job.running and folder.is_dir()
    threading.Timer(0.05, gate.release.set).start()  # lets close()'s wait return; not asserted on
    dialog.close()
    assert not job.running and not dialog.busy and not any(j.running for j in jobs._ALIVE)
    assert gate.saw_cancel == [True]  # the export was told to stop
    assert isinstance(job.error, ExportCancelled)
    assert dialog.pages == [] and dialog.pdf is None and not folder.exists()
    qtbot.wait(20)  # whatever the job still had queued is delivered to a closed dialog: ignored
    assert dialog.pages == [] and not dialog.busy_bar.isVisibleTo(dialog)


def test_a_refresh_while_running_replaces_the_run(window, qtbot, monkeypatch):
    gate = Gate(monkeypatch, hold=lambda call: call == 1)
    dialog = PreviewDialog(window, window.session, open_form(window, "补充日常经费"))
    qtbot.addWidget(dialog)
    assert gate.entered.wait(30)
    dialog.zoom.setCurrentIndex(2)  # 150%: refresh() while the 100% run is held
    dialog.zoom.setCurrentIndex(0)  # 75%, then 150% again: still one run after the held one
    dialog.zoom.setCurrentIndex(2)
    assert dialog.busy
    gate.release.set()
    qtbot.waitUntil(lambda: not dialog.busy)
    assert len(gate.calls) == 2 and gate.saw_cancel == [True, False]
    assert gate.most_active == 1  # one worker at a time
    assert len({str(folder) for folder in gate.calls}) == 2  # each run wrote in its own folder
    at_150 = render_pages(dialog.pdf, dpi=144, first=0, last=0)[0]
    assert dialog.pages[0].width() == at_150.width()
    assert [p.name for p in Path(dialog._tmp.name).iterdir()] == [dialog.pdf.parent.name]  # the held run's is gone
    assert dialog.info.text().startswith("共 ")
    dialog.close()


def test_print_uses_the_pdf_already_shown(window, qtbot, monkeypatch, tmp_path):
    gate = Gate(monkeypatch, hold=lambda call: call == 2)
    dialog = PreviewDialog(window, window.session, open_form(window, "补充日常经费"))
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: not dialog.busy)
    shown = dialog.pdf
    dialog.refresh()
    assert gate.entered.wait(30) and dialog.busy
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)  # a file stands in for paper
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    printer.setResolution(72)
    sent = dialog.print_(printer)  # does not wait for the run in progress
    assert dialog.busy and dialog.pdf == shown
    assert sent == page_count(shown) == page_count(tmp_path / "printed.pdf")
    gate.release.set()
    qtbot.waitUntil(lambda: not dialog.busy)
    assert dialog.pdf != shown and not shown.exists()  # replaced, and the old run's files removed
    dialog.close()


def test_print_before_the_first_preview_waits_for_it(window, qtbot, tmp_path):
    dialog = PreviewDialog(window, window.session, open_form(window, "补充日常经费"))
    qtbot.addWidget(dialog)
    assert dialog.busy and dialog.pdf is None
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    printer.setResolution(72)
    assert dialog.print_(printer) == page_count(dialog.pdf) == len(dialog.pages) >= 2
    assert not dialog.busy
    dialog.close()


def test_deleting_the_dialog_mid_run_does_not_crash(window, qtbot, monkeypatch):
    """A dialog destroyed without being closed (its parent window went away) must not take
    the running QThread with it: that aborts the process."""
    gate = Gate(monkeypatch)
    dialog = PreviewDialog(None, window.session, open_form(window, "补充日常经费"))
    assert gate.entered.wait(30)
    job = dialog._job
    shiboken6.delete(dialog)
    gate.release.set()
    assert job.wait(30000)
    qtbot.wait(50)  # its signals reach no one
    assert not job.running and job.result is not None


def test_reopened_after_closing_makes_the_preview_again(window, qtbot):
    dialog = PreviewDialog(window, window.session, open_form(window, "补充日常经费"))
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: not dialog.busy)
    dialog.close()
    assert not dialog.pdf.exists()
    dialog.show()
    assert dialog.busy and dialog.pdf is None and not dialog.print_button.isEnabled()
    qtbot.waitUntil(lambda: not dialog.busy)
    assert dialog.pdf.exists() and len(dialog.pages) == page_count(dialog.pdf)
    dialog.close()


def test_make_preview_reports_in_chinese_and_stops_when_cancelled(demo_ws, registry, tmp_path):
    progress = []
    with pytest.raises(ExportError, match="无法预览"):
        make_preview(demo_ws, "没有这张表", registry, 96, tmp_path / "a", progress=lambda *a: None,
                     cancelled=lambda: False)
    form_id = next(iter(demo_ws.forms))
    with pytest.raises(ExportCancelled):
        make_preview(demo_ws, form_id, registry, 96, tmp_path / "b", progress=lambda *a: progress.append(a),
                     cancelled=lambda: True)
    assert not list((tmp_path / "b").glob("*.pdf"))
    made = make_preview(demo_ws, form_id, registry, 48, tmp_path / "c", progress=lambda *a: progress.append(a),
                        cancelled=lambda: False)
    assert len(made.images) == page_count(made.pdf)
    assert any("绘制第 1 页" in label for _, _, label in progress)


def test_preview_pages_are_the_exported_pdf_page_for_page(demo_ws, registry, tmp_path, qapp):
    """The preview is the PDF the export writes, not a second rendering of the layout: for a
    form that flows over several pages, the same pages in the same order, pixel for pixel,
    and the same text on each page."""
    import subprocess

    form = next(f for f in demo_ws.forms.values()
                if demo_ws.project_name(f) == "互联网业务运行费" and f.year == 2022)
    made = make_preview(demo_ws, form.id, registry, 40, tmp_path / "preview", progress=lambda *a: None,
                        cancelled=lambda: False)
    (exported,) = export_forms(demo_ws, [form], registry, "pdf", tmp_path / "export", with_list=False)
    reference = render_pages(exported, dpi=40)
    assert len(made.images) == len(reference) == page_count(exported) >= 2
    for shown, expected in zip(made.images, reference):
        assert shown.size() == expected.size()
        assert shown == expected  # pixel-identical
    for number in range(1, len(reference) + 1):
        texts = [subprocess.run(["pdftotext", "-f", str(number), "-l", str(number), str(path), "-"],
                                capture_output=True, text=True, check=True).stdout for path in (made.pdf, exported)]
        assert texts[0] == texts[1] and texts[0].strip()
