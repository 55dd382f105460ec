"""The print grid of each layout: title lines, merges, fixed 二级 rows, spans, numbers."""

from decimal import Decimal

import pytest

from perfdesk.domain.definition import SectionType
from perfdesk.domain.model import Form, Indicator, Project, Unit, Workspace
from perfdesk.domain.values import parse
from perfdesk.layout.settings import settings_of
from perfdesk.layout import CellKind, build_grid, build_list_grid
from tests.conftest import form_named


def _texts(grid, row):
    return [c.text for c in sorted((c for c in grid.cells if c.row == row), key=lambda c: c.col)]


def _cell(grid, text):
    found = [c for c in grid.cells if c.text == text]
    assert found, text
    return found[0]


def _spans(cell):
    return (cell.row, cell.col, cell.rowspan, cell.colspan)


@pytest.fixture
def daily(demo_ws, registry):
    form = form_named(demo_ws, "补充日常经费", 2022)
    return build_grid(registry.get(form.definition_id), demo_ws, form)


def test_self_evaluation_matches_the_published_table(daily):
    grid = daily
    assert grid.n_cols == 9 and grid.orientation == "portrait" and grid.paper == "A4"
    assert abs(sum(grid.widths) - grid.printable_width) < 1e-6
    assert _texts(grid, 0) == ["财政项目支出绩效自评表"] and _texts(grid, 1) == ["（2022年度）"]
    assert _spans(_cell(grid, "财政项目支出绩效自评表")) == (0, 0, 1, 9)
    assert _texts(grid, 2) == ["项目名称", "补充日常经费"]
    assert _spans(_cell(grid, "补充日常经费")) == (2, 1, 1, 8)
    assert _texts(grid, 3) == ["主管部门", "上海市住房和城乡建设管理委员会", "实施单位", "上海市公积金管理中心"]
    assert [(c.col, c.colspan) for c in sorted((c for c in grid.cells if c.row == 3), key=lambda c: c.col)] == \
        [(0, 1), (1, 3), (4, 1), (5, 4)]
    # 项目资金 block: A merged down 5 rows, row labels B:C, 分值/执行率/得分 in G/H/I.
    assert _spans(_cell(grid, "项目资金（元）")) == (4, 0, 5, 1)
    assert _texts(grid, 4) == ["项目资金（元）", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"]
    assert _texts(grid, 5) == ["年度资金总额", "863,200.00", "1,905,200.00", "1,297,747.17", "10", "68.12%", "6.81"]
    assert _texts(grid, 6)[0] == "其中：当年财政拨款" and _texts(grid, 6)[4] == "—"
    assert _spans(_cell(grid, "年度资金总额")) == (5, 1, 1, 2)
    # 年度总体目标: A merged down 2 rows, 预期目标 B:D, 实际完成情况 E:I.
    assert _spans(_cell(grid, "年度总体目标")) == (9, 0, 2, 1)
    assert _spans(_cell(grid, "预期目标")) == (9, 1, 1, 3) and _spans(_cell(grid, "实际完成情况")) == (9, 4, 1, 5)
    # 绩效指标: header row, then 16 indicators; 一级 and 二级 merged vertically.
    assert _texts(grid, 11) == ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值",
                                "分值", "得分", "偏差原因分析及改进措施"]
    assert _spans(_cell(grid, "绩效指标")) == (11, 0, 17, 1)
    assert _spans(_cell(grid, "产出指标")) == (12, 1, 8, 1)
    assert _spans(_cell(grid, "数量指标")) == (12, 2, 4, 1)
    assert _spans(_cell(grid, "效益指标")) == (20, 1, 6, 1)
    assert _spans(_cell(grid, "满意度指标")) == (26, 1, 2, 1)
    assert _texts(grid, 13)[:5] == ["临时工社保公积金缴纳覆盖人数", "=7 人", "6.17", "6", "4"]
    # 总分: label A:F | 100 | total | blank.
    assert _texts(grid, 28) == ["总分", "100", "94.81", ""]
    assert _spans(_cell(grid, "总分")) == (28, 0, 1, 6)
    assert grid.repeat_rows == (11, 11)


