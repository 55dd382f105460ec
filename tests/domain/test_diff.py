"""对比: perfdesk/domain/diff.py on hand-made pairs — each lists exactly its changes."""

from __future__ import annotations

import copy
from decimal import Decimal

from perfdesk.domain import diff
from perfdesk.domain import snapshot as snapshots
from perfdesk.domain.model import Indicator
from perfdesk.domain.provenance import Provenance
from perfdesk.domain.values import parse

from ..conftest import form_named


def _pair(demo_ws, registry, change):
    """(old form, new form, old scores, new scores, definition) after `change(ws, form)`."""
    form = form_named(demo_ws, "补充日常经费", 2022)
    definition = registry.get(form.definition_id)
    old = copy.deepcopy(form)
    old_scores = snapshots.score_summary(old, definition)
    change(demo_ws, form)
    return old, form, old_scores, snapshots.score_summary(form, definition), definition


def _kinds(changes):
    return [(c.kind, c.key) for c in changes]


def test_no_change_lists_nothing(demo_ws, registry):
    old, new, a, b, d = _pair(demo_ws, registry, lambda ws, f: None)
    assert diff.diff_forms(old, new, a, b, definition=d) == []


def test_value_change_lists_the_cell_its_score_and_the_total(demo_ws, registry):
    def change(ws, form):
        ws.set_indicator(form.id, form.indicators[2].id, "actual", "50%")

    old, new, a, b, d = _pair(demo_ws, registry, change)
    changes = diff.diff_forms(old, new, a, b, definition=d)
    assert _kinds(changes) == [("cell", "actual"), ("row_score", "score"), ("total", None)]
    cell, row, total = changes
    assert (cell.old, cell.new, cell.item_id, cell.new_position) == ("100%", "50%", new.indicators[2].id, 2)
    assert "实际完成值" in cell.where and "第 3 行" in cell.where
    assert (row.old, row.new) == ("4", "2")
    assert (total.old, total.new) == ("94.81", "92.81")


def test_row_moved_is_one_move_and_nothing_else(demo_ws, registry):
    def change(ws, form):
        ws.move_indicator(form.id, form.indicators[0].id, 4)

    old, new, a, b, d = _pair(demo_ws, registry, change)
    changes = diff.diff_forms(old, new, a, b, definition=d)
    assert _kinds(changes) == [("row_moved", None)]
    assert (changes[0].old_position, changes[0].new_position) == (0, 4)
    assert "从第 1 行移到第 5 行" in changes[0].text()


def test_row_added_lists_only_the_row(demo_ws, registry):
    def change(ws, form):
        ws.insert_indicator(form.id, 3, Indicator(level1="产出指标", level2="数量指标", level3="新增指标",
                                                  target=parse("≥1项"), actual=parse("1项"),
                                                  weight=Decimal(0)))

    old, new, a, b, d = _pair(demo_ws, registry, change)
    changes = diff.diff_forms(old, new, a, b, definition=d)
    assert _kinds(changes) == [("row_added", None)]
    assert changes[0].new_position == 3 and "新增指标" in changes[0].where


def test_row_removed(demo_ws, registry):
    def change(ws, form):
        ws.remove_indicator(form.id, form.indicators[2].id)

    old, new, a, b, d = _pair(demo_ws, registry, change)
    changes = diff.diff_forms(old, new, a, b, definition=d)
    assert [c.kind for c in changes][0] == "row_removed"
    assert changes[0].old_position == 2
    assert {c.kind for c in changes} <= {"row_removed", "weight_total", "total", "grade"}


def test_score_override_lists_the_entered_score_and_the_total(demo_ws, registry):
    def change(ws, form):
        ws.set_indicator(form.id, form.indicators[2].id, "score", Decimal(3))

    old, new, a, b, d = _pair(demo_ws, registry, change)
    changes = diff.diff_forms(old, new, a, b, definition=d)
    assert _kinds(changes) == [("cell", "score"), ("total", None)]
    assert (changes[0].old, changes[0].new) == ("", "3")
    assert (changes[1].old, changes[1].new) == ("94.81", "93.81")


def test_field_and_amount_changes_use_the_form_wording(demo_ws, registry):
    def change(ws, form):
        ws.set_field(form.id, "goal_actual", "新的完成情况")
        ws.set_amount(form.id, "total.executed", Decimal("1000"))

    old, new, a, b, d = _pair(demo_ws, registry, change)
    changes = diff.diff_forms(old, new, a, b, definition=d)
    kinds = _kinds(changes)
    assert kinds[:2] == [("field", "goal_actual"), ("amount", "total.executed")]
    assert "实际完成情况" in changes[0].where and "全年执行数" in changes[1].where
    assert {"rate", "budget_score", "total"} <= {c.kind for c in changes[2:]}


def test_rolled_forward_rows_pair_with_their_origin(demo_ws, registry):
    form = form_named(demo_ws, "补充日常经费", 2022)
    old = copy.deepcopy(form)
    new = copy.deepcopy(form)
    new.id = "next-year"
    for ind in new.indicators:
        origin = ind.id
        ind.id = "n-" + origin
        ind.level3 = ind.level3 + "（新）"  # names differ: only the provenance pairs them
        ind.provenance = Provenance(form_id=old.id, indicator_id=origin, year=2022, kind="self-evaluation",
                                    rule="keep").to_text()
    changes = diff.diff_forms(old, new)
    assert {c.kind for c in changes} == {"cell"}
    assert {c.key for c in changes} == {"level3"}


def test_sides_list_forms_added_and_removed(demo_ws, registry):
    ws = demo_ws
    a = form_named(ws, "补充日常经费", 2022)
    b = form_named(ws, "补充公积金", 2022)
    old = diff.current_side(ws, [a.id], registry.get)
    new = diff.current_side(ws, [b.id], registry.get)
    changes = diff.diff_sides(old, new, registry.get)
    assert [(c.kind, c.form_id) for c in changes] == [("form_added", b.id), ("form_removed", a.id)]


def test_diff_json_is_plain_data(demo_ws, registry):
    def change(ws, form):
        ws.set_indicator(form.id, form.indicators[2].id, "actual", "50%")

    old, new, a, b, d = _pair(demo_ws, registry, change)
    data = [c.as_dict() for c in diff.diff_forms(old, new, a, b, definition=d)]
    assert data[0]["new_row"] == 3 and data[0]["text"].endswith("“100%” → “50%”")
