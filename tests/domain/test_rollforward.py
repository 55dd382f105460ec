"""Roll forward: declarations → self-evaluations, last year's forms → next year's declarations."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from perfdesk.domain.definition import FormKind
from perfdesk.domain.model import Workspace
from perfdesk.domain.provenance import Provenance, confirm_indicator, is_carried, last_year_values
from perfdesk.domain.rollforward import (
    PlanConflict,
    RowChoice,
    apply_plan,
    default_weights,
    plan_declarations,
    plan_rollforward,
    plan_self_evaluations,
    revert_plan,
)
from perfdesk.domain.scoring import score_form
from perfdesk.domain.validation import validate_form, validate_workspace
from perfdesk.domain.weights import apportion
from perfdesk.store import FileStore, ReadOnlyError

from ..conftest import form_named, indicator_named
from .builders import declaration, ind

D = Decimal


def snapshot(ws: Workspace):
    """Everything a document holds, as comparable plain data."""
    return (
        (ws.unit.name, ws.unit.department),
        sorted((p.id, p.name) for p in ws.projects.values()),
        sorted(
            (f.id, f.project_id, f.kind.value, f.year, f.definition_id, sorted(f.fields.items()),
             sorted((k, v) for k, v in f.amounts.items()), f.budget_score, f.total,
             [(i.id, i.level1, i.level2, i.level3, i.target.raw, i.actual.raw, i.weight, i.score,
               i.grade, i.reason, i.adjusted, i.provenance) for i in f.indicators])
            for f in ws.forms.values()
        ),
    )


# -- declaration → the same year's self-evaluation ---------------------------------------
def test_demo_declarations_become_self_evaluations_summing_to_100(demo_ws, registry):
    declarations = {f.project_id: f for f in demo_ws.forms.values() if f.year == 2026}
    plan = plan_self_evaluations(demo_ws, demo_ws, registry, 2026)
    assert len(plan.to_create) == len(declarations) == 11
    for form_plan in plan.to_create:
        form = form_plan.form
        source = declarations[form.project_id]
        definition = registry.get(form.definition_id)
        assert form.kind is FormKind.SELF_EVALUATION and form.year == 2026
        assert definition.id == "sh-selfeval-2020"
        # Weights: 10 for the budget line plus the rows, exactly 100, whole points.
        weights = [i.weight for i in form.indicators]
        assert all(w is not None and w == w.to_integral_value() and w > 0 for w in weights)
        assert sum(weights) + definition.scoring.budget_weight == D(100)
        assert score_form(form, definition).weight_total == D(100)
        # Every indicator carried with its target, unchanged.
        carried = sorted((i.level3, i.target.raw) for i in form.indicators)
        assert carried == sorted((i.level3, i.target.raw) for i in source.indicators)
        assert all(i.actual.is_empty and i.score is None and not i.reason for i in form.indicators)
        # 年初预算数 from the declaration's amounts for the year; the rest blank.
        for row in ("total", "fiscal", "carryover", "other"):
            assert form.amount(row, "initial") == source.amount(row, "annual")
            assert form.amount(row, "budget") is None and form.amount(row, "executed") is None
        assert form.budget_score is None and form.total is None
        assert form.field("project_name") == source.field("project_name")
        assert form.field("goal_expected") == source.field("goal_annual")
        assert form.field("goal_actual") == ""


def test_split_is_50_30_10_within_each_level1(demo_ws, registry):
    plan = plan_self_evaluations(demo_ws, demo_ws, registry, 2026, projects=["信息化建设项目"])
    form = plan.to_create[0].form
    split = {}
    for i in form.indicators:
        split[i.level1] = split.get(i.level1, 0) + i.weight
    assert split == {"产出指标": 50, "效益指标": 30, "满意度指标": 10}
    # 成本指标 is a 二级 under 产出 in the 2020 taxonomy: the cost cap moved there, flagged.
    cap = indicator_named(form, "上海市住房公积金综合业务服务和管理平台升级改造项目成本控制额")
    assert (cap.level1, cap.level2) == ("产出指标", "成本指标")
    assert any("成本指标" in flag for flag in plan.to_create[0].flags)
    # Rows of one 一级 share alike: whole points differing by at most one.
    produce = [i.weight for i in form.indicators if i.level1 == "产出指标"]
    assert max(produce) - min(produce) <= 1


def test_rolled_self_evaluation_validates_cleanly_against_its_declaration(demo_ws, registry):
    plan = plan_self_evaluations(demo_ws, demo_ws, registry, 2026)
    applied = apply_plan(demo_ws, plan)
    by_id = {f.id: issues for f, issues in validate_workspace(demo_ws, registry.get)}
    for form_id in applied.form_ids:
        codes = {i.code for i in by_id[form_id]}
        assert not codes & {"E1", "E10", "W1"}, codes
    # Editing a carried target breaks E10 until the row is marked adjusted.
    form = demo_ws.forms[applied.form_ids[0]]
    row = form.indicators[0]
    demo_ws.set_indicator(form.id, row.id, "target", "≥2(个)")
    assert "E10" in {i.code for i in validate_form(form, registry.get(form.definition_id), demo_ws)}
    demo_ws.set_indicator(form.id, row.id, "adjusted", True)
    assert "E10" not in {i.code for i in validate_form(form, registry.get(form.definition_id), demo_ws)}


def test_self_evaluation_in_wanyuan_converts_the_initial_budget(demo_ws, registry):
    plan = plan_self_evaluations(demo_ws, demo_ws, registry, 2026, projects=["补充日常经费"],
                                 definition_id="national-selfeval-wanyuan")
    form = plan.to_create[0].form
    source = form_named(demo_ws, "补充日常经费", 2026)
    assert form.amount("total", "initial") == source.amount("total", "annual") / 10000
    assert any("万元" in flag for flag in plan.to_create[0].flags)


def test_plan_touches_nothing_apply_and_revert_are_exact(demo_ws, registry):
    before = snapshot(demo_ws)
    events = []
    demo_ws.subscribe(events.append)
    plan = plan_self_evaluations(demo_ws, demo_ws, registry, 2026)
    assert snapshot(demo_ws) == before and events == []
    applied = apply_plan(demo_ws, plan)
    assert len(applied.form_ids) == 11 and applied.project_ids == ()
    assert all(demo_ws.forms[i].kind is FormKind.SELF_EVALUATION for i in applied.form_ids)
    assert [e.what for e in events] == ["form_added"] * 11
    revert_plan(demo_ws, applied)
    assert snapshot(demo_ws) == before
    # Redo: the plan is untouched by apply/revert, so it applies again identically.
    again = apply_plan(demo_ws, plan)
    assert again == applied


def test_existing_forms_are_skipped_and_a_stale_plan_is_refused(demo_ws, registry):
    plan = plan_self_evaluations(demo_ws, demo_ws, registry, 2026, projects=["补充公积金"])
    apply_plan(demo_ws, plan)
    second = plan_self_evaluations(demo_ws, demo_ws, registry, 2026, projects=["补充公积金"])
    assert second.to_create == [] and "已存在" in second.summary()
    before = snapshot(demo_ws)
    with pytest.raises(PlanConflict):
        apply_plan(demo_ws, plan)  # made before the first apply: it would duplicate
    assert snapshot(demo_ws) == before


def test_unknown_project_is_reported(demo_ws, registry):
    plan = plan_self_evaluations(demo_ws, demo_ws, registry, 2026, projects=["不存在的项目"])
    assert plan.to_create == [] and "不存在的项目" in plan.summary()
    with pytest.raises(ValueError):
        plan_rollforward(demo_ws, demo_ws, registry, FormKind.SELF_EVALUATION, 2025, 2026)


# -- last year → next year's declaration -------------------------------------------------
def test_demo_self_evaluations_become_declarations_with_each_choice(demo_ws, registry):
    source = form_named(demo_ws, "补充日常经费", 2022)
    covered = indicator_named(source, "临时工社保公积金缴纳覆盖人数")  # =7 人 → 6.17
    dropped = indicator_named(source, "城乡结对帮扶团体对象数")
    improved = indicator_named(source, "部门沟通协调机制")  # 完善 → 进一步完善
    choices = {covered.id: RowChoice.ACTUAL, dropped.id: RowChoice.DROP, improved.id: RowChoice.ACTUAL}
    plan = plan_declarations(demo_ws, demo_ws, registry, 2022, 2023, choices=choices)
    assert len(plan.to_create) == 14
    form_plan = next(p for p in plan.to_create if p.project_name == "补充日常经费")
    form = form_plan.form
    assert form.project_id == source.project_id  # the project keeps its identity
    assert (form.kind, form.year, form.definition_id) == (FormKind.DECLARATION, 2023, "sh-declaration-2026")
    names = [i.level3 for i in form.indicators]
    assert "城乡结对帮扶团体对象数" not in names and len(names) == len(source.indicators) - 1
    assert indicator_named(form, "临时工社保公积金缴纳覆盖人数").target.raw == "=6.17(人)"
    assert indicator_named(form, "部门沟通协调机制").target.raw == "进一步完善"
    assert indicator_named(form, "年度城乡结对帮扶工作完成率").target.raw == "=100%"  # default: keep
    rows = {r.source_id: r for r in form_plan.rows}
    assert rows[dropped.id].indicator is None and rows[dropped.id].choice is RowChoice.DROP
    assert rows[covered.id].old_actual == "6.17" and rows[covered.id].new_target == "=6.17(人)"
    assert all(i.actual.is_empty and i.weight is None and i.score is None for i in form.indicators)
    # No declaration of 2022 to take dates from: the whole new year, flagged.
    assert (form.field("start_date"), form.field("end_date")) == ("2023-01-01", "2023-12-31")
    assert form.amounts == {}  # amounts cleared by default
    assert form.field("goal_annual") == source.field("goal_expected")


def test_apply_to_all_and_rows_without_actual(registry):
    ws, source = declaration([ind("a", "=1(个)"), ind("b", "及时", level2="时效指标")], year=2025,
                             start_date="2025-03-01", end_date="2025-11-30", goal_annual="2025年完成")
    plan = plan_declarations(ws, ws, registry, 2025, 2026, default_choice=RowChoice.ACTUAL)
    form_plan = plan.to_create[0]
    # A declaration has no actual: ACTUAL is not offered and the target is kept.
    assert all(r.choices == (RowChoice.KEEP, RowChoice.DROP) and r.choice is RowChoice.KEEP
               for r in form_plan.rows)
    assert [i.target.raw for i in form_plan.form.indicators] == ["=1(个)", "及时"]
    assert (form_plan.form.field("start_date"), form_plan.form.field("end_date")) == ("2026-03-01", "2026-11-30")
    # The year in the text is flagged, never rewritten.
    assert form_plan.form.field("goal_annual") == "2025年完成"
    assert any("2025年" in f for f in form_plan.flags)
    dropped = plan_declarations(ws, ws, registry, 2025, 2026, default_choice=RowChoice.DROP)
    assert dropped.to_create[0].form.indicators == []


def test_amounts_carried_when_chosen(demo_ws, registry):
    plan = plan_declarations(demo_ws, demo_ws, registry, 2022, 2023, projects=["补充日常经费"],
                             carry_amounts=True)
    form = plan.to_create[0].form
    source = form_named(demo_ws, "补充日常经费", 2022)
    for row in ("total", "fiscal", "carryover", "other"):
        assert form.amount(row, "annual") == source.amount(row, "budget")
    from_declaration = plan_declarations(demo_ws, demo_ws, registry, 2026, 2027, projects=["补充公积金"],
                                         carry_amounts=True)
    form = from_declaration.to_create[0].form
    source = form_named(demo_ws, "补充公积金", 2026)
    assert form.amounts == {k: v for k, v in source.amounts.items() if v is not None}
    assert (form.field("start_date"), form.field("end_date")) == ("2027-01-01", "2027-12-31")


def test_declaration_rows_land_in_the_new_taxonomy(demo_ws, registry):
    plan = plan_declarations(demo_ws, demo_ws, registry, 2022, 2023, projects=["公积金网点调整搬迁专项经费"])
    form = plan.to_create[0].form
    row = indicator_named(form, "装修工程每平方米成本单价")
    assert (row.level1, row.level2) == ("成本指标", "经济成本指标")
    assert form.indicators[0] is row  # 成本 comes first in the 2021 order
    issues = validate_form(form, registry.get(form.definition_id), demo_ws)
    assert not [i for i in issues if i.code == "W11"]


def test_the_companion_declaration_supplies_header_and_dates(registry):
    ws, decl = declaration([ind("a", "=1(个)")], year=2024, nature="其他经常性项目", category="其他运转类",
                           start_date="2024-02-29", end_date="2024年12月31日")
    from perfdesk.domain.model import Form
    selfeval = Form(project_id=decl.project_id, kind=FormKind.SELF_EVALUATION, year=2024,
                    definition_id="sh-selfeval-2020", fields={"project_name": "测试项目"},
                    indicators=[ind("a", "=1(个)", "2(个)", 90)])
    ws.add_form(selfeval)
    plan = plan_declarations(ws, ws, registry, 2024, 2025, default_choice=RowChoice.ACTUAL)
    form_plan = plan.to_create[0]
    assert form_plan.source is selfeval
    form = form_plan.form
    assert form.field("nature") == "其他经常性项目" and form.field("category") == "其他运转类"
    assert form.field("start_date") == "2025-02-28" and form.field("end_date") == "2025年12月31日"
    assert form.indicators[0].target.raw == "=2.00(个)"
    prefer = plan_declarations(ws, ws, registry, 2024, 2025, prefer=FormKind.DECLARATION)
    assert prefer.to_create[0].source is decl


# -- another file as the source ----------------------------------------------------------
def test_source_in_another_file_links_projects_by_name(demo_ws, registry):
    target = Workspace()
    from perfdesk.domain.model import Project
    existing = target.add_project(Project("补充公积金"))
    before = snapshot(target)
    plan = plan_declarations(demo_ws, target, registry, 2022, 2023, projects=["补充公积金", "专项业务费"])
    by_name = {p.project_name: p for p in plan.to_create}
    assert by_name["补充公积金"].form.project_id == existing.id and by_name["补充公积金"].new_project is None
    new = by_name["专项业务费"].new_project
    assert new is not None and by_name["专项业务费"].form.project_id == new.id
    applied = apply_plan(target, plan)
    assert applied.project_ids == (new.id,)
    assert target.project_by_name("专项业务费") is not None and len(target.forms) == 2
    revert_plan(target, applied)
    assert snapshot(target) == before


# -- provenance --------------------------------------------------------------------------
def test_provenance_marks_carried_values_until_confirmed(demo_ws, registry):
    plan = plan_declarations(demo_ws, demo_ws, registry, 2022, 2023, projects=["补充日常经费"])
    applied = apply_plan(demo_ws, plan)
    form = demo_ws.forms[applied.form_ids[0]]
    row = form.indicators[0]
    prov = Provenance.from_text(row.provenance)
    source = form_named(demo_ws, "补充日常经费", 2022)
    assert (prov.form_id, prov.year, prov.kind, prov.rule) == (source.id, 2022, "self-evaluation", "keep")
    assert source.indicator(prov.indicator_id).level3 == row.level3
    assert is_carried(row, "target") and "2022 年绩效自评表" in prov.describe()
    assert confirm_indicator(demo_ws, form.id, row.id, ["target"])
    assert not is_carried(row, "target") and is_carried(row, "level3")
    assert confirm_indicator(demo_ws, form.id, row.id)
    assert not is_carried(row, "level3") and Provenance.from_text(row.provenance).form_id == source.id
    assert not confirm_indicator(demo_ws, form.id, row.id)  # nothing left to confirm


def test_provenance_reads_foreign_text():
    assert Provenance.from_text("2021 自评表").note == "2021 自评表"
    assert Provenance.from_text("{broken").unconfirmed == ()
    assert Provenance.from_text("").describe() == ""


def test_rolled_provenance_survives_the_file(tmp_path, registry):
    path = tmp_path / "a.perfdesk"
    from perfdesk.demodata import build_workspace
    with FileStore.create(path) as store:
        store.write_all(build_workspace())
        ws = store.workspace
        applied = apply_plan(ws, plan_self_evaluations(ws, ws, registry, 2026, projects=["补充公积金"]))
        expected = snapshot(ws)
    with FileStore.open(path, read_only=True) as again:
        assert snapshot(again.workspace) == expected
        form = again.workspace.forms[applied.form_ids[0]]
        assert all(is_carried(i, "target") for i in form.indicators)


def test_a_refused_write_leaves_the_document_as_it_was(tmp_path, registry):
    path = tmp_path / "a.perfdesk"
    from perfdesk.demodata import build_workspace
    with FileStore.create(path) as store:
        store.write_all(build_workspace())
    with FileStore.open(path, read_only=True) as store:
        ws = store.workspace
        before = snapshot(ws)
        with pytest.raises(ReadOnlyError):
            apply_plan(ws, plan_self_evaluations(ws, ws, registry, 2026))
        assert snapshot(ws) == before


def test_last_year_values_beside_this_years(demo_ws, registry):
    applied = apply_plan(demo_ws, plan_declarations(demo_ws, demo_ws, registry, 2022, 2023,
                                                     projects=["补充日常经费"]))
    form = demo_ws.forms[applied.form_ids[0]]
    row = indicator_named(form, "临时工社保公积金缴纳覆盖人数")
    last = last_year_values(demo_ws, form, row)
    assert (last.year, last.kind, last.target.raw, last.actual.raw) == (2022, FormKind.SELF_EVALUATION, "=7 人", "6.17")
    # Without provenance the row is found by its name; 2026 looks back past the 2023 form.
    declared_2026 = form_named(demo_ws, "补充日常经费", 2026)
    hits = [last_year_values(demo_ws, declared_2026, i) for i in declared_2026.indicators]
    assert any(h is not None and h.year == 2023 for h in hits)
    assert last_year_values(demo_ws, form_named(demo_ws, "补充日常经费", 2022),
                            form_named(demo_ws, "补充日常经费", 2022).indicators[0]) is None


# -- weights -----------------------------------------------------------------------------
def test_default_weights_without_satisfaction_move_its_share(registry):
    definition = registry.get("sh-selfeval-2020")
    rows = [ind("a"), ind("b"), ind("c", level1="效益指标", level2="社会效益指标")]
    weights, notes = default_weights(rows, definition)
    assert weights == [D(28), D(28), D(34)] and sum(weights) == 90
    assert any("满意度指标" in n for n in notes)
    weights, notes = default_weights([ind("x", level1="投入与管理"), ind("y")], definition)
    assert weights == [D(0), D(90)] and any("投入与管理" in n for n in notes)
    weights, _ = default_weights([ind("x", level1="投入与管理")] * 7, definition)
    assert sum(weights) == 90 and set(weights) == {D(13), D(12)}  # whole points when possible


def test_apportion_examples():
    """Roll-forward's default split uses the splitter of 分值配平 (perfdesk/domain/weights.py)."""
    assert apportion(D(50), [D(1)] * 14) == [D(4)] * 8 + [D(3)] * 6
    assert apportion(D(90), [D(50), D(30)]) == [D(56), D(34)]
    assert apportion(D(10), [D(1)] * 12) == [D(1)] * 8 + [D("0.5")] * 4  # halves, not 0.84 / 0.83
    assert apportion(D("7.5"), [D(1), D(1)]) == [D(4), D("3.5")]
    assert apportion(D(10), [D(1)] * 25) == [D("0.4")] * 25  # fewer half-points than rows: cents
    assert apportion(D(10), []) == []
    assert apportion(D(10), [D(0), D(0)]) == [D(5), D(5)]
    with pytest.raises(ValueError):
        apportion(D(-1), [D(1)])


