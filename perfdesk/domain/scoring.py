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

from .definition import NA_RESCALE, FormDefinition, GradeBand, ScoringSettings
from .model import Form, Indicator
from .values import EQ, GT, LE, LT, Value, sane_number, unit_factor

CENT = Decimal("0.01")
NEEDS_GRADE = "qualitative-needs-grade"
NOT_APPLICABLE = "not-applicable"  # a 不适用 row the definition drops (not_applicable = "rescale")
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


def format_amount(value: Decimal | None) -> str:
    """An amount as the window's grids show it, rounded as scores are: 1,200.50; None → blank.
    (Printed forms use layout.text.format_amount, with the layout's own places.)"""
    return "" if value is None else f"{round2(value):,.2f}"


BAD_NUMBER = "bad-number"  # a weight, target or actual number that cannot be used


@dataclass(frozen=True)
class RowScore:
    """The score of one indicator row: its usable 分值, the rules' score, a person's, and the rule."""

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
    """The 预算执行率 score: the rate, its weight, the computed score and the one kept."""

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
    """A form's scores: the budget line, each indicator row and the total."""

    budget: BudgetScore | None
    rows: dict[str, RowScore] = field(default_factory=dict)
    weight_total: Decimal = ZERO
    total: Decimal | None = None  # the 总分 that counts: the override, else `computed_total`
    grade: str | None = None  # of `total`; without an override only once scoring is complete
    complete: bool = False  # every weighted row and the budget line have a score
    computed_total: Decimal | None = None  # budget score + Σ row scores (rows rounded first)
    total_entered: Decimal | None = None  # a person's 总分 (override), as usable
    # 不适用 rows dropped (not_applicable = "rescale"): their ids, and the factor the other
    # rows' scores were multiplied by in the total (Σ all row 分值 ÷ Σ the others'); None: none
    dropped: tuple[str, ...] = ()
    scale: Decimal | None = None
    rows_sum: Decimal = ZERO  # Σ the rows' scores (each rounded) before scaling

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
    return _score_row(indicator, settings, sane_number(indicator.weight))


def not_applicable(indicator: Indicator, settings: ScoringSettings) -> bool:
    """A row the definition drops as 不适用: its actual (or target) says so, and no person
    has scored it."""
    if settings.not_applicable != NA_RESCALE or indicator.score is not None:
        return False
    words = settings.not_applicable_words
    return any(_bare(value.raw) in words for value in (indicator.actual, indicator.target))


def _bare(text: str) -> str:
    return text.strip().strip("。.；;，,（）()").strip()


def _score_row(indicator: Indicator, settings: ScoringSettings, weight: Decimal | None) -> tuple[Decimal | None, str]:
    """`score_indicator` with the row's usable weight already worked out."""
    if not_applicable(indicator, settings):
        return None, NOT_APPLICABLE
    if indicator.weight is None:
        return None, "no-weight"
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
    rows_sum = rows_weight = dropped_weight = ZERO
    dropped: list[str] = []
    for indicator in form.indicators:
        weight = sane_number(indicator.weight)
        computed, rule = _score_row(indicator, settings, weight)
        score = indicator.score
        row = RowScore(indicator.id, weight, computed, None if score is None else sane_number(score), rule)
        rows[indicator.id] = row
        if weight is not None:
            weight_total += weight
            rows_weight += weight
        if rule == NOT_APPLICABLE:
            dropped.append(indicator.id)
            dropped_weight += weight if weight is not None and weight > 0 else ZERO
        elif row.score is not None:
            rows_sum += round2(row.score)
        elif indicator.weight is not None:
            complete = False
    scale = None
    if dropped and dropped_weight > 0 and rows_weight > dropped_weight:
        # The others carry the whole weight: Σ their scores × Σ all 分值 ÷ Σ their 分值.
        scale = rows_weight / (rows_weight - dropped_weight)
        total += round2(rows_sum * scale)
    else:
        total += rows_sum
    computed_total = round2(total)
    entered = sane_number(form.total)
    if entered is not None:
        counted, grade = entered, settings.grade_of(round2(entered))
    else:
        counted, grade = computed_total, (settings.grade_of(computed_total) if complete else None)
    return FormScore(budget, rows, weight_total, counted, grade, complete, computed_total, entered,
                     tuple(dropped), scale, rows_sum)


