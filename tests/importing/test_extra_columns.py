"""A definition's own indicator columns (指标解释, 评(扣)分标准) are read from hand-made files by
their headings (or the other headings the definition accepts), printed in all three formats,
and read back losslessly from PerfDesk's own exports."""

from __future__ import annotations

import subprocess
from decimal import Decimal

import pytest

from perfdesk.domain.definition import SectionType
from perfdesk.domain.model import Project, Workspace
from perfdesk.export import export_forms
from perfdesk.importing import import_file, import_files

from .conftest import document
from .handmade import Layout, save_docx, save_xlsx
from .test_roundtrip import sample_form

ROWS = [("成本指标", "经济成本指标", "单位运维成本", ("≤", "12.5", "万元"), "10", "每个系统的年运维费", "超出不得分"),
        ("产出指标", "数量指标", "运维系统数量", ("≥", "12", "个"), "50", "纳入运维的系统", "每少1个扣5分"),
        ("效益指标", "社会效益指标", "系统可用率", ("≥", "99.9", "%"), "30", "", "低于目标按比例扣分"),
        ("满意度指标", "服务对象满意度指标", "用户满意度", ("定性", "较高", ""), "10", "问卷调查", "")]


def _layout(criteria_heading: str, messy: bool) -> Layout:
    out = Layout(10, title_rows=2)
    out.row(("项目支出绩效目标申报表", 10))
    out.row(("（2021年度）", 10))
    out.row("项目名称", ("政务外网运维", 9))
    out.row("主管部门", ("某市财政局", 4), "实施单位", ("某市信息中心", 4))
    out.row("项目属性", ("延续项目", 4), "项目期限", ("2021-2023", 4))
    out.row("项目资金（万元）", ("年度资金总额", 4), ("120.00", 5))
    out.row("", ("其中：财政拨款", 4), ("100.00", 5))
    out.row("", ("其他资金", 4), ("20.00", 5))
    out.vmerge(5, 0, 7)
    out.row("年度绩效目标", ("保障政务外网全年稳定运行。", 9))
    out.row("绩效指标", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "权重", "指标解释",
            criteria_heading)
    top = len(out.rows)
    for level1, level2, level3, (nature, value, unit), weight, explanation, criteria in ROWS:
        out.row("", level1, level2, level3, nature, value, unit, weight, explanation, criteria)
    out.vmerge(top - 1, 0, len(out.rows) - 1)
    return out.with_spacers(blank_after=(4, 9), spacer_col=9) if messy else out


@pytest.mark.parametrize("heading", ["评(扣)分标准", "评（扣）分标准", "评分标准"])
@pytest.mark.parametrize("messy", [False, True])
@pytest.mark.parametrize("fmt", ["xlsx", "docx"])
def test_extra_columns_are_read_from_hand_made_files(fmt, messy, heading, tmp_path, registry):
    path = tmp_path / f"n.{fmt}"
    layout = _layout(heading, messy)
    save_xlsx(path, [("2021", layout)]) if fmt == "xlsx" else save_docx(path, [layout])
    result = import_file(path, registry)
    assert len(result.forms) == 1, [s.reason for s in result.skipped]
    found = result.forms[0]
    assert found.definition_id == "national-declaration-2021", found.chosen
    got = [(i.level3, i.weight, i.extra) for i in found.form.indicators]
    assert got == [(level3, Decimal(weight), {k: v for k, v in (("explanation", e), ("criteria", c)) if v})
                   for _, _, level3, _, weight, e, c in ROWS]


def _with_extras(registry) -> tuple[Workspace, list]:
    ws = Workspace()
    ws.set_unit("某市信息中心", "某市财政局")
    forms = []
    for definition in registry:
        section = definition.section(SectionType.INDICATORS)
        if not section.extra_columns:
            continue
        project = ws.add_project(Project(f"项目{len(forms) + 1}"))
        form = sample_form(definition, project, 2024)
        for n, indicator in enumerate(form.indicators):
            for m, column in enumerate(section.extra_columns):
                if (n + m) % 3:  # some cells blank
                    indicator.extra[column.key] = f"{column.label}：第{n + 1}行说明\n含第二行" if column.type == "longtext" \
                        else f"{column.label}{n + 1}"
        forms.append(ws.add_form(form))
    return ws, forms


@pytest.mark.parametrize("fmt", ["xlsx", "docx"])
def test_extra_columns_round_trip_through_every_export(fmt, tmp_path, registry):
    ws, forms = _with_extras(registry)
    assert {f.definition_id for f in forms} >= {"national-declaration-2021"}
    paths = export_forms(ws, forms, registry, fmt, tmp_path)
    originals = {(ws.project_name(f), f.year): f for f in forms}
    seen = 0
    for result in import_files(paths, registry):
        assert result.ok, result.error
        for imported in result.forms:
            original = originals[(imported.project_name, imported.year)]
            assert document(imported.form) == document(original)
            assert [i.extra for i in imported.form.indicators] == [i.extra for i in original.indicators]
            seen += 1
    assert seen == len(forms)


def test_extra_columns_print_in_the_pdf(tmp_path, registry):
    ws, forms = _with_extras(registry)
    form = next(f for f in forms if f.definition_id == "national-declaration-2021")
    [pdf] = export_forms(ws, [form], registry, "pdf", tmp_path, with_list=False)
    text = "".join(subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True,
                                  check=True).stdout.split())
    for label in ("指标解释", "评(扣)分标准"):
        assert label in text
    shown = [v for i in form.indicators for v in i.extra.values()]
    assert shown and all("".join(v.split()) in text for v in shown if "第二行" not in v)
    assert all("".join(v.split("\n")[0].split()) in text for v in shown)
