"""结转 in the window: the wizard plans, the window applies the plan as ONE undo step — in the
window and in the file — and a step that fails leaves neither changed nor on the stack."""

import sqlite3
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from perfdesk.cli import write_demo
from perfdesk.domain.definition import FormKind
from perfdesk.domain.rollforward import PlanConflict, RowChoice, plan_self_evaluations
from perfdesk.editing.rollforward_commands import ApplyPlanCommand
from perfdesk.store import FileStore, StoreError
from perfdesk.ui import rollforward_wizard
from perfdesk.ui.dialogs import Ask
from perfdesk.ui.main_window import MainWindow
from perfdesk.ui.rollforward_wizard import OPTIONS, PREVIEW, SOURCE, WHAT, RollForwardWizard, RowChoiceModel


def disk_forms(path):
    with FileStore.open(path, read_only=True) as reader:
        return dict(reader.workspace.forms), {p.name for p in reader.workspace.projects.values()}


def play_wizard(monkeypatch, steps):
    """Replace the wizard's modal loop by `steps(wizard)`, which plays the user to the end."""
    seen = {}

    def fake_exec(self):
        seen["wizard"] = self
        self.show()
        steps(self)
        return self.result()

    monkeypatch.setattr(RollForwardWizard, "exec", fake_exec)
    return seen


def finish(wizard):
    assert wizard.currentId() == PREVIEW
    button = wizard.button(QWizard.WizardButton.FinishButton)
    assert button.isVisible() and button.isEnabled()
    button.click()
    assert wizard.result() == QWizard.DialogCode.Accepted


def choose_declarations(wizard, from_year, to_year=None):
    page = wizard.what_page
    page.to_declaration.setChecked(True)
    page.from_year.setCurrentIndex(page.from_year.findData(from_year))
    if to_year is not None:
        page.to_year.setValue(to_year)


def wizard_on(window, qtbot):
    wizard = RollForwardWizard(window, window.session)
    qtbot.addWidget(wizard)
    return wizard


# -- the per-row model ---------------------------------------------------------------------
def test_row_choice_model_contract_through_replans(window, qtbot, qtmodeltester):
    wizard = wizard_on(window, qtbot)
    choose_declarations(wizard, 2022)
    model = wizard.row_model
    assert isinstance(model, RowChoiceModel) and model.rowCount() > 100
    qtmodeltester.check(model, force_py=True)
    first = model.index(0, RowChoiceModel.CHOICE)
    assert model.setData(first, RowChoice.DROP.value)
    assert model.index(0, RowChoiceModel.NEW_TARGET).data() == "（删除）"
    assert not model.setData(first, RowChoice.DROP.value)  # unchanged: no edit
    assert not model.setData(first, "nonsense")
    wizard.what_page.check_all(False)  # no project: no rows
    assert model.rowCount() == 0
    wizard.what_page.check_all(True)


def test_row_without_actual_offers_only_keep_and_drop(window, qtbot):
    wizard = wizard_on(window, qtbot)
    choose_declarations(wizard, 2026)  # a declaration has no actuals
    model = wizard.row_model
    assert model.rowCount() > 0
    choices = model.index(0, RowChoiceModel.CHOICE).data(rollforward_wizard.ChoiceRole.CHOICES)
    assert choices == [RowChoice.KEEP.value, RowChoice.DROP.value]
    assert not model.setData(model.index(0, RowChoiceModel.CHOICE), RowChoice.ACTUAL.value)


