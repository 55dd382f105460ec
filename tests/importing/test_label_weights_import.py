"""Importing forms that print each weight in the 三级 name (`weights = "label"`): 验收合格率（10分）
and its usual spellings are read as the name and the weight; such a sheet is recognised as the
label-weights layout rather than the same layout with a 权重 column; and it round-trips."""

from __future__ import annotations

from decimal import Decimal

import openpyxl
import pytest

from perfdesk.domain.model import Workspace
from perfdesk.domain.scoring import score_form
from perfdesk.domain.validation import validate_form
from perfdesk.export import export_forms
from perfdesk.importing import apply_import, import_file, import_files

from .conftest import document
from .handmade import Layout, save_docx

LABEL_ID = "national-declaration-2021-label-weights"
COLUMN_ID = "national-declaration-2021"
D = Decimal
# (一级, 二级, 三级 as a person typed it, 指标性质, 指标值, 度量单位) → name, weight
ROWS = [("成本指标", "经济成本指标", "单位运维成本（10分）", "≤", "12.5", "万元"),
        ("产出指标", "数量指标", "运维系统数量(30分)", "≥", "12", "个"),
        ("产出指标", "时效指标", "故障响应时间（20 分）", "≤", "2", "小时"),
        ("效益指标", "社会效益指标", "系统可用率（分值：30）", "≥", "99.9", "%"),
        ("满意度指标", "服务对象满意度指标", "用户满意度（10分）", "定性", "较高", "")]
EXPECTED = [("单位运维成本", D(10)), ("运维系统数量", D(30)), ("故障响应时间", D(20)), ("系统可用率", D(30)),
            ("用户满意度", D(10))]
HEADINGS = ["绩效指标", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位"]


def handmade_xlsx(path, *, names=None, weight_column: bool = False) -> None:
    """A province's sheet as a person keeps it in Excel: title and year line merged across,
    header fields, 项目资金 in 万元, then the indicator table — 一级 / 二级 merged down — with no
    权重 column (unless `weight_column`) and the weights in the 三级 names."""
    headings = HEADINGS + (["权重"] if weight_column else [])
    width = len(headings)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "2021"

    def line(*cells):
        sheet.append(list(cells) + [None] * (width - len(cells)))
        return sheet.max_row

    def across(text):
        r = line(text)
        sheet.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)

    across("项目支出绩效目标申报表")
    across("（2021年度）")
    r = line("项目名称", "政务外网运维")
    sheet.merge_cells(start_row=r, start_column=2, end_row=r, end_column=width)
    line("主管部门", "某市财政局", None, None, "实施单位", "某市信息中心")
    line("项目属性", "延续项目", None, None, "项目期限", "2021-2023")
    first = line("项目资金（万元）", "年度资金总额", None, None, 120)
    line(None, "其中：财政拨款", None, None, 100)
    line(None, "其他资金", None, None, 20)
    sheet.merge_cells(start_row=first, start_column=1, end_row=first + 2, end_column=1)
    r = line("年度绩效目标", "保障政务外网全年稳定运行。")
    sheet.merge_cells(start_row=r, start_column=2, end_row=r, end_column=width)
    header = line(*headings)
    names = names or [row[2] for row in ROWS]
    previous = None
    for (level1, level2, _, nature, value, unit), name, (_, weight) in zip(ROWS, names, EXPECTED):
        number = float(value) if value.replace(".", "").isdigit() else value
        cells = ["", level1 if level1 != previous else None, level2, name, nature, number, unit]
        r = line(*cells, *([int(weight)] if weight_column else []))
        if level1 == previous:  # 产出指标 merged down its two rows
            sheet.merge_cells(start_row=r - 1, start_column=2, end_row=r, end_column=2)
        previous = level1
    sheet.merge_cells(start_row=header, start_column=1, end_row=sheet.max_row, end_column=1)
    book.save(path)


def _only_form(result):
    assert result.ok and len(result.forms) == 1, (result.error, [s.reason for s in result.skipped])
    return result.forms[0]


@pytest.mark.parametrize("order", [1, -1])
def test_a_handmade_sheet_with_weights_in_the_names_imports(tmp_path, registry, order):
    path = tmp_path / "handmade.xlsx"
    handmade_xlsx(path)
    found = _only_form(import_file(path, list(registry)[::order]))  # whatever order the definitions come in
    assert found.definition_id == LABEL_ID, found.chosen
    assert "三级指标名称中写有分值 5 项" in found.chosen
    form = found.form
    assert [(i.level3, i.weight) for i in form.indicators] == EXPECTED
    assert [i.target.raw for i in form.indicators][:2] == ["≤12.5万元", "≥12个"]
    assert form.amount("total", "annual") == D(120)
    # the weights are the form's weights: they total 100, so the 权重 check is satisfied
    assert not [i for i in found.issues if i.code == "E17"]


def test_the_same_sheet_with_a_weight_column_is_the_column_layout(tmp_path, registry):
    path = tmp_path / "column.xlsx"
    handmade_xlsx(path, names=[name for name, _ in EXPECTED], weight_column=True)
    found = _only_form(import_file(path, registry))
    assert found.definition_id == COLUMN_ID, found.chosen
    assert [(i.level3, i.weight) for i in found.form.indicators] == EXPECTED


