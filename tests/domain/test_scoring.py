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
    ("提升", "有所提升", "partial", "2.80"),  # band 60–80 %: the middle of the band, 70 %
    ("提升", "没有提升", "missed", "1.20"),  # band 0–60 %: 30 %
    ("提升", "有效提升", "achieved", "3.60"),  # band 80–100 %: 90 %
    ("及时", "已完成", "partial", "2.80"),  # a chosen band outweighs the words of the actual
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


# -- overrides: a person's score counts, the rule's stays beside it --------------------------
def test_without_overrides_every_score_is_the_rules_and_moves_with_edits(registry):
    rows = default_split_rows()
    ws, form = selfeval(rows, full_budget())
    definition = registry.get(form.definition_id)
    assert score_form(form, definition).total == 100
    ws.set_indicator(form.id, rows[0].id, "actual", "50%")  # =100% target, half achieved
    score = score_form(form, definition)
    assert score.rows[rows[0].id].score == D("25.00") and not score.rows[rows[0].id].entered_is_override
    assert score.total == score.computed_total == D("75.00")


def test_a_total_override_counts_and_the_derived_total_stays_beside_it(registry):
    rows = default_split_rows()
    ws, form = selfeval(rows, full_budget())
    definition = registry.get(form.definition_id)
    form.total = D("88")
    score = score_form(form, definition)
    assert score.total == 88 and score.computed_total == 100 and score.total_overridden
    assert score.grade == "良"  # the grade follows the total that counts
    ws.set_indicator(form.id, rows[0].id, "actual", "50%")
    score = score_form(form, definition)
    assert score.total == 88 and score.computed_total == D("75.00")
    form.total = None
    assert score_form(form, definition).grade == "中"


def test_a_budget_override_counts_in_the_total(registry):
    ws, form = selfeval(default_split_rows(), full_budget(1000, 681))
    definition = registry.get(form.definition_id)
    form.budget_score = D("7")
    score = score_form(form, definition)
    assert score.budget.computed == D("6.81") and score.budget.score == 7 and score.budget.overridden
    assert score.computed_total == D("97.00")


def test_grade_needs_a_complete_form_unless_the_total_is_decided(registry):
    rows = default_split_rows()
    rows[1].actual = parse_value("")
    ws, form = selfeval(rows, full_budget())
    definition = registry.get(form.definition_id)
    assert score_form(form, definition).grade is None
    form.total = D("91")
    assert score_form(form, definition).grade == "优"


def parse_value(text):
    from perfdesk.domain.values import parse

    return parse(text)


# -- grade bands -----------------------------------------------------------------------------
def _rules(registry, **changes):
    from dataclasses import replace

    return replace(registry.get("sh-selfeval-2020").scoring, **changes)


@pytest.mark.parametrize("rule,expected", [("middle", ["5.40", "4.20", "1.80"]), ("top", ["6", "4.80", "3.60"])])
def test_grade_rule_decides_the_score_of_each_band(registry, rule, expected):
    rules = _rules(registry, grade_rule=rule)
    got = [score_indicator(ind(target="提升", actual="有所提升", weight=6, grade=key), rules)[0]
           for key in ("achieved", "partial", "missed")]
    assert got == [D(e) for e in expected]


def test_fixed_grade_rule_takes_each_bands_own_share(registry):
    from dataclasses import replace

    base = registry.get("sh-selfeval-2020").scoring
    bands = tuple(replace(b, score=s) for b, s in zip(base.bands, (D("0.95"), D("0.75"), D("0.5"))))
    rules = replace(base, grade_rule="fixed", bands=bands)
    assert score_indicator(ind(target="提升", actual="有所提升", weight=4, grade="partial"), rules)[0] == D("3.00")


def test_grade_bands_show_range_and_score_for_a_weight(registry):
    from perfdesk.domain.scoring import grade_bands

    bands = grade_bands(registry.get("sh-selfeval-2020").scoring, D(6))
    assert [(b.key, b.low, b.high, b.score) for b in bands] == [
        ("achieved", D("4.80"), D("6.00"), D("5.40")),
        ("partial", D("3.60"), D("4.80"), D("4.20")),
        ("missed", D("0.00"), D("3.60"), D("1.80")),
    ]
    assert bands[1].label == "部分达成并具有一定效果"
    assert all(b.score is None for b in grade_bands(registry.get("sh-selfeval-2020").scoring, None))


def test_the_shipped_default_grade_rule_is_the_middle(registry):
    assert registry.get("sh-selfeval-2020").scoring.grade_rule == "middle"
    assert registry.get("national-selfeval-wanyuan").scoring.grade_rule == "middle"


@pytest.mark.parametrize("extra,needle", [
    ('grade_rule = "best"\n', "grade_rule"),
    ('grade_rule = "fixed"\n', "score"),
    ('bands = [{ key = "a", label = "甲", low = 0.9, high = 0.8 }]\n', "low"),
    ('bands = [{ key = "a", label = "甲", low = 0.6, high = 0.8, score = 0.9 }]\n', "score"),
])
def test_grade_settings_are_validated_when_loaded(tmp_path, extra, needle):
    from perfdesk.formdefs import FORMS_DIR, DefinitionError, Registry

    (tmp_path / "base.toml").write_text((FORMS_DIR / "sh-selfeval-2020.toml").read_text(encoding="utf-8"),
                                        encoding="utf-8")
    (tmp_path / "variant.toml").write_text('extends = "sh-selfeval-2020"\nid = "variant"\n[scoring]\n' + extra,
                                           encoding="utf-8")
    with pytest.raises(DefinitionError) as info:
        Registry.from_dirs([tmp_path])
    assert needle in str(info.value)


def test_a_negative_or_reverse_target_never_gives_more_than_the_weight(rules):
    for target, actual in (("≤-5", "-3"), ("<-5", "-4"), ("≤-10元", "-1元")):
        for rule in ("linear", "ratio"):
            from dataclasses import replace

            score, _ = score_indicator(ind(target=target, actual=actual, weight=4), replace(rules, reverse_rule=rule))
            assert score is not None and 0 <= score <= 4, (target, actual, rule, score)
