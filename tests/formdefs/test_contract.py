"""Every file in forms/ keeps the same contract: it loads, an empty document of it
validates, such a document round-trips through a .perfdesk file, and it exports in all three
formats (Word, Excel, PDF) in its official layout."""

from decimal import Decimal
from pathlib import Path

import pytest

from perfdesk.domain.definition import FormKind, SectionType
from perfdesk.domain.model import Form, Project, Workspace
from perfdesk.domain.validation import validate_form
from perfdesk.formdefs import FORMS_DIR, DefinitionError, Registry, default_registry
from perfdesk.store import FileStore

DEFINITION_IDS = default_registry().ids()


def test_all_four_layouts_are_there():
    assert set(DEFINITION_IDS) >= {"sh-declaration-2026", "sh-selfeval-2020", "national-selfeval-wanyuan",
                                   "sh-target-2020"}
    assert len(DEFINITION_IDS) == len(list(FORMS_DIR.glob("*.toml")))


def _empty_document(definition) -> tuple[Workspace, Form]:
    ws = Workspace()
    project = ws.add_project(Project("空白项目"))
    form = ws.add_form(Form(project_id=project.id, kind=definition.kind, year=2026, definition_id=definition.id))
    return ws, form


@pytest.mark.parametrize("definition_id", DEFINITION_IDS)
def test_definition_contract(definition_id, tmp_path):
    definition = default_registry().get(definition_id)
    assert definition.title and definition.sections and definition.taxonomy.level1
    assert definition.section(SectionType.INDICATORS) is not None
    assert definition.layout.get("column_widths")
    ws, form = _empty_document(definition)
    issues = validate_form(form, definition, ws)
    # An empty document validates; its only errors are the blanks it must fill in: 项目名称,
    # 主管部门 (E12), the year's goal (E13) and rows under 产出 / 效益 (E14).
    assert {i.code for i in issues if i.is_error} <= {"E12", "E13", "E14"}, issues
    assert {i.code for i in issues if i.is_error} >= {"E12", "E14"}, issues
    # Fill every field, amount and one indicator per 一级, then round-trip through the file.
    for field in definition.all_fields():
        ws.set_field(form.id, field.key, field.choices[0] if field.choices else f"{field.label}内容")
    for section in definition.sections_of(SectionType.FUNDING):
        for row, column in section.amount_cells():
            ws.set_amount(form.id, f"{row}.{column}", Decimal("1234.50"))
    from perfdesk.domain.model import Indicator
    from perfdesk.domain.values import parse

    for position, level in enumerate(definition.taxonomy.level1):
        ws.insert_indicator(form.id, position, Indicator(level1=level.name, level2=level.level2[0],
                                                         level3=f"{level.name}三级", target=parse("≥95(%)")))
    path = tmp_path / f"{definition_id}.perfdesk"
    store = FileStore.create(path)
    store.write_all(ws)
    store.close()
    with FileStore.open(path, read_only=True) as again:
        reopened = again.workspace
        copy = reopened.forms[form.id]
    assert copy.fields == form.fields and copy.amounts == form.amounts
    assert [(i.id, i.level1, i.level2, i.level3, i.target.raw) for i in copy.indicators] == \
        [(i.id, i.level1, i.level2, i.level3, i.target.raw) for i in form.indicators]
    _exports_in_every_format(definition, reopened, copy, tmp_path / "export")


