"""The 部门整体 pair (unit-declaration-2021, unit-selfeval-2021): 部门（单位）名称, a 年度预算 block,
the 年度主要任务 table (任务名称 │ 主要内容 │ 预算金额) as a table section of the form's own rows,
年度总体目标 (and its 完成情况), and the unit-level indicator table offered as a starting set."""

from __future__ import annotations

import subprocess
from decimal import Decimal

import pytest

from perfdesk.domain import diff
from perfdesk.domain.definition import SectionType
from perfdesk.domain.model import Form, Indicator, Project, TableRow, Workspace, blank_form
from perfdesk.domain.scoring import score_form
from perfdesk.domain.validation import validate_form
from perfdesk.domain.values import parse
from perfdesk.export import export_forms
from perfdesk.importing import import_file, import_files
from perfdesk.layout import build_grid

from .conftest import document, reopened
from .handmade import Layout, save_docx, save_xlsx

UNIT = "某县水利局"
TASKS = [("河道综合治理", "完成3条县级河道清淤疏浚和护岸建设", "1200.50"),
         ("农村饮水安全", "维修养护12处千吨万人供水工程", "350.00"),
         ("水旱灾害防御", "汛前检查、物资储备和应急演练", "86.20")]


def _tasks() -> list[TableRow]:
    return [TableRow(cells={"name": n, "content": c, "amount": a}) for n, c, a in TASKS]


def test_a_new_form_starts_with_the_common_unit_level_rows(registry):
    for definition_id in ("unit-declaration-2021", "unit-selfeval-2021"):
        definition = registry.get(definition_id)
        ws = Workspace()
        project = ws.add_project(Project(UNIT))
        form = blank_form(ws, project, 2023, definition)
        names = [i.level3 for i in form.indicators]
        for name in ("预算执行率", "预算调整率", "结转结余率", "“三公”经费控制率", "政府采购执行率", "服务对象满意度"):
            assert name in names, (definition_id, name)
        assert {i.level1 for i in form.indicators} == {"履职效能", "管理效率", "满意度指标"}
        assert form.field("project_name") == UNIT
        [table] = definition.sections_of(SectionType.TABLE)
        assert [(c.key, c.label) for c in table.extra_columns] == [
            ("name", "任务名称"), ("content", "主要内容"), ("amount", "预算金额")]
    selfeval = blank_form(ws, project, 2023, registry.get("unit-selfeval-2021"))
    assert sum(i.weight for i in selfeval.indicators) == 90  # with 预算执行率's 10: 100


def _selfeval(registry) -> tuple[Workspace, Form]:
    definition = registry.get("unit-selfeval-2021")
    ws = Workspace()
    ws.set_unit(UNIT, "某县人民政府")
    project = ws.add_project(Project(UNIT))
    form = blank_form(ws, project, 2023, definition)
    form.fields.update(goal_expected="2023年完成河道治理、农村供水和防汛三项重点任务。",
                       goal_actual="三项重点任务均按期完成，预算执行率97.6%。")
    form.amounts.update({"total.initial": Decimal("1600.00"), "total.budget": Decimal("1680.00"),
                         "total.executed": Decimal("1639.68"), "fiscal.initial": Decimal("1500.00"),
                         "fiscal.budget": Decimal("1580.00"), "fiscal.executed": Decimal("1545.00"),
                         "other.initial": Decimal("100.00"), "other.budget": Decimal("100.00"),
                         "other.executed": Decimal("94.68")})
    actuals = ["100%", "97.6%", "4.8%", "8%", "92%", "100%", "93%", "100%", "95%"]
    for indicator, actual in zip(form.indicators, actuals):
        indicator.actual = parse(actual)
    form.tables["tasks"] = _tasks()
    ws.add_form(form)
    return ws, form


def test_the_self_evaluation_scores_prints_and_round_trips(tmp_path, registry):
    definition = registry.get("unit-selfeval-2021")
    ws, form = _selfeval(registry)
    score = score_form(form, definition)
    assert score.complete and score.budget.rate_percent == Decimal("97.60")
    assert not [i for i in validate_form(form, definition, ws) if i.is_error]
    grid = build_grid(definition, ws, form)
    texts = [c.text for c in grid.cells]
    for label in ("部门整体支出绩效自评表", "部门（单位）名称", "年度预算（万元）", "年度主要任务", "任务名称", "主要内容",
                  "预算金额", "完成情况", "1,200.50"):
        assert label in texts, label
    copy, reopened_ws = reopened(ws, form.id, tmp_path / "部门.perfdesk")
    assert [r.cells for r in copy.tables["tasks"]] == [r.cells for r in form.tables["tasks"]]
    for fmt in ("xlsx", "docx"):
        paths = export_forms(reopened_ws, [copy], registry, fmt, tmp_path / fmt, with_list=False)
        [result] = import_files(paths, registry)
        [found] = result.forms
        assert found.definition_id == "unit-selfeval-2021", found.chosen
        assert document(found.form) == document(form)
        assert _by_value(found.form) == _by_value(form), fmt  # amounts by value: 1200.5 == 1200.50
    [pdf] = export_forms(reopened_ws, [copy], registry, "pdf", tmp_path / "pdf", with_list=False)
    text = "".join(subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True,
                                  check=True).stdout.split())
    assert "部门整体支出绩效自评表" in text and "河道综合治理" in text and "1,200.50" in text


