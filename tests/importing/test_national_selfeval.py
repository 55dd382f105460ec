"""The national 2021+ 项目支出绩效自评表 in the split style (national-selfeval-2021): the target
printed and read as 指标性质 │ 指标值 │ 度量单位, then 实际完成值, 分值, 得分 and 偏差原因分析及
改进措施; the funding block 年初预算数 / 全年预算数 / 全年执行数 with 分值 / 执行率 / 得分; amounts in
万元. A realistic form (a county water-supply project) and a messy hand-made copy of it."""

from __future__ import annotations

import subprocess
from decimal import Decimal

import pytest

from perfdesk.domain.definition import FormKind, SectionType
from perfdesk.domain.model import Form, Indicator, Project, Workspace
from perfdesk.domain.scoring import score_form
from perfdesk.domain.validation import validate_form
from perfdesk.domain.values import parse
from perfdesk.export import export_forms
from perfdesk.importing import import_file, import_files
from perfdesk.layout import build_grid

from .conftest import document, reopened
from .handmade import Layout, save_docx, save_xlsx

DEFINITION = "national-selfeval-2021"
PROJECT = "农村供水工程维修养护"
EXPECTED = "完成全县12处千吨万人供水工程维修养护，保障2022年农村集中供水率达到90%以上。"
ACTUAL = "2022年完成12处工程维修养护，农村集中供水率达到91.5%，群众满意度较高。"
# 一级, 二级, 三级, (指标性质, 指标值, 度量单位), 实际完成值, 分值, 得分, 偏差原因
ROWS = [
    ("成本指标", "经济成本指标", "单处工程养护成本", ("≤", "25", "万元"), "24.6万元", "10", "10", ""),
    ("产出指标", "数量指标", "维修养护工程数量", ("≥", "12", "处"), "12处", "15", "15", ""),
    ("产出指标", "数量指标", "更换老旧管网长度", ("≥", "30", "公里"), "27公里", "10", "9", "部分路段征地未完成，下年度继续推进"),
    ("产出指标", "质量指标", "水质检测合格率", ("≥", "95", "%"), "97%", "10", "10", ""),
    ("产出指标", "时效指标", "维修完成时间", ("定性", "2022年11月底前", ""), "2022年11月底前完成", "5", "5", ""),
    ("效益指标", "社会效益指标", "农村集中供水率", ("≥", "90", "%"), "91.5%", "20", "20", ""),
    ("效益指标", "可持续影响指标", "工程长效运行机制", ("定性", "健全", ""), "健全", "10", "10", ""),
    ("满意度指标", "服务对象满意度指标", "受益群众满意度", ("≥", "90", "%"), "93%", "10", "10", ""),
]
FUNDING = {  # row: (年初预算数, 全年预算数, 全年执行数)
    "total": ("320.00", "350.00", "332.50"),
    "fiscal": ("300.00", "330.00", "315.00"),
    "carryover": ("20.00", "20.00", "17.50"),
    "other": ("", "", ""),
}
FUNDING_LABELS = {"total": "年度资金总额", "fiscal": "其中：当年财政拨款", "carryover": "上年结转资金",
                  "other": "其他资金"}


def realistic_form(project: Project) -> Form:
    """The form as a unit fills it in PerfDesk."""
    form = Form(project_id=project.id, kind=FormKind.SELF_EVALUATION, year=2022, definition_id=DEFINITION,
                fields={"project_name": PROJECT, "department": "某县水利局", "implementer": "某县农村供水管理站",
                        "goal_expected": EXPECTED, "goal_actual": ACTUAL})
    for row, values in FUNDING.items():
        for column, text in zip(("initial", "budget", "executed"), values):
            form.amounts[f"{row}.{column}"] = Decimal(text) if text else None
    for level1, level2, level3, (nature, value, unit), actual, weight, score, reason in ROWS:
        target = value if nature == "定性" else f"{nature}{value}{unit}"
        form.indicators.append(Indicator(level1=level1, level2=level2, level3=level3, target=parse(target),
                                         actual=parse(actual), weight=Decimal(weight), reason=reason))
    return form


def _layout(messy: bool) -> Layout:
    """As a county keeps it in Excel or Word: the published shape; messy adds blank rows and a
    blank column, half-typed signs (>=, ＜＝, ≦), full-width colons and padding in the labels."""
    sign = {"≥": ">=", "≤": "＜＝"} if messy else {}
    out = Layout(11, title_rows=2)
    out.row(("项目支出绩效自评表", 11))
    out.row(("（2022年度）", 11))
    out.row("项目名称：" if messy else "项目名称", (PROJECT, 10))
    out.row("主管部门", ("某县水利局", 4), "实施单位：" if messy else "实施单位", ("某县农村供水管理站", 5))
    top = out.row("项目资金（万元）", ("", 2), ("年初预算数", 2), ("全年预算数", 2), "全年执行数", "分值", "执行率", "得分")
    for row, (initial, budget, executed) in FUNDING.items():
        if row == "total":
            out.row("", (FUNDING_LABELS[row], 2), (initial, 2), (budget, 2), executed, "10", "95.00%", "9.50")
        else:
            out.row("", (FUNDING_LABELS[row], 2), (initial, 2), (budget, 2), executed, "—", "", "")
    out.vmerge(top, 0, top + 4)
    goal = out.row("年度总体目标", ("预期目标", 5), ("实际完成情况", 5))
    out.row("", (EXPECTED, 5), (ACTUAL, 5))
    out.vmerge(goal, 0, goal + 1)
    head = out.row("绩效指标", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "实际完成值", "分值",
                   "得分", "偏差原因分析及改进措施")
    for n, (level1, level2, level3, (nature, value, unit), actual, weight, score, reason) in enumerate(ROWS):
        if messy and nature == "≥" and n % 3 == 0:
            nature = "≧"
        out.row("", level1, level2, level3, sign.get(nature, nature), value, unit, actual, weight, score, reason)
    out.vmerge(head, 0, head + len(ROWS))
    out.row(("总分", 8), "100", "98.50", "")
    if messy:
        return out.with_spacers(blank_after=(3, 8, head), spacer_col=8)
    return out


