"""The cell planner: one place decides which commands a cell edit, a paste, a clear, 确认结转值
or 分值配平 needs — and everything it leaves out."""

from decimal import Decimal

from PySide6.QtCore import Qt

from perfdesk.domain.definition import FormKind
from perfdesk.domain.provenance import is_carried
from perfdesk.domain.rollforward import apply_plan, plan_rollforward
from perfdesk.editing.cell_plan import SetRowCommand, plan_amount, plan_block, plan_cells
from perfdesk.editing.clipboard import paste
from perfdesk.editing.commands import InsertIndicatorsCommand, SetIndicatorCommand
from perfdesk.editing.indicator_model import COMPUTED, GRADE, LAST_ACTUAL, LAST_TARGET, IndicatorTableModel
from perfdesk.formdefs import default_registry


from .conftest import form_id_of, on_disk  # noqa: E402


def model_on(session, project, year=2022, last_year=False):
    model = IndicatorTableModel(session)
    model.set_form(form_id_of(session, project, year))
    model.set_show_last_year(last_year)
    return model


def row_named(form, level3):
    return next(i for i, ind in enumerate(form.indicators) if ind.level3 == level3)


def test_unchanged_cells_need_no_command(session):
    ws, form_id = session.workspace, form_id_of(session, "补充日常经费")
    first = ws.forms[form_id].indicators[0]
    same = [(0, "level3", first.level3), (0, "target", first.target.raw), (0, "weight", "4"),
            (0, "weight", Decimal("4.00")), (0, "reason", first.reason)]
    assert first.weight == 4
    plan = plan_cells(ws, form_id, same, "无变化")
    assert not plan and plan.commands == [] and plan.cells == 0
    # one changed cell among them: exactly one plain command for it
    plan = plan_cells(ws, form_id, same + [(0, "actual", "2 个")], "改一格")
    assert len(plan.commands) == 1 and plan.cells == 1
    command = plan.commands[0]
    assert isinstance(command, SetIndicatorCommand) and (command.attr, command.new) == ("actual", "2 个")


def test_read_only_unusable_and_outside_cells_are_left_out(session):
    ws, form_id = session.workspace, form_id_of(session, "补充日常经费")
    form = ws.forms[form_id]
    quantitative = row_named(form, "城乡结对帮扶团体对象数")
    qualitative = row_named(form, "临时工工会会费、经费扣缴合规性")
    cells = [(0, COMPUTED, "99"), (0, LAST_TARGET, "x"), (0, LAST_ACTUAL, "y"), (0, "no_such_column", "z"),
             (0, "weight", "四分"), (len(form.indicators), "level3", "表外"), (-1, "level3", "表外"),
             (quantitative, GRADE, "部分达成并具有一定效果"), (qualitative, GRADE, "不存在的档次")]
    bands = default_registry().get(form.definition_id).scoring.bands
    assert not plan_cells(ws, form_id, cells, "都不能改", bands)
    plan = plan_cells(ws, form_id, [(qualitative, GRADE, "部分达成并具有一定效果")], "评定", bands)
    assert plan.cells == 1 and plan.commands[0].new == "partial"


def test_a_grade_follows_the_target_typed_in_the_same_row(session):
    ws, form_id = session.workspace, form_id_of(session, "补充日常经费")
    form = ws.forms[form_id]
    row = row_named(form, "城乡结对帮扶团体对象数")  # a number: no grade …
    bands = default_registry().get(form.definition_id).scoring.bands
    plan = plan_cells(ws, form_id, [(row, "target", "较好完成"), (row, GRADE, "部分达成并具有一定效果")], "改", bands)
    assert plan.cells == 2  # … unless the same edit makes it qualitative


