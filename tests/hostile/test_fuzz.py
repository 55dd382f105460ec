"""Fuzzing with Hypothesis (a bounded number of examples, so the suite stays fast): no exception
escapes the importer on mutated .xlsx / .docx files, and none escapes opening, checking and
scoring a .perfdesk file whose rows were rewritten with arbitrary values — a file is either
refused with a StoreError or fully usable."""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfdesk.cli import check_report, score_payload, write_demo
from perfdesk.export import export_forms
from perfdesk.formdefs import default_registry
from perfdesk.importing import import_file
from perfdesk.importing.importer import plan_import
from perfdesk.domain.model import Workspace
from perfdesk.store import FileStore, StoreError

from . import corpus

SETTINGS = dict(max_examples=int(os.environ.get("PERFDESK_FUZZ_EXAMPLES", "40")), deadline=None,
                derandomize=not os.environ.get("PERFDESK_FUZZ_EXAMPLES"),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def office_files(tmp_path_factory):
    """One real form exported as .xlsx and as .docx: the bytes every mutation starts from."""
    folder = tmp_path_factory.mktemp("fuzz-sources")
    demo = write_demo(folder / "demo.perfdesk")
    registry = default_registry()
    with FileStore.open(demo, read_only=True) as store:
        ws = store.workspace
        form = next(f for f in ws.forms.values() if ws.project_name(f) == "补充日常经费" and f.year == 2022)
        files = {}
        for fmt in ("xlsx", "docx"):
            [path] = export_forms(ws, [form], registry, fmt, folder / fmt, with_list=False)
            files[fmt] = path.read_bytes()
    return files


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _zip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


# Snippets a hostile or broken file might carry, spliced into the XML.
SNIPPETS = st.sampled_from([
    b'<mergeCell ref="A1:XFD1048576"/>', b'<mergeCell ref="B2:A1"/>', b'<mergeCell ref="ZZZ"/>',
    b'<w:gridSpan w:val="1000000000"/>', b'<w:gridSpan w:val="-3"/>', b'<w:gridBefore w:val="x"/>',
    b'<w:vMerge/>', b'<w:vMerge w:val="restart"/>', b"<w:tc><w:p/></w:tc>", b"<w:tr>", b"</w:tr>",
    b'<c r="A1048576" t="s"><v>99999</v></c>', b'<c r="XFD1"><v>NaN</v></c>', b'<c t="n"><v>1e999</v></c>',
    b'<c t="d"><v>not a date</v></c>', b'<row r="-1"/>', b"<!DOCTYPE x>", b"&amp;", b"&#0;", b"\x00", b"\xff\xfe",
    b"<t>\xe4\xb8</t>", "<t>≥１００％</t>".encode(), b"<t>" + b"9" * 400 + b"</t>",
])


@st.composite
def mutated(draw, data: bytes):
    parts = _parts(data)
    xml_names = sorted(name for name in parts if name.endswith(".xml"))
    for _ in range(draw(st.integers(1, 4))):
        name = draw(st.sampled_from(xml_names))
        body = parts[name]
        at = draw(st.integers(0, len(body)))
        action = draw(st.sampled_from(["splice", "delete", "flip", "random"]))
        if action == "splice":
            body = body[:at] + draw(SNIPPETS) + body[at:]
        elif action == "delete":
            body = body[:at] + body[at + draw(st.integers(1, 200)):]
        elif action == "flip" and body:
            at = min(at, len(body) - 1)
            body = body[:at] + bytes([body[at] ^ draw(st.integers(1, 255))]) + body[at + 1:]
        else:
            body = body[:at] + draw(st.binary(max_size=64)) + body[at:]
        parts[name] = body
    if draw(st.booleans()):
        return _zip(parts)
    raw = bytearray(_zip(parts))  # damage the container itself
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(raw) - 1))
        raw[at] ^= draw(st.integers(1, 255))
    return bytes(raw)


@pytest.mark.parametrize("fmt", ["xlsx", "docx"])
def test_the_importer_never_raises_on_mutated_files(office_files, tmp_path_factory, fmt):
    folder = tmp_path_factory.mktemp(f"fuzz-{fmt}")
    registry = list(default_registry())

    @settings(**SETTINGS)
    @given(data=mutated(office_files[fmt]))
    def run(data):
        path = folder / f"变异.{fmt}"
        path.write_bytes(data)
        result = import_file(path, registry)  # must not raise
        assert result.ok or (result.error and "\n" not in result.error)
        plan_import(Workspace(), [result]).summary()  # nor may describing it

    run()


# -- .perfdesk rows ---------------------------------------------------------------------------------
VALUES = st.one_of(
    st.none(), st.integers(min_value=-2**63, max_value=2**63 - 1), st.floats(allow_nan=False),
    st.binary(max_size=8),
    st.sampled_from(["", "NaN", "sNaN", "-Infinity", "1E+999999", "0E-999999", "9" * 60, "1_000", " 7 ", "-0",
                     "≥95%", "=100%", "及时", "achieved", "declaration", "self-evaluation", "sh-selfeval-2020",
                     "{\"v\":1}", "{" * 50, "\x00", "\u202e", "２０２２", "2022"]),
    st.text(max_size=20),
)
COLUMNS = {
    "project": ["id", "name", "position"],
    "form": ["project_id", "kind", "year", "definition", "budget_score", "total", "position", "budget_reason",
             "budget_at", "budget_computed", "total_reason", "total_at", "total_computed"],
    "form_field": ["key", "value"],
    "form_amount": ["key", "value"],
    "indicator": ["form_id", "position", "level1", "level2", "level3", "target", "target_sign", "target_number",
                  "actual", "actual_number", "weight", "score", "grade", "reason", "adjusted", "provenance",
                  "score_reason", "score_at", "score_computed"],
    "unit": ["name", "department"],
}


def test_opening_checking_and_scoring_never_raise_on_rewritten_rows(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz-perfdesk")
    base = folder / "base.perfdesk"
    base.write_bytes(corpus.base_perfdesk())
    registry = default_registry()

    @settings(**SETTINGS)
    @given(changes=st.lists(st.tuples(st.sampled_from(sorted(COLUMNS)), st.integers(0, 40), VALUES,
                                      st.integers(0, 30)), min_size=1, max_size=4))
    def run(changes):
        path = folder / "变异.perfdesk"
        shutil.copy(base, path)
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA ignore_check_constraints = ON")
        for table, column_pick, value, row_pick in changes:
            columns = COLUMNS[table]
            column = columns[column_pick % len(columns)]
            rowids = [r[0] for r in conn.execute(f"SELECT rowid FROM {table} ORDER BY rowid")]
            if not rowids:
                continue
            try:
                conn.execute(f'UPDATE {table} SET "{column}" = ? WHERE rowid = ?',
                             (value, rowids[row_pick % len(rowids)]))
            except (sqlite3.IntegrityError, OverflowError):
                pass  # a NOT NULL or a key SQLite itself keeps
        conn.close()
        before = path.read_bytes()
        for read_only in (True, False):
            try:
                store = FileStore.open(path, read_only=read_only)
            except StoreError as exc:
                assert "\n" not in str(exc) and str(exc).strip()
                continue
            try:
                check_report(store.workspace, registry)
                score_payload(store.workspace, registry)
            finally:
                store.close()
        assert path.read_bytes() == before

    run()
