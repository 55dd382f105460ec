"""Domain layer: what a finance reviewer checks (docs/rules.md §6), as structured issues.

`validate_form` is a pure function of a form, its definition and (for E10) the workspace it
lives in. Each issue has a code, a severity, a location (form, section, row, column), a place
in words and a Chinese message that says what is wrong and what to do; where the program can
do the remedy itself the issue carries it as data (`Fix`), which the editing layer turns into
commands. Errors block nothing while editing; they are listed before export.

Validation never raises on a form it is given: numbers that arithmetic cannot handle (older
files) are reported (E16), not computed with.
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum

from .definition import SCOPE_PROJECT, ExtraColumn, FormDefinition, FormKind, SectionDef, SectionType
from .model import Form, Indicator, Workspace
from .scoring import FormScore, band_range, comparable_actual, level1_weights, round2, score_form
from .values import (EQ, GE, GT, _fold, is_sane_number, parse_number, print_style, same_unit, sane_number,
                     unit_factor)


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def label(self) -> str:
        return {"error": "错误", "warning": "警告", "info": "提示"}[self.value]


@dataclass(frozen=True)
class Location:
    """Where an issue is: form, section and, in a table, the row and column."""

    form_id: str
    section: str  # a section key of the definition: header, funding, goals, indicators, total …
    item_id: str | None = None  # the indicator id, for rows of the indicator table
    row: int | None = None  # 1-based row within the section, for people
    column: str | None = None  # field key, amount "row.column" key or indicator column key


# What a `Fix` does; the editing layer maps each kind to undoable commands.
USE_COMPUTED = "use_computed"  # remove the row's score override (item_id)
MARK_ADJUSTED = "mark_adjusted"  # E10: mark the row 已调整
UNMARK_ADJUSTED = "unmark_adjusted"  # the row matches the declaration: drop 已调整
ADD_UNIT = "add_unit"  # append `value` (a unit) to the row's target
BALANCE_WEIGHTS = "balance_weights"  # 分值配平 of the 一级 `value` (None: every 一级)
RESTORE_DECLARED = "restore_declared"  # set the row's target to `value`, the declared text
TOTAL_COMPUTED = "total_computed"  # remove the 总分 override
BUDGET_COMPUTED = "budget_computed"  # remove the 预算执行率得分 override


@dataclass(frozen=True)
class Fix:
    """A remedy the program can carry out for an issue, offered to the user by `label`."""

    kind: str
    label: str
    item_id: str | None = None  # the indicator it applies to
    value: str | None = None


@dataclass(frozen=True)
class Issue:
    """One problem found by validation: its code, severity, place and Chinese message."""

    code: str
    severity: Severity
    location: Location
    where: str  # the location in words: 「绩效指标」第3行「实际完成值」
    message: str
    fixes: tuple[Fix, ...] = ()

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


_YEAR_IN_TEXT = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年")
_DATE_FORMATS = (
    re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$"),
    re.compile(r"^\s*(\d{4})/(\d{1,2})/(\d{1,2})\s*$"),
    re.compile(r"^\s*(\d{4})\.(\d{1,2})\.(\d{1,2})\s*$"),
    re.compile(r"^\s*(\d{4})年(\d{1,2})月(\d{1,2})日\s*$"),
)
_BUDGET_RATE_WORDS = ("预算执行率", "资金执行率", "预算资金执行率")
_BUDGET_RATE_RE = re.compile("|".join(map(re.escape, _BUDGET_RATE_WORDS)))


@lru_cache(maxsize=None)
def _placeholder() -> re.Pattern:
    """E15: a placeholder left in a target: any `*`, or X standing where digits belong (≥X%,
    XX个, 9X%, X月X日前) — but not X in a word (X光机, OS X). Compiled on first need: most
    targets hold no X or * (the cheap _MAYBE_PLACEHOLDER decides)."""
    return re.compile(
        r"[*]"
        r"|^(?:>=|<=|=>|=<|[≥≤≧≦⩾⩽=><])?\s*[Xx]+(?![A-Za-z])"
        r"|(?<=[\d.])[Xx]+|(?<![A-Za-z])[Xx]+(?=\s*[\d.%年月日])")


_MAYBE_PLACEHOLDER = re.compile("[*XxＸｘ＊]")
# W14: the first date in a 时效 target: 2026年6月30日前, 2026年底前, 2026-06-30, 2026.6.
_DATE_IN_TEXT = re.compile(
    r"(?<!\d)(?:((?:19|20)\d{2})\s*年\s*(?:(\d{1,2})\s*月\s*(?:(\d{1,2})\s*[日号])?)?"
    r"|((?:19|20)\d{2})[-/.](\d{1,2})(?:[-/.](\d{1,2}))?(?!\d))")
# W15: a whole text that is a date in a `date` column: 2026-06-30, 2026/6/30, 2026.6.30,
# 2026年6月30日, 2026年6月, 2026年, 2026-06, 2026.6, optionally followed by 底 / 末 / 前 (2026年底前).
_WHOLE_DATE = re.compile(
    r"\s*(?:((?:19|20)\d{2})\s*年\s*(?:(\d{1,2})\s*月\s*(?:(\d{1,2})\s*[日号])?)?"
    r"|((?:19|20)\d{2})[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)\s*(?:底|末)?\s*(?:以前|之前|前)?\s*")
# The typed columns whose values W15 checks (an extra indicator column or a table section's).
TYPED_COLUMNS = ("number", "amount", "date")
# Labels of the columns that are not fields or indicator columns, as people call them.
PLAIN_WEIGHT_TOTAL = Decimal(100)  # E17: the weights of an unscored form with a 权重 column
_COLUMN_WORDS = {"weight": "分值合计", "total": "总分", "budget_score": "预算执行率得分"}


def parse_date(text: str) -> date | None:
    for pattern in _DATE_FORMATS:
        match = pattern.match(text or "")
        if match:
            try:
                return date(*(int(g) for g in match.groups()))
            except ValueError:
                return None
    return None


def _num(value: Decimal | None) -> str:
    if value is None:
        return "空"
    if not is_sane_number(value):
        return str(value)
    value = round2(sane_number(value))
    text = f"{value:,.2f}"
    return text[:-3] if text.endswith(".00") else text


def _percent(rate: Decimal) -> str:
    """A rate in percent with 2 decimals, more when rounding would hide a shortfall (99.9996)."""
    value = sane_number(rate * 100)
    if value is None:
        return str(rate * 100)
    for places in (2, 4, 6):
        shown = value.quantize(Decimal(1).scaleb(-places))
        if shown != 100 or value == 100:
            return format(shown, "f")
    return format(value, "f")


class _Checker:
    """Collects the issues of one form; one method per rule."""

    def __init__(self, form: Form, definition: FormDefinition, workspace: Workspace | None,
                 score: FormScore | None, definition_of=None):
        self.form = form
        self.definition_of = definition_of
        self.definition = definition
        self.workspace = workspace
        self.score = score if score is not None else score_form(form, definition)
        self.issues: list[Issue] = []
        self.indicators = definition.section(SectionType.INDICATORS)
        self.columns = dict(self.indicators.indicator_columns) if self.indicators else {}
        self.rows = {ind.id: i + 1 for i, ind in enumerate(form.indicators)}
        self._declaration: Form | None | bool = False  # looked up once, when first needed

    # -- reporting ---------------------------------------------------------------------
    def add(self, code: str, severity: Severity, section: SectionDef | None, message: str, *,
            item_id: str | None = None, row: int | None = None, column: str | None = None,
            where: str | None = None, fixes: tuple[Fix, ...] = ()) -> None:
        section_key = section.key if section else "form"
        if where is None:
            parts = [f"「{section.label or section.key}」" if section else "本表"]
            if row is not None:
                parts.append(f"第{row}行")
            if column is not None and not (section is not None and section.type is SectionType.TOTAL
                                           and column == "total"):
                parts.append(f"「{self._column_label(section, column)}」")
            where = "".join(parts)
        location = Location(self.form.id, section_key, item_id, row, column)
        self.issues.append(Issue(code, severity, location, where, message, tuple(fixes)))

    def _column_label(self, section: SectionDef | None, column: str) -> str:
        if section is not None and section.type is SectionType.INDICATORS and column in self.columns:
            return self.columns[column]
        if section is not None and section.type is SectionType.TABLE and section.extra(column) is not None:
            return section.extra(column).label
        if section is not None and section.type is SectionType.FUNDING and "." in column:
            row_key, col_key = column.split(".", 1)
            row = next((r for r in section.rows if r.key == row_key), None)
            col = next((c for c in section.columns if c.key == col_key), None)
            if row and col:
                return f"{col.row_label(row)} / {col.label}"
        field = self.definition.field(column)
        if field is not None:
            return field.label
        return _COLUMN_WORDS.get(column, "")

    def add_row(self, code: str, severity: Severity, indicator: Indicator, column: str, message: str,
                fixes: tuple[Fix, ...] = ()):
        self.add(code, severity, self.indicators, message, item_id=indicator.id,
                 row=self.rows[indicator.id], column=column, fixes=fixes)

    def declaration(self) -> Form | None:
        """The same project's declaration of the same year and scope (E8's unit hint, E10, I4)."""
        if self._declaration is False:
            found = None
            if self.workspace is not None and self.form.kind is FormKind.SELF_EVALUATION:
                found = declaration_of_scope(self.workspace, self.form, self.definition.scope, self.definition_of)
            self._declaration = found
        return self._declaration  # type: ignore[return-value]

    # -- rules -------------------------------------------------------------------------
    def run(self) -> list[Issue]:
        self.check_header()
        self.check_funding()
        self.check_tables()
        self.check_texts()
        if self.indicators is not None:
            self.check_indicators()
            if self.definition.scored:
                self.check_scores()
            elif self.definition.has_column("weight"):
                self.check_plain_weights()
            self.check_declaration_match()
        return self.issues

    def check_header(self) -> None:  # E12, I2, E9
        section = self.definition.section(SectionType.FIELDS)
        if section is not None:
            for field in section.fields:
                if field.required and not self.form.field(field.key).strip():
                    if field.required == "error":
                        self.add("E12", Severity.ERROR, section,
                                 f"{field.label}未填写。请填写{field.label}，它会印在表上。", column=field.key)
                    else:
                        self.add("I2", Severity.INFO, section,
                                 f"{field.label}未填写。如有实施单位，请补上。", column=field.key)
        date_fields = [f for f in self.definition.all_fields() if f.type == "date"]
        if not date_fields or section is None:
            return
        dates: dict[str, date] = {}
        for field in date_fields:
            text = self.form.field(field.key).strip()
            if not text:
                continue
            parsed = parse_date(text)
            if parsed is None:
                self.add("E9", Severity.ERROR, section,
                         f"{field.label}“{text}”无法识别。请按“{self.form.year}-01-01”的格式填写日期。",
                         column=field.key)
                continue
            dates[field.key] = parsed
            if parsed.year != self.form.year:
                self.add("E9", Severity.ERROR, section,
                         f"{field.label} {parsed.isoformat()} 不在本表年度（{self.form.year}年）内。"
                         f"请改为 {self.form.year} 年内的日期。", column=field.key)
        if len(date_fields) >= 2:
            first, last = date_fields[0], date_fields[-1]
            if first.key in dates and last.key in dates and dates[first.key] > dates[last.key]:
                self.add("E9", Severity.ERROR, section,
                         f"{first.label} {dates[first.key].isoformat()} 晚于{last.label} "
                         f"{dates[last.key].isoformat()}。请核对计划日期。", column=first.key)

    def plan_end(self) -> tuple[date, str] | None:
        """The plan's end date (the last date field) and its label, when it reads as a date."""
        date_fields = [f for f in self.definition.all_fields() if f.type == "date"]
        if len(date_fields) < 2:
            return None
        last = date_fields[-1]
        parsed = parse_date(self.form.field(last.key).strip())
        return (parsed, last.label) if parsed is not None else None

    def _amount(self, section: SectionDef, row_key: str, col_key: str) -> Decimal | None:
        """An amount as arithmetic may use it (an unusable one is reported once, E16)."""
        return sane_number(self.form.amount(row_key, col_key))

    def check_funding(self) -> None:  # E16, E5, W3, W8 (per section)
        unit = self.definition.amount_unit
        for section in self.definition.sections_of(SectionType.FUNDING):
            cells = section.amount_cells()
            for row_key, col_key in cells:
                raw = self.form.amount(row_key, col_key)
                if not is_sane_number(raw):
                    self.add("E16", Severity.ERROR, section,
                             f"金额“{raw}”不是可用的数字（超出范围或无法计算），未参与合计和评分。请重新填写。",
                             row=self._amount_row(section, row_key), column=f"{row_key}.{col_key}")
                    continue
                value = sane_number(raw)
                if value is not None and value < 0:
                    self.add("E5", Severity.ERROR, section,
                             f"金额为负数（{_num(value)} {unit}）。资金金额不能为负，请核对后改正。",
                             row=self._amount_row(section, row_key), column=f"{row_key}.{col_key}")
            for rule in section.sums:
                for column in section.columns:
                    present = [p for p in rule.parts if not column.rows or p in column.rows]
                    total = self._amount(section, rule.total, column.key)
                    parts = [self._amount(section, p, column.key) for p in present]
                    if total is None and all(p is None for p in parts):
                        continue
                    parts_sum = sum((p for p in parts if p is not None), Decimal(0))
                    total_value = total if total is not None else Decimal(0)
                    if parts_sum != total_value:
                        labels = "＋".join(column.row_label(r) for r in section.rows if r.key in present)
                        labels = labels.replace("其中：", "")
                        total_row = next(r for r in section.rows if r.key == rule.total)
                        self.add("E5", Severity.ERROR, section,
                                 f"「{column.label}」列：{column.row_label(total_row)} {_num(total_value)} "
                                 f"不等于 {labels} 之和 {_num(parts_sum)}（相差 {_num(total_value - parts_sum)}）。"
                                 f"请核对各项金额。",
                                 row=self._amount_row(section, rule.total), column=f"{rule.total}.{column.key}")
            if section.budget_score is not None:
                self.check_execution(section)

    def _amount_row(self, section: SectionDef, row_key: str) -> int:
        return [r.key for r in section.rows].index(row_key) + 1

    def check_execution(self, section: SectionDef) -> None:  # W3
        spec = section.budget_score
        settings = self.definition.scoring
        for row in section.rows:
            executed = self._amount(section, row.key, spec.executed)
            budget = self._amount(section, row.key, spec.budget)
            if executed is not None and budget is not None and executed > budget:
                self.add("W3", Severity.WARNING, section,
                         f"{row.label}的全年执行数 {_num(executed)} 超过全年预算数 {_num(budget)}。"
                         f"请核对执行数，或说明超支原因。",
                         row=self._amount_row(section, row.key), column=f"{row.key}.{spec.executed}")
        budget_score = self.score.budget
        note_field = section.options.get("note_field")
        note_label = section.options.get("note_label", "资金执行说明")
        if (budget_score is not None and budget_score.rate is not None and settings is not None
                and note_field and budget_score.rate * 100 < settings.execution_note_below
                and not self.form.field(note_field).strip()):
            self.add("W3", Severity.WARNING, section,
                     f"预算执行率 {_percent(budget_score.rate)}% 低于 {_num(settings.execution_note_below)}%，"
                     f"但没有说明。请在“{note_label}”中写明未执行完的原因。",
                     row=self._amount_row(section, spec.row), column=f"{spec.row}.{spec.executed}")

    def check_texts(self) -> None:  # E13, W6
        for section in self.definition.sections:
            if section.type not in (SectionType.TEXTS, SectionType.FIELDS):
                continue
            for field in section.fields:
                text = self.form.field(field.key)
                if section.type is SectionType.TEXTS and field.required and not text.strip():
                    self.add("E13", Severity.ERROR, section,
                             f"{field.label}未填写。请写明本年度要达到的目标。", column=field.key)
                if not field.check_year:
                    continue
                years = sorted({int(y) for y in _YEAR_IN_TEXT.findall(text)})
                other = [y for y in years if y != self.form.year]
                if other:
                    named = "、".join(f"{y}年" for y in other)
                    self.add("W6", Severity.WARNING, section,
                             f"文中提到 {named}，与本表年度 {self.form.year} 年不同。"
                             f"请确认年份是否需要更新。", column=field.key)

    def check_indicators(self) -> None:  # E8, E11, E14, E15, W4, W5, W7–W14, I3
        taxonomy = self.definition.taxonomy
        seen: dict[str, list[Indicator]] = defaultdict(list)
        has_satisfaction = False
        annual_total = self._annual_total()
        has_actual = self.definition.has_column("actual")  # once per form, not once per row
        plan_end = self.plan_end() if taxonomy.timeliness else None
        cost = taxonomy.cost_level
        level1_present = set()
        typed = [c for c in self.indicators.extra_columns if c.type in TYPED_COLUMNS]
        for indicator in self.form.indicators:
            name = indicator.level3.strip()
            for column in typed:
                text = indicator.extra.get(column.key, "")
                why = typed_problem(column, text, self.form.year)
                if why:
                    self.add_row("W15", Severity.WARNING, indicator, column.key,
                                 f"“{name or '（未命名）'}”的「{column.label}」{why}")
            level1_present.add(indicator.level1.strip())
            if name:
                seen[name].append(indicator)
            if taxonomy.satisfaction and indicator.level1 == taxonomy.satisfaction:
                has_satisfaction = True
            self.check_target(indicator)
            if has_actual:
                self.check_actual(indicator)
                self.check_units(indicator)
            if taxonomy.level2_required and indicator.level1 and not indicator.level2.strip():
                level = taxonomy.find(indicator.level1)
                options = "、".join(level.level2) if level else ""
                self.add_row("W11", Severity.WARNING, indicator, "level2",
                             f"“{name or '（未命名）'}”缺少二级指标。" +
                             (f"请从 {options} 中选择。" if options else "请补充二级指标。"))
            if self.definition.checks.budget_rate_apart and _BUDGET_RATE_RE.search(name):
                self.add_row("W9", Severity.WARNING, indicator, "level3",
                             f"“{name}”以预算执行率作为绩效指标。预算执行率已单独计分，"
                             f"请改用反映产出或效益的指标。")
            target = indicator.target
            if target.is_quantitative:
                if cost and (indicator.level1 == cost or indicator.level2 == cost or self._is_cost(indicator)):
                    self.check_cost_cap(indicator, annual_total)
                    self.check_cost_sign(indicator)
                self.check_percent(indicator)
            level2 = indicator.level2.strip()
            if plan_end is not None and level2 in taxonomy.timeliness:
                self.check_deadline(indicator, plan_end)
            if target.is_qualitative and level2 in taxonomy.measurable:
                self.check_vague(indicator)
        for name, rows in seen.items():
            if len(rows) > 1:
                numbers = "、".join(str(self.rows[r.id]) for r in rows)
                for duplicate in rows[1:]:
                    self.add_row("W4", Severity.WARNING, duplicate, "level3",
                                 f"三级指标“{name}”在本表中重复出现（第 {numbers} 行）。"
                                 f"请删除重复的一项，或改成不同的指标。")
        missing = [level for level in taxonomy.required_level1 if level not in level1_present]
        if missing:
            named = "、".join(missing)
            self.add("E14", Severity.ERROR, self.indicators,
                     f"绩效指标中没有{named}。请至少设置一项{named}（一级指标）。")
        if taxonomy.satisfaction and self.form.indicators and not has_satisfaction:
            self.add("W10", Severity.WARNING, self.indicators,
                     f"本表没有{taxonomy.satisfaction}。请至少设置一项服务对象满意度指标。")

    def _unit_hint(self, indicator: Indicator) -> str | None:
        """A unit for a target that lacks one: the actual's, else the declared target's."""
        actual = indicator.actual
        if actual.is_quantitative and actual.unit:
            return actual.unit
        declaration = self.declaration()
        if declaration is not None:
            name = indicator.level3.strip()
            for declared in declaration.indicators:
                if declared.level3.strip() == name and declared.target.is_quantitative and declared.target.unit:
                    return declared.target.unit
        return None

    def check_target(self, indicator: Indicator) -> None:  # E8, E11, E15, W7
        target = indicator.target
        name = indicator.level3.strip() or "（未命名）"
        raw = target.raw.strip()
        if target.is_empty:
            self.add_row("E8", Severity.ERROR, indicator, "target",
                         f"“{name}”的指标值未填写。请填写指标值，定量指标按“符号＋数值＋单位”填写。")
        elif _MAYBE_PLACEHOLDER.search(raw) and _placeholder().search(_fold(raw)):
            self.add_row("E15", Severity.ERROR, indicator, "target",
                         f"指标值“{raw}”中还有占位符（* 或 X）。请填写实际的目标数值。")
        elif target.sign_only:
            self.add_row("E11", Severity.ERROR, indicator, "target",
                         f"指标值“{raw}”只有符号没有数字。定量指标请按“符号＋数值＋单位”填写，"
                         f"例如“≥95(%)”；定性指标请去掉符号。")
        elif target.is_quantitative and target.sign_implied:
            self.add_row("W7", Severity.WARNING, indicator, "target",
                         f"指标值“{raw}”缺少比较符号，按“≥”理解。"
                         f"建议写成“{print_style(target)}”。")
        elif target.is_quantitative and not target.unit:
            unit = self._unit_hint(indicator)
            fixes = (Fix(ADD_UNIT, f"补充单位“{unit}”", indicator.id, unit),) if unit else ()
            example = f"“{print_style(target)}({unit})”" if unit else f"“{print_style(target)}(次)”或“…(%)”"
            self.add_row("E8", Severity.ERROR, indicator, "target",
                         f"定量指标值“{raw}”缺少计量单位。请补上单位，例如{example}。", fixes)
        elif target.looks_quantitative and not target.is_quantitative:
            if re.search(r"\d\s*(%|％|个|次|天|人|元|万元|件|条)", target.raw):
                self.add_row("W7", Severity.WARNING, indicator, "target",
                             f"指标值“{raw}”像是定量值，但不是“符号＋数值＋单位”的格式，"
                             f"无法按规则评分。请改写，例如“≥95(%)”。")

    def check_actual(self, indicator: Indicator) -> None:  # E11 on 实际完成值
        actual = indicator.actual
        if actual.sign_only:
            self.add_row("E11", Severity.ERROR, indicator, "actual",
                         f"实际完成值“{actual.raw.strip()}”只有符号没有数字。请填写实际完成的数值，"
                         f"或用文字说明完成情况。")

    def check_units(self, indicator: Indicator) -> None:  # W5
        target, actual = indicator.target, indicator.actual
        if not (target.is_quantitative and actual.is_quantitative and target.unit and actual.unit):
            return
        if same_unit(target.unit, actual.unit):
            return
        factor = unit_factor(actual.unit, target.unit)
        hint = (f"评分时已按 1{actual.unit} = {_num(factor)}{target.unit} 换算，请确认。"
                if factor is not None else "请统一单位，否则无法正确评分。")
        self.add_row("W5", Severity.WARNING, indicator, "actual",
                     f"实际完成值的单位“{actual.unit}”与指标值的单位“{target.unit}”不一致。{hint}")

    def _is_cost(self, indicator: Indicator) -> bool:
        cost = self.definition.taxonomy.cost_level
        return bool(cost) and cost in (indicator.level1.strip(), indicator.level2.strip())

    def check_cost_sign(self, indicator: Indicator) -> None:  # W12
        target = indicator.target
        if (self._is_cost(indicator) and target.is_quantitative and not target.sign_implied
                and target.sign in (GE, GT)):
            self.add_row("W12", Severity.WARNING, indicator, "target",
                         f"成本指标的指标值“{target.raw.strip()}”用了“{target.sign}”。成本通常是上限，"
                         f"应写成“≤”，例如“≤{print_style(target)[1:]}”。如确是下限，可忽略此提示。")

    def check_percent(self, indicator: Indicator) -> None:  # W13
        target = indicator.target
        if not (target.is_quantitative and target.sign in (GE, GT, EQ) and same_unit(target.unit, "%")):
            return
        limit = self.definition.checks.percent_limit
        number = sane_number(target.number)
        if number is not None and number > limit:
            self.add_row("W13", Severity.WARNING, indicator, "target",
                         f"指标值“{target.raw.strip()}”超过 {_num(limit)}%。请确认数值是否写错"
                         f"（例如多写了一个 0）。")

    def check_deadline(self, indicator: Indicator, plan_end: tuple[date, str]) -> None:  # W14
        deadline = _date_in_text(_fold(indicator.target.raw))
        end, label = plan_end
        if deadline is not None and deadline > end:
            self.add_row("W14", Severity.WARNING, indicator, "target",
                         f"时效指标值“{indicator.target.raw.strip()}”晚于{label} {end.isoformat()}。"
                         f"请把时限改在计划期内，或核对{label}。")

    def check_vague(self, indicator: Indicator) -> None:  # I3
        target = indicator.target
        if not target.is_qualitative or target.sign_only:
            return
        if not _only_words(target.raw, self.definition.checks.vague_words):
            return
        if indicator.level2.strip() in self.definition.taxonomy.timeliness:
            example = f"“{self.form.year}年6月30日前完成”"
        else:
            example = "“≥95(%)”“=12(次)”或“验收合格率=100(%)”"
        self.add_row("I3", Severity.INFO, indicator, "target",
                     f"指标值“{target.raw.strip()}”只是笼统的表述，难以衡量是否达成。"
                     f"建议写成可衡量的形式，例如{example}。")

    def _annual_cell(self, initial_too: bool):
        """The year's funding total: the total row of the first sum rule, in the first of its
        columns that holds an amount — in a self-evaluation its 全年预算数 (and, `initial_too`,
        its 年初预算数 when that is empty), otherwise the last column that has the row (年度资金
        of a two-half block). (section, row, column, amount in the form's unit) or None."""
        for section in self.definition.sections_of(SectionType.FUNDING):
            spec = section.budget_score
            for rule in section.sums:
                row = next(r for r in section.rows if r.key == rule.total)
                if spec is not None:
                    wanted = [spec.budget] + ([spec.initial] if initial_too and spec.initial else [])
                    candidates = [c for key in wanted for c in section.columns if c.key == key]
                else:
                    candidates = list(reversed(section.columns))
                for column in candidates:
                    if column.rows and rule.total not in column.rows:
                        continue
                    value = self._amount(section, rule.total, column.key)
                    if value is not None:
                        return section, row, column, value
        return None

    def _annual_amount(self) -> tuple[Decimal, str] | None:
        """The year's funding total in the form's own unit and its label, for W16."""
        found = self._annual_cell(initial_too=True)
        if found is None:
            return None
        section, row, column, value = found
        label = column.row_label(row)
        return value, f"{label}（{column.label}）" if section.budget_score is not None else label

    def _annual_total(self) -> tuple[Decimal, str] | None:
        """The year's funding total in 元 and its label, for W8."""
        found = self._annual_cell(initial_too=False)
        if found is None:
            return None
        _, row, column, value = found
        return value * (unit_factor(self.definition.amount_unit, "元") or Decimal(1)), column.row_label(row)

    def check_tables(self) -> None:  # W15, W16, W17 of the form's own table sections (年度主要任务)
        unit = self.definition.amount_unit
        for section in self.definition.sections_of(SectionType.TABLE):
            columns = section.extra_columns
            rows = self.form.tables.get(section.key, [])
            if not columns or not rows:
                continue
            name_column = columns[0]
            amounts = [c for c in columns if c.type == "amount"]
            for number, row in enumerate(rows, start=1):
                for column in columns:
                    why = typed_problem(column, row.cells.get(column.key, ""), self.form.year)
                    if why:
                        self.add("W15", Severity.WARNING, section, f"「{column.label}」{why}",
                                 row=number, column=column.key)
                if not row.cells.get(name_column.key, "").strip():
                    filled = [c for c in columns[1:] if row.cells.get(c.key, "").strip()]
                    if any(c.type == "amount" for c in filled):
                        named = "".join(f"「{c.label}」" for c in filled)
                        self.add("W17", Severity.WARNING, section,
                                 f"这一行填了{named}，但没有{name_column.label}。"
                                 f"请填写{name_column.label}，或删除这一行。",
                                 row=number, column=name_column.key)
            if not amounts:
                continue
            annual = self._annual_amount()
            if annual is None:
                continue
            total, label = annual
            sums = table_amount_sums(section, rows)
            for column in amounts:
                value, left_out = sums[column.key]
                if value > total:
                    note = f"（另有 {left_out} 行的{column.label}不是数字，未计入）" if left_out else ""
                    self.add("W16", Severity.WARNING, section,
                             f"「{section.label}」各行{column.label}合计 {_num(value)} {unit}{note}，"
                             f"超过{label}{'' if label.endswith('）') else ' '}{_num(total)} {unit}"
                             f"（多 {_num(value - total)} {unit}）。"
                             f"请核对各行的{column.label}，或核对{label}。",
                             column=column.key)

    def check_cost_cap(self, indicator: Indicator, annual: tuple[Decimal, str] | None) -> None:  # W8
        if annual is None or not self._is_cost(indicator):
            return
        target = indicator.target
        if not (target.is_quantitative and target.is_reverse and target.number is not None):
            return
        factor = unit_factor(target.unit, "元")
        number = sane_number(target.number)
        if factor is None or number is None:
            return
        cap = number * factor
        total, label = annual
        if cap > total:
            self.add_row("W8", Severity.WARNING, indicator, "target",
                         f"成本上限 {target.raw.strip()} 折合 {_num(cap)} 元，超过{label} {_num(total)} 元。"
                         f"请检查金额和单位（万元/元）是否写错。")

    def check_plain_weights(self) -> None:  # E17
        """A declaration with a 权重 column (the national 2021+ form): every row has a weight
        and the weights total 100."""
        indicators = self.form.indicators
        if not indicators:
            return
        total = Decimal(0)
        for indicator in indicators:
            weight = sane_number(indicator.weight) if is_sane_number(indicator.weight) else None
            name = indicator.level3.strip() or "（未命名指标）"
            if weight is None:
                self.add_row("E17", Severity.ERROR, indicator, "weight",
                             f"“{name}”没有权重（或权重不是可用的数字）。请填写权重，使各指标权重合计为 100。")
                return
            total += weight
        if total != PLAIN_WEIGHT_TOTAL:
            self.add("E17", Severity.ERROR, self.indicators,
                     f"权重合计为 {_num(total)}，应为 {_num(PLAIN_WEIGHT_TOTAL)}。请调整各指标的权重。", column="weight")

    def check_scores(self) -> None:  # E1–E4, E6, E7, E16, W1, W2, I1
        settings = self.definition.scoring
        assert settings is not None
        score = self.score
        section = self.indicators
        total_section = self.definition.section(SectionType.TOTAL) or section
        balance = Fix(BALANCE_WEIGHTS, "分值配平")
        unusable_weights = [ind for ind in self.form.indicators if not is_sane_number(ind.weight)]
        if self.form.indicators and score.weight_total != settings.total_weight and not unusable_weights:
            self.add("E1", Severity.ERROR, total_section,
                     f"分值合计为 {_num(score.weight_total)}，应为 {_num(settings.total_weight)}"
                     f"（含预算执行率 {_num(settings.budget_weight)} 分）。请调整各指标分值，或用“分值配平”。",
                     column="weight", fixes=(balance,))
        self.check_budget_score()
        for indicator in self.form.indicators:
            row = score.rows[indicator.id]
            name = indicator.level3.strip() or "（未命名）"
            weight, effective = row.weight, row.score
            use_computed = ((Fix(USE_COMPUTED, "采用计算得分", indicator.id),)
                            if row.entered_is_override and row.computed is not None else ())
            if not is_sane_number(indicator.score):
                self.add_row("E16", Severity.ERROR, indicator, "score",
                             f"“{name}”的得分“{indicator.score}”不是可用的数字，未计入总分。请重新填写，"
                             f"或采用计算得分。", (Fix(USE_COMPUTED, "采用计算得分", indicator.id),))
            if indicator.weight is not None and weight is None:
                self.add_row("E16", Severity.ERROR, indicator, "weight",
                             f"“{name}”的分值“{indicator.weight}”不是可用的数字，未计入分值合计。请重新填写。",
                             (Fix(BALANCE_WEIGHTS, "分值配平", None, indicator.level1),))
                continue
            if weight is None:
                self.add_row("E1", Severity.ERROR, indicator, "weight",
                             f"“{name}”没有分值。请填写分值，使分值合计为 {_num(settings.total_weight)}。",
                             (Fix(BALANCE_WEIGHTS, "分值配平", None, indicator.level1),))
                continue
            if weight < 0:
                self.add_row("E1", Severity.ERROR, indicator, "weight",
                             f"“{name}”的分值 {_num(weight)} 是负数。分值不能为负，请改正。",
                             (Fix(BALANCE_WEIGHTS, "分值配平", None, indicator.level1),))
                continue
            if effective is not None and not (0 <= effective <= weight):
                self.add_row("E2", Severity.ERROR, indicator, "score",
                             f"“{name}”的得分 {_num(effective)} 超出 0～{_num(weight)} 的范围。"
                             f"得分不能大于分值，也不能为负。" +
                             (f"按规则计算为 {_num(row.computed)}。" if use_computed else ""), use_computed)
            if effective is not None and effective < weight and not indicator.reason.strip():
                self.add_row("E6", Severity.ERROR, indicator, "reason",
                             f"“{name}”得分 {_num(effective)} 低于分值 {_num(weight)}，"
                             f"但没有填写偏差原因。请写明扣分原因和改进措施。")
            band = settings.band(indicator.grade)
            if band is not None and effective is not None and weight:
                low, high = band_range(weight, band)
                if not (low <= effective <= high):
                    rule = f"按规则取 {_num(row.computed)}，" if row.computed is not None else ""
                    self.add_row("E7", Severity.ERROR, indicator, "score",
                                 f"“{name}”评为“{band.label}”，得分应在 {_num(low)}～{_num(high)} 之间"
                                 f"（{rule}现为 {_num(effective)}）。请采用计算得分、调整得分或改选评定档次。",
                                 use_computed)
            if row.overridden:
                rule = (f"按规则计算为 {_num(row.computed)}" if row.computed is not None
                        else "定性指标未选择评定档次，规则不给出计算分")
                self.add_row("I1", Severity.INFO, indicator, "score",
                             f"“{name}”的得分 {_num(row.entered)} 为人工评定（{rule}）。", use_computed)
            self.check_over_target(indicator, settings.over_target_ratio)
        self.check_total(total_section)
        self.check_split(settings)

    def check_budget_score(self) -> None:  # E2, E4, E16 of the 预算执行率得分
        budget = self.score.budget
        funding = self.definition.budget_section()
        if budget is None or funding is None:
            return
        spec = funding.budget_score
        where_row = self._amount_row(funding, spec.row)
        fix = (Fix(BUDGET_COMPUTED, "预算执行率得分按计算"),)
        if not is_sane_number(self.form.budget_score):
            self.add("E16", Severity.ERROR, funding,
                     f"预算执行率得分“{self.form.budget_score}”不是可用的数字，未计入总分。请改为按计算。",
                     row=where_row, column="budget_score", fixes=fix)
            return
        if budget.entered is None:
            return
        if not (0 <= budget.entered <= budget.weight):
            self.add("E2", Severity.ERROR, funding,
                     f"预算执行率得分 {_num(budget.entered)} 超出 0～{_num(budget.weight)} 的范围。",
                     row=where_row, column="budget_score", fixes=fix)
        if budget.computed is not None and round2(budget.entered) != budget.computed:
            self.add("E4", Severity.ERROR, funding,
                     f"预算执行率得分 {_num(budget.entered)} 与公式结果 {_num(budget.computed)} 不符"
                     f"（执行率 {_num(budget.rate_percent)}% × {_num(budget.weight)} 分，最高 {_num(budget.weight)} 分）。"
                     f"请改为按计算，或核对全年预算数和全年执行数。",
                     row=where_row, column="budget_score", fixes=fix)

    def check_total(self, total_section: SectionDef | None) -> None:  # E3 (info), E16
        score = self.score
        fix = (Fix(TOTAL_COMPUTED, "总分按计算"),)
        if not is_sane_number(self.form.total):
            self.add("E16", Severity.ERROR, total_section,
                     f"总分“{self.form.total}”不是可用的数字，已按各项得分之和计算。请改为按计算。",
                     column="total", fixes=fix)
            return
        if score.total_entered is None or score.computed_total is None:
            return
        if round2(score.total_entered) != score.computed_total:
            self.add("E3", Severity.INFO, total_section,
                     f"总分 {_num(score.total_entered)} 为人工填写，与预算执行率得分加各项得分之和 "
                     f"{_num(score.computed_total)} 不同。打印的是 {_num(score.total_entered)}；"
                     f"如无特殊理由，请改为按计算。", column="total", fixes=fix)

    def check_split(self, settings) -> None:  # W1
        defaults = {lv.name: lv.weight for lv in self.definition.taxonomy.level1 if lv.weight is not None}
        split = level1_weights(self.form)
        if not defaults or not split:
            return
        expected = dict(defaults)
        satisfaction = self.definition.taxonomy.satisfaction
        if satisfaction and satisfaction not in split:
            # Without a 满意度 indicator its share goes to 产出/效益 at the unit's discretion.
            expected.pop(satisfaction, None)
            if sum(split.values(), Decimal(0)) == sum(defaults.values(), Decimal(0)):
                return
        actual = {name: split.get(name, Decimal(0)) for name in expected}
        extra = {k: v for k, v in split.items() if k not in expected}
        if actual != expected or extra:
            shown = " / ".join(f"{k.replace('指标', '')} {_num(v)}" for k, v in {**actual, **extra}.items())
            default = " / ".join(_num(v) for v in defaults.values())
            self.add("W1", Severity.WARNING, self.indicators,
                     f"一级指标分值分配为 {shown}，与默认的 {default} 不同。如属有意调整，可忽略此提示；"
                     f"否则可用“分值配平”按默认分配。",
                     column="weight", fixes=(Fix(BALANCE_WEIGHTS, "分值配平"),))

    def check_over_target(self, indicator: Indicator, ratio: Decimal) -> None:  # W2
        target, actual = indicator.target, indicator.actual
        number = sane_number(target.number) if target.is_quantitative else None
        if not (number and not target.is_reverse):
            return
        value = comparable_actual(target, actual)
        if value is None or number <= 0:
            return
        if value >= number * ratio and not indicator.reason.strip():
            percent = round2(value / number * 100)
            self.add_row("W2", Severity.WARNING, indicator, "actual",
                         f"实际完成值 {actual.raw.strip()} 达到指标值 {target.raw.strip()} 的 {_num(percent)}%"
                         f"（超过 {_num(ratio * 100)}%），但没有说明。请在偏差原因中说明超额原因，"
                         f"或检查指标值是否定得过低。")

    def check_declaration_match(self) -> None:  # E10, I4
        declaration = self.declaration()
        if declaration is None:
            return
        declared = {ind.level3.strip(): ind for ind in declaration.indicators if ind.level3.strip()}
        evaluated = set()
        for indicator in self.form.indicators:
            name = indicator.level3.strip()
            evaluated.add(name)
            if not name:
                continue
            source = declared.get(name)
            mark = Fix(MARK_ADJUSTED, "标记为已调整", indicator.id)
            if indicator.adjusted:
                if source is not None and source.target.meaning() == indicator.target.meaning():
                    self.add_row("I4", Severity.INFO, indicator, "level3",
                                 f"“{name}”标记为“已调整”，但它与申报表一致。如未调整，可取消该标记。",
                                 (Fix(UNMARK_ADJUSTED, "取消已调整", indicator.id),))
                continue
            if source is None:
                self.add_row("E10", Severity.ERROR, indicator, "level3",
                             f"“{name}”不在 {self.form.year} 年的绩效目标申报表中。"
                             f"如指标确经调整，请将该行标记为“已调整”。", (mark,))
            elif source.target.meaning() != indicator.target.meaning():
                declared_raw = source.target.raw.strip()
                self.add_row("E10", Severity.ERROR, indicator, "target",
                             f"“{name}”的指标值“{indicator.target.raw.strip()}”与申报表中的"
                             f"“{declared_raw}”不同。请按申报值恢复，或将该行标记为“已调整”。",
                             (Fix(RESTORE_DECLARED, "按申报值恢复", indicator.id, source.target.raw), mark))
        missing = [name for name in declared if name not in evaluated]
        if missing and not any(ind.adjusted for ind in self.form.indicators):
            self.add("E10", Severity.ERROR, self.indicators,
                     f"申报表中的指标 {'、'.join('“' + m + '”' for m in missing)} 未出现在自评表中。"
                     f"请插入行补上这些指标；如指标确经调整，请把替代它们的行标记为“已调整”。")


