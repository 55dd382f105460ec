"""Export fixtures: the demo exported once per module, and a filled form of any definition."""

from __future__ import annotations

import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from perfdesk.demodata import build_workspace
from perfdesk.domain.definition import SectionType
from perfdesk.domain.model import Form, Indicator, Project, Unit, Workspace
from perfdesk.domain.values import parse
from perfdesk.export import export_forms
from perfdesk.formdefs import default_registry
from tests.conftest import form_named


def filled_form(definition, *, indicators_per_level1: int = 1, text: str = "内容") -> tuple[Workspace, Form]:
    """A form of `definition` with every field, amount and indicator column filled."""
    ws = Workspace(Unit("测试单位", "测试主管部门"))
    project = ws.add_project(Project(f"{definition.id}项目"))
    form = ws.add_form(Form(project_id=project.id, kind=definition.kind, year=2026, definition_id=definition.id))
    for field in definition.all_fields():
        if field.key == "project_name":
            continue
        ws.set_field(form.id, field.key, field.choices[0] if field.choices else f"{field.label}{text}")
    for section in definition.sections_of(SectionType.FUNDING):
        for row, column in section.amount_cells():
            ws.set_amount(form.id, f"{row}.{column}", Decimal("1234567.50"))
    position = 0
    for level in definition.taxonomy.level1:
        for n in range(indicators_per_level1):
            ws.insert_indicator(form.id, position, Indicator(
                level1=level.name, level2=level.level2[n % len(level.level2)], level3=f"{level.name}三级{n + 1}",
                target=parse("=100%"), actual=parse("≥95(%)"),
                weight=Decimal(5) if definition.scored else None, reason="+说明" if definition.scored else ""))
            position += 1
    return ws, form


def pdf_text(path: Path, *args: str) -> str:
    """Text of a PDF in drawing order (each cell's lines stay together)."""
    return subprocess.run(["pdftotext", "-raw", *args, str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def squeeze(text: str) -> str:
    return "".join(text.split())


@pytest.fixture(scope="module")
def daily_files(tmp_path_factory):
    """补充日常经费 2022 exported alone in each format: {fmt: Path}, plus the workspace and form."""
    ws = build_workspace()
    form = form_named(ws, "补充日常经费", 2022)
    out = tmp_path_factory.mktemp("daily")
    files = {fmt: export_forms(ws, [form], default_registry(), fmt, out, with_list=False)[0]
             for fmt in ("pdf", "docx", "xlsx")}
    return files, ws, form


@pytest.fixture(scope="module")
def year_bundles(tmp_path_factory):
    """The 2022 self-evaluations as one file per format (list first): {fmt: Path}."""
    ws = build_workspace()
    forms = [f for f in ws.forms.values() if f.year == 2022]
    out = tmp_path_factory.mktemp("bundle")
    files = {fmt: export_forms(ws, forms, default_registry(), fmt, out, one_file=True)[0]
             for fmt in ("pdf", "docx", "xlsx")}
    return files, ws, forms
