"""Editing layer: find text across a whole file — project names, header fields and texts,
indicator names, targets, actuals and reasons. Pure: a workspace and its registry in, hits out,
each with the `Location` the editor can show."""

from __future__ import annotations

from dataclasses import dataclass

from perfdesk.domain.definition import SectionType
from perfdesk.domain.model import Workspace
from perfdesk.domain.validation import Location

# The indicator attributes searched, with the words shown in the result list.
INDICATOR_COLUMNS = (("level1", "一级指标"), ("level2", "二级指标"), ("level3", "三级指标"),
                     ("target", "指标值"), ("actual", "实际完成值"), ("reason", "偏差原因"))


_KIND_WORDS = {"declaration": "申报表", "self-evaluation": "自评表"}


@dataclass(frozen=True)
class Hit:
    form_id: str
    location: Location
    where: str  # for people: 项目 年 表 / 第n行「三级指标」
    text: str  # the whole text that matched


def _text(value) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else getattr(value, "raw", str(value))


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
        if definition is not None:
            for section in definition.sections:
                if section.type not in (SectionType.FIELDS, SectionType.TEXTS):
                    continue
                for field in section.fields:
                    value = form.field(field.key)
                    if field.key not in seen_fields and value and needle in value.casefold():
                        hits.append(Hit(form.id, Location(form.id, section.key, column=field.key),
                                        f"{label} · {field.label}", value))
        section_key = "indicators"
        if definition is not None:
            indicators = definition.section(SectionType.INDICATORS)
            section_key = indicators.key if indicators is not None else section_key
        for row, ind in enumerate(form.indicators, start=1):
            for attr, words in INDICATOR_COLUMNS:
                value = _text(getattr(ind, attr))
                if value and needle in value.casefold():
                    hits.append(Hit(form.id, Location(form.id, section_key, ind.id, row, attr),
                                    f"{label} · 第{row}行「{words}」", value))
    return hits


def _section_of(definition, key: str) -> str:
    for section in definition.sections:
        if any(f.key == key for f in section.fields):
            return section.key
    return "form"
