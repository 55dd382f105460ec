"""UI layer: exporting — the dialog (formats, scope, destination, one file or many), the run in
the background with progress and cancel, and the print preview of the PDF pages.

The export itself is `perfdesk.export.export_forms`, run by an editing-layer `Job` on a
snapshot of the document, so the user may keep editing while it writes.
"""

from __future__ import annotations

import functools
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QEventLoop, QSettings, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QProgressDialog,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from perfdesk.domain.model import Form
from perfdesk.editing.jobs import Job
from perfdesk.editing.outline_model import KIND_LABELS
from perfdesk.editing.pdf_pages import print_pdf, render_pages
from perfdesk.editing.session import EditSession
from perfdesk.export import (
    ExportCancelled,
    ExportError,
    MissingGlyphs,
    export_forms,
    target_paths,
)
from perfdesk.paths import settings_path

from .dialogs import Ask

FORMAT_LABELS = {"docx": "Word（.docx）", "xlsx": "Excel（.xlsx）", "pdf": "PDF"}
THIS_FORM, THIS_YEAR, CHOSEN = "form", "year", "chosen"


@dataclass
class ExportRequest:
    formats: tuple[str, ...]
    form_ids: list[str]
    folder: Path
    one_file: bool = False
    with_list: bool = True
    list_scores: bool = False
    written: list[Path] = field(default_factory=list)


def _settings() -> QSettings:
    return QSettings(str(settings_path()), QSettings.Format.IniFormat)


def forms_with_errors(session: EditSession, form_ids: list[str]) -> list[tuple[Form, list]]:
    """The forms that have errors, from the session's analyses (kept current on every edit),
    rather than validating again on the GUI thread each time a box is ticked."""
    result = []
    for form_id in form_ids:
        errors = [i for i in session.analysis(form_id).issues if i.is_error]
        if errors:
            result.append((session.form(form_id), errors))
    return result


def form_label(session: EditSession, form: Form) -> str:
    return f"{form.year}年 · {session.workspace.project_name(form)} · {KIND_LABELS[form.kind]}"


