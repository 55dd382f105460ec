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


EMPTY = Value(raw="", kind=ValueKind.EMPTY)


def _fold(text: str) -> str:
    """Fold full-width digits, signs, brackets and percent to ASCII; keep CJK as is."""
    out = []
    for ch in text:
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E:  # the full-width ASCII block
            out.append(chr(code - 0xFEE0))
        elif ch == "\u3000":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def _canonical_sign(spelled: str | None) -> str | None:
    if not spelled:
        return None
    for spelling, sign in _SIGN_SPELLINGS:
        if spelled == spelling:
            return sign
    return None


def _is_date(match: re.Match, unit_text: str) -> bool:
    number = match.group("number")
    return (
        match.group("sign") is None
        and bool(_DATE_UNIT.match(unit_text))
        and len(number) == 4
        and number.isdigit()
        and 1900 <= int(number) <= 2199
    )


def parse(text: object) -> Value:
    """Parse what the user typed. Never raises; unknown shapes are qualitative."""
    raw = "" if text is None else str(text)
    folded = _fold(raw).strip()
    if not folded:
        return Value(raw=raw, kind=ValueKind.EMPTY)
    match = _QUANT_RE.match(folded)
    if match:
        unit_text = match.group("unit").strip()
        parenthesised = len(unit_text) >= 2 and unit_text[0] == "(" and unit_text[-1] == ")"
        unit = unit_text[1:-1].strip() if parenthesised else unit_text
        if not _BAD_UNIT_START.match(unit_text) and not _is_date(match, unit_text):
            try:
                number = Decimal(match.group("number").replace(",", ""))
            except InvalidOperation:  # pragma: no cover - the regex admits only decimals
                number = None
            if number is not None and number.is_finite():
                sign = _canonical_sign(match.group("sign"))
                return Value(
                    raw=raw,
                    kind=ValueKind.QUANTITATIVE,
                    sign=sign or GE,
                    number=number,
                    unit=unicodedata.normalize("NFC", unit),
                    sign_implied=sign is None,
                    unit_parenthesised=parenthesised,
                )
    return Value(raw=raw, kind=ValueKind.QUALITATIVE)


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


def _unit_key(unit: str) -> str:
    return re.sub(r"\s+", "", _fold(unit)).replace("％", "%")
