"""PerfDesk's own exports read back losslessly: export → import → the same document, for every
form definition, in Word and Excel, one file per form and one file for a whole batch."""

from __future__ import annotations

from decimal import Decimal

import pytest

from perfdesk.domain.definition import FormDefinition, SectionType
from perfdesk.domain.model import Form, Indicator, Project, Workspace
from perfdesk.domain.overrides import keep_differing_scores
from perfdesk.domain.rollforward import default_weights
from perfdesk.domain.values import parse
from perfdesk.export import export_forms
from perfdesk.importing import import_files

from .conftest import document


def sample_form(definition: FormDefinition, project: Project, year: int) -> Form:
    """A form filling every printed cell of `definition`, whatever the definition says."""
    fields = {}
    for f in definition.all_fields():
        if f.key == "project_name":
            fields[f.key] = project.name
        elif f.type == "choice" and f.choices:
            fields[f.key] = f.choices[-1]
        elif f.type == "date":
            fields[f.key] = f"{year}-03-01" if "开始" in f.label else f"{year}-11-30"
        else:
            fields[f.key] = f"{f.label}：{year}年示例文字"
    amounts = {}
    for n, section in enumerate(definition.sections_of(SectionType.FUNDING)):
        for m, (row, column) in enumerate(section.amount_cells()):
            amounts[f"{row}.{column}"] = Decimal(f"{(n + 1) * 1000 + m * 37}.25")
    form = Form(project_id=project.id, kind=definition.kind, year=year, definition_id=definition.id,
                fields=fields, amounts=amounts)
    for level in definition.taxonomy.level1:
        for k, level2 in enumerate(level.level2[:2]):
            target = ["≥95.00(%)", "及时", "≤12.50(万元)"][k % 3]
            form.indicators.append(Indicator(level1=level.name, level2=level2,
                                             level3=f"{level.name[:2]}{level2[:2]}指标{k}", target=parse(target)))
    if definition.scored:
        weights, _ = default_weights(form.indicators, definition)
        for i, (indicator, weight) in enumerate(zip(form.indicators, weights)):
            indicator.weight = weight
            indicator.actual = parse(["96%", "按时完成", "13万元"][i % 3])
            indicator.score = weight if i % 3 != 2 else (weight * Decimal("0.8")).quantize(Decimal("0.01"))
            indicator.reason = "" if i % 3 != 2 else "成本略超，下年度加强控制"
        form.budget_score = Decimal("9.5")
        form.total = Decimal("95.5")
        # As a person would have it: overrides only where the rules say otherwise, the 总分
        # derived (what an import makes of the same scores, too).
        keep_differing_scores(form, definition, "人工评定", keep_total=False)
        assert any(i.score is not None for i in form.indicators)  # some overrides survive
    return form


def sample_workspace(registry) -> Workspace:
    ws = Workspace()
    ws.set_unit("上海市公积金管理中心", "上海市住房和城乡建设管理委员会")
    for n, definition in enumerate(registry):
        project = ws.add_project(Project(f"示例项目{n + 1}"))
        ws.add_form(sample_form(definition, project, 2024))
    return ws


def assert_same(ws: Workspace, results) -> int:
    originals = {(ws.project_name(f), f.year, f.kind): f for f in ws.forms.values()}
    seen = 0
    for result in results:
        assert result.ok, result.error
        for imported in result.forms:
            original = originals[(imported.project_name, imported.year, imported.kind)]
            assert document(imported.form) == document(original), imported.project_name
            seen += 1
    return seen


@pytest.mark.parametrize("fmt", ["xlsx", "docx"])
def test_every_definition_round_trips(tmp_path, registry, fmt):
    ws = sample_workspace(registry)
    assert {f.definition_id for f in ws.forms.values()} == set(registry.ids())
    paths = export_forms(ws, list(ws.forms.values()), registry, fmt, tmp_path)
    assert assert_same(ws, import_files(paths, registry)) == len(ws.forms)


@pytest.mark.parametrize("fmt", ["xlsx", "docx"])
def test_every_definition_round_trips_in_one_file(tmp_path, registry, fmt):
    ws = sample_workspace(registry)
    paths = export_forms(ws, list(ws.forms.values()), registry, fmt, tmp_path, one_file=True)
    assert len(paths) == 1
    assert assert_same(ws, import_files(paths, registry)) == len(ws.forms)


@pytest.mark.parametrize("fmt", ["xlsx", "docx"])
def test_the_published_forms_round_trip(tmp_path, demo_ws, registry, fmt):
    forms = list(demo_ws.forms.values())
    paths = export_forms(demo_ws, forms, registry, fmt, tmp_path / "each")
    assert assert_same(demo_ws, import_files(paths, registry)) == 25
    bundle = export_forms(demo_ws, forms, registry, fmt, tmp_path / "one", one_file=True)
    results = import_files(bundle, registry)
    assert assert_same(demo_ws, results) == 25
    assert results[0].unit_name == demo_ws.unit.name
