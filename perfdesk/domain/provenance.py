"""Domain layer: where a rolled-forward row came from, and last year's values of a row.

Every window needs these (the tint of carried cells, the 上年 columns), long before anybody
rolls a year forward; so they live apart from the planner in `rollforward`, which re-exports
them, and the window can start without loading the planner.

Carried values are marked in `Indicator.provenance` (a small JSON text, see `Provenance`)
until the user confirms or edits them; `last_year_values` finds last year's target and
actual for showing beside this year's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterable

from .definition import FormKind
from .model import Form, Indicator, Workspace
from .values import EMPTY, Value


# -- provenance --------------------------------------------------------------------------
@dataclass(frozen=True)
class Provenance:
    """Where a rolled-forward row came from and which of its cells are not yet confirmed.

    Stored in `Indicator.provenance` as compact JSON. Text that is not ours (older files,
    hand-written notes) reads as a provenance with a note and nothing unconfirmed.
    """

    form_id: str = ""
    indicator_id: str = ""
    year: int | None = None
    kind: str = ""  # FormKind value of the source form
    rule: str = ""  # RowChoice value, or "declaration" for a self-evaluation's row
    unconfirmed: tuple[str, ...] = ()  # indicator attributes still carrying the tint
    note: str = ""

    def to_text(self) -> str:
        data = {"v": 1, "form": self.form_id, "row": self.indicator_id, "year": self.year,
                "kind": self.kind, "rule": self.rule, "unconfirmed": list(self.unconfirmed)}
        if self.note:
            data["note"] = self.note
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_text(cls, text: str) -> "Provenance":
        text = (text or "").strip()
        if not text.startswith("{"):
            return cls(note=text)
        try:
            data = json.loads(text)
            return cls(form_id=str(data.get("form", "")), indicator_id=str(data.get("row", "")),
                       year=data.get("year"), kind=str(data.get("kind", "")),
                       rule=str(data.get("rule", "")),
                       unconfirmed=tuple(str(a) for a in data.get("unconfirmed", ())),
                       note=str(data.get("note", "")))
        except (ValueError, TypeError, AttributeError):
            return cls(note=text)

    def describe(self) -> str:
        """One Chinese line for a tooltip."""
        if not self.form_id and not self.year:
            return self.note
        kind = FormKind(self.kind).label if self.kind in {k.value for k in FormKind} else "表"
        how = {"keep": "沿用原指标值", "actual": "取上年实际完成值", "declaration": "取自申报表"}.get(self.rule, "结转")
        text = f"结转自 {self.year} 年{kind}（{how}）"
        return text + ("，待确认" if self.unconfirmed else "")


def is_carried(indicator: Indicator, attr: str) -> bool:
    """Whether `attr` of the row still carries a rolled-forward value (show the tint)."""
    return attr in Provenance.from_text(indicator.provenance).unconfirmed


def confirmed_provenance(text: str, attrs: Iterable[str] | None = None) -> str:
    """The provenance text after confirming `attrs` (all when None); the origin is kept."""
    prov = Provenance.from_text(text)
    if not prov.unconfirmed:
        return text
    left = () if attrs is None else tuple(a for a in prov.unconfirmed if a not in set(attrs))
    return Provenance(prov.form_id, prov.indicator_id, prov.year, prov.kind, prov.rule, left,
                      prov.note).to_text()


def confirm_indicator(ws: Workspace, form_id: str, indicator_id: str,
                      attrs: Iterable[str] | None = None) -> bool:
    """Confirm carried values (all, or `attrs`: call with the edited attribute after an edit)."""
    indicator = ws.forms[form_id].indicator(indicator_id)
    new = confirmed_provenance(indicator.provenance, attrs)
    return ws.set_indicator(form_id, indicator_id, "provenance", new)


@dataclass(frozen=True)
class LastYear:
    """Last year's target and actual of one row (actual is empty for a declaration)."""

    year: int
    kind: FormKind
    form_id: str
    indicator_id: str
    target: Value
    actual: Value


def last_year_values(ws: Workspace, form: Form, indicator: Indicator) -> LastYear | None:
    """The same row in the project's most recent earlier year (self-evaluation first).

    The row is found by the id recorded in its provenance, else by its 三级指标 name.
    """
    return last_year_map(ws, form).get(indicator.id)


def last_year_map(ws: Workspace, form: Form) -> dict[str, LastYear]:
    """`last_year_values` for every row of a form at once (one pass over the history)."""
    earlier = [f for f in ws.forms_of(form.project_id) if f.year < form.year]
    # Newest year first; within a year the self-evaluation (it has actuals) first.
    earlier.sort(key=lambda f: (-f.year, f.kind is not FormKind.SELF_EVALUATION))
    result: dict[str, LastYear] = {}
    for indicator in form.indicators:
        prov = Provenance.from_text(indicator.provenance)
        name = indicator.level3.strip()
        for old in earlier:
            match = None
            if prov.form_id == old.id:
                match = next((i for i in old.indicators if i.id == prov.indicator_id), None)
            if match is None and name:
                match = next((i for i in old.indicators if i.level3.strip() == name), None)
            if match is not None:
                actual = match.actual if old.kind is FormKind.SELF_EVALUATION else EMPTY
                result[indicator.id] = LastYear(old.year, old.kind, old.id, match.id, match.target, actual)
                break
    return result
