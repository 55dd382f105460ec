"""The toolbar, Ctrl+S and 帮助 → 使用说明."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence

from perfdesk.ui.main_window import MainWindow


def test_the_toolbar_carries_the_everyday_actions_with_icons_and_shortcut_tooltips(window, qtbot):
    actions = window.toolbar.actions()
    names = [a.text() for a in actions if not a.isSeparator()]
    for word in ("新建", "打开", "撤销", "重做", "查找", "导入", "结转", "导出", "打印预览"):
        assert any(word in name for name in names), (word, names)
    qtbot.waitUntil(lambda: window._icons_set)
    for action in actions:
        if action.isSeparator():
            continue
        assert not action.icon().isNull(), action.text()
        for key in action.shortcuts():
            assert key.toString(QKeySequence.SequenceFormat.NativeText) in action.toolTip()
    assert "Ctrl+F" in window.find_action.toolTip()
    assert [a.iconText() for a in actions if not a.isSeparator()] == [
        "新建", "打开", "撤销", "重做", "查找", "导入", "结转", "导出", "打印预览"]
    assert window.toolbar.toggleViewAction() in window.view_menu.actions()
    assert "Ctrl+Z" in window.undo_action.toolTip()


def test_every_toolbar_action_is_the_menu_action(window):
    in_menus = {id(a) for menu in window.menuBar().findChildren(type(window.menuBar().actions()[0].menu()))
                for a in menu.actions()}
    for action in window.toolbar.actions():
        if not action.isSeparator():
            assert id(action) in in_menus, action.text()


def test_ctrl_s_says_everything_is_already_saved(window):
    assert window.save_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Save)
    window.save_action.trigger()
    assert "已自动保存" in window.statusBar().currentMessage()


def test_the_guide_opens_offline_in_a_text_browser(window):
    from perfdesk.ui.help import GUIDE

    assert GUIDE.exists()
    assert window.help_dialog is None  # made when first used
    window.help_action.trigger()
    dialog = window.help_dialog
    assert dialog is not None and dialog.isVisible()
    text = dialog.browser.toPlainText()
    for words in ("使用说明", "Ctrl+S", "Ctrl+F", "撤销", "分值", "F2", "Alt+Enter", "Ctrl+D", "F11", "冻结", "筛选"):
        assert words in text, words
    dialog.close()


def test_the_guide_ships_with_the_package():
    import tomllib
    from pathlib import Path

    data = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = data["tool"]["setuptools"]["package-data"]["perfdesk.resources.help"]
    assert "*.html" in patterns


def test_a_read_only_window_keeps_find_save_and_help(window, demo_path, qtbot):
    second = MainWindow()
    qtbot.addWidget(second)
    assert second.open_file(demo_path) and second.session.read_only
    assert second.find_action.isEnabled() and second.save_action.isEnabled() and second.help_action.isEnabled()
    second.save()
    assert "只读" in second.statusBar().currentMessage()
    second.close()


def test_new_project_defaults_to_the_layout_the_file_uses_most(window, qtbot):
    from perfdesk.ui.dialogs import NewFormDialog

    ws = window.session.workspace
    most = max({f.definition_id for f in ws.forms.values()},
               key=lambda d: sum(f.definition_id == d for f in ws.forms.values()))
    first_listed = next(iter(window.registry)).id
    assert most != first_listed  # the demo is a Shanghai file; the national layout is listed first
    dialog = NewFormDialog(window, window.registry, 2026, None, None, window.navigator.definition_usage())
    qtbot.addWidget(dialog)
    assert dialog.definition.currentData() == most
    empty = NewFormDialog(window, window.registry, 2026, None, None, {})
    qtbot.addWidget(empty)
    assert empty.definition.currentData() == first_listed  # nothing to go by: the list's order


def test_new_form_of_a_project_defaults_to_a_kind_it_lacks(window, monkeypatch):
    from perfdesk.domain.definition import FormKind
    from perfdesk.ui import navigator as navigator_module
    from perfdesk.ui.dialogs import NewFormDialog

    from .conftest import open_form

    form_id = open_form(window, "补充日常经费", 2022)
    assert window.session.workspace.forms[form_id].kind is FormKind.SELF_EVALUATION
    seen = {}

    def fake_ask(parent, registry, year, project_name=None, kind=None, scope=None):
        dialog = NewFormDialog(parent, registry, year, project_name, kind, scope=scope)
        seen["choice"] = dialog.definition.currentData()
        dialog.deleteLater()
        return None

    monkeypatch.setattr(navigator_module.NewFormDialog, "ask", staticmethod(fake_ask))
    window.navigator.new_form()
    chosen = window.registry.get(seen["choice"])
    assert chosen.kind is FormKind.DECLARATION  # the project already has its 2022 自评表
    window.navigator.new_project()
    assert seen["choice"] == "sh-selfeval-2020"


def test_a_project_takes_only_forms_of_its_own_scope(window, monkeypatch):
    """部门整体 forms belong to the unit's own entry: 新建表 under a project offers only the
    project layouts, and a 部门整体 form asked for under a project's name is refused in
    Chinese, with nothing added; a unit's entry offers only the 部门整体 layouts."""
    from perfdesk.ui import navigator as navigator_module
    from perfdesk.ui.dialogs import Ask, NewForm, NewFormDialog

    from .conftest import open_form

    registry, ws = window.registry, window.session.workspace
    offered = {}

    def fake_ask(parent, registry, year, project_name=None, kind=None, scope=None):
        dialog = NewFormDialog(parent, registry, year, project_name, kind, scope=scope)
        offered["ids"] = [dialog.definition.itemData(i) for i in range(dialog.definition.count())]
        dialog.deleteLater()
        return None

    monkeypatch.setattr(navigator_module.NewFormDialog, "ask", staticmethod(fake_ask))
    open_form(window, "补充日常经费", 2022)
    window.navigator.new_form()
    assert offered["ids"] and all(registry.get(i).scope == "project" for i in offered["ids"])

    errors = []
    monkeypatch.setattr(Ask, "error", classmethod(lambda cls, parent, title, text: errors.append(text)))
    count = len(ws.forms)
    monkeypatch.setattr(navigator_module.NewFormDialog, "ask", staticmethod(
        lambda *args, **kwargs: NewForm("补充日常经费", 2023, "unit-selfeval-2021")))
    assert window.navigator.new_project() is None
    assert len(ws.forms) == count and "部门整体表属于单位本身" in errors[-1]

    monkeypatch.setattr(navigator_module.NewFormDialog, "ask", staticmethod(
        lambda *args, **kwargs: NewForm("上海市公积金管理中心", 2023, "unit-selfeval-2021")))
    form_id = window.navigator.new_project()
    assert form_id is not None and len(ws.forms) == count + 1
    project_id = ws.forms[form_id].project_id
    assert window.navigator.project_scope(project_id) == "unit"
    monkeypatch.setattr(navigator_module.NewFormDialog, "ask", staticmethod(fake_ask))
    window.navigator.new_form()
    assert offered["ids"] and all(registry.get(i).scope == "unit" for i in offered["ids"])
