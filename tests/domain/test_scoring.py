"""Scoring rules of domain.md §6."""

from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st

from perfdesk.domain.scoring import round2, score_form, score_indicator

from .builders import default_split_rows, full_budget, ind, selfeval

D = Decimal


@pytest.fixture
def rules(registry):
    return registry.get("sh-selfeval-2020").scoring


@pytest.mark.parametrize("value,expected", [("6.8116", "6.81"), ("5.285", "5.29"), ("3.875", "3.88"),
                                            ("1.075", "1.08"), ("2.004999", "2.00")])
def test_round_half_up(value, expected):
    assert round2(D(value)) == D(expected)


@pytest.mark.parametrize("target,actual,weight,expected", [
    ("=7 人", "6.17", 6, "5.29"),  # positive missed: 6 × 6.17 / 7
    ("=327套", "=317套", 4, "3.88"),
    ("≥428个", "115.55", 4, "1.08"),  # 六安: 4 × 115.55 / 428
    ("≥95%", "99%", 5, "5"),  # met
    (">95%", "95%", 5, "5.00"),  # strict: 95 is not > 95 → 5 × 95/95 = 5 (ratio caps at full)
    ("=100%", "100%", 7, "7"),
    ("=0次", "0", 5, "5"),  # =0 incidents, none happened
    ("=0次", "1次", 5, "0"),
    ("≤5起", "3", 4, "4"),  # reverse met
    ("≤10元", "15元", 4, "2.00"),  # reverse linear: 4 × (1 − 5/10)
    ("≤10元", "25元", 4, "0.00"),  # beyond twice the target → 0
    ("<10天", "10天", 4, "4.00"),  # strict reverse missed at the target itself → full × (1 − 0)
    ("≤873.41(万元)", "8,000,000元", 4, "4"),  # units converted: 800 万元 ≤ 873.41 万元
    ("≥10万元", "50000元", 4, "2.00"),  # 5 万元 of 10 万元
])
def test_quantitative_rules(rules, target, actual, weight, expected):
    score, _ = score_indicator(ind(target=target, actual=actual, weight=weight), rules)
    assert score == D(expected)


def test_reverse_ratio_rule_is_a_setting(registry):
    from dataclasses import replace

    rules = replace(registry.get("sh-selfeval-2020").scoring, reverse_rule="ratio")
    score, rule = score_indicator(ind(target="≤10元", actual="20元", weight=4), rules)
    assert (score, rule) == (D("2.00"), "reverse-ratio")


@pytest.mark.parametrize("target,actual,grade,expected", [
    ("及时", "及时", None, "4"),  # equals the target
    ("有效保障", "已完成", None, "4"),  # says 已完成
    ("提升", "进一步提升", None, None),  # a person decides
    ("及时", "略有延迟", None, None),  # the word 及时 is not there; no suggestion
    ("按期完成", "未完成", None, None),  # 未完成 is a shortfall, never "done"
    ("提升", "有所提升", "partial", "3.20"),  # band 60–80 %: suggestion is the top of the band
    ("提升", "没有提升", "missed", "2.40"),
])
def test_qualitative_rules(rules, target, actual, grade, expected):
    score, _ = score_indicator(ind(target=target, actual=actual, weight=4, grade=grade), rules)
    assert score == (None if expected is None else D(expected))


def test_no_actual_means_not_scored_yet(rules):
    assert score_indicator(ind(target="≥95%", actual="", weight=5), rules) == (None, "no-actual")


def test_total_is_budget_plus_rounded_rows_and_grades(registry):
    rows = default_split_rows()
    rows[0] = ind("完成率", "=3 个", "2 个", 50)  # 33.333… → 33.33
    ws, form = selfeval(rows, full_budget(1000, 700))
    score = score_form(form, registry.get(form.definition_id))
    assert score.budget.computed == D("7.00")
    assert score.rows[rows[0].id].computed == D("33.33")
    assert score.total == D("7") + D("33.33") + 30 + 10
    assert score.grade == "良"  # 80.33


def test_entered_score_wins_and_is_an_override(registry):
    rows = default_split_rows()
    rows[1].score = D("20")
    ws, form = selfeval(rows, full_budget())
    score = score_form(form, registry.get(form.definition_id))
    row = score.rows[rows[1].id]
    assert row.computed == 30 and row.score == 20 and row.overridden
    assert score.total == 10 + 50 + 20 + 10


@pytest.mark.parametrize("total,grade", [("90", "优"), ("89.99", "良"), ("80", "良"), ("79.99", "中"),
                                         ("60", "中"), ("59.99", "差")])
def test_grade_bands(rules, total, grade):
    assert rules.grade_of(D(total)) == grade


def test_execution_over_budget_caps_at_full(registry):
    ws, form = selfeval(default_split_rows(), full_budget(100, 120))
    assert score_form(form, registry.get(form.definition_id)).budget.computed == D("10.00")


numbers = st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False)
signs = st.sampled_from(["=", "≥", "≤", ">", "<", ">=", "<="])
units = st.sampled_from(["%", "个", "万元", "元", "次", ""])


@settings(max_examples=300, deadline=None)
@given(sign=signs, target=numbers, actual=numbers, weight=st.integers(0, 20), unit=units,
       actual_unit=units, reverse_rule=st.sampled_from(["linear", "ratio"]))
def test_score_stays_within_zero_and_weight(registry, sign, target, actual, weight, unit, actual_unit,
                                            reverse_rule):
    from dataclasses import replace

    rules = replace(registry.get("sh-selfeval-2020").scoring, reverse_rule=reverse_rule)
    score, _ = score_indicator(ind(target=f"{sign}{target}{unit}", actual=f"{actual}{actual_unit}",
                                   weight=weight), rules)
    assert score is not None and 0 <= score <= weight
    assert score == round2(score)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(numbers, numbers, st.integers(0, 20)), min_size=1, max_size=12),
       numbers, numbers)
def test_total_is_the_sum_of_rounded_rows(registry, rows, budget, executed):
    indicators = [ind(f"指标{i}", f"≥{t}个", f"{a}个", w) for i, (t, a, w) in enumerate(rows)]
    ws, form = selfeval(indicators, {"total.budget": budget, "total.executed": executed})
    score = score_form(form, registry.get(form.definition_id))
    budget_part = score.budget.score or 0
    assert score.total == round2(budget_part + sum(round2(r.score) for r in score.rows.values()))
    assert score.weight_total == 10 + sum(w for _, _, w in rows)
