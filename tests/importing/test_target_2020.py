"""The 2020 财政项目支出绩效目标表 as units keep it in Excel and Word: the 申报单位名称 line
between the year line and 项目名称, labels and values in one cell ("项目名称:…") or in two, units
in the labels ("项目总预算(元):"), full-width and half-width colons, blank spacer rows and
columns. Each shape must give back every field, amount and indicator."""

from __future__ import annotations

from decimal import Decimal

import pytest

from perfdesk.importing import import_file

from .handmade import Layout, save_docx, save_xlsx

PROJECT = "互联网业务运行费"
APPLICANT = "上海市公积金管理中心"
TEXTS = {
    "overview": ("项目概况", "保障中心互联网业务系统稳定运行。"),
    "basis": ("立项依据", "《上海市住房公积金管理条例》。"),
    "necessity": ("项目设立的必要性", "互联网业务量逐年增长。"),
    "safeguards": ("保证项目实施的制度、措施", "按中心信息化项目管理办法执行。"),
    "plan": ("项目实施计划", "2020年1月至12月分季度实施。"),
    "goals": ("总目标及阶段性目标", "全年系统可用率不低于99.9%。"),
}
AMOUNTS = {"total_budget": ("项目总预算", "6,287,000"), "current_budget": ("项目当年预算", "6,287,000"),
           "last_budget": ("同名项目上年预算额", "7,120,000"),
           "last_executed": ("同名项目上年预算执行数", "7,120,000")}
ROWS = [("投入与管理", "财务管理", "资金使用合规性", "合规"),
        ("产出目标", "数量", "运维系统数量", "≥12 个"),
        ("产出目标", "时效", "故障响应时间", "≤2 小时"),
        ("效果目标", "社会效益", "系统可用率", ">=99.9%"),
        ("影响力目标", "长效管理", "运维制度健全性", "健全")]


def _layout(style: str) -> Layout:
    """style: "cells" (label │ value, full-width colons), "inline" (label:value in one cell,
    half-width colons), "messy" (inline with full-width colons and (元), plus spacers)."""
    colon = "：" if style in ("cells", "messy") else ":"
    unit = "(元)" if style != "cells" else "（元）"
    out = Layout(6, title_rows=2)
    out.row(("财政项目支出绩效目标表", 6))
    out.row(("（2020年度）", 6))

    def pair_row(*pairs):
        cells = []
        for label, value in pairs:
            if style == "cells":
                cells += [f"{label}{colon}", (value, 2)]
            else:
                cells += [(f"{label}{colon}{value}", 3)]
        out.row(*cells)

    if style == "cells":
        out.row(f"申报单位名称{colon}", (APPLICANT, 5))
    else:
        out.row((f"申报单位名称{colon}{APPLICANT}", 6))
    pair_row(("项目名称", PROJECT), ("项目类别", "其他一次性项目"))
    pair_row(("计划开始日期", "2020-01-01"), ("计划完成日期", "2020-12-31"))
    pair_row(("是否含有政府购买服务", "否"), ("绩效类型", "其他类"))
    for label, text in TEXTS.values():
        out.row(f"{label}{colon}" if style != "messy" else label, (text, 5))
    out.row(("本项目上年度市级财政资金使用情况", 6))
    items = list(AMOUNTS.values())
    for first, second in (items[:2], items[2:]):
        if style == "cells":
            out.row(f"{first[0]}{unit}{colon}", (first[1], 2), f"{second[0]}{unit}{colon}", (second[1], 2))
        else:
            out.row((f"{first[0]}{unit}{colon}{first[1]}", 3), (f"{second[0]}{unit}{colon}{second[1]}", 3))
    out.row(("2020年绩效目标", 6))
    out.row("一级目标", "二级目标", ("三级目标", 2), ("指标目标值", 2))
    top = len(out.rows)
    for level1, level2, level3, target in ROWS:
        out.row(level1, level2, (level3, 2), (target, 2))
    out.vmerge(top + 1, 0, top + 2)  # 产出目标 merged over its two rows, as people do
    if style == "messy":
        return out.with_spacers(blank_after=(2, 8, 14), spacer_col=3)
    return out


def _check(found) -> None:
    assert found.definition_id == "sh-target-2020", found.definition_id
    assert found.form.year == 2020
    form = found.form
    assert found.project_name == PROJECT
    assert form.field("applicant") == APPLICANT
    assert form.field("category") == "其他一次性项目"
    assert form.field("start_date").startswith("2020-01-01") and form.field("end_date").startswith("2020-12-31")
    assert form.field("gov_purchase") == "否" and form.field("perf_type") == "其他类"
    for field_key, (_, text) in TEXTS.items():
        assert form.field(field_key) == text, field_key
    for column, (_, text) in AMOUNTS.items():
        assert form.amount("prior", column) == Decimal(text.replace(",", "")), column
    assert [(i.level1, i.level2, i.level3) for i in form.indicators] == [r[:3] for r in ROWS]
    assert form.indicators[1].target.sign == "≥" and form.indicators[1].target.number == Decimal(12)
    assert form.indicators[3].target.sign == "≥" and form.indicators[3].target.unit == "%"


@pytest.mark.parametrize("style", ["cells", "inline", "messy"])
@pytest.mark.parametrize("fmt", ["xlsx", "docx"])
def test_every_shape_of_the_2020_form_is_read_whole(style, fmt, tmp_path, registry):
    path = tmp_path / f"2020-{style}.{fmt}"
    layout = _layout(style)
    if fmt == "xlsx":
        save_xlsx(path, [("2020", layout)])
    else:
        save_docx(path, [layout])
    result = import_file(path, registry)
    assert len(result.forms) == 1, [s.reason for s in result.skipped]
    _check(result.forms[0])


def test_a_value_written_after_an_unknown_label_stays_one_text(tmp_path, registry):
    """Only known labels are split: a target like 完成率:95% is a value, not a label."""
    layout = _layout("inline")
    layout.rows[-1][4] = "完成率:95%"  # the 指标目标值 cell
    path = tmp_path / "t.xlsx"
    save_xlsx(path, [("2020", layout)])
    form = import_file(path, registry).forms[0].form
    assert form.indicators[-1].target.raw == "完成率:95%"


@pytest.mark.parametrize("fmt", ["xlsx", "docx"])
def test_our_own_print_of_the_2020_form_reads_back_whole(fmt, tmp_path, registry):
    """Printed as published (caption lines, "label(元):" pairs, the four-column table), the
    form reads back with every field, amount and indicator."""
    from perfdesk.domain.model import Project, Unit, Workspace
    from perfdesk.export import export_forms

    source = tmp_path / "src.xlsx"
    save_xlsx(source, [("2020", _layout("cells"))])
    found = import_file(source, registry).forms[0]
    ws = Workspace(Unit(APPLICANT))
    project = ws.add_project(Project(PROJECT))
    found.form.project_id = project.id
    ws.add_form(found.form)
    (path,) = export_forms(ws, [found.form], registry, fmt, tmp_path / "out", with_list=False)
    again = import_file(path, registry)
    assert len(again.forms) == 1, [s.reason for s in again.skipped]
    _check(again.forms[0])
