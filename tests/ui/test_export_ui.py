"""Exporting from the window: the dialog's choices, errors and existing files asked about, the
background run with progress, cancel leaving nothing behind, and the print preview."""

from pathlib import Path

import openpyxl
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QDialogButtonBox

from perfdesk.ui.dialogs import Ask
from perfdesk.ui.export_dialog import CHOSEN, THIS_YEAR, ExportDialog, Exporter, ExportRequest, PreviewDialog

from .conftest import open_form


class Answers:
    """Stands in for the message boxes: records what was asked, answers as told."""

    def __init__(self, monkeypatch, confirm=True):
        self.asked, self.errors, self.infos = [], [], []
        monkeypatch.setattr(Ask, "confirm", classmethod(lambda cls, parent, title, text, ok="确定": (
            self.asked.append((title, text)), confirm(title) if callable(confirm) else confirm)[1]))
        monkeypatch.setattr(Ask, "error", classmethod(lambda cls, parent, title, text: self.errors.append(text)))
        monkeypatch.setattr(Ask, "info", classmethod(lambda cls, parent, title, text: self.infos.append(text)))


def test_dialog_scopes_and_warning(window, tmp_path):
    form_id = open_form(window, "补充日常经费")
    dialog = ExportDialog(window, window.session, form_id)
    assert dialog.request().form_ids == [form_id] and dialog.request().formats == ("pdf",)
    assert "错误" in dialog.warning.text()  # 补充日常经费 2022 has two E8 errors
    dialog.scope[THIS_YEAR].setChecked(True)
    assert len(dialog.request().form_ids) == 14
    dialog.scope[CHOSEN].setChecked(True)
    assert dialog.request().form_ids == [form_id]
    dialog.formats["pdf"].setChecked(False)
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    assert "请至少选择一种格式" in dialog.warning.text()


def test_export_asks_about_errors_and_going_back_writes_nothing(window, tmp_path, monkeypatch):
    form_id = open_form(window, "补充日常经费")
    answers = Answers(monkeypatch, confirm=False)
    out = tmp_path / "out"
    assert Exporter(window, window.session).run(ExportRequest(("pdf",), [form_id], out)) is None
    assert "错误" in answers.asked[0][1] and "补充日常经费" in answers.asked[0][1]
    assert not out.exists() or not any(out.iterdir())


def test_export_runs_in_the_background_and_offers_the_folder(window, tmp_path, monkeypatch, qtbot):
    form_id = open_form(window, "专项业务费")  # no errors
    answers = Answers(monkeypatch, confirm=lambda title: False)  # don't open the folder
    out = tmp_path / "out"
    exporter = Exporter(window, window.session)
    written = exporter.run(ExportRequest(("xlsx", "pdf"), [form_id], out, with_list=False))
    assert sorted(p.suffix for p in written) == [".pdf", ".xlsx"]
    assert all(p.exists() and p.stat().st_size > 1000 for p in written)
    assert answers.asked[-1][0] == "导出完成"
    assert exporter.job.error is None
    book = openpyxl.load_workbook(next(p for p in written if p.suffix == ".xlsx"))
    assert any("专项业务费" in str(c.value) for row in book.active.iter_rows() for c in row if c.value)


def test_existing_files_are_not_overwritten_without_asking(window, tmp_path, monkeypatch):
    form_id = open_form(window, "专项业务费")
    out = tmp_path / "out"
    Answers(monkeypatch, confirm=False)
    first = Exporter(window, window.session).run(ExportRequest(("pdf",), [form_id], out, with_list=False))
    assert first is None or len(first) == 1
    path = next(out.glob("*.pdf"))
    path.write_bytes(b"mine")
    answers = Answers(monkeypatch, confirm=lambda title: title != "文件已存在")
    assert Exporter(window, window.session).run(ExportRequest(("pdf",), [form_id], out, with_list=False)) is None
    assert any(title == "文件已存在" for title, _ in answers.asked)
    assert path.read_bytes() == b"mine"


def test_cancel_leaves_no_file_behind(window, tmp_path, monkeypatch):
    open_form(window, "专项业务费")
    answers = Answers(monkeypatch, confirm=True)
    out = tmp_path / "out"
    ids = [f.id for f in window.session.workspace.forms.values() if f.year == 2022]
    exporter = Exporter(window, window.session)
    original = Exporter.run

    def cancel_at_once(self, request):
        from perfdesk.editing import jobs

        start = jobs.Job.start

        def start_cancelled(job):
            job.cancel()
            start(job)

        monkeypatch.setattr(jobs.Job, "start", start_cancelled)
        return original(self, request)

    assert cancel_at_once(exporter, ExportRequest(("docx",), ids, out)) is None
    assert any("取消" in text for text in answers.infos)
    assert not list(Path(out).glob("*.docx")) and not list(Path(out).glob("*.part"))


def test_print_preview_shows_the_pdf_pages(window, qtbot):
    form_id = open_form(window, "补充日常经费")
    dialog = PreviewDialog(window, window.session, form_id)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: not dialog.busy)  # made off the GUI thread (tests/ui/test_preview_job.py)
    assert len(dialog.pages) >= 1 and "共" in dialog.info.text()
    page = dialog.pages[0]
    assert page.width() > 500 and page.height() > 500
    colours = {page.pixel(x, y) for x in range(0, page.width(), 7) for y in range(0, page.height(), 7)}
    assert len(colours) > 2  # ink on paper, not a blank sheet
    assert QColor(page.pixel(2, 2)) == QColor("white")
    dialog.close()


def test_print_sends_every_page_of_the_preview_to_the_printer(window, qtbot, tmp_path):
    import pypdfium2 as pdfium
    from PySide6.QtPrintSupport import QPrinter

    from perfdesk.editing.pdf_pages import page_count, render_pages

    form_id = open_form(window, "补充日常经费")
    dialog = PreviewDialog(window, window.session, form_id)
    qtbot.addWidget(dialog)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)  # a file stands in for paper
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    printer.setResolution(150)
    sent = dialog.print_(printer)
    assert sent == page_count(dialog.pdf) == page_count(tmp_path / "printed.pdf") >= 2
    assert "已发送" in dialog.info.text()
    source, printed = pdfium.PdfDocument(str(dialog.pdf)), pdfium.PdfDocument(str(tmp_path / "printed.pdf"))
    for number in range(sent):  # each sheet turned the way its page is
        sw, sh = source[number].get_size()
        pw, ph = printed[number].get_size()
        assert (sw > sh) == (pw > ph)
    source.close()
    printed.close()
    sheet = render_pages(tmp_path / "printed.pdf", dpi=60, first=0, last=0)[0]
    inked = sum(1 for x in range(0, sheet.width(), 2) for y in range(0, sheet.height(), 2)
                if QColor(sheet.pixel(x, y)).lightness() < 200)
    assert inked > 1000  # the form's lines and text are on the sheet, not a blank page
    dialog.close()