def level1_weights(form: Form) -> dict[str, Decimal]:
    """Σ分值 per 一级, in first-seen order."""
    split: dict[str, Decimal] = {}
    for indicator in form.indicators:
        weight = sane_number(indicator.weight)
        if weight is not None:
            split[indicator.level1] = split.get(indicator.level1, ZERO) + weight
    return split


# -- showing the working ----------------------------------------------------------------------
def _n(value: Decimal | None) -> str:
    """A number as people write it: thousands separators, no exponent, no trailing zeros."""
    value = sane_number(value)
    if value is None:
        return "—"
    text = f"{value:,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _s(value: Decimal | None) -> str:
    """A score or an amount with two decimals (5.29, 1,905,200.00)."""
    value = sane_number(value)
    return "—" if value is None else f"{round2(value):,.2f}"


def _override_line(entered: Decimal, computed: Decimal | None, note, what: str = "按规则为") -> str:
    parts = [f"{what} {_s(computed)}" if computed is not None else "规则不给出计算分"]
    if note is not None and note.reason.strip():
        parts.append(f"理由：{note.reason.strip()}")
    return f"人工评定：{_n(entered)}（{'；'.join(parts)}）"


def _converted(target: Value, actual: Value, a: Decimal) -> str:
    """'实际 50000元 按 1元 = 0.0001万元 换算为 5万元；' when units were converted, else ''."""
    if actual.unit and target.unit and actual.unit != target.unit and unit_factor(actual.unit, target.unit) not in (None, 1):
        return f"实际 {actual.raw.strip()} 换算为 {_n(a)}{target.unit}；"
    return ""


def _grade_how(settings: ScoringSettings) -> str:
    return {"top": "上限", "middle": "中点"}.get(settings.grade_rule, "")


def _working(indicator: Indicator, row: RowScore, settings: ScoringSettings) -> str:
    rule = row.rule
    w, target, actual = row.weight, indicator.target, indicator.actual
    if rule == "no-weight":
        return "未填写分值，不计算得分。"
    if rule == BAD_NUMBER:
        return "分值、指标值或实际完成值中的数字无法使用，不计算得分。"
    if rule == "negative-weight":
        return "分值为负数，不计算得分。"
    if rule == NOT_APPLICABLE:
        return "不适用：本行不计分，其分值按比例分到其他指标（见总分）。"
    if rule == "no-actual":
        return "尚未填写实际完成值，暂不评分。"
    if rule in ("qualitative-done", "qualitative-actual-done"):
        return f"定性：实际完成值“{actual.raw.strip()}”表明已完成，得满分 {_n(w)}。"
    if rule == NEEDS_GRADE:
        if target.is_quantitative:
            return (f"实际完成值“{actual.raw.strip()}”不是数值，无法按公式计算；"
                    f"请填写数值，或人工评定得分。")
        return "定性：实际完成值未表明已完成，请选择评定档次，或人工评定得分。"
    if rule.startswith("qualitative-"):
        band = settings.band(indicator.grade)
        if band is None or w is None:
            return "定性：评定档次无法识别。"
        share = settings.band_share(band)
        how = _grade_how(settings)
        return (f"定性：评定档次“{band.label}”，分值 {_n(w)} 的 {_n(band.low * HUNDRED)}%–{_n(band.high * HUNDRED)}%，"
                f"取{how} {_n(share * HUNDRED)}% = {_s(row.computed)}")
    t = sane_number(target.number)
    a = comparable_actual(target, actual)
    if t is None or a is None or w is None:
        return "无法计算。"
    unit = target.unit
    converted = _converted(target, actual, a)
    if rule == "zero-target":
        if row.computed == w:
            return f"目标为 0：{converted}实际 {_n(a)}{unit}，未超过 0，得满分 {_n(w)}。"
        return f"目标为 0：{converted}实际 {_n(a)}{unit} 大于 0，得 0 分。"
    if rule == "positive-met":
        sign = ">" if target.sign == GT else "≥"
        return f"正向：{converted}实际 {_n(a)}{unit} {sign} 目标 {_n(t)}{unit}，达到目标，得满分 {_n(w)}。"
    if rule == "positive-ratio":
        return f"正向：{converted}{_n(a)} ÷ {_n(t)} × {_n(w)} = {_s(row.computed)}"
    if rule == "positive-missed":
        return f"正向：目标 {_n(t)}{unit} 不大于 0 且未达到，得 0 分。"
    if rule == "reverse-met":
        sign = "<" if target.sign == LT else "≤"
        return f"反向：{converted}实际 {_n(a)}{unit} {sign} 目标 {_n(t)}{unit}，达到目标，得满分 {_n(w)}。"
    if rule == "reverse-linear":
        return f"反向：{converted}(1 − ({_n(a)} − {_n(t)}) ÷ {_n(t)}) × {_n(w)} = {_s(row.computed)}（最低 0 分）"
    if rule == "reverse-ratio":
        return f"反向：{converted}{_n(t)} ÷ {_n(a)} × {_n(w)} = {_s(row.computed)}"
    return ""


