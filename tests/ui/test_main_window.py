"""The editor window, driven as a user would: edits show their issues and totals at once, are on
disk at once, and come back with undo — in the window and in the file."""

from decimal import Decimal

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QComboBox, QLineEdit

from perfdesk.domain.validation import Severity
from perfdesk.editing.funding_model import FundingModel
from perfdesk.editing.indicator_model import COMPUTED, GRADE, Role
from perfdesk.editing.issues_model import IssueListModel
from perfdesk.editing.outline_model import OutlineModel
from perfdesk.store import FileStore
from perfdesk.ui.dialogs import Ask, NewForm, NewFormDialog, WeightDialog, WeightPlan
from perfdesk.ui.main_window import MainWindow, recent_files

from .conftest import form_id_of, open_form


def on_disk(path, form_id):
    with FileStore.open(path, read_only=True) as reader:
        return reader.workspace.forms.get(form_id)


def row_of(model, level3):
    return next(i for i, ind in enumerate(model.indicators) if ind.level3 == level3)


# One model per test: pytest-qt's tester checks the signals of every model it was given
# against the last one.
def test_outline_model_contract(window, qtmodeltester):
    open_form(window, "补充日常经费")
    assert isinstance(window.navigator.model, OutlineModel)
    qtmodeltester.check(window.navigator.model, force_py=True)


def test_indicator_model_contract_with_grade_column(window, qtmodeltester):
    open_form(window, "补充日常经费")
    qtmodeltester.check(window.editor.indicator_model, force_py=True)


def test_funding_model_contract(window, qtmodeltester):
    open_form(window, "补充日常经费")
    _, funding_model, _ = window.editor.funding[0]
    assert isinstance(funding_model, FundingModel)
    qtmodeltester.check(funding_model, force_py=True)


def test_issue_list_model_contract_through_scope_changes(window, qtmodeltester):
    open_form(window, "补充日常经费")
    model = window.issues.model
    assert isinstance(model, IssueListModel)
    qtmodeltester.check(model, force_py=True)
    window.issues.set_whole_file(True)
    open_form(window, "专项业务费")
    window.issues.set_whole_file(False)
    window.issues.filters[Severity.WARNING].setChecked(False)


def test_editing_a_target_updates_marks_panel_totals_and_undo_restores_window_and_disk(window, demo_path):
    form_id = open_form(window, "补充日常经费")
    model = window.editor.indicator_model
    row = row_of(model, "城乡结对帮扶团体对象数")
    target = model.index(row, model.column_of("target"))
    assert target.data(Role.SEVERITY) is None
    errors_before = window.issues.filters[Severity.ERROR].text()
    listed_before = window.issues.model.rowCount()

    assert model.setData(target, "=1")  # the unit is gone: E8
    assert target.data(Role.SEVERITY) == "error"
    assert "计量单位" in target.data(Qt.ItemDataRole.ToolTipRole)
    assert window.issues.model.rowCount() == listed_before + 1
    assert window.issues.filters[Severity.ERROR].text() != errors_before
    assert on_disk(demo_path, form_id).indicator(model.indicator_at(row).id).target.raw == "=1"

    actual = model.index(row, model.column_of("actual"))
    score = model.index(row, model.column_of("score"))
    computed = model.index(row, model.column_of(COMPUTED))
    assert "总分 94.81" in window.editor.totals.score.text()
    weight = model.indicator_at(row).weight
    assert model.indicator_at(row).score is None  # the published score was the rule's
    assert model.setData(actual, "0")  # nothing achieved: the rules now say 0 …
    assert computed.data() == "0"
    assert score.data() == "0"  # … and the score follows (it is not an override)
    low = Decimal("94.81") - weight
    assert f"总分 {low}" in window.editor.totals.score.text()
    asked = []
    model.reason_asker = lambda indicator, value, rule: asked.append((value, rule)) or "现场核实已完成一半"
    assert model.setData(score, "1")  # a person decides otherwise: an override, with a reason
    assert asked == [(Decimal(1), Decimal(0))]
    assert score.data(Role.OVERRIDE).reason == "现场核实已完成一半"
    assert score.data(Role.SEVERITY) == "info"  # I1: differs from the rule
    assert f"总分 {low + 1}" in window.editor.totals.score.text()
    window.undo_action.trigger()

    window.undo_action.trigger()
    window.undo_action.trigger()
    assert target.data(Qt.ItemDataRole.DisplayRole) == "=1 个"
    assert target.data(Role.SEVERITY) is None
    assert window.issues.model.rowCount() == listed_before
    assert "总分 94.81" in window.editor.totals.score.text()
    restored = on_disk(demo_path, form_id).indicator(model.indicator_at(row).id)
    assert (restored.target.raw, restored.actual.raw) == ("=1 个", "1")
    window.redo_action.trigger()
    assert on_disk(demo_path, form_id).indicator(model.indicator_at(row).id).target.raw == "=1"


