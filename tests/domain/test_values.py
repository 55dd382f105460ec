"""The indicator value grammar (domain.md §5): perfdesk/domain/values.py."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from perfdesk.domain.values import (
    EMPTY,
    EQ,
    GE,
    GT,
    LE,
    LT,
    REVERSE_SIGNS,
    SIGNS,
    Value,
    ValueKind,
    format_number,
    normalised,
    parse,
    print_style,
    same_unit,
    unit_factor,
)

D = Decimal

# Deterministic property runs: the same examples every time, nothing stored on disk.
PROPERTY = settings(max_examples=400, derandomize=True, database=None, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _quant(v: Value) -> tuple:
    return (v.kind, v.sign, v.number, v.unit, v.sign_implied, v.unit_parenthesised)


# -- quantitative examples ---------------------------------------------------------------

QUANTITATIVE = [
    # text, sign, number, unit, sign_implied, unit_parenthesised
    # ASCII signs, one and two characters
    (">=95", GE, "95", "", False, False),
    ("<=95", LE, "95", "", False, False),
    ("=95", EQ, "95", "", False, False),
    (">95", GT, "95", "", False, False),
    ("<95", LT, "95", "", False, False),
    ("=>95", GE, "95", "", False, False),
    ("=<95", LE, "95", "", False, False),
    # mathematical signs
    ("≥95", GE, "95", "", False, False),
    ("≤95", LE, "95", "", False, False),
    ("≧95", GE, "95", "", False, False),
    ("≦95", LE, "95", "", False, False),
    # full-width signs, digits and percent
    ("＝１００％", EQ, "100", "%", False, False),
    ("＞５", GT, "5", "", False, False),
    ("＜５", LT, "5", "", False, False),
    ("＞＝５", GE, "5", "", False, False),
    ("＜＝５", LE, "5", "", False, False),
    ("≥９５．５（％）", GE, "95.5", "%", False, True),
    # thousands separators
    ("≥1,234.50(万元)", GE, "1234.50", "万元", False, True),
    ("=1,234,567", EQ, "1234567", "", False, False),
    ("≤12,000 万条", LE, "12000", "万条", False, False),
    # bare units, with or without a space
    ("4 小时", GE, "4", "小时", True, False),
    ("=1 个", EQ, "1", "个", False, False),
    ("=327套", EQ, "327", "套", False, False),
    ("≥500 万条", GE, "500", "万条", False, False),
    # parenthesised units
    ("≥95.00(%)", GE, "95.00", "%", False, True),
    ("≤873.41(万元)", LE, "873.41", "万元", False, True),
    ("≤30.00(元/m²)", LE, "30.00", "元/m²", False, True),
    ("≥ 95 ( % )", GE, "95", "%", False, True),
    # no sign: read as ≥
    ("100%", GE, "100", "%", True, False),
    ("9个", GE, "9", "个", True, False),
    ("95", GE, "95", "", True, False),
    (".5", GE, "0.5", "", True, False),
    # a number of years with a sign is a quantity, not a date
    ("=3 年", EQ, "3", "年", False, False),
    ("3年", GE, "3", "年", True, False),
    ("≥2023年", GE, "2023", "年", False, False),
    # signed numbers
    ("<-5", LT, "-5", "", False, False),
    ("=+5", EQ, "5", "", False, False),
    # ideographic space around and inside
    ("\u3000≥\u300095\u3000(%)\u3000", GE, "95", "%", False, True),
]


@pytest.mark.parametrize("text,sign,number,unit,implied,paren", QUANTITATIVE)
def test_quantitative_examples(text, sign, number, unit, implied, paren):
    v = parse(text)
    assert v.kind is ValueKind.QUANTITATIVE
    assert v.is_quantitative and not v.is_qualitative and not v.is_empty
    assert v.raw == text
    assert v.sign == sign
    assert v.number == D(number)
    assert v.unit == unit
    assert v.sign_implied is implied
    assert v.unit_parenthesised is paren


def test_number_keeps_its_decimals():
    # Decimal, not float: the typed precision survives.
    v = parse("≥1,234.50(万元)")
    assert isinstance(v.number, Decimal)
    assert str(v.number) == "1234.50"
    assert str(parse("=95.125(%)").number) == "95.125"


def test_bare_value_reads_as_greater_or_equal():
    bare, explicit = parse("100%"), parse("≥100%")
    assert bare.sign == GE and bare.sign_implied
    assert explicit.sign == GE and not explicit.sign_implied
    assert bare.meaning() == explicit.meaning()


def test_spellings_of_one_value_mean_the_same():
    spellings = ["≥95.00(%)", ">=95%", "≥ 95 %", "＞＝９５％", "≧95（％）", "  ≥95.0(%) ", "=>95 (%)"]
    meanings = {parse(s).meaning() for s in spellings}
    assert len(meanings) == 1


def test_signs():
    assert set(SIGNS) == {EQ, GE, LE, GT, LT}
    assert set(REVERSE_SIGNS) == {LE, LT}
    assert parse("≤30.00(元/m²)").is_reverse
    assert parse("<5").is_reverse
    assert not parse("≥95%").is_reverse
    assert not parse("=1 个").is_reverse
    assert not parse(">5").is_reverse
    assert not parse("及时").is_reverse
    assert not parse("").is_reverse


# -- qualitative and empty ----------------------------------------------------------------

QUALITATIVE = [
    "及时", "有效保障", "合规", "健全", "进一步完善", "政策标准范围内", "平均每两周一次", "每月一次",
    "2023年12月", "2023年", "2023年度", "２０２３年１２月", "2023年12月31日前",
    "≥较上年提高", "好", "1,23", "95-", "abc", "≥", "(%)", "%", "— —",
]


@pytest.mark.parametrize("text", QUALITATIVE)
def test_qualitative_examples(text):
    v = parse(text)
    assert v.kind is ValueKind.QUALITATIVE
    assert v.is_qualitative and not v.is_quantitative and not v.is_empty
    assert v.raw == text
    assert v.sign is None and v.number is None and v.unit == ""
    assert not v.sign_implied and not v.unit_parenthesised


@pytest.mark.parametrize("text,expected", [
    ("2023年12月", True), ("2023年", True), ("每月一次", False), ("及时", False),
    ("平均每两周一次", False),
])
def test_looks_quantitative_flags_digits_in_qualitative_text(text, expected):
    assert parse(text).looks_quantitative is expected


def test_quantitative_value_does_not_look_quantitative():
    # The flag is for qualitative text only.
    assert not parse("≥95%").looks_quantitative


@pytest.mark.parametrize("text", ["", " ", "   ", "\t", "\n", "\u3000", " \u3000\t\n "])
def test_empty_and_whitespace(text):
    v = parse(text)
    assert v.kind is ValueKind.EMPTY
    assert v.is_empty and not v.is_quantitative and not v.is_qualitative
    assert v.raw == text
    assert v.meaning() == (ValueKind.EMPTY,)


def test_none_is_empty():
    v = parse(None)
    assert v.is_empty and v.raw == ""


def test_non_text_is_read_as_its_text():
    v = parse(95)
    assert v.is_quantitative and v.number == D(95) and v.raw == "95"


def test_empty_constant():
    assert EMPTY.is_empty and EMPTY.raw == "" and EMPTY == parse("")


@pytest.mark.parametrize("text", [
    "  ≥95%  ", "≥95%\n", " 及时", "及时 ", "\u3000有效保障\u3000", "＝１００％", "≥1,234.50(万元)",
    "4 小时", "  ",
])
def test_raw_is_kept_exactly(text):
    assert parse(text).raw == text


def test_meaning_of_qualitative_ignores_surrounding_space():
    assert parse(" 及时 ").meaning() == parse("及时").meaning() == (ValueKind.QUALITATIVE, "及时")
    assert parse("及时").meaning() != parse("合规").meaning()


def test_value_is_immutable():
    v = parse("≥95%")
    with pytest.raises(AttributeError):
        v.raw = "x"  # type: ignore[misc]


# -- print style and normalisation ---------------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("95%", "≥95.00(%)"),
    ("≥95", "≥95.00"),
    (">=95 %", "≥95.00(%)"),
    ("＝１００％", "=100.00(%)"),
    ("≤873.41(万元)", "≤873.41(万元)"),
    ("≥1,234.5(万元)", "≥1234.50(万元)"),
    ("≤30(元/m²)", "≤30.00(元/m²)"),
    ("4 小时", "≥4.00(小时)"),
    ("=1 个", "=1.00(个)"),
    ("=327套", "=327.00(套)"),
    ("<5", "<5.00"),
    (">5", ">5.00"),
    ("=3 年", "=3.00(年)"),
    ("≥95.125(%)", "≥95.125(%)"),  # extra decimals are never rounded away
    ("=0.0001", "=0.0001"),
    ("-0", "≥0.00"),
    (".5", "≥0.50"),
    ("  及时  ", "及时"),  # qualitative text is only trimmed
    ("2023年12月", "2023年12月"),
    ("", ""),
    ("   ", ""),
])
def test_print_style(text, expected):
    assert print_style(parse(text)) == expected


@pytest.mark.parametrize("text,places,expected", [
    ("95%", 0, "≥95(%)"),
    ("95.5%", 0, "≥95.5(%)"),
    ("95%", 1, "≥95.0(%)"),
    ("95.125%", 4, "≥95.1250(%)"),
])
def test_print_style_places(text, places, expected):
    assert print_style(parse(text), places) == expected


@pytest.mark.parametrize("number,places,expected", [
    ("95", 2, "95.00"), ("95.1", 2, "95.10"), ("95.125", 2, "95.125"), ("-0", 2, "0.00"),
    ("-0.000", 2, "0.000"), ("1E+3", 2, "1000.00"), ("1234567.5", 2, "1234567.50"),
])
def test_format_number(number, places, expected):
    assert format_number(D(number), places) == expected


def test_parse_never_rewrites_raw_normalised_only_on_request():
    typed = "95%"
    v = parse(typed)
    assert v.raw == "95%"
    n = normalised(v)
    assert n.raw == "≥95.00(%)"
    assert not n.sign_implied and n.unit_parenthesised
    assert n.meaning() == v.meaning()
    assert v.raw == typed  # the original value is untouched


def test_normalised_qualitative_is_trimmed_only():
    n = normalised(parse("  有效保障 "))
    assert n.raw == "有效保障" and n.is_qualitative


def test_normalised_is_idempotent():
    once = normalised(parse("＞＝１，２３４．５ 万元"))
    assert once.raw == "≥1234.50(万元)"
    assert normalised(once) == once


# -- units ----------------------------------------------------------------------------------

@pytest.mark.parametrize("unit,base,factor", [
    ("万元", "元", D(10000)),
    ("元", "万元", D(1) / D(10000)),
    ("亿元", "元", D(100000000)),
    ("万条", "条", D(10000)),
    ("元", "元", D(1)),
    ("%", "%", D(1)),
])
def test_unit_factor(unit, base, factor):
    assert unit_factor(unit, base) == factor


def test_unit_factor_scales_an_amount():
    assert D("873.41") * unit_factor("万元", "元") == D("8734100")
    assert D("8734100") * unit_factor("元", "万元") == D("873.41")


@pytest.mark.parametrize("unit,base", [
    ("万元", "万条"), ("万条", "元"), ("个", "元"), ("%", "万元"), ("小时", "天"), ("元", ""),
])
def test_unit_factor_none_for_unrelated_units(unit, base):
    assert unit_factor(unit, base) is None


@pytest.mark.parametrize("a,b,expected", [
    ("%", "%", True), ("%", "％", True), ("万元", "万元", True), ("万 元", "万元", True),
    ("元/m²", "元/m²", True), ("万元", "万条", False), ("万元", "元", False), ("个", "套", False),
])
def test_same_unit(a, b, expected):
    assert same_unit(a, b) is expected
    assert same_unit(b, a) is expected


# -- regressions of bugs found while writing these tests -----------------------------------

def test_parse_never_raises_on_a_very_long_number():
    v = parse("1" * 5000)
    assert v.raw == "1" * 5000


@pytest.mark.parametrize("text,expected", [
    ("9" * 27, "≥" + "9" * 27 + ".00"),
    ("≥" + "1" * 30 + "(%)", "≥" + "1" * 30 + ".00(%)"),
    ("=" + "1" * 60 + ".5", "=" + "1" * 60 + ".50"),
    ("=0." + "1" * 40, "=0." + "1" * 40),
])
def test_print_style_of_a_very_long_number(text, expected):
    # print_style must not fail on any number parse accepted (no context overflow).
    v = parse(text)
    assert v.is_quantitative
    assert print_style(v) == expected
    assert parse(print_style(v)).meaning() == v.meaning()


# -- properties ------------------------------------------------------------------------------

@PROPERTY
@given(st.text())
def test_parse_never_raises_and_keeps_raw(s):
    v = parse(s)
    assert isinstance(v, Value)
    assert v.raw == s
    assert v.kind in (ValueKind.EMPTY, ValueKind.QUANTITATIVE, ValueKind.QUALITATIVE)
    if v.kind is ValueKind.QUANTITATIVE:
        assert v.sign in SIGNS and v.number is not None and v.number.is_finite()
    else:
        assert v.sign is None and v.number is None


@PROPERTY
@given(st.text())
def test_print_style_round_trip_on_any_text(s):
    v = parse(s)
    assume(not v.is_empty)
    printed = print_style(v)
    again = parse(printed)
    assert again.meaning() == v.meaning()
    assert again.raw == printed
    # print style is a fixed point
    assert print_style(again) == printed


_SIGN_SPELLINGS = {
    "": GE, ">=": GE, "<=": LE, "=>": GE, "=<": LE, "=": EQ, ">": GT, "<": LT,
    "≥": GE, "≤": LE, "≧": GE, "≦": LE, "＝": EQ, "＞": GT, "＜": LT, "＞＝": GE, "＜＝": LE,
}
_UNITS = ["", "%", "％", "万元", "元", "元/m²", "小时", "个", "套", "万条", "人次", "年", "天"]
_SPACE = st.sampled_from(["", " ", "  ", "\t", "\u3000"])
_FULL_WIDTH = str.maketrans("0123456789,.", "０１２３４５６７８９，．")


@st.composite
def _number(draw):
    integer = draw(st.one_of(st.integers(min_value=0, max_value=10**12),
                             st.integers(min_value=0, max_value=10**40)))
    separated = draw(st.booleans())
    text = f"{integer:,}" if separated else str(integer)
    places = draw(st.integers(min_value=0, max_value=4))
    if places:
        text += "." + "".join(draw(st.lists(st.sampled_from("0123456789"),
                                             min_size=places, max_size=places)))
    if draw(st.booleans()):
        text = text.translate(_FULL_WIDTH)
    value = D(text.translate(str.maketrans("０１２３４５６７８９，．", "0123456789,.")).replace(",", ""))
    return text, value


@st.composite
def _grammar_value(draw):
    spelled = draw(st.sampled_from(sorted(_SIGN_SPELLINGS)))
    number_text, number = draw(_number())
    unit = draw(st.sampled_from(_UNITS))
    parenthesised = bool(unit) and draw(st.booleans())
    if parenthesised:
        left, right = draw(st.sampled_from([("(", ")"), ("（", "）")]))
        unit_text = left + draw(_SPACE) + unit + draw(_SPACE) + right
    else:
        unit_text = unit
    text = (draw(_SPACE) + spelled + draw(_SPACE) + number_text + draw(_SPACE) + unit_text
            + draw(_SPACE))
    expected_unit = unit.replace("％", "%")
    is_date = (spelled == "" and unit == "年" and not parenthesised
               and number == number.to_integral_value() and "." not in number_text
               and "．" not in number_text and "," not in number_text and "，" not in number_text
               and 1900 <= number <= 2199)
    if is_date:
        expected = (ValueKind.QUALITATIVE, text.strip())
    else:
        expected = (ValueKind.QUANTITATIVE, _SIGN_SPELLINGS[spelled], number, expected_unit)
    return text, expected, spelled == "", parenthesised


@PROPERTY
@given(_grammar_value())
def test_grammar_values_parse_to_their_meaning(case):
    text, expected, implied, parenthesised = case
    v = parse(text)
    assert v.raw == text
    assert v.meaning() == expected
    if v.is_quantitative:
        assert v.sign_implied is implied
        assert v.unit_parenthesised is parenthesised


@PROPERTY
@given(_grammar_value())
def test_grammar_values_round_trip_through_print_style(case):
    text = case[0]
    v = parse(text)
    assert not v.is_empty
    printed = print_style(v)
    assert parse(printed).meaning() == v.meaning()
    assert normalised(v).meaning() == v.meaning()
    if v.is_quantitative:
        assert printed.startswith(v.sign)
        assert (f"({v.unit})" in printed) is bool(v.unit)


@PROPERTY
@given(st.text(alphabet=st.sampled_from(list("0123456789,.%()（）＝＞＜≥≤=<>+- 万元个年月\u3000１２３％")),
               max_size=20))
def test_round_trip_on_value_like_noise(s):
    # Text made of the grammar's own characters reaches the corners st.text() rarely hits.
    v = parse(s)
    assert v.raw == s
    if v.is_empty:
        return
    assert parse(print_style(v)).meaning() == v.meaning()
