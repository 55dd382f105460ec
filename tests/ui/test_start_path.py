"""What the `perfdesk` command does to start fast stays correct: the garbage collector is off
only while starting, and the Chinese UI font chosen on an earlier start is confirmed later."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from PySide6.QtWidgets import QApplication

from perfdesk import app as app_module
from perfdesk.cli import write_demo

ROOT = Path(__file__).resolve().parents[2]


def _child(code: str, tmp_path: Path, *args: str) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PERFDESK_DATA_DIR=str(tmp_path / "data"))
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args], env=env, cwd=ROOT,
                            capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_command_line_command_runs_with_the_collector_back_on(tmp_path):
    demo = write_demo(tmp_path / "demo.perfdesk")
    seen = _child("""
        import gc, json, sys
        import perfdesk.cli as cli
        seen = {"at_import": gc.isenabled()}
        build = cli.build_parser
        def spy():
            seen["while_parsing"] = gc.isenabled()
            return build()
        cli.build_parser = spy
        from perfdesk.__main__ import main
        seen["exit"] = main(["score", sys.argv[1]])
        seen["after"] = gc.isenabled()
        seen["frozen"] = gc.get_freeze_count()
        print(json.dumps(seen))
    """, tmp_path, str(demo))
    assert seen["at_import"] is True  # importing perfdesk.cli leaves the collector alone
    assert seen["while_parsing"] is True  # on again before the command's own work
    assert seen["after"] is True and seen["frozen"] > 0 and seen["exit"] == 0


def test_the_window_starts_with_the_collector_off_and_resumes_it_after_the_first_frame(tmp_path):
    demo = write_demo(tmp_path / "demo.perfdesk")
    seen = _child("""
        import gc, json, sys
        from PySide6.QtCore import QEvent, QObject, QTimer
        import perfdesk.app as app_module
        import perfdesk.ui.main_window as mw
        seen = {"painted": False}
        recheck = app_module.recheck_font
        def font_spy(app):
            seen["font_checked_after_paint"] = seen["painted"]
            recheck(app)
        app_module.recheck_font = font_spy
        class FirstPaint(QObject):
            def eventFilter(self, watched, event):
                if event.type() == QEvent.Type.Paint and not seen["painted"]:
                    seen["painted"], seen["at_paint"] = True, gc.isenabled()
                    QTimer.singleShot(100, later)  # well after that paint pass
                return False
        def later():
            from PySide6.QtCore import QLocale
            seen["locale"] = QLocale().name()
            seen["after_frame"] = gc.isenabled()
            seen["frozen"] = gc.get_freeze_count()
            window.close()
        show = mw.MainWindow.show
        def spy(self):
            global window
            window = self
            seen["at_show"] = gc.isenabled()
            self._first_paint = FirstPaint()
            self.editor.indicator_panel.view.viewport().installEventFilter(self._first_paint)
            show(self)
        mw.MainWindow.show = spy
        from perfdesk.__main__ import main
        seen["exit"] = main(["open", sys.argv[1]])
        print(json.dumps(seen))
    """, tmp_path, str(demo))
    assert seen["at_show"] is False and seen["at_paint"] is False  # off through the first frame
    assert seen["after_frame"] is True and seen["frozen"] > 0
    assert seen["font_checked_after_paint"] is True  # the font search waits for the frame too
    assert seen["locale"] == "zh_CN"  # Chinese dates and numbers for what is made from then on
    assert seen["exit"] == 0


def test_the_saved_font_family_is_used_at_start_and_corrected_after_it(qapp, monkeypatch):
    before = QApplication.font()
    try:
        app_module._saved_settings().setValue(app_module.FONT_KEY, "并不存在的字体")
        listed = []
        monkeypatch.setattr(app_module, "cjk_family", lambda: listed.append(1) or "WenQuanYi Micro Hei")
        assert app_module.start_font_family() == "并不存在的字体"
        assert listed == []  # a start with a saved family lists no fonts
        app_module.apply_font(qapp, "并不存在的字体")
        app_module.recheck_font(qapp)  # what the window runs after its first frame
        assert QApplication.font().family() == "WenQuanYi Micro Hei"
        assert app_module._saved_settings().value(app_module.FONT_KEY) == "WenQuanYi Micro Hei"
        app_module._saved_settings().remove(app_module.FONT_KEY)
        assert app_module.start_font_family() == "WenQuanYi Micro Hei"  # none saved: search, save
        assert listed and app_module._saved_settings().value(app_module.FONT_KEY) == "WenQuanYi Micro Hei"
    finally:
        QApplication.setFont(before)


def test_pyside_reads_no_source_of_the_modules_perfdesk_declared_to_it(tmp_path):
    demo = write_demo(tmp_path / "demo.perfdesk")
    seen = _child("""
        import json, sys
        import shiboken6  # PySide6's import hook, before any PerfDesk module
        feature = sys.modules["shibokensupport.feature"]
        scanned, read = [], feature._mod_uses_pyside
        feature._mod_uses_pyside = lambda module: scanned.append(module.__name__) or read(module)
        from perfdesk.__main__ import main
        code = main(["open", sys.argv[1], "--exit-after-paint"])
        print(json.dumps({"exit": code, "scanned": scanned}))
    """, tmp_path, str(demo))
    assert seen["exit"] == 0
    assert "perfdesk.cli" in seen["scanned"]  # imported before app.py declared anything: read
    late = [name for name in seen["scanned"] if name.startswith(("perfdesk.ui", "perfdesk.editing"))]
    assert late == []  # every window module came after the declaration: none read