# -- declaration → self-evaluation, end to end ---------------------------------------------
def test_declarations_to_self_evaluations_in_one_undo_step(window, monkeypatch, demo_path):
    ws = window.session.workspace
    before = set(ws.forms)
    stack = window.session.undo_stack
    steps_before = stack.count()

    def steps(wizard):
        assert wizard.currentId() == SOURCE and wizard.source_page.this_file.isChecked()
        wizard.next()
        assert wizard.currentId() == WHAT
        # The file's 2026 declarations have no self-evaluations yet: that is the default.
        assert wizard.kind is FormKind.SELF_EVALUATION
        assert (wizard.from_year(), wizard.to_year()) == (2026, 2026)
        assert len(wizard.what_page.checked_projects()) == 11
        wizard.next()  # no options page for a self-evaluation
        assert wizard.currentId() == PREVIEW
        assert "将新建 11 张绩效自评表" in wizard.preview_page.headline.text()
        text = wizard.preview_page.text.toPlainText()
        assert text.startswith("结转：2026年 → 2026年绩效自评表，将新建 11 张表。")
        assert text.count("分值合计 100（含预算执行率 10）") == 11
        assert "需复核" in text
        finish(wizard)

    play_wizard(monkeypatch, steps)
    assert window.roll_forward()

    new = [f for f in ws.forms.values() if f.id not in before]
    assert len(new) == 11 and {(f.year, f.kind) for f in new} == {(2026, FormKind.SELF_EVALUATION)}
    for form in new:
        budget = window.session.definition(form.id).scoring.budget_weight
        assert sum(i.weight for i in form.indicators) + budget == Decimal(100), window.session.workspace.project_name(form)
    new_ids = {f.id for f in new}
    assert stack.count() == steps_before + 1  # ONE step
    assert window.editor.form_id in new_ids  # the first new form is shown
    assert window.navigator.current_form_id() == window.editor.form_id
    on_disk, _ = disk_forms(demo_path)
    assert new_ids <= set(on_disk)

    stack.undo()
    assert set(ws.forms) == before
    assert not any(window.navigator.model.index_of_form(i).isValid() for i in new_ids)
    assert window.editor.form_id not in new_ids
    on_disk, _ = disk_forms(demo_path)
    assert set(on_disk) == before

    stack.redo()
    assert new_ids <= set(ws.forms)  # the very same ids come back
    assert all(window.navigator.model.index_of_form(i).isValid() for i in new_ids)
    on_disk, _ = disk_forms(demo_path)
    assert set(on_disk) == before | new_ids
    assert sorted(i.level3 for i in on_disk[sorted(new_ids)[0]].indicators) == \
        sorted(i.level3 for i in ws.forms[sorted(new_ids)[0]].indicators)


def test_wizard_cancelled_changes_nothing(window, monkeypatch, demo_path):
    before = set(window.session.workspace.forms)

    def steps(wizard):
        wizard.next()
        wizard.reject()

    play_wizard(monkeypatch, steps)
    assert not window.roll_forward()
    assert set(window.session.workspace.forms) == before and window.session.undo_stack.count() == 0
    assert set(disk_forms(demo_path)[0]) == before


def test_nothing_left_to_create_disables_finish(window, qtbot):
    ws = window.session.workspace
    plan = plan_self_evaluations(ws, ws, window.session.registry, 2026)
    window.session.push(ApplyPlanCommand(ws, plan))
    wizard = wizard_on(window, qtbot)
    wizard.what_page.to_selfeval.setChecked(True)
    wizard.what_page.from_year.setCurrentIndex(wizard.what_page.from_year.findData(2026))
    assert wizard.plan is not None and not wizard.plan.to_create
    assert not wizard.preview_page.isComplete()
    assert "已存在" in wizard.preview_page.text.toPlainText()
    assert "没有需要新建的表" in wizard.preview_page.headline.text()


# -- last year → next year's declaration, with per-row choices -------------------------------
def test_declaration_2022_to_2023_with_a_dropped_row_and_actuals(window, monkeypatch, demo_path):
    ws = window.session.workspace
    project = "补充日常经费"
    source = next(f for f in ws.forms.values() if ws.project_name(f) == project and f.year == 2022)
    dropped = next(i for i in source.indicators if i.level3 == "城乡结对帮扶团体对象数")
    with_actual = next(i for i in source.indicators if i.level3 == "临时工社保公积金缴纳覆盖人数")

    def steps(wizard):
        wizard.next()
        choose_declarations(wizard, 2022)
        assert wizard.to_year() == 2023  # next year by default
        wizard.what_page.check_all(False)
        assert not wizard.what_page.isComplete() and "至少选择一个项目" in wizard.what_page.message.text()
        item = wizard.what_page.projects.findItems(project, Qt.MatchFlag.MatchExactly)[0]
        item.setCheckState(Qt.CheckState.Checked)
        assert wizard.what_page.isComplete()
        wizard.next()
        assert wizard.currentId() == OPTIONS
        model = wizard.row_model
        assert model.rowCount() == len(source.indicators)
        assert model.setData(model.index(model.row_of(dropped.id), RowChoiceModel.CHOICE), RowChoice.DROP.value)
        row = model.row_of(with_actual.id)
        assert model.setData(model.index(row, RowChoiceModel.CHOICE), RowChoice.ACTUAL.value)
        assert model.index(row, RowChoiceModel.NEW_TARGET).data() != with_actual.target.raw
        wizard.options_page.carry_amounts.setChecked(True)
        wizard.next()
        text = wizard.preview_page.text.toPlainText()
        assert "2022年 → 2023年绩效目标申报表，将新建 1 张表" in text
        assert "1 项取上年实际完成值" in text and "删除 1 项" in text
        assert "金额沿用 2022 年的数额" in text
        finish(wizard)

    play_wizard(monkeypatch, steps)
    assert window.roll_forward()
    new = ws.find_form(source.project_id, 2023, FormKind.DECLARATION)
    assert new is not None and window.editor.form_id == new.id
    names = [i.level3 for i in new.indicators]
    assert dropped.level3 not in names and len(names) == len(source.indicators) - 1
    carried = next(i for i in new.indicators if i.level3 == with_actual.level3)
    assert carried.target.number == with_actual.actual.number == Decimal("6.17")
    assert carried.target.unit == "人"  # the old target's unit where the actual leaves it out
    assert window.session.undo_stack.count() == 1
    assert new.id in disk_forms(demo_path)[0]
    window.session.undo_stack.undo()
    assert new.id not in ws.forms and new.id not in disk_forms(demo_path)[0]