def typed_number(column: ExtraColumn, text: str) -> Decimal | None:
    """The number a `number` / `amount` cell holds (an amount as its column stores it, with
    1,200.50 and 1200.5万元 read), or None when it is not one."""
    try:
        return parse_number(column.normalise(text) if column.type == "amount" else text)
    except ValueError:
        return None


def is_typed_date(text: str) -> bool:
    """A `date` cell's whole text names a real date: 2026-06-30, 2026年6月30日, 2026年6月,
    2026年, 2026.6, 2026年底前 …"""
    match = _WHOLE_DATE.fullmatch(_fold(text))
    if match is None:
        return False
    groups = match.groups()
    year_text, month_text, day_text = groups[:3] if groups[0] else groups[3:]
    if not month_text:
        return True
    month = int(month_text)
    if not 1 <= month <= 12:
        return False
    if not day_text:
        return True
    try:
        date(int(year_text), month, int(day_text))
    except ValueError:
        return False
    return True


def table_amount_sums(section: SectionDef, rows) -> dict[str, tuple[Decimal, int]]:
    """For each `amount` column of a table section (年度主要任务's 预算金额): the sum of the rows'
    amounts and how many rows hold an amount that is not a number (left out of the sum). W16
    checks the sum against the year's budget; the window shows it under the grid."""
    sums: dict[str, tuple[Decimal, int]] = {}
    for column in section.extra_columns:
        if column.type != "amount":
            continue
        total, left_out = Decimal(0), 0
        for row in rows:
            text = row.cells.get(column.key, "")
            if not text.strip():
                continue
            value = typed_number(column, text)
            if value is None:
                left_out += 1
            else:
                total += value
        sums[column.key] = (total, left_out)
    return sums


