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
        [(i.level1, i.level2, i.level3, i.target.raw, i.actual.raw, i.weight, i.score, i.reason)
         for i in form.indicators],
    )
