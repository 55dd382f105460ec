"""Each score shows its working in Chinese, with the numbers the rules used."""

from dataclasses import replace
from decimal import Decimal

import pytest

from perfdesk.domain.model import OverrideNote
from perfdesk.domain.scoring import explain_budget, explain_row, explain_total, score_form

from ..conftest import form_named, indicator_named
from .builders import default_split_rows, full_budget, ind, selfeval

D = Decimal


def _explain(registry, indicator, definition="sh-selfeval-2020", **changes):
    ws, form = selfeval([indicator], full_budget(), definition=definition)
    defn = registry.get(definition)
    if changes:
        defn = replace(defn, scoring=replace(defn.scoring, **changes))
    return explain_row(form, defn, indicator, score_form(form, defn).rows[indicator.id])


@pytest.mark.parametrize("target,actual,weight,expected", [
    ("=7 人", "6.17", 6, "正向：6.17 ÷ 7 × 6 = 5.29"),
    ("≥95%", "99%", 5, "正向：实际 99% ≥ 目标 95%，达到目标，得满分 5。"),
    (">95%", "95%", 5, "正向：95 ÷ 95 × 5 = 5.00"),
    ("≤10元", "15元", 4, "反向：(1 − (15 − 10) ÷ 10) × 4 = 2.00（最低 0 分）"),
    ("≤5起", "3", 4, "反向：实际 3起 ≤ 目标 5起，达到目标，得满分 4。"),
    ("=0次", "1次", 5, "目标为 0：实际 1次 大于 0，得 0 分。"),
    ("≥10万元", "50000元", 4, "正向：实际 50000元 换算为 5万元；5 ÷ 10 × 4 = 2.00"),
    ("及时", "及时", 4, "定性：实际完成值“及时”表明已完成，得满分 4。"),
    ("提升", "进一步提升", 4, "定性：实际完成值未表明已完成，请选择评定档次，或人工评定得分。"),
    ("≥95%", "", 5, "尚未填写实际完成值，暂不评分。"),
])
def test_the_working_of_each_rule(registry, target, actual, weight, expected):
    assert _explain(registry, ind(target=target, actual=actual, weight=weight)) == expected


def test_reverse_ratio_working(registry):
    text = _explain(registry, ind(target="≤10元", actual="20元", weight=4), reverse_rule="ratio")
    assert text == "反向：10 ÷ 20 × 4 = 2.00"


@pytest.mark.parametrize("rule,expected", [
    ("middle", "定性：评定档次“部分达成并具有一定效果”，分值 6 的 60%–80%，取中点 70% = 4.20"),
    ("top", "定性：评定档次“部分达成并具有一定效果”，分值 6 的 60%–80%，取上限 80% = 4.80"),
])
def test_the_working_of_a_grade_band(registry, rule, expected):
    indicator = ind(target="提升", actual="有所提升", weight=6, grade="partial")
    assert _explain(registry, indicator, grade_rule=rule) == expected


def test_an_override_names_the_rules_score_and_the_reason(demo_ws, registry):
    form = form_named(demo_ws, "补充日常经费", 2022)
    definition = registry.get(form.definition_id)
    row = indicator_named(form, "临时工社保公积金缴纳覆盖人数")
    demo_ws.set_indicator(form.id, row.id, "score", D(4))
    demo_ws.set_indicator(form.id, row.id, "score_note", OverrideNote("两人年中离职", "2023-01-05T10:00:00", D("5.29")))
    text = explain_row(form, definition, row)
    assert text.splitlines() == ["人工评定：4（按规则为 5.29；理由：两人年中离职）", "正向：6.17 ÷ 7 × 6 = 5.29"]


def test_budget_working(demo_ws, registry):
    form = form_named(demo_ws, "补充日常经费", 2022)
    definition = registry.get(form.definition_id)
    assert explain_budget(form, definition) == "预算执行率：1,297,747.17 ÷ 1,905,200.00 = 68.12%，× 10 = 6.81"
    demo_ws.set_amount(form.id, "total.executed", D("2000000"))
    assert "超过 100% 按 100% 计，× 10 = 10.00" in explain_budget(form, definition)
    demo_ws.set_amount(form.id, "total.executed", None)
    assert explain_budget(form, definition) == "预算执行率：全年预算数或全年执行数未填，暂不计算。"
    demo_ws.set_budget_score(form.id, D(7), OverrideNote("按审计结果", "2023-01-05T10:00:00", None))
    assert explain_budget(form, definition).splitlines()[0] == "人工评定：7（规则不给出计算分；理由：按审计结果）"


def test_total_working(registry):
    ws, form = selfeval(default_split_rows(), full_budget(1000, 681))
    definition = registry.get(form.definition_id)
    assert explain_total(form, definition) == "总分：预算执行率得分 6.81 + 各项得分之和 90.00 = 96.81"
    ws.set_total(form.id, D(99), OverrideNote("按评审会意见", "2023-01-05T10:00:00", D("96.81")))
    assert explain_total(form, definition).splitlines()[0] == "人工评定：99（按计算为 96.81；理由：按评审会意见）"
