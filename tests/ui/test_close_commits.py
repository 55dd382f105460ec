"""The window is honest about saving: what is typed reaches the file even without Enter, a
refused write is shown as not saved (never as saved), and the crash notice promises nothing
is lost only when that is true."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtWidgets import QComboBox, QLineEdit

from perfdesk.crash import CrashHandler, user_message
from perfdesk.editing.commands import Step
from perfdesk.store import FileStore
from perfdesk.ui.dialogs import Ask
from tests.store.faults import BUSY, FULL, canonical, failing_writes, file_dump

from .conftest import open_form

PROMISE = "不会因此丢失"


def on_disk(path, form_id):
    with FileStore.open(path, read_only=True) as reader:
        return reader.workspace.forms[form_id]


def start_typing(view, row: int, column: int):
    """Open the cell editor of (row, column) as a double click would; returns the editor."""
    index = view.model().index(row, column)
    view.select_cell(row, column)
    view.edit(index)
    editor = view.indexWidget(index)
    assert editor is not None
    return editor


def record_label(window) -> list[str]:
    """Every text the 'saved' label is given from now on."""
    texts: list[str] = []
    label = window.saved_label
    set_text = label.setText

    def recording(text):
        texts.append(text)
        set_text(text)

    label.setText = recording
    return texts


# -- typed without Enter ---------------------------------------------------------------------
def test_a_value_typed_into_a_cell_without_enter_is_in_the_file_after_close(window, qtbot, demo_path):
    form_id = open_form(window, "补充日常经费")
    view = window.editor.indicator_panel.view
    model = view.model()
    row, column = 1, model.column_of("target")
    indicator_id = model.indicator_at(row).id
    editor = start_typing(view, row, column)
    assert isinstance(editor, QLineEdit)
    editor.selectAll()
    qtbot.keyClicks(editor, "=9")
    editor.insert(" 人")  # the last characters as an input method would deliver them
    assert on_disk(demo_path, form_id).indicator(indicator_id).target.raw == "=7 人"  # not yet
    assert window.close()
    assert window.session is None
    assert on_disk(demo_path, form_id).indicator(indicator_id).target.raw == "=9 人"


def test_a_level_typed_into_its_combo_without_enter_is_in_the_file_after_close(window, demo_path):
    form_id = open_form(window, "补充日常经费")
    view = window.editor.indicator_panel.view
    model = view.model()
    row = model.rowCount() - 1  # 满意度指标 / 服务对象满意度指标, a group of two rows
    indicator_id = model.indicator_at(row).id
    editor = start_typing(view, row, model.column_of("level2"))
    assert isinstance(editor, QComboBox) and editor.isEditable()
    editor.setCurrentText("服务对象满意度")
    assert window.close()
    assert on_disk(demo_path, form_id).indicator(indicator_id).level2 == "服务对象满意度"


def test_a_typed_value_the_file_refuses_on_close_asks_before_closing(window, qtbot, demo_path, monkeypatch):
    form_id = open_form(window, "补充日常经费")
    view = window.editor.indicator_panel.view
    model = view.model()
    indicator_id = model.indicator_at(0).id
    reports, questions = [], []
    monkeypatch.setattr(Ask, "save_failed", classmethod(lambda cls, parent, step, message: reports.append(message)))
    monkeypatch.setattr(Ask, "confirm", classmethod(lambda cls, parent, title, text, ok="确定": questions.append(text)))
    editor = start_typing(view, 0, model.column_of("target"))
    editor.selectAll()
    qtbot.keyClicks(editor, "=5")
    store = window.session.store
    with failing_writes(store, 1, FULL):
        assert not window.close()  # confirm answered "cancel" (returned None)
    assert window.session is not None and window.isVisible()
    assert reports and "磁盘已满" in reports[0]
    assert questions and "未能保存" in questions[0]
    assert on_disk(demo_path, form_id).indicator(indicator_id).target.raw == "=1 个"
    assert canonical(window.session.workspace) == file_dump(demo_path)
    monkeypatch.setattr(Ask, "confirm", classmethod(lambda cls, parent, title, text, ok="确定": True))
    assert window.close()


def test_cancelling_the_close_after_a_refused_write_keeps_the_typed_text(window, qtbot, monkeypatch):
    open_form(window, "补充日常经费")
    view = window.editor.indicator_panel.view
    model = view.model()
    column = model.column_of("target")
    monkeypatch.setattr(Ask, "save_failed", classmethod(lambda cls, parent, step, message: False))
    monkeypatch.setattr(Ask, "confirm", classmethod(lambda cls, parent, title, text, ok="确定": False))
    editor = start_typing(view, 0, column)
    editor.selectAll()
    qtbot.keyClicks(editor, "=5")
    with failing_writes(window.session.store, 1, FULL):
        assert not window.close()
    open_editor = view.indexWidget(model.index(0, column))
    on_screen = [model.index(0, column).data()] + ([open_editor.text()] if isinstance(open_editor, QLineEdit) else [])
    assert "=5" in on_screen


# -- refused writes are shown as such --------------------------------------------------------
def test_a_refused_write_shows_not_saved_and_never_saved(window, demo_path, monkeypatch):
    form_id = open_form(window, "补充日常经费")
    model = window.editor.indicator_model
    column = model.column_of("target")
    shown = []
    monkeypatch.setattr(Ask, "save_failed",
                        classmethod(lambda cls, parent, step, message: shown.append((step, message)) and False))
    save_as = []
    monkeypatch.setattr(window, "save_as", lambda: save_as.append(1))
    assert model.setData(model.index(0, column), "=2 个")
    assert "已保存" in window.saved_label.text()  # a write that succeeded says so
    texts = record_label(window)
    for position, fault in ((1, BUSY), (4, FULL), (5, BUSY)):  # BEGIN, the row, COMMIT
        with failing_writes(window.session.store, position, fault) as proxy:
            assert not model.setData(model.index(0, column), "=3 个")
        assert proxy.triggered
        assert model.index(0, column).data() == "=2 个"
        assert "未能保存" in window.saved_label.text() and "已保存" not in window.saved_label.text()
        assert shown[-1][0] in window.saved_label.text()
        assert fault.cause in shown[-1][1]
    assert len(shown) == 3 and not save_as
    assert texts and all("已保存" not in text for text in texts)
    assert on_disk(demo_path, form_id).indicators[0].target.raw == "=2 个"
    # The user chooses 另存为… in the message: the window offers the copy.
    monkeypatch.setattr(Ask, "save_failed", classmethod(lambda cls, parent, step, message: True))
    with failing_writes(window.session.store, 1, FULL):
        assert not model.setData(model.index(0, column), "=3 个")
    assert save_as == [1]
    # The disk is fine again: the same edit is saved and the label says so.
    assert model.setData(model.index(0, column), "=3 个")
    assert "已保存" in window.saved_label.text()
    assert on_disk(demo_path, form_id).indicators[0].target.raw == "=3 个"


# -- the crash notice ------------------------------------------------------------------------
def test_the_crash_notice_promises_nothing_is_lost_only_when_all_is_saved(tmp_path):
    log = tmp_path / "crash.log"
    saved = user_message(log, all_saved=True)
    unsaved = user_message(log, all_saved=False)
    assert PROMISE in saved and str(log) in saved
    assert PROMISE not in unsaved and "没有完整保存" in unsaved and str(log) in unsaved
    assert PROMISE not in user_message(None, all_saved=False)


class _HalfDone(Step):
    """A command whose own code fails half-way: its first change is made, then it raises."""

    def __init__(self, ws, form_id, indicator_id):
        super().__init__("半途出错的操作")
        self.ws, self.form_id, self.indicator_id = ws, form_id, indicator_id

    def apply(self) -> None:
        self.ws.set_indicator(self.form_id, self.indicator_id, "level3", "只改了一半")
        raise RuntimeError("程序错误")

    def revert(self) -> None:  # pragma: no cover - never on the stack
        pass


def _crash(handler: CrashHandler) -> None:
    try:
        raise RuntimeError("意外错误")
    except RuntimeError:
        handler.handle(*sys.exc_info())


def test_the_window_tells_the_crash_notice_whether_everything_is_in_the_file(window, tmp_path, monkeypatch):
    form_id = open_form(window, "补充日常经费")
    shown: list[str] = []
    handler = CrashHandler(show=shown.append, log=tmp_path / "crash.log", all_saved=window.all_saved)
    _crash(handler)
    assert PROMISE in shown[-1]
    # A refused write is taken back: the document is still the file, so the promise holds.
    monkeypatch.setattr(Ask, "save_failed", classmethod(lambda cls, parent, step, message: False))
    model = window.editor.indicator_model
    with failing_writes(window.session.store, 1, FULL):
        assert not model.setData(model.index(0, model.column_of("target")), "=2 个")
    assert window.all_saved()
    _crash(handler)
    assert PROMISE in shown[-1]
    # A step whose own code failed half-way left a change on screen that is not in the file.
    session = window.session
    indicator_id = session.workspace.forms[form_id].indicators[0].id
    with pytest.raises(RuntimeError):
        session.push(_HalfDone(session.workspace, form_id, indicator_id))
    assert session.workspace.forms[form_id].indicator(indicator_id).level3 == "只改了一半"
    assert not window.all_saved()
    _crash(handler)
    assert PROMISE not in shown[-1] and "没有完整保存" in shown[-1]
    assert "意外错误" in (tmp_path / "crash.log").read_text(encoding="utf-8")
