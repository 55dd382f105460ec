"""Export → import keeps every score override and its reason: PerfDesk's .xlsx and .docx carry a
record of the overrides (a custom XML part, perfdesk.domain.override_record), and an import
restores each override the file still shows with its own note — a deliberate 总分 included.
A record that no longer matches the printed values is ignored where it differs; a damaged or
oversized one is ignored altogether, and the file imports as it reads."""

from __future__ import annotations

import io
import json
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from perfdesk.demodata import PUBLISHED_AT
from perfdesk.domain.model import OverrideNote, Workspace
from perfdesk.domain.override_record import (
    MAX_FORM_CHARS, MAX_RECORD_BYTES, NAMESPACE, FormRecord, KeptScore, RowScore, from_json,
    parse_record_xml, record_xml, to_json,
)
from perfdesk.domain.overrides import IMPORTED, PUBLISHED
from perfdesk.domain.definition import FormKind
from perfdesk.domain.scoring import score_form
from perfdesk.export import export_forms
from perfdesk.importing import import_files
from perfdesk.importing.safety import MAX_TEXT

FORMATS = ["xlsx", "docx"]


def overrides(form) -> tuple:
    """A form's overrides with their notes: what must survive the round trip exactly."""
    return ([(n, i.level3, i.score, i.score_note) for n, i in enumerate(form.indicators) if i.score is not None],
            (form.budget_score, form.budget_note), (form.total, form.total_note))


def original_of(ws: Workspace, imported):
    [form] = [f for f in ws.forms.values()
              if ws.project_name(f) == imported.project_name and f.year == imported.year and f.kind is imported.kind]
    return form


def imported_forms(paths, registry) -> list:
    results = import_files(paths, registry)
    for result in results:
        assert result.ok, result.error
    return [imported for result in results for imported in result.forms]


def record_part(path: Path) -> str:
    """The name of the override record part in an exported file."""
    with zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist()
                 if re.fullmatch(r"customXml/item\d+\.xml", n) and NAMESPACE.encode() in archive.read(n)]
    assert len(names) == 1, names
    return names[0]


def rewrite(path: Path, changes: dict[str, bytes]) -> None:
    """Replace parts of a zip package in place (what a tool editing the file would do)."""
    with zipfile.ZipFile(path) as source:
        parts = [(info, changes.get(info.filename, source.read(info))) for info in source.infolist()]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in parts:
            archive.writestr(info, data)
    path.write_bytes(out.getvalue())