def test_weights_off_100_show_in_the_totals_bar_and_the_helper_restores_them_in_one_step(window, demo_path, monkeypatch):
    form_id = open_form(window, "补充日常经费")
    model = window.editor.indicator_model
    bar = window.editor.totals.weights
    assert "分值合计 100 / 100" in bar.text()
    assert model.setData(model.index(0, model.column_of("weight")), "9")  # 4 → 9: Σ 105
    assert "分值合计 105 / 100" in bar.text() and "超 5" in bar.text()
    assert "产出指标 55（建议 50）" in bar.text()
    depth = window.session.undo_stack.count()

    monkeypatch.setattr(WeightDialog, "ask", classmethod(
        lambda cls, parent, form, definition: WeightPlan((("产出指标", Decimal(50)),), "proportional")))
    assert window.editor.indicator_panel.balance_weights() > 0
    assert "分值合计 100 / 100" in bar.text()
    assert window.session.undo_stack.count() == depth + 1  # one step
    form = on_disk(demo_path, form_id)
    assert sum(i.weight for i in form.indicators if i.level1 == "产出指标") == 50
    window.undo_action.trigger()
    assert "分值合计 105 / 100" in bar.text()


def test_pasting_three_rows_creates_three_parsed_indicators(window, demo_path):
    form_id = open_form(window, "补充日常经费")
    view = window.editor.indicator_panel.view
    model = view.model()
    before = model.rowCount()
    view.select_cell(before - 1, model.column_of("level3"))
    text = "新指标甲\t≥95%\t97%\r\n新指标乙\t=12 次\t12次\r\n新指标丙\t≤3 天\t2天\r\n"
    # the last row and two more: the table grows by two, the last row is overwritten
    assert view.paste_clipboard(text) == 9 + 2  # cells changed + rows added
    assert model.rowCount() == before + 2
    rows = model.indicators[before - 1:]
    assert [r.level3 for r in rows] == ["新指标甲", "新指标乙", "新指标丙"]
    assert [(r.target.sign, r.target.number, r.target.unit) for r in rows] == [
        ("≥", Decimal(95), "%"), ("=", Decimal(12), "次"), ("≤", Decimal(3), "天")]
    assert len(on_disk(demo_path, form_id).indicators) == before + 2
    window.undo_action.trigger()  # the whole paste is one step
    assert model.rowCount() == before


def test_copy_puts_a_tab_separated_block_on_the_clipboard(window):
    open_form(window, "补充日常经费")
    view = window.editor.indicator_panel.view
    model = view.model()
    view.select_cell(0, model.column_of("level3"))
    view.selectionModel().select(model.index(1, model.column_of("target")),
                                 view.selectionModel().SelectionFlag.Select)
    text = view.copy_selection()
    assert text.splitlines() == ["城乡结对帮扶团体对象数\t=1 个", "临时工社保公积金缴纳覆盖人数\t=7 人"]


