"""定稿 snapshots and 已定稿 marks in the domain: perfdesk/domain/snapshot.py and the guards of
perfdesk/domain/model.py."""

from __future__ import annotations

from decimal import Decimal

import pytest

from perfdesk.domain import snapshot as snapshots
from perfdesk.domain.model import FINALISED, WITHDRAWN, FinalisedError, Indicator
from perfdesk.domain.snapshot import SnapshotError

from ..conftest import form_named


def _year_forms(ws, year=2022):
    return [f for f in ws.forms.values() if f.year == year]


def test_snapshot_holds_every_form_exactly_and_its_scores(demo_ws, registry):
    forms = _year_forms(demo_ws)
    snap = snapshots.build(demo_ws, forms, registry.get, name="报送", note="三月报送", year=2022, scope="year")
    content = snapshots.decode(snap.blob)
    assert content.form_ids == [f.id for f in forms]
    for form in forms:
        assert content.form(form.id) == form  # every field, amount, row, note and id
        assert content.workspace.project_name(content.form(form.id)) == demo_ws.project_name(form)
    form = form_named(demo_ws, "补充日常经费", 2022)
    kept = content.scores[form.id]
    assert kept["total"] == "94.81" and kept["grade"] == "优" and kept["budget_score"] == "6.81"
    assert snap.size == len(snap.blob) and snap.form_ids == tuple(f.id for f in forms)


def test_encoding_is_canonical_and_round_trips_byte_for_byte(demo_ws, registry):
    forms = _year_forms(demo_ws)
    one = snapshots.build(demo_ws, forms, registry.get, name="a", note="", year=2022, scope="year",
                          at="2026-03-01T10:00:00", snapshot_id="s1")
    two = snapshots.build(demo_ws.snapshot(), forms, registry.get, name="a", note="", year=2022, scope="year",
                          at="2026-03-01T10:00:00", snapshot_id="s1")
    assert one.blob == two.blob
    assert snapshots.encode(snapshots.decode_payload(one.blob)) == one.blob


def test_snapshot_is_compact(demo_ws, registry):
    forms = _year_forms(demo_ws)
    snap = snapshots.build(demo_ws, forms, registry.get, name="a", note="", year=2022, scope="year")
    # 14 self-evaluations with about 12 rows each: well under 3 KB a form
    assert snap.size < 3000 * len(forms)


def test_damaged_blob_is_a_chinese_refusal():
    with pytest.raises(SnapshotError, match="损坏"):
        snapshots.decode(b"not zlib")


def test_finalise_marks_the_forms_and_refuses_their_edits(demo_ws, registry):
    ws = demo_ws
    form = form_named(ws, "补充日常经费", 2022)
    other = form_named(ws, "补充日常经费", 2026)
    snap = snapshots.finalise(ws, snapshots.forms_to_finalise(ws, 2022), registry.get, note="报送", year=2022,
                              scope="year", at="2026-03-01T10:00:00")
    assert set(ws.finals) == {f.id for f in _year_forms(ws)}
    assert ws.snapshots[snap.id] is snap and snap.name.startswith("2022年度 定稿")
    before = ws.snapshot().forms[form.id]
    row = form.indicators[0]
    refusals = [
        lambda: ws.set_field(form.id, "goal_actual", "改"),
        lambda: ws.set_amount(form.id, "total.executed", Decimal(1)),
        lambda: ws.set_indicator(form.id, row.id, "actual", "9876"),
        lambda: ws.set_budget_score(form.id, Decimal(1)),
        lambda: ws.set_total(form.id, Decimal(1)),
        lambda: ws.insert_indicator(form.id, 0, Indicator(level3="新")),
        lambda: ws.remove_indicator(form.id, row.id),
        lambda: ws.move_indicator(form.id, row.id, 3),
        lambda: ws.replace_indicators(form.id, []),
        lambda: ws.remove_form(form.id),
        lambda: ws.set_form_year(form.id, 2023),
        lambda: ws.rename_project(form.project_id, "新名"),
        lambda: ws.remove_project(form.project_id),
    ]
    for attempt in refusals:
        with pytest.raises(FinalisedError, match="已定稿") as info:
            attempt()
        assert info.value.form_ids == [form.id]  # the project's 2026 declaration is not final
    assert ws.forms[form.id] == before
    assert form.id in ws.forms and other.id in ws.forms  # remove_project took nothing
    # the 2026 declaration of the same project is not final
    assert ws.set_field(other.id, "goal_annual", "改")


def test_withdraw_needs_a_reason_and_is_logged(demo_ws, registry):
    ws = demo_ws
    form = form_named(ws, "补充日常经费", 2022)
    snap = snapshots.finalise(ws, [form], registry.get, note="", year=2022, scope="project")
    with pytest.raises(ValueError, match="原因"):
        ws.withdraw([form.id], "  ", "2026-03-02T09:00:00")
    assert ws.is_final(form.id)
    [event] = ws.withdraw([form.id], "财政局退回修改", "2026-03-02T09:00:00")
    assert not ws.is_final(form.id)
    assert ws.set_field(form.id, "goal_actual", "改后")
    history = ws.final_history(form.id)
    assert [(e.what, e.snapshot_id, e.reason) for e in history] == [
        (FINALISED, snap.id, ""), (WITHDRAWN, snap.id, "财政局退回修改")]
    assert event == history[-1]
    # the snapshot still holds the form as it was handed in
    assert snapshots.decode(snap.blob).form(form.id).field("goal_actual") != "改后"


def test_finalise_with_nothing_left_is_refused(demo_ws, registry):
    ws = demo_ws
    snapshots.finalise(ws, snapshots.forms_to_finalise(ws, 2022), registry.get, note="", year=2022, scope="year")
    assert snapshots.forms_to_finalise(ws, 2022) == []
    with pytest.raises(ValueError, match="没有可以定稿的表"):
        snapshots.finalise(ws, [], registry.get, note="", year=2022, scope="year")


def test_workspace_copy_keeps_the_marks(demo_ws, registry):
    ws = demo_ws
    form = form_named(ws, "补充日常经费", 2022)
    snapshots.finalise(ws, [form], registry.get, note="", year=2022, scope="project")
    copied = ws.snapshot()
    assert copied.finals == ws.finals and copied.snapshots == ws.snapshots
    with pytest.raises(FinalisedError):
        copied.set_field(form.id, "goal_actual", "x")


def test_find_snapshot_by_id_prefix_or_name(demo_ws, registry):
    ws = demo_ws
    form = form_named(ws, "补充日常经费", 2022)
    snap = snapshots.finalise(ws, [form], registry.get, note="", year=2022, scope="project", name="三月报送")
    assert snapshots.find_snapshot(ws, snap.id) is snap
    assert snapshots.find_snapshot(ws, snap.id[:8]) is snap
    assert snapshots.find_snapshot(ws, "三月报送") is snap
    assert snapshots.find_snapshot(ws, "没有") is None
    assert snapshots.snapshots_of_form(ws, form.id) == [snap]


def test_a_project_change_names_every_finalised_form_at_once(demo_ws, registry):
    ws = demo_ws
    forms = [form_named(ws, "补充日常经费", 2022), form_named(ws, "补充日常经费", 2026)]
    snapshots.finalise(ws, forms, registry.get, note="", year=2022, scope="project")
    with pytest.raises(FinalisedError, match="2 张表已定稿") as info:
        ws.rename_project(forms[0].project_id, "新名")
    assert sorted(info.value.form_ids) == sorted(f.id for f in forms)
    assert ws.projects[forms[0].project_id].name == "补充日常经费"
