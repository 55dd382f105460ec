"""Narrow refresh: after a step the item models announce only the cells whose value, marks or
computed score changed — never the whole table — and each step is announced once."""

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt

from perfdesk.domain.definition import FormKind, SectionType
from perfdesk.domain.provenance import is_carried
from perfdesk.domain.rollforward import apply_plan, plan_rollforward
from perfdesk.domain.validation import Severity
from perfdesk.editing.clipboard import paste
from perfdesk.editing.commands import SetIndicatorCommand
from perfdesk.editing.funding_model import FundingModel
from perfdesk.editing.indicator_model import COMPUTED, LAST_ACTUAL, IndicatorTableModel, Role
from perfdesk.editing.issues_model import IssueListModel

DISPLAY = int(Qt.ItemDataRole.DisplayRole)
BACKGROUND = int(Qt.ItemDataRole.BackgroundRole)


from .conftest import form_id_of  # noqa: E402 - the session fixture comes from conftest.py


class Emissions:
    """Every dataChanged of a model: (top, left, bottom, right, roles)."""

    def __init__(self, model):
        self.items: list[tuple[int, int, int, int, list[int]]] = []
        model.dataChanged.connect(self._record)

    def _record(self, top_left, bottom_right, roles=()):
        self.items.append((top_left.row(), top_left.column(), bottom_right.row(), bottom_right.column(),
                           [int(r) for r in roles]))

    def cells(self) -> set[tuple[int, int]]:
        return {(r, c) for top, left, bottom, right, _ in self.items
                for r in range(top, bottom + 1) for c in range(left, right + 1)}

    def roles_of(self, row: int, column: int) -> set[int]:
        return {role for top, left, bottom, right, roles in self.items
                if top <= row <= bottom and left <= column <= right for role in roles}


def marks(session, form_id):
    return {key: [(i.severity, i.code, i.message) for i in issues]
            for key, issues in session.analysis(form_id).by_cell.items()}


@pytest.fixture
def evaluation(session):
    """The demo self-evaluation 补充日常经费 2022 in the indicator table and its funding grid."""
    model = IndicatorTableModel(session)
    model.set_form(form_id_of(session, "补充日常经费"))
    definition = session.definition(model.form_id)
    funding = FundingModel(session)
    funding.set_form(model.form_id, definition.section(SectionType.FUNDING))
    return model, funding


def test_one_actual_edit_announces_that_cell_its_scores_and_changed_marks_only(session, evaluation):
    model, funding = evaluation
    form_id = model.form_id
    row = next(i for i, ind in enumerate(model.indicators) if ind.level3 == "临时工社保公积金缴纳覆盖人数")
    indicator_id = model.indicator_at(row).id
    actual, computed, score = (model.column_of(k) for k in ("actual", COMPUTED, "score"))
    before = marks(session, form_id)
    table, grid = Emissions(model), Emissions(funding)

    assert model.setData(model.index(row, actual), "7")

    after = marks(session, form_id)
    changed_marks = {(model.row_of(item), model.column_of(column)) for item, column in before.keys() | after.keys()
                     if item is not None and column is not None and before.get((item, column)) != after.get((item, column))}
    # the I1 message on 得分 names the computed score, which went from 5.29 to 6
    assert (row, score) in changed_marks
    assert table.cells() == {(row, actual), (row, computed)} | changed_marks
    assert all(top == bottom and left == right for top, left, bottom, right, _ in table.items)  # no ranges
    assert len(table.items) == len(table.cells())  # each cell once
    assert all(roles for *_, roles in table.items)  # explicit roles
    assert DISPLAY in table.roles_of(row, actual)
    assert {DISPLAY, int(Role.COMPUTED)} <= table.roles_of(row, computed)
    assert {BACKGROUND, int(Qt.ItemDataRole.ToolTipRole), int(Role.ISSUES)} <= table.roles_of(row, score)
    assert DISPLAY not in table.roles_of(row, score)  # 得分 itself is the entered 4
    assert model.index(row, computed).data() == "6" and model.index(row, actual).data() == "7"
    assert "按规则计算为 6" in model.index(row, score).data(Qt.ItemDataRole.ToolTipRole)
    assert grid.items == []  # the funding grid shows nothing new

    # undo: the same cells again, the old values back
    table.items.clear()
    assert session.undo()
    assert table.cells() == {(row, actual), (row, computed)} | changed_marks
    assert model.index(row, computed).data() == "5.29"
    assert session.form(form_id).indicator(indicator_id).actual.raw == "6.17"


def test_an_edit_that_changes_no_mark_repaints_one_cell(session, evaluation):
    model, funding = evaluation
    table, grid = Emissions(model), Emissions(funding)
    reason = model.column_of("reason")
    assert model.setData(model.index(2, reason), "新的说明")
    assert [(top, left, bottom, right) for top, left, bottom, right, _ in table.items] == [(2, reason, 2, reason)]
    assert grid.items == []


def test_funding_edit_announces_the_amount_and_the_computed_cells_that_moved(session, evaluation):
    model, funding = evaluation
    table, grid = Emissions(model), Emissions(funding)
    executed = funding.cell_of("total.executed")
    rate, score = funding.columnCount() - 2, funding.columnCount() - 1
    assert executed.data(Role.ISSUES)  # W3: 68% with no note
    assert funding.setData(executed, "1,905,200")
    cells = grid.cells()
    assert (executed.row(), executed.column()) in cells
    assert {(executed.row(), rate), (executed.row(), score)} <= cells
    assert len(cells) < funding.rowCount() * funding.columnCount()
    assert BACKGROUND in grid.roles_of(executed.row(), executed.column())  # its W3 mark went
    assert table.items == []  # no indicator cell changed
    grid.items.clear()
    assert not funding.setData(executed, "1905200.00")  # unchanged: no step, no signal
    assert grid.items == []