def test_excel_keys_enter_moves_down_delete_clears(window, qtbot, demo_path):
    form_id = open_form(window, "补充日常经费")
    view = window.editor.indicator_panel.view
    model = view.model()
    column = model.column_of("reason")
    view.select_cell(0, column)
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert view.currentIndex().row() == 1
    row = row_of(model, "临时工社保公积金缴纳覆盖人数")
    view.select_cell(row, column)
    assert model.index(row, column).data()
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert model.index(row, column).data() == ""
    assert on_disk(demo_path, form_id).indicators[row].reason == ""
    # typing starts editing; Enter commits and goes down, as in Excel
    view.select_cell(2, column)
    qtbot.keyClick(view, Qt.Key.Key_O)
    editor = view.findChild(QLineEdit)
    assert editor is not None and editor.text() == "o"
    qtbot.keyClicks(editor, "k")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: model.index(2, column).data() == "ok")  # Qt commits on the next loop
    assert view.currentIndex().row() == 3


def test_merged_level_cells_and_renaming_a_group(window, demo_path):
    form_id = open_form(window, "补充日常经费")
    view = window.editor.indicator_panel.view
    model = view.model()
    c1 = model.column_of("level1")
    outputs = sum(1 for i in model.indicators if i.level1 == "产出指标")
    assert view.rowSpan(0, c1) == outputs
    assert view.rowSpan(0, model.column_of("level2")) == 4  # 数量指标
    index = model.index(0, c1)
    view.edit(index)
    editor = view.focusWidget()
    assert isinstance(editor, QComboBox) and editor.findText("效益指标") >= 0
    editor.setCurrentText("产出")
    view.commitData(editor)
    assert sum(1 for i in model.indicators if i.level1 == "产出") == outputs
    assert sum(1 for i in on_disk(demo_path, form_id).indicators if i.level1 == "产出") == outputs


def test_grade_picker_only_for_qualitative_rows(window):
    open_form(window, "补充日常经费")
    model = window.editor.indicator_panel.view.model()
    grade = model.column_of(GRADE)
    quantitative = row_of(model, "城乡结对帮扶团体对象数")
    qualitative = row_of(model, "临时工工会会费、经费扣缴合规性")
    assert not model.flags(model.index(quantitative, grade)) & Qt.ItemFlag.ItemIsEditable
    assert model.flags(model.index(qualitative, grade)) & Qt.ItemFlag.ItemIsEditable
    assert model.setData(model.index(qualitative, grade), "部分达成并具有一定效果")
    assert model.indicator_at(qualitative).grade == "partial"
    assert not model.setData(model.index(qualitative, grade), "不存在的档次")


def test_insert_delete_move_rows_are_undoable_and_on_disk(window, demo_path):
    form_id = open_form(window, "补充日常经费")
    panel = window.editor.indicator_panel
    model = panel.model
    count = model.rowCount()
    first, second = model.indicator_at(0).id, model.indicator_at(1).id
    panel.view.select_cell(0, 2)
    panel.insert_row()
    assert model.rowCount() == count + 1 and model.indicator_at(1).level1 == "产出指标"
    window.undo_action.trigger()
    assert model.rowCount() == count
    panel.view.select_cell(0, 2)
    panel.move_rows(1)
    assert [model.indicator_at(0).id, model.indicator_at(1).id] == [second, first]
    assert [i.id for i in on_disk(demo_path, form_id).indicators[:2]] == [second, first]
    panel.view.select_cell(1, 2)
    panel.delete_rows()
    assert model.rowCount() == count - 1 and len(on_disk(demo_path, form_id).indicators) == count - 1
    window.undo_action.trigger()
    window.undo_action.trigger()
    assert [i.id for i in on_disk(demo_path, form_id).indicators[:2]] == [first, second]