class ExportDialog(QDialog):
    def __init__(self, parent, session: EditSession, form_id: str | None):
        super().__init__(parent)
        self.session = session
        self.form_id = form_id
        self._built = False  # the radio buttons fire while the dialog is still being built
        self.setWindowTitle("导出")
        self.resize(620, 560)
        ws = session.workspace
        current = ws.forms.get(form_id) if form_id else None
        layout = QVBoxLayout(self)
        form_layout = QFormLayout()
        layout.addLayout(form_layout)

        formats = QHBoxLayout()
        self.formats: dict[str, QCheckBox] = {}
        for fmt, label in FORMAT_LABELS.items():
            box = QCheckBox(label)
            box.setChecked(fmt == "pdf")
            box.toggled.connect(self._update)
            formats.addWidget(box)
            self.formats[fmt] = box
        formats.addStretch(1)
        form_layout.addRow("格式", formats)

        scope = QVBoxLayout()
        self.scope_buttons = QButtonGroup(self)
        self.scope: dict[str, QRadioButton] = {}
        same_year = self._same_year_forms()
        texts = {THIS_FORM: f"本表：{form_label(session, current)}" if current else "本表（未选择）",
                 THIS_YEAR: (f"{current.year}年全部{KIND_LABELS[current.kind]}（{len(same_year)} 张）"
                             if current else "本年度全部"),
                 CHOSEN: "选择的表："}
        for key, text in texts.items():
            button = QRadioButton(text)
            button.toggled.connect(self._update)
            self.scope_buttons.addButton(button)
            scope.addWidget(button)
            self.scope[key] = button
        self.scope[THIS_FORM].setEnabled(current is not None)
        self.scope[THIS_YEAR].setEnabled(current is not None)
        self.scope[THIS_FORM if current else CHOSEN].setChecked(True)
        self.chosen = QListWidget()
        for form in sorted(ws.forms.values(), key=lambda f: (-f.year, f.kind.value, ws.project_name(f))):
            item = QListWidgetItem(form_label(session, form))
            item.setData(Qt.ItemDataRole.UserRole, form.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if form.id == form_id else Qt.CheckState.Unchecked)
            self.chosen.addItem(item)
        self.chosen.itemChanged.connect(self._update)
        scope.addWidget(self.chosen)
        form_layout.addRow("范围", scope)

        files = QVBoxLayout()
        self.many = QRadioButton("每张表一个文件")
        self.one = QRadioButton("合并为一个文件（Word 分页、Excel 每表一页签、PDF 一个文档）")
        self.many.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.many)
        group.addButton(self.one)
        self.with_list = QCheckBox("附单位汇总清单（年度项目绩效目标汇总表 / 自评清单）")
        self.with_list.setChecked(True)
        self.list_scores = QCheckBox("清单中列出总分和等级")
        for widget in (self.many, self.one, self.with_list, self.list_scores):
            files.addWidget(widget)
        form_layout.addRow("文件", files)

        folder_row = QHBoxLayout()
        start = _settings().value("export_folder", "") or str(session.store.path.parent / "导出")
        self.folder = QLineEdit(str(start))
        browse = QPushButton("浏览…")
        browse.clicked.connect(self._browse)
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(browse)
        form_layout.addRow("保存到", folder_row)

        self.warning = QLabel()
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #b00020")
        layout.addWidget(self.warning)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("导出")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._built = True
        self._update()

    def _same_year_forms(self) -> list[Form]:
        ws = self.session.workspace
        current = ws.forms.get(self.form_id) if self.form_id else None
        if current is None:
            return []
        return sorted((f for f in ws.forms.values() if f.year == current.year and f.kind is current.kind),
                      key=lambda f: ws.project_name(f))

    def _browse(self) -> None:
        folder = Ask.folder(self, "选择导出文件夹", self.folder.text())
        if folder:
            self.folder.setText(folder)

    def selected_form_ids(self) -> list[str]:
        if self.scope[THIS_FORM].isChecked():
            return [self.form_id] if self.form_id else []
        if self.scope[THIS_YEAR].isChecked():
            return [f.id for f in self._same_year_forms()]
        return [self.chosen.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.chosen.count())
                if self.chosen.item(i).checkState() == Qt.CheckState.Checked]

    def request(self) -> ExportRequest:
        return ExportRequest(tuple(f for f, box in self.formats.items() if box.isChecked()), self.selected_form_ids(),
                             Path(self.folder.text().strip()), one_file=self.one.isChecked(),
                             with_list=self.with_list.isChecked(), list_scores=self.list_scores.isChecked())

    def _update(self, *args) -> None:
        if not self._built:
            return
        self.chosen.setEnabled(self.scope[CHOSEN].isChecked())
        request = self.request()
        ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        problems = []
        if not request.formats:
            problems.append("请至少选择一种格式。")
        if not request.form_ids:
            problems.append("请至少选择一张表。")
        ok_button.setEnabled(not problems)
        if not problems:
            with_errors = forms_with_errors(self.session, request.form_ids)
            if with_errors:
                count = sum(len(e) for _, e in with_errors)
                problems.append(f"注意：所选的 {len(with_errors)} 张表共有 {count} 个错误，导出前请先在“问题”面板中核对。")
        self.warning.setText("\n".join(problems))

    def accept(self) -> None:
        if not self.folder.text().strip():
            self.warning.setText("请选择保存位置。")
            return
        super().accept()

    @classmethod
    def ask(cls, parent, session: EditSession, form_id: str | None) -> ExportRequest | None:
        dialog = cls(parent, session, form_id)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        request = dialog.request()
        _settings().setValue("export_folder", str(request.folder))
        return request


