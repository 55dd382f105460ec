"""定稿 through the editing session: finalising is no undo step, an edit of a finalised form asks
to 撤回定稿 (with a reason) on every edit path, and a snapshot survives undo, roll forward and
import byte for byte. perfdesk/editing/session.py with perfdesk/domain/snapshot.py."""

from __future__ import annotations

import pytest

from perfdesk.app import create_application
from perfdesk.cli import write_demo
from perfdesk.domain.model import FINALISED, WITHDRAWN
from perfdesk.domain.rollforward import plan_self_evaluations
from perfdesk.editing.commands import SetIndicatorCommand
from perfdesk.editing.rollforward_commands import ApplyImportCommand, ApplyPlanCommand
from perfdesk.editing.session import EditSession
from perfdesk.store import FileStore

from ..store.test_file import query


@pytest.fixture
def session(tmp_path):
    create_application()
    path = write_demo(tmp_path / "demo.perfdesk")
    session = EditSession(FileStore.open(path))
    yield session
    session.close()


def _disk_snapshots(path):
    return query(path, "SELECT id, name, at, note, year, scope, forms, content FROM snapshot ORDER BY id")


def _form(session, year=2022):
    ws = session.workspace
    return next(f for f in ws.forms.values() if f.year == year and ws.project_name(f) == "补充日常经费")


def _edit(session, form, text="55%"):
    row = form.indicators[2]
    return SetIndicatorCommand(session.workspace, form.id, row.id, "actual", text, "修改实际完成值")


def test_finalise_is_no_undo_step_and_announces_itself(session, qtbot):
    with qtbot.waitSignal(session.finalsChanged):
        snap = session.finalise(2022, None, "三月报送")
    assert snap is not None and session.undo_stack.count() == 0
    assert len(_disk_snapshots(session.store.path)) == 1
    assert session.finalise(2022, None, "再来一次") is None  # nothing left: refused, said why
    assert "没有可以定稿的表" in session.last_error


def test_editing_a_finalised_form_is_refused_without_a_reason(session):
    form = _form(session)
    session.finalise(2022, form.project_id, "报送")
    before = query(session.store.path, "SELECT actual FROM indicator WHERE form_id = ?", (form.id,))
    asked = []
    session.ask_withdraw = lambda form_ids, text: asked.append((form_ids, text)) or None
    failures = []
    session.finalRefused.connect(lambda text, message: failures.append(message))
    assert not session.push(_edit(session, form))
    assert asked == [([form.id], "修改实际完成值")]
    assert failures and "已定稿" in failures[-1]
    assert form.indicators[2].actual.raw == "100%" and session.undo_stack.count() == 0
    assert query(session.store.path, "SELECT actual FROM indicator WHERE form_id = ?", (form.id,)) == before
    assert session.workspace.is_final(form.id) and session.all_saved


def test_a_reason_withdraws_and_the_edit_goes_through(session):
    form = _form(session)
    snap = session.finalise(2022, form.project_id, "报送")
    session.ask_withdraw = lambda form_ids, text: "财政局要求修改"
    assert session.push(_edit(session, form))
    assert form.indicators[2].actual.raw == "55%" and not session.workspace.is_final(form.id)
    assert [(e.what, e.reason) for e in session.workspace.final_history(form.id)] == [
        (FINALISED, ""), (WITHDRAWN, "财政局要求修改")]
    assert query(session.store.path, "SELECT what, reason FROM final_log ORDER BY position") == [
        ("finalised", ""), ("withdrawn", "财政局要求修改")]
    assert session.store.snapshot_content(snap.id).form(form.id).indicators[2].actual.raw == "100%"


def test_paste_like_macros_are_covered_too(session):
    form = _form(session)
    session.finalise(2022, form.project_id, "报送")
    with session.macro("粘贴") as builder:
        builder.do(_edit(session, form, "1%"))
    assert builder.ok is False and form.indicators[2].actual.raw == "100%"
    assert session.all_saved and session.undo_stack.count() == 0


def test_snapshot_survives_undo_redo_of_earlier_steps(session):
    form = _form(session)
    assert session.push(_edit(session, form, "80%"))
    snap = session.finalise(2022, form.project_id, "报送")
    disk = _disk_snapshots(session.store.path)
    assert not session.undo()  # the step is in a finalised form: refused (no reason given)
    assert form.indicators[2].actual.raw == "80%"
    session.ask_withdraw = lambda form_ids, text: "撤销修改"
    assert session.undo() and form.indicators[2].actual.raw == "100%"
    assert session.redo() and form.indicators[2].actual.raw == "80%"
    assert _disk_snapshots(session.store.path) == disk
    assert session.store.snapshot_content(snap.id).form(form.id).indicators[2].actual.raw == "80%"


def test_snapshot_survives_roll_forward_and_its_undo(session):
    snap = session.finalise(2022, None, "报送")
    disk = _disk_snapshots(session.store.path)
    ws = session.workspace
    plan = plan_self_evaluations(ws, ws, session.registry, 2026)
    assert plan.to_create
    assert session.push(ApplyPlanCommand(ws, plan))
    assert session.undo() and session.redo()
    assert _disk_snapshots(session.store.path) == disk
    assert session.store.snapshot_blob(snap.id) == snap.blob


def test_snapshot_survives_import(session, tmp_path):
    from perfdesk.importing import import_files, plan_import

    from ..importing.handmade import save_xlsx, selfeval_layout

    snap = session.finalise(2022, None, "报送")
    disk = _disk_snapshots(session.store.path)
    source = _form(session)
    path = tmp_path / "新.xlsx"
    save_xlsx(path, [("新项目", selfeval_layout(source, "新导入项目"))])
    ws = session.workspace
    plan = plan_import(ws, import_files([path], session.registry))
    assert plan.to_create
    assert session.push(ApplyImportCommand(ws, plan))
    assert session.undo()
    assert _disk_snapshots(session.store.path) == disk
    assert session.store.snapshot_blob(snap.id) == snap.blob


def test_the_navigator_says_which_forms_are_finalised_and_stops_when_withdrawn(session, qtbot):
    from PySide6.QtCore import Qt

    from perfdesk.editing.outline_model import OutlineModel

    model = OutlineModel(session)
    form = _form(session)
    index = model.index_of_form(form.id)
    assert model.data(index) == "绩效自评表"
    changed = []
    model.dataChanged.connect(lambda first, last, roles: changed.append(first))
    session.finalise(2022, None, "三月报送")
    assert model.data(index) == "绩效自评表（已定稿）"
    assert model.data(index, Qt.ItemDataRole.ToolTipRole).startswith("已定稿")
    assert changed  # the tree was told to draw it again
    other = next(f for f in session.workspace.forms.values() if f.year == 2026)
    assert model.data(model.index_of_form(other.id)) == "绩效目标申报表"  # 2026 not finalised
    assert session.withdraw([form.id], "发现错别字")
    assert model.data(index) == "绩效自评表"
