"""Domain layer: scoring a self-evaluation by the rules (docs/rules.md §4).

Pure functions of a form and its definition's `ScoringSettings`. Every row, the 预算执行率 line
and the 总分 have a score computed by the rules. A score a person decided (`Indicator.score`,
`Form.budget_score`, `Form.total`) is an *override*: it counts instead of the computed one,
which stays beside it (validation reports a difference as info, never rejects it). Without an
override the score that counts is the computed one, so editing a target, an actual or a weight
always moves the row's score and the total.

Numbers that reach scoring from older files are cut down by `values.sane_number` first: a
number that arithmetic cannot handle quickly gives no score (validation reports it, E16),
never an exception or minutes of work.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal, DivisionByZero, InvalidOperation
from functools import lru_cache

from typing import NamedTuple

from .definition import FormDefinition, GradeBand, ScoringSettings
from .model import Form, Indicator
from .values import EQ, GT, LE, LT, Value, sane_number, unit_factor

CENT = Decimal("0.01")
NEEDS_GRADE = "qualitative-needs-grade"
ZERO = Decimal(0)
HUNDRED = Decimal(100)


# The context round2 needs for any number below 10**23 (all but absurd amounts): built once.
# Only its precision matters (the rounding is passed to quantize), and quantize never
# traps at this precision for such numbers, so sharing it between threads is safe.
_PREC = 28
_CONTEXT = Context(prec=_PREC)


def round2(value: Decimal) -> Decimal:
    """Two decimals, half up (68.1161% of 10 → 6.81; 5.285 → 5.29). Numbers of 10²³ and more
    only reach here through `sane_number`-free paths; they are rounded all the same."""
    if not value.is_finite():
        return value
    # len(digits) + exponent == adjusted() + 1: the digits left of the decimal point.
    needed = value.adjusted() + 5
    if needed <= _PREC:
        return value.quantize(CENT, rounding=ROUND_HALF_UP, context=_CONTEXT)
    wide = Context(prec=needed)  # huge typed amounts must not raise
    return value.quantize(CENT, rounding=ROUND_HALF_UP, context=wide)


BAD_NUMBER = "bad-number"  # a weight, target or actual number that cannot be used


@dataclass(frozen=True)
class RowScore:
    indicator_id: str
    weight: Decimal | None  # the usable 分值 (None: blank or unusable)
    computed: Decimal | None  # by the rules; None when the rules cannot say (no actual yet)
    entered: Decimal | None  # a person's score: an override (None: the rule's score counts)
    rule: str  # which rule produced `computed`

    @property
    def score(self) -> Decimal | None:
        """The score that counts: the override if there is one, else the computed one."""
        return self.entered if self.entered is not None else self.computed

    @property
    def entered_is_override(self) -> bool:
        """A person's score stands for this row (whether or not it equals the rule's)."""
        return self.entered is not None

    @property
    def needs_judgement(self) -> bool:
        """The rules leave this row to a person (a qualitative row with no grade chosen)."""
        return self.rule == NEEDS_GRADE

    @property
    def overridden(self) -> bool:
        """A person's score where the rules say otherwise — or say nothing but full marks (I1)."""
        if self.entered is None:
            return False
        if self.computed is not None:
            return round2(self.entered) != round2(self.computed)
        return self.needs_judgement and self.weight is not None and self.entered != self.weight


@dataclass(frozen=True)
class BudgetScore:
    rate: Decimal | None  # 执行率 as a fraction (0.681161…)
    weight: Decimal
    computed: Decimal | None  # by the formula; None when an amount is missing
    entered: Decimal | None  # a person's 预算执行率得分: an override (None: computed counts)

    @property
    def score(self) -> Decimal | None:
        return self.entered if self.entered is not None else self.computed

    @property
    def overridden(self) -> bool:
        return self.entered is not None and (self.computed is None or round2(self.entered) != self.computed)

    @property
    def rate_percent(self) -> Decimal | None:
        return None if self.rate is None else round2(self.rate * HUNDRED)


