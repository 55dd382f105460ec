"""Honest saving: every user action is one transaction; when the file refuses it, nothing of
it remains — not in the file, not on screen, not on the undo stack — and the user is told
why in Chinese. Only a commit that succeeded is announced as saved.

Each kind of step (and its undo and its redo) is run with a write failure injected at its
1st write statement, then its 2nd, … until it runs through: so every write position of the
step is tried, each with one of the four ways a disk refuses (full, locked, read-only, I/O
error, in turn). After each failure the document in memory must equal what a separate
reader finds in the file; after the last (fault-free) run the step must be in the file.
"""

from __future__ import annotations

import copy
import errno
import sqlite3
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Callable

import pytest

from perfdesk.cli import write_demo
from perfdesk.domain.definition import FormKind
from perfdesk.domain.model import Form, Indicator, Project, blank_form, new_id
from perfdesk.domain.rollforward import plan_self_evaluations
from perfdesk.domain.weights import EVEN, distribute, group_rows
from perfdesk.editing.clipboard import paste
from perfdesk.editing.commands import (
    AddFormsCommand,
    InsertIndicatorsCommand,
    MoveIndicatorsCommand,
    RemoveFormsCommand,
    RemoveIndicatorsCommand,
    RenameProjectCommand,
    SetIndicatorCommand,
    set_amount_command,
    set_field_command,
)
from perfdesk.editing.indicator_model import IndicatorTableModel
from perfdesk.editing.rollforward_commands import ApplyImportCommand, ApplyPlanCommand
from perfdesk.editing.session import EditSession
from perfdesk.importing.importer import ImportedForm, ImportResult, plan_import
from perfdesk.store import FileStore, ReadOnlyError, describe_write_error
from tests.store.faults import BUSY, FAULTS, FULL, IOERR, READONLY, canonical, failing_writes, file_dump, \
    first_difference

SAVED_TEXT = "文件仍是上一次成功保存时的内容"


# -- set-up ----------------------------------------------------------------------------------
@dataclass
class Ctx:
    path: Path
    session: EditSession
    model: IndicatorTableModel
    form_id: str  # 补充日常经费 2022 (self-evaluation, 16 rows); its project also has a 2026 form
    extra: dict = field(default_factory=dict)

    @property
    def ws(self):
        return self.session.workspace

    @property
    def registry(self):
        return self.session.registry

    def form_of(self, project: str, year: int) -> str:
        ws = self.ws
        return next(f.id for f in ws.forms.values() if ws.project_name(f) == project and f.year == year)

    def ids(self, *rows: int) -> list[str]:
        indicators = self.ws.forms[self.form_id].indicators
        return [indicators[r].id for r in rows]


@pytest.fixture
def ctx(tmp_path, qapp):
    path = write_demo(tmp_path / "demo.perfdesk")
    session = EditSession(FileStore.open(path))
    model = IndicatorTableModel(session)
    ws = session.workspace
    form_id = next(f.id for f in ws.forms.values() if ws.project_name(f) == "补充日常经费" and f.year == 2022)
    model.set_form(form_id)
    yield Ctx(path, session, model, form_id)
    session.close()


class Watch:
    """Counts `saved` and records `saveFailed` of a session."""

    def __init__(self, session: EditSession):
        self.saved = 0
        self.failed: list[tuple[str, str]] = []
        session.saved.connect(self._on_saved)
        session.saveFailed.connect(self._on_failed)

    def _on_saved(self) -> None:
        self.saved += 1

    def _on_failed(self, text: str, message: str) -> None:
        self.failed.append((text, message))

    def reset(self) -> None:
        self.saved = 0
        self.failed = []


