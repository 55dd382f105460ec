"""Domain layer: the record of score overrides an exported file carries, and reading it back.

A printed form shows each 得分, 预算执行率得分 and 总分, but not which of them a person decided,
why, when, or what the rules gave then. PerfDesk's own .xlsx and .docx exports carry that as
a small record beside the printed layout (a custom XML part: see `perfdesk.export.record`), so
that importing the file again restores the overrides with their notes instead of calling every
differing score "导入时的原值", and keeps a 总分 a person set on purpose.

This module is the record's format and nothing else — pure text in, pure text out:

    <overrides xmlns="urn:perfdesk:score-overrides:1" version="1">
      <form>{"project": …, "year": 2022, "kind": "self-evaluation",
             "rows": [{"pos": 3, "level3": …, "score": "4", "note": {"reason": …, "at": …,
                       "computed": "5.29"}}], "budget": null, "total": {"score": …, "note": …}}</form>
      …
    </overrides>

One JSON object per form, numbers as decimal strings. The record is advice, never authority:
a form's printed values win. On import (`keep_scores`) a recorded override is restored only
where the file still shows the same score — at the printed precision, on the same row
(position in the indicator table and 三级指标 text) of the same form (project, year, kind).
Anything else in the record is ignored, so a file edited in Excel imports as it reads.

Read back, the record is untrusted input: the part and each form are size-bounded, the JSON
is type-checked field by field, and `parse_record_xml` never raises.
"""

from __future__ import annotations

import json
import re
import unicodedata
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Iterable, Sequence
from xml.parsers import expat

from .definition import FormDefinition, FormKind
from .model import Form, OverrideNote
from .overrides import keep_differing_scores
from .scoring import round2, score_form

NAMESPACE = "urn:perfdesk:score-overrides:1"
VERSION = 1
# The whole part, in bytes. A form with every row overridden and a paragraph of reason on each
# is a few kilobytes; a one-file export of a year's forms stays far below this.
MAX_RECORD_BYTES = 256 * 1024
# One form's JSON, in characters: below the importer's limit on one run of XML text
# (`perfdesk.importing.safety.MAX_TEXT`, 100,000), so a record can never get a file refused.
MAX_FORM_CHARS = 60_000
MAX_FORMS = 2000
MAX_ROWS = 1000  # per form
MAX_NUMBER_CHARS = 40
MAX_NUMBER = Decimal(10) ** 9