def _exports_in_every_format(definition, ws, form, out):
    """The document read back from the file prints in all three formats, titled as defined."""
    import subprocess

    from docx import Document
    from openpyxl import load_workbook

    from perfdesk.export import export_forms

    registry = default_registry()
    [docx_path] = export_forms(ws, [form], registry, "docx", out, with_list=False)
    assert Document(str(docx_path)).paragraphs[0].text == definition.title
    [xlsx_path] = export_forms(ws, [form], registry, "xlsx", out, with_list=False)
    sheet = load_workbook(xlsx_path).active
    assert sheet["A1"].value == definition.title
    assert not [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    [pdf_path] = export_forms(ws, [form], registry, "pdf", out, with_list=False)
    text = subprocess.run(["pdftotext", "-raw", str(pdf_path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert definition.title in text
    assert all(i.level3 in "".join(text.split()) for i in form.indicators)
    for fmt in ("docx", "xlsx", "pdf"):  # the unit-level list of its kind prints too
        assert export_forms(ws, [form], registry, fmt, out / "list", one_file=True)


def test_variant_is_data_only():
    registry = default_registry()
    base, variant = registry.get("sh-selfeval-2020"), registry.get("national-selfeval-wanyuan")
    assert (base.title, base.amount_unit) == ("财政项目支出绩效自评表", "元")
    assert (variant.title, variant.amount_unit) == ("项目支出绩效自评表", "万元")
    assert variant.taxonomy == base.taxonomy and variant.scoring == base.scoring
    assert variant.section(SectionType.FUNDING).label == "项目资金（万元）"
    text = (FORMS_DIR / "national-selfeval-wanyuan.toml").read_text(encoding="utf-8")
    assert "extends" in text and "[[sections]]" not in text


def test_sections_differ_in_the_2020_target_table():
    registry = default_registry()
    old, new = registry.get("sh-target-2020"), registry.get("sh-declaration-2026")
    assert old.kind is FormKind.DECLARATION and old.scoring is None
    assert [lv.name for lv in old.taxonomy.level1] == ["投入与管理", "产出目标", "效果目标", "影响力目标"]
    assert [f.key for f in old.section(SectionType.TEXTS).fields] == [
        "overview", "basis", "necessity", "safeguards", "plan", "goals"]
    prior = old.section(SectionType.FUNDING)
    assert [c.label for c in prior.columns] == ["项目总预算", "项目当年预算", "同名项目上年预算额", "同名项目上年预算执行数"]
    assert [label for _, label in old.section(SectionType.INDICATORS).indicator_columns] == [
        "一级目标", "二级目标", "三级目标", "指标目标值"]
    assert {f.key for f in old.all_fields()} >= {"applicant", "gov_purchase", "perf_type"}
    assert [lv.name for lv in new.taxonomy.level1][0] == "成本指标"


def test_scoring_settings_come_from_the_file(tmp_path):
    text = (FORMS_DIR / "sh-selfeval-2020.toml").read_text(encoding="utf-8")
    (tmp_path / "base.toml").write_text(text, encoding="utf-8")
    (tmp_path / "ratio.toml").write_text(
        'extends = "sh-selfeval-2020"\nid = "ratio-variant"\n[scoring]\nreverse_rule = "ratio"\n'
        'bands = [{ key = "achieved", label = "达成", low = 0.9, high = 1.0 }]\n', encoding="utf-8")
    registry = Registry.from_dirs([tmp_path])
    variant = registry.get("ratio-variant")
    assert variant.scoring.reverse_rule == "ratio"
    assert variant.scoring.band("achieved").low == Decimal("0.9")
    assert variant.scoring.budget_weight == 10  # the rest is inherited


@pytest.mark.parametrize("content,needle", [
    ("id = 'x'\nkind = 'nonsense'\ntitle = 't'\nsections = []\n", "nonsense"),
    ("this is = not toml [", "不是有效的 TOML：第 1 行"),
    ("extends = 'missing'\nid = 'y'\n", "missing"),
])
def test_broken_definition_files_are_reported(tmp_path, content, needle):
    (tmp_path / "bad.toml").write_text(content, encoding="utf-8")
    with pytest.raises(DefinitionError) as info:
        Registry.from_dirs([tmp_path])
    assert needle in str(info.value)


def test_forms_dir_is_the_top_level_forms_folder():
    root = Path(__file__).resolve().parents[2]
    assert FORMS_DIR == root / "forms" and not (root / "perfdesk" / "forms").exists()