def test_funding_grid_separators_computed_columns_and_edit(window, demo_path):
    form_id = open_form(window, "补充日常经费")
    _, model, _ = window.editor.funding[0]
    executed = model.cell_of("total.executed")
    assert executed.data() == "1,297,747.17"
    assert executed.data(Role.ISSUES)  # W3: 68% without a note
    rate = model.index(executed.row(), model.columnCount() - 2)
    score = model.index(executed.row(), model.columnCount() - 1)
    assert (rate.data(), score.data()) == ("68.12%", "6.81")
    assert not model.flags(rate) & Qt.ItemFlag.ItemIsEditable  # computed, never typed
    assert model.flags(score) & Qt.ItemFlag.ItemIsEditable  # a person may override it …
    assert model.setData(executed, "1,905,200")
    assert (rate.data(), score.data()) == ("100.00%", "10")
    assert on_disk(demo_path, form_id).amounts["total.executed"] == Decimal("1905200")
    assert not model.setData(executed, "一百万")
    model.reason_asker = lambda value, computed: None  # … only with a reason: cancelled here
    assert not model.setData(score, "9") and score.data() == "10"
    model.reason_asker = lambda value, computed: "审计调减"
    assert model.setData(score, "9") and score.data() == "9"
    saved = on_disk(demo_path, form_id)
    assert saved.budget_score == 9 and saved.budget_note.reason == "审计调减" and saved.budget_note.computed == 10
    assert "总分" in window.editor.totals.score.text()
    assert model.setData(score, "")  # 预算执行率得分按计算
    assert score.data() == "10" and on_disk(demo_path, form_id).budget_score is None


def test_header_fields_and_texts_write_through(window, demo_path, qtbot):
    form_id = open_form(window, "补充日常经费", 2026)
    editor = window.editor
    nature = editor.field_widgets["nature"]
    assert isinstance(nature, QComboBox) and nature.findText("其他经常性项目") >= 0
    nature.setCurrentText("其他经常性项目")
    nature.activated.emit(nature.currentIndex())
    assert on_disk(demo_path, form_id).fields["nature"] == "其他经常性项目"
    text = editor.field_widgets["goal_annual"]
    text.setPlainText("第一句。")
    text.commit()
    text.setPlainText("第一句。第二句。")
    text.commit()
    assert on_disk(demo_path, form_id).fields["goal_annual"] == "第一句。第二句。"
    window.undo_action.trigger()  # the two pauses merge into one step
    assert on_disk(demo_path, form_id).fields["goal_annual"] not in ("第一句。", "第一句。第二句。")
    assert text.toPlainText() == on_disk(demo_path, form_id).fields["goal_annual"]


def test_clicking_an_issue_selects_its_cell(window):
    open_form(window, "补充日常经费")
    panel = window.issues
    row = next(r for r in range(panel.model.rowCount()) if panel.model.issue_at(r)[1].code == "E8")
    panel.view.clicked.emit(panel.model.index(row, 0))
    view = window.editor.indicator_panel.view
    issue = panel.model.issue_at(row)[1]
    current = view.currentIndex()
    assert current.data(Role.INDICATOR_ID) == issue.location.item_id
    assert current.data(Role.COLUMN_KEY) == "target"
    # whole file: an issue of another form switches the form
    panel.set_whole_file(True)
    other = next(r for r in range(panel.model.rowCount()) if panel.model.issue_at(r)[0] != window.editor.form_id
                 and panel.model.issue_at(r)[1].location.item_id)
    form_id, issue = panel.model.issue_at(other)
    panel.view.clicked.emit(panel.model.index(other, 0))
    assert window.editor.form_id == form_id
    assert window.editor.indicator_panel.view.currentIndex().data(Role.INDICATOR_ID) == issue.location.item_id


def test_severity_filter(window):
    form_id = open_form(window, "补充日常经费")
    panel = window.issues
    infos = sum(1 for i in window.session.analysis(form_id).issues if i.severity is Severity.INFO)
    assert infos >= 1  # at least the I1 of the published override
    panel.filters[Severity.INFO].setChecked(False)
    assert all(panel.model.issue_at(r)[1].severity is not Severity.INFO for r in range(panel.model.rowCount()))
    assert panel.filters[Severity.INFO].text() == f"提示 {infos}"


def test_new_project_delete_and_undo(window, demo_path, monkeypatch):
    monkeypatch.setattr(NewFormDialog, "ask", classmethod(
        lambda cls, parent, registry, year, project_name=None, kind=None: NewForm("新项目", 2027, "sh-declaration-2026")))
    form_id = window.navigator.new_project()
    assert window.editor.form_id == form_id
    form = on_disk(demo_path, form_id)
    assert form.fields["project_name"] == "新项目" and form.fields["department"] == "上海市住房和城乡建设管理委员会"
    assert window.navigator.model.index_of_year(2027).isValid()

    asked = []
    monkeypatch.setattr(Ask, "confirm", classmethod(lambda cls, parent, title, text, ok="确定": asked.append(text) or True))
    assert window.navigator.delete()
    assert "新项目" in asked[0] and on_disk(demo_path, form_id) is None
    assert not window.navigator.model.index_of_year(2027).isValid()
    window.undo_action.trigger()
    assert on_disk(demo_path, form_id) is not None
    assert window.navigator.model.index_of_form(form_id).isValid()


