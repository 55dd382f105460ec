"""Domain layer: what a form definition says, as plain data.

`perfdesk.formdefs` reads these from the TOML files in `forms/`; the rest of the
domain only reads them. Everything that differs between regions and years (labels, amount
unit, taxonomy, weights, scoring settings, print layout) lives here as data, never as code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from typing import Any


class FormKind(str, Enum):
    DECLARATION = "declaration"
    SELF_EVALUATION = "self-evaluation"

    @property
    def label(self) -> str:
        return "绩效目标申报表" if self is FormKind.DECLARATION else "绩效自评表"


class SectionType(str, Enum):
    FIELDS = "fields"  # header: short fields in a grid
    FUNDING = "funding"  # amounts: rows x columns
    TEXTS = "texts"  # long texts
    INDICATORS = "indicators"  # the indicator table
    TOTAL = "total"  # 总分 row
    TABLE = "table"  # a table of the form's own rows (部门整体's 年度主要任务), Form.tables[key]


@dataclass(frozen=True)
class FieldDef:
    """One field of a form's header: its key, label, kind of value and checks."""

    key: str
    label: str
    type: str = "text"  # text | longtext | choice | date | year
    choices: tuple[str, ...] = ()
    check_year: bool = False  # W6: a year named in this text should be the form's year
    required: str = ""  # "error" | "info": a blank value is reported (E12 / I2 / E13); "" not


@dataclass(frozen=True)
class AmountRow:
    """A row of a funding block (年度资金总额, 财政拨款, …)."""

    key: str
    label: str


@dataclass(frozen=True)
class AmountColumn:
    """A column of a funding block (年初预算数, 全年执行数, …) and the rows it has a cell in."""

    key: str
    label: str
    rows: tuple[str, ...] = ()  # the rows this column has a cell in; empty = all
    row_labels: tuple[tuple[str, str], ...] = ()  # per-column wording of a row's label

    def row_label(self, row: AmountRow) -> str:
        return dict(self.row_labels).get(row.key, row.label)


@dataclass(frozen=True)
class SumRule:
    """E5: in every column, `total` equals the sum of `parts`."""

    total: str
    parts: tuple[str, ...]


@dataclass(frozen=True)
class BudgetScoreDef:
    """The 预算执行率 line of a self-evaluation: 执行率 = executed / budget of `row`."""

    row: str
    executed: str
    budget: str
    initial: str | None = None


# The types an extra indicator column may declare (`type` in a column of the indicators
# section). Every extra value is stored as text; the type says how it is edited and printed.
EXTRA_TYPES = ("text", "longtext", "value", "number", "amount", "flag", "date")
FLAG_YES, FLAG_NO = "是", "否"
_FLAG_WORDS = {"是": FLAG_YES, "y": FLAG_YES, "yes": FLAG_YES, "true": FLAG_YES, "1": FLAG_YES, "√": FLAG_YES,
               "✓": FLAG_YES, "✔": FLAG_YES, "否": FLAG_NO, "n": FLAG_NO, "no": FLAG_NO, "false": FLAG_NO,
               "0": FLAG_NO, "×": FLAG_NO, "✗": FLAG_NO, "x": FLAG_NO}


@dataclass(frozen=True)
class ExtraColumn:
    """A per-row column a definition adds to the indicator table beyond the built-in ones
    (指标解释, 评(扣)分标准, 是否核心指标, 年初指标值 …). Its values live in `Indicator.extra`
    under `key`, as text."""

    key: str
    label: str
    type: str = "text"  # one of EXTRA_TYPES
    labels: tuple[str, ...] = ()  # other headings accepted on import

    def normalise(self, text: str) -> str:
        """A typed or imported text as stored: trimmed; a flag as 是 / 否 when it reads as one."""
        text = (text or "").strip()
        if self.type == "flag":
            return _FLAG_WORDS.get(text.lower(), text)
        if self.type == "amount":  # "1,234.50" or "１２３４.５万元" → "1234.50"; other text as it is
            import unicodedata
            from decimal import InvalidOperation

            folded = "".join(unicodedata.normalize("NFKC", text).split()).replace(",", "")
            folded = folded.removesuffix("万元").removesuffix("元")
            try:
                number = Decimal(folded)
            except InvalidOperation:
                return text
            return str(number) if number.is_finite() else text
        return text