def run_with_faults(ctx: Ctx, action: Callable[[], object], label: str, *, text_prefix: str = "",
                    min_writes: int = 3) -> int:
    """Run `action` with its 1st, 2nd, … write failing until it runs through (see the module
    doc). Returns how many write statements the successful run made."""
    session, ws, stack = ctx.session, ctx.ws, ctx.session.undo_stack
    watch = Watch(session)
    position = 0
    while True:
        position += 1
        assert position < 5000, "the step never ran through"
        fault = FAULTS[(position - 1) % len(FAULTS)]
        before = canonical(ws)
        count, index = stack.count(), stack.index()
        watch.reset()
        with failing_writes(session.store, position, fault) as proxy:
            ok = bool(action())
        if not proxy.triggered:
            break
        where = f"{label}: write {position} ({proxy.statements[-1]}) refused with {fault.name}"
        assert not ok, where
        assert watch.saved == 0, f"{where}: 'saved' was announced"
        assert len(watch.failed) == 1, f"{where}: saveFailed emitted {len(watch.failed)} times"
        text, message = watch.failed[0]
        assert fault.cause in message and SAVED_TEXT in message, f"{where}: {message}"
        assert text.startswith(text_prefix), f"{where}: step text {text!r}"
        now = canonical(ws)
        assert now == before, f"{where}: document changed: {first_difference(before, now)}"
        disk = file_dump(ctx.path)
        assert disk == now, f"{where}: document != file: {first_difference(disk, now)}"
        assert (stack.count(), stack.index()) == (count, index), f"{where}: undo stack moved"
        assert session.all_saved, where
        assert not session.store.conn.in_transaction, f"{where}: a transaction was left open"
    # The fault was never reached: the step has fewer writes, so this run had none.
    writes = position - 1
    assert ok, f"{label}: the fault-free run failed: {watch.failed}"
    assert watch.saved == 1 and not watch.failed, f"{label}: saved {watch.saved}, failed {watch.failed}"
    assert proxy.statements.count("BEGIN") == 1 and proxy.statements.count("COMMIT") == 1, \
        f"{label}: not one transaction: {proxy.statements}"
    assert proxy.statements[0] == "BEGIN" and proxy.statements[-1] == "COMMIT"
    now = canonical(ws)
    assert now != before, f"{label}: the step changed nothing"
    disk = file_dump(ctx.path)
    assert disk == now, f"{label}: the step is not in the file: {first_difference(disk, now)}"
    assert writes >= min_writes and writes == proxy.writes
    return writes


# -- the steps -------------------------------------------------------------------------------
def cell_edit(ctx: Ctx) -> bool:
    model = ctx.model
    return model.setData(model.index(0, model.column_of("target")), "=2 个")


def paste_rows(ctx: Ctx) -> int:
    """Four rows × three columns from row 15: two rows are filled, two are added."""
    model = ctx.model
    top = model.rowCount() - 2
    block = "\r\n".join(f"粘贴指标{i}\t≥{i}0%\t{i}5%" for i in range(1, 5)) + "\r\n"
    return paste(model, top, model.column_of("level3"), block)


def insert_rows(ctx: Ctx) -> bool:
    rows = [(2, Indicator(level1="产出指标", level2="数量指标", level3="新增甲")),
            (5, Indicator(level1="产出指标", level2="质量指标", level3="新增乙"))]
    return ctx.session.push(InsertIndicatorsCommand(ctx.ws, ctx.form_id, rows, "插入 2 行"))


def delete_rows(ctx: Ctx) -> bool:
    return ctx.session.push(RemoveIndicatorsCommand(ctx.ws, ctx.form_id, ctx.ids(1, 4, 5), "删除 3 行指标"))


def move_rows(ctx: Ctx) -> bool:
    return ctx.session.push(MoveIndicatorsCommand(ctx.ws, ctx.form_id, ctx.ids(2, 3), 1, "下移指标"))


def change_level(ctx: Ctx) -> int:
    rows = (6, 7)
    return ctx.model.set_cells([(r, "level1", "效益指标") for r in rows] + [(r, "level2", "社会效益指标") for r in rows],
                               f"更改 {len(rows)} 行的层级")


def balance_weights(ctx: Ctx) -> int:
    """What 分值配平 does (IndicatorPanel.balance_weights): even shares per 一级 group."""
    form = ctx.ws.forms[ctx.form_id]
    totals = {"产出指标": 50, "效益指标": 30, "满意度指标": 10}
    commands = []
    for level1, positions in group_rows([ind.level1 for ind in form.indicators]).items():
        rows = [form.indicators[p] for p in positions]
        for indicator, weight in zip(rows, distribute([i.weight for i in rows], Decimal(totals[level1]), EVEN)):
            if indicator.weight != weight:
                commands.append(SetIndicatorCommand(ctx.ws, form.id, indicator.id, "weight", weight, "分值配平"))
    return ctx.session.push_all(commands, "分值配平")


def roll_forward(ctx: Ctx) -> bool:
    plan = plan_self_evaluations(ctx.ws, ctx.ws, ctx.registry, 2026)
    assert len(plan.to_create) > 1
    return ctx.session.push(ApplyPlanCommand(ctx.ws, plan))


