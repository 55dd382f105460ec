"""The published forms (domain.md §8) as fixtures: totals, known faults, judgement scores."""

from decimal import Decimal

import pytest

from perfdesk.domain.definition import FormKind
from perfdesk.domain.scoring import score_form
from perfdesk.domain.validation import Severity, validate_form

from ..conftest import form_named, indicator_named
from ..test_seeds_expected import SHANGHAI_2022_TOTALS



def test_bundle_sizes(demo_ws):
    kinds = [(f.kind, f.year) for f in demo_ws.forms.values()]
    assert kinds.count((FormKind.SELF_EVALUATION, 2022)) == 14
    assert kinds.count((FormKind.DECLARATION, 2026)) == 11
    assert demo_ws.unit.name == "上海市公积金管理中心"
    assert demo_ws.unit.department == "上海市住房和城乡建设管理委员会"


@pytest.mark.parametrize("project,total", SHANGHAI_2022_TOTALS)
def test_recorded_totals_are_reproduced(demo_ws, registry, project, total):
    form = form_named(demo_ws, project, 2022)
    definition = registry.get(form.definition_id)
    score = score_form(form, definition)
    assert score.total == Decimal(total)
    assert score.weight_total == 100
    # The printed budget score is what the formula gives (14/14): no override was needed, and
    # the published total is reproduced without a total override.
    assert form.budget_score is None and form.total is None
    assert score.budget.score == score.budget.computed and score.computed_total == score.total
    codes = {i.code for i in validate_form(form, definition, demo_ws)}
    assert "E3" not in codes and "E4" not in codes and "E1" not in codes


def test_every_seed_self_evaluation_uses_the_default_split(demo_ws, registry):
    for form in demo_ws.forms.values():
        if form.kind is FormKind.SELF_EVALUATION:
            codes = {i.code for i in validate_form(form, registry.get(form.definition_id))}
            assert "W1" not in codes, demo_ws.project_name(form)


def test_budget_score_of_daily_fund(demo_ws, registry):
    form = form_named(demo_ws, "补充日常经费", 2022)
    budget = score_form(form, registry.get(form.definition_id)).budget
    assert budget.rate_percent == Decimal("68.12")  # 1,297,747.17 / 1,905,200 = 68.1161 %
    assert budget.computed == Decimal("6.81")


def _issues(ws, registry, project, year):
    form = form_named(ws, project, year)
    return form, validate_form(form, registry.get(form.definition_id), ws)


def test_funding_rows_that_do_not_add_up(demo_ws, registry):
    _, issues = _issues(demo_ws, registry, "补充公积金", 2022)
    e5 = [i for i in issues if i.code == "E5"]
    assert len(e5) == 1 and e5[0].severity is Severity.ERROR
    assert "2,943,238" in e5[0].message and "2,943,236" in e5[0].message
    assert e5[0].location.section == "funding" and e5[0].location.column == "total.executed"


def test_negative_carry_over(demo_ws, registry):
    _, issues = _issues(demo_ws, registry, "公积金网点调整搬迁专项经费", 2022)
    negative = [i for i in issues if i.code == "E5" and i.location.column == "carryover.executed"]
    assert len(negative) == 1 and "-2" in negative[0].message


def test_duplicate_indicator_in_it_operations(demo_ws, registry):
    form, issues = _issues(demo_ws, registry, "住房公积金管理信息系统(运维)", 2022)
    w4 = [i for i in issues if i.code == "W4"]
    assert len(w4) == 1 and "长效管理机制健全且执行有效" in w4[0].message
    assert w4[0].location.item_id == indicator_named(form, "长效管理机制健全且执行有效", 1).id


@pytest.mark.parametrize("project,level3,entered,computed", [
    ("服务工作专项经费", "工作服制作完成量", "3", "3.88"),
    ("补充日常经费", "临时工社保公积金缴纳覆盖人数", "4", "5.29"),
])
def test_judgement_scores_are_overrides(demo_ws, registry, project, level3, entered, computed):
    form, issues = _issues(demo_ws, registry, project, 2022)
    indicator = indicator_named(form, level3)
    row = score_form(form, registry.get(form.definition_id)).rows[indicator.id]
    assert row.entered == Decimal(entered) and row.computed == Decimal(computed)
    assert row.overridden and row.score == Decimal(entered)
    infos = [i for i in issues if i.code == "I1" and i.location.item_id == indicator.id]
    assert len(infos) == 1 and infos[0].severity is Severity.INFO and computed in infos[0].message


def test_all_nineteen_below_full_judgements_are_reported(demo_ws, registry):
    """2 quantitative and 17 qualitative rows were scored below full by the reviewers."""
    reported = []
    for form in demo_ws.forms.values():
        if form.kind is FormKind.SELF_EVALUATION:
            reported += [i for i in validate_form(form, registry.get(form.definition_id)) if i.code == "I1"]
    assert len(reported) == 19
    assert all(i.severity is Severity.INFO for i in reported)


def test_declarations_2026_add_up_and_cost_caps_in_wan_yuan_are_fine(demo_ws, registry):
    for form in demo_ws.forms.values():
        if form.kind is FormKind.DECLARATION:
            codes = {i.code for i in validate_form(form, registry.get(form.definition_id), demo_ws)}
            assert "E5" not in codes, demo_ws.project_name(form)
            assert "W8" not in codes, demo_ws.project_name(form)  # 873.41 万元 ≤ 8,734,121 元


def test_the_vague_target_lint_on_the_published_forms(demo_ws, registry):
    """The published forms' only new issues are I3 infos, counted per form (see DEMO_VAGUE_TARGETS)."""
    from ..test_seeds_expected import DEMO_VAGUE_TARGETS

    found = {}
    for form in demo_ws.forms.values():
        issues = validate_form(form, registry.get(form.definition_id), demo_ws)
        new = [i for i in issues if i.code in ("E11", "E12", "E13", "E14", "E15", "E16", "W12", "W13", "W14",
                                               "I2", "I4")]
        assert not new, (demo_ws.project_name(form), new)
        vague = [i for i in issues if i.code == "I3"]
        assert all(i.severity is Severity.INFO and "可衡量" in i.message for i in vague)
        if vague:
            found[(demo_ws.project_name(form), form.year)] = len(vague)
    assert found == DEMO_VAGUE_TARGETS