def test_a_block_below_the_table_becomes_filled_new_rows(session):
    ws, form_id = session.workspace, form_id_of(session, "补充日常经费")
    form = ws.forms[form_id]
    count = len(form.indicators)
    keys = [key for key, _ in model_on(session, "补充日常经费").columns]
    left = keys.index("level3")
    assert keys[left:left + 4] == ["level3", "target", "actual", "weight"]
    block = [["改写最后一行", "=2 个"], ["新指标甲", "≥95%", "", "3"], ["新指标乙", "及时", "", "四分"]]
    plan = plan_block(ws, form_id, keys, count - 1, left, block, "粘贴 3 行")
    insert = plan.commands[0]
    assert isinstance(insert, InsertIndicatorsCommand)
    assert plan.rows_added == 2 and len(plan.commands) == 2
    assert plan.cells == 2 + 3 + 2  # the last row's two cells; 3 + 2 cells of the new rows ("四分" is no number)
    new_rows = [indicator for _, indicator in insert.rows]
    assert [i.level3 for i in new_rows] == ["新指标甲", "新指标乙"]
    assert new_rows[0].target.number == 95 and new_rows[0].weight == 3 and new_rows[1].weight is None
    last = form.indicators[count - 1]  # the row just above them (the block left its 一级 / 二级)
    assert all((i.level1, i.level2) == (last.level1, last.level2) for i in new_rows)
    assert len(form.indicators) == count  # planning changes nothing



def test_a_block_copied_from_excels_merged_cells_keeps_its_rows_in_their_groups(session, demo_path):
    """Excel puts a merged 一级 / 二级 cell's text in its top cell only: the empty cells below it
    continue the group, over existing rows and in the rows a paste adds."""
    model = model_on(session, "补充日常经费")
    ws, form_id = session.workspace, model.form_id
    form = ws.forms[form_id]
    assert [key for key, _ in model.columns][:4] == ["level1", "level2", "level3", "target"]
    assert (form.indicators[0].level1, form.indicators[0].level2) == ("产出指标", "数量指标")
    excel = ("产出指标\t质量指标\t甲\t=1个\r\n"
             "\t\t乙\t=2个\r\n"
             "效益指标\t\t丙\t=3个\r\n"   # a new 一级 without 二级: nothing to continue
             "\t\t丁\t=4个\r\n")
    assert paste(model, 0, 0, excel) > 0
    groups = [(i.level1, i.level2, i.level3) for i in form.indicators[:4]]
    assert groups == [("产出指标", "质量指标", "甲"), ("产出指标", "质量指标", "乙"),
                      ("效益指标", "", "丙"), ("效益指标", "", "丁")]
    assert [(i.level1, i.level2) for i in on_disk(demo_path, form_id).indicators[:4]] == [g[:2] for g in groups]
    # appended: the continued rows are new rows of the group the block's first row names
    count = len(form.indicators)
    assert paste(model, count, 0, excel.replace("效益指标\t\t丙", "\t\t丙")) > 0
    added = [(i.level1, i.level2) for i in form.indicators[count:]]
    assert added == [("产出指标", "质量指标")] * 4
    session.undo()
    session.undo()
    assert [(i.level1, i.level2) for i in form.indicators[:2]] == [("产出指标", "数量指标")] * 2


def test_an_empty_first_cell_clears_and_columns_the_block_misses_stay(session):
    ws, form_id = session.workspace, form_id_of(session, "补充日常经费")
    form = ws.forms[form_id]
    keys = [key for key, _ in model_on(session, "补充日常经费").columns]
    # the block's first row: an empty 一级 is an empty cell, as typed (E-rules then report it)
    plan = plan_block(ws, form_id, keys, 1, 0, [["", "数量指标", "改名"]], "粘贴 1 行")
    assert plan.commands[0].new == {"level1": "", "level3": "改名"}
    # a block that starts at 三级 leaves existing rows' groups alone, even where one is empty
    form.indicators[3].level1 = ""
    plan = plan_block(ws, form_id, keys, 2, keys.index("level3"), [["x"], ["y"]], "粘贴 2 行")
    assert all(set(command.new) == {"level3"} if isinstance(command, SetRowCommand) else command.attr == "level3"
               for command in plan.commands)


