"""Domain layer: 定稿 snapshots — the forms exactly as they were handed in, with their scores.

A snapshot is named, dated and read-only. Its content (the unit, every form's full content and
the scores as they were computed at that moment) is one canonical JSON document compressed
with zlib: one blob per snapshot, typically a tenth of the size the same forms take as rows of
the file. Encoding is deterministic (sorted keys, fixed separators, fixed compression level),
so the same forms always give the same bytes, and decoding then encoding gives the blob back.

Pure Python: the store keeps the blob, `Workspace.add_snapshot` marks the forms 已定稿.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Callable, Iterable

from .definition import FormDefinition, FormKind
from .model import FinalMark, Form, Indicator, OverrideNote, Project, TableRow, Unit, Workspace, new_id
from .scoring import FormScore, score_form
from .values import parse

FORMAT = 1  # the content's own version, inside the JSON
LEVEL = 9  # zlib level: snapshots are written rarely and kept forever
SCOPE_YEAR, SCOPE_PROJECT = "year", "project"

# An indicator as a JSON array, in this order (short, and zlib sees the same shape on every row).
# A row with extra columns (指标解释 …) has one more element, its `extra` object; a form with
# table sections (年度主要任务) a "tables" entry. Rows and forms without them encode exactly as
# before, so a snapshot of such forms keeps its bytes.
ROW_KEYS = ("id", "level1", "level2", "level3", "target", "actual", "weight", "score", "grade", "reason",
            "adjusted", "provenance", "score_note")


class SnapshotError(Exception):
    """A snapshot's content cannot be read (a damaged blob); the message is Chinese."""


@dataclass(frozen=True)
class Snapshot:
    """One 定稿: metadata plus the compressed content (`blob`, None until read from the file)."""

    id: str
    name: str
    at: str  # ISO 8601, seconds
    note: str
    year: int
    scope: str  # SCOPE_YEAR | SCOPE_PROJECT
    form_ids: tuple[str, ...]
    size: int = 0  # bytes of the blob
    blob: bytes | None = field(default=None, repr=False, compare=False)


@dataclass
class SnapshotContent:
    """What a snapshot holds, decoded: a detached workspace of its forms and their scores."""

    workspace: Workspace
    scores: dict[str, dict]  # form id -> score summary (see `score_summary`) as it was
    form_ids: list[str]

    def form(self, form_id: str) -> Form:
        return self.workspace.forms[form_id]


def now_text() -> str:
    return datetime.now().isoformat(timespec="seconds")


