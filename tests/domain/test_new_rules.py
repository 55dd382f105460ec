"""The rules added for trustworthy forms (E11–E16, W12–W14, I2–I4) and the remedies issues
carry as data (`Fix`): each rule fires on its fault, and stays silent on a clean demo form."""

from decimal import Decimal

import pytest

from perfdesk.domain.definition import FormKind
from perfdesk.domain.model import Indicator
from perfdesk.domain.validation import (
    ADD_UNIT,
    BALANCE_WEIGHTS,
    BUDGET_COMPUTED,
    MARK_ADJUSTED,
    RESTORE_DECLARED,
    TOTAL_COMPUTED,
    UNMARK_ADJUSTED,
    USE_COMPUTED,
    Severity,
    validate_form,
)
from perfdesk.domain.values import parse

from ..conftest import form_named, indicator_named

D = Decimal
PROJECT = "专项业务费"  # its 2022 self-evaluation and 2026 declaration carry no error or warning


def _form(ws, kind):
    for form in ws.forms.values():
        if ws.project_name(form) == PROJECT and form.kind is kind:
            return form
    raise LookupError(kind)


def _issues(ws, registry, form, code):
    return [i for i in validate_form(form, registry.get(form.definition_id), ws) if i.code == code]


def _row(form, level3):
    return indicator_named(form, level3)


DECL, SELF = FormKind.DECLARATION, FormKind.SELF_EVALUATION


def blank_field(key):
    return lambda ws, form: ws.set_field(form.id, key, "  ")


def set_target(level3, text):
    return lambda ws, form: ws.set_indicator(form.id, _row(form, level3).id, "target", text)


def set_actual(level3, text):
    return lambda ws, form: ws.set_indicator(form.id, _row(form, level3).id, "actual", text)


def relevel(level1_from, level1_to):
    def change(ws, form):
        for ind in form.indicators:
            if ind.level1 == level1_from:
                ws.set_indicator(form.id, ind.id, "level1", level1_to)
    return change


CASES = [
    # code, severity, form kind, fault, column of the issue, words of the message
    ("E11", Severity.ERROR, DECL, set_target("律师顾问工作完成率", "≥"), "target", "只有符号没有数字"),
    ("E11", Severity.ERROR, DECL, set_target("律师顾问工作完成率", "=abc"), "target", "只有符号没有数字"),
    ("E11", Severity.ERROR, SELF, set_actual("年报刊登工作完成率", "≥abc%"), "actual", "只有符号没有数字"),
    ("E12", Severity.ERROR, DECL, blank_field("project_name"), "project_name", "项目名称未填写"),
    ("E12", Severity.ERROR, DECL, blank_field("department"), "department", "主管部门未填写"),
    ("I2", Severity.INFO, DECL, blank_field("implementer"), "implementer", "实施单位未填写"),
    ("E12", Severity.ERROR, SELF, blank_field("department"), "department", "主管部门未填写"),
    ("E13", Severity.ERROR, DECL, blank_field("goal_annual"), "goal_annual", "年度总体目标未填写"),
    ("E13", Severity.ERROR, SELF, blank_field("goal_expected"), "goal_expected", "预期目标未填写"),
    ("E14", Severity.ERROR, DECL, relevel("效益指标", "满意度指标"), None, "效益指标"),
    ("E14", Severity.ERROR, SELF, relevel("产出指标", "满意度指标"), None, "产出指标"),
    ("E15", Severity.ERROR, DECL, set_target("律师顾问工作完成率", "≥X%"), "target", "占位符"),
    ("E15", Severity.ERROR, DECL, set_target("律师顾问工作完成率", "=**(%)"), "target", "占位符"),
    ("E15", Severity.ERROR, DECL, set_target("律师顾问工作完成率", "XX次"), "target", "占位符"),
    ("W12", Severity.WARNING, DECL, set_target("律师顾问服务实际支出", "≥40.80(万元)"), "target", "≤"),
    ("W12", Severity.WARNING, DECL, set_target("律师顾问服务实际支出", ">40(万元)"), "target", "上限"),
    ("W13", Severity.WARNING, DECL, set_target("律师顾问工作完成率", "=1000(%)"), "target", "超过 100%"),
    ("W13", Severity.WARNING, SELF, set_target("律师顾问工作验收合格率", "≥190%"), "target", "超过 100%"),
    ("W14", Severity.WARNING, DECL, set_target("律师顾问工作完成及时性", "2027年3月底前"), "target", "2026-12-31"),
    ("W14", Severity.WARNING, DECL, set_target("律师顾问工作完成及时性", "2027-01-15前完成"), "target",
     "计划完成日期"),
    ("I3", Severity.INFO, DECL, set_target("律师顾问工作完成率", "不断完善"), "target", "可衡量"),
    ("I3", Severity.INFO, SELF, set_target("异地购房提取发函准确性", "有效提升"), "target", "可衡量"),
]


