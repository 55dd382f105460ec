"""Reading a whole file into a workspace: perfdesk/store/reader.py.

`read_workspace` must give the workspace that was written — same unit, projects and forms in
the same order, every indicator value equal to `parse` of its text — whatever the stored
parsed parts say (missing in older files, or disagreeing with the text).
"""

from __future__ import annotations

import sqlite3
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from perfdesk.demodata import build_workspace
from perfdesk.domain.definition import FormKind
from perfdesk.domain.model import Form, Indicator, OverrideNote, Project, Workspace
from perfdesk.domain.values import parse
from perfdesk.store import FileStore
from perfdesk.store.reader import read_workspace

from tests.domain.test_fast_paths import value_text


def same_value(a, b) -> bool:
    return a == b and str(a.number) == str(b.number)


def assert_same_workspace(got: Workspace, want: Workspace) -> None:
    assert got.unit == want.unit
    assert list(got.projects) == list(want.projects)
    assert list(got.projects.values()) == list(want.projects.values())
    assert list(got.forms) == list(want.forms)
    for form_id, form in want.forms.items():
        assert got.forms[form_id] == form, form_id
    assert [f.id for f in got.forms_of(next(iter(want.projects)))] == \
        [f.id for f in want.forms_of(next(iter(want.projects)))]


@pytest.fixture
def demo_store(tmp_path):
    ws = build_workspace()
    store = FileStore.create(tmp_path / "demo.perfdesk")
    store.write_all(ws)
    yield store, ws
    store.close()


def test_reads_back_the_demo_workspace(demo_store):
    store, ws = demo_store
    got = read_workspace(store.conn)
    assert_same_workspace(got, ws)
    assert sum(len(f.indicators) for f in got.forms.values()) == 427


def test_override_notes_are_read_back(tmp_path):
    ws = build_workspace()
    form = next(f for f in ws.forms.values() if f.kind is FormKind.SELF_EVALUATION and f.indicators)
    form.budget_score, form.budget_note = Decimal("9.5"), OverrideNote("预算调整", "2024-03-01T10:00:00",
                                                                        Decimal("8.12"))
    form.total, form.total_note = Decimal("88"), OverrideNote("", "2024-03-01T10:01:00", None)
    first = form.indicators[0]
    first.score, first.score_note = Decimal("3"), OverrideNote("现场核查", "2024-03-02T09:00:00", Decimal("4.00"))
    with FileStore.create(tmp_path / "notes.perfdesk") as store:
        store.write_all(ws)
        got = read_workspace(store.conn)
    assert_same_workspace(got, ws)
    read = got.forms[form.id]
    assert read.budget_note == form.budget_note and read.total_note == form.total_note
    assert read.indicators[0].score_note == first.score_note
    assert str(read.indicators[0].score_note.computed) == "4.00"


def test_every_demo_value_equals_parse_of_its_text(demo_store):
    store, _ = demo_store
    got = read_workspace(store.conn)
    checked = 0
    for form in got.forms.values():
        for indicator in form.indicators:
            for value in (indicator.target, indicator.actual):
                assert same_value(value, parse(value.raw)), value.raw
                checked += 1
    assert checked == 2 * 427


def test_the_same_as_a_plain_reading_of_every_row(demo_store):
    # The plain reading: every value parsed from its text, every amount from its text.
    store, _ = demo_store
    c = store.conn
    got = read_workspace(c)
    rows = c.execute("SELECT id, form_id, target, actual, weight, score FROM indicator "
                     "ORDER BY form_id, position").fetchall()
    read = {ind.id: ind for form in got.forms.values() for ind in form.indicators}
    assert len(read) == len(rows)
    for iid, _fid, target, actual, weight, score in rows:
        ind = read[iid]
        assert same_value(ind.target, parse(target)) and same_value(ind.actual, parse(actual))
        assert ind.weight == (Decimal(weight) if weight else None)
        assert str(ind.weight) == str(Decimal(weight) if weight else None)
        assert ind.score == (Decimal(score) if score else None)


def test_values_survive_missing_or_wrong_stored_parts(demo_store):
    store, ws = demo_store
    c = store.conn
    # An older writer left the parts empty; a foreign one wrote nonsense.
    c.execute("UPDATE indicator SET target_sign = NULL, target_number = NULL, target_unit = NULL")
    c.execute("UPDATE indicator SET actual_sign = '≤', actual_number = '1', actual_unit = '元' "
              "WHERE rowid % 2 = 0")
    c.execute("UPDATE indicator SET actual_sign = NULL, actual_number = NULL, actual_unit = NULL "
              "WHERE rowid % 2 = 1")
    assert_same_workspace(read_workspace(c), ws)


def test_repeated_values_are_shared_not_copied(demo_store):
    store, _ = demo_store
    got = read_workspace(store.conn)
    values = [v for f in got.forms.values() for i in f.indicators for v in (i.target, i.actual)]
    by_text = {}
    for value in values:
        by_text.setdefault(value.raw, set()).add(id(value))
    assert all(len(ids) == 1 for ids in by_text.values())
    assert len(by_text) < len(values)


def test_an_empty_file_reads_as_an_empty_workspace(tmp_path):
    with FileStore.create(tmp_path / "empty.perfdesk") as store:
        got = read_workspace(store.conn)
    assert got.forms == {} and got.projects == {} and got.unit.name == ""


def test_amounts_and_scores_that_are_not_numbers_read_as_none(demo_store):
    store, _ = demo_store
    c = store.conn
    form_id = c.execute("SELECT id FROM form ORDER BY position LIMIT 1").fetchone()[0]
    c.execute("UPDATE form SET total = 'abc', budget_score = '' WHERE id = ?", (form_id,))
    c.execute("UPDATE indicator SET weight = 'x' WHERE form_id = ?", (form_id,))
    got = read_workspace(c).forms[form_id]
    assert got.total is None and got.budget_score is None
    assert all(ind.weight is None for ind in got.indicators)


# -- generated value texts, through the file and back ----------------------------------------
@pytest.fixture(scope="module")
def one_form_store(tmp_path_factory):
    store = FileStore.create(tmp_path_factory.mktemp("reader") / "values.perfdesk")
    yield store
    store.close()


@settings(max_examples=150, derandomize=True, database=None, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(value_text(), value_text()), min_size=1, max_size=12))
def test_generated_values_read_back_equal_to_parse(one_form_store, pairs):
    ws = Workspace()
    project = Project("项目", id="p")
    ws.projects[project.id] = project
    form = Form(project_id="p", kind=FormKind.SELF_EVALUATION, year=2024, definition_id="sh-selfeval-2020",
                id="f", indicators=[Indicator(id=f"i{n}", level3=f"指标{n}", target=parse(t), actual=parse(a))
                                    for n, (t, a) in enumerate(pairs)])
    ws.forms = {form.id: form}
    one_form_store.write_all(ws)
    got = read_workspace(one_form_store.conn).forms["f"].indicators
    assert [i.id for i in got] == [f"i{n}" for n in range(len(pairs))]
    for indicator, (target, actual) in zip(got, pairs):
        assert indicator.target.raw == target and indicator.actual.raw == actual
        assert same_value(indicator.target, parse(target))
        assert same_value(indicator.actual, parse(actual))


def test_reads_through_any_connection(tmp_path):
    # A plain read-only connection to the file is enough (the store's own is not needed).
    path = tmp_path / "demo.perfdesk"
    ws = build_workspace()
    with FileStore.create(path) as store:
        store.write_all(ws)
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        assert_same_workspace(read_workspace(conn), ws)
    finally:
        conn.close()
