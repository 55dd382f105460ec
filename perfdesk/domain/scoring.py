"""Domain layer: scoring a self-evaluation by the rules of domain.md §6.

Pure functions of a form and its definition's `ScoringSettings`. The computed score of every
row is always available beside the score a person entered; the entered one wins, and a
difference is an override (reported by validation as info, never rejected).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal, DivisionByZero, InvalidOperation
from functools import lru_cache

from .definition import FormDefinition, ScoringSettings
from .model import Form, Indicator
from .values import EQ, GT, LT, Value, unit_factor

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
    """Two decimals, half up (68.1161% of 10 → 6.81; 5.285 → 5.29)."""
    if not value.is_finite():
        return value
    # len(digits) + exponent == adjusted() + 1: the digits left of the decimal point.
    needed = value.adjusted() + 5
    if needed <= _PREC:
        return value.quantize(CENT, rounding=ROUND_HALF_UP, context=_CONTEXT)
    wide = Context(prec=needed)  # huge typed amounts must not raise
    return value.quantize(CENT, rounding=ROUND_HALF_UP, context=wide)


@dataclass(frozen=True)
class RowScore:
    indicator_id: str
    weight: Decimal | None
    computed: Decimal | None  # by the rules; None when the rules cannot say (no actual yet)
    entered: Decimal | None
    rule: str  # which rule produced `computed`

    @property
    def score(self) -> Decimal | None:
        """The score that counts: the entered one, else the computed one."""
        return self.entered if self.entered is not None else self.computed

    @property
    def needs_judgement(self) -> bool:
        """The rules leave this row to a person (a qualitative row with no grade chosen)."""
        return self.rule == NEEDS_GRADE

    @property
    def overridden(self) -> bool:
        """A person's score where the rules say otherwise — or say nothing but full marks."""
        if self.entered is None:
            return False
        if self.computed is not None:
            return round2(self.entered) != round2(self.computed)
        return self.needs_judgement and self.weight is not None and self.entered != self.weight


@dataclass(frozen=True)
class BudgetScore:
    rate: Decimal | None  # 执行率 as a fraction (0.681161…)
    weight: Decimal
    computed: Decimal | None
    entered: Decimal | None

    @property
    def score(self) -> Decimal | None:
        return self.entered if self.entered is not None else self.computed

    @property
    def rate_percent(self) -> Decimal | None:
        return None if self.rate is None else round2(self.rate * HUNDRED)


@dataclass(frozen=True)
class FormScore:
    budget: BudgetScore | None
    rows: dict[str, RowScore] = field(default_factory=dict)
    weight_total: Decimal = ZERO
    total: Decimal | None = None  # budget score + Σ row scores (rows rounded first)
    grade: str | None = None  # only once every weighted row and the budget line have a score
    complete: bool = False

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
    executed = form.amount(spec.row, spec.executed)
    budget = form.amount(spec.row, spec.budget)
    weight = settings.budget_weight
    rate = computed = None
    if executed is not None and budget is not None and budget > 0:
        rate = _ratio(executed, budget)
        if rate is not None:
            computed = round2(min(max(rate, ZERO), Decimal(1)) * weight)
    return BudgetScore(rate=rate, weight=weight, computed=computed, entered=form.budget_score)


def comparable_actual(target: Value, actual: Value) -> Decimal | None:
    """The actual number in the target's unit (万元 vs 元 scaled), or None."""
    if not actual.is_quantitative or actual.number is None:
        return None
    if not actual.unit or not target.unit:
        return actual.number
    factor = unit_factor(actual.unit, target.unit)
    if factor is None:
        return actual.number
    return actual.number * factor


@lru_cache(maxsize=64)
def _word_finder(words: tuple[str, ...]):
    """One pattern that finds any of `words` in a text (as `any(w in text for w in words)`)."""
    if not words:
        return None
    return re.compile("|".join(map(re.escape, words))).search


def _mentions(text: str, words) -> bool:
    find = _word_finder(tuple(words))
    return find is not None and find(text) is not None


def _says_done(target: Value, actual: Value, settings: ScoringSettings) -> bool:
    text = actual.raw.strip()
    if not text:
        return False
    if text == target.raw.strip():
        return True
    if _mentions(text, settings.shortfall_words):
        return False
    return _mentions(text, settings.completion_words)


def _quantitative(weight: Decimal, target: Value, actual: Value, settings: ScoringSettings):
    t = target.number
    a = comparable_actual(target, actual)
    if a is None:
        if _says_done(target, actual, settings):
            return weight, "qualitative-actual-done"
        return None, NEEDS_GRADE
    assert t is not None
    if t == 0 and target.sign in (EQ,) + ("≤", LT):
        # "=0 次" incidents: nothing happened → full; anything else → 0.
        return (weight if a <= 0 else ZERO), "zero-target"
    if target.is_reverse:
        met = a < t if target.sign == LT else a <= t
        if met:
            return weight, "reverse-met"
        if settings.reverse_rule == "ratio":
            ratio = _ratio(t, a)
            return weight * max(ZERO, ratio or ZERO), "reverse-ratio"
        over = _ratio(a - t, t)
        return weight * max(ZERO, 1 - (over if over is not None else Decimal(1))), "reverse-linear"
    met = a > t if target.sign == GT else a >= t
    if met:
        return weight, "positive-met"
    if t <= 0:
        return ZERO, "positive-missed"
    ratio = _ratio(a, t) or ZERO
    return weight * min(Decimal(1), max(ZERO, ratio)), "positive-ratio"


def score_indicator(indicator: Indicator, settings: ScoringSettings) -> tuple[Decimal | None, str]:
    """The computed score of one row and the name of the rule used."""
    weight = indicator.weight
    if weight is None:
        return None, "no-weight"
    target, actual = indicator.target, indicator.actual
    if actual.is_empty:
        return None, "no-actual"
    if target.is_quantitative:
        value, rule = _quantitative(weight, target, actual, settings)
    elif _says_done(target, actual, settings):
        value, rule = weight, "qualitative-done"
    else:
        band = settings.band(indicator.grade)
        if band is None:
            return None, NEEDS_GRADE
        value, rule = weight * band.high, f"qualitative-{band.key}"
    return (None if value is None else round2(value)), rule


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
        row = RowScore(indicator.id, indicator.weight, computed, indicator.score, rule)
        rows[indicator.id] = row
        if indicator.weight is not None:
            weight_total += indicator.weight
        if row.score is not None:
            total += round2(row.score)
        elif indicator.weight is not None:
            complete = False
    total_value = round2(total)
    grade = settings.grade_of(total_value) if complete else None
    return FormScore(budget, rows, weight_total, total_value, grade, complete)


def level1_weights(form: Form) -> dict[str, Decimal]:
    """Σ分值 per 一级, in first-seen order."""
    split: dict[str, Decimal] = {}
    for indicator in form.indicators:
        if indicator.weight is not None:
            split[indicator.level1] = split.get(indicator.level1, ZERO) + indicator.weight
    return split