@dataclass(frozen=True)
class SectionDef:
    """One section of a form definition (header, funding, goals, indicators, …) with its parts."""

    type: SectionType
    key: str
    label: str = ""
    fields: tuple[FieldDef, ...] = ()
    rows: tuple[AmountRow, ...] = ()
    columns: tuple[AmountColumn, ...] = ()
    sums: tuple[SumRule, ...] = ()
    budget_score: BudgetScoreDef | None = None
    # indicators: which columns the table has, with their labels (key -> label)
    indicator_columns: tuple[tuple[str, str], ...] = ()
    # indicators: a value column printed and read as three (指标性质 │ 指标值 │ 度量单位): key ->
    # the three labels. The value is stored once either way.
    split_columns: tuple[tuple[str, tuple[str, str, str]], ...] = ()
    # indicators: the definition's own per-row columns (also named, in order, in
    # indicator_columns), stored in Indicator.extra
    extra_columns: tuple[ExtraColumn, ...] = ()  # also a table section's columns
    # indicators: other headings the importer accepts for a column (key -> labels)
    column_aliases: tuple[tuple[str, tuple[str, ...]], ...] = ()
    options: dict[str, Any] = field(default_factory=dict)

    def split_of(self, key: str) -> tuple[str, str, str] | None:
        return dict(self.split_columns).get(key)

    def extra(self, key: str) -> ExtraColumn | None:
        for column in self.extra_columns:
            if column.key == key:
                return column
        return None

    def aliases_of(self, key: str) -> tuple[str, ...]:
        return dict(self.column_aliases).get(key, ())

    def printed_columns(self) -> list[tuple[str, str]]:
        """The indicator table's columns as printed: (column, label), a split value column as
        three ("target#0" 指标性质, "target#1" 指标值, "target#2" 度量单位)."""
        out: list[tuple[str, str]] = []
        for key, label in self.indicator_columns:
            split = self.split_of(key)
            out += [(f"{key}#{part}", name) for part, name in enumerate(split)] if split else [(key, label)]
        return out

    def amount_cells(self) -> list[tuple[str, str]]:
        """All (row, column) pairs that hold an amount, in print order (row-major)."""
        cells = []
        for row in self.rows:
            for column in self.columns:
                if not column.rows or row.key in column.rows:
                    cells.append((row.key, column.key))
        return cells


@dataclass(frozen=True)
class Level1Def:
    """An 一级指标 of a taxonomy, its 二级指标 and its default share of the weights."""

    name: str
    level2: tuple[str, ...]
    weight: Decimal | None = None  # default share of the indicator weights (self-evaluation)
    fixed_level2: tuple[str, ...] = ()  # printed even when empty


@dataclass(frozen=True)
class Taxonomy:
    """The 一级 / 二级 indicator names a form uses, and which of them the checks look for."""

    profile: str
    level1: tuple[Level1Def, ...]
    satisfaction: str | None = None  # the 一级 whose absence is W10
    cost_level: str | None = None  # the 一级 or 二级 holding cost caps (W8)
    level2_required: bool = True  # W11
    required_level1: tuple[str, ...] = ()  # E14: the table must have rows under each of these
    timeliness: tuple[str, ...] = ()  # 二级 names of 时效 rows (W14: date after the plan's end)
    measurable: tuple[str, ...] = ()  # 二级 names whose targets should be measurable (I3)
    # Where rows of other layouts go when rolled forward into this one: ("一级/二级" or "一级",
    # "一级/二级" or "一级"), e.g. ("效果目标/满意度", "满意度指标/服务对象满意度指标").
    mapping: tuple[tuple[str, str], ...] = ()

    def mapped(self, level1: str, level2: str) -> tuple[str, str] | None:
        """(一级, 二级) this taxonomy gives a row of another layout, or None when no entry of
        `mapping` names it. A target without "/" keeps the row's 二级."""
        targets = dict(self.mapping)
        target = targets.get(f"{level1}/{level2}") if level2 else None
        if target is None:
            target = targets.get(level1)
        if target is None:
            return None
        new1, _, new2 = target.partition("/")
        return new1, new2 or level2

    def level1_names(self) -> list[str]:
        return [level.name for level in self.level1]

    def find(self, name: str) -> Level1Def | None:
        for level in self.level1:
            if level.name == name:
                return level
        return None

    def order_of(self, level1: str, level2: str = "") -> tuple[int, int]:
        names = self.level1_names()
        i = names.index(level1) if level1 in names else len(names)
        j = 999
        if i < len(names) and level2 in self.level1[i].level2:
            j = self.level1[i].level2.index(level2)
        return i, j


@dataclass(frozen=True)
class GradeBand:
    """A 评定档次: its share of 分值 from low to high, and its fixed score where the rule says so."""

    key: str
    label: str
    low: Decimal  # share of 分值, inclusive
    high: Decimal  # share of 分值, inclusive
    score: Decimal | None = None  # share of 分值 this band gives under grade_rule "fixed"


# How a chosen 评定档次 becomes a computed score (ScoringSettings.grade_rule):
GRADE_TOP = "top"  # the band's upper bound
GRADE_MIDDLE = "middle"  # the middle of the band (the default; see docs/rules.md §4.4)
GRADE_FIXED = "fixed"  # the share each band names as `score`
GRADE_RULES = (GRADE_TOP, GRADE_MIDDLE, GRADE_FIXED)
NA_KEEP, NA_RESCALE = "keep", "rescale"
NA_RULES = (NA_KEEP, NA_RESCALE)