def test_numbers_carry_their_values_and_formats(daily):
    amount = _cell(daily, "1,297,747.17")
    assert amount.kind is CellKind.AMOUNT and amount.value == Decimal("1297747.17")
    assert amount.number_format == "#,##0.00" and amount.style.halign == "right"
    rate = _cell(daily, "68.12%")
    assert rate.kind is CellKind.PERCENT and rate.number_format == "0.00%"
    assert abs(rate.value - Decimal("0.6812")) < Decimal("0.0001")
    total = _cell(daily, "94.81")
    assert total.kind is CellKind.NUMBER and total.value == Decimal("94.81") and total.number_format == "0.00"
    weight = [c for c in daily.cells if c.row == 12 and c.col == 6][0]
    assert weight.value == 4 and weight.number_format == "0"
    target = _cell(daily, "=7 人")
    assert target.kind is CellKind.TEXT and target.value is None


def test_fonts_come_from_the_definition(daily):
    assert _cell(daily, "财政项目支出绩效自评表").style.font == "黑体"
    assert _cell(daily, "财政项目支出绩效自评表").style.size == 16
    assert not _cell(daily, "财政项目支出绩效自评表").style.border
    assert {c.style.font for c in daily.cells if c.row >= 2} == {"宋体"}
    assert {c.style.size for c in daily.cells if c.row >= 2} == {9}


def _one_indicator_form(definition_id, registry):
    definition = registry.get(definition_id)
    ws = Workspace(Unit("测试单位"))
    project = ws.add_project(Project("测试项目"))
    form = ws.add_form(Form(project_id=project.id, kind=definition.kind, year=2023, definition_id=definition_id))
    ws.insert_indicator(form.id, 0, Indicator(level1="产出指标", level2="数量指标", level3="完成数",
                                              target=parse("=1 个"), actual=parse("1 个"), weight=Decimal(90)))
    return definition, ws, form


def test_fixed_empty_level2_rows_are_data(registry):
    # Shanghai prints no empty 二级 row; the national template prints every fixed one.
    definition, ws, form = _one_indicator_form("sh-selfeval-2020", registry)
    shanghai = build_grid(definition, ws, form)
    assert [c.text for c in shanghai.cells if c.col == 2 and c.row > 11] == ["数量指标"]
    definition = registry.get("national-selfeval-wanyuan")
    ws.forms[form.id].definition_id = definition.id
    national = build_grid(definition, ws, form)
    level2 = [c.text for c in national.cells if c.col == 2 and c.row > 11 and c.text]
    assert level2 == ["数量指标", "质量指标", "时效指标", "成本指标", "经济效益指标", "社会效益指标",
                      "生态效益指标", "可持续影响指标", "服务对象满意度指标"]
    assert _spans(_cell(national, "效益指标"))[2] == 4  # four empty rows under one merged 一级
    assert _cell(national, "项目资金（万元）")
    assert _cell(national, "项目支出绩效自评表")


def test_declaration_layout(demo_ws, registry):
    form = form_named(demo_ws, "信息化建设项目", 2026)
    grid = build_grid(registry.get(form.definition_id), demo_ws, form)
    assert grid.n_cols == 7
    assert _texts(grid, 0) == ["财政项目支出绩效目标申报表"] and _texts(grid, 1) == ["（2026年度）"]
    assert _texts(grid, 2) == ["项目名称", "信息化建设项目", "项目性质", "其他一次性项目", "项目类别", "特定目标类"]
    assert [(c.col, c.colspan) for c in sorted((c for c in grid.cells if c.row == 2), key=lambda c: c.col)] == \
        [(0, 1), (1, 2), (3, 1), (4, 1), (5, 1), (6, 1)]
    assert _texts(grid, 4) == ["计划开始日期", "2026-01-01", "计划完成日期", "2026-12-31"]
    assert _spans(_cell(grid, "项目资金（元）")) == (5, 0, 4, 1)
    assert _texts(grid, 5) == ["项目资金（元）", "项目资金总额", "", "年度资金申请总额", "8,734,121.00"]
    assert _texts(grid, 7) == ["", "", "上年结转资金", "0.00"]  # the whole-project half has no 结转 row
    assert _spans(_cell(grid, "项目绩效目标")) == (9, 0, 2, 1)
    assert _spans(_cell(grid, "年度(/项目)指标值")) == (11, 6, 1, 1)
    assert _spans(_cell(grid, "三级指标")) == (11, 3, 1, 3)
    assert _spans(_cell(grid, "成本指标"))[1:] == (1, 1, 1)
    assert _cell(grid, "≤873.41(万元)").kind is CellKind.TEXT
    assert not [c for c in grid.cells if c.text == "总分"]


