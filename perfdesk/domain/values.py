"""Domain layer: the grammar of indicator values (指标值 / 实际完成值), domain.md §5.

A value keeps exactly what the user typed (`raw`) and, beside it, what that text means:
a comparison sign, a number and a unit for quantitative values, or nothing for qualitative
phrases. Parsing never raises; normalising to the official print style is a separate,
explicit call (`print_style`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Context, Decimal, InvalidOperation
from enum import Enum
from functools import lru_cache


class ValueKind(str, Enum):
    EMPTY = "empty"
    QUANTITATIVE = "quantitative"
    QUALITATIVE = "qualitative"


# Canonical signs. Positive signs reward more, reverse signs reward less.
EQ, GE, LE, GT, LT = "=", "≥", "≤", ">", "<"
SIGNS = (EQ, GE, LE, GT, LT)
REVERSE_SIGNS = (LE, LT)

# Two-character spellings first so that ">=" is not read as ">" followed by "=".
_SIGN_SPELLINGS = (
    (">=", GE), ("<=", LE), ("=>", GE), ("=<", LE),
    ("≥", GE), ("≤", LE), ("≧", GE), ("≦", LE), ("⩾", GE), ("⩽", LE),
    ("=", EQ), (">", GT), ("<", LT),
)

_NUMBER = r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[+-]?\.\d+"
_QUANT_RE = re.compile(
    r"^(?P<sign>>=|<=|=>|=<|[≥≤≧≦⩾⩽=><])?\s*(?P<number>" + _NUMBER + r")\s*(?P<unit>.*)$",
    re.DOTALL,
)
# A unit never starts with a digit, a sign or a decimal point, and dates are not units.
_BAD_UNIT_START = re.compile(r"^[\d.,=<>≥≤+\-]")
# "2023年12月", "2023年", "2023年度": a year number followed by 年 is a date, not a quantity.
_DATE_UNIT = re.compile(r"^年")
_DIGIT_RE = re.compile(r"\d")
_SIGN_ONLY = re.compile(r"^(?:>=|<=|=>|=<|[≥≤≧≦⩾⩽=><])\D*$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Value:
    """An indicator value: the text as typed plus its parsed meaning."""

    raw: str
    kind: ValueKind
    sign: str | None = None
    number: Decimal | None = None
    unit: str = ""
    sign_implied: bool = False
    unit_parenthesised: bool = False

    @property
    def is_empty(self) -> bool:
        return self.kind is ValueKind.EMPTY

    @property
    def is_quantitative(self) -> bool:
        return self.kind is ValueKind.QUANTITATIVE

    @property
    def is_qualitative(self) -> bool:
        return self.kind is ValueKind.QUALITATIVE

    @property
    def is_reverse(self) -> bool:
        return self.sign in REVERSE_SIGNS

    @property
    def sign_only(self) -> bool:
        """A comparison sign with no number after it (`≥`, `≥abc%`, `=abc`, `＞`): neither a
        quantity nor a phrase, so validation reports it (E11) instead of scoring it as text."""
        return self.kind is ValueKind.QUALITATIVE and _SIGN_ONLY.match(_fold(self.raw).strip()) is not None

    @property
    def looks_quantitative(self) -> bool:
        """Qualitative text that still carries digits: perhaps a mistyped quantity."""
        return self.kind is ValueKind.QUALITATIVE and bool(_DIGIT_RE.search(self.raw))

    def meaning(self) -> tuple:
        """What the value says, independent of how it was spelled."""
        if self.kind is ValueKind.QUANTITATIVE:
            return (self.kind, self.sign, self.number, self.unit)
        if self.kind is ValueKind.QUALITATIVE:
            return (self.kind, self.raw.strip())
        return (self.kind,)

    @classmethod
    def from_parts(cls, raw: str | None, sign: str | None, number: "str | Decimal | None",
                   unit: str | None) -> "Value":
        """The value of `raw` given the parts stored beside it; equal to `parse(raw)`.
        See `from_parts` below."""
        return from_parts(raw, sign, number, unit)


EMPTY = Value(raw="", kind=ValueKind.EMPTY)


# The full-width ASCII block folds onto ASCII, the ideographic space onto a space. Text with
# none of them (most text) is returned as is without being copied.
_FOLD_TABLE = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FOLD_TABLE[0x3000] = 0x20
_NEEDS_FOLD = re.compile("[\uff01-\uff5e\u3000]")


def _fold(text: str) -> str:
    """Fold full-width digits, signs, brackets and percent to ASCII; keep CJK as is."""
    if _NEEDS_FOLD.search(text) is None:
        return text
    return text.translate(_FOLD_TABLE)


_SIGN_BY_SPELLING = dict(_SIGN_SPELLINGS)


def _canonical_sign(spelled: str | None) -> str | None:
    if not spelled:
        return None
    return _SIGN_BY_SPELLING.get(spelled)


def _looks_like_date(sign_spelled: str | None, number: str, unit_text: str) -> bool:
    """"2023年…" with no sign: a year, not 2023 of a unit called 年."""
    return (
        not sign_spelled
        and bool(_DATE_UNIT.match(unit_text))
        and len(number) == 4
        and number.isdigit()
        and 1900 <= int(number) <= 2199
    )


def _is_date(match: re.Match, unit_text: str) -> bool:
    return _looks_like_date(match.group("sign"), match.group("number"), unit_text)


# Building a frozen dataclass goes through object.__setattr__ once per field; setting the
# slots directly gives the same object at half the cost (loading 10,000 forms builds 400,000).
_NEW = object.__new__
_SET_RAW, _SET_KIND, _SET_SIGN, _SET_NUMBER, _SET_UNIT, _SET_IMPLIED, _SET_PAREN = (
    Value.__dict__[name].__set__
    for name in ("raw", "kind", "sign", "number", "unit", "sign_implied", "unit_parenthesised")
)
_QUANTITATIVE, _QUALITATIVE, _EMPTY_KIND = ValueKind.QUANTITATIVE, ValueKind.QUALITATIVE, ValueKind.EMPTY


def _quantity(raw: str, sign: str, number: Decimal, unit: str, implied: bool, parenthesised: bool) -> Value:
    value = _NEW(Value)
    _SET_RAW(value, raw)
    _SET_KIND(value, _QUANTITATIVE)
    _SET_SIGN(value, sign)
    _SET_NUMBER(value, number)
    _SET_UNIT(value, unit)
    _SET_IMPLIED(value, implied)
    _SET_PAREN(value, parenthesised)
    return value


def _plain(raw: str, kind: ValueKind) -> Value:
    """An empty or qualitative value: no sign, number or unit."""
    value = _NEW(Value)
    _SET_RAW(value, raw)
    _SET_KIND(value, kind)
    _SET_SIGN(value, None)
    _SET_NUMBER(value, None)
    _SET_UNIT(value, "")
    _SET_IMPLIED(value, False)
    _SET_PAREN(value, False)
    return value


def parse(text: object) -> Value:
    """Parse what the user typed. Never raises; unknown shapes are qualitative."""
    raw = "" if text is None else str(text)
    folded = _fold(raw).strip()
    if not folded:
        return _plain(raw, _EMPTY_KIND)
    match = _QUANT_RE.match(folded)
    if match:
        spelled, number_text, unit_text = match.group("sign", "number", "unit")
        unit_text = unit_text.strip()
        parenthesised = len(unit_text) >= 2 and unit_text[0] == "(" and unit_text[-1] == ")"
        unit = unit_text[1:-1].strip() if parenthesised else unit_text
        if not _BAD_UNIT_START.match(unit_text) and not _looks_like_date(spelled, number_text, unit_text):
            try:
                number = Decimal(number_text.replace(",", ""))
            except InvalidOperation:  # pragma: no cover - the regex admits only decimals
                number = None
            if number is not None and number.is_finite():
                sign = _canonical_sign(spelled)
                return _quantity(raw, sign or GE, number, unicodedata.normalize("NFC", unit),
                                 sign is None, parenthesised)
    return _plain(raw, _QUALITATIVE)


# -- building a value from the parts a file stores beside its text ----------------------------
def from_parts(raw: str | None, sign: str | None, number: str | Decimal | None, unit: str | None) -> Value:
    """The value of `raw`, given the parts a file stored beside it (sign, number as text and
    unit; all None for empty and qualitative values). Always equal to `parse(raw)`.

    The parts are a hint, never the truth: they lack what `Value` also says (whether the sign
    was implied, whether the unit was in brackets, empty or qualitative), and an older
    grammar, another program or a hand edit may have written parts the text does not say.
    Text the parts call non-quantitative and that holds no digit is empty or qualitative
    whatever the grammar, so it is built at once; everything else is parsed. (A reading that
    trusted the parts and checked them against the text measured slower than `parse`.)
    """
    raw = "" if raw is None else str(raw)
    if sign is None and _DIGIT_RE.search(raw) is None:
        # str.strip removes exactly what folding then stripping would (U+3000 included).
        return _plain(raw, _QUALITATIVE if raw.strip() else _EMPTY_KIND)
    return parse(raw)


def format_number(number: Decimal, places: int = 2) -> str:
    """At least `places` decimals, more when the number carries more (never loses digits)."""
    digits, exponent = number.as_tuple()[1:]
    if isinstance(exponent, int) and exponent >= -places:
        # A context wide enough for any typed number: quantize must never fail on input
        # that parse accepted.
        wide = Context(prec=len(digits) + exponent + places + 2)
        number = number.quantize(Decimal(1).scaleb(-places), context=wide)
    text = format(number, "f")
    if text.startswith("-") and Decimal(text) == 0:
        text = text[1:]
    return text


def print_style(value: Value, places: int = 2) -> str:
    """The official print spelling, e.g. `≥95.00(%)`; qualitative text is only trimmed."""
    if value.kind is ValueKind.QUANTITATIVE:
        assert value.number is not None and value.sign is not None
        unit = f"({value.unit})" if value.unit else ""
        return f"{value.sign}{format_number(value.number, places)}{unit}"
    return value.raw.strip()


def normalised(value: Value, places: int = 2) -> Value:
    """The value re-spelled in print style: an explicit action, never applied silently."""
    return parse(print_style(value, places))


# Units that differ only by the 万 / 亿 prefix can be compared after scaling.
_SCALE_PREFIXES = {"万": Decimal(10000), "亿": Decimal(100000000)}


def unit_factor(unit: str, base: str) -> Decimal | None:
    """How many `base` units one `unit` is (万元 → 元: 10000); None if not convertible."""
    if unit == base:
        return Decimal(1)
    for prefix, factor in _SCALE_PREFIXES.items():
        if unit == prefix + base:
            return factor
        if base == prefix + unit:
            return 1 / factor
    return None


def same_unit(a: str, b: str) -> bool:
    return _unit_key(a) == _unit_key(b)


@lru_cache(maxsize=4096)  # a file has few distinct units; comparing them is per row
def _unit_key(unit: str) -> str:
    return re.sub(r"\s+", "", _fold(unit)).replace("％", "%")


# -- numbers typed into number cells (分值, 得分, amounts) ------------------------------------
MAX_SIGNIFICANT = 15  # what a double and every spreadsheet keep exactly
MAX_PLACES = 15
NUMBER_LIMIT = Decimal(10) ** 12  # 一万亿: more than any project's budget in 元


@lru_cache(maxsize=None)
def _number_cell() -> re.Pattern:
    """Compiled when a number is first typed into a cell, not at import."""
    return re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")


@lru_cache(maxsize=None)
def _exponent() -> re.Pattern:
    return re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)[eE][+-]?\d+$")


def parse_number(text: object) -> Decimal | None:
    """A weight, score or amount as typed into a cell: blank → None, else a plain decimal.

    Accepted as people type them: thousands separators (`1,234.5`, also `，`), full-width
    digits, signs and point, surrounding spaces. Refused with a `ValueError` whose message
    (Chinese) says why: anything that is not a plain decimal (`1e5`, `NaN`, `Infinity`, `四分`),
    more than 15 significant digits or decimal places, or a magnitude above 10¹².
    """
    shown = "" if text is None else str(text).strip()
    cleaned = _fold(shown).strip().replace(",", "").replace(" ", "")
    if not cleaned:
        return None
    if _number_cell().match(cleaned) is None:
        if _exponent().match(cleaned):
            raise ValueError(f"“{shown}”是科学计数法。请直接写出数字，例如 100000 或 0.5。")
        raise ValueError(f"“{shown}”不是数字。请只填写数字，例如 12.5 或 1,234.56。")
    value = Decimal(cleaned)
    digits, exponent = value.as_tuple()[1:]
    places = max(0, -exponent)
    significant = len(digits) if any(digits) else 1
    if value.copy_abs() > NUMBER_LIMIT:
        raise ValueError(f"“{shown}”超出可处理的范围（绝对值不超过 1,000,000,000,000）。请核对金额单位。")
    if significant > MAX_SIGNIFICANT:
        raise ValueError(f"“{shown}”超过 {MAX_SIGNIFICANT} 位有效数字，无法准确保存。请核对后重新填写。")
    if places > MAX_PLACES:
        raise ValueError(f"“{shown}”的小数超过 {MAX_PLACES} 位。请保留较少的小数位。")
    return value


# Numbers that may still reach scoring and validation from older files or other programs
# (`1E+999999999`, `1e-999999999`, NaN) are cut down to what arithmetic can handle at once.
_SANE_ABOVE = 15  # adjusted exponent: |x| < 10**15
_SANE_BELOW = -30  # |x| < 10**-30 counts as 0


def sane_number(value: Decimal | None) -> Decimal | None:
    """`value` when arithmetic on it is safe and quick; 0 for a vanishingly small number;
    None for NaN, infinity or a magnitude of 10¹⁵ or more (validation reports those, E16)."""
    if value is None:
        return None
    adjusted = value.adjusted()
    if _SANE_BELOW <= adjusted < _SANE_ABOVE and value.is_finite():
        return value  # the usual case, zero included
    if not value.is_finite():
        return None
    if value.is_zero() or adjusted < _SANE_BELOW:
        return _ZERO
    return None  # 10**15 or more


def is_sane_number(value: Decimal | None) -> bool:
    """Whether a stored number can be used as it is (None, a blank cell, can)."""
    return value is None or (value.is_finite() and (value.is_zero() or value.adjusted() < _SANE_ABOVE))


_ZERO = Decimal(0)