def test_apply_to_all_resets_row_choices(window, qtbot):
    wizard = wizard_on(window, qtbot)
    choose_declarations(wizard, 2022)
    model = wizard.row_model
    model.setData(model.index(0, RowChoiceModel.CHOICE), RowChoice.DROP.value)
    wizard.options_page.default_choice.setCurrentIndex(
        wizard.options_page.default_choice.findData(RowChoice.ACTUAL.value))
    assert model.index(0, RowChoiceModel.CHOICE).data(Qt.ItemDataRole.EditRole) == RowChoice.DROP.value
    wizard.options_page.apply_all.click()
    assert model.index(0, RowChoiceModel.CHOICE).data(Qt.ItemDataRole.EditRole) == RowChoice.ACTUAL.value
    assert all(p.rows[0].choice in (RowChoice.ACTUAL, RowChoice.KEEP) for p in wizard.plan.to_create)
    assert "删除" not in wizard.preview_page.text.toPlainText()


# -- another file as the source --------------------------------------------------------------
def test_source_is_another_perfdesk_file(qtbot, tmp_path, monkeypatch):
    last_year = write_demo(tmp_path / "去年.perfdesk")
    target = tmp_path / "今年.perfdesk"
    FileStore.create(target).close()
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.open_file(target)
    picked = []
    monkeypatch.setattr(RollForwardWizard, "pick_source", classmethod(lambda cls, parent, folder: picked.append(folder) or str(last_year)))

    def steps(wizard):
        assert not wizard.source_page.choose.isEnabled()
        wizard.source_page.other_file.setChecked(True)
        assert not wizard.source_page.isComplete()  # no file chosen yet
        wizard.source_page.choose.click()
        assert picked == [str(tmp_path)]
        assert wizard.source_page.isComplete() and wizard.source_page.message.text() == ""
        wizard.next()
        choose_declarations(wizard, 2022, 2023)
        assert len(wizard.what_page.checked_projects()) == 14
        wizard.next()
        wizard.next()
        assert "新建项目" in wizard.preview_page.text.toPlainText()
        finish(wizard)

    play_wizard(monkeypatch, steps)
    assert window.roll_forward()
    ws = window.session.workspace
    assert len(ws.forms) == 14 and len(ws.projects) == 14
    forms, projects = disk_forms(target)
    assert len(forms) == 14 and "补充日常经费" in projects
    assert window.editor.form_id in forms
    # The source was only read.
    assert {f.year for f in disk_forms(last_year)[0].values()} == {2022, 2026}
    window.session.undo_stack.undo()
    assert disk_forms(target) == ({}, set())
    window.close()


@pytest.mark.parametrize("content", [b"", b"not a database at all" * 100, b"SQLite format 3\x00" + b"\x00" * 200])
def test_unusable_source_file_is_said_on_the_page(window, qtbot, tmp_path, monkeypatch, content):
    bad = tmp_path / "坏文件.perfdesk"
    bad.write_bytes(content)
    monkeypatch.setattr(RollForwardWizard, "pick_source", classmethod(lambda cls, parent, folder: str(bad)))
    wizard = wizard_on(window, qtbot)
    wizard.source_page.choose_file()
    assert wizard.source_page.other_file.isChecked()
    assert wizard.source_page.message.text().startswith(("无法读取此文件", "坏文件.perfdesk 中没有任何表"))
    assert not wizard.source_page.isComplete()
    # Back to this file: usable again, and the page says nothing about the bad one.
    wizard.source_page.this_file.setChecked(True)
    assert wizard.source_page.isComplete() and wizard.source_page.message.text() == ""


