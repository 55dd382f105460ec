"""The fast paths of the domain's hot helpers give exactly what the plain versions gave.

`parse`, `_fold` and `round2` were rewritten for speed, and `from_parts` builds a value from
the parts a file stores beside its text. The plain versions are kept here as references;
every fast path is compared with its reference on examples and on generated input.
"""

from __future__ import annotations

import unicodedata
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from perfdesk.domain import values as V
from perfdesk.domain.scoring import CENT, round2
from perfdesk.domain.values import GE, Value, ValueKind, from_parts, parse

PROPERTY = settings(max_examples=600, derandomize=True, database=None, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


# -- the plain versions, as they were before the fast paths ----------------------------------
def ref_fold(text: str) -> str:
    out = []
    for ch in text:
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E:
            out.append(chr(code - 0xFEE0))
        elif ch == "\u3000":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def ref_parse(text: object) -> Value:
    raw = "" if text is None else str(text)
    folded = ref_fold(raw).strip()
    if not folded:
        return Value(raw=raw, kind=ValueKind.EMPTY)
    match = V._QUANT_RE.match(folded)
    if match:
        unit_text = match.group("unit").strip()
        parenthesised = len(unit_text) >= 2 and unit_text[0] == "(" and unit_text[-1] == ")"
        unit = unit_text[1:-1].strip() if parenthesised else unit_text
        number_text = match.group("number")
        is_date = (match.group("sign") is None and unit_text.startswith("年") and len(number_text) == 4
                   and number_text.isdigit() and 1900 <= int(number_text) <= 2199)
        if not V._BAD_UNIT_START.match(unit_text) and not is_date:
            number = Decimal(number_text.replace(",", ""))
            sign = next((s for spelling, s in V._SIGN_SPELLINGS if spelling == match.group("sign")), None)
            return Value(raw=raw, kind=ValueKind.QUANTITATIVE, sign=sign or GE, number=number,
                         unit=unicodedata.normalize("NFC", unit), sign_implied=sign is None,
                         unit_parenthesised=parenthesised)
    return Value(raw=raw, kind=ValueKind.QUALITATIVE)


def ref_round2(value: Decimal) -> Decimal:
    digits, exponent = value.as_tuple()[1:]
    if not isinstance(exponent, int):
        return value
    wide = Context(prec=max(28, len(digits) + exponent + 4))
    return value.quantize(CENT, rounding=ROUND_HALF_UP, context=wide)


def same(a: Value, b: Value) -> bool:
    """Equal, and the number spelled with the same digits (Decimal('1.0') == Decimal('1.00'))."""
    return a == b and str(a.number) == str(b.number) and type(a) is type(b)


def stored(value: Value) -> tuple:
    """The parts the file stores beside the text (see perfdesk/store/file.py)."""
    if value.is_quantitative:
        return value.sign, str(value.number), value.unit
    return None, None, None


# -- generated value text: mostly near the grammar, some of it anything ------------------------
SIGN_SPELLINGS = [s for s, _ in V._SIGN_SPELLINGS] + ["＞＝", "＜", "＝", "＞", "==", ""]
SPACE = st.sampled_from(["", "", " ", "\u3000", "  ", "\t", "\n"])
NUMBER = st.one_of(
    st.integers(-10**7, 10**9).map(str),
    st.decimals(allow_nan=False, allow_infinity=False, places=3).map(lambda d: format(d, "f")),
    st.integers(0, 10**9).map(lambda n: f"{n:,}"),
    st.sampled_from(["2023", "1899", "2199", "2200", ".5", "+5", "-0", "1,23", "1,234.50", "０.５", "１００",
                     "0.0000001", "1,2345", "5.", "٣", "007"]),
)
UNIT = st.one_of(
    st.sampled_from(["", "%", "％", "万元", "元", "个", "次", "年", "年度", "年12月", "天", "人次", "元/m²",
                     "个(含)", "(a)(b)", "((a))", ")", "(", "()", "（％）", "-a", ",5", ".x", "5",
                     "e\u0301", "\u00e9", "A\u030a"]),
    st.text(max_size=4),
)


@st.composite
def value_text(draw) -> str:
    if draw(st.integers(0, 9)) == 0:
        return draw(st.text(max_size=12))
    unit = draw(UNIT)
    if draw(st.booleans()):
        unit = "(" + draw(SPACE) + unit + draw(SPACE) + ")"
    return (draw(SPACE) + draw(st.sampled_from(SIGN_SPELLINGS)) + draw(SPACE) + draw(NUMBER)
            + draw(SPACE) + unit + draw(SPACE))


# -- _fold ---------------------------------------------------------------------------------------
def test_fold_maps_every_character_as_before():
    for start in range(0, 0x30000, 0x1000):
        chunk = "".join(chr(c) for c in range(start, start + 0x1000) if not 0xD800 <= c < 0xE000)
        assert V._fold(chunk) == ref_fold(chunk)


def test_fold_returns_text_needing_no_fold_unchanged():
    text = "≥95.00(%) 万元"
    assert V._fold(text) is text
    assert V._fold("＞＝９５％\u3000") == ">=95% "


# -- parse ---------------------------------------------------------------------------------------
@PROPERTY
@given(value_text())
def test_parse_is_unchanged_on_generated_text(text):
    assert same(parse(text), ref_parse(text))


@PROPERTY
@given(st.text(max_size=20))
def test_parse_is_unchanged_on_any_text(text):
    assert same(parse(text), ref_parse(text))


# -- from_parts ----------------------------------------------------------------------------------
EXAMPLES = ["", "  ", "\u3000", "及时", "有效保障", "2023年12月", "２０２３年", "≥95%", "≥95.00(%)", "100%",
            "=1 个", "≤873.41(万元)", "＞＝９５％", "≥ 95 ( % )", "4 小时", "≥1,234.50(万元)", ".5", "<-5",
            "=+5", "5()", "5( )", "5)", "5(a)(b)", "5((a))", "5 个(含)", "≥2023年", "2023 年", "3年",
            "\u3000≥\u300095\u3000(%)\u3000", "1,2345", "5.x", "≥9e\u0301", "≥9(e\u0301)"]


@pytest.mark.parametrize("text", EXAMPLES)
def test_from_parts_equals_parse_on_examples(text):
    assert same(from_parts(text, *stored(parse(text))), parse(text))
    assert same(Value.from_parts(text, *stored(parse(text))), parse(text))


@PROPERTY
@given(value_text())
def test_from_parts_equals_parse_with_the_stored_parts(text):
    assert same(from_parts(text, *stored(parse(text))), parse(text))


PART_SIGN = st.one_of(st.none(), st.sampled_from(["≥", "≤", "=", ">", "<", ">=", "x", ""]))
PART_NUMBER = st.one_of(st.none(), NUMBER, st.sampled_from(["95", "95.0", "1E-7", "NaN", "x", ""]))
PART_UNIT = st.one_of(st.none(), UNIT, st.sampled_from([" %", "% ", "(%)", "万元"]))


@PROPERTY
@given(value_text(), PART_SIGN, PART_NUMBER, PART_UNIT)
def test_from_parts_equals_parse_whatever_the_parts_say(text, sign, number, unit):
    # Parts written by an older grammar, by another program or by hand never change the value.
    assert same(from_parts(text, sign, number, unit), parse(text))


@pytest.mark.parametrize("text,parts", [
    ("≥95%", ("≤", "95", "%")),  # wrong sign
    ("≥95%", ("≥", "96", "%")),  # wrong number
    ("≥95%", ("≥", "95.0", "%")),  # same number, other digits
    ("≥95%", ("≥", "95", "元")),  # wrong unit
    ("95%", ("=", "95", "%")),  # no sign typed: ≥
    ("2023年", ("≥", "2023", "年")),  # a date, not a quantity
    ("及时", ("≥", "1", "")),  # qualitative text with quantitative parts
    ("达到95%", (None, None, None)),  # digits, no parts: the grammar decides
    ("≥95%", (None, None, None)),  # parts never stored (an older file)
    ("≥95(%)", ("≥", "95", "(%)")),
    ("5e\u0301", ("≥", "5", "e\u0301")),  # a unit not in NFC
])
def test_from_parts_falls_back_to_parse_when_the_parts_disagree(text, parts):
    assert same(from_parts(text, *parts), parse(text))


def test_from_parts_reads_the_flags_from_the_text():
    v = from_parts("\u3000＞＝ ９５ （ ％ ）", "≥", "95", "%")
    assert v.kind is ValueKind.QUANTITATIVE and not v.sign_implied and v.unit_parenthesised
    v = from_parts("95个", "≥", "95", "个")
    assert v.sign_implied and not v.unit_parenthesised and v.number == Decimal(95)
    assert from_parts(None, None, None, None) == parse(None)


# -- round2 --------------------------------------------------------------------------------------
@PROPERTY
@given(st.decimals(allow_nan=True, allow_infinity=True))
def test_round2_is_unchanged(value):
    try:
        expected = ref_round2(value)
    except InvalidOperation:  # a signalling NaN: both raise
        with pytest.raises(InvalidOperation):
            round2(value)
        return
    got = round2(value)
    assert str(got) == str(expected)


@pytest.mark.parametrize("text", ["5.285", "68.1161", "-0.005", "0E+5", "1E+30", "1E-400",
                                  "99999999999999999999999.995", "123456789012345678901234.5", "NaN", "-Infinity"])
def test_round2_examples(text):
    assert str(round2(Decimal(text))) == str(ref_round2(Decimal(text)))


# -- completion and shortfall words --------------------------------------------------------------
WORDS = st.lists(st.sampled_from(["完成", "未完成", "达标", "及时", "已完成", "a.b", "(", "|", "*", "", "x"]),
                 max_size=5).map(tuple)


@PROPERTY
@given(st.text(alphabet="完成未达标及时已延误ab.x(|*", max_size=10), WORDS)
def test_mentions_is_any_word_in_text(text, words):
    from perfdesk.domain.scoring import _mentions

    assert _mentions(text, words) is any(word in text for word in words)
    assert _mentions(text, list(words)) is any(word in text for word in words)
