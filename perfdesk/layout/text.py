"""Layout layer: text measurement, line wrapping and number spelling for print.

The estimate treats East Asian wide and ambiguous characters as one em and everything else as
half an em — the metrics of 宋体 (SimSun), which Word and Excel use on the office PCs. The PDF
renderer passes the real font's measure to the same `wrap`.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from typing import Callable

PT_TO_MM = 25.4 / 72.0
LINE_SPACING = 1.25  # line height as a multiple of the font size

# Characters that must not begin a line (Chinese line-breaking rules).
_NO_LINE_START = set("，。、；：？！）》」』】〕〉’”%％,.;:?!)]}·…—～°")
# Runs kept together when possible: a weight printed after a name ("（7.5分）", weights = "label"),
# Latin words, numbers with their sign and decimals.
_TOKEN = re.compile(r"[(（][0-9.]+ ?分[)）]|[A-Za-z0-9.,%+\-=<>≥≤/()（）_@#&'\"]+|\s+|.", re.DOTALL)
# XML 1.0 forbids most control characters; a pasted one must not break the Word/Excel file.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def clean(text: str) -> str:
    """Printable text: control characters removed, Windows line ends unified."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def em_width(ch: str) -> float:
    if unicodedata.east_asian_width(ch) in ("W", "F", "A"):
        return 1.0
    if unicodedata.combining(ch):
        return 0.0
    return 0.5


_EM: dict[str, float] = {}


def estimate_width(text: str, size: float) -> float:
    """Width in millimetres of `text` at `size` points, by the 宋体-like estimate."""
    ems = _EM
    total = 0.0
    for ch in text:
        em = ems.get(ch)
        if em is None:
            em = ems[ch] = em_width(ch)
        total += em
    return total * size * PT_TO_MM


Width = Callable[[str], float]  # text → millimetres at a fixed font and size


def wrap(text: str, width: float, measure: Width) -> list[str]:
    """Lines of `text` that fit `width` mm. Explicit newlines are kept; long runs are cut."""
    lines: list[str] = []
    for paragraph in clean(text).split("\n"):
        lines.extend(_wrap_paragraph(paragraph, width, measure))
    return lines or [""]


def _wrap_paragraph(paragraph: str, width: float, measure: Width) -> list[str]:
    if not paragraph:
        return [""]
    if measure(paragraph) <= width:
        return [paragraph]
    # Widths add up character by character (no kerning in print), so each token is measured
    # once and the line's width is carried along instead of re-measuring the line.
    width += 1e-6  # sums of advances must not lose a character to rounding
    lines: list[str] = []
    line, used = "", 0.0
    for token in _TOKEN.findall(paragraph):
        size = measure(token)
        if used + size <= width or not line and len(token) == 1:
            line, used = line + token, used + size
            continue
        if len(token) == 1 and token in _NO_LINE_START:
            # A closing mark may not start a line: it takes the line's last character with it
            # (or hangs, when that would leave the line empty).
            if len(line) >= 2 and not line[-1].isspace():
                carry = line[-1]
                lines.append(line[:-1])
                line, used = carry + token, measure(carry) + size
            else:
                line, used = line + token, used + size
            continue
        if token.isspace():
            lines.append(line)
            line, used = "", 0.0
            continue
        if line:
            lines.append(line.rstrip())
            line, used = "", 0.0
        if size <= width:
            line, used = token, size
            continue
        # A token too long for one line (a long number or word) is cut character by character.
        for ch in token:
            advance = measure(ch)
            if used + advance <= width or not line:
                line, used = line + ch, used + advance
            else:
                lines.append(line)
                line, used = ch, advance
    if line or not lines:
        lines.append(line)
    return lines


def line_height(size: float) -> float:
    return size * LINE_SPACING * PT_TO_MM


def text_height(lines: int, size: float, vpad: float) -> float:
    return lines * line_height(size) + 2 * vpad


# -- numbers ---------------------------------------------------------------------------
def _quantize(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def format_amount(value: Decimal | None, places: int = 2, thousands: bool = True) -> str:
    """1297747.17 → 1,297,747.17 (the official money spelling); None → blank."""
    if value is None:
        return ""
    spec = f"{',' if thousands else ''}.{places}f"
    text = format(_quantize(value, places), spec)
    return text[1:] if text.startswith("-") and _quantize(value, places) == 0 else text


def amount_format(places: int = 2, thousands: bool = True) -> str:
    """The Excel number format matching `format_amount`."""
    body = "#,##0" if thousands else "0"
    return body + ("." + "0" * places if places else "")


def format_score(value: Decimal | None) -> str:
    """Weights and scores as the seeds print them: 4, 6.81 (whole numbers without decimals)."""
    if value is None:
        return ""
    if value == value.to_integral_value():
        return str(int(value))
    return format(_quantize(value, 2), "f")


def score_format(value: Decimal | None) -> str:
    if value is None or value == value.to_integral_value():
        return "0"
    return "0.00"


def format_percent(rate: Decimal | None, places: int = 2) -> str:
    """A rate as a fraction (0.681161…) → 68.12%."""
    if rate is None:
        return ""
    return f"{_quantize(rate * 100, places)}%"


def percent_format(places: int = 2) -> str:
    return "0" + ("." + "0" * places if places else "") + "%"