@given(total=st.decimals(min_value=0, max_value=1000, places=2),
       shares=st.lists(st.integers(min_value=0, max_value=100).map(Decimal), min_size=1, max_size=60))
def test_apportion_sums_exactly(total, shares):
    parts = apportion(total, shares)
    assert len(parts) == len(shares)
    assert sum(parts) == total
    assert all(p >= 0 and p == p.quantize(D("0.01")) for p in parts)
    if any(shares):
        assert all(p == 0 for p, s in zip(parts, shares) if s == 0)


@given(total=st.integers(min_value=1, max_value=200), n=st.integers(min_value=1, max_value=60))
def test_apportion_even_uses_whole_points_when_it_can(total, n):
    parts = apportion(D(total), [D(1)] * n)
    assert sum(parts) == total and max(parts) - min(parts) <= 1
    if n <= total:
        assert all(p == p.to_integral_value() and p >= 1 for p in parts)
    elif n <= 2 * total:
        assert set(parts) <= {D(1), D("0.5")}
    else:
        assert max(parts) - min(parts) <= D("0.01")


@given(n=st.lists(st.sampled_from(["产出指标", "效益指标", "满意度指标"]), min_size=1, max_size=40))
def test_default_weights_always_total_100(registry, n):
    definition = registry.get("sh-selfeval-2020")
    rows = [ind(str(i), level1=level1) for i, level1 in enumerate(n)]
    weights, _ = default_weights(rows, definition)
    assert sum(weights) + definition.scoring.budget_weight == 100


def test_a_unit_declaration_rolls_into_a_unit_self_evaluation(registry):
    """A 部门整体 declaration becomes a 部门整体 self-evaluation even where another layout fits
    its region, unit and 一级 names as well: here a unit's own 部门整体 layout that uses the
    national 产出 / 效益 / 满意度 system, listed after the national 万元 form."""
    from dataclasses import replace

    national = registry.get("national-selfeval-wanyuan")
    own_unit = replace(registry.get("unit-selfeval-2021"), id="my-unit-selfeval", taxonomy=national.taxonomy)
    defs = [d for d in registry if d.id != "unit-selfeval-2021"] + [own_unit]
    ws, _ = declaration([ind("预算执行率", "≥95%")], year=2026, definition="unit-declaration-2021")
    plan = plan_self_evaluations(ws, ws, defs, 2026)
    assert [form.definition.id for form in plan.forms] == ["my-unit-selfeval"]