def test_picking_the_open_file_means_this_file(window, qtbot, monkeypatch, demo_path):
    monkeypatch.setattr(RollForwardWizard, "pick_source", classmethod(lambda cls, parent, folder: str(demo_path)))
    wizard = wizard_on(window, qtbot)
    wizard.source_page.other_file.setChecked(True)
    wizard.source_page.choose_file()
    assert wizard.source_page.this_file.isChecked() and wizard.source_ws is window.session.workspace
    assert "当前打开的文件" in wizard.source_page.message.text()


# -- failures and read-only ------------------------------------------------------------------
def test_stale_plan_is_refused_with_a_dialog_and_no_undo_step(window, monkeypatch, demo_path):
    ws = window.session.workspace
    stale = plan_self_evaluations(ws, ws, window.session.registry, 2026)
    window.session.push(ApplyPlanCommand(ws, plan_self_evaluations(ws, ws, window.session.registry, 2026)))
    forms_before, steps_before = set(ws.forms), window.session.undo_stack.count()
    errors = []
    monkeypatch.setattr(Ask, "error", classmethod(lambda cls, parent, title, text: errors.append((title, text))))
    monkeypatch.setattr(RollForwardWizard, "ask", classmethod(lambda cls, parent, session: stale))
    assert not window.roll_forward()
    assert errors and errors[0][0] == "结转未完成" and "请重新生成预览" in errors[0][1]
    assert set(ws.forms) == forms_before and window.session.undo_stack.count() == steps_before
    assert not window.session.undo_stack.canRedo()
    assert set(disk_forms(demo_path)[0]) == forms_before


def test_store_failure_half_way_leaves_window_and_file_unchanged(window, monkeypatch, demo_path):
    ws = window.session.workspace
    store = window.session.store
    plan = plan_self_evaluations(ws, ws, window.session.registry, 2026)
    forms_before = set(ws.forms)
    written = []
    failures = []
    window.session.saveFailed.connect(lambda text, message: failures.append(message))
    original = type(store)._write_form

    def failing(self, c, form, position, keep_position=False):
        written.append(form.id)
        if len(written) == 4:
            raise sqlite3.OperationalError("disk I/O error")
        return original(self, c, form, position, keep_position)

    monkeypatch.setattr(type(store), "_write_form", failing)
    monkeypatch.setattr(Ask, "save_failed", classmethod(lambda cls, parent, step, message: False))
    command = ApplyPlanCommand(ws, plan)
    assert not window.session.push(command)
    assert len(written) == 4  # the whole roll-forward was one transaction, refused at its 4th form
    assert failures and "读写磁盘时出错" in failures[0]
    assert window.session.undo_stack.count() == 0 and not window.session.undo_stack.canRedo()
    assert set(ws.forms) == forms_before
    monkeypatch.setattr(type(store), "_write_form", original)
    assert set(disk_forms(demo_path)[0]) == forms_before
    assert "未能保存" in window.saved_label.text()


def test_redo_that_fails_later_reports_and_leaves_the_stack(window, monkeypatch):
    ws = window.session.workspace
    reports = []
    window.session.saveFailed.connect(lambda text, message: reports.append(message))
    monkeypatch.setattr(Ask, "save_failed", classmethod(lambda cls, parent, step, message: False))
    plan = plan_self_evaluations(ws, ws, window.session.registry, 2026)
    command = ApplyPlanCommand(ws, plan)
    assert window.session.push(command)
    stack = window.session.undo_stack
    assert window.session.undo()
    # Something else put a 2026 self-evaluation in the way (a second window, a script).
    other = plan_self_evaluations(ws, ws, window.session.registry, 2026, projects=[plan.to_create[0].project_name])
    from perfdesk.domain.rollforward import apply_plan
    apply_plan(ws, other)
    count = len(ws.forms)
    assert not window.session.redo()
    assert isinstance(command.error, PlanConflict) and reports and "重做" in reports[0]
    # The step stays where it was: redo is still offered, nothing half-done remains.
    assert len(ws.forms) == count and stack.count() == 1 and stack.index() == 0


def test_read_only_window_has_both_actions_disabled(window, qtbot, demo_path, monkeypatch):
    second = MainWindow()
    qtbot.addWidget(second)
    assert second.open_file(demo_path)
    assert second.session.read_only
    assert not second.import_action.isEnabled() and not second.rollforward_action.isEnabled()
    assert window.import_action.isEnabled() and window.rollforward_action.isEnabled()
    monkeypatch.setattr(RollForwardWizard, "ask", classmethod(lambda *a: pytest.fail("asked on a read-only file")))
    assert not second.roll_forward()
    second.close()
