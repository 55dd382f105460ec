"""Overrides are deliberate and every remedy is one click: the issues panel's 修复, the cell's
context menu, and the 评分说明 under the table."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemDelegate

from perfdesk.domain.validation import (
    ADD_UNIT,
    BUDGET_COMPUTED,
    MARK_ADJUSTED,
    RESTORE_DECLARED,
    TOTAL_COMPUTED,
    UNMARK_ADJUSTED,
    USE_COMPUTED,
    Fix,
)
from perfdesk.editing.commands import set_form_score_command
from perfdesk.editing.fixes import apply_fix, with_unit
from perfdesk.editing.indicator_model import Role
from perfdesk.domain.model import OverrideNote
from perfdesk.store import FileStore
from perfdesk.ui.dialogs import Ask

from .conftest import open_form


def on_disk(path, form_id):
    with FileStore.open(path, read_only=True) as store:
        return store.workspace.forms[form_id]


def overridden_row(window, form_id):
    form = window.session.form(form_id)
    return next(i for i in form.indicators if i.score is not None)


def test_use_computed_from_the_issues_panel(window, demo_path):
    form_id = open_form(window, "补充日常经费")
    indicator = overridden_row(window, form_id)  # the published 4 against the rule's 5.29
    panel = window.issues
    row = next(r for r in range(panel.model.rowCount())
               if panel.model.issue_at(r)[1].location.item_id == indicator.id
               and any(f.kind == USE_COMPUTED for f in panel.model.issue_at(r)[1].fixes))
    panel.view.setCurrentIndex(panel.model.index(row, 0))
    assert panel.fix_button.isEnabled() and "采用计算得分" in panel.fix_button.text()
    fix = next(f for f in panel.fixes_at(row) if f.kind == USE_COMPUTED)
    total_before = window.session.analysis(form_id).score.total
    panel.request_fix(row, fix)
    assert window.session.form(form_id).indicator(indicator.id).score is None
    assert on_disk(demo_path, form_id).indicator(indicator.id).score is None
    assert window.session.analysis(form_id).score.total != total_before  # 4 → 5.29 counts now
    window.undo_action.trigger()  # one step
    assert on_disk(demo_path, form_id).indicator(indicator.id).score == 4


def test_every_fix_kind_is_one_undoable_step(window, demo_path, monkeypatch):
    session = window.session
    form_id = open_form(window, "补充日常经费")
    form = session.form(form_id)
    first, second = form.indicators[0], form.indicators[1]
    first_target = first.target.raw
    ws = session.workspace
    session.push(set_form_score_command(ws, form_id, "total", Decimal(90), "人工总分",
                                        OverrideNote("复核后确定", "2026-12-01T10:00:00", Decimal("94.81"))))
    session.push(set_form_score_command(ws, form_id, "budget_score", Decimal(6), "人工预算得分"))
    cases = [
        (Fix(TOTAL_COMPUTED, "总分按计算"), lambda f: f.total is None and f.total_note is None),
        (Fix(BUDGET_COMPUTED, "预算执行率得分按计算"), lambda f: f.budget_score is None),
        (Fix(ADD_UNIT, "补充单位", first.id, "次"),
         lambda f: f.indicator(first.id).target.raw == with_unit(first_target, "次")),
        (Fix(RESTORE_DECLARED, "按申报值恢复", second.id, "≥99(%)"),
         lambda f: f.indicator(second.id).target.raw == "≥99(%)"),
        (Fix(MARK_ADJUSTED, "标记为已调整", second.id),
         lambda f: f.indicator(second.id).adjusted and "年中调整" in f.indicator(second.id).reason),
        (Fix(UNMARK_ADJUSTED, "取消已调整", second.id), lambda f: not f.indicator(second.id).adjusted),
    ]
    for fix, holds in cases:
        steps = session.undo_stack.count()
        assert apply_fix(session, form_id, fix, ask_reason=lambda prompt: "年中调整")
        assert session.undo_stack.count() == steps + 1, fix.kind
        assert holds(on_disk(demo_path, form_id)), fix.kind
    # A reason is asked where the fix needs one; cancelling changes nothing.
    steps = session.undo_stack.count()
    assert not apply_fix(session, form_id, Fix(MARK_ADJUSTED, "标记为已调整", first.id), ask_reason=lambda p: None)
    assert session.undo_stack.count() == steps and not on_disk(demo_path, form_id).indicator(first.id).adjusted


def test_context_menu_offers_override_actions_and_the_cells_fixes(window):
    form_id = open_form(window, "补充日常经费")
    panel = window.editor.indicator_panel
    model = panel.model
    indicator = overridden_row(window, form_id)
    row = model.row_of(indicator.id)
    labels = [entry[0] for entry in panel.context_actions(model.index(row, model.column_of("score"))) if entry]
    assert "采用计算得分" in labels and "人工评定得分…" in labels and "评分说明" in labels
    plain = next(r for r in range(model.rowCount()) if model.indicator_at(r).score is None)
    labels = [entry[0] for entry in panel.context_actions(model.index(plain, model.column_of("score"))) if entry]
    assert "采用计算得分" not in labels
    panel.view.setCurrentIndex(model.index(row, model.column_of("score")))
    panel.view.selectRow(row)
    assert panel.use_computed()
    assert window.session.form(form_id).indicator(indicator.id).score is None


def test_explanation_shows_the_override_and_the_rule(window):
    form_id = open_form(window, "补充日常经费")
    panel = window.editor.indicator_panel
    model = panel.model
    indicator = overridden_row(window, form_id)
    row = model.row_of(indicator.id)
    text = panel.explanation_text(row)
    assert "人工评定：4" in text and "5.29" in text and "发布表中的原值" in text
    panel.view.setCurrentIndex(model.index(row, model.column_of("score")))
    assert panel.explanation.isVisible() and "评分说明" in panel.explanation.text()
    assert model.index(row, model.column_of("score")).data(Role.OVERRIDE).reason == "发布表中的原值"


def test_typing_a_score_asks_for_a_reason_and_cancel_keeps_the_rule(window, demo_path, monkeypatch):
    form_id = open_form(window, "补充日常经费")
    model = window.editor.indicator_model
    row = next(r for r in range(model.rowCount()) if model.indicator_at(r).score is None
               and model.indicator_at(r).weight)
    score = model.index(row, model.column_of("score"))
    shown = score.data()
    monkeypatch.setattr(Ask, "text", classmethod(lambda cls, parent, title, label, value="": None))
    assert not model.setData(score, "0.5") and score.data() == shown
    monkeypatch.setattr(Ask, "text", classmethod(lambda cls, parent, title, label, value="": "抽查发现问题"))
    assert model.setData(score, "0.5")
    saved = on_disk(demo_path, form_id).indicator(model.indicator_at(row).id)
    assert saved.score == Decimal("0.5") and saved.score_note.reason == "抽查发现问题"
    assert saved.score_note.computed == Decimal(shown)


def test_total_override_is_explicit_with_a_reason_and_prints(window, demo_path, monkeypatch):
    bar = window.editor.totals
    assert window.session.form(window.editor.form_id).kind.value == "declaration"
    assert bar.total_button.isHidden()  # a declaration has no 总分: no empty button either
    form_id = open_form(window, "补充日常经费")
    assert bar.total_button.text() == "人工确定总分…" and bar.total_button.isVisible()
    answers = iter(["90", "专家组复核意见"])
    monkeypatch.setattr(Ask, "text", classmethod(lambda cls, parent, title, label, value="": next(answers)))
    assert bar.toggle_total_override()
    saved = on_disk(demo_path, form_id)
    assert saved.total == 90 and saved.total_note.reason == "专家组复核意见"
    assert saved.total_note.computed == Decimal("94.81")
    assert "总分 90（人工确定" in bar.score.text() and bar.total_button.text() == "总分按计算"
    assert window.session.analysis(form_id).score.total == 90
    assert bar.toggle_total_override()  # 总分按计算
    assert on_disk(demo_path, form_id).total is None
    assert "总分 94.81" in bar.score.text()


def test_grade_picker_shows_bands_with_their_scores_and_the_choice_moves_the_score(window, qtbot):
    from PySide6.QtWidgets import QComboBox

    from perfdesk.editing.indicator_model import GRADE
    from perfdesk.ui.indicator_view import grade_choices

    form_id = open_form(window, "补充日常经费")
    model = window.editor.indicator_model
    view = window.editor.indicator_panel.view
    row = next(r for r in range(model.rowCount())
               if model.flags(model.index(r, model.column_of(GRADE))) & Qt.ItemFlag.ItemIsEditable
               and model.indicator_at(r).weight)
    choices = grade_choices(model, row)
    assert choices and all("–" in text and "计" in text for _, text in choices)
    band, text = choices[1] if len(choices) > 1 else choices[0]
    index = model.index(row, model.column_of(GRADE))
    view.setCurrentIndex(index)
    view.edit(index)
    editor = view.indexWidget(index)
    assert isinstance(editor, QComboBox) and editor.findText(text) >= 0
    editor.setCurrentIndex(editor.findText(text))
    view.commitData(editor)
    view.closeEditor(editor, QAbstractItemDelegate.EndEditHint.NoHint)
    indicator = model.indicator_at(row)
    assert indicator.grade == band.key
    if indicator.score is None:  # not overridden: the band's score counts
        assert window.session.analysis(form_id).score.rows[indicator.id].score == band.score


def test_a_refused_number_says_why_in_the_status_bar(window):
    open_form(window, "补充日常经费")
    model = window.editor.indicator_model
    said = []
    window.editor.message.connect(said.append)
    weight = model.index(0, model.column_of("weight"))
    before = weight.data()
    assert not model.setData(weight, "1e999999999")
    assert weight.data() == before and said and "未保存" in said[-1]
    _, funding, _ = window.editor.funding[0]
    executed = funding.cell_of("total.executed")
    assert not funding.setData(executed, "NaN")
    assert len(said) == 2 and "未保存" in said[-1]


def test_computed_score_and_budget_tooltips_show_the_working(window):
    from perfdesk.editing.indicator_model import COMPUTED

    open_form(window, "补充日常经费")
    model = window.editor.indicator_model
    row = next(r for r in range(model.rowCount()) if model.indicator_at(r).level3 == "临时工社保公积金缴纳覆盖人数")
    tip = model.index(row, model.column_of(COMPUTED)).data(Qt.ItemDataRole.ToolTipRole)
    assert "6.17 ÷ 7 × 6 = 5.29" in tip
    _, funding, _ = window.editor.funding[0]
    executed = funding.cell_of("total.executed")
    score = funding.index(executed.row(), funding.columnCount() - 1)
    tip = score.data(Qt.ItemDataRole.ToolTipRole)
    assert "68.12%" in tip and "6.81" in tip
