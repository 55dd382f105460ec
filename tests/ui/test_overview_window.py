"""年度总览 and 定稿 in the window: perfdesk/ui/overview.py, charts.py, snapshots.py and their
wiring in perfdesk/ui/main_window.py."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt

from perfdesk.cli import score_payload
from perfdesk.domain import diff
from perfdesk.domain.overview import FINAL
from perfdesk.ui.dialogs import Ask

from .conftest import form_id_of, open_form


def _year_node(window, year):
    index = window.navigator.model.index_of_year(year)
    assert index.isValid()
    return index


def test_a_click_on_the_year_node_shows_the_overview_and_a_form_brings_the_editor_back(window, qtbot):
    assert window.overview is None  # not built with the window
    window.navigator.tree.clicked.emit(_year_node(window, 2022))
    view = window.overview
    assert view is not None and view.isVisible() and not window.editor.isVisible()
    assert view.year == 2022 and view.model.rowCount() == 14
    form_id = open_form(window, "补充公积金")
    assert window.editor.isVisible() and not view.isVisible() and window.editor.form_id == form_id
    window.navigator.tree.setCurrentIndex(_year_node(window, 2026))  # by keyboard too
    assert view.isVisible() and view.year == 2026 and view.model.rowCount() == 11



def test_the_issues_panel_lists_no_hidden_form_while_the_overview_shows(window, qtbot):
    """本表 is the form on screen: with the 年度总览 in its place the panel lists none and says
    where the issues are; 整个文件 still lists them all, and a form brings its own back."""
    from perfdesk.ui.issues_panel import HINT, NO_FORM_HINT

    form_id = open_form(window, "补充日常经费")
    panel = window.issues
    own = panel.model.rowCount()
    assert own > 0 and panel.hint.text() == HINT
    window.navigator.tree.setCurrentIndex(_year_node(window, 2022))
    assert window.overview.isVisible()
    assert panel.model.rowCount() == 0 and panel.hint.text() == NO_FORM_HINT
    panel.set_whole_file(True)
    assert panel.model.rowCount() > own and panel.hint.text() == HINT
    panel.set_whole_file(False)
    assert panel.model.rowCount() == 0 and panel.hint.text() == NO_FORM_HINT
    assert open_form(window, "补充日常经费") == form_id
    assert window.editor.isVisible() and panel.model.rowCount() == own and panel.hint.text() == HINT

def _shown(window, qtbot, year):
    view = window.show_overview(year)
    qtbot.waitUntil(lambda: view.complete)  # the checks come in slices after the first paint
    return view


def test_the_first_paint_shows_amounts_and_rates_and_the_rest_follows(window, qtbot):
    window.session._analysis.clear()  # as right after opening: nothing analysed yet
    view = window.show_overview(2022)
    assert not view.complete
    assert all(line.rate is not None and line.funds for line in view.model.lines)  # at once
    assert {line.self_evaluation.status for line in view.model.lines} == {"pending"}
    row = [view.model.index(0, c).data() for c in range(view.model.columnCount())]
    assert row[0] == "专项业务费" and row[5] == "100.00%" and row[6] == "…" and "检查中" in view.totals.text()
    qtbot.waitUntil(lambda: view.complete)
    assert {line.self_evaluation.status for line in view.model.lines} == {"draft", "errors"}
    assert all(line.total is not None for line in view.model.lines)
    assert "检查中" not in view.totals.text() and "平均总分 97.44" in view.totals.text()


def test_overview_figures_are_the_score_commands(window, qtbot):
    view = _shown(window, qtbot, 2022)
    scores = {f["id"]: f for f in score_payload(window.session.workspace, window.session.registry)["forms"]}
    for line in view.model.lines:
        data = scores[line.self_evaluation.form_id]
        assert line.total == Decimal(str(data["total"])) and line.grade == data["grade"]
    assert "平均总分 97.44" in view.totals.text() and "优 14 个" in view.totals.text()


def test_sort_filter_and_double_click(window, qtbot):
    view = _shown(window, qtbot, 2022)
    rate_column = next(i for i in range(view.model.columnCount()) if view.model.headerData(i, Qt.Orientation.Horizontal) == "执行率")
    view.table.sortByColumn(rate_column, Qt.SortOrder.AscendingOrder)
    assert view.visible_projects()[0] == "补充日常经费"  # 68.12 %, the lowest
    view.search.setText("公积金")
    assert view.visible_projects() and all("公积金" in name for name in view.visible_projects())
    view.search.clear()
    view.which.setCurrentText("有错误")
    errors = view.visible_projects()
    assert errors and len(errors) == 4
    view.which.setCurrentText("全部项目")
    index = view.proxy.index(0, 0)
    view.table.doubleClicked.emit(index)
    form_id = form_id_of(window, "补充日常经费")
    assert window.editor.isVisible() and window.editor.form_id == form_id


def test_charts_get_the_overviews_data(window, qtbot):
    view = _shown(window, qtbot, 2022)
    assert view.rates.items[0][0] == "补充日常经费" and view.rates.items[0][1] == pytest.approx(68.12)
    assert dict(view.grades.grades)["优"] == 14
    assert sum(count for _, count in view.grades.bands) == 14
    assert view.weights.items and {name for name, _, _ in view.weights.items} >= {"产出指标", "效益指标"}
    view.resize(1200, 700)
    image = view.grab()  # paints without error at this size
    assert not image.isNull()


def test_finalise_the_year_then_an_edit_asks_to_withdraw(window, monkeypatch, qtbot):
    answers = iter(["3 月报送财政局", None, "财政局退回修改"])
    monkeypatch.setattr(Ask, "text", classmethod(lambda cls, parent, title, label, value="": next(answers)))
    monkeypatch.setattr(Ask, "info", classmethod(lambda cls, parent, title, text: None))
    view = _shown(window, qtbot, 2022)
    snapshot = window.finalise(project=False, year=2022)
    assert snapshot is not None and len(snapshot.form_ids) == 14
    assert {line.self_evaluation.status for line in view.model.lines} == {FINAL}
    assert window.session.undo_stack.count() == 0
    form_id = open_form(window, "补充日常经费")
    assert window.final_banner.isVisible() and "已定稿" in window.final_label.text()
    assert "#e8f5e9" in window.final_banner.styleSheet()
    model = window.editor.indicator_model
    column = model.column_of("actual")
    index = model.index(2, column)
    assert not model.setData(index, "55%")  # no reason given: nothing changes
    form = window.session.workspace.forms[form_id]
    assert form.indicators[2].actual.raw == "100%" and window.session.workspace.is_final(form_id)
    assert model.setData(index, "55%")  # a reason: withdrawn, then edited
    assert form.indicators[2].actual.raw == "55%" and not window.session.workspace.is_final(form_id)
    assert not window.final_banner.isVisible()
    history = window.show_final_history(form_id)
    texts = [history.tree.topLevelItem(i).text(1) for i in range(history.tree.topLevelItemCount())]
    assert texts == ["定稿", "撤回定稿"]
    assert "财政局退回修改" in history.tree.topLevelItem(1).text(2)
    history.close()


def test_compare_a_snapshot_with_now_lists_and_shows_the_change(window, monkeypatch, tmp_path):
    monkeypatch.setattr(Ask, "text", classmethod(lambda cls, parent, title, label, value="": "报送"))
    form_id = open_form(window, "补充日常经费")
    snapshot = window.finalise(project=True)
    assert snapshot.form_ids == (form_id,)
    form = window.session.workspace.forms[form_id]
    model = window.editor.indicator_model
    assert model.setData(model.index(2, model.column_of("actual")), "50%")
    dialog = window.compare_snapshots(snapshot.id, None)
    kinds = [c.kind for c in dialog.changes]
    assert kinds == [diff.CELL, diff.ROW_SCORE, diff.TOTAL]
    assert dialog.tree.topLevelItemCount() == 1 and dialog.tree.topLevelItem(0).childCount() == 3
    out = dialog.export(str(tmp_path / "对比.xlsx"))
    assert out is not None and out.exists()
    window.show_overview(2022)
    assert window.show_change(dialog.changes[0])
    view = window.editor.indicator_panel.view
    assert window.editor.isVisible() and view.currentIndex().row() == 2
    assert view.currentIndex().column() == model.column_of("actual")
    dialog.close()
    assert form.indicators[2].actual.raw == "50%"


def test_a_snapshot_opens_read_only_in_a_window_of_its_own(window, monkeypatch, qtbot):
    monkeypatch.setattr(Ask, "text", classmethod(lambda cls, parent, title, label, value="": "报送"))
    open_form(window, "补充日常经费")
    snapshot = window.finalise(project=True)
    from perfdesk.ui.main_window import settings

    before = settings().value("window/state")
    other = window.open_snapshot(snapshot.id)
    assert other.session.read_only and set(other.session.workspace.forms) == set(snapshot.form_ids)
    assert "只读" in other.windowTitle() and other.banner.isVisible()
    other.close()
    assert settings().value("window/state") == before  # the user's own layout is kept


def test_overview_exports_xlsx_and_pdf(window, tmp_path):
    from openpyxl import load_workbook

    window.show_overview(2022)
    xlsx = window.export_overview("xlsx", str(tmp_path / "总览.xlsx"))
    pdf = window.export_overview("pdf", str(tmp_path / "总览.pdf"))
    assert xlsx.exists() and pdf.read_bytes().startswith(b"%PDF")
    values = {c for row in load_workbook(xlsx).active.iter_rows(values_only=True) for c in row if c is not None}
    assert {"补充日常经费", "合计", "执行率"} <= values


def test_the_window_starts_without_the_overview_modules():
    code = ("import sys; import perfdesk.ui.main_window; "
            "print(any(m in sys.modules for m in ('perfdesk.ui.overview', 'perfdesk.ui.charts', "
            "'perfdesk.ui.snapshots', 'perfdesk.domain.overview', 'perfdesk.domain.diff')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"QT_QPA_PLATFORM": "offscreen", "PATH": ""})
    assert out.stdout.strip() == "False"


def test_the_year_menu_acts_on_the_project_selected_in_the_overview(window, monkeypatch, qtbot):
    monkeypatch.setattr(Ask, "text", classmethod(lambda cls, parent, title, label, value="": "报送"))
    view = _shown(window, qtbot, 2022)
    row = view.visible_projects().index("补充公积金")
    view.table.selectRow(row)
    snapshot = window.finalise(project=True)
    assert snapshot is not None and snapshot.form_ids == (form_id_of(window, "补充公积金"),)
    history = window.show_final_history()
    assert "补充公积金" in history.windowTitle()
    history.close()