def test_a_sheet_without_weights_anywhere_prefers_the_layout_without_the_column(tmp_path, registry):
    path = tmp_path / "none.xlsx"
    handmade_xlsx(path, names=[name for name, _ in EXPECTED])
    found = _only_form(import_file(path, registry))
    assert found.definition_id == LABEL_ID, found.chosen
    assert [(i.level3, i.weight) for i in found.form.indicators] == [(name, None) for name, _ in EXPECTED]


def test_only_a_label_weights_layout_splits_the_name(tmp_path, registry):
    """Told to read the sheet as the column layout, the names are kept as written: a weight is
    taken out of a name only where the chosen definition says it is printed there."""
    path = tmp_path / "handmade.xlsx"
    handmade_xlsx(path)
    found = _only_form(import_file(path, [registry.get(COLUMN_ID)]))
    assert [(i.level3, i.weight) for i in found.form.indicators] == [(row[2], None) for row in ROWS]


@pytest.mark.parametrize("fmt", ["xlsx", "docx"])
def test_the_handmade_sheet_round_trips(tmp_path, registry, fmt):
    path = tmp_path / "handmade.xlsx"
    handmade_xlsx(path)
    ws = Workspace()
    apply_import(ws, import_files([path], registry))
    [form] = ws.forms.values()
    assert form.definition_id == LABEL_ID
    [exported] = export_forms(ws, [form], registry, fmt, tmp_path / "out", with_list=False)
    again = _only_form(import_file(exported, registry))
    assert again.definition_id == LABEL_ID, again.chosen
    assert document(again.form) == document(form)
    assert [(i.level3, i.weight) for i in again.form.indicators] == EXPECTED
    assert [i.extra for i in again.form.indicators] == [i.extra for i in form.indicators]
    codes = sorted(i.code for i in validate_form(again.form, registry.get(LABEL_ID)))
    assert codes == sorted(i.code for i in validate_form(form, registry.get(LABEL_ID)))


def test_a_word_table_with_weights_in_the_names(tmp_path, registry):
    out = Layout(7, title_rows=2)
    out.row(("项目支出绩效目标申报表", 7))
    out.row(("（2021年度）", 7))
    out.row("项目名称", ("政务外网运维", 6))
    out.row("主管部门", ("某市财政局", 3), "实施单位", ("某市信息中心", 2))
    out.row("项目资金（万元）", ("年度资金总额", 3), ("120.00", 3))
    out.row("年度绩效目标", ("保障政务外网全年稳定运行。", 6))
    out.row(*HEADINGS)
    top = len(out.rows)
    for level1, level2, name, nature, value, unit in ROWS:
        out.row("", level1, level2, name, nature, value, unit)
    out.vmerge(top - 1, 0, len(out.rows) - 1)
    path = tmp_path / "w.docx"
    save_docx(path, [out])
    found = _only_form(import_file(path, registry))
    assert found.definition_id == LABEL_ID, found.chosen
    assert [(i.level3, i.weight) for i in found.form.indicators] == EXPECTED


@pytest.mark.parametrize("fmt", ["xlsx", "docx"])
def test_a_self_evaluation_with_weights_in_the_names_round_trips(tmp_path, fmt):
    """A scored layout with the weights in the names (a user's definition): weights, entered
    scores and the 总分（100分） row come back as they were, and the layout is told apart from the
    same layout with a 分值 column although its 预算执行率 line prints a 分值 heading."""
    from perfdesk.domain.definition import FormKind
    from perfdesk.domain.model import Form, Indicator, Project
    from perfdesk.domain.values import parse
    from perfdesk.formdefs import FORMS_DIR, Registry

    from tests.formdefs.test_label_weights import selfeval_label_text

    (tmp_path / "defs").mkdir()
    (tmp_path / "defs" / "selfeval-label.toml").write_text(selfeval_label_text(), encoding="utf-8")
    registry = Registry.from_dirs([FORMS_DIR, tmp_path / "defs"])
    ws = Workspace()
    project = ws.add_project(Project("政务外网运维"))
    form = ws.add_form(Form(project_id=project.id, kind=FormKind.SELF_EVALUATION, year=2024,
                            definition_id="selfeval-label-weights", fields={"project_name": "政务外网运维"}))
    for position, ((level1, level2, _, nature, value, unit), (name, weight)) in enumerate(zip(ROWS, EXPECTED)):
        target = value if nature == "定性" else f"{nature}{value}{unit}"
        ws.insert_indicator(form.id, position, Indicator(level1=level1, level2=level2, level3=name,
                                                         target=parse(target), actual=parse(target),
                                                         weight=weight * D("0.9")))
    ws.set_indicator(form.id, form.indicators[4].id, "score", D("6.5"))  # a person's judgement
    ws.set_amount(form.id, "total.budget", D(100))
    ws.set_amount(form.id, "total.executed", D(95))
    [exported] = export_forms(ws, [form], registry, fmt, tmp_path / "out", with_list=False)
    again = _only_form(import_file(exported, registry))
    assert again.definition_id == "selfeval-label-weights", again.chosen
    assert [(i.level3, i.weight, i.score) for i in again.form.indicators] == \
        [(i.level3, i.weight, i.score) for i in form.indicators]
    assert {k: v for k, v in again.form.amounts.items() if v is not None} == \
        {k: v for k, v in form.amounts.items() if v is not None}
    definition = registry.get("selfeval-label-weights")
    assert score_form(again.form, definition).total == score_form(form, definition).total
    assert score_form(again.form, definition).weight_total == 100