@pytest.mark.parametrize("code,severity,kind,fault,column,words", CASES)
def test_rule_fires_on_its_fault_and_not_on_the_clean_demo_form(demo_ws, registry, code, severity, kind, fault,
                                                              column, words):
    form = _form(demo_ws, kind)
    before = _issues(demo_ws, registry, form, code)
    fault(demo_ws, form)
    after = _issues(demo_ws, registry, form, code)
    assert len(after) > len(before), (code, after)
    new = [i for i in after if i not in before]
    assert all(i.severity is severity for i in new)
    assert any(words in i.message for i in new), [i.message for i in new]
    if column is not None:
        assert any(i.location.column == column for i in new)


SILENT_ON_BOTH = ("E11", "E12", "E13", "E14", "E15", "E16", "W12", "W13", "W14", "I2", "I4")


@pytest.mark.parametrize("code", SILENT_ON_BOTH)
def test_new_rules_are_silent_on_every_clean_demo_form(demo_ws, registry, code):
    for form in demo_ws.forms.values():
        assert not _issues(demo_ws, registry, form, code), (demo_ws.project_name(form), form.kind)


def test_i3_only_for_vague_words_in_measurable_second_levels(demo_ws, registry):
    form = _form(demo_ws, DECL)
    assert [i.location.item_id for i in _issues(demo_ws, registry, form, "I3")] == [
        _row(form, "律师顾问工作完成及时性").id]  # “及时” under 时效指标; 有效维持 is a 效益 row
    for text in ("按规定公开", "每月一次", "2026年6月30日前完成", "≥95%", "进一步提升服务水平"):
        set_target("律师顾问工作完成及时性", text)(demo_ws, form)
        assert not _issues(demo_ws, registry, form, "I3"), text


def test_w12_leaves_upper_limits_and_unsigned_costs_alone(demo_ws, registry):
    form = _form(demo_ws, DECL)
    for text in ("≤40.80(万元)", "<41万元", "=40.80万元"):
        set_target("律师顾问服务实际支出", text)(demo_ws, form)
        assert not _issues(demo_ws, registry, form, "W12"), text


def test_w13_leaves_reverse_and_plain_percentages_alone(demo_ws, registry):
    form = _form(demo_ws, DECL)
    for text in ("≤150%", "=100%", "≥99.9%", "≥120个"):
        set_target("律师顾问工作完成率", text)(demo_ws, form)
        assert not _issues(demo_ws, registry, form, "W13"), text


def test_w14_needs_a_plan_end_and_a_later_date(demo_ws, registry):
    form = _form(demo_ws, DECL)
    for text in ("2026年12月31日前", "2026年底前", "及时", "3天内"):
        set_target("律师顾问工作完成及时性", text)(demo_ws, form)
        assert not _issues(demo_ws, registry, form, "W14"), text
    set_target("律师顾问工作完成及时性", "2026年12月")(demo_ws, form)
    demo_ws.set_field(form.id, "end_date", "2026-06-30")
    assert len(_issues(demo_ws, registry, form, "W14")) == 1
    demo_ws.set_field(form.id, "end_date", "")
    assert not _issues(demo_ws, registry, form, "W14")


def test_placeholders_are_not_confused_with_words(demo_ws, registry):
    form = _form(demo_ws, DECL)
    for text in ("≥5(台X光机)", "=1(套OS X系统)", "≥2(Excel表)"):
        set_target("律师顾问工作完成率", text)(demo_ws, form)
        assert not _issues(demo_ws, registry, form, "E15"), text


# -- fixes carried as data ---------------------------------------------------------------------
def _fix_kinds(issue):
    return [f.kind for f in issue.fixes]


def test_i1_e2_e7_offer_the_computed_score(demo_ws, registry):
    form = form_named(demo_ws, "补充日常经费", 2022)
    row = indicator_named(form, "临时工社保公积金缴纳覆盖人数")
    [i1] = [i for i in _issues(demo_ws, registry, form, "I1") if i.location.item_id == row.id]
    assert i1.fixes[0].kind == USE_COMPUTED and i1.fixes[0].item_id == row.id and i1.fixes[0].label == "采用计算得分"
    demo_ws.set_indicator(form.id, row.id, "score", D(9))
    [e2] = _issues(demo_ws, registry, form, "E2")
    assert _fix_kinds(e2) == [USE_COMPUTED] and "5.29" in e2.message


def test_e7_agrees_with_the_computed_score_of_the_band(demo_ws, registry):
    form = form_named(demo_ws, "补充公积金", 2022)
    row = indicator_named(form, "项目管理机制完善情况")  # 6 分, entered 5, target 不断完善
    demo_ws.set_indicator(form.id, row.id, "grade", "partial")
    [e7] = [i for i in _issues(demo_ws, registry, form, "E7") if i.location.item_id == row.id]
    assert "3.60～4.80" in e7.message and "4.20" in e7.message and _fix_kinds(e7) == [USE_COMPUTED]
    demo_ws.set_indicator(form.id, row.id, "score", None)
    assert not [i for i in _issues(demo_ws, registry, form, "E7") if i.location.item_id == row.id]