def _import_results(ctx: Ctx) -> list[ImportResult]:
    """Two forms as an importer would return them: copies of demo forms under new project
    names, with fresh ids throughout."""
    forms = []
    for project, name in (("补充公积金", "导入项目甲"), ("专项业务费", "导入项目乙")):
        source = ctx.ws.forms[ctx.form_of(project, 2022)]
        form = copy.deepcopy(source)
        form.id = new_id()
        form.year = 2023
        form.fields["project_name"] = name
        form.indicators = [ind.copy(id=new_id()) for ind in form.indicators]
        forms.append(ImportedForm(form, ctx.registry.get(form.definition_id), name, "表1"))
    return [ImportResult(Path("导入.xlsx"), "xlsx", forms, unit_name="导入单位")]


def prepare_import(ctx: Ctx) -> None:
    # A file without a unit name: the import also fills in the unit (one more kind of write).
    with ctx.ws.step():
        ctx.ws.set_unit("", "")
    ctx.extra["results"] = _import_results(ctx)


def import_forms(ctx: Ctx) -> bool:
    plan = plan_import(ctx.ws, ctx.extra["results"])
    assert len(plan.to_create) == 2 and plan.unit is not None
    return ctx.session.push(ApplyImportCommand(ctx.ws, plan))


def delete_form(ctx: Ctx) -> bool:
    assert len(ctx.ws.forms_of(ctx.ws.forms[ctx.form_id].project_id)) > 1  # the project stays
    return ctx.session.push(RemoveFormsCommand(ctx.ws, "删除补充日常经费 2022年绩效自评表", form_ids=[ctx.form_id]))


def delete_project(ctx: Ctx) -> bool:
    project_id = ctx.ws.forms[ctx.form_of("专项业务费", 2022)].project_id
    assert len(ctx.ws.forms_of(project_id)) == 2
    return ctx.session.push(RemoveFormsCommand(ctx.ws, "删除项目「专项业务费」", project_id=project_id))


def add_project(ctx: Ctx) -> bool:
    project = Project("新建测试项目")
    form = blank_form(ctx.ws, project, 2027, ctx.registry.get("sh-declaration-2026"))
    return ctx.session.push(AddFormsCommand(ctx.ws, [form], f"新建项目「{project.name}」", project=project))


def add_form(ctx: Ctx) -> bool:
    project = ctx.ws.projects[ctx.ws.forms[ctx.form_id].project_id]
    form = blank_form(ctx.ws, project, 2027, ctx.registry.get("sh-declaration-2026"))
    return ctx.session.push(AddFormsCommand(ctx.ws, [form], "新建2027年项目申报表"))


def rename_project(ctx: Ctx) -> bool:
    project_id = ctx.ws.forms[ctx.form_id].project_id
    return ctx.session.push(RenameProjectCommand(ctx.ws, project_id, "补充日常经费（改）", "重命名项目"))


def edit_header(ctx: Ctx) -> bool:
    return ctx.session.push(set_field_command(ctx.ws, ctx.form_id, "goal_actual", "全年目标均已完成。", "修改目标完成情况"))


def edit_amount(ctx: Ctx) -> bool:
    return ctx.session.push(set_amount_command(ctx.ws, ctx.form_id, "total.executed", Decimal("1300000.50"),
                                               "修改执行数"))


STEPS: dict[str, tuple[Callable, Callable | None]] = {
    "cell edit": (cell_edit, None),
    "paste rows": (paste_rows, None),
    "insert rows": (insert_rows, None),
    "delete rows": (delete_rows, None),
    "move rows": (move_rows, None),
    "change level": (change_level, None),
    "balance weights": (balance_weights, None),
    "roll forward": (roll_forward, None),
    "import": (import_forms, prepare_import),
    "delete form": (delete_form, None),
    "delete project": (delete_project, None),
    "add project": (add_project, None),
    "add form": (add_form, None),
    "rename project": (rename_project, None),
    "edit header": (edit_header, None),
    "edit amount": (edit_amount, None),
}