def _workspace() -> tuple[Workspace, Form]:
    ws = Workspace()
    ws.set_unit("某县农村供水管理站", "某县水利局")
    project = ws.add_project(Project(PROJECT))
    return ws, ws.add_form(realistic_form(project))


def test_the_realistic_form_scores_as_published(registry):
    definition = registry.get(DEFINITION)
    ws, form = _workspace()
    score = score_form(form, definition)
    assert score.budget.rate_percent == Decimal("95.00") and score.budget.score == Decimal("9.50")
    rows = [score.rows[i.id].score for i in form.indicators]
    assert rows == [Decimal(s) for *_, s, _ in ROWS]
    assert score.total == Decimal("98.50") and score.grade == "优"
    assert not [i for i in validate_form(form, definition, ws) if i.is_error]


def test_print_splits_the_target_and_keeps_the_funding_block(registry):
    definition = registry.get(DEFINITION)
    ws, form = _workspace()
    grid = build_grid(definition, ws, form)
    texts = [c.text for c in grid.cells]
    for label in ("指标性质", "指标值", "度量单位", "实际完成值", "分值", "得分", "偏差原因分析及改进措施",
                  "年初预算数", "全年预算数", "全年执行数", "执行率", "项目资金（万元）"):
        assert label in texts, label
    row = next(c.row for c in grid.cells if c.text == "更换老旧管网长度")
    line = [c.text for c in sorted((c for c in grid.cells if c.row == row), key=lambda c: c.col)]
    assert line[-7:] == ["≥", "30", "公里", "27公里", "10", "9", "部分路段征地未完成，下年度继续推进"]
    assert "95.00%" in texts and "9.50" in texts and "98.50" in texts


@pytest.mark.parametrize("messy", [False, True])
@pytest.mark.parametrize("fmt", ["xlsx", "docx"])
def test_hand_made_files_are_read_whole(fmt, messy, tmp_path, registry):
    path = tmp_path / f"自评.{fmt}"
    (save_xlsx(path, [("2022", _layout(messy))]) if fmt == "xlsx" else save_docx(path, [_layout(messy)]))
    result = import_file(path, registry)
    assert len(result.forms) == 1, [s.reason for s in result.skipped]
    found = result.forms[0]
    assert found.definition_id == DEFINITION, found.chosen
    ws, original = _workspace()
    form = found.form
    assert (form.year, form.fields) == (2022, original.fields)
    assert form.amounts == {k: v for k, v in original.amounts.items() if v is not None} | {
        k: None for k, v in original.amounts.items() if v is None}
    got = [(i.level1, i.level2, i.level3, i.target.sign, i.target.number, i.target.unit, i.actual.raw, i.weight,
            i.reason) for i in form.indicators]
    assert got == [(i.level1, i.level2, i.level3, i.target.sign, i.target.number, i.target.unit, i.actual.raw,
                    i.weight, i.reason) for i in original.indicators]
    # The scores in the file are what the rules give: none is kept as a person's decision.
    assert all(i.score is None for i in form.indicators) and form.budget_score is None and form.total is None
    assert score_form(form, found.definition).total == Decimal("98.50")


def test_file_round_trip_exports_and_lossless_re_import(tmp_path, registry):
    ws, form = _workspace()
    copy, reopened_ws = reopened(ws, form.id, tmp_path / "自评.perfdesk")
    assert document(copy) == document(form)
    for fmt in ("xlsx", "docx"):
        paths = export_forms(reopened_ws, [copy], registry, fmt, tmp_path / fmt, with_list=False)
        [result] = import_files(paths, registry)
        [found] = result.forms
        assert found.definition_id == DEFINITION and document(found.form) == document(form), fmt
    [pdf] = export_forms(reopened_ws, [copy], registry, "pdf", tmp_path / "pdf", with_list=False)
    text = "".join(subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True,
                                  check=True).stdout.split())
    assert "项目支出绩效自评表" in text and "部分路段征地未完成" in text and "98.50" in text


def test_definition_shape(registry):
    definition = registry.get(DEFINITION)
    section = definition.section(SectionType.INDICATORS)
    assert section.split_of("target") == ("指标性质", "指标值", "度量单位") and section.split_of("actual") is None
    assert definition.amount_unit == "万元" and definition.taxonomy.level1_names()[0] == "成本指标"
    assert sum(level.weight for level in definition.taxonomy.level1) + definition.scoring.budget_weight == 100
