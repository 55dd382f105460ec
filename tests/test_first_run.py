"""First-run polish that installers make visible: the data folder from Qt's standard
locations, the crash handler and its log, `perfdesk --self-test`, and `perfdesk PATH`."""

from __future__ import annotations

import io
import sys
import threading
from pathlib import Path

import pytest

from perfdesk import crash, selftest
from perfdesk.cli import build_parser, _file_argument
from perfdesk.paths import _fallback_data_dir, crash_log_path, data_dir, settings_path


# -- the data folder ------------------------------------------------------------------------------

def test_data_folder_follows_qt_standard_locations(monkeypatch, tmp_path):
    from PySide6.QtCore import QStandardPaths

    monkeypatch.delenv("PERFDESK_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    folder = data_dir()
    assert folder == Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation))
    # The same folder as before Qt chose it, so existing users keep their settings and demo.
    assert folder == tmp_path / "xdg" / "PerfDesk" == _fallback_data_dir()


def test_override_and_neighbours(monkeypatch, tmp_path):
    monkeypatch.setenv("PERFDESK_DATA_DIR", str(tmp_path / "stick"))
    assert data_dir() == tmp_path / "stick"
    assert settings_path().parent == crash_log_path().parent == tmp_path / "stick"


def test_without_qt_the_same_rule_applies(monkeypatch, tmp_path):
    monkeypatch.delenv("PERFDESK_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setitem(sys.modules, "PySide6.QtCore", None)  # import fails as under Wine
    assert data_dir() == tmp_path / "xdg" / "PerfDesk"


# -- the crash handler ----------------------------------------------------------------------------

def _raise(message="boom"):
    try:
        raise ValueError(message)
    except ValueError:
        return sys.exc_info()


def test_an_error_is_logged_and_told_in_chinese(tmp_path):
    shown: list[str] = []
    log = tmp_path / "data" / "perfdesk-crash.log"
    handler = crash.CrashHandler(show=shown.append, log=log)
    handler.handle(*_raise("磁盘坏了"))
    text = log.read_text(encoding="utf-8")
    assert "ValueError: 磁盘坏了" in text and "Traceback" in text and "PerfDesk" in text
    assert len(shown) == 1
    assert "意外错误" in shown[0] and "不会因此丢失" in shown[0] and str(log) in shown[0]
    handler.handle(*_raise("again"))
    assert log.read_text(encoding="utf-8").count("=====") == 2 and handler.reports == 2


def test_unwritable_log_still_tells_the_user(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    shown: list[str] = []
    crash.CrashHandler(show=shown.append, log=blocker / "sub" / "log.txt").handle(*_raise())
    assert "未能写入日志" in shown[0]


def test_log_is_trimmed_to_its_newest_part(tmp_path):
    log = tmp_path / "log.txt"
    log.write_text("".join(f"line {n}\n" for n in range(2000)), encoding="utf-8")
    crash.trim(log, limit=4000)
    kept = log.read_text(encoding="utf-8").splitlines()
    assert log.stat().st_size <= 2000 and kept[-1] == "line 1999" and kept[0].startswith("line ")


def test_install_catches_thread_errors_and_pythonw_streams(tmp_path, monkeypatch):
    shown: list[str] = []
    log = tmp_path / "log.txt"
    monkeypatch.setattr(sys, "stderr", None)  # pythonw.exe has no console
    before = (sys.excepthook, threading.excepthook)
    handler = crash.CrashHandler(show=shown.append, log=log).install()
    try:
        assert sys.excepthook == handler.handle
        assert sys.stderr is not None
        sys.stderr.write("Qt warning\n")
        worker = threading.Thread(target=lambda: 1 / 0, name="导出线程")
        worker.start()
        worker.join()
    finally:
        handler.uninstall()
    assert (sys.excepthook, threading.excepthook) == before and sys.stderr is None
    text = log.read_text(encoding="utf-8")
    assert "ZeroDivisionError" in text and "线程 导出线程" in text and "Qt warning" in text
    assert len(shown) == 1


@pytest.mark.qt_no_exception_capture
def test_error_in_a_slot_shows_one_box_and_the_program_goes_on(qtbot, tmp_path, monkeypatch):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from perfdesk.app import create_application, install_crash_handler

    monkeypatch.setenv("PERFDESK_DATA_DIR", str(tmp_path / "data"))
    app = create_application()
    handler = install_crash_handler(app)
    try:
        def broken():
            raise RuntimeError("槽函数出错")

        QTimer.singleShot(0, broken)
        QTimer.singleShot(0, broken)  # the same fault twice: logged twice, shown once
        qtbot.waitUntil(lambda: handler.reports == 2 and app.crash_notice.box is not None)
        box = app.crash_notice.box
        assert box.isVisible() and "意外错误" in box.text() and "perfdesk-crash.log" in box.text()
        assert app.crash_notice.shown == 1
        box.accept()
        qtbot.waitUntil(lambda: app.crash_notice.box is None)
        assert QApplication.instance() is app  # still running
        assert crash_log_path().read_text(encoding="utf-8").count("RuntimeError: 槽函数出错") == 2
    finally:
        handler.uninstall()


# -- self-test ---------------------------------------------------------------------------------

def test_self_test_passes_and_leaves_nothing_behind(tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    out = io.StringIO()
    assert selftest.run(out) == 0
    text = out.getvalue()
    for step in ("写出示例文件", "打开主窗口并显示示例文件", "导出 PDF", "绘制 PDF 第一页", "打印", "自检通过"):
        assert step in text
    assert "✘" not in text
    assert list((tmp_path / "tmp").iterdir()) == []  # the temporary folder is gone
    assert not (data_dir() / "settings.ini").exists()  # recent files went to the temp folder


def test_self_test_lets_the_file_go_when_no_close_event_comes(monkeypatch):
    """Wine without a display makes no native window, so closing it sends no close event: the
    demo file and its lock, inside the temporary folder, must be let go all the same (on Windows
    the folder cannot be removed while they are open)."""
    from perfdesk.editing.session import EditSession
    from perfdesk.ui.main_window import MainWindow

    closed = []
    close = EditSession.close
    monkeypatch.setattr(MainWindow, "closeEvent", lambda self, event: None)
    monkeypatch.setattr(EditSession, "close", lambda self: (closed.append(self), close(self)))
    assert selftest.run(io.StringIO()) == 0
    assert len(closed) == 1 and closed[0].store._lock is None  # the lock released


def test_self_test_reports_a_failing_export(monkeypatch):
    import perfdesk.export.batch as batch

    def refuse(*args, **kwargs):
        raise OSError("磁盘已满")

    monkeypatch.setattr(batch, "export_forms", refuse)
    out = io.StringIO()
    assert selftest.run(out) == 1
    text = out.getvalue()
    assert "✘ 导出 PDF：OSError: 磁盘已满" in text and "自检失败：1 项未通过" in text
    assert "绘制 PDF" not in text  # nothing to draw


def test_self_test_flag_reaches_the_self_test(monkeypatch):
    from perfdesk import cli

    monkeypatch.setattr(selftest, "run", lambda: 7)
    assert cli.main(["--self-test"]) == 7


# -- perfdesk PATH (file association) -------------------------------------------------------------

def test_a_bare_file_argument_means_open(tmp_path):
    parser = build_parser()
    assert _file_argument(["单位.perfdesk"], parser) == ["open", "单位.perfdesk"]
    other = tmp_path / "data.bin"
    other.write_bytes(b"x")
    assert _file_argument([str(other)], parser) == ["open", str(other)]
    assert _file_argument(["check", "x.perfdesk"], parser) == ["check", "x.perfdesk"]
    assert _file_argument(["demo"], parser) == ["demo"]  # a command keeps its meaning
    assert _file_argument(["frobnicate"], parser) == ["frobnicate"]
    assert _file_argument(["a.perfdesk", "--exit-after-paint"], parser) == ["open", "a.perfdesk",
                                                                            "--exit-after-paint"]


def test_command_list_matches_the_parser():
    """`main` tells `perfdesk PATH` from a command by COMMANDS, without the parser: they must agree."""
    import argparse

    from perfdesk.cli import COMMANDS

    parser = build_parser()
    choices = next(a.choices for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert set(COMMANDS) == set(choices)


def test_window_command_lines_skip_the_export_and_import_modules(tmp_path):
    """The window's command lines are recognised without importing the export and import
    layers (they are not needed to show the first window)."""
    import subprocess
    import sys

    from perfdesk.cli import _window_request

    assert _window_request([]).path is None
    assert _window_request(["open", "a.perfdesk"]).path == "a.perfdesk"
    assert _window_request(["a.perfdesk", "--exit-after-paint"]).exit_after_paint
    assert _window_request(["--self-test"]).self_test
    assert _window_request(["check", "a.perfdesk"]) is None
    assert _window_request(["export", "a.perfdesk", "--format", "pdf"]) is None
    code = ("import sys; import perfdesk.cli as c; c._window_request(['open', 'x.perfdesk']); "
            "import perfdesk.ui.main_window; "
            "print(sorted(m for m in sys.modules if m.startswith(('perfdesk.export', 'perfdesk.importing', "
            "'perfdesk.demodata', 'openpyxl', 'docx', 'reportlab', 'pypdfium2'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.stdout.strip() == "[]"


def test_the_first_window_leaves_what_it_does_not_show_for_later(tmp_path):
    """The whole way to the first painted window (`perfdesk open DEMO`) imports none of the
    modules only a later action needs: the dialogs of the File menu, the undo history (its
    dock starts hidden), 分值配平, clipboard CSV, new ids, the calendar of a date check."""
    import os
    import subprocess

    from perfdesk.cli import write_demo

    demo = write_demo(tmp_path / "demo.perfdesk")
    later = ("perfdesk.ui.history", "perfdesk.ui.export_dialog", "perfdesk.ui.import_dialog",
             "perfdesk.ui.rollforward_wizard", "perfdesk.ui.about_dialog", "perfdesk.editing.rollforward_commands",
             "perfdesk.editing.fixes", "perfdesk.domain.weights", "perfdesk.export", "perfdesk.importing",
             "perfdesk.demodata", "uuid", "calendar", "csv")
    # PySide builds a class's Python type (with all its enums) on first use; asking Qt's own
    # viewport of a view for its Python object builds every widget class it might be (see
    # perfdesk/ui/viewports.py), `QBrush(color)` QGradient's. The first window needs none.
    # The toolbar's icons are read from Qt's images, not asked of QStyle (its Python type alone
    # is tens of milliseconds; under X it searches the desktop's icon themes).
    qt_later = {"PySide6.QtWidgets": ("QWizard", "QMessageBox", "QFileDialog", "QCalendarWidget",
                                      "QGraphicsView", "QMdiArea", "QTabBar", "QStyle"),
                "PySide6.QtGui": ("QGradient", "QTextCursor")}
    code = ("import sys\nfrom perfdesk import cli\n"
            f"code = cli.main(['open', {str(demo)!r}, '--exit-after-paint'])\n"
            f"print('QT_LATER', sorted(n for m, names in {qt_later!r}.items() for n in names "
            "if n in vars(sys.modules[m])))\n"
            f"print('LATER', sorted(m for m in sys.modules if m.split('.')[0] in {later!r} "
            f"or m in {later!r} or m.startswith(('perfdesk.export.', 'perfdesk.importing.'))))\n"
            # The generic weight patterns are compiled by a paste or an import, not by the start.
            "from perfdesk.formdefs import label_weights\n"
            "print('PATTERNS', label_weights._generic_patterns.cache_info().currsize)\n"
            # A dataclass without a docstring gets one from inspect.signature while its module
            # is imported: 20 such classes cost the start 5 M instructions.
            "import dataclasses\n"
            "print('NO_DOC', sorted(f'{v.__module__}.{v.__qualname__}' for m in list(sys.modules.values()) "
            "if getattr(m, '__name__', '').startswith('perfdesk') for v in vars(m).values() "
            "if isinstance(v, type) and dataclasses.is_dataclass(v) and v.__module__ == m.__name__ "
            "and (v.__doc__ or '').startswith(v.__name__ + '(')))\n"
            "sys.exit(code)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, encoding="utf-8",
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "首次绘制" in out.stdout  # the window was painted
    assert out.stdout.strip().splitlines()[-4:] == ["QT_LATER []", "LATER []", "PATTERNS 0", "NO_DOC []"]