class Exporter:
    """Runs one ExportRequest: asks about errors and existing files, exports in the background
    with a progress dialog, then offers to open the folder."""

    def __init__(self, parent: QWidget, session: EditSession):
        self.parent, self.session = parent, session
        self.job: Job | None = None

    def _confirm_errors(self, forms: list[Form]) -> bool:
        with_errors = forms_with_errors(self.session, [f.id for f in forms])
        if not with_errors:
            return True
        lines = [f"· {form_label(self.session, form)}：{len(errors)} 个错误" for form, errors in with_errors[:6]]
        if len(with_errors) > 6:
            lines.append(f"……另有 {len(with_errors) - 6} 张表")
        return Ask.confirm(self.parent, "表中有错误",
                           "以下表还有错误，导出的文件可能被退回：\n" + "\n".join(lines)
                           + "\n\n返回修改，还是仍然导出？", ok="仍然导出")

    def run(self, request: ExportRequest) -> list[Path] | None:
        ws = self.session.workspace
        forms = [ws.forms[i] for i in request.form_ids if i in ws.forms]
        if not forms or not request.formats or not self._confirm_errors(forms):
            return None
        options = dict(one_file=request.one_file, with_list=request.with_list)
        try:
            existing = [p for fmt in request.formats
                        for p in target_paths(ws, forms, self.session.registry, fmt, request.folder, **options)
                        if p.exists()]
        except ExportError as exc:
            Ask.error(self.parent, "无法导出", str(exc))
            return None
        if existing:
            names = "\n".join(f"· {p.name}" for p in existing[:8]) + ("\n……" if len(existing) > 8 else "")
            if not Ask.confirm(self.parent, "文件已存在", f"{request.folder} 中已有同名文件：\n{names}\n\n覆盖这些文件吗？",
                               ok="覆盖"):
                return None
        snapshot = ws.snapshot()
        snapshot_forms = [snapshot.forms[f.id] for f in forms]
        registry = self.session.registry

        def work(progress, cancelled):
            written: list[Path] = []
            try:
                for n, fmt in enumerate(request.formats):
                    def step(done, total, label, n=n, fmt=fmt):
                        progress(n * 1000 + int(1000 * done / max(total, 1)), 1000 * len(request.formats),
                                 f"{FORMAT_LABELS[fmt]}：{label}")
                    written += export_forms(snapshot, snapshot_forms, registry, fmt, request.folder, overwrite=True,
                                            progress=step, cancelled=cancelled, list_scores=request.list_scores,
                                            **options)
            except BaseException:
                # All or nothing across formats too: a cancel during PDF takes back the Word files.
                for path in written:
                    path.unlink(missing_ok=True)
                raise
            return written

        self.job = Job(work)
        dialog = QProgressDialog("正在导出…", "取消", 0, 1000 * len(request.formats), self.parent)
        dialog.setWindowTitle("导出")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(300)
        dialog.canceled.connect(self.job.cancel)
        self.job.progressed.connect(lambda done, total, label: (dialog.setMaximum(total), dialog.setValue(done),
                                                                dialog.setLabelText(label)))
        loop = QEventLoop()
        self.job.ended.connect(loop.quit)
        self.job.start()
        if self.job.running:
            loop.exec()
        self.job.wait()
        dialog.reset()
        dialog.deleteLater()
        return self._finish(request)

    def _finish(self, request: ExportRequest) -> list[Path] | None:
        error = self.job.error
        if isinstance(error, ExportCancelled):
            Ask.info(self.parent, "导出已取消", "导出已取消，没有写入任何文件。")
            return None
        if isinstance(error, MissingGlyphs):
            Ask.error(self.parent, "有字打印不出来", str(error))
            return None
        if isinstance(error, ExportError):
            Ask.error(self.parent, "导出失败", str(error))
            return None
        if error is not None:
            Ask.error(self.parent, "导出失败", f"导出时出错：{error}")
            return None
        written = list(self.job.result or [])
        request.written = written
        if Ask.confirm(self.parent, "导出完成", f"已导出 {len(written)} 个文件到\n{request.folder}\n\n打开所在文件夹吗？",
                       ok="打开文件夹"):
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(request.folder)))
        return written


@dataclass
class PreviewPages:
    pdf: Path
    images: list  # QImage, one a page; QPixmaps are made from them on the GUI thread


def make_preview(workspace, form_id: str, registry, dpi: float, folder: Path, *, progress,
                 cancelled) -> PreviewPages:
    """The work of the print preview, run by a `Job` off the GUI thread on a snapshot: the
    form's PDF into `folder`, then its pages as images. Raises ExportCancelled when asked to
    stop, ExportError (in Chinese) when the PDF cannot be made."""
    form = workspace.forms.get(form_id)
    if form is None:
        raise ExportError("这张表已不在文件中，无法预览。")
    progress(0, 0, "正在生成预览：排版并生成 PDF…")
    (pdf,) = export_forms(workspace, [form], registry, "pdf", folder, with_list=False, overwrite=True,
                          cancelled=cancelled)
    images = render_pages(pdf, dpi=dpi, cancelled=cancelled,
                          progress=lambda done, total: progress(done, total,
                                                                f"正在生成预览：绘制第 {done + 1} 页，共 {total} 页…"))
    if cancelled():
        raise ExportCancelled()
    return PreviewPages(pdf, images)


