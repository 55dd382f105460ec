"""The national 2021+ 项目支出绩效目标申报表: the target stored once and printed and read as
指标性质 │ 指标值 │ 度量单位, 权重 totalling 100 (E17), amounts in 万元."""

from __future__ import annotations

from decimal import Decimal

import pytest

from perfdesk.domain.definition import SectionType
from perfdesk.domain.model import Form, Indicator, Project, Unit, Workspace
from perfdesk.domain.validation import validate_form
from perfdesk.domain.values import parse
from perfdesk.importing import import_file
from perfdesk.layout import build_grid
from perfdesk.layout.forms import split_value

from .handmade import Layout, save_docx, save_xlsx

ROWS = [("成本指标", "经济成本指标", "单位运维成本", ("≤", "12.5", "万元"), "10"),
        ("产出指标", "数量指标", "运维系统数量", (">=", "12", "个"), "30"),
        ("产出指标", "时效指标", "故障响应时间", ("＜＝", "2", "小时"), "20"),
        ("效益指标", "社会效益指标", "系统可用率", ("≧", "99.9", "%"), "30"),
        ("满意度指标", "服务对象满意度指标", "用户满意度", ("定性", "较高", ""), "10")]


def _layout(messy: bool) -> Layout:
    out = Layout(8, title_rows=2)
    out.row(("项目支出绩效目标申报表", 8))
    out.row(("（2021年度）", 8))
    out.row("项目名称", ("政务外网运维", 7))
    out.row("主管部门", ("某市财政局", 3), "实施单位", ("某市信息中心", 3))
    out.row("项目属性", ("延续项目", 3), "项目期限", ("2021-2023", 3))
    out.row("项目资金（万元）", ("年度资金总额", 3), ("120.00", 4))
    out.row("", ("其中：财政拨款", 3), ("100.00", 4))
    out.row("", ("其他资金", 3), ("20.00", 4))
    out.vmerge(5, 0, 7)
    out.row("年度绩效目标", ("保障政务外网全年稳定运行。", 7))
    out.row("绩效指标", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "权重")
    top = len(out.rows)
    for level1, level2, level3, (nature, value, unit), weight in ROWS:
        out.row("", level1, level2, level3, nature, value, unit, weight)
    out.vmerge(top - 1, 0, len(out.rows) - 1)
    if messy:
        return out.with_spacers(blank_after=(4, 9), spacer_col=4)
    return out


@pytest.mark.parametrize("messy", [False, True])
@pytest.mark.parametrize("fmt", ["xlsx", "docx"])
def test_split_target_columns_are_read_as_one_value(fmt, messy, tmp_path, registry):
    path = tmp_path / f"n.{fmt}"
    (save_xlsx(path, [("2021", _layout(messy))]) if fmt == "xlsx" else save_docx(path, [_layout(messy)]))
    result = import_file(path, registry)
    assert len(result.forms) == 1, [s.reason for s in result.skipped]
    found = result.forms[0]
    assert found.definition_id == "national-declaration-2021", found.chosen
    form = found.form
    assert form.year == 2021 and form.field("period") == "2021-2023" and form.field("nature") == "延续项目"
    assert form.amount("total", "annual") == Decimal("120.00") and form.amount("other", "annual") == Decimal("20.00")
    got = [(i.level1, i.level3, i.target.sign, i.target.number, i.target.unit, i.weight) for i in form.indicators]
    assert got == [("成本指标", "单位运维成本", "≤", Decimal("12.5"), "万元", Decimal(10)),
                   ("产出指标", "运维系统数量", "≥", Decimal(12), "个", Decimal(30)),
                   ("产出指标", "故障响应时间", "≤", Decimal(2), "小时", Decimal(20)),
                   ("效益指标", "系统可用率", "≥", Decimal("99.9"), "%", Decimal(30)),
                   ("满意度指标", "用户满意度", None, None, "", Decimal(10))]
    assert form.indicators[-1].target.raw == "较高" and not form.indicators[-1].target.is_quantitative
    assert not [i for i in validate_form(form, found.definition) if i.code == "E17"]


def test_print_splits_the_target_into_three_columns(registry):
    definition = registry.get("national-declaration-2021")
    ws = Workspace(Unit("某市信息中心"))
    project = ws.add_project(Project("政务外网运维"))
    form = ws.add_form(Form(project_id=project.id, kind=definition.kind, year=2021, definition_id=definition.id))
    ws.insert_indicator(form.id, 0, Indicator(level1="产出指标", level2="数量指标", level3="运维系统数量",
                                              target=parse("≥12(个)"), weight=Decimal(100),
                                              extra={"explanation": "纳入运维的系统个数", "criteria": "每少1个扣2分"}))
    ws.insert_indicator(form.id, 1, Indicator(level1="满意度指标", level2="服务对象满意度指标", level3="满意度",
                                              target=parse("较高"), weight=Decimal(0)))
    grid = build_grid(definition, ws, form)
    texts = [c.text for c in grid.cells]
    for label in ("指标性质", "指标值", "度量单位", "权重", "指标解释", "评(扣)分标准"):
        assert label in texts
    row = next(c.row for c in grid.cells if c.text == "运维系统数量")
    assert [c.text for c in sorted((c for c in grid.cells if c.row == row), key=lambda c: c.col)][-6:] == \
        ["≥", "12", "个", "100", "纳入运维的系统个数", "每少1个扣2分"]
    assert split_value(parse("=1 次")) == ("＝", "1", "次") and split_value(parse("较高")) == ("定性", "较高", "")


def test_weights_must_total_100(registry):
    definition = registry.get("national-declaration-2021")
    assert definition.section(SectionType.INDICATORS).split_of("target") == ("指标性质", "指标值", "度量单位")
    ws = Workspace()
    project = ws.add_project(Project("p"))
    form = ws.add_form(Form(project_id=project.id, kind=definition.kind, year=2021, definition_id=definition.id))
    ws.insert_indicator(form.id, 0, Indicator(level1="产出指标", level2="数量指标", level3="a", target=parse("≥1个"),
                                              weight=Decimal(60)))
    ws.insert_indicator(form.id, 1, Indicator(level1="效益指标", level2="社会效益指标", level3="b",
                                              target=parse("≥1个"), weight=Decimal(30)))
    e17 = [i for i in validate_form(ws.forms[form.id], definition) if i.code == "E17"]
    assert len(e17) == 1 and "权重合计为 90" in e17[0].message
    ws.forms[form.id].indicators[1].weight = Decimal(40)
    assert not [i for i in validate_form(ws.forms[form.id], definition) if i.code == "E17"]
    ws.forms[form.id].indicators[1].weight = None
    e17 = [i for i in validate_form(ws.forms[form.id], definition) if i.code == "E17"]
    assert len(e17) == 1 and "“b”没有权重" in e17[0].message