@dataclass(frozen=True)
class FormScore:
    budget: BudgetScore | None
    rows: dict[str, RowScore] = field(default_factory=dict)
    weight_total: Decimal = ZERO
    total: Decimal | None = None  # the 总分 that counts: the override, else `computed_total`
    grade: str | None = None  # of `total`; without an override only once scoring is complete
    complete: bool = False  # every weighted row and the budget line have a score
    computed_total: Decimal | None = None  # budget score + Σ row scores (rows rounded first)
    total_entered: Decimal | None = None  # a person's 总分 (override), as usable

    @property
    def total_overridden(self) -> bool:
        return self.total_entered is not None

    def row(self, indicator_id: str) -> RowScore:
        return self.rows[indicator_id]


def _ratio(a: Decimal, b: Decimal) -> Decimal | None:
    try:
        return a / b
    except (DivisionByZero, InvalidOperation, ZeroDivisionError):
        return None


def budget_score(form: Form, definition: FormDefinition) -> BudgetScore | None:
    """执行率 = 全年执行数 ÷ 全年预算数; 得分 = min(执行率, 100%) × 分值, 2 decimals half up."""
    settings = definition.scoring
    section = definition.budget_section()
    if settings is None or section is None or section.budget_score is None:
        return None
    spec = section.budget_score
    executed = sane_number(form.amount(spec.row, spec.executed))
    budget = sane_number(form.amount(spec.row, spec.budget))
    weight = settings.budget_weight
    rate = computed = None
    if executed is not None and budget is not None and budget > 0:
        rate = _ratio(executed, budget)
        if rate is not None:
            computed = round2(min(max(rate, ZERO), Decimal(1)) * weight)
    return BudgetScore(rate=rate, weight=weight, computed=computed, entered=sane_number(form.budget_score))


def comparable_actual(target: Value, actual: Value) -> Decimal | None:
    """The actual number in the target's unit (万元 vs 元 scaled), or None."""
    if not actual.is_quantitative or actual.number is None:
        return None
    number = sane_number(actual.number)
    if number is None or not actual.unit or not target.unit:
        return number
    factor = unit_factor(actual.unit, target.unit)
    if factor is None:
        return number
    return sane_number(number * factor)


@lru_cache(maxsize=64)
def _word_finder(words: tuple[str, ...]):
    """One pattern that finds any of `words` in a text (as `any(w in text for w in words)`)."""
    if not words:
        return None
    return re.compile("|".join(map(re.escape, words))).search


def _mentions(text: str, words) -> bool:
    find = _word_finder(tuple(words))
    return find is not None and find(text) is not None


def says_done(target: Value, actual: Value, settings: ScoringSettings) -> bool:
    """The actual says the target was met: it repeats the target, or names a completion word
    (完成, 达标 …) and no shortfall word (未完成, 延迟 …)."""
    text = actual.raw.strip()
    if not text:
        return False
    if text == target.raw.strip():
        return True
    if _mentions(text, settings.shortfall_words):
        return False
    return _mentions(text, settings.completion_words)


_says_done = says_done  # older name


def _quantitative(weight: Decimal, target: Value, actual: Value, settings: ScoringSettings):
    t = sane_number(target.number)
    if not actual.is_quantitative:
        if says_done(target, actual, settings):
            return weight, "qualitative-actual-done"
        return None, NEEDS_GRADE
    a = comparable_actual(target, actual)
    if t is None or a is None:
        return None, BAD_NUMBER
    if t == 0 and target.sign in (EQ, LE, LT):
        # "=0 次" incidents: nothing happened → full; anything else → 0.
        return (weight if a <= 0 else ZERO), "zero-target"
    if target.is_reverse:
        met = a < t if target.sign == LT else a <= t
        if met:
            return weight, "reverse-met"
        if settings.reverse_rule == "ratio":
            ratio = _ratio(t, a)
            return weight * min(Decimal(1), max(ZERO, ratio or ZERO)), "reverse-ratio"
        over = _ratio(a - t, t)
        share = 1 - (over if over is not None else Decimal(1))
        return weight * min(Decimal(1), max(ZERO, share)), "reverse-linear"
    met = a > t if target.sign == GT else a >= t
    if met:
        return weight, "positive-met"
    if t <= 0:
        return ZERO, "positive-missed"
    ratio = _ratio(a, t) or ZERO
    return weight * min(Decimal(1), max(ZERO, ratio)), "positive-ratio"