def typed_problem(column: ExtraColumn, text: str, year: int) -> str | None:
    """W15: why a value of a `number`, `amount` or `date` column is not one (the rest of the
    message after the cell's name), or None when it is, or is empty, or the column takes text."""
    text = (text or "").strip()
    if not text or column.type not in TYPED_COLUMNS:
        return None
    if column.type == "date":
        if is_typed_date(text):
            return None
        return (f"“{text}”不是日期。请按“{year}-06-30”或“{year}年6月30日”的格式填写"
                f"（也可写“{year}年6月”“{year}年底前”）。")
    if typed_number(column, text) is not None:
        return None
    what = "金额" if column.type == "amount" else "数字"
    return f"“{text}”不是{what}。请只填数字，例如 1200.5 或 1,200.50；说明文字请写在其他栏。"


def _date_in_text(text: str) -> date | None:
    """The first date a text names; a year alone is its last day, a month its last day."""
    match = _DATE_IN_TEXT.search(text or "")
    if match is None:
        return None
    groups = match.groups()
    year_text, month_text, day_text = groups[:3] if groups[0] else groups[3:]
    year = int(year_text)
    month = int(month_text) if month_text else 12
    if not 1 <= month <= 12:
        return None
    import calendar  # here, not at the top: only this check needs it, and it costs the start

    last = calendar.monthrange(year, month)[1]
    day = int(day_text) if day_text else last
    if not 1 <= day <= last:
        return None
    return date(year, month, day)