# -- numbers -----------------------------------------------------------------------------------
def _t(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _d(text) -> Decimal | None:
    return None if text is None else Decimal(text)


def _note(note: OverrideNote | None):
    if note is None:
        return None
    return [note.reason, note.at, _t(note.computed)]


def _unnote(data) -> OverrideNote | None:
    if data is None:
        return None
    reason, at, computed = data
    return OverrideNote(reason, at, _d(computed))


# -- scores ------------------------------------------------------------------------------------
def score_summary(form: Form, definition: FormDefinition | None, score: FormScore | None = None) -> dict:
    """The figures a snapshot keeps and a diff compares: 分值合计, 执行率, 预算执行率得分, 总分,
    等级 and every row's score, as decimal text (None: no figure). Declarations have none."""
    if definition is None or not definition.scored:
        return {"scored": False}
    score = score or score_form(form, definition)
    budget = score.budget
    return {
        "scored": True,
        "weight_total": _t(score.weight_total),
        "rate": _t(budget.rate_percent) if budget is not None else None,
        "budget_score": _t(budget.score) if budget is not None else None,
        "total": _t(score.total),
        "computed_total": _t(score.computed_total),
        "grade": score.grade,
        "complete": score.complete,
        "rows": {row_id: _t(row.score) for row_id, row in score.rows.items()},
        "overridden": sorted(row_id for row_id, row in score.rows.items() if row.overridden),
    }


# -- forms as JSON -----------------------------------------------------------------------------
def form_record(ws: Workspace, form: Form) -> dict:
    """A form's full content as plain JSON data (what `form_from_record` reads back)."""
    record = {
        "id": form.id,
        "project_id": form.project_id,
        "project": ws.project_name(form),
        "kind": form.kind.value,
        "year": form.year,
        "definition": form.definition_id,
        "fields": dict(form.fields),
        "amounts": {key: _t(value) for key, value in form.amounts.items()},
        "budget_score": _t(form.budget_score),
        "budget_note": _note(form.budget_note),
        "total": _t(form.total),
        "total_note": _note(form.total_note),
        "rows": [[ind.id, ind.level1, ind.level2, ind.level3, ind.target.raw, ind.actual.raw, _t(ind.weight),
                  _t(ind.score), ind.grade, ind.reason, int(ind.adjusted), ind.provenance, _note(ind.score_note)]
                 + ([dict(ind.extra)] if ind.extra else [])
                 for ind in form.indicators],
    }
    tables = {section: [[row.id, dict(row.cells)] for row in rows] for section, rows in form.tables.items() if rows}
    if tables:
        record["tables"] = tables
    return record


def form_from_record(record: dict) -> Form:
    form = Form(project_id=record["project_id"], kind=FormKind(record["kind"]), year=int(record["year"]),
                definition_id=record["definition"], id=record["id"], fields=dict(record["fields"]),
                amounts={key: _d(value) for key, value in record["amounts"].items()},
                budget_score=_d(record["budget_score"]), total=_d(record["total"]),
                budget_note=_unnote(record["budget_note"]), total_note=_unnote(record["total_note"]))
    values: dict[str, object] = {}

    def value(text: str):
        found = values.get(text)
        if found is None:
            found = values[text] = parse(text)
        return found

    for row in record["rows"]:
        (iid, l1, l2, l3, target, actual, weight, score, grade, reason, adjusted, provenance, note) = row[:13]
        extra = _cells(row[13]) if len(row) > 13 else {}
        form.indicators.append(Indicator(id=iid, level1=l1, level2=l2, level3=l3, target=value(target),
                                         actual=value(actual), weight=_d(weight), score=_d(score),
                                         score_note=_unnote(note), grade=grade, reason=reason,
                                         adjusted=bool(adjusted), provenance=provenance, extra=extra))
    for section, rows in (record.get("tables") or {}).items():
        form.tables[str(section)] = [TableRow(str(row_id), _cells(cells)) for row_id, cells in rows]
    return form


def _cells(data) -> dict[str, str]:
    if not isinstance(data, dict):
        raise TypeError("cells")
    return {str(k): str(v) for k, v in data.items() if v}


def encode(payload: dict) -> bytes:
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return zlib.compress(text.encode("utf-8"), LEVEL)


def decode_payload(blob: bytes) -> dict:
    try:
        payload = json.loads(zlib.decompress(blob).decode("utf-8"))
    except (zlib.error, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise SnapshotError("快照内容已损坏，无法读取。") from exc
    if not isinstance(payload, dict) or payload.get("v") != FORMAT:
        raise SnapshotError("快照内容的格式无法识别（可能来自更新版本的 PerfDesk）。")
    return payload


def decode(blob: bytes) -> SnapshotContent:
    """The snapshot's forms as a detached workspace, with the scores they had."""
    payload = decode_payload(blob)
    try:
        unit = payload.get("unit") or {}
        ws = Workspace(Unit(unit.get("name", ""), unit.get("department", "")))
        forms: dict[str, Form] = {}
        scores: dict[str, dict] = {}
        for record in payload["forms"]:
            if record["project_id"] not in ws.projects:
                ws.projects[record["project_id"]] = Project(record["project"], id=record["project_id"])
            form = form_from_record(record)
            forms[form.id] = form
            scores[form.id] = record.get("score") or {"scored": False}
        ws.forms = forms
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise SnapshotError("快照内容已损坏，无法读取。") from exc
    return SnapshotContent(ws, scores, list(forms))


def build(ws: Workspace, forms: Iterable[Form], definition_of: Callable[[str], FormDefinition], *,
          name: str, note: str, year: int, scope: str, at: str | None = None,
          snapshot_id: str | None = None) -> Snapshot:
    """A snapshot of `forms` as they are now, with their scores (blob included)."""
    forms = list(forms)
    records = []
    for form in forms:
        record = form_record(ws, form)
        try:
            definition = definition_of(form.definition_id)
        except KeyError:
            definition = None
        record["score"] = score_summary(form, definition)
        records.append(record)
    at = at or now_text()
    payload = {"v": FORMAT, "name": name, "at": at, "note": note, "year": year, "scope": scope,
               "unit": {"name": ws.unit.name, "department": ws.unit.department}, "forms": records}
    blob = encode(payload)
    return Snapshot(id=snapshot_id or new_id(), name=name, at=at, note=note, year=year, scope=scope,
                    form_ids=tuple(form.id for form in forms), size=len(blob), blob=blob)


def default_name(ws: Workspace, year: int, forms: list[Form], scope: str, at: str) -> str:
    """“2022年度 定稿 2026-03-01 10:15” or “项目名 2022年 定稿 …”."""
    stamp = at[:16].replace("T", " ")
    if scope == SCOPE_PROJECT and forms:
        return f"{ws.project_name(forms[0])} {year}年 定稿 {stamp}"
    return f"{year}年度 定稿 {stamp}"


def finalise(ws: Workspace, forms: list[Form], definition_of: Callable[[str], FormDefinition], *,
             note: str, year: int, scope: str, name: str = "", at: str | None = None) -> Snapshot:
    """定稿 as one mutation of `ws`: the snapshot is kept and each form marked 已定稿. The
    caller brackets it in a step (one transaction). Raises ValueError with a Chinese sentence
    when there is nothing to finalise."""
    if not forms:
        raise ValueError(f"{year}年没有可以定稿的表。")
    at = at or now_text()
    snapshot = build(ws, forms, definition_of, name=name or default_name(ws, year, forms, scope, at), note=note,
                     year=year, scope=scope, at=at)
    ws.add_snapshot(snapshot, [FinalMark(form.id, snapshot.id, at) for form in forms])
    return snapshot


def forms_to_finalise(ws: Workspace, year: int, project_id: str | None = None) -> list[Form]:
    """The forms of a year (or of one project that year) that are not yet 已定稿, in file order."""
    return [form for form in ws.forms.values()
            if form.year == year and (project_id is None or form.project_id == project_id)
            and form.id not in ws.finals]


def snapshots_of_form(ws: Workspace, form_id: str) -> list[Snapshot]:
    return sorted((s for s in ws.snapshots.values() if form_id in s.form_ids), key=lambda s: s.at)


def find_snapshot(ws: Workspace, key: str) -> Snapshot | None:
    """A snapshot by id, id prefix (≥ 6 characters) or exact name; None if none or ambiguous."""
    snapshots = list(ws.snapshots.values())
    for snapshot in snapshots:
        if snapshot.id == key:
            return snapshot
    named = [s for s in snapshots if s.name == key]
    if len(named) == 1:
        return named[0]
    if len(key) >= 6:
        prefixed = [s for s in snapshots if s.id.startswith(key)]
        if len(prefixed) == 1:
            return prefixed[0]
    return None
