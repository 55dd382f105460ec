"""Run by test_dialog_fit.py in a process of its own, on an offscreen screen of a given size:
opens the window and every dialog of the program, and prints one JSON line with each
dialog's size, its smallest size and the work area (and, with a folder, saves a picture of
each for people to look at).

    python -m tests.ui.dialog_fit_child WIDTH HEIGHT DATAFOLDER [PICTURES]
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def main() -> None:
    width, height, folder = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
    pictures = Path(sys.argv[4]) if len(sys.argv) > 4 else None
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "screen.json"
    config.write_text(json.dumps({"screens": [{"name": "screen", "x": 0, "y": 0, "width": width, "height": height,
                                               "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"
    os.environ["PERFDESK_DATA_DIR"] = str(folder / "userdata")
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        os.environ[name] = str(folder / name.lower())

    from PySide6.QtCore import QStandardPaths, QTimer
    from PySide6.QtWidgets import QApplication

    QStandardPaths.setTestModeEnabled(True)
    from perfdesk.app import create_application
    from perfdesk.cli import write_demo
    from perfdesk.ui.main_window import MainWindow

    app = create_application()
    window = MainWindow()
    assert window.open_file(write_demo(folder / "demo.perfdesk"))
    window.show()
    for _ in range(10):
        app.processEvents()
    session = window.session
    ws = session.workspace
    form_of = {(ws.project_name(f), f.year): f.id for f in ws.forms.values()}
    form_2022 = form_of[("补充日常经费", 2022)]
    form_2026 = form_of[("信息化建设项目", 2026)]
    window.navigator.select_form(form_2022)
    screen = app.primaryScreen().availableGeometry()
    found: dict[str, dict] = {}

    def record(name, dialog) -> None:
        for _ in range(5):
            app.processEvents()
        frame = dialog.frameGeometry()
        smallest = dialog.minimumSizeHint().expandedTo(dialog.minimumSize())
        found[name] = {"x": frame.x(), "y": frame.y(), "width": frame.width(), "height": frame.height(),
                       "min_width": smallest.width(), "min_height": smallest.height()}
        if pictures is not None:
            pictures.mkdir(parents=True, exist_ok=True)
            dialog.grab().save(str(pictures / f"{width}x{height}-{name}.png"))

    def shown(name, make) -> None:
        dialog = make()
        dialog.show()
        record(name, dialog)
        dialog.close()
        dialog.deleteLater()

    def modal(name, call) -> None:
        """A dialog the program opens with exec(): looked at once it is up, then closed."""
        def look() -> None:
            dialog = app.activeModalWidget()
            if dialog is None:
                QTimer.singleShot(20, look)
                return
            record(name, dialog)
            dialog.done(0)

        QTimer.singleShot(30, look)
        call()

    from perfdesk.ui.about_dialog import AboutDialog
    from perfdesk.ui.dialogs import Ask, LevelDialog, NewFormDialog, WeightDialog
    from perfdesk.ui.export_dialog import ExportDialog, PreviewDialog
    from perfdesk.ui.find import FindDialog
    from perfdesk.ui.help import HelpDialog
    from perfdesk.ui.import_dialog import ImportDialog
    from perfdesk.ui.rollforward_wizard import RollForwardWizard

    shown("export", lambda: ExportDialog(window, session, form_2022))
    PreviewDialog.refresh = lambda self, *args: None  # the page pictures are not what is measured
    shown("print_preview", lambda: PreviewDialog(window, session, form_2022))

    def importer():
        dialog = ImportDialog(window, session, ())
        dialog.stop_reading(wait=True)
        return dialog

    shown("import", importer)
    shown("rollforward_wizard", lambda: RollForwardWizard(window, session))
    shown("find", lambda: FindDialog(window))
    shown("help", lambda: HelpDialog(window))
    shown("about", lambda: AboutDialog(window, session.store.path))
    modal("new_project", lambda: NewFormDialog.ask(window, session.registry, 2026))
    form = ws.forms[form_2022]
    shown("weights", lambda: WeightDialog(window, form, session.definition(form_2022)))
    taxonomy = session.definition(form_2022).taxonomy
    shown("change_level", lambda: LevelDialog(window, taxonomy, form.indicators[0].level1, form.indicators[0].level2))
    long_message = "磁盘已满，无法写入文件。" * 12
    modal("override_reason", lambda: window.editor.indicator_panel._ask_reason(
        form.indicators[0], form.indicators[0].weight, None))
    modal("save_failed", lambda: Ask.save_failed(window, "修改「年度指标值」", long_message))
    modal("confirm_delete", lambda: Ask.confirm(window, "删除", "确定删除项目「补充日常经费」2022年的 1 张表吗？", ok="删除"))
    modal("error", lambda: Ask.error(window, "无法打开文件", long_message))
    modal("info", lambda: Ask.info(window, "评分说明", long_message))
    modal("rename", lambda: Ask.text(window, "重命名项目", "项目名称：", "补充日常经费"))
    modal("open_file", lambda: Ask.open_path(window, str(folder)))
    modal("save_file", lambda: Ask.save_path(window, "另存为", str(folder / "副本.perfdesk")))
    try:  # 定稿 history (perfdesk/ui/snapshots.py), where the program has it
        from perfdesk.ui.snapshots import HistoryDialog

        shown("final_history", lambda: HistoryDialog(session, form_2022, window))
    except ImportError:
        pass

    def rows_shown() -> dict:
        view = window.editor.indicator_panel.view
        viewport = view.viewport().height()
        return {"shown": sum(1 for r in range(view.model().rowCount())
                             if 0 <= view.rowViewportPosition(r)
                             and view.rowViewportPosition(r) + view.rowHeight(r) <= viewport),
                "capacity": viewport // view.verticalHeader().defaultSectionSize(),
                "rows": view.model().rowCount()}

    # The first start's layout (no layout saved): the 问题 strip's height, and how many rows of
    # the 2026 form show beside the form's fields
    window.navigator.select_form(form_2026)
    for _ in range(10):
        app.processEvents()
    normal = dict(rows_shown(), issues_height=window.issues_dock.height())
    # 只看指标表 at this size: how many indicator rows show, for the 2022 and the 2026 form
    rows = {}
    for name, form_id in (("2022", form_2022), ("2026", form_2026)):
        window.navigator.select_form(form_id)
        window.set_table_only(True)
        for _ in range(10):
            app.processEvents()
        rows[name] = rows_shown()
        if pictures is not None:
            window.grab().save(str(pictures / f"{width}x{height}-table-only-{name}.png"))
        window.set_table_only(False)
    frame = window.frameGeometry()
    print(json.dumps({"available": [screen.x(), screen.y(), screen.width(), screen.height()],
                      "window": [frame.x(), frame.y(), frame.width(), frame.height()],
                      "dialogs": found, "table_only": rows, "normal": normal}, ensure_ascii=False))
    window.close()
    QApplication.processEvents()


if __name__ == "__main__":
    main()