_PUNCTUATION = re.compile(r"[\s,.;:!?，。；：！？、（）()“”\"'‘’]+")


@lru_cache(maxsize=16)
def _words_only(words: tuple[str, ...]):
    """A pattern that matches a text made of `words` alone (longest words tried first)."""
    ordered = sorted(words, key=len, reverse=True)
    return re.compile("(?:" + "|".join(map(re.escape, ordered)) + ")+").fullmatch if ordered else None


def _only_words(text: str, words: tuple[str, ...]) -> bool:
    """The text is made of `words` alone (and punctuation), nothing measurable left."""
    rest = _PUNCTUATION.sub("", _fold(text))
    match = _words_only(tuple(words))
    return bool(rest) and match is not None and match(rest) is not None


def validate_form(form: Form, definition: FormDefinition, workspace: Workspace | None = None,
                  score: FormScore | None = None, definition_of=None) -> list[Issue]:
    """Every issue of one form, in form order (header → funding → texts → indicators).
    `definition_of(id)` → the definition of another form of the workspace (None: unknown); it
    tells a project's declaration from a 部门整体 one (`scope`). Without it any declaration of the
    project and year is taken."""
    return _Checker(form, definition, workspace, score, definition_of=definition_of).run()


def _scope_of(form: Form, definition_of) -> str:
    definition = definition_of(form.definition_id)
    return definition.scope if definition is not None else SCOPE_PROJECT


def declaration_of_scope(workspace: Workspace, form: Form, scope: str, definition_of=None) -> Form | None:
    """The declaration a self-evaluation is compared with: the same project's, of the same
    year and — when `definition_of` can tell — of the same scope (a 部门整体 self-evaluation
    filed under a project is not held to that project's declaration)."""
    for candidate in workspace.forms_of(form.project_id):
        if (candidate.year == form.year and candidate.kind is FormKind.DECLARATION
                and (definition_of is None or _scope_of(candidate, definition_of) == scope)):
            return candidate
    return None


def count_by_severity(issues: list[Issue]) -> dict[Severity, int]:
    counts = {severity: 0 for severity in Severity}
    for issue in issues:
        counts[issue.severity] += 1
    return counts


def validate_workspace(workspace: Workspace, definition_of) -> list[tuple[Form, list[Issue]]]:
    """Issues of every form, grouped per form, in file order. `definition_of(id)` → definition."""
    return [(form, _Checker(form, definition_of(form.definition_id), workspace, None, definition_of).run())
            for form in workspace.forms.values()]