@pytest.mark.parametrize("phase", ["do", "undo", "redo"])
@pytest.mark.parametrize("name", list(STEPS))
def test_every_write_of_every_step_can_fail_and_nothing_of_it_remains(ctx, name, phase):
    act, prepare = STEPS[name]
    if prepare is not None:
        prepare(ctx)
    session, stack = ctx.session, ctx.session.undo_stack
    if phase == "do":
        run_with_faults(ctx, lambda: act(ctx), name)
        assert (stack.count(), stack.index()) == (1, 1)
        return
    assert act(ctx)  # fault-free
    if phase == "undo":
        run_with_faults(ctx, session.undo, f"undo of {name}", text_prefix="撤销")
        assert (stack.count(), stack.index()) == (1, 0)
        return
    assert session.undo()
    run_with_faults(ctx, session.redo, f"redo of {name}", text_prefix="重做")
    assert (stack.count(), stack.index()) == (1, 1)


def test_a_history_jump_over_several_steps_is_one_transaction_that_can_fail(ctx):
    session, stack = ctx.session, ctx.session.undo_stack
    assert cell_edit(ctx) and paste_rows(ctx) and roll_forward(ctx)
    assert stack.index() == 3
    run_with_faults(ctx, lambda: session.set_index(0), "jump back 3 steps", text_prefix="撤销 3 步")
    assert (stack.count(), stack.index()) == (3, 0)
    run_with_faults(ctx, lambda: session.set_index(3), "jump forward 3 steps", text_prefix="重做 3 步")
    assert (stack.count(), stack.index()) == (3, 3)


@pytest.mark.parametrize("where", ["first", "commit"])
@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.name)
def test_each_cause_is_named_whether_the_write_or_the_commit_fails(ctx, fault, where):
    watch = Watch(ctx.session)
    # A cell edit writes: BEGIN, header fields, amounts, the indicator row, the form's
    # last-change time, COMMIT.
    position = 1 if where == "first" else 6
    before = canonical(ctx.ws)
    with failing_writes(ctx.session.store, position, fault) as proxy:
        assert not cell_edit(ctx)
    assert proxy.triggered == 1 and proxy.statements[-1] == ("BEGIN" if where == "first" else "COMMIT")
    assert watch.saved == 0 and len(watch.failed) == 1
    text, message = watch.failed[0]
    assert text.startswith("修改第1行")
    assert fault.cause in message and ctx.path.name in message
    assert canonical(ctx.ws) == before == file_dump(ctx.path)
    assert ctx.model.data(ctx.model.index(0, ctx.model.column_of("target"))) == "=1 个"
    assert ctx.session.last_error == message
    assert cell_edit(ctx)  # the fault is gone: the same edit goes through
    assert watch.saved == 1
    assert file_dump(ctx.path) == canonical(ctx.ws) != before


@pytest.mark.parametrize("exc, cause", [
    (FULL.error(), "磁盘已满"),
    (BUSY.error(), "被其他程序锁定"),
    (READONLY.error(), "只读"),
    (IOERR.error(), "读写磁盘时出错"),
    (sqlite3.OperationalError("database or disk is full"), "磁盘已满"),  # no code: the text decides
    (sqlite3.OperationalError("database is locked"), "被其他程序锁定"),
    (sqlite3.OperationalError("attempt to write a readonly database"), "只读"),
    (sqlite3.OperationalError("disk I/O error"), "读写磁盘时出错"),
    (OSError(errno.ENOSPC, "No space left on device"), "磁盘已满"),
    (OSError(errno.EROFS, "Read-only file system"), "只读"),
    (OSError(errno.EIO, "Input/output error"), "读写磁盘时出错"),
], ids=lambda value: value if isinstance(value, str) else type(value).__name__)
def test_write_errors_are_described_by_their_cause(exc, cause):
    message = describe_write_error(exc, Path("单位.perfdesk"))
    assert cause in message and "“单位.perfdesk”" in message and SAVED_TEXT in message


@pytest.mark.parametrize("code", [778, 1034, 3338])  # SQLITE_IOERR_WRITE, _FSYNC, _SHORT_READ...
def test_extended_io_error_codes_are_io_errors(code):
    exc = sqlite3.OperationalError("disk I/O error")
    exc.sqlite_errorcode = code
    assert "读写磁盘时出错" in describe_write_error(exc)


