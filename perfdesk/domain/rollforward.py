"""Domain layer: roll forward — this year's forms from last year's, as a plan first.

Two steps of the yearly rhythm (domain.md §1):
- a declaration becomes the same year's self-evaluation (`plan_self_evaluations`): every
  indicator with its target, 年初预算数 from the declared amounts, weights from the
  definition's defaults summing to exactly 100, actuals and scores blank;
- last year's self-evaluation or declaration becomes next year's declaration
  (`plan_declarations`): per indicator keep the target, take last year's actual as the new
  target, or drop it; planned dates move to the new year; amounts cleared or carried.

Planning never touches a workspace: it returns a `RollForwardPlan` holding the new objects,
the per-row choices, review flags and a Chinese summary. `apply_plan` adds the objects through
the Workspace mutation methods and returns what it added; `revert_plan` removes exactly that —
so a GUI wraps the pair in one undo command.

Carried values are marked in `Indicator.provenance` (see `perfdesk.domain.provenance`) until
the user confirms or edits them.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Iterable, Mapping, Sequence

from .definition import FormDefinition, FormKind, SectionDef, SectionType, Taxonomy
from .model import Form, Indicator, Project, TableRow, Workspace
from .provenance import Provenance
from .scoring import round2
from .validation import parse_date
from .values import GE, Value, parse, print_style, unit_factor

ZERO = Decimal(0)
CENT = Decimal("0.01")
ONE = Decimal(1)

# Fields a roll forward fills itself or must leave blank, whatever the source says.
_SELF_EVAL_BLANK = ("goal_actual",)
# A target field with no same-key source takes the first of these source fields: the
# self-evaluation's 预期目标 is the declaration's 年度总体目标 under another heading.
_TEXT_FALLBACKS = {"goal_annual": ("goal_expected",), "goal_expected": ("goal_annual",)}

_YEAR_IN_TEXT = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年")


# -- per-row choices ---------------------------------------------------------------------
class RowChoice(str, Enum):
    KEEP = "keep"  # keep last year's target
    ACTUAL = "actual"  # last year's actual becomes the new target
    DROP = "drop"  # leave the row out

    @property
    def label(self) -> str:
        return {"keep": "保留原指标值", "actual": "以上年实际完成值为新指标值", "drop": "删除此指标"}[self.value]


# -- weights -----------------------------------------------------------------------------
def default_weights(indicators: Sequence[Indicator], definition: FormDefinition) -> tuple[list[Decimal], list[str]]:
    """Weights for the rows from the definition's 一级 defaults, and notes for the reviewer.

    The indicator rows share 总分 − 预算执行率 (100 − 10). Each 一级 present gets its default
    share (50 / 30 / 10); the share of an absent 一级 (no 满意度 row) is spread over the
    present ones in proportion to theirs. Within a 一级 the rows share alike. A 一级 the
    definition gives no share gets 0 and a note, unless no row has a known 一级 at all —
    then every row shares alike.
    """
    # The one splitter (whole points, else halves, else cents); imported here, as only a
    # roll forward needs it, not the window's start.
    from .weights import apportion

    settings = definition.scoring
    if settings is None or not indicators:
        return [ZERO] * len(indicators), []
    rows_total = settings.total_weight - settings.budget_weight
    groups: dict[str, list[int]] = {}
    for i, ind in enumerate(indicators):
        groups.setdefault(ind.level1, []).append(i)
    known = {name: level.weight for name in groups
             if (level := definition.taxonomy.find(name)) is not None and level.weight is not None}
    weights = [ZERO] * len(indicators)
    notes: list[str] = []
    if not known:
        return apportion(rows_total, [ONE] * len(indicators)), [
            f"一级指标没有默认分值，{_num(rows_total)} 分已平均分给各指标，请复核。"]
    names = list(known)
    for name, group_total in zip(names, apportion(rows_total, [known[n] for n in names])):
        for i, w in zip(groups[name], apportion(group_total, [ONE] * len(groups[name]))):
            weights[i] = w
    for name in groups:
        if name not in known:
            notes.append(f"一级指标“{name or '（空）'}”没有默认分值，其下指标分值暂为 0，请手工分配。")
    missing = [lv.name for lv in definition.taxonomy.level1 if lv.weight is not None and lv.name not in known]
    if missing:
        notes.append(f"没有{'、'.join(missing)}，其默认分值已按比例分给其他一级指标。")
    return weights, notes


def _num(value: Decimal) -> str:
    value = round2(value)
    return format(value.quantize(ONE) if value == value.to_integral_value() else value, "f")


# -- plans -------------------------------------------------------------------------------
@dataclass
class RowPlan:
    source_id: str
    name: str
    old_target: str
    old_actual: str
    choice: RowChoice
    choices: tuple[RowChoice, ...]
    indicator: Indicator | None  # the new row; None when dropped
    notes: list[str] = field(default_factory=list)

    @property
    def new_target(self) -> str:
        return self.indicator.target.raw if self.indicator else ""


@dataclass
class FormPlan:
    project_name: str
    project_id: str
    source: Form
    definition: FormDefinition
    form: Form | None  # None when skipped
    new_project: Project | None = None  # created with the form (source in another file)
    rows: list[RowPlan] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)  # 需复核 notes in Chinese
    skipped: str = ""

    def summary_line(self) -> str:
        head = f"{self.project_name}（{self.source.year}年{self.source.kind.label} → "
        if self.form is None:
            return head + f"跳过）：{self.skipped}"
        weights = [i.weight for i in self.form.indicators if i.weight is not None]
        dropped = sum(1 for r in self.rows if r.choice is RowChoice.DROP)
        actual = sum(1 for r in self.rows if r.choice is RowChoice.ACTUAL)
        text = head + f"{self.form.year}年{self.form.kind.label}）：{len(self.form.indicators)} 项指标"
        if self.definition.scored and self.definition.scoring is not None:
            total = sum(weights, ZERO) + self.definition.scoring.budget_weight
            text += f"，分值合计 {_num(total)}（含预算执行率 {_num(self.definition.scoring.budget_weight)}）"
        if actual:
            text += f"，{actual} 项取上年实际完成值"
        if dropped:
            text += f"，删除 {dropped} 项"
        if self.new_project is not None:
            text += "，新建项目"
        return text


@dataclass
class RollForwardPlan:
    kind: FormKind
    from_year: int
    to_year: int
    forms: list[FormPlan] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # selection problems, in Chinese

    @property
    def to_create(self) -> list[FormPlan]:
        return [p for p in self.forms if p.form is not None]

    def summary(self) -> str:
        """What applying will create, skip and ask to review — one Chinese text for a preview."""
        create, skipped = self.to_create, [p for p in self.forms if p.form is None]
        lines = [f"结转：{self.from_year}年 → {self.to_year}年{self.kind.label}，"
                 f"将新建 {len(create)} 张表" + (f"，跳过 {len(skipped)} 张" if skipped else "") + "。"]
        for plan in create:
            lines.append(f"  · {plan.summary_line()}")
            lines.extend(f"      需复核：{flag}" for flag in plan.flags)
        for plan in skipped:
            lines.append(f"  · {plan.summary_line()}")
        lines.extend(f"  ! {problem}" for problem in self.problems)
        return "\n".join(lines)


@dataclass(frozen=True)
class Applied:
    """What `apply_plan` / `apply_import` added: exactly what the revert removes."""

    form_ids: tuple[str, ...]
    project_ids: tuple[str, ...]  # projects created on the way
    unit_before: tuple[str, str] | None = None  # (name, department) when the unit was set


def _definitions(definitions) -> dict[str, FormDefinition]:
    if isinstance(definitions, Mapping):
        return dict(definitions)
    return {d.id: d for d in definitions}


def _choose_definition(defs: dict[str, FormDefinition], kind: FormKind, source: FormDefinition,
                       wanted: str | None) -> FormDefinition:
    if wanted:
        if wanted not in defs or defs[wanted].kind is not kind:
            raise ValueError(f"表单定义 {wanted} 不存在或不是{kind.label}")
        return defs[wanted]
    candidates = [d for d in defs.values() if d.kind is kind]
    if not candidates:
        raise ValueError(f"没有{kind.label}的表单定义")
    if source.kind is kind and source.id in defs:
        return source
    mine = set(source.taxonomy.level1_names())

    def fit(d: FormDefinition):  # a 部门整体 form stays 部门整体 (scope); then the region's own layout
        # (a 上海 form stays a 上海 form), then its unit
        return (d.scope == source.scope, d.region == source.region, d.amount_unit == source.amount_unit,
                d.taxonomy.profile == source.taxonomy.profile, len(mine & set(d.taxonomy.level1_names())))

    return max(candidates, key=fit)  # max keeps the first of equals: registry order decides


def _place(level1: str, level2: str, taxonomy: Taxonomy) -> tuple[str, str, str]:
    """(一级, 二级, note) in the target taxonomy: first the target's own `map` of other layouts'
    names (the 2020 form's 产出目标/数量 → 产出指标/数量指标); 成本指标 is a 一级 in the 2021
    profile and a 二级 under 产出 in the 2020 one, so a row moves between the two shapes;
    anything else unknown stays as it is, with a note that flags it for review."""
    names = taxonomy.level1_names()
    mapped = taxonomy.mapped(level1, level2) if level1 not in names else None
    if mapped is not None:
        old = f"{level1}/{level2}" if level2 else level1
        return mapped[0], mapped[1], f"“{old}”按新表的对应关系归入“{mapped[0]}/{mapped[1]}”"
    if level1 in names:
        level = taxonomy.find(level1)
        if level2 in names and level2 not in level.level2:
            target = taxonomy.find(level2)
            new2 = target.level2[0] if target.level2 else ""
            return level2, new2, f"二级“{level2}”在新表中是一级指标，已归入“{level2}/{new2}”"
        return level1, level2, ""
    for level in taxonomy.level1:
        if level1 and level1 in level.level2:
            return level.name, level1, f"一级“{level1}”在新表中是“{level.name}”下的二级指标，已归入“{level.name}/{level1}”"
    if not names or not level1:
        return level1, level2, ""
    return level1, level2, f"一级“{level1}”不在新表的指标体系中，保持原样"


def _own_columns(old: Indicator, definition: FormDefinition) -> dict[str, str]:
    """The row's texts in the definition's own columns (指标解释 …) the new form also has."""
    section = definition.section(SectionType.INDICATORS)
    return {k: v for k, v in old.extra.items() if section is not None and section.extra(k) is not None}


def _own_tables(source: Form, definition: FormDefinition) -> dict:
    """The source's table sections (年度主要任务) the new form also has, as new rows."""
    keys = {s.key for s in definition.sections_of(SectionType.TABLE)}
    return {k: [TableRow(cells=dict(r.cells)) for r in rows] for k, rows in source.tables.items() if k in keys}


def _sorted_rows(rows: list[tuple[Indicator, RowPlan]], taxonomy: Taxonomy):
    # Stable: rows keep their order within a (一级, 二级) group; groups follow the taxonomy
    # so the 一级/二级 cells can merge when printed.
    return sorted(rows, key=lambda pair: taxonomy.order_of(pair[0].level1, pair[0].level2))


def _years_named(text: str, year: int) -> list[int]:
    return sorted({int(y) for y in _YEAR_IN_TEXT.findall(text or "") if int(y) != year})


def _year_flags(form: Form, definition: FormDefinition) -> list[str]:
    flags = []
    for f in definition.all_fields():
        years = _years_named(form.field(f.key), form.year)
        if years:
            flags.append(f"“{f.label}”提到 {'、'.join(f'{y}年' for y in years)}，与新表年度 {form.year} 年不同，"
                         f"未自动修改")
    for ind in form.indicators:
        years = _years_named(ind.level3, form.year) + _years_named(ind.target.raw, form.year)
        if years:
            flags.append(f"指标“{ind.level3}”提到 {'、'.join(f'{y}年' for y in sorted(set(years)))}，"
                         f"未自动修改")
    return flags


def _copy_fields(source: Form, companion: Form | None, definition: FormDefinition, blank=()) -> dict[str, str]:
    fields: dict[str, str] = {}
    sources = [f for f in (companion, source) if f is not None]
    for f in definition.all_fields():
        if f.key in blank:
            fields[f.key] = ""
            continue
        value = ""
        for src in sources:
            for key in (f.key,) + _TEXT_FALLBACKS.get(f.key, ()):
                if src.field(key):
                    value = src.field(key)
                    break
            if value:
                break
        fields[f.key] = value
    return fields


def _annual_column(section: SectionDef):
    """The column of a funding section that holds the year's amounts: the last one that has
    a cell in every row (a declaration's left half, the whole project, has no 结转 row)."""
    full = [c for c in section.columns if not c.rows]
    return full[-1] if full else (section.columns[-1] if section.columns else None)


def _convert(value: Decimal | None, src_unit: str, dst_unit: str) -> Decimal | None:
    """An amount from src_unit into dst_unit (元 ↔ 万元)."""
    if value is None or src_unit == dst_unit:
        return value
    factor = unit_factor(src_unit, dst_unit)  # how many dst per one src
    return None if factor is None else value * factor


def _shift_date(text: str, years: int) -> str | None:
    parsed = parse_date(text)
    if parsed is None:
        return None
    year = parsed.year + years
    day = parsed.day
    if parsed.month == 2 and day == 29 and not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
        day = 28
    new = date(year, parsed.month, day)
    # Keep the spelling the user used: only the year and (for 29 Feb) the day change.
    match = re.match(r"^(\s*)(\d{4})(\D+\d{1,2}\D+)(\d{1,2})(.*)$", text)
    if match is None:  # pragma: no cover - parse_date accepted it, so the shape matches
        return new.isoformat()
    day_text = match.group(4) if day == parsed.day else str(day).zfill(len(match.group(4)))
    return f"{match.group(1)}{year}{match.group(3)}{day_text}{match.group(5)}"


def _target_from_actual(target: Value, actual: Value) -> Value:
    """Last year's actual as a target: its number with the old target's sign and unit where
    the actual leaves them out (“6.17” against “=7 人” → “=6.17(人)”)."""
    if not actual.is_quantitative:
        new = parse(actual.raw.strip())
    else:
        sign = actual.sign if not actual.sign_implied else (target.sign if target.is_quantitative else GE)
        unit = actual.unit or (target.unit if target.is_quantitative else "")
        new = parse(print_style(Value(raw="", kind=actual.kind, sign=sign, number=actual.number, unit=unit)))
    # The same meaning keeps the user's own spelling (“=1 个” met by “1” stays “=1 个”).
    return target if new.meaning() == target.meaning() else new


def _resolve_project(source_ws: Workspace, target_ws: Workspace, source: Form) -> tuple[str, str, Project | None]:
    name = source_ws.project_name(source)
    if source_ws is target_ws:
        return name, source.project_id, None
    # Another file: the project is the same if it has the same name, so its years link up.
    existing = target_ws.project_by_name(name)
    if existing is not None:
        return name, existing.id, None
    if source.project_id not in target_ws.projects:
        project = Project(name=name, id=source.project_id)
    else:
        project = Project(name=name)
    return name, project.id, project


def _select(source_ws: Workspace, year: int, kinds: Sequence[FormKind], projects: Iterable[str] | None,
            plan: RollForwardPlan) -> list[tuple[Form, Form | None]]:
    """(source form, companion declaration) per project, in file order."""
    wanted = None if projects is None else list(projects)
    order = {form_id: i for i, form_id in enumerate(source_ws.forms)}
    chosen: list[tuple[Form, Form | None]] = []
    for project in source_ws.projects.values():
        if wanted is not None and project.name not in wanted:
            continue
        found = [source_ws.find_form(project.id, year, k) for k in kinds]
        source = next((f for f in found if f is not None), None)
        if source is None:
            continue
        companion = source_ws.find_form(project.id, year, FormKind.DECLARATION)
        chosen.append((source, companion if companion is not source else None))
    chosen.sort(key=lambda pair: order[pair[0].id])
    named = {source_ws.project_name(s) for s, _ in chosen}
    for name in wanted or ():
        if name not in named:
            kinds_text = "或".join(k.label for k in kinds)
            plan.problems.append(f"项目“{name}”没有 {year} 年的{kinds_text}，未结转。")
    if not chosen and not plan.problems:
        plan.problems.append(f"没有 {year} 年的{'或'.join(k.label for k in kinds)}可以结转。")
    return chosen


def _existing(target_ws: Workspace, project_id: str, year: int, kind: FormKind) -> Form | None:
    return target_ws.find_form(project_id, year, kind) if project_id in target_ws.projects else None


def plan_self_evaluations(source_ws: Workspace, target_ws: Workspace, definitions, year: int, *,
                          projects: Iterable[str] | None = None,
                          definition_id: str | None = None) -> RollForwardPlan:
    """Each declaration of `year` (of the named projects, or all) → that year's self-evaluation."""
    defs = _definitions(definitions)
    plan = RollForwardPlan(FormKind.SELF_EVALUATION, year, year)
    for source, _ in _select(source_ws, year, (FormKind.DECLARATION,), projects, plan):
        source_def = defs[source.definition_id]
        definition = _choose_definition(defs, FormKind.SELF_EVALUATION, source_def, definition_id)
        name, project_id, new_project = _resolve_project(source_ws, target_ws, source)
        form_plan = FormPlan(name, project_id, source, definition, None, new_project)
        plan.forms.append(form_plan)
        if _existing(target_ws, project_id, year, FormKind.SELF_EVALUATION) is not None:
            form_plan.skipped = f"{year} 年的绩效自评表已存在"
            form_plan.new_project = None
            continue
        form = Form(project_id=project_id, kind=FormKind.SELF_EVALUATION, year=year, definition_id=definition.id,
                    fields=_copy_fields(source, None, definition, blank=_SELF_EVAL_BLANK))
        pairs: list[tuple[Indicator, RowPlan]] = []
        for old in source.indicators:
            level1, level2, note = _place(old.level1, old.level2, definition.taxonomy)
            prov = Provenance(source.id, old.id, source.year, source.kind.value, "declaration",
                              ("level1", "level2", "level3", "target", "weight"))
            new = Indicator(level1=level1, level2=level2, level3=old.level3, target=old.target,
                            provenance=prov.to_text(), extra=_own_columns(old, definition))
            row = RowPlan(old.id, old.level3, old.target.raw, "", RowChoice.KEEP, (RowChoice.KEEP,), new,
                          [note] if note else [])
            pairs.append((new, row))
            if note:
                form_plan.flags.append(f"“{old.level3}”：{note}")
        pairs = _sorted_rows(pairs, definition.taxonomy)
        form.indicators = [ind for ind, _ in pairs]
        form.tables = _own_tables(source, definition)
        form_plan.rows = [row for _, row in pairs]
        weights, notes = _declared_weights(source, source_def, form.indicators, definition)
        if weights is None:
            weights, notes = default_weights(form.indicators, definition)
        for ind, weight in zip(form.indicators, weights):
            ind.weight = weight
        form_plan.flags.extend(notes)
        form_plan.flags.extend(_initial_amounts(source, source_def, form, definition))
        form_plan.flags.extend(_year_flags(form, definition))
        form_plan.form = form
    return plan


def _plain_weights(definition: FormDefinition) -> bool:
    """A declaration whose rows carry 权重 totalling 100 (a weight column, or in the 三级 name)."""
    return definition.kind is FormKind.DECLARATION and definition.has_column("weight") and definition.scoring is None


def _kept_weight(old: Indicator, source: Form, source_def: FormDefinition, definition: FormDefinition):
    """A declaration's 权重 into the next declaration that has them too, whichever way each prints them."""
    return old.weight if source.kind is FormKind.DECLARATION and _plain_weights(source_def) and \
        _plain_weights(definition) else None


def _declared_weights(source: Form, source_def: FormDefinition, rows, definition: FormDefinition):
    """The declaration's 权重 (totalling 100) scaled to what the self-evaluation's rows share
    (100 − 预算执行率), in proportion; None when the declaration has none for every row."""
    from .weights import apportion

    old = {i.id: i.weight for i in source.indicators}
    weights = [old.get(Provenance.from_text(r.provenance).indicator_id) for r in rows]
    if not _plain_weights(source_def) or definition.scoring is None or not rows or \
            any(w is None or w < 0 for w in weights) or sum(weights) <= 0:
        return None, []
    total = definition.scoring.total_weight - definition.scoring.budget_weight
    return apportion(total, weights), [f"分值按申报表的权重比例折算为 {_num(total)} 分，请复核。"]


def _initial_amounts(source: Form, source_def: FormDefinition, form: Form, definition: FormDefinition) -> list[str]:
    """年初预算数 of the self-evaluation from the declaration's amounts for the year."""
    target_section = definition.budget_section()
    source_section = source_def.section(SectionType.FUNDING)
    if target_section is None or target_section.budget_score is None or source_section is None:
        return []
    initial = target_section.budget_score.initial
    column = _annual_column(source_section)
    if not initial or column is None:
        return []
    found = 0
    for row in target_section.rows:
        if column.rows and row.key not in column.rows:
            continue
        value = source.amount(row.key, column.key)
        if value is not None:
            form.amounts[f"{row.key}.{initial}"] = _convert(value, source_def.amount_unit, definition.amount_unit)
            found += 1
    if not found:
        return ["申报表中没有可对应的年度资金，年初预算数未填。"]
    if source_def.amount_unit != definition.amount_unit:
        return [f"年初预算数已由{source_def.amount_unit}换算为{definition.amount_unit}。"]
    return []


def plan_declarations(source_ws: Workspace, target_ws: Workspace, definitions, from_year: int, to_year: int, *,
                      projects: Iterable[str] | None = None, definition_id: str | None = None,
                      default_choice: RowChoice = RowChoice.KEEP,
                      choices: Mapping[str, RowChoice] | None = None, carry_amounts: bool = False,
                      prefer: FormKind | None = None) -> RollForwardPlan:
    """Each project's `from_year` form → its `to_year` declaration.

    The source is the self-evaluation when there is one (it knows the actuals), else the
    declaration; `prefer` picks the other. `choices` maps a source indicator id to its
    choice; the rest take `default_choice` ("apply to all"). A row with no actual cannot take
    ACTUAL and keeps its target.
    """
    defs = _definitions(definitions)
    choices = dict(choices or {})
    plan = RollForwardPlan(FormKind.DECLARATION, from_year, to_year)
    kinds = (FormKind.SELF_EVALUATION, FormKind.DECLARATION)
    if prefer is FormKind.DECLARATION:
        kinds = kinds[::-1]
    for source, companion in _select(source_ws, from_year, kinds, projects, plan):
        source_def = defs[source.definition_id]
        base_def = defs[companion.definition_id] if companion is not None else source_def
        definition = _choose_definition(defs, FormKind.DECLARATION, base_def, definition_id)
        name, project_id, new_project = _resolve_project(source_ws, target_ws, source)
        form_plan = FormPlan(name, project_id, source, definition, None, new_project)
        plan.forms.append(form_plan)
        if _existing(target_ws, project_id, to_year, FormKind.DECLARATION) is not None:
            form_plan.skipped = f"{to_year} 年的绩效目标申报表已存在"
            form_plan.new_project = None
            continue
        form = Form(project_id=project_id, kind=FormKind.DECLARATION, year=to_year, definition_id=definition.id,
                    fields=_copy_fields(source, companion, definition))
        form_plan.flags.extend(_move_dates(form, definition, to_year - from_year))
        pairs = []
        for old in source.indicators:
            has_actual = source.kind is FormKind.SELF_EVALUATION and not old.actual.is_empty
            available = (RowChoice.KEEP, RowChoice.ACTUAL, RowChoice.DROP) if has_actual else (
                RowChoice.KEEP, RowChoice.DROP)
            choice = choices.get(old.id, default_choice)
            if choice not in available:
                choice = RowChoice.KEEP
            row = RowPlan(old.id, old.level3, old.target.raw, old.actual.raw if has_actual else "",
                          choice, available, None)
            form_plan.rows.append(row)
            if choice is RowChoice.DROP:
                continue
            level1, level2, note = _place(old.level1, old.level2, definition.taxonomy)
            target = old.target if choice is RowChoice.KEEP else _target_from_actual(old.target, old.actual)
            prov = Provenance(source.id, old.id, source.year, source.kind.value, choice.value,
                              ("level1", "level2", "level3", "target"))
            row.indicator = Indicator(level1=level1, level2=level2, level3=old.level3, target=target,
                                      weight=_kept_weight(old, source, source_def, definition),
                                      provenance=prov.to_text(), extra=_own_columns(old, definition))
            if note:
                row.notes.append(note)
                form_plan.flags.append(f"“{old.level3}”：{note}")
            pairs.append((row.indicator, row))
        form.indicators = [ind for ind, _ in _sorted_rows(pairs, definition.taxonomy)]
        form.tables = _own_tables(source, definition)
        if carry_amounts:
            form_plan.flags.extend(_carry_amounts(source, source_def, form, definition))
        form_plan.flags.extend(_year_flags(form, definition))
        form_plan.form = form
    return plan


def _move_dates(form: Form, definition: FormDefinition, years: int) -> list[str]:
    flags = []
    for f in definition.all_fields():
        if f.type != "date":
            continue
        text = form.field(f.key).strip()
        if not text:
            default = f"{form.year}-01-01" if "start" in f.key or "开始" in f.label else f"{form.year}-12-31"
            form.fields[f.key] = default
            flags.append(f"“{f.label}”原表未填，已按全年填为 {default}。")
            continue
        moved = _shift_date(text, years)
        if moved is None:
            flags.append(f"“{f.label}”“{text}”无法识别为日期，未改动。")
        else:
            form.fields[f.key] = moved
    return flags


def _carry_amounts(source: Form, source_def: FormDefinition, form: Form, definition: FormDefinition) -> list[str]:
    """Last year's amounts into the new declaration: a declaration's cells by the same keys; a
    self-evaluation's 全年预算数 into the year's column."""
    target_section = definition.section(SectionType.FUNDING)
    source_section = source_def.budget_section() or source_def.section(SectionType.FUNDING)
    if target_section is None or source_section is None:
        return []
    carried = 0
    if source.kind is FormKind.DECLARATION:
        for row, column in target_section.amount_cells():
            value = source.amount(row, column)
            if value is not None:
                form.amounts[f"{row}.{column}"] = _convert(value, source_def.amount_unit, definition.amount_unit)
                carried += 1
    else:
        spec = source_section.budget_score
        column = _annual_column(target_section)
        if spec is not None and column is not None:
            for row in target_section.rows:
                value = source.amount(row.key, spec.budget)
                if value is not None and (not column.rows or row.key in column.rows):
                    form.amounts[f"{row.key}.{column.key}"] = _convert(
                        value, source_def.amount_unit, definition.amount_unit)
                    carried += 1
    if not carried:
        return ["上年表中没有可结转的金额，金额未填。"]
    return [f"金额沿用 {source.year} 年的数额（{'申报数' if source.kind is FormKind.DECLARATION else '全年预算数'}），"
            f"请按本年预算修改。"]


def plan_rollforward(source_ws: Workspace, target_ws: Workspace, definitions, kind: FormKind,
                     from_year: int, to_year: int, **options) -> RollForwardPlan:
    """One entry point for a wizard: dispatches on the kind to create."""
    if kind is FormKind.SELF_EVALUATION:
        if from_year != to_year:
            raise ValueError("绩效自评表由同一年度的申报表生成：起始年度与目标年度应相同。")
        return plan_self_evaluations(source_ws, target_ws, definitions, to_year, **options)
    return plan_declarations(source_ws, target_ws, definitions, from_year, to_year, **options)


# -- apply / revert ----------------------------------------------------------------------
class PlanConflict(Exception):
    """The workspace changed since the plan was made; nothing was applied."""


def apply_forms(ws: Workspace, forms: Sequence[Form], new_projects: Sequence[Project]) -> Applied:
    """Add projects, then forms (deep copies: the plan stays reusable for redo).

    Everything is checked before the first change. Should a change still fail (the file
    underneath refuses a write), what was added is removed again before the error goes on.
    """
    adding = {p.id for p in new_projects}
    for project in new_projects:
        if project.id in ws.projects:
            raise PlanConflict(f"项目“{project.name}”已存在，请重新生成预览。")
    seen = set()
    for form in forms:
        if form.project_id not in ws.projects and form.project_id not in adding:
            raise PlanConflict("表所属的项目已不存在，请重新生成预览。")
        key = (form.project_id, form.year, form.kind)
        if form.id in ws.forms or key in seen or (
                form.project_id in ws.projects and ws.find_form(*key) is not None):
            raise PlanConflict(f"{form.year} 年的{form.kind.label}已存在，请重新生成预览。")
        seen.add(key)
    added_projects: list[str] = []
    added_forms: list[str] = []
    try:
        for project in new_projects:
            # Recorded first: a listener (the store) may refuse after the document changed.
            added_projects.append(project.id)
            ws.add_project(copy.deepcopy(project))
        for form in forms:
            added_forms.append(form.id)
            ws.add_form(copy.deepcopy(form))
    except BaseException:
        undo_partial(ws, added_forms, added_projects)
        raise
    return Applied(tuple(added_forms), tuple(added_projects))


def undo_partial(ws: Workspace, form_ids: list[str], project_ids: list[str]) -> None:
    """Take back a half-done apply. Each removal changes the document before its event, so
    even when the listener refuses again the document ends as it was; the first error is
    the one worth reporting, so later ones are dropped."""
    for form_id in reversed(form_ids):
        try:
            if form_id in ws.forms:
                ws.remove_form(form_id)
        except Exception:
            pass
    for project_id in reversed(project_ids):
        try:
            if project_id in ws.projects and not ws.forms_of(project_id):
                ws.remove_project(project_id)
        except Exception:
            pass


def apply_plan(ws: Workspace, plan: RollForwardPlan) -> Applied:
    """Add the plan's new forms (and projects) to `ws` through its mutation methods."""
    create = plan.to_create
    projects = []
    for p in create:
        if p.new_project is not None and p.new_project.id not in {q.id for q in projects}:
            projects.append(p.new_project)
    return apply_forms(ws, [p.form for p in create], projects)


def revert_plan(ws: Workspace, applied: Applied) -> None:
    """Remove exactly what `apply_plan` (or `apply_import`) added."""
    for form_id in reversed(applied.form_ids):
        if form_id in ws.forms:
            ws.remove_form(form_id)
    for project_id in reversed(applied.project_ids):
        if project_id in ws.projects and not ws.forms_of(project_id):
            ws.remove_project(project_id)
    if applied.unit_before is not None:
        ws.set_unit(*applied.unit_before)