def explain_row(form: Form, definition: FormDefinition, indicator: Indicator, row_score: RowScore | None = None) -> str:
    """How the row's score came about, with its numbers, in Chinese: the rule's working
    ("正向：6.17 ÷ 7 × 6 = 5.29") and, first, a person's override with the rule's score and
    the reason given ("人工评定：4（按规则为 5.29；理由：…）"). One line each."""
    settings = definition.scoring
    if settings is None:
        return ""
    row = row_score if row_score is not None else score_form(form, definition).rows[indicator.id]
    lines = []
    if row.entered is not None:
        lines.append(_override_line(row.entered, row.computed, indicator.score_note))
    working = _working(indicator, row, settings)
    if working:
        lines.append(working)
    return "\n".join(lines)


def explain_budget(form: Form, definition: FormDefinition, budget: BudgetScore | None = None) -> str:
    """The 预算执行率 line's working: "预算执行率：1,297,747.17 ÷ 1,905,200.00 = 68.12%，× 10 = 6.81";
    an override first, as in `explain_row`."""
    section = definition.budget_section()
    if budget is None:
        budget = budget_score(form, definition)
    if budget is None or section is None:
        return ""
    spec = section.budget_score
    lines = []
    if budget.entered is not None:
        lines.append(_override_line(budget.entered, budget.computed, form.budget_note))
    executed = sane_number(form.amount(spec.row, spec.executed))
    planned = sane_number(form.amount(spec.row, spec.budget))
    if executed is None or planned is None:
        lines.append("预算执行率：全年预算数或全年执行数未填，暂不计算。")
    elif planned <= 0 or budget.rate is None:
        lines.append("预算执行率：全年预算数不大于 0，无法计算。")
    else:
        cap = ""
        if budget.rate > 1:
            cap = "超过 100% 按 100% 计，"
        elif budget.rate < 0:
            cap = "低于 0 按 0 计，"
        lines.append(f"预算执行率：{_s(executed)} ÷ {_s(planned)} = {_s(budget.rate * HUNDRED)}%，"
                     f"{cap}× {_n(budget.weight)} = {_s(budget.computed)}")
    return "\n".join(lines)


def explain_total(form: Form, definition: FormDefinition, score: FormScore | None = None) -> str:
    """The 总分's working: budget score plus the rows' scores; an override first."""
    if definition.scoring is None:
        return ""
    score = score if score is not None else score_form(form, definition)
    lines = []
    if score.total_entered is not None:
        lines.append(_override_line(score.total_entered, score.computed_total, form.total_note, "按计算为"))
    budget = score.budget.score if score.budget is not None and score.budget.score is not None else ZERO
    rows = score.rows_sum
    if score.scale is not None:
        dropped = sum((score.rows[i].weight or ZERO for i in score.dropped), ZERO)
        all_rows = sum((r.weight for r in score.rows.values() if r.weight is not None), ZERO)
        rows_text = (f"（各项得分之和 {_s(rows)}，剔除不适用 {len(score.dropped)} 项、分值 {_n(dropped)}，"
                     f"按 {_n(all_rows)} ÷ {_n(all_rows - dropped)} 折算为 {_s(round2(rows * score.scale))}）")
    else:
        rows_text = f"各项得分之和 {_s(rows)}"
    if score.budget is not None:
        lines.append(f"总分：预算执行率得分 {_s(budget)} + {rows_text} = {_s(score.computed_total)}")
    else:
        lines.append(f"总分：{rows_text} = {_s(score.computed_total)}")
    return "\n".join(lines)