def test_delete_asks_and_cancel_keeps_the_form(window, demo_path, monkeypatch):
    form_id = open_form(window, "补充日常经费")
    monkeypatch.setattr(Ask, "confirm", classmethod(lambda cls, *a, **k: False))
    assert not window.navigator.delete()
    assert on_disk(demo_path, form_id) is not None


def test_rename_project_renames_every_year(window, demo_path, monkeypatch):
    open_form(window, "补充日常经费")
    monkeypatch.setattr(Ask, "text", classmethod(lambda cls, *a, **k: "补充日常经费（改）"))
    window.navigator.rename()
    forms = [f for f in window.session.workspace.forms.values() if window.session.workspace.project_name(f) == "补充日常经费（改）"]
    assert len(forms) == 2
    assert all(on_disk(demo_path, f.id).fields["project_name"] == "补充日常经费（改）" for f in forms)
    assert window.editor.field_widgets["project_name"].text() == "补充日常经费（改）"


def test_second_window_on_the_same_file_is_read_only(window, demo_path, qtbot):
    second = MainWindow()
    qtbot.addWidget(second)
    assert second.open_file(demo_path)
    second.show()
    assert second.session.read_only
    assert second.banner.isVisible() and "只读" in second.banner.text()
    assert "#fff3cd" in second.banner.styleSheet()  # its look comes with it (ui/looks.py)
    assert "只读" in second.windowTitle()
    form_id = open_form(second, "补充日常经费")
    model = second.editor.indicator_model
    index = model.index(0, model.column_of("target"))
    assert not model.flags(index) & Qt.ItemFlag.ItemIsEditable
    assert not model.setData(index, "=2 个")
    assert not second.navigator.buttons["delete"].isEnabled()
    assert on_disk(demo_path, form_id).indicators[0].target.raw == "=1 个"
    second.close()


@pytest.mark.parametrize("content", [b"", b"not a database at all" * 10])
def test_a_damaged_file_gets_a_dialog_and_stays_untouched(window, tmp_path, monkeypatch, content):
    bad = tmp_path / "bad.perfdesk"
    bad.write_bytes(content)
    errors = []
    monkeypatch.setattr(Ask, "error", classmethod(lambda cls, parent, title, text: errors.append(text)))
    current = window.session.store.path
    assert not window.open_file(bad)
    assert errors and bad.read_bytes() == content
    assert window.session.store.path == current  # the file shown before stays open


def test_save_as_writes_a_copy_and_continues_on_it(window, tmp_path, monkeypatch, demo_path):
    form_id = open_form(window, "补充日常经费")
    copy = tmp_path / "copy.perfdesk"
    monkeypatch.setattr(Ask, "save_path", classmethod(lambda cls, *a, **k: str(copy)))
    assert window.save_as()
    assert window.session.store.path == copy and window.editor.form_id == form_id
    model = window.editor.indicator_model
    assert model.setData(model.index(0, model.column_of("reason")), "只改副本")
    assert on_disk(copy, form_id).indicators[0].reason == "只改副本"
    assert on_disk(demo_path, form_id).indicators[0].reason != "只改副本"
    assert recent_files()[0] == str(copy.resolve())


def test_dropping_a_file_opens_it(window, tmp_path, demo_path):
    other = tmp_path / "other.perfdesk"
    window.session.store.save_copy(other)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(other))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    assert window.session.store.path == other


def test_computed_column_sits_beside_the_entered_score(window):
    open_form(window, "补充日常经费")
    model = window.editor.indicator_model
    assert model.column_of(COMPUTED) == model.column_of("score") + 1
