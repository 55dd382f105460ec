"""Domain layer: what a finance reviewer checks (domain.md §7), as structured issues.

`validate_form` is a pure function of a form, its definition and (for E10) the workspace it
lives in. Each issue has a code, a severity, a location (form, section, row, column) and a
Chinese message that says what is wrong and what to do. Errors block nothing while editing;
they are listed before export.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum

from .definition import FormDefinition, FormKind, SectionDef, SectionType
from .model import Form, Indicator, Workspace
from .scoring import FormScore, comparable_actual, level1_weights, round2, score_form
from .values import print_style, same_unit, unit_factor


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def label(self) -> str:
        return {"error": "错误", "warning": "警告", "info": "提示"}[self.value]


@dataclass(frozen=True)
class Location:
    form_id: str
    section: str  # a section key of the definition: header, funding, goals, indicators, total …
    item_id: str | None = None  # the indicator id, for rows of the indicator table
    row: int | None = None  # 1-based row within the section, for people
    column: str | None = None  # field key, amount "row.column" key or indicator column key


@dataclass(frozen=True)
class Issue:
    code: str
    severity: Severity
    location: Location
    where: str  # the location in words: 「绩效指标」第3行「实际完成值」
    message: str

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
    value = round2(value)
    text = f"{value:,.2f}"
    return text[:-3] if text.endswith(".00") else text


def _percent(rate: Decimal) -> str:
    """A rate in percent with 2 decimals, more when rounding would hide a shortfall (99.9996)."""
    value = rate * 100
    for places in (2, 4, 6):
        shown = value.quantize(Decimal(1).scaleb(-places))
        if shown != 100 or value == 100:
            return format(shown, "f")
    return format(value, "f")


class _Checker:
    """Collects the issues of one form; one method per rule."""

    def __init__(self, form: Form, definition: FormDefinition, workspace: Workspace | None,
                 score: FormScore | None, declaration_of=None):
        self.form = form
        self.declaration_of = declaration_of or (
            lambda f: workspace.find_form(f.project_id, f.year, FormKind.DECLARATION))
        self.definition = definition
        self.workspace = workspace
        self.score = score if score is not None else score_form(form, definition)
        self.issues: list[Issue] = []
        self.indicators = definition.section(SectionType.INDICATORS)
        self.columns = dict(self.indicators.indicator_columns) if self.indicators else {}
        self.rows = {ind.id: i + 1 for i, ind in enumerate(form.indicators)}

    # -- reporting ---------------------------------------------------------------------
    def add(self, code: str, severity: Severity, section: SectionDef | None, message: str, *,
            item_id: str | None = None, row: int | None = None, column: str | None = None,
            where: str | None = None) -> None:
        section_key = section.key if section else "form"
        if where is None:
            parts = [f"「{section.label or section.key}」" if section else "本表"]
            if row is not None:
                parts.append(f"第{row}行")
            if column is not None:
                parts.append(f"「{self._column_label(section, column)}」")
            where = "".join(parts)
        location = Location(self.form.id, section_key, item_id, row, column)
        self.issues.append(Issue(code, severity, location, where, message))

    def _column_label(self, section: SectionDef | None, column: str) -> str:
        if section is None:
            return column
        if section.type is SectionType.INDICATORS:
            return self.columns.get(column, column)
        if section.type is SectionType.FUNDING and "." in column:
            row_key, col_key = column.split(".", 1)
            row = next((r for r in section.rows if r.key == row_key), None)
            col = next((c for c in section.columns if c.key == col_key), None)
            if row and col:
                return f"{col.row_label(row)} / {col.label}"
        field = self.definition.field(column)
        return field.label if field else column

    def add_row(self, code: str, severity: Severity, indicator: Indicator, column: str, message: str):
        self.add(code, severity, self.indicators, message, item_id=indicator.id,
                 row=self.rows[indicator.id], column=column)

    # -- rules -------------------------------------------------------------------------
    def run(self) -> list[Issue]:
        self.check_header()
        self.check_funding()
        self.check_texts()
        if self.indicators is not None:
            self.check_indicators()
            if self.definition.scored:
                self.check_scores()
            self.check_declaration_match()
        return self.issues

    def check_header(self) -> None:  # E9
        section = self.definition.section(SectionType.FIELDS)
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

    def check_funding(self) -> None:  # E5, W3, W8 (per section)
        unit = self.definition.amount_unit
        for section in self.definition.sections_of(SectionType.FUNDING):
            cells = section.amount_cells()
            for row_key, col_key in cells:
                value = self.form.amount(row_key, col_key)
                if value is not None and value < 0:
                    self.add("E5", Severity.ERROR, section,
                             f"金额为负数（{_num(value)} {unit}）。资金金额不能为负，请核对后改正。",
                             row=self._amount_row(section, row_key), column=f"{row_key}.{col_key}")
            for rule in section.sums:
                for column in section.columns:
                    present = [p for p in rule.parts if not column.rows or p in column.rows]
                    total = self.form.amount(rule.total, column.key)
                    parts = [self.form.amount(p, column.key) for p in present]
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
            executed = self.form.amount(row.key, spec.executed)
            budget = self.form.amount(row.key, spec.budget)
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

    def check_texts(self) -> None:  # W6
        for section in self.definition.sections:
            if section.type not in (SectionType.TEXTS, SectionType.FIELDS):
                continue
            for field in section.fields:
                if not field.check_year:
                    continue
                years = sorted({int(y) for y in _YEAR_IN_TEXT.findall(self.form.field(field.key))})
                other = [y for y in years if y != self.form.year]
                if other:
                    named = "、".join(f"{y}年" for y in other)
                    self.add("W6", Severity.WARNING, section,
                             f"文中提到 {named}，与本表年度 {self.form.year} 年不同。"
                             f"请确认年份是否需要更新。", column=field.key)

    def check_indicators(self) -> None:  # E8, W4, W5, W7, W8, W9, W10, W11
        taxonomy = self.definition.taxonomy
        seen: dict[str, list[Indicator]] = defaultdict(list)
        has_satisfaction = False
        annual_total = self._annual_total()
        has_actual = self.definition.has_column("actual")  # once per form, not once per row
        for indicator in self.form.indicators:
            name = indicator.level3.strip()
            if name:
                seen[name].append(indicator)
            if taxonomy.satisfaction and indicator.level1 == taxonomy.satisfaction:
                has_satisfaction = True
            self.check_target(indicator)
            if has_actual:
                self.check_units(indicator)
            if taxonomy.level2_required and indicator.level1 and not indicator.level2.strip():
                level = taxonomy.find(indicator.level1)
                options = "、".join(level.level2) if level else ""
                self.add_row("W11", Severity.WARNING, indicator, "level2",
                             f"“{name or '（未命名）'}”缺少二级指标。" +
                             (f"请从 {options} 中选择。" if options else "请补充二级指标。"))
            if _BUDGET_RATE_RE.search(name):
                self.add_row("W9", Severity.WARNING, indicator, "level3",
                             f"“{name}”以预算执行率作为绩效指标。预算执行率已单独计分，"
                             f"请改用反映产出或效益的指标。")
            self.check_cost_cap(indicator, annual_total)
        for name, rows in seen.items():
            if len(rows) > 1:
                numbers = "、".join(str(self.rows[r.id]) for r in rows)
                for duplicate in rows[1:]:
                    self.add_row("W4", Severity.WARNING, duplicate, "level3",
                                 f"三级指标“{name}”在本表中重复出现（第 {numbers} 行）。"
                                 f"请删除重复的一项，或改成不同的指标。")
        if taxonomy.satisfaction and self.form.indicators and not has_satisfaction:
            self.add("W10", Severity.WARNING, self.indicators,
                     f"本表没有{taxonomy.satisfaction}。请至少设置一项服务对象满意度指标。")

    def check_target(self, indicator: Indicator) -> None:  # E8, W7
        target = indicator.target
        name = indicator.level3.strip() or "（未命名）"
        if target.is_empty:
            self.add_row("E8", Severity.ERROR, indicator, "target",
                         f"“{name}”的指标值未填写。请填写指标值，定量指标按“符号＋数值＋单位”填写。")
        elif target.is_quantitative and target.sign_implied:
            self.add_row("W7", Severity.WARNING, indicator, "target",
                         f"指标值“{target.raw.strip()}”缺少比较符号，按“≥”理解。"
                         f"建议写成“{print_style(target)}”。")
        elif target.is_quantitative and not target.unit:
            self.add_row("E8", Severity.ERROR, indicator, "target",
                         f"定量指标值“{target.raw.strip()}”缺少计量单位。"
                         f"请补上单位，例如“{print_style(target)}(次)”或“…(%)”。")
        elif target.looks_quantitative and not target.is_quantitative:
            if re.search(r"\d\s*(%|％|个|次|天|人|元|万元|件|条)", target.raw):
                self.add_row("W7", Severity.WARNING, indicator, "target",
                             f"指标值“{target.raw.strip()}”像是定量值，但不是“符号＋数值＋单位”的格式，"
                             f"无法按规则评分。请改写，例如“≥95(%)”。")

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

    def _annual_total(self) -> tuple[Decimal, str] | None:
        """The year's funding total in 元 and its label, for W8."""
        for section in self.definition.sections_of(SectionType.FUNDING):
            for rule in section.sums:
                for column in reversed(section.columns):
                    if section.budget_score is not None and column.key != section.budget_score.budget:
                        continue
                    value = self.form.amount(rule.total, column.key)
                    if value is not None:
                        row = next(r for r in section.rows if r.key == rule.total)
                        factor = unit_factor(self.definition.amount_unit, "元") or Decimal(1)
                        return value * factor, f"{column.row_label(row)}"
        return None

    def check_cost_cap(self, indicator: Indicator, annual: tuple[Decimal, str] | None) -> None:  # W8
        cost = self.definition.taxonomy.cost_level
        if annual is None or not cost or cost not in (indicator.level1, indicator.level2):
            return
        target = indicator.target
        if not (target.is_quantitative and target.is_reverse and target.number is not None):
            return
        factor = unit_factor(target.unit, "元")
        if factor is None:
            return
        cap = target.number * factor
        total, label = annual
        if cap > total:
            self.add_row("W8", Severity.WARNING, indicator, "target",
                         f"成本上限 {target.raw.strip()} 折合 {_num(cap)} 元，超过{label} {_num(total)} 元。"
                         f"请检查金额和单位（万元/元）是否写错。")

    def check_scores(self) -> None:  # E1–E4, E6, E7, W1, W2, I1
        settings = self.definition.scoring
        assert settings is not None
        score = self.score
        section = self.indicators
        total_section = self.definition.section(SectionType.TOTAL) or section
        if self.form.indicators and score.weight_total != settings.total_weight:
            self.add("E1", Severity.ERROR, total_section,
                     f"分值合计为 {_num(score.weight_total)}，应为 {_num(settings.total_weight)}"
                     f"（含预算执行率 {_num(settings.budget_weight)} 分）。请调整各指标分值。",
                     column="weight")
        budget = score.budget
        funding = self.definition.budget_section()
        if budget is not None and funding is not None and budget.entered is not None:
            spec = funding.budget_score
            where_row = self._amount_row(funding, spec.row)
            if not (0 <= budget.entered <= budget.weight):
                self.add("E2", Severity.ERROR, funding,
                         f"预算执行率得分 {_num(budget.entered)} 超出 0～{_num(budget.weight)} 的范围。",
                         row=where_row, column="budget_score")
            if budget.computed is not None and round2(budget.entered) != budget.computed:
                self.add("E4", Severity.ERROR, funding,
                         f"预算执行率得分 {_num(budget.entered)} 与公式结果 {_num(budget.computed)} 不符"
                         f"（执行率 {_num(budget.rate_percent)}% × {_num(budget.weight)} 分，最高 {_num(budget.weight)} 分）。"
                         f"请改为 {_num(budget.computed)}，或核对全年预算数和全年执行数。",
                         row=where_row, column="budget_score")
        for indicator in self.form.indicators:
            row = score.rows[indicator.id]
            name = indicator.level3.strip() or "（未命名）"
            weight, effective = indicator.weight, row.score
            if weight is None:
                self.add_row("E1", Severity.ERROR, indicator, "weight",
                             f"“{name}”没有分值。请填写分值，使分值合计为 {_num(settings.total_weight)}。")
                continue
            if effective is not None and not (0 <= effective <= weight):
                self.add_row("E2", Severity.ERROR, indicator, "score",
                             f"“{name}”的得分 {_num(effective)} 超出 0～{_num(weight)} 的范围。"
                             f"得分不能大于分值，也不能为负。")
            if effective is not None and effective < weight and not indicator.reason.strip():
                self.add_row("E6", Severity.ERROR, indicator, "reason",
                             f"“{name}”得分 {_num(effective)} 低于分值 {_num(weight)}，"
                             f"但没有填写偏差原因。请写明扣分原因和改进措施。")
            band = settings.band(indicator.grade)
            if band is not None and effective is not None and weight:
                low, high = round2(weight * band.low), round2(weight * band.high)
                if not (low <= effective <= high):
                    self.add_row("E7", Severity.ERROR, indicator, "score",
                                 f"“{name}”评为“{band.label}”，得分应在 {_num(low)}～{_num(high)} 之间，"
                                 f"现为 {_num(effective)}。请调整得分或等级。")
            if row.overridden:
                rule = (f"按规则计算为 {_num(row.computed)}" if row.computed is not None
                        else "定性指标未选择评价等级，规则不给出计算分")
                self.add_row("I1", Severity.INFO, indicator, "score",
                             f"“{name}”的得分 {_num(row.entered)} 为人工评定（{rule}）。")
            self.check_over_target(indicator, settings.over_target_ratio)
        if self.form.total is not None and score.total is not None:
            if round2(self.form.total) != score.total:
                self.add("E3", Severity.ERROR, total_section,
                         f"总分 {_num(self.form.total)} 与各项得分之和 {_num(score.total)} 不一致。"
                         f"请核对各项得分，或把总分改为 {_num(score.total)}。", column="total")
        self.check_split(settings)

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
                     f"一级指标分值分配为 {shown}，与默认的 {default} 不同。如属有意调整，可忽略此提示。",
                     column="weight")

    def check_over_target(self, indicator: Indicator, ratio: Decimal) -> None:  # W2
        target, actual = indicator.target, indicator.actual
        if not (target.is_quantitative and not target.is_reverse and target.number):
            return
        value = comparable_actual(target, actual)
        if value is None or target.number <= 0:
            return
        if value >= target.number * ratio and not indicator.reason.strip():
            percent = round2(value / target.number * 100)
            self.add_row("W2", Severity.WARNING, indicator, "actual",
                         f"实际完成值 {actual.raw.strip()} 达到指标值 {target.raw.strip()} 的 {_num(percent)}%"
                         f"（超过 {_num(ratio * 100)}%），但没有说明。请在偏差原因中说明超额原因，"
                         f"或检查指标值是否定得过低。")

    def check_declaration_match(self) -> None:  # E10
        if self.workspace is None or self.form.kind is not FormKind.SELF_EVALUATION:
            return
        declaration = self.declaration_of(self.form)
        if declaration is None:
            return
        declared = {ind.level3.strip(): ind for ind in declaration.indicators if ind.level3.strip()}
        evaluated = set()
        for indicator in self.form.indicators:
            name = indicator.level3.strip()
            evaluated.add(name)
            if indicator.adjusted or not name:
                continue
            source = declared.get(name)
            if source is None:
                self.add_row("E10", Severity.ERROR, indicator, "level3",
                             f"“{name}”不在 {self.form.year} 年的绩效目标申报表中。"
                             f"如指标确经调整，请将该行标记为“已调整”。")
            elif source.target.meaning() != indicator.target.meaning():
                self.add_row("E10", Severity.ERROR, indicator, "target",
                             f"“{name}”的指标值“{indicator.target.raw.strip()}”与申报表中的"
                             f"“{source.target.raw.strip()}”不同。请改回申报值，或将该行标记为“已调整”。")
        missing = [name for name in declared if name not in evaluated]
        if missing and not any(ind.adjusted for ind in self.form.indicators):
            self.add("E10", Severity.ERROR, self.indicators,
                     f"申报表中的指标 {'、'.join('“' + m + '”' for m in missing)} 未出现在自评表中。"
                     f"请补上这些指标，或把调整过的行标记为“已调整”。")


def validate_form(form: Form, definition: FormDefinition, workspace: Workspace | None = None,
                  score: FormScore | None = None) -> list[Issue]:
    """Every issue of one form, in form order (header → funding → texts → indicators)."""
    return _Checker(form, definition, workspace, score).run()


def count_by_severity(issues: list[Issue]) -> dict[Severity, int]:
    counts = {severity: 0 for severity in Severity}
    for issue in issues:
        counts[issue.severity] += 1
    return counts


def validate_workspace(workspace: Workspace, definition_of) -> list[tuple[Form, list[Issue]]]:
    """Issues of every form, grouped per form, in file order. `definition_of(id)` → definition."""
    declarations = {(f.project_id, f.year): f for f in workspace.forms.values()
                    if f.kind is FormKind.DECLARATION}

    def declaration_of(form: Form) -> Form | None:
        return declarations.get((form.project_id, form.year))

    return [(form, _Checker(form, definition_of(form.definition_id), workspace, None, declaration_of).run())
            for form in workspace.forms.values()]