def test_e3_is_an_info_naming_both_totals(demo_ws, registry):
    form = form_named(demo_ws, "补充日常经费", 2022)
    demo_ws.set_total(form.id, D(99))
    [e3] = _issues(demo_ws, registry, form, "E3")
    assert e3.severity is Severity.INFO and "99" in e3.message and "94.81" in e3.message
    assert _fix_kinds(e3) == [TOTAL_COMPUTED] and e3.fixes[0].label == "总分按计算"
    assert e3.where == "「总分」"


def test_e4_offers_the_formula(demo_ws, registry):
    form = form_named(demo_ws, "补充日常经费", 2022)
    demo_ws.set_budget_score(form.id, D(7))
    [e4] = _issues(demo_ws, registry, form, "E4")
    assert _fix_kinds(e4) == [BUDGET_COMPUTED] and "6.81" in e4.message
    assert "budget_score" not in e4.where and "预算执行率得分" in e4.where


def test_weights_off_offer_balancing(demo_ws, registry):
    form = form_named(demo_ws, "补充日常经费", 2022)
    row = indicator_named(form, "临时工社保公积金缴纳覆盖人数")
    demo_ws.set_indicator(form.id, row.id, "weight", D(8))
    [e1] = _issues(demo_ws, registry, form, "E1")
    assert _fix_kinds(e1) == [BALANCE_WEIGHTS] and e1.fixes[0].value is None
    assert "weight" not in e1.where and e1.where == "「总分」「分值合计」"
    [w1] = _issues(demo_ws, registry, form, "W1")
    assert _fix_kinds(w1) == [BALANCE_WEIGHTS]
    demo_ws.set_indicator(form.id, row.id, "weight", None)
    missing = [i for i in _issues(demo_ws, registry, form, "E1") if i.location.item_id == row.id]
    assert missing[0].fixes[0].value == "产出指标"


def test_e8_offers_the_unit_the_actual_or_the_declaration_uses(demo_ws, registry):
    form = form_named(demo_ws, "补充日常经费", 2022)
    row = indicator_named(form, "临时工社保公积金缴纳覆盖人数")
    demo_ws.set_indicator(form.id, row.id, "target", "=7")
    demo_ws.set_indicator(form.id, row.id, "actual", "6.17人")
    [e8] = [i for i in _issues(demo_ws, registry, form, "E8") if i.location.item_id == row.id]
    assert e8.fixes[0].kind == ADD_UNIT and e8.fixes[0].value == "人" and e8.fixes[0].item_id == row.id
    demo_ws.set_indicator(form.id, row.id, "actual", "6.17")
    [e8] = [i for i in _issues(demo_ws, registry, form, "E8") if i.location.item_id == row.id]
    assert e8.fixes == ()  # nothing says which unit: no remedy offered, the message asks


def test_e10_offers_restoring_the_declared_target_or_marking_adjusted(registry):
    from .builders import HEADER, default_split_rows, full_budget, selfeval

    ws, form = selfeval(default_split_rows(), full_budget(), goal_expected="完成")
    declared = Indicator(level1="产出指标", level2="数量指标", level3="完成率", target=parse("=100(%)"))
    others = [Indicator(level1=i.level1, level2=i.level2, level3=i.level3, target=i.target)
              for i in form.indicators[1:]]
    from perfdesk.domain.model import Form

    ws.add_form(Form(project_id=form.project_id, kind=DECL, year=2022, definition_id="sh-declaration-2026",
                     fields=dict(HEADER), indicators=[declared] + others))
    assert not _issues(ws, registry, form, "E10")  # =100% and =100(%) mean the same
    ws.set_indicator(form.id, form.indicators[0].id, "target", "=90%")
    [e10] = _issues(ws, registry, form, "E10")
    assert _fix_kinds(e10) == [RESTORE_DECLARED, MARK_ADJUSTED]
    assert e10.fixes[0].value == "=100(%)" and e10.fixes[1].label == "标记为已调整"
    ws.set_indicator(form.id, form.indicators[0].id, "adjusted", True)
    assert not _issues(ws, registry, form, "E10") and not _issues(ws, registry, form, "I4")
    ws.set_indicator(form.id, form.indicators[0].id, "target", "=100%")
    [i4] = _issues(ws, registry, form, "I4")
    assert _fix_kinds(i4) == [UNMARK_ADJUSTED] and i4.fixes[0].label == "取消已调整"


def test_no_internal_keys_in_places_or_messages(demo_ws, registry):
    """Every issue of every demo form, and of forms broken in many ways, speaks Chinese."""
    keys = ("weight", "total", "budget_score", "score", "target", "actual", "level1", "level3", "executed",
            "None")
    for form in demo_ws.forms.values():
        definition = registry.get(form.definition_id)
        if definition.scored:
            demo_ws.set_total(form.id, D(1))
            demo_ws.set_budget_score(form.id, D(11))
            first = form.indicators[0]
            demo_ws.set_indicator(form.id, first.id, "weight", D(1))
            demo_ws.set_indicator(form.id, first.id, "score", D(3))
        for issue in validate_form(form, definition, demo_ws):
            for key in keys:
                assert key not in issue.where and key not in issue.message, issue