_XML_UNSAFE = re.compile("[\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class KeptScore:
    """One override: the value a person decided and its note (None: entered without one)."""

    score: Decimal
    note: OverrideNote | None = None


@dataclass(frozen=True)
class RowScore:
    """A row's kept override in a form's record: the row's place, its 三级 name and the score."""

    position: int  # index in the form's indicator table
    level3: str
    kept: KeptScore


@dataclass(frozen=True)
class FormRecord:
    project: str
    year: int
    kind: FormKind
    rows: tuple[RowScore, ...] = ()
    budget: KeptScore | None = None
    total: KeptScore | None = None

    @property
    def empty(self) -> bool:
        return not self.rows and self.budget is None and self.total is None


# -- building ------------------------------------------------------------------------------------
def record_of(form: Form, project_name: str) -> FormRecord | None:
    """The overrides of `form` as a record; None when it has none."""
    rows = tuple(RowScore(n, indicator.level3, KeptScore(indicator.score, indicator.score_note))
                 for n, indicator in enumerate(form.indicators) if indicator.score is not None)
    budget = KeptScore(form.budget_score, form.budget_note) if form.budget_score is not None else None
    total = KeptScore(form.total, form.total_note) if form.total is not None else None
    record = FormRecord(project_name, form.year, form.kind, rows, budget, total)
    return None if record.empty else record


def _number(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def _kept(kept: KeptScore | None) -> dict | None:
    if kept is None:
        return None
    note = kept.note
    return {"score": _number(kept.score),
            "note": None if note is None else {"reason": note.reason, "at": note.at,
                                                "computed": _number(note.computed)}}


def to_json(record: FormRecord) -> str:
    data = {"project": record.project, "year": record.year, "kind": record.kind.value,
            "rows": [dict(pos=row.position, level3=row.level3, **_kept(row.kept)) for row in record.rows],
            "budget": _kept(record.budget), "total": _kept(record.total)}
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    if _XML_UNSAFE.search(text):  # a lone surrogate or U+FFFE/FFFF in a text: XML cannot hold it raw
        text = json.dumps(data, ensure_ascii=True, separators=(",", ":"))
    return text


def _escape(text: str) -> str:
    """Text for an XML element's content (what xml.sax.saxutils.escape does; that module would
    bring urllib and the email package into every command that can export)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def record_xml(records: Iterable[FormRecord]) -> tuple[bytes | None, int]:
    """The custom XML part for `records` and how many forms it holds; (None, 0) when there is
    nothing to carry. A form whose record is too long is left out (it imports as a file
    without a record would), and so are the forms after the part's size budget is spent."""
    head = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<overrides xmlns="{NAMESPACE}" version="{VERSION}">').encode("utf-8")
    tail = b"</overrides>"
    parts: list[bytes] = []
    size = len(head) + len(tail)
    for record in records:
        if len(parts) >= MAX_FORMS:
            break
        text = to_json(record)
        if len(text) > MAX_FORM_CHARS:
            continue
        element = f"<form>{_escape(text)}</form>".encode("utf-8")
        if size + len(element) > MAX_RECORD_BYTES:
            break
        parts.append(element)
        size += len(element)
    if not parts:
        return None, 0
    return head + b"".join(parts) + tail, len(parts)


def item_props_xml(record: bytes) -> bytes:
    """The custom XML properties part Word and Excel expect beside a custom XML part: an id
    (derived from the content, so the same export gives the same bytes) and the schema."""
    item_id = "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, NAMESPACE + "#" + record.hex()[:4096])).upper() + "}"
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
            f'<ds:datastoreItem ds:itemID="{item_id}" '
            f'xmlns:ds="http://schemas.openxmlformats.org/officeDocument/2006/customXml">'
            f'<ds:schemaRefs><ds:schemaRef ds:uri="{NAMESPACE}"/></ds:schemaRefs></ds:datastoreItem>').encode("utf-8")


# -- reading (untrusted) ---------------------------------------------------------------------------
def is_record(head: bytes) -> bool:
    """Whether the first bytes of a part look like this record (cheap, before parsing)."""
    return NAMESPACE.encode("ascii") in head[:1024]


def parse_record_xml(data: bytes) -> list[FormRecord]:
    """The form records of a part; [] for anything that is not a well-formed record of this
    version within the budgets. A single malformed form is skipped, the others kept."""
    try:
        if len(data) > MAX_RECORD_BYTES:
            return []
        texts = _form_texts(data)
        if texts is None:
            return []
        records = []
        for text in texts[:MAX_FORMS]:
            record = from_json(text)
            if record is not None:
                records.append(record)
        return records
    except Exception:  # noqa: BLE001 - a damaged or hostile record is no record
        return []


class _Refused(Exception):
    pass


def _form_texts(data: bytes) -> list[str] | None:
    """The text of each <form> of the record, or None when the part is not one."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    state = {"depth": 0, "root": False, "in_form": False, "text": []}
    texts: list[str] = []

    def refuse(*_args):
        raise _Refused()

    def start(tag: str, attrs: dict) -> None:
        state["depth"] += 1
        namespace, _, local = tag.rpartition(" ")
        if state["depth"] == 1:
            if namespace != NAMESPACE or local != "overrides" or attrs.get("version") != str(VERSION):
                raise _Refused()
            state["root"] = True
        elif state["depth"] == 2 and namespace == NAMESPACE and local == "form":
            state["in_form"], state["text"] = True, []
        elif state["depth"] > 2:
            raise _Refused()  # a form holds text only; nothing else nests

    def end(_tag: str) -> None:
        if state["depth"] == 2 and state["in_form"]:
            texts.append("".join(state["text"]))
            state["in_form"] = False
        state["depth"] -= 1

    def characters(text: str) -> None:
        if state["in_form"]:
            state["text"].append(text)

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    try:
        parser.Parse(data, True)
    except (_Refused, expat.ExpatError):
        return None
    return texts if state["root"] else None


def from_json(text: str) -> FormRecord | None:
    """One form's record, or None for anything not exactly of the shape `to_json` writes."""
    if not isinstance(text, str) or len(text) > MAX_FORM_CHARS:
        return None
    try:
        data = json.loads(text, parse_float=Decimal, parse_int=_bounded_int, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    project, year, kind = data.get("project"), data.get("year"), data.get("kind")
    if not isinstance(project, str) or not _is_int(year) or kind not in {k.value for k in FormKind}:
        return None
    rows_data = data.get("rows", [])
    if not isinstance(rows_data, list) or len(rows_data) > MAX_ROWS:
        return None
    rows = []
    for item in rows_data:
        if not isinstance(item, dict):
            return None
        position, level3, kept = item.get("pos"), item.get("level3"), _read_kept(item)
        if not _is_int(position) or position < 0 or not isinstance(level3, str) or kept is None:
            return None
        rows.append(RowScore(position, level3, kept))
    budget = total = None
    if data.get("budget") is not None:
        budget = _read_kept(data["budget"])
        if budget is None:
            return None
    if data.get("total") is not None:
        total = _read_kept(data["total"])
        if total is None:
            return None
    return FormRecord(project, year, FormKind(kind), tuple(rows), budget, total)


_TOO_LONG = object()  # an integer literal no record has: fails every type check


def _bounded_int(text: str):
    # Huge integer literals are not converted (int() of thousands of digits is slow or refused).
    return int(text) if len(text) <= 12 else _TOO_LONG


def _no_constant(_name: str):
    raise ValueError("NaN and Infinity are not JSON")


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _read_number(value) -> Decimal | None:
    if not isinstance(value, str) or not value or len(value) > MAX_NUMBER_CHARS:
        return None
    try:
        number = Decimal(value)
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or abs(number) >= MAX_NUMBER:
        return None
    return number


def _read_kept(data) -> KeptScore | None:
    if not isinstance(data, dict):
        return None
    score = _read_number(data.get("score"))
    if score is None:
        return None
    note_data = data.get("note")
    if note_data is None:
        return KeptScore(score, None)
    if not isinstance(note_data, dict):
        return None
    reason, at, computed_text = note_data.get("reason", ""), note_data.get("at", ""), note_data.get("computed")
    if not isinstance(reason, str) or not isinstance(at, str):
        return None
    computed = None
    if computed_text is not None:
        computed = _read_number(computed_text)
        if computed is None:
            return None
    return KeptScore(score, OverrideNote(reason, at, computed))


# -- restoring on import ---------------------------------------------------------------------------
def same_text(a: str, b: str) -> bool:
    """Texts as a printed cell gives them back: width-folded, without spaces or control
    characters (a Word export drops what XML cannot hold)."""
    return _folded(a) == _folded(b)


def _folded(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text or "")
    return "".join(ch for ch in folded if not ch.isspace() and unicodedata.category(ch)[0] != "C")


def find_record(records: Sequence[FormRecord], project: str, year: int, kind: FormKind) -> FormRecord | None:
    """The one record of this form; None when there is none, or more than one (ambiguous)."""
    found = [r for r in records if r.year == year and r.kind is kind and same_text(r.project, project)]
    return found[0] if len(found) == 1 else None


def _shows(printed: Decimal | None, kept: KeptScore | None) -> bool:
    """Whether the file still shows the recorded score (at the two decimals it prints)."""
    if printed is None or kept is None:
        return False
    try:
        return round2(printed) == round2(kept.score)
    except ArithmeticError:
        return False


def keep_scores(form: Form, definition: FormDefinition, reason: str, record: FormRecord | None) -> list[str]:
    """`keep_differing_scores` for a form read from a file (no 总分 kept), then, from the
    file's record, the overrides it still shows: each gets back its own note, and a 总分 or
    预算执行率得分 a person set stays even where it agrees with the rules. Returns notes in
    Chinese: those of `keep_differing_scores`, and that a restored 总分 differs from the rows.
    What the record restores is decided before anything changes, and a record that trips
    that decision restores nothing: the form then reads as without a record."""
    if record is None or definition.scoring is None:
        return keep_differing_scores(form, definition, reason, keep_total=False)
    try:
        rows = _matching_rows(form, record)
        budget = record.budget if _shows(form.budget_score, record.budget) else None
        total = record.total if _shows(form.total, record.total) else None
    except Exception:  # noqa: BLE001 - the record is advice: when it cannot be read, ignore it
        rows, budget, total = [], None, None
    if total is not None:
        form.total = None  # restored below: no note that it disagrees with the rows
    notes = keep_differing_scores(form, definition, reason, keep_total=False)
    for indicator, kept in rows:
        indicator.score, indicator.score_note = kept.score, kept.note
    if budget is not None:
        form.budget_score, form.budget_note = budget.score, budget.note
    if total is not None:
        form.total, form.total_note = total.score, total.note
        rows_total = score_form(form, definition).computed_total
        if rows_total is not None and round2(rows_total) != round2(total.score):
            notes.append(f"表中的总分 {_plain(total.score)} 是人工评定的总分（各行得分之和为 {_plain(rows_total)}），"
                         f"按文件中的记录保留。")
    return notes


def _matching_rows(form: Form, record: FormRecord) -> list[tuple]:
    """(indicator, recorded override) for each recorded row the form still shows as recorded."""
    found = []
    for row in record.rows:
        if row.position >= len(form.indicators):
            continue
        indicator = form.indicators[row.position]
        if same_text(indicator.level3, row.level3) and _shows(indicator.score, row.kept):
            found.append((indicator, row.kept))
    return found


def _plain(value: Decimal) -> str:
    text = format(round2(value), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