@dataclass(frozen=True)
class ScoringSettings:
    """How a definition's self-evaluation is scored: weights, rules for reverse indicators and grades."""

    budget_weight: Decimal = Decimal(10)
    total_weight: Decimal = Decimal(100)
    reverse_rule: str = "linear"  # linear | ratio
    bands: tuple[GradeBand, ...] = ()
    grade_rule: str = GRADE_MIDDLE  # top | middle | fixed: the score a chosen band gives
    grade_thresholds: tuple[tuple[str, Decimal], ...] = ()  # (label, minimum), best first
    completion_words: tuple[str, ...] = ("完成", "达标", "及时", "已完成")
    # An actual that also says one of these does not earn the full-marks suggestion.
    shortfall_words: tuple[str, ...] = ("未完成", "未达", "延迟", "延误", "滞后", "不足", "有待")
    over_target_ratio: Decimal = Decimal("1.3")  # W2
    execution_note_below: Decimal = Decimal(100)  # W3: 执行率 (%) below this needs a note
    # 不适用 rows (an actual or target that is one of `not_applicable_words`): "keep" scores them
    # like any row (a person grades them); "rescale" drops them and scales the other rows'
    # scores up so the indicators still carry their whole weight (docs/rules.md §4.8).
    not_applicable: str = "keep"
    not_applicable_words: tuple[str, ...] = ("不适用", "不涉及")

    def band(self, key: str | None) -> GradeBand | None:
        for band in self.bands:
            if band.key == key:
                return band
        return None

    def band_share(self, band: GradeBand) -> Decimal:
        """The share of 分值 that choosing `band` gives as the computed score."""
        if self.grade_rule == GRADE_TOP:
            return band.high
        if self.grade_rule == GRADE_FIXED and band.score is not None:
            return band.score
        return (band.low + band.high) / 2

    def grade_of(self, total: Decimal | None) -> str | None:
        if total is None:
            return None
        for label, minimum in self.grade_thresholds:
            if total >= minimum:
                return label
        return self.grade_thresholds[-1][0] if self.grade_thresholds else None


@dataclass(frozen=True)
class CheckSettings:
    """Word lists and limits of the plausibility checks (W13, I3), from `[checks]`."""

    percent_limit: Decimal = Decimal(100)  # W13: a positive % target above this is suspicious
    # W9: 预算执行率 is scored in the funding block, so an indicator row of it is a warning. A
    # 部门整体 form's indicator system has 预算执行率 among its own rows: false there.
    budget_rate_apart: bool = True
    # I3: a qualitative target made only of these words measures nothing ("不断完善", "及时").
    vague_words: tuple[str, ...] = (
        "提升", "提高", "有效", "及时", "完善", "加强", "健全", "改善", "良好", "优化", "增强", "保障",
        "规范", "明显", "显著", "到位", "合规", "稳定", "按时", "按期", "如期", "完成", "达标", "落实",
        "进一步", "不断", "持续", "逐步", "稳步", "全面", "大幅", "较好", "基本", "有所", "切实",
        "得到", "更加", "较为", "确保", "实现", "做到", "保持", "并且", "并", "且", "和", "及",
    )


SCOPE_PROJECT = "project"  # a project's forms (项目支出)
SCOPE_UNIT = "unit"  # the unit's own forms (部门整体支出)
SCOPES = (SCOPE_PROJECT, SCOPE_UNIT)


@dataclass(frozen=True)
class FormDefinition:
    """A form's layout as data (forms/*.toml): its sections, taxonomy and scoring."""

    id: str
    name: str
    kind: FormKind
    title: str
    year_line: str
    amount_unit: str
    sections: tuple[SectionDef, ...]
    taxonomy: Taxonomy
    scoring: ScoringSettings | None  # None: the form carries no weights or scores
    layout: dict[str, Any] = field(default_factory=dict)
    checks: CheckSettings = field(default_factory=CheckSettings)
    region: str = ""
    source: str = ""  # the file it was read from
    # Whose forms these are: a project's (SCOPE_PROJECT) or the unit's as a whole (部门整体,
    # SCOPE_UNIT). A self-evaluation is checked against the declaration of its own scope (E10).
    scope: str = SCOPE_PROJECT

    def section(self, type_: SectionType) -> SectionDef | None:
        for section in self.sections:
            if section.type is type_:
                return section
        return None

    def sections_of(self, type_: SectionType) -> list[SectionDef]:
        return [section for section in self.sections if section.type is type_]

    def all_fields(self) -> list[FieldDef]:
        result: list[FieldDef] = []
        for section in self.sections:
            if section.type in (SectionType.FIELDS, SectionType.TEXTS):
                result.extend(section.fields)
        return result

    def field(self, key: str) -> FieldDef | None:
        for f in self.all_fields():
            if f.key == key:
                return f
        return None

    @property
    def scored(self) -> bool:
        return self.scoring is not None

    def indicator_columns(self) -> list[str]:
        section = self.section(SectionType.INDICATORS)
        return [key for key, _ in section.indicator_columns] if section else []

    def has_column(self, key: str) -> bool:
        return key in self.indicator_columns()

    def extra_columns(self) -> tuple[ExtraColumn, ...]:
        section = self.section(SectionType.INDICATORS)
        return section.extra_columns if section else ()

    def budget_section(self) -> SectionDef | None:
        for section in self.sections_of(SectionType.FUNDING):
            if section.budget_score is not None:
                return section
        return None
