"""Store layer: reading a whole .perfdesk file into a `Workspace`, fast enough for 10,000 forms.

`read_workspace` builds the same workspace as reading every row and parsing every value
would, with less work:

* indicator values come from the parsed parts stored beside their text (`target_sign`,
  `target_number`, `target_unit`, `actual_*`) through `Value.from_parts`, which checks them
  against the text and parses only when they are missing or disagree;
* a file repeats itself (the same "≥95%", "及时" and 分值 on many rows), so each distinct
  value and amount is built once and shared: `Value` and `Decimal` are immutable;
* the cyclic garbage collector is paused while hundreds of thousands of small objects,
  none of them in a cycle, are made.
"""

from __future__ import annotations

import gc
import json
import sqlite3
from decimal import Decimal, InvalidOperation

from perfdesk.domain.definition import FormKind
from perfdesk.domain.model import (
    FinalEvent, FinalMark, Form, Indicator, OverrideNote, Project, TableRow, Unit, Workspace,
)
from perfdesk.domain.snapshot import Snapshot
from perfdesk.domain.values import Value, from_parts

_INDICATORS = (
    "SELECT id, form_id, level1, level2, level3,"
    " target, target_sign, target_number, target_unit,"
    " actual, actual_sign, actual_number, actual_unit,"
    " weight, score, grade, reason, adjusted, provenance, score_reason, score_at, score_computed, extra"
    " FROM indicator ORDER BY form_id, position"
)
_FORMS = (
    "SELECT id, project_id, kind, year, definition, budget_score, total, budget_reason, budget_at,"
    " budget_computed, total_reason, total_at, total_computed FROM form ORDER BY position, rowid"
)


def read_workspace(conn: sqlite3.Connection) -> Workspace:
    """The whole content of an open .perfdesk file (schema at the latest version), the same
    workspace as reading every row and parsing every value gives."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _read(conn)
    finally:
        if enabled:
            gc.enable()


def _read(c: sqlite3.Connection) -> Workspace:
    decimals: dict[str | None, Decimal | None] = {None: None, "": None}

    def decimal(text: str | None) -> Decimal | None:
        # As FileStore's _decimal: None for no text or text that is not a number.
        try:
            return decimals[text]
        except KeyError:
            try:
                number = Decimal(text)
            except InvalidOperation:
                number = None
            decimals[text] = number
            return number

    def note(reason: str | None, at: str | None, computed: str | None) -> OverrideNote | None:
        # As FileStore's note_from: no note when none of its columns is filled.
        if reason is None and at is None and computed is None:
            return None
        return OverrideNote(reason or "", at or "", decimal(computed))

    values: dict[tuple, Value] = {}

    def value(raw: str, sign: str | None, number: str | None, unit: str | None) -> Value:
        key = (raw, sign, number, unit)
        found = values.get(key)
        if found is None:
            found = values[key] = from_parts(raw, sign, number, unit)
        return found

    name, department = c.execute("SELECT name, department FROM unit WHERE id = 1").fetchone() or ("", "")
    ws = Workspace(Unit(name, department))
    for pid, pname in c.execute("SELECT id, name FROM project ORDER BY position, rowid"):
        ws.projects[pid] = Project(name=pname, id=pid)
    kinds = {kind.value: kind for kind in FormKind}
    forms: dict[str, Form] = {}
    for (fid, pid, kind, year, definition, budget_score, total, b_reason, b_at, b_computed,
         t_reason, t_at, t_computed) in c.execute(_FORMS):
        forms[fid] = Form(project_id=pid, kind=kinds.get(kind) or FormKind(kind), year=year,
                          definition_id=definition, id=fid, budget_score=decimal(budget_score),
                          total=decimal(total), budget_note=note(b_reason, b_at, b_computed),
                          total_note=note(t_reason, t_at, t_computed))
    for fid, key, text in c.execute("SELECT form_id, key, value FROM form_field"):
        forms[fid].fields[key] = text
    for fid, key, text in c.execute("SELECT form_id, key, value FROM form_amount"):
        forms[fid].amounts[key] = decimal(text)
    current_id, current = None, None
    for (iid, fid, l1, l2, l3, target, t_sign, t_number, t_unit, actual, a_sign, a_number, a_unit,
         weight, score, grade, reason, adjusted, provenance, s_reason, s_at, s_computed,
         extra) in c.execute(_INDICATORS):
        if fid != current_id:  # rows come grouped by form
            current_id, current = fid, forms[fid].indicators
        current.append(Indicator(
            id=iid, level1=l1, level2=l2, level3=l3,
            target=value(target, t_sign, t_number, t_unit), actual=value(actual, a_sign, a_number, a_unit),
            weight=decimal(weight), score=decimal(score), grade=grade, reason=reason,
            adjusted=bool(adjusted), provenance=provenance, score_note=note(s_reason, s_at, s_computed),
            extra=cells_from_text(extra) if extra else {}))
    for rid, fid, section, cells in c.execute(
            "SELECT id, form_id, section, cells FROM form_row ORDER BY form_id, section, position, rowid"):
        forms[fid].tables.setdefault(section, []).append(TableRow(rid, cells_from_text(cells) if cells else {}))
    ws.forms = forms
    read_finals(c, ws)
    return ws


def cells_to_text(cells: dict[str, str]) -> str:
    """An indicator's extra columns or a table row's cells as stored: compact JSON with sorted
    keys, empty texts left out; '' when nothing is left."""
    kept = {k: v for k, v in cells.items() if v}
    return json.dumps(kept, ensure_ascii=False, sort_keys=True, separators=(",", ":")) if kept else ""


def cells_from_text(text: str) -> dict[str, str]:
    """What `cells_to_text` wrote (verify.py has checked it is an object of texts)."""
    found = _CELLS.get(text)
    if found is None:
        found = {str(k): str(v) for k, v in json.loads(text).items() if v}
        if len(_CELLS) < 4096:
            _CELLS[text] = found
    return dict(found)


_CELLS: dict[str, dict[str, str]] = {}


def read_finals(c: sqlite3.Connection, ws: Workspace) -> None:
    """定稿: the snapshots (without their content, read on demand), 已定稿 marks and the log."""
    import json

    for sid, name, at, note, year, scope, form_ids, size in c.execute(
            "SELECT id, name, at, note, year, scope, forms, length(content) FROM snapshot ORDER BY position, rowid"):
        ids = json.loads(form_ids)
        ws.snapshots[sid] = Snapshot(id=sid, name=name, at=at, note=note, year=year, scope=scope,
                                     form_ids=tuple(str(i) for i in ids), size=size or 0)
    for form_id, snapshot_id, at in c.execute("SELECT form_id, snapshot_id, at FROM final_mark"):
        ws.finals[form_id] = FinalMark(form_id, snapshot_id, at)
    for eid, form_id, what, at, snapshot_id, reason in c.execute(
            "SELECT id, form_id, what, at, snapshot_id, reason FROM final_log ORDER BY position, rowid"):
        ws.final_log.append(FinalEvent(eid, form_id, what, at, snapshot_id, reason))