def band_rule(key: str) -> str:
    return f"qualitative-{key}"


def score_indicator(indicator: Indicator, settings: ScoringSettings) -> tuple[Decimal | None, str]:
    """The computed score of one row and the name of the rule used.

    A 评定档次 chosen on a qualitative row decides its score (the band's share of 分值 by the
    definition's `grade_rule`), even where the actual's words would suggest full marks: the
    person's judgement of the band is the more specific statement.
    """
    if indicator.weight is None:
        return None, "no-weight"
    weight = sane_number(indicator.weight)
    if weight is None:
        return None, BAD_NUMBER
    if weight < 0:
        return None, "negative-weight"
    target, actual = indicator.target, indicator.actual
    if actual.is_empty:
        return None, "no-actual"
    if target.is_quantitative:
        value, rule = _quantitative(weight, target, actual, settings)
    else:
        band = settings.band(indicator.grade)
        if band is not None:
            value, rule = weight * settings.band_share(band), band_rule(band.key)
        elif says_done(target, actual, settings):
            value, rule = weight, "qualitative-done"
        else:
            return None, NEEDS_GRADE
    return (None if value is None else round2(value)), rule


class BandScore(NamedTuple):
    """One 评定档次 as the picker shows it for a row's 分值: its range and the score it gives."""

    key: str
    label: str
    low: Decimal | None  # lowest score in the band (2 decimals); None without a 分值
    high: Decimal | None
    score: Decimal | None  # the computed score choosing this band gives


def band_range(weight: Decimal, band: GradeBand) -> tuple[Decimal, Decimal]:
    """The scores a band allows for `weight`, rounded to 2 decimals (what E7 checks)."""
    return round2(weight * band.low), round2(weight * band.high)


def grade_bands(settings: ScoringSettings, weight: Decimal | None) -> list[BandScore]:
    """Every band of the definition with its score range and its computed score for `weight`."""
    usable = sane_number(weight)
    if usable is not None and usable < 0:
        usable = None
    result = []
    for band in settings.bands:
        if usable is None:
            result.append(BandScore(band.key, band.label, None, None, None))
        else:
            low, high = band_range(usable, band)
            result.append(BandScore(band.key, band.label, low, high, round2(usable * settings.band_share(band))))
    return result


def score_form(form: Form, definition: FormDefinition) -> FormScore:
    settings = definition.scoring
    if settings is None:
        return FormScore(budget=None)
    budget = budget_score(form, definition)
    rows: dict[str, RowScore] = {}
    weight_total = budget.weight if budget is not None else ZERO
    total = budget.score if budget is not None and budget.score is not None else ZERO
    complete = budget is None or budget.score is not None
    for indicator in form.indicators:
        computed, rule = score_indicator(indicator, settings)
        weight = sane_number(indicator.weight)
        row = RowScore(indicator.id, weight, computed, sane_number(indicator.score), rule)
        rows[indicator.id] = row
        if weight is not None:
            weight_total += weight
        if row.score is not None:
            total += round2(row.score)
        elif indicator.weight is not None:
            complete = False
    computed_total = round2(total)
    entered = sane_number(form.total)
    if entered is not None:
        counted, grade = entered, settings.grade_of(round2(entered))
    else:
        counted, grade = computed_total, (settings.grade_of(computed_total) if complete else None)
    return FormScore(budget, rows, weight_total, counted, grade, complete, computed_total, entered)


def level1_weights(form: Form) -> dict[str, Decimal]:
    """Σ分值 per 一级, in first-seen order."""
    split: dict[str, Decimal] = {}
    for indicator in form.indicators:
        weight = sane_number(indicator.weight)
        if weight is not None:
            split[indicator.level1] = split.get(indicator.level1, ZERO) + weight
    return split