class PreviewDialog(QDialog):
    """打印预览: the form's PDF, drawn page by page inside the program.

    The PDF and its page images are made by `make_preview` on a `Job`, with a snapshot of the
    document, so the window never freezes; the images become pixmaps here, on the GUI thread.
    A refresh while one runs cancels it and starts again once it has stopped (one worker at a
    time, each run in its own folder). Closing cancels the run and waits for its thread."""

    def __init__(self, parent, session: EditSession, form_id: str):
        super().__init__(parent)
        self.session, self.form_id = session, form_id
        form = session.form(form_id)
        self.setWindowTitle(f"打印预览 — {form_label(session, form)}")
        from PySide6.QtCore import QSize
        from PySide6.QtGui import QGuiApplication

        from .main_window import fit_size

        screen = QGuiApplication.primaryScreen()
        # 980×900 where the work area has room; on a 1366×768 screen no taller than 90 % of it.
        self.resize(fit_size(QSize(980, 900), screen.availableGeometry()) if screen else QSize(980, 700))
        self._tmp = tempfile.TemporaryDirectory(prefix="perfdesk-preview-", ignore_cleanup_errors=True)
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.zoom = QComboBox()
        for text, dpi in (("75%", 72), ("100%", 96), ("150%", 144)):
            self.zoom.addItem(text, dpi)
        self.zoom.setCurrentIndex(1)
        self.zoom.currentIndexChanged.connect(self.refresh)
        self.info = QLabel()
        self.busy_bar = QProgressBar()
        self.busy_bar.setMaximumWidth(160)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.hide()
        export = QPushButton("导出…")
        export.clicked.connect(self._export)
        self.print_button = QPushButton("打印…")
        self.print_button.setEnabled(False)
        self.print_button.clicked.connect(self.print_)
        close = QPushButton("关闭")
        close.clicked.connect(self.close)
        bar.addWidget(QLabel("缩放"))
        bar.addWidget(self.zoom)
        bar.addWidget(self.info, 1)
        bar.addWidget(self.busy_bar)
        bar.addWidget(self.print_button)
        bar.addWidget(export)
        bar.addWidget(close)
        layout.addLayout(bar)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setStyleSheet("QScrollArea { background: #808080; }")
        layout.addWidget(self.scroll, 1)
        self.pages: list = []  # QImage, as drawn by PDFium
        self.pdf: Path | None = None  # the PDF those pages are of: what 打印… prints
        self._job: Job | None = None
        self._folder: Path | None = None  # where the running job writes
        self._again = False  # a refresh was asked for while the job ran
        self._closed = False
        self._placeholder("正在生成预览…")
        self.refresh()

    @property
    def busy(self) -> bool:
        """A preview is being made (or a cancelled one is stopping)."""
        return self._job is not None

    def refresh(self) -> None:
        """Make the preview again, from the document as it is now and at the chosen zoom."""
        if self._closed:
            return
        if self._job is not None:  # replace the running one: it stops at its next check
            self._again = True
            self._job.cancel()
            self.info.setText("正在生成预览…")
            return
        self._again = False
        snapshot = self.session.workspace.snapshot()
        self._folder = Path(tempfile.mkdtemp(dir=self._tmp.name))
        job = Job(functools.partial(make_preview, snapshot, self.form_id, self.session.registry,
                                    self.zoom.currentData(), self._folder))
        job.progressed.connect(self._on_progress)
        job.ended.connect(self._on_ended)
        self._job = job
        self.info.setText("正在生成预览…")
        self.busy_bar.setRange(0, 0)  # busy until the pages are counted
        self.busy_bar.show()
        job.start()

    def _on_progress(self, done: int, total: int, label: str) -> None:
        if self._job is None or self._again:
            return
        self.busy_bar.setRange(0, max(total, 0))
        self.busy_bar.setValue(done)
        self.info.setText(label)

    def _on_ended(self) -> None:
        job, self._job = self._job, None
        if job is None:
            return
        job.progressed.disconnect(self._on_progress)
        job.ended.disconnect(self._on_ended)
        folder, self._folder = self._folder, None
        self.busy_bar.hide()
        error, made = job.error, job.result
        if self._closed or self._again or error is not None:
            _remove(folder)  # nothing from it is shown
            if self._again and not self._closed:
                self.refresh()
            elif error is not None and not self._closed:
                self._show_error(error)
            return
        self._show(made)

    def _show(self, made: PreviewPages) -> None:
        old = self.pdf
        self.pdf, self.pages = made.pdf, made.images
        holder = QWidget()
        column = QVBoxLayout(holder)
        column.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        for image in self.pages:
            label = QLabel()
            label.setPixmap(QPixmap.fromImage(image))  # pixmaps only here, on the GUI thread
            label.setStyleSheet("border: 1px solid #444; background: white;")
            column.addWidget(label)
        self.scroll.setWidget(holder)
        self.info.setText(f"共 {len(self.pages)} 页（A4，按表样的纸张方向）")
        self.print_button.setEnabled(True)
        if old is not None and old.parent != made.pdf.parent:
            _remove(old.parent)

    def _show_error(self, error: BaseException) -> None:
        if isinstance(error, ExportError):  # MissingGlyphs included: its text says which characters
            self.info.setText(f"无法预览：{error}")
        else:
            self.info.setText(f"无法预览：生成预览时出错（{type(error).__name__}：{error}）")
        if self.pdf is None:
            self._placeholder("无法预览。")

    def _placeholder(self, text: str) -> None:
        label = QLabel(text)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setStyleSheet("color: white;")
        self.scroll.setWidget(label)

    def print_(self, printer=None) -> int:
        """打印…: the system's print dialog, then the very PDF shown here, page by page.
        `printer` (a QPrinter) skips the dialog. Returns the number of pages sent."""
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        while self.pdf is None and self._job is not None:  # the first preview is being made: print it
            if not self._job.join():
                break
        if self.pdf is None:
            return 0
        if printer is None:
            printer = QPrinter(QPrinter.PrinterMode.HighResolution)
            printer.setDocName(self.windowTitle().removeprefix("打印预览 — "))
            dialog = QPrintDialog(printer, self)
            dialog.setWindowTitle("打印")
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return 0
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            pages = print_pdf(self.pdf, printer)
        except OSError as exc:
            Ask.error(self, "无法打印", f"{exc}\n\n可以先导出 PDF，再用 PDF 阅读器打印。")
            return 0
        finally:
            QApplication.restoreOverrideCursor()
        self.info.setText(f"已发送 {pages} 页到打印机 {printer.printerName() or printer.outputFileName()}")
        return pages

    def _export(self) -> None:
        window = self.parent()
        if hasattr(window, "export"):
            window.export()

    # -- closing: no thread may outlive the dialog's files ------------------------------
    def _shut_down(self) -> None:
        if self._closed:
            return
        self._closed = True
        job = self._job
        if job is not None:
            job.cancel()
            job.join()  # delivers its end here, which throws its pages away
            if self._job is not None:  # still running after a minute: it keeps itself alive
                self._on_ended()
        self._tmp.cleanup()

    def done(self, result: int) -> None:  # 关闭, Esc, the window's close button
        self._shut_down()
        super().done(result)

    def closeEvent(self, event) -> None:
        self._shut_down()
        super().closeEvent(event)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._closed:  # shown again after closing: its files were removed, make them anew
            self._closed = False
            self._tmp = tempfile.TemporaryDirectory(prefix="perfdesk-preview-", ignore_cleanup_errors=True)
            self.pdf, self.pages = None, []
            self.print_button.setEnabled(False)
            self._placeholder("正在生成预览…")
            self.refresh()

    @classmethod
    def show_for(cls, parent, session: EditSession, form_id: str) -> "PreviewDialog":
        dialog = cls(parent, session, form_id)
        dialog.show()
        return dialog


def _remove(folder: Path | None) -> None:
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
