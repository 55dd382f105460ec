"""Formdefs layer: weights printed in the 三级指标 name instead of a column of their own.

Some provinces' forms have no 权重 / 分值 column: the 三级 name carries its weight,
`验收合格率（10分）`. A definition says so in its indicators section:

    weights = "label"                 # "column" (the default): a weight column of its own
    weight_label = "（{weight}分）"     # optional; how the weight follows the name

The weight is still stored once, in `Indicator.weight`, and the name without the suffix. The
loader gives such a section a `weight` column (labelled 分值) that is never printed, so the
editor, validation (weights total 100), scoring, 分值配平 and roll forward treat it exactly as
a weight column; the print layout joins it to the name, and the importer splits it off again.

Everything here is plain text work on a `SectionDef`; no Qt, no print layout.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from perfdesk.domain.definition import SectionDef

WEIGHTS_COLUMN = "column"
WEIGHTS_LABEL = "label"
WEIGHTS_CHOICES = (WEIGHTS_COLUMN, WEIGHTS_LABEL)
PLACEHOLDER = "{weight}"
DEFAULT_WEIGHT_LABEL = "（{weight}分）"
# The editor's (never printed) column of such a definition, and the word of its messages.
WEIGHT_HEADING = "分值"

_NUMBER = r"[0-9０-９]+(?:[.．][0-9０-９]+)?"
_OPEN, _CLOSE = r"[(（［\[【]", r"[)）］\]】]"
# What the importer and the editor read as a weight after a name, whatever the definition's own
# spelling: （10分） (10分) （10 分） （分值：10） （权重10）. A bare （10） is not a weight: names
# carry counts that way (覆盖区县（16）).
# Compiled when first needed (a paste or an import), not while the window starts.
_GENERIC_TEXTS = (
    rf"{_OPEN}\s*(?P<w>{_NUMBER})\s*分\s*{_CLOSE}$",
    rf"{_OPEN}\s*(?:分值|权重|分数)\s*[:：]?\s*(?P<w>{_NUMBER})\s*分?\s*{_CLOSE}$",
)


@functools.cache
def _generic_patterns() -> tuple[re.Pattern, ...]:
    return tuple(re.compile(text) for text in _GENERIC_TEXTS)


def label_format_problem(value: object) -> str | None:
    """Why `weight_label` cannot be used (Chinese), or None when it can."""
    if not isinstance(value, str):
        return "weight_label 应是一段文字，如 \"（{weight}分）\""
    if value.count(PLACEHOLDER) != 1:
        return f"weight_label 要恰好写一次 {PLACEHOLDER}（分值印在那里），如 \"（{{weight}}分）\"，现为“{value}”"
    rest = value.replace(PLACEHOLDER, "")
    if "{" in rest or "}" in rest:
        return f"weight_label 除 {PLACEHOLDER} 外不能有 {{ 或 }}，现为“{value}”"
    if not rest.strip():
        return f"weight_label 要在 {PLACEHOLDER} 前后写上文字（如括号和“分”），否则读不回名称与分值，现为“{value}”"
    return None


def weights_in_label(section: SectionDef | None) -> bool:
    """Whether this indicators section prints each weight in the 三级 name."""
    return section is not None and section.options.get("weights") == WEIGHTS_LABEL


def label_format(section: SectionDef | None) -> str:
    value = section.options.get("weight_label") if section is not None else None
    return value if isinstance(value, str) and label_format_problem(value) is None else DEFAULT_WEIGHT_LABEL


def format_weight(weight: Decimal) -> str:
    """A weight as a label prints it: 10, 7.5, 6.125 — exactly the stored number (a text cell has
    no number format to round with), without trailing zeros and never in E notation."""
    if weight == weight.to_integral_value():
        return str(int(weight))
    return format(weight.normalize(), "f")


def label_with_weight(name: str, weight: Decimal | None, section: SectionDef | None) -> str:
    """The 三级 cell as printed: `验收合格率（10分）`; the name alone when there is no weight."""
    if weight is None or not weight.is_finite():
        return name
    return name.rstrip() + label_format(section).replace(PLACEHOLDER, format_weight(weight))


def printed_columns(section: SectionDef) -> list[tuple[str, str]]:
    """The indicator columns as printed and read back (SectionDef.printed_columns), without the
    weight column when the weights are printed in the 三级 name."""
    printed = section.printed_columns()
    if weights_in_label(section):
        return [(key, label) for key, label in printed if key != "weight"]
    return printed


def _flexible(ch: str) -> str:
    """A pattern for one character of a label format that also takes its other width (（ / (,
    ： / :) and any spaces around it."""
    if ch.isspace():
        return r"\s*"
    forms = {ch, unicodedata.normalize("NFKC", ch)}
    for form in list(forms):
        if len(form) == 1 and "!" <= form <= "~":
            forms.add(chr(ord(form) + 0xFEE0))
    return r"\s*(?:" + "|".join(re.escape(f) for f in sorted(forms)) + r")"


def _own_pattern(fmt: str) -> re.Pattern:
    before, _, after = fmt.partition(PLACEHOLDER)
    return re.compile("".join(_flexible(c) for c in before) + rf"\s*(?P<w>{_NUMBER})"
                      + "".join(_flexible(c) for c in after) + r"\s*$")


_PATTERNS: dict[str, re.Pattern] = {}
_LONGEST_NUMBER = 24  # characters a weight and the spaces around it may take in a label


def split_weight(text: str, section: SectionDef | None = None) -> tuple[str, Decimal | None]:
    """A 三级 cell → (name, weight): `验收合格率（10分）`, `验收合格率(10分)`, `验收合格率（10 分）`,
    `验收合格率（分值：10）` and the definition's own `weight_label` all give (验收合格率, 10).
    Only the last such group is taken off; a text without one is (text, None)."""
    text = text or ""
    fmt = label_format(section)
    own = _PATTERNS.get(fmt)
    if own is None:
        own = _PATTERNS[fmt] = _own_pattern(fmt)
    stripped = text.rstrip()
    # Only the end of the text can hold the weight: the search starts there, so a long cell (a
    # hostile file's megabyte of spaces) costs no more than a short one.
    start = max(0, len(stripped) - len(fmt) - _LONGEST_NUMBER)
    for pattern in (own, *_generic_patterns()):
        match = pattern.search(stripped, start)
        if match is not None:
            number = unicodedata.normalize("NFKC", match.group("w"))
            try:
                weight = Decimal(number)
            except InvalidOperation:
                continue
            return stripped[: match.start()].rstrip(), weight
    return text, None
