"""`perfdesk --self-test`: proves an installed copy works, end to end, then exits.

For the installers' smoke tests and for support staff on a user's PC. In a temporary folder it
writes the demo file, opens it in the main window and paints it, checks that the interface has
a Chinese font, exports the shown form as PDF, draws that PDF's first page with PDFium and
prints it through Qt's print support to a PDF file instead of paper. It also checks that the
user's data folder can be written. Nothing is left behind: the settings and recent-file list
used meanwhile live in the temporary folder too.

Prints one line per step (✔ or ✘ with the reason) and exits 0 when every step passed, 1 when
one failed.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Callable

OK, FAILED = 0, 1


class SelfTest:
    def __init__(self, out=None):
        self.out = out or sys.stdout
        self.failures = 0

    def say(self, text: str) -> None:
        if self.out is not None:
            print(text, file=self.out, flush=True)

    def step(self, label: str, action: Callable[[], str | None]) -> bool:
        started = time.perf_counter()
        try:
            detail = action()
        except Exception as exc:  # noqa: BLE001 - every failure becomes a report line
            self.failures += 1
            self.say(f"✘ {label}：{type(exc).__name__}: {exc}")
            self.say("".join(traceback.format_exception(exc)).rstrip())
            return False
        took = time.perf_counter() - started
        self.say(f"✔ {label}（{took:.2f} s）" + (f"：{detail}" if detail else ""))
        return True


def _check_data_dir() -> str:
    from perfdesk.paths import data_dir

    folder = data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    probe = folder / f".selftest-{os.getpid()}"
    probe.write_text("ok", encoding="utf-8")
    probe.unlink()
    return str(folder)


def run(out=None) -> int:
    from perfdesk import version

    test = SelfTest(out)
    test.say(f"PerfDesk {version()} 自检，Python {sys.version.split()[0]}，{sys.platform}")
    test.step("用户数据文件夹可写", _check_data_dir)
    with tempfile.TemporaryDirectory(prefix="perfdesk-selftest-") as tmp:
        work = Path(tmp)
        previous = os.environ.get("PERFDESK_DATA_DIR")
        os.environ["PERFDESK_DATA_DIR"] = str(work / "data")  # recent files etc. stay in tmp
        try:
            _window_steps(test, work)
        finally:
            if previous is None:
                os.environ.pop("PERFDESK_DATA_DIR", None)
            else:
                os.environ["PERFDESK_DATA_DIR"] = previous
    test.say("自检通过。" if test.failures == 0 else f"自检失败：{test.failures} 项未通过。")
    return OK if test.failures == 0 else FAILED


def _window_steps(test: SelfTest, work: Path) -> None:
    from perfdesk.cli import write_demo

    demo = work / "示例.perfdesk"
    if not test.step("写出示例文件", lambda: str(write_demo(demo))):
        return
    state: dict = {}

    def start_qt() -> str:
        from PySide6 import __version__ as pyside_version
        from PySide6.QtGui import QGuiApplication

        from perfdesk.app import create_application

        state["app"] = create_application()
        return f"PySide6 {pyside_version}，平台插件 {QGuiApplication.platformName()}"

    if not test.step("启动 Qt", start_qt):
        return

    def chinese_font() -> str:
        from perfdesk.app import cjk_family

        family = cjk_family()
        if family is None:
            raise RuntimeError("系统中没有能显示中文的字体，界面文字会显示为方框")
        return family

    test.step("界面中文字体", chinese_font)

    def open_window() -> str:
        from PySide6.QtWidgets import QApplication

        from perfdesk.ui.main_window import MainWindow

        window = MainWindow()
        state["window"] = window
        if not window.open_file(demo):
            raise RuntimeError("示例文件未能打开")
        window.resize(1280, 800)
        window.show()
        QApplication.processEvents()
        image = window.grab().toImage()
        if image.isNull() or image.width() < 100:
            raise RuntimeError("窗口未能绘制")
        colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
        if len(colours) < 10:
            raise RuntimeError("窗口绘制结果几乎是空白")
        session = window.session
        form = session.workspace.forms[window.editor.form_id]
        state["form"] = form
        return f"{len(session.workspace.forms)} 张表，当前：{session.workspace.project_name(form)} {form.year}年"

    if not test.step("打开主窗口并显示示例文件", open_window):
        return

    def export_pdf() -> str:
        from perfdesk.export.batch import export_forms

        window = state["window"]
        written = export_forms(window.session.workspace, [state["form"]], window.registry, "pdf",
                               work / "导出", with_list=False, overwrite=True)
        data = written[0].read_bytes()
        if not data.startswith(b"%PDF"):
            raise RuntimeError(f"{written[0].name} 不是 PDF 文件")
        state["pdf"] = written[0]
        return f"{written[0].name}，{len(data) // 1024} KB"

    exported = test.step("导出 PDF", export_pdf)

    def draw_pdf() -> str:
        from perfdesk.editing.pdf_pages import page_count, render_pages

        pages = page_count(state["pdf"])
        image = render_pages(state["pdf"], dpi=48, first=0, last=0)[0]
        dark = sum(1 for x in range(0, image.width(), 3) for y in range(0, image.height(), 3)
                   if image.pixelColor(x, y).lightness() < 128)
        if dark < 50:
            raise RuntimeError("PDF 第一页是空白")
        return f"{pages} 页"

    def print_to_file() -> str:
        from PySide6.QtPrintSupport import QPrinter

        from perfdesk.editing.pdf_pages import page_count, print_pdf

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)  # a file instead of paper
        printer.setOutputFileName(str(work / "打印.pdf"))
        printer.setResolution(100)
        sent = print_pdf(state["pdf"], printer)
        if page_count(work / "打印.pdf") != sent:
            raise RuntimeError("打印输出的页数不对")
        return f"{sent} 页"

    if exported:
        test.step("用 PDFium 绘制 PDF 第一页（打印预览）", draw_pdf)
        test.step("打印（输出到文件代替打印机）", print_to_file)
    window = state.pop("window")
    window.close()
    if window.session is not None:
        # No close event came (no native window: Wine without a display): the file, and its lock
        # inside the temporary folder, must still be let go before that folder is removed.
        window.session.close()
        window.session = None
    window.deleteLater()