def test_a_paste_of_three_rows_is_one_step_announced_once(session, evaluation):
    model, _ = evaluation
    finished, analysed = [], []
    session.stepFinished.connect(lambda: finished.append(1))
    session.analysisChanged.connect(lambda form_id: analysed.append(form_id))
    table = Emissions(model)
    depth = session.undo_stack.count()
    text = "新指标甲\t≥95%\t96%\t2\n新指标乙\t=3 个\t3 个\t2\n新指标丙\t及时\t及时\t2\n"
    assert paste(model, 1, model.column_of("level3"), text) == 12
    assert session.undo_stack.count() == depth + 1
    assert len(finished) == 1
    assert analysed.count(model.form_id) == 1
    first = model.column_of("level3")
    assert {(r, c) for r in range(1, 4) for c in range(first, first + 4)} <= table.cells()
    assert all(top == bottom and left == right for top, left, bottom, right, _ in table.items)
    assert [ind.level3 for ind in model.indicators[1:4]] == ["新指标甲", "新指标乙", "新指标丙"]
    finished.clear()
    assert session.undo()
    assert len(finished) == 1 and model.indicators[1].level3 != "新指标甲"


def test_confirming_carried_values_repaints_the_tinted_cells(session):
    ws = session.workspace
    apply_plan(ws, plan_rollforward(ws, ws, session.registry, FormKind.DECLARATION, 2022, 2023,
                                    projects=["补充日常经费"]))
    model = IndicatorTableModel(session)
    model.set_form(form_id_of(session, "补充日常经费", 2023))
    row = next(i for i, ind in enumerate(model.indicators) if is_carried(ind, "target"))
    target = model.column_of("target")
    tinted = {(row, model.column_of(attr)) for attr in ("level3", "target", "weight")
              if is_carried(model.indicator_at(row), attr) and model.column_of(attr) >= 0}
    table = Emissions(model)
    plan = model.plan_cells([(row, "provenance", "")], "确认结转值")
    assert model.run_plan(plan, "确认结转值") == 1
    assert model.index(row, target).data(Qt.ItemDataRole.BackgroundRole) is None
    assert tinted <= table.cells() and BACKGROUND in table.roles_of(row, target)
    assert all(cell[0] == row for cell in table.cells())  # only that row


def test_last_years_cell_follows_an_edit_of_last_years_form(session):
    model = IndicatorTableModel(session)
    model.set_form(form_id_of(session, "补充日常经费", 2026))
    model.set_show_last_year(True)
    row = 1
    last_actual = model.column_of(LAST_ACTUAL)
    assert model.index(row, last_actual).data() == "100%"
    old_form = session.form(form_id_of(session, "补充日常经费", 2022))
    name = model.indicator_at(row).level3
    old_row = next(ind for ind in old_form.indicators if ind.level3 == name)
    table = Emissions(model)
    assert session.push(SetIndicatorCommand(session.workspace, old_form.id, old_row.id, "actual", "98%", "改上年"))
    assert (row, last_actual) in table.cells()
    assert all(cell[0] == row for cell in table.cells())
    assert model.index(row, last_actual).data() == "98%"


def test_issue_list_is_worked_out_once_per_step_and_not_for_other_forms(session):
    issues = IssueListModel(session)
    form_id = form_id_of(session, "补充日常经费")
    issues.set_scope(form_id)
    refreshes = []
    issues.refreshed.connect(lambda: refreshes.append(1))
    other = session.form(form_id_of(session, "补充公积金"))
    assert session.push(SetIndicatorCommand(session.workspace, other.id, other.indicators[0].id, "reason", "别处",
                                            "改别处"))
    assert refreshes == []  # another project's form: nothing to do
    form = session.form(form_id)
    assert session.push(SetIndicatorCommand(session.workspace, form_id, form.indicators[0].id, "target", "=1",
                                            "改"))  # E8: no unit
    assert refreshes == [1]  # the step re-analysed two forms of the project; one refresh
    assert any(issue.code == "E8" and issue.location.item_id == form.indicators[0].id
               for _, issue in (issues.issue_at(r) for r in range(issues.rowCount())))
    errors = [i for i in session.analysis(form_id).issues if i.severity is Severity.ERROR]
    assert issues.counts[Severity.ERROR] == len(errors) >= 1


def test_totals_follow_without_a_whole_table_refresh(session, evaluation):
    model, _ = evaluation
    table = Emissions(model)
    weight = model.column_of("weight")
    assert model.setData(model.index(0, weight), "9")
    assert session.analysis(model.form_id).score.weight_total == Decimal(105)
    assert (0, weight) in table.cells()
    assert len(table.cells()) < model.columnCount() * 2  # a few cells, not the table


def test_renaming_the_project_repaints_the_issue_lists_form_column(session):
    from perfdesk.editing.commands import RenameProjectCommand

    issues = IssueListModel(session)
    form_id = form_id_of(session, "补充日常经费")
    issues.set_scope(form_id)
    assert issues.rowCount() > 0
    changed = Emissions(issues)
    project_id = session.form(form_id).project_id
    assert session.push(RenameProjectCommand(session.workspace, project_id, "补充日常经费（新）", "改名"))
    assert {column for _, column in changed.cells()} == {2}
    assert issues.index(0, 2).data().startswith("补充日常经费（新）")