# -- a real lock -----------------------------------------------------------------------------
def test_another_program_holding_the_file_makes_an_edit_fail_and_then_editing_goes_on(ctx):
    watch = Watch(ctx.session)
    ctx.session.store.conn.execute("PRAGMA busy_timeout = 50")
    before = canonical(ctx.ws)
    other = sqlite3.connect(str(ctx.path), isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        assert not cell_edit(ctx)
        assert watch.saved == 0 and len(watch.failed) == 1
        assert "被其他程序锁定" in watch.failed[0][1]
        assert canonical(ctx.ws) == before
        assert ctx.session.undo_stack.count() == 0
        # Still locked: a second try fails the same way and changes nothing either.
        assert not paste_rows(ctx)
        assert len(watch.failed) == 2 and "被其他程序锁定" in watch.failed[1][1]
        assert canonical(ctx.ws) == before
        other.execute("ROLLBACK")
        assert file_dump(ctx.path) == before  # the document is what the file holds
        # The other program lets go: editing works again.
        assert cell_edit(ctx)
        assert watch.saved == 1
        other.execute("BEGIN EXCLUSIVE")
        assert not roll_forward(ctx)
        assert "被其他程序锁定" in watch.failed[-1][1]
        other.execute("COMMIT")
        assert roll_forward(ctx)
        assert ctx.session.undo()
    finally:
        other.close()
    assert file_dump(ctx.path) == canonical(ctx.ws)
    assert ctx.session.undo_stack.count() == 2 and ctx.session.undo_stack.index() == 1
    assert watch.saved == 3


# -- a read-only file ------------------------------------------------------------------------
def test_a_read_only_file_refuses_before_the_document_changes(tmp_path, qapp):
    path = write_demo(tmp_path / "demo.perfdesk")
    store = FileStore.open(path, read_only=True)
    try:
        ws = store.workspace
        before = canonical(ws)
        some = next(iter(ws.forms.values()))
        project = Project("只读中新建的项目")
        with pytest.raises(ReadOnlyError):
            ws.add_project(project)
        form = Form(project_id=some.project_id, kind=FormKind.DECLARATION, year=2031, definition_id=some.definition_id)
        with pytest.raises(ReadOnlyError):
            ws.add_form(form)
        with pytest.raises(ReadOnlyError):
            ws.remove_form(some.id)
        with pytest.raises(ReadOnlyError):
            ws.remove_project(some.project_id)
        with pytest.raises(ReadOnlyError):
            ws.insert_indicator(some.id, 0, Indicator(level3="只读"))
        with pytest.raises(ReadOnlyError):
            ws.set_indicator(some.id, some.indicators[0].id, "level3", "只读")
        with pytest.raises(ReadOnlyError):
            with ws.step():
                ws.set_field(some.id, "project_name", "只读")
        assert canonical(ws) == before
        assert project.id not in ws.projects and form.id not in ws.forms and some.id in ws.forms
        session = EditSession(store)
        watch = Watch(session)
        assert not session.push(AddFormsCommand(ws, [blank_form(ws, project, 2031, session.registry.get(
            "sh-declaration-2026"))], "新建项目", project=project))
        assert not session.push(RemoveFormsCommand(ws, "删除", form_ids=[some.id]))
        assert canonical(ws) == before and session.undo_stack.count() == 0 and watch.saved == 0
    finally:
        store.close()
    assert file_dump(path) == before


# -- a step whose own code fails -------------------------------------------------------------
class HalfDone(SetIndicatorCommand):
    """A command whose own code fails half-way: it changes one cell, then raises."""

    def apply(self) -> None:
        super().apply()
        raise RuntimeError("程序错误")


def test_a_command_failing_half_way_is_not_claimed_saved(ctx):
    indicator_id = ctx.ids(0)[0]
    with pytest.raises(RuntimeError):
        ctx.session.push(HalfDone(ctx.ws, ctx.form_id, indicator_id, "level3", "只改了一半", "半途出错"))
    assert ctx.session.undo_stack.count() == 0
    assert canonical(ctx.ws) != file_dump(ctx.path)  # the change stays on screen, not in the file
    assert not ctx.session.all_saved  # so the crash notice must not promise anything


def test_a_macro_whose_command_fails_half_way_is_honest_about_saving(ctx):
    first, second = ctx.ids(0, 1)
    before = canonical(ctx.ws)
    with pytest.raises(RuntimeError):
        with ctx.session.macro("粘贴 2 行") as step:
            step.do(SetIndicatorCommand(ctx.ws, ctx.form_id, first, "level3", "甲", "粘贴"))
            step.do(HalfDone(ctx.ws, ctx.form_id, second, "level3", "乙", "粘贴"))
    assert ctx.session.undo_stack.count() == 0
    assert file_dump(ctx.path) == before  # nothing of the step reached the file
    # Either the whole step is taken back, or the window must not claim everything is saved.
    assert ctx.session.all_saved == (canonical(ctx.ws) == before)
