"""Planning an import against a document, applying it in one step, and taking it back."""

from __future__ import annotations

import copy

import pytest

from perfdesk.domain.definition import FormKind
from perfdesk.domain.model import Workspace
from perfdesk.domain.rollforward import PlanConflict
from perfdesk.importing import apply_import, import_files, plan_import, revert_import
from perfdesk.store import FileStore

from ..conftest import form_named
from ..domain.test_rollforward import snapshot
from .conftest import document
from .handmade import declaration_layout, list_layout, save_docx, save_xlsx, selfeval_layout

UNIT = "上海市公积金管理中心"


@pytest.fixture
def bundle(tmp_path, demo_ws):
    """Two hand-made files: 2022 self-evaluations and 2026 declarations, with their lists."""
    selfevals = [form_named(demo_ws, n, 2022) for n in ("补充日常经费", "补充公积金")]
    declarations = [form_named(demo_ws, n, 2026) for n in ("补充日常经费", "信息化建设项目")]
    a = tmp_path / "自评.xlsx"
    save_xlsx(a, [("清单", list_layout(UNIT, 2022, ["补充日常经费", "补充公积金"], "self-evaluation"))]
              + [(demo_ws.project_name(f), selfeval_layout(f, demo_ws.project_name(f))) for f in selfevals])
    b = tmp_path / "申报.docx"
    save_docx(b, [declaration_layout(f, demo_ws.project_name(f)) for f in declarations])
    return [a, b], selfevals + declarations


def test_into_an_empty_document(demo_ws, registry, bundle):
    paths, sources = bundle
    ws = Workspace()
    plan = plan_import(ws, import_files(paths, registry))
    assert snapshot(ws) == snapshot(Workspace())  # planning changes nothing
    assert len(plan.to_create) == 4 and "新建项目 3 个" in plan.summary()
    applied = apply_import(ws, plan)
    assert len(applied.form_ids) == 4 and len(applied.project_ids) == 3
    assert (ws.unit.name, ws.unit.department) == (UNIT, "上海市住房和城乡建设管理委员会")
    # One project per name: its 2022 self-evaluation and 2026 declaration are linked.
    project = ws.project_by_name("补充日常经费")
    assert [(f.year, f.kind) for f in ws.forms_of(project.id)] == [
        (2022, FormKind.SELF_EVALUATION), (2026, FormKind.DECLARATION)]
    by_key = {(ws.project_name(f), f.year): f for f in ws.forms.values()}
    for source in sources:
        assert document(by_key[(demo_ws.project_name(source), source.year)]) == document(source)
    revert_import(ws, applied)
    assert snapshot(ws) == snapshot(Workspace())


def test_into_a_document_that_has_them_links_years_and_skips_duplicates(demo_ws, registry, bundle, tmp_path):
    paths, _ = bundle
    plan = plan_import(demo_ws, import_files(paths, registry))
    assert plan.to_create == [] and plan.summary().count("未导入") == 4
    # A 2023 form of a known project joins that project.
    form_2023 = copy.deepcopy(form_named(demo_ws, "补充公积金", 2022))
    form_2023.year = 2023
    path = tmp_path / "2023.xlsx"
    save_xlsx(path, [("a", selfeval_layout(form_2023, "补充公积金")), ("b", selfeval_layout(form_2023, "补充公积金"))])
    before = snapshot(demo_ws)
    plan = plan_import(demo_ws, import_files([path], registry))
    assert len(plan.to_create) == 1 and "本次导入中重复" in plan.summary()
    assert plan.unit is None  # the document already names its unit
    applied = apply_import(demo_ws, plan)
    new = demo_ws.forms[applied.form_ids[0]]
    assert new.project_id == demo_ws.project_by_name("补充公积金").id and applied.project_ids == ()
    revert_import(demo_ws, applied)
    assert snapshot(demo_ws) == before


def test_a_stale_plan_is_refused(demo_ws, registry, bundle):
    paths, _ = bundle
    ws = Workspace()
    plan = plan_import(ws, import_files(paths, registry))
    apply_import(ws, plan)
    before = snapshot(ws)
    with pytest.raises(PlanConflict):
        apply_import(ws, plan)
    assert snapshot(ws) == before


def test_apply_writes_through_the_file(tmp_path, registry, bundle):
    paths, _ = bundle
    path = tmp_path / "a.perfdesk"
    with FileStore.create(path) as store:
        applied = apply_import(store.workspace, plan_import(store.workspace, import_files(paths, registry)))
        expected = snapshot(store.workspace)
    with FileStore.open(path) as store:
        assert snapshot(store.workspace) == expected
        revert_import(store.workspace, applied)
    with FileStore.open(path, read_only=True) as store:
        assert store.workspace.forms == {} and store.workspace.projects == {}
        assert store.workspace.unit.name == ""


def test_apply_takes_results_directly_and_counts_are_there(registry, bundle):
    paths, _ = bundle
    results = import_files(paths, registry)
    counts = results[0].forms[0].counts
    assert counts["indicators"] == 16 and counts["overrides"] == 1 and counts["errors"] >= 0
    ws = Workspace()
    applied = apply_import(ws, results)
    assert len(applied.form_ids) == 4
