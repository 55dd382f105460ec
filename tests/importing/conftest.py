"""Shared helpers for the import tests."""

from __future__ import annotations

from perfdesk.domain.model import Form


def document(form: Form) -> tuple:
    """What a printed form says, as comparable data: blank fields and amounts are absent, and
    numbers compare by value (8734121.00 == 8734121)."""
    return (
        form.kind, form.year, form.definition_id,
        sorted((k, v) for k, v in form.fields.items() if v),
        sorted((k, v) for k, v in form.amounts.items() if v is not None),
        form.budget_score, form.total,
        [(i.level1, i.level2, i.level3, _value(form, "target", i.target), _value(form, "actual", i.actual),
          i.weight, i.score, i.reason) for i in form.indicators],
    )


def _value(form: Form, attr: str, value):
    """As typed for a form that prints values as typed; for one that prints 指标性质 │ 指标值 │
    度量单位 in three columns, what those say (the spelling "≥95(%)" or "≥95%" is not printed)."""
    from perfdesk.formdefs import default_registry
    from perfdesk.domain.definition import SectionType

    section = default_registry().get(form.definition_id).section(SectionType.INDICATORS)
    if section is not None and section.split_of(attr):
        return (value.kind, value.sign, value.number, value.unit) if value.is_quantitative else value.raw.strip()
    return value.raw


def reopened(ws, form_id: str, path):
    """`ws` written to a new file at `path` and read back: (the form, the whole workspace)."""
    from perfdesk.store import FileStore

    store = FileStore.create(path)
    store.write_all(ws)
    store.close()
    with FileStore.open(path, read_only=True) as again:
        return again.workspace.forms[form_id], again.workspace
