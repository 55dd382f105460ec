"""Number cells take plain decimals only; whatever number still reaches scoring and
validation from an older file is reported, never computed into a traceback or a long wait."""

from decimal import Decimal

import pytest

from perfdesk.domain.scoring import grade_bands, score_form
from perfdesk.domain.validation import validate_form
from perfdesk.domain.values import is_sane_number, parse, parse_number, sane_number
from perfdesk.editing.cell_plan import number_refusal, parse_decimal, plan_amount, plan_cells

from .builders import default_split_rows, full_budget, selfeval

D = Decimal


@pytest.mark.parametrize("text,expected", [
    ("", None), ("  ", None), ("12.5", "12.5"), (" 1,234.50 ", "1234.50"), ("１２．５", "12.5"),
    ("－3", "-3"), ("1，234", "1234"), (".5", "0.5"), ("+7", "7"), ("999999999999.999", "999999999999.999"),
    ("-1000000000000", "-1000000000000"), ("0.000000000000001", "0.000000000000001"),
])
def test_plain_decimals_are_read_as_typed(text, expected):
    value = parse_number(text)
    assert value == (None if expected is None else D(expected))
    if expected is not None:
        assert str(value) == str(D(expected))  # the typed places are kept


@pytest.mark.parametrize("text,words", [
    ("1e5", "科学计数法"), ("1E+999999", "科学计数法"), ("1e999999999", "科学计数法"),
    ("1e-999999999", "科学计数法"), ("-1e40", "科学计数法"), ("NaN", "不是数字"), ("Infinity", "不是数字"),
    ("inf", "不是数字"), ("四分", "不是数字"), ("1.2.3", "不是数字"), ("0x10", "不是数字"),
    ("1000000000001", "范围"), ("-1000000000000.5", "范围"), ("1234567890.1234567", "有效数字"),
    ("0.0000000000000001", "小数"),
])
def test_anything_else_is_refused_with_a_reason(text, words):
    with pytest.raises(ValueError) as info:
        parse_number(text)
    assert words in str(info.value) and text.strip() in str(info.value)
    assert parse_decimal(text) is False
    assert words in number_refusal(text)


def test_cells_refuse_what_does_not_parse_and_say_why():
    ws, form = selfeval(default_split_rows(), full_budget())
    before = form.indicators[0].weight
    plan = plan_cells(ws, form.id, [(0, "weight", "1e999999999"), (1, "score", "NaN")], "改")
    assert not plan and plan.commands == []
    assert any("科学计数法" in why for why in plan.refused) and any("不是数字" in why for why in plan.refused)
    assert form.indicators[0].weight == before
    assert plan_amount(ws, form.id, "total.executed", "1E+999999", "改") is None
    assert plan_amount(ws, form.id, "total.executed", D("1e999999999"), "改") is None
    assert plan_amount(ws, form.id, "total.executed", "1,000", "改") is not None


@pytest.mark.parametrize("stored", ["1e999999999", "1E+999999", "-1e999999999", "NaN", "Infinity", "1e-999999999",
                                    "-1e40", "0E+999999", "1e16"])
@pytest.mark.parametrize("where", ["weight", "score", "budget_score", "total", "total.executed",
                                   "total.budget", "fiscal.executed"])
def test_scoring_and_validation_survive_any_stored_number(registry, stored, where):
    ws, form = selfeval(default_split_rows(), full_budget(), goal_expected="2022年完成")
    value = D(stored)
    if where in ("weight", "score"):
        setattr(form.indicators[0], where, value)
    elif where in ("budget_score", "total"):
        setattr(form, where, value)
    else:
        form.amounts[where] = value
    definition = registry.get(form.definition_id)
    score = score_form(form, definition)  # neither raises nor takes long
    issues = validate_form(form, definition, ws)
    assert score.computed_total is not None and abs(score.computed_total) < 10 ** 15
    if not is_sane_number(value):
        assert any(i.code == "E16" and str(value) in i.message for i in issues)
    else:
        assert not any(i.code == "E16" for i in issues)


def test_sane_number_cuts_numbers_down():
    assert sane_number(D("1e-999999999")) == 0 and sane_number(D("0E+999999")) == 0
    assert sane_number(D("1e15")) is None and sane_number(D("NaN")) is None
    assert sane_number(D("-999999999999999")) == D("-999999999999999")
    assert sane_number(D("5.25")) == D("5.25") and sane_number(None) is None
    assert grade_bands(registry_scoring(), D("1e999999999"))[0].score is None


def registry_scoring():
    from perfdesk.formdefs import default_registry

    return default_registry().get("sh-selfeval-2020").scoring


@pytest.mark.parametrize("text", ["≥", "≥abc%", "=abc", "＞", " <= ", "≥ 百分之九十五", "=及时"])
def test_a_sign_without_a_number_is_flagged(text):
    value = parse(text)
    assert value.is_qualitative and value.sign_only


@pytest.mark.parametrize("text", ["及时", "≥95%", "=0", "", "达到95%以上", "≥1,23", "2023年12月"])
def test_values_with_numbers_or_without_a_sign_are_not(text):
    assert not parse(text).sign_only


def test_a_target_of_huge_digits_is_scored_without_trouble(registry):
    rows = default_split_rows()
    rows[0].target = parse("≥0." + "0" * 5000 + "1%")
    rows[0].actual = parse("9" * 3000 + "%")
    ws, form = selfeval(rows, full_budget())
    definition = registry.get(form.definition_id)
    score = score_form(form, definition)
    validate_form(form, definition, ws)
    assert score.rows[rows[0].id].score is None or 0 <= score.rows[rows[0].id].score <= 50
