"""Roll forward keeps what a definition adds: the texts of its own indicator columns (指标解释,
评(扣)分标准) where the new form has the same columns, and its table sections (年度主要任务)."""

from __future__ import annotations

from decimal import Decimal

from perfdesk.domain.definition import FormKind
from perfdesk.domain.model import Form, Indicator, Project, TableRow, Workspace
from perfdesk.domain.rollforward import plan_declarations, plan_self_evaluations
from perfdesk.domain.values import parse

EXTRA = {"explanation": "纳入运维的系统", "criteria": "每少1个扣2分"}


def _workspace(definition_id: str, kind: FormKind) -> tuple[Workspace, Form]:
    ws = Workspace()
    project = ws.add_project(Project("政务外网运维"))
    form = ws.add_form(Form(project_id=project.id, kind=kind, year=2023, definition_id=definition_id,
                            fields={"project_name": "政务外网运维"}))
    ws.insert_indicator(form.id, 0, Indicator(level1="产出指标", level2="数量指标", level3="运维系统数量",
                                              target=parse("≥12个"), weight=Decimal(100), extra=dict(EXTRA)))
    return ws, form


def test_next_years_declaration_keeps_the_rows_own_columns(registry):
    ws, _ = _workspace("national-declaration-2021", FormKind.DECLARATION)
    plan = plan_declarations(ws, ws, registry, 2023, 2024)
    [created] = plan.to_create
    assert created.form.definition_id == "national-declaration-2021"
    assert [i.extra for i in created.form.indicators] == [EXTRA]


def test_a_self_evaluation_keeps_only_the_columns_it_has(registry):
    ws, _ = _workspace("national-declaration-2021", FormKind.DECLARATION)
    plan = plan_self_evaluations(ws, ws, registry, 2023)
    [created] = plan.to_create
    assert created.form.definition_id == "national-selfeval-2021"  # the same region and unit
    assert [i.extra for i in created.form.indicators] == [{}]  # no 指标解释 column there


def test_the_unit_forms_carry_their_tasks(registry):
    ws, source = _workspace("unit-declaration-2021", FormKind.DECLARATION)
    source.tables["tasks"] = [TableRow("t1", {"name": "河道治理", "amount": "1200.50"})]
    plan = plan_self_evaluations(ws, ws, registry, 2023)
    [created] = plan.to_create
    assert created.form.definition_id == "unit-selfeval-2021"
    [row] = created.form.tables["tasks"]
    assert row.cells == {"name": "河道治理", "amount": "1200.50"} and row.id != "t1"
    next_year = plan_declarations(ws, ws, registry, 2023, 2024).to_create[0].form
    assert [r.cells for r in next_year.tables["tasks"]] == [{"name": "河道治理", "amount": "1200.50"}]
