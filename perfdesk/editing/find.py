"""Editing layer: find text across a whole file — every text the user types: project names,
header fields, long texts and the 资金执行说明, the rows of a form's own table sections
(年度主要任务), indicator names, targets, actuals, reasons and the definition's own per-row
columns (指标解释, 评(扣)分标准 …). Pure: a workspace and its registry in, hits out, each with
the `Location` the editor can show."""

from __future__ import annotations

from dataclasses import dataclass, replace

from perfdesk.domain.definition import SectionType
from perfdesk.domain.model import Workspace
from perfdesk.domain.scoring import format_amount
from perfdesk.domain.validation import Location
from perfdesk.domain.values import parse_number

# The indicator attributes searched, with the words shown in the result list when the layout
# does not name them (a definition's own label is used where it has the column).
INDICATOR_COLUMNS = (("level1", "一级指标"), ("level2", "二级指标"), ("level3", "三级指标"),
                     ("target", "指标值"), ("actual", "实际完成值"), ("reason", "偏差原因"))


_KIND_WORDS = {"declaration": "申报表", "self-evaluation": "自评表"}


@dataclass(frozen=True)
class Hit:
    form_id: str
    location: Location
    where: str  # for people: 项目 年 表 / 第n行「三级指标」
    text: str  # the whole text that matched
    # A row of a table section: its id (the location's row number is the row's place when
    # found; `current_location` follows the row when rows are added or removed above it).
    row_id: str | None = None

    def current_location(self, workspace: Workspace) -> Location | None:
        """Where the hit is now: a table row's current number; None when its row is gone."""
        if self.row_id is None:
            return self.location
        form = workspace.forms.get(self.form_id)
        rows = form.tables.get(self.location.section, []) if form is not None else []
        for number, row in enumerate(rows, start=1):
            if row.id == self.row_id:
                return replace(self.location, row=number)
        return None


def _text(value) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else getattr(value, "raw", str(value))


def _amount_shown(text: str) -> str:
    """An amount as the grid shows it (1,200.50), so what the user sees can be searched."""
    try:
        number = parse_number(text)
    except ValueError:
        return ""
    return format_amount(number)


def find_all(workspace: Workspace, registry, needle: str) -> list[Hit]:
    """Every place `needle` occurs (case-insensitive), form by form (newest year first, then
    project name), in the order of the form on paper."""
    needle = needle.strip().casefold()
    if not needle:
        return []
    hits: list[Hit] = []
    forms = sorted(workspace.forms.values(), key=lambda f: (-f.year, workspace.project_name(f), f.kind.value))
    for form in forms:
        try:
            definition = registry.get(form.definition_id)
        except Exception:  # an unknown layout: its fields are not searchable, its rows are
            definition = None
        project = workspace.project_name(form)
        label = f"{project} {form.year}年{_KIND_WORDS.get(form.kind.value, '')}"
        seen_fields: set[str] = set()
        if needle in project.casefold():
            key = next((f.key for f in definition.all_fields() if f.key in ("project_name", "project")), None) \
                if definition else None
            section = _section_of(definition, key) if key else "form"
            hits.append(Hit(form.id, Location(form.id, section, column=key), f"{label} · 项目名称", project))
            if key:
                seen_fields.add(key)
        if definition is None:
            _indicator_hits(hits, form, None, label, needle)
            continue
        indicators_done = False
        for section in definition.sections:
            if section.type in (SectionType.FIELDS, SectionType.TEXTS):
                for field in section.fields:
                    value = form.field(field.key)
                    if field.key not in seen_fields and value and needle in value.casefold():
                        hits.append(Hit(form.id, Location(form.id, section.key, column=field.key),
                                        f"{label} · {field.label}", value))
            elif section.type is SectionType.FUNDING:
                note = section.options.get("note_field")
                value = form.field(note) if note else ""
                if value and needle in value.casefold():
                    words = section.options.get("note_label", "资金执行说明")
                    hits.append(Hit(form.id, Location(form.id, section.key, column=note), f"{label} · {words}", value))
            elif section.type is SectionType.TABLE:
                _table_hits(hits, form, section, label, needle)
            elif section.type is SectionType.INDICATORS and not indicators_done:
                _indicator_hits(hits, form, section, label, needle)
                indicators_done = True
        if not indicators_done:
            _indicator_hits(hits, form, None, label, needle)
    return hits


def _indicator_hits(hits: list[Hit], form, section, label: str, needle: str) -> None:
    """The indicator rows, row by row, each in the layout's column order: the built-in texts
    and the definition's own columns."""
    section_key = section.key if section is not None else "indicators"
    builtin = dict(INDICATOR_COLUMNS)
    columns: list[tuple[str, str]] = []
    if section is not None:
        own = {column.key for column in section.extra_columns}
        columns = [(key, words) for key, words in section.indicator_columns if key in builtin or key in own]
    shown = {key for key, _ in columns}
    columns += [(key, words) for key, words in INDICATOR_COLUMNS if key not in shown]
    for row, ind in enumerate(form.indicators, start=1):
        for attr, words in columns:
            value = _text(ind.get(attr))
            if value and needle in value.casefold():
                hits.append(Hit(form.id, Location(form.id, section_key, ind.id, row, attr),
                                f"{label} · 第{row}行「{words}」", value))


def _table_hits(hits: list[Hit], form, section, label: str, needle: str) -> None:
    """A table section's rows (年度主要任务), row by row, column by column; an amount also as
    the grid shows it (1,200.50)."""
    for number, row in enumerate(form.tables.get(section.key, []), start=1):
        for column in section.extra_columns:
            value = row.cells.get(column.key, "")
            if not value:
                continue
            shown = _amount_shown(value) if column.type == "amount" else ""
            if needle in value.casefold() or (shown and needle in shown.casefold()):
                hits.append(Hit(form.id, Location(form.id, section.key, None, number, column.key),
                                f"{label} · {section.label}第{number}行「{column.label}」",
                                shown or value, row.id))


def _section_of(definition, key: str) -> str:
    for section in definition.sections:
        if any(f.key == key for f in section.fields):
            return section.key
    return "form"