def _by_value(form: Form) -> list[dict]:
    return [{k: Decimal(v) if k == "amount" else v for k, v in r.cells.items()} for r in form.tables["tasks"]]


def _declaration_layout(messy: bool) -> Layout:
    out = Layout(5, title_rows=2)
    out.row(("部门整体支出绩效目标申报表", 5))
    out.row(("（2024年度）", 5))
    out.row("部门（单位）名称：" if messy else "部门（单位）名称", (UNIT, 4))
    top = out.row("年度预算（万元）", ("年度预算总额", 2), ("1,636.70" if messy else "1636.70", 2))
    out.row("", ("其中：财政拨款", 2), ("1536.70", 2))
    out.row("", ("其他资金", 2), ("100.00", 2))
    out.vmerge(top, 0, top + 2)
    head = out.row("年度主要任务", ("任务名称", 2), "主要内容", "预算金额（万元）" if messy else "预算金额")
    for name, content, amount in TASKS:
        out.row("", (name, 2), content, amount)
    out.vmerge(head, 0, head + len(TASKS))
    out.row("年度总体目标", ("完成河道治理、农村供水和防汛三项重点任务。", 4))
    head = out.row("年度绩效指标", "一级指标", "二级指标", "三级指标", "指标值")
    rows = [("履职效能", "重点工作完成", "年度主要任务完成率", "≥95%"),
            ("管理效率", "预算管理", "预算执行率", ">=95%" if messy else "≥95%"),
            ("管理效率", "预算管理", "结转结余率", "＜＝10%" if messy else "≤10%"),
            ("满意度指标", "服务对象满意度指标", "服务对象满意度", "≥90%")]
    for row in rows:
        out.row("", *row)
    out.vmerge(head, 0, head + len(rows))
    return out.with_spacers(blank_after=(2, 6), spacer_col=3) if messy else out


@pytest.mark.parametrize("messy", [False, True])
@pytest.mark.parametrize("fmt", ["xlsx", "docx"])
def test_hand_made_declarations_are_read_with_their_tasks(fmt, messy, tmp_path, registry):
    path = tmp_path / f"部门.{fmt}"
    layout = _declaration_layout(messy)
    save_xlsx(path, [("2024", layout)]) if fmt == "xlsx" else save_docx(path, [layout])
    result = import_file(path, registry)
    assert len(result.forms) == 1, [s.reason for s in result.skipped]
    found = result.forms[0]
    assert found.definition_id == "unit-declaration-2021", found.chosen
    form = found.form
    assert (form.year, form.field("project_name")) == (2024, UNIT)
    assert form.amount("total", "annual") == Decimal("1636.70")
    assert [(r.cells["name"], r.cells["content"], Decimal(r.cells["amount"])) for r in form.tables["tasks"]] == \
        [(n, c, Decimal(a)) for n, c, a in TASKS]
    assert [(i.level3, i.target.sign, i.target.number) for i in form.indicators] == [
        ("年度主要任务完成率", "≥", 95), ("预算执行率", "≥", 95), ("结转结余率", "≤", 10), ("服务对象满意度", "≥", 90)]
    assert form.field("goal_annual").startswith("完成河道治理")


def test_diff_names_changed_task_rows(registry):
    ws, form = _selfeval(registry)
    from perfdesk.domain.snapshot import form_from_record, form_record

    old = form_from_record(form_record(ws, form))
    rows = [TableRow(r.id, dict(r.cells)) for r in form.tables["tasks"]]
    rows[1].cells["amount"] = "360.00"
    ws.set_table(form.id, "tasks", rows[:2] + [TableRow(cells={"name": "水资源管理"})])
    changes = [c for c in diff.diff_forms(old, form, definition=registry.get("unit-selfeval-2021"))
               if c.kind == diff.TABLE]
    texts = [c.text() for c in changes]
    assert "“年度主要任务”第 2 行的“预算金额”：“350.00” → “360.00”" in texts
    assert "“年度主要任务”第 3 行的“任务名称”：“（空）” → “水资源管理”" in texts
    assert any(t.startswith("“年度主要任务”原第 3 行") and "水旱灾害防御" in t for t in texts)


def test_the_unit_level_budget_rows_are_no_w9_there_but_still_are_on_a_project_form(registry):
    ws, form = _selfeval(registry)
    assert any(i.level3 == "预算执行率" for i in form.indicators)
    codes = {i.code for i in validate_form(form, registry.get("unit-selfeval-2021"), ws)}
    assert "W9" not in codes  # 预算执行率 is one of this indicator system's own rows
    declaration = blank_form(ws, ws.projects[form.project_id], 2024, registry.get("unit-declaration-2021"))
    assert "W9" not in {i.code for i in validate_form(declaration, registry.get("unit-declaration-2021"), ws)}
    project_def = registry.get("sh-selfeval-2020")
    assert project_def.checks.budget_rate_apart
    row = form.indicators[1]
    project_form = blank_form(ws, ws.projects[form.project_id], 2025, project_def)
    project_form.indicators.append(Indicator(level1="产出指标", level2="数量指标", level3=row.level3, target=parse("≥95%")))
    assert "W9" in {i.code for i in validate_form(project_form, project_def, ws)}