def test_added_rows_join_the_group_of_the_row_just_above_them(session):
    model = model_on(session, "补充日常经费")
    form = session.workspace.forms[model.form_id]
    count = len(form.indicators)
    assert paste(model, count - 1, 0, "效益指标\t可持续影响指标\t最后一行") > 0
    assert form.indicators[count - 2].level2 != "可持续影响指标"
    # a block of 三级 names from the last row down: the added rows join the last row's group,
    # not the group of the row above the block
    assert paste(model, count - 1, model.column_of("level3"), "改名\r\n新一\r\n新二\r\n") > 0
    assert [(i.level1, i.level2, i.level3) for i in form.indicators[count - 1:]] == [
        ("效益指标", "可持续影响指标", name) for name in ("改名", "新一", "新二")]


def test_several_carried_cells_of_a_row_are_confirmed_together_and_undo_brings_the_tint_back(session, demo_path):
    ws = session.workspace
    rolled = plan_rollforward(ws, ws, session.registry, FormKind.DECLARATION, 2022, 2023, projects=["补充日常经费"])
    apply_plan(ws, rolled)
    model = model_on(session, "补充日常经费", 2023)
    form = ws.forms[model.form_id]
    row = next(i for i, ind in enumerate(form.indicators) if is_carried(ind, "target") and is_carried(ind, "level3"))
    indicator_id = form.indicators[row].id
    plan = model.plan_cells([(row, "level3", "新名称"), (row, "target", "=9 个")], "改两格")
    assert len(plan.commands) == 1 and isinstance(plan.commands[0], SetRowCommand)
    assert model.run_plan(plan, "改两格") == 2
    saved = on_disk(demo_path, model.form_id).indicator(indicator_id)
    assert (saved.level3, saved.target.raw) == ("新名称", "=9 个")
    assert not is_carried(saved, "target") and not is_carried(saved, "level3")
    session.undo()
    saved = on_disk(demo_path, model.form_id).indicator(indicator_id)
    assert is_carried(saved, "target") and is_carried(saved, "level3")
    target = model.index(row, model.column_of("target"))
    assert target.data(Qt.ItemDataRole.BackgroundRole) is not None


def test_pasting_across_last_years_columns_skips_them(session, demo_path):
    """Regression: the 上年 columns are not attributes of a row; pasting over them raised
    AttributeError ('Indicator' object has no attribute 'last_target')."""
    model = model_on(session, "补充日常经费", 2026, last_year=True)
    assert model.column_of(LAST_TARGET) == model.column_of("target") + 1
    row = 1
    last_before = model.index(row, model.column_of(LAST_ACTUAL)).data()
    assert last_before == "100%"
    depth = session.undo_stack.count()
    left = model.column_of("level3")
    text = "新名称一\t=5 个\t上年值\t上年实际\n新名称二\t=6 个\t\t\n"
    assert paste(model, row, left, text) == 4
    form = on_disk(demo_path, model.form_id)
    assert [(i.level3, i.target.raw) for i in form.indicators[row:row + 2]] == [("新名称一", "=5 个"), ("新名称二", "=6 个")]
    assert session.undo_stack.count() == depth + 1
    assert model.index(row, model.column_of(LAST_ACTUAL)).data() in ("", last_before)  # never written


def test_set_data_and_set_cells_go_through_the_planner(session):
    model = model_on(session, "补充日常经费")
    weight = model.index(0, model.column_of("weight"))
    assert not model.setData(weight, "4.0")  # the same number
    assert not model.setData(model.index(0, model.column_of(COMPUTED)), "1")
    assert session.undo_stack.count() == 0
    assert model.set_cells([(0, "weight", "5"), (1, "weight", "５"), (2, COMPUTED, "1")], "改分值") == 2
    assert session.undo_stack.count() == 1 and session.undo_stack.text(0) == "改分值"


def test_amounts_unchanged_or_unparseable_need_no_command(session):
    ws, form_id = session.workspace, form_id_of(session, "补充公积金")
    assert ws.forms[form_id].amounts["fiscal.executed"] == 2943236
    assert plan_amount(ws, form_id, "fiscal.executed", "2,943,236.00", "改") is None
    assert plan_amount(ws, form_id, "fiscal.executed", "一百万", "改") is None
    command = plan_amount(ws, form_id, "fiscal.executed", "２943238", "改")
    assert command is not None and command.new == Decimal(2943238)