def form_jsons(path: Path) -> list[dict]:
    with zipfile.ZipFile(path) as archive:
        data = archive.read(record_part(path)).decode()
    return [json.loads(text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
            for text in re.findall(r"<form>(.*?)</form>", data, re.S)]


def with_record(path: Path, forms: list[dict] | None = None, raw: bytes | None = None) -> None:
    body = raw if raw is not None else (
        f'<?xml version="1.0" encoding="UTF-8"?><overrides xmlns="{NAMESPACE}" version="1">'
        + "".join(f"<form>{json.dumps(f, ensure_ascii=False).replace('&', '&amp;').replace('<', '&lt;')}</form>"
                  for f in forms) + "</overrides>").encode()
    rewrite(path, {record_part(path): body})


# -- every demo form ----------------------------------------------------------------------
@pytest.mark.parametrize("one_file", [False, True], ids=["each", "one-file"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_demo_form_keeps_its_overrides_and_reasons(tmp_path, demo_ws, registry, fmt, one_file):
    forms = list(demo_ws.forms.values())
    paths = export_forms(demo_ws, forms, registry, fmt, tmp_path, one_file=one_file)
    seen = kept = 0
    for imported in imported_forms(paths, registry):
        original = original_of(demo_ws, imported)
        assert overrides(imported.form) == overrides(original), imported.project_name
        assert imported.notes == [] or all("总分" not in note for note in imported.notes)
        for indicator in imported.form.indicators:
            if indicator.score is not None:  # the published reason and time, not the import's
                assert (indicator.score_note.reason, indicator.score_note.at) == (PUBLISHED, PUBLISHED_AT)
                kept += 1
        seen += 1
    assert seen == len(forms) == 25
    assert kept == sum(len(overrides(f)[0]) for f in forms) > 0


# -- a form a person overrode by hand -------------------------------------------------------
def hand_made(demo_ws, registry) -> Workspace:
    """One self-evaluation form with a row override carrying a custom reason, a row set by a
    person to what the rules give anyway, a score entered without a note, a 预算执行率得分 and a
    deliberate 总分."""
    form = next(f for f in demo_ws.forms.values()
                if demo_ws.project_name(f) == "补充日常经费" and f.kind is FormKind.SELF_EVALUATION)
    definition = registry.get(form.definition_id)
    rules = score_form(form, definition)
    ws = Workspace(demo_ws.unit)
    project = demo_ws.projects[form.project_id]
    ws.add_project(project)
    ws.add_form(form)
    free = [i for i in form.indicators if i.score is None and rules.rows[i.id].computed is not None]
    changed, same, bare = free[0], free[1], free[2]
    ws.set_indicator(form.id, changed.id, "score", rules.rows[changed.id].computed - Decimal("0.5"))
    ws.set_indicator(form.id, changed.id, "score_note",
                     OverrideNote("专家组复核：<材料不全> & 扣分", "2024-05-06T09:30:15", rules.rows[changed.id].computed))
    ws.set_indicator(form.id, same.id, "score", rules.rows[same.id].computed)
    ws.set_indicator(form.id, same.id, "score_note", OverrideNote("按规则，但人工确认", "2024-05-06T09:31:00",
                                                                   rules.rows[same.id].computed))
    ws.set_indicator(form.id, bare.id, "score", Decimal("0.25"))
    assert rules.budget is not None
    ws.set_budget_score(form.id, Decimal("7.5"), OverrideNote("预算调整经批准", "2024-05-07T08:00:00",
                                                              rules.budget.computed))
    derived = score_form(form, definition).total
    ws.set_total(form.id, derived - Decimal("3"), OverrideNote("评审会议决定的总分", "2024-05-08T16:45:00", derived))
    return ws


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_deliberate_total_and_custom_reasons_survive(tmp_path, demo_ws, registry, fmt):
    ws = hand_made(demo_ws, registry)
    [form] = ws.forms.values()
    [imported] = imported_forms(export_forms(ws, [form], registry, fmt, tmp_path, with_list=False), registry)
    assert overrides(imported.form) == overrides(form)
    assert imported.form.total is not None and imported.form.total_note.reason == "评审会议决定的总分"
    # Said to be a person's 总分 kept from the record, not a stale one recalculated.
    assert [note for note in imported.notes if "总分" in note] == [
        f"表中的总分 {form.total} 是人工评定的总分（各行得分之和为 {form.total + 3}），按文件中的记录保留。"]
    reasons = {i.score_note.reason for i in imported.form.indicators if i.score_note is not None}
    assert {"专家组复核：<材料不全> & 扣分", "按规则，但人工确认"} <= reasons
    assert any(i.score is not None and i.score_note is None for i in imported.form.indicators)


def test_without_the_record_the_same_file_imports_as_before(tmp_path, demo_ws, registry):
    """The record is what restores: stripped from the file, the import is today's."""
    ws = hand_made(demo_ws, registry)
    [form] = ws.forms.values()
    [path] = export_forms(ws, [form], registry, "xlsx", tmp_path, with_list=False)
    with_record(path, [])  # an empty record: nothing to restore
    [imported] = imported_forms([path], registry)
    assert imported.form.total is None
    assert any("总分" in note for note in imported.notes)
    notes = [i.score_note for i in imported.form.indicators if i.score is not None]
    assert notes and all(note.reason == IMPORTED for note in notes)


# -- a record that no longer matches ---------------------------------------------------------------
def _score_cell(path: Path, level3: str) -> tuple[str, str]:
    """(sheet part, coordinate) of the 得分 of the row showing `level3` in an exported workbook."""
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    header = next(row for row in sheet.iter_rows() if any(c.value == "三级指标" for c in row))
    score_col = next(c.column for c in header if c.value == "得分")
    row = next(r for r in sheet.iter_rows(min_row=header[0].row + 1) if any(c.value == level3 for c in r))
    return "xl/worksheets/sheet1.xml", sheet.cell(row[0].row, score_col).coordinate


def test_a_score_edited_in_excel_is_the_files_own(tmp_path, demo_ws, registry):
    ws = hand_made(demo_ws, registry)
    [form] = ws.forms.values()
    [path] = export_forms(ws, [form], registry, "xlsx", tmp_path, with_list=False)
    edited = next(i for i in form.indicators if i.score_note is not None and i.score_note.reason.startswith("专家组"))
    part, coordinate = _score_cell(path, edited.level3)
    with zipfile.ZipFile(path) as archive:
        xml = archive.read(part).decode()
    pattern = re.compile(rf'(<c r="{coordinate}"[^>]*>)<v>[^<]*</v>')
    assert pattern.search(xml)
    rewrite(path, {part: pattern.sub(r"\g<1><v>0.75</v>", xml).encode()})
    [imported] = imported_forms([path], registry)
    position = form.position_of(edited.id)
    row = imported.form.indicators[position]
    assert row.score == Decimal("0.75") and row.score_note.reason == IMPORTED  # printed value wins
    others = [(n, s, note) for n, _, s, note in overrides(imported.form)[0] if n != position]
    assert others == [(n, s, note) for n, _, s, note in overrides(form)[0] if n != position]
    assert overrides(imported.form)[2] == overrides(form)[2]  # the 总分 still matches: kept


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_edited_record_is_ignored_where_it_differs(tmp_path, demo_ws, registry, fmt):
    ws = hand_made(demo_ws, registry)
    [form] = ws.forms.values()
    [path] = export_forms(ws, [form], registry, fmt, tmp_path, with_list=False)
    [record] = form_jsons(path)
    published = [item for item in record["rows"] if item["note"] and item["note"]["reason"] == PUBLISHED]
    tampered, moved = published[0], published[1]
    tampered["score"] = str(Decimal(tampered["score"]) + 1)  # the record no longer says what the cell shows
    moved["level3"] = "另一项指标"  # not the row at that position
    record["total"]["score"] = "12.5"
    with_record(path, [record])
    [imported] = imported_forms([path], registry)
    rows = imported.form.indicators
    for item in (tampered, moved):
        assert rows[item["pos"]].score_note.reason == IMPORTED
    kept = [item for item in record["rows"] if item not in (tampered, moved)]
    assert len(kept) >= 3
    for item in kept:
        note = rows[item["pos"]].score_note
        assert (note.reason if note else None) == (item["note"]["reason"] if item["note"] else None)
    assert imported.form.total is None and any("总分" in note for note in imported.notes)
    assert imported.form.budget_note == form.budget_note


def test_a_record_of_another_form_is_not_used(tmp_path, demo_ws, registry):
    ws = hand_made(demo_ws, registry)
    [form] = ws.forms.values()
    [path] = export_forms(ws, [form], registry, "docx", tmp_path, with_list=False)
    [record] = form_jsons(path)
    with_record(path, [dict(record, year=record["year"] + 1)])
    [imported] = imported_forms([path], registry)
    assert imported.form.total is None
    assert all(i.score_note.reason == IMPORTED for i in imported.form.indicators if i.score is not None)


# -- a damaged or hostile record ---------------------------------------------------------------
def _garbage(record: dict) -> dict[str, bytes]:
    head = f'<?xml version="1.0" encoding="UTF-8"?><overrides xmlns="{NAMESPACE}" version="1">'.encode()
    tail = b"</overrides>"

    def form(text: str) -> bytes:
        return b"<form>" + text.replace("&", "&amp;").replace("<", "&lt;").encode() + b"</form>"

    def one(text: str) -> bytes:
        return head + form(text) + tail

    padding = "x" * 52_000  # each form within its own bound, all of them over the part's
    many = head + b"".join(form(json.dumps(dict(record, project=padding))) for _ in range(6)) \
        + form(json.dumps(record, ensure_ascii=False)) + tail
    return {
        "not json": one("{这不是 JSON"),
        "a list": one("[1, 2, 3]"),
        "deep": one("[" * 25_000 + "]" * 25_000),
        "wrong types": one(json.dumps(dict(record, year="2022", rows="all"))),
        "bool position": one(json.dumps(dict(record, rows=[dict(r, pos=True) for r in record["rows"]]))),
        "numbers": one(json.dumps(dict(record, rows=[dict(r, score=4) for r in record["rows"]]))),
        "huge numbers": one(re.sub(r'"pos": \d+', '"pos": ' + "9" * 5000, json.dumps(
            dict(record, rows=[dict(r, score="9e999999999") for r in record["rows"]])), count=1)),
        "nan": one(json.dumps(record).replace('"total": {', '"x": NaN, "total": {')),
        "other version": head.replace(b'version="1"', b'version="99"') + form(json.dumps(record)) + tail,
        "nested": head + b"<form>" + form(json.dumps(record)) + b"</form>" + tail,
        "oversized": many,
    }


CASES = list(_garbage({"rows": [{"pos": 0}]}).keys())


@pytest.mark.parametrize("case", CASES)
def test_a_bad_record_never_stops_the_import(tmp_path, demo_ws, registry, case):
    ws = hand_made(demo_ws, registry)
    [form] = ws.forms.values()
    [path] = export_forms(ws, [form], registry, "xlsx", tmp_path, with_list=False)
    [record] = form_jsons(path)
    body = _garbage(record)[case]
    if case == "oversized":
        assert len(body) > MAX_RECORD_BYTES
    with_record(path, raw=body)
    [imported] = imported_forms([path], registry)
    # The file imports as it reads: the printed scores, every one "导入时的原值".
    assert [(n, s) for n, _, s, _ in overrides(imported.form)[0]] == \
        [(n, s) for n, _, s, _ in overrides(form)[0] if n != form.position_of(_same_as_rule(form))]
    assert all(i.score_note.reason == IMPORTED for i in imported.form.indicators if i.score is not None)
    assert imported.form.total is None


def _same_as_rule(form):
    return next(i.id for i in form.indicators if i.score_note is not None and i.score_note.reason == "按规则，但人工确认")


def test_a_record_part_with_a_dtd_is_refused_like_any_other_part(tmp_path, demo_ws, registry):
    """The import's own budgets (safety.py) read every XML part, the record included."""
    ws = hand_made(demo_ws, registry)
    [form] = ws.forms.values()
    [path] = export_forms(ws, [form], registry, "docx", tmp_path, with_list=False)
    with_record(path, raw=b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><overrides/>')
    [result] = import_files([path], registry)
    assert not result.ok and "DTD" in result.error


# -- bounded, and never in the printed layout --------------------------------------------------------
def test_an_overlong_reason_leaves_that_form_out_of_the_record(tmp_path, demo_ws, registry):
    ws = hand_made(demo_ws, registry)
    [form] = ws.forms.values()
    row = next(i for i in form.indicators if i.score_note is not None)
    ws.set_indicator(form.id, row.id, "score_note", OverrideNote("很长的理由" * 30_000, "2024-05-06T09:30:15", None))
    [path] = export_forms(ws, [form], registry, "docx", tmp_path, with_list=False)
    with zipfile.ZipFile(path) as archive:
        assert not any(NAMESPACE.encode() in archive.read(n) for n in archive.namelist())
    [imported] = imported_forms([path], registry)  # and the file is not refused for a long text
    assert imported.form.total is None


def test_the_record_is_bounded_and_reads_back():
    note = OverrideNote("理由" * 2000, "2024-05-06T09:30:15", Decimal("4.25"))
    records = [FormRecord(f"项目{n}", 2024, FormKind.SELF_EVALUATION,
                          tuple(RowScore(k, f"指标{k}", KeptScore(Decimal("3.5"), note)) for k in range(5)),
                          None, KeptScore(Decimal("88"), None)) for n in range(200)]
    data, count = record_xml(records)
    assert len(data) <= MAX_RECORD_BYTES and 0 < count < len(records)
    assert MAX_FORM_CHARS < MAX_TEXT  # one form's text never gets a file refused on import
    assert parse_record_xml(data) == records[:count]
    assert from_json(to_json(records[0])) == records[0]


def test_the_record_is_not_printed(tmp_path, demo_ws, registry):
    ws = hand_made(demo_ws, registry)
    [form] = ws.forms.values()
    for fmt, printed in (("xlsx", "xl/worksheets/"), ("docx", "word/")):
        [path] = export_forms(ws, [form], registry, fmt, tmp_path / fmt, with_list=False)
        with zipfile.ZipFile(path) as archive:
            where = [n for n in archive.namelist() if "评审会议决定的总分".encode() in archive.read(n)]
        assert where == [record_part(path)]
        assert not where[0].startswith(printed)


def test_markup_characters_in_a_record_read_back_as_typed():
    """A reason or a name may hold < > & (e.g. “<5%”, “A&B”): the record escapes them."""
    note = OverrideNote("偏差<5% & 无>说明 ]]> &amp;", "2024-05-06T09:30:15", Decimal("4.25"))
    records = [FormRecord("项目<A&B>", 2024, FormKind.SELF_EVALUATION,
                          (RowScore(1, "指标<1>&2", KeptScore(Decimal("3.5"), note)),), None, None)]
    data, count = record_xml(records)
    assert count == 1 and b"<form>" in data and b"&lt;A&amp;B&gt;" in data
    assert parse_record_xml(data) == records
