"""查找 reaches every text the user types: the definition's own indicator columns (指标解释,
评(扣)分标准), the rows of a form's own table section (年度主要任务: 任务名称, 主要内容, 预算金额 as
stored and as the grid shows it) and the 资金执行说明 — each hit with the location the editor
selects, in the order of the form on paper. perfdesk/editing/find.py."""

from __future__ import annotations

from decimal import Decimal

from perfdesk.domain.definition import FormKind
from perfdesk.domain.model import Form, Indicator, Project, TableRow, Workspace, blank_form
from perfdesk.domain.values import parse
from perfdesk.editing.find import find_all


def _workspace(registry):
    ws = Workspace()
    with ws.step():
        national = ws.add_project(Project("政务外网运维"))
        form = ws.add_form(Form(project_id=national.id, kind=FormKind.DECLARATION, year=2021,
                                definition_id="national-declaration-2021", id="nd"))
        ws.insert_indicator(form.id, 0, Indicator(
            id="i1", level1="产出指标", level2="数量指标", level3="运维系统数量", target=parse("≥12个"),
            weight=Decimal(100), extra={"explanation": "运维合同所列系统数量", "criteria": "每少一个系统扣2分"}))
        unit = ws.add_project(Project("某县水利局"))
        selfeval = blank_form(ws, unit, 2023, registry.get("unit-selfeval-2021"))
        selfeval.fields["budget_note"] = "河道工程跨年度结算"
        selfeval.tables["tasks"] = [
            TableRow(id="t1", cells={"name": "河道综合治理", "content": "完成3条县级河道清淤", "amount": "1200.50"}),
            TableRow(id="t2", cells={"name": "农村饮水安全", "content": "维修12处供水工程", "amount": "350"}),
        ]
        ws.add_form(selfeval)
    return ws, selfeval


def test_the_definitions_own_indicator_columns_are_searched_with_their_labels(registry):
    ws, _ = _workspace(registry)
    [hit] = find_all(ws, registry, "运维合同")
    assert (hit.form_id, hit.location.item_id, hit.location.row, hit.location.column) == ("nd", "i1", 1, "explanation")
    assert hit.location.section == "indicators"
    assert hit.where.endswith("第1行「指标解释」") and hit.text == "运维合同所列系统数量"
    [hit] = find_all(ws, registry, "扣2分")
    assert hit.location.column == "criteria" and hit.where.endswith("第1行「评(扣)分标准」")


def test_a_row_is_searched_in_the_layouts_column_order(registry):
    ws, _ = _workspace(registry)
    # "系统" is in 三级指标 and in 指标解释: 三级 comes first, as on paper.
    assert [h.location.column for h in find_all(ws, registry, "系统")] == ["level3", "explanation", "criteria"]


def test_table_section_rows_are_searched_with_their_row_and_column(registry):
    ws, form = _workspace(registry)
    hits = find_all(ws, registry, "河道")
    table = [h for h in hits if h.location.section == "tasks"]
    assert [(h.location.row, h.location.column, h.row_id) for h in table] == [(1, "name", "t1"), (1, "content", "t1")]
    assert all(h.form_id == form.id and h.location.item_id is None for h in table)
    assert table[0].where.endswith("年度主要任务第1行「任务名称」")
    # The 资金执行说明 (typed in the funding box) is found too, before the table on paper.
    assert [h.location.column for h in hits][:1] == ["budget_note"]
    [content] = find_all(ws, registry, "供水工程")
    assert (content.location.row, content.location.column) == (2, "content")


def test_an_amount_is_found_as_stored_and_as_shown(registry):
    ws, _ = _workspace(registry)
    for needle in ("1200.5", "1,200.50"):
        [hit] = find_all(ws, registry, needle)
        assert (hit.location.section, hit.location.row, hit.location.column) == ("tasks", 1, "amount")
        assert hit.text == "1,200.50"
    [hit] = find_all(ws, registry, "350.00")  # stored as 350, shown as 350.00
    assert hit.location.row == 2


def test_a_table_hit_follows_its_row(registry):
    ws, form = _workspace(registry)
    [hit] = find_all(ws, registry, "供水工程")
    assert hit.current_location(ws).row == 2
    with ws.step():
        ws.set_table(form.id, "tasks", [TableRow(cells={"name": "新任务"})] + form.tables["tasks"])
    assert hit.current_location(ws).row == 3
    with ws.step():
        ws.set_table(form.id, "tasks", [r for r in form.tables["tasks"] if r.id != "t2"])
    assert hit.current_location(ws) is None
    indicator_hit = find_all(ws, registry, "运维合同")[0]
    assert indicator_hit.current_location(ws) == indicator_hit.location
