"""Roll forward from and to a layout that prints the weights in the 三级 names (`weights = "label"`):
the weight is the row's weight like in any layout, so the label layout rolls forward exactly as
the same layout with a 权重 column does, and no weight ever ends up inside a name."""

from __future__ import annotations

from decimal import Decimal

import pytest

from perfdesk.domain.definition import FormKind
from perfdesk.domain.model import Form, Indicator, Project, Workspace
from perfdesk.domain.rollforward import apply_plan, plan_rollforward, plan_self_evaluations
from perfdesk.domain.scoring import score_form
from perfdesk.domain.values import parse

D = Decimal
LABEL_ID = "national-declaration-2021-label-weights"
COLUMN_ID = "national-declaration-2021"
ROWS = [("成本指标", "经济成本指标", "养护成本", "≤1200万元", D(10)),
        ("产出指标", "数量指标", "养护道路里程", "≥120公里", D(40)),
        ("效益指标", "社会效益指标", "道路通行状况", "明显改善", D(30)),
        ("满意度指标", "服务对象满意度指标", "市民满意度", "≥90%", D(20))]


def declaration(definition_id: str) -> Workspace:
    ws = Workspace()
    project = ws.add_project(Project("城市道路养护项目"))
    form = ws.add_form(Form(project_id=project.id, kind=FormKind.DECLARATION, year=2026,
                            definition_id=definition_id, fields={"project_name": "城市道路养护项目"}))
    for position, (level1, level2, level3, target, weight) in enumerate(ROWS):
        ws.insert_indicator(form.id, position, Indicator(level1=level1, level2=level2, level3=level3,
                                                         target=parse(target), weight=weight))
    return ws


def rows(form):
    return [(i.level1, i.level2, i.level3, i.target.raw, i.weight) for i in form.indicators]


def test_into_a_self_evaluation_the_weights_come_out_as_from_the_column_layout(registry):
    made = {}
    for definition_id in (LABEL_ID, COLUMN_ID):
        plan = plan_self_evaluations(declaration(definition_id), Workspace(), registry, 2026)
        (form_plan,) = plan.to_create
        made[definition_id] = form_plan
    label, column = made[LABEL_ID], made[COLUMN_ID]
    assert label.form.definition_id == column.form.definition_id
    assert rows(label.form) == rows(column.form) and label.flags == column.flags
    definition = registry.get(label.form.definition_id)
    assert score_form(label.form, definition).weight_total == definition.scoring.total_weight
    assert [i.level3 for i in label.form.indicators] == [name for _, _, name, _, _ in ROWS]  # names only


@pytest.mark.parametrize("source,target", [(LABEL_ID, COLUMN_ID), (COLUMN_ID, LABEL_ID), (LABEL_ID, LABEL_ID)])
def test_between_declarations_either_way_the_label_layout_is_the_column_layout(registry, source, target):
    """The label layout's declaration rolls into the column layout and back as the column
    layout rolls into itself: the same rows, names and weights."""
    reference = plan_rollforward(declaration(COLUMN_ID), Workspace(), registry, FormKind.DECLARATION, 2026, 2027,
                                 definition_id=COLUMN_ID).to_create[0].form
    ws = Workspace()
    plan = plan_rollforward(declaration(source), ws, registry, FormKind.DECLARATION, 2026, 2027,
                            definition_id=target)
    (form_plan,) = plan.to_create
    assert form_plan.form.definition_id == target
    assert rows(form_plan.form) == rows(reference)
    assert not any("分）" in i.level3 for i in form_plan.form.indicators)
    apply_plan(ws, plan)
    [form] = ws.forms.values()
    assert rows(form) == rows(reference)


def test_a_label_layout_declaration_stays_in_its_layout(registry):
    plan = plan_rollforward(declaration(LABEL_ID), Workspace(), registry, FormKind.DECLARATION, 2026, 2027)
    assert plan.to_create[0].form.definition_id == LABEL_ID


@pytest.mark.parametrize("source,target", [(COLUMN_ID, COLUMN_ID), (LABEL_ID, COLUMN_ID), (COLUMN_ID, LABEL_ID)])
def test_a_declarations_weights_carry_into_next_years_declaration(registry, source, target):
    """权重 are part of what a declaration declares: next year's starts from them, whichever
    way each layout prints them (never silently reset to defaults)."""
    plan = plan_rollforward(declaration(source), Workspace(), registry, FormKind.DECLARATION, 2026, 2027,
                            definition_id=target)
    assert [i.weight for i in plan.to_create[0].form.indicators] == [w for *_, w in ROWS]


@pytest.mark.parametrize("source", [COLUMN_ID, LABEL_ID])
def test_into_a_self_evaluation_the_declared_weights_are_scaled_to_the_indicators_share(registry, source):
    """The self-evaluation's rows share 100 − 预算执行率 (90): the declaration's 10/40/30/20 become
    9/36/27/18, in proportion, with a note asking to review them."""
    plan = plan_self_evaluations(declaration(source), Workspace(), registry, 2026)
    (form_plan,) = plan.to_create
    definition = registry.get(form_plan.form.definition_id)
    share = definition.scoring.total_weight - definition.scoring.budget_weight
    assert [i.weight for i in form_plan.form.indicators] == [w * share / 100 for *_, w in ROWS]
    assert any("权重比例" in note for note in form_plan.flags)