def test_old_2020_target_table_layout(registry):
    definition = registry.get("sh-target-2020")
    ws = Workspace(Unit("测试单位"))
    project = ws.add_project(Project("旧项目"))
    form = ws.add_form(Form(project_id=project.id, kind=definition.kind, year=2020, definition_id=definition.id))
    ws.set_field(form.id, "overview", "项目概况的文字")
    ws.set_amount(form.id, "prior.last_executed", Decimal("1000"))
    ws.insert_indicator(form.id, 0, Indicator(level1="产出目标", level2="数量", level3="完成数", target=parse("=1 个")))
    grid = build_grid(definition, ws, form)
    assert _texts(grid, 0) == ["财政项目支出绩效目标表"]
    labels = {c.text for c in grid.cells}
    assert not {"主管部门", "实施单位"} & labels  # the published 2020 form has neither row
    assert {"申报单位名称", "项目类别", "计划开始日期", "计划完成日期", "是否含有政府购买服务", "绩效类型", "项目概况", "立项依据", "项目设立的必要性",
            "保证项目实施的制度、措施", "项目实施计划", "总目标及阶段性目标", "项目总预算(元):", "项目当年预算(元):",
            "同名项目上年预算额(元):", "同名项目上年预算执行数(元):", "一级目标", "二级目标", "三级目标",
            "指标目标值"} <= labels
    # As published: a caption line over "label(元): │ amount" pairs, two to a line; a caption
    # "2020年绩效目标" over a four-column table starting in the first column.
    caption = _cell(grid, "本项目上年度市级财政资金使用情况")
    assert _spans(caption)[2:] == (1, 6)
    assert _spans(_cell(grid, "项目总预算(元):"))[:2] == (caption.row + 1, 0)
    assert _spans(_cell(grid, "同名项目上年预算执行数(元):"))[:2] == (caption.row + 2, 3)
    assert _cell(grid, "1,000.00").kind is CellKind.AMOUNT
    assert _spans(_cell(grid, "2020年绩效目标"))[2:] == (1, 6)
    assert _spans(_cell(grid, "一级目标"))[1] == 0 and _spans(_cell(grid, "指标目标值"))[1:] == (4, 1, 2)
    assert _spans(_cell(grid, "项目概况的文字"))[2:] == (1, 5)


@pytest.mark.parametrize("definition_id", ["sh-selfeval-2020", "national-selfeval-wanyuan", "sh-declaration-2026",
                                           "sh-target-2020"])
def test_every_definition_fills_its_grid_without_gaps(definition_id, registry):
    definition = registry.get(definition_id)
    ws = Workspace(Unit("测试单位"))
    project = ws.add_project(Project("空白"))
    form = ws.add_form(Form(project_id=project.id, kind=definition.kind, year=2026, definition_id=definition_id))
    grid = build_grid(definition, ws, form)
    grid.check()
    covered = grid.anchors()
    body = grid.body_start
    assert all((r, c) in covered for r in range(body, grid.n_rows) for c in range(grid.n_cols))
    caption = settings_of(definition).indicator_caption.replace("{year}", "2026")
    assert (caption or definition.section(SectionType.INDICATORS).label) in {c.text for c in grid.cells}


def test_self_evaluation_list(demo_ws, registry):
    forms = [f for f in demo_ws.forms.values() if f.year == 2022]
    definition = registry.get(forms[0].definition_id)
    grid = build_list_grid(definition, demo_ws, forms, 2022)
    assert _texts(grid, 0) == ["上海市公积金管理中心2022年度项目支出绩效自评清单"]
    assert _texts(grid, 1) == ["序号", "项目名称", "备注"]
    assert _texts(grid, 2) == ["1", "补充日常经费", ""]
    assert grid.n_rows == 2 + 14 and grid.repeat_rows == (1, 1)
    scored = build_list_grid(definition, demo_ws, forms, 2022, with_scores=True)
    assert _texts(scored, 1) == ["序号", "项目名称", "总分", "等级", "备注"]
    assert _texts(scored, 2) == ["1", "补充日常经费", "94.81", "优", ""]


def test_declaration_list_sums_the_year(demo_ws, registry):
    forms = [f for f in demo_ws.forms.values() if f.year == 2026]
    grid = build_list_grid(registry.get(forms[0].definition_id), demo_ws, forms, 2026, with_scores=True)
    assert _texts(grid, 0) == ["上海市公积金管理中心2026年度项目绩效目标汇总表"]
    assert _texts(grid, 1) == ["序号", "项目名称", "项目性质", "年度资金申请总额（元）", "备注"]
    total = sum(f.amount("total", "annual") or 0 for f in forms)
    last = _texts(grid, grid.n_rows - 1)
    assert last[0] == "合计" and [c for c in grid.cells if c.row == grid.n_rows - 1 and c.col == 3][0].value == total
