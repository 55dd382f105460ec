"""Forms people made by hand in Excel and Word, in the official layouts, read back exactly."""

from __future__ import annotations

import copy
from decimal import Decimal

import docx
import openpyxl
import pytest

from perfdesk.domain.validation import validate_form
from perfdesk.domain.values import parse
from perfdesk.importing import import_file, import_files

from ..conftest import form_named
from .conftest import document
from .handmade import (
    Layout,
    add_to_document,
    declaration_layout,
    fill_sheet,
    list_layout,
    save_docx,
    save_xlsx,
    selfeval_layout,
)

UNIT = "上海市公积金管理中心"


def ascii_signs(text: str) -> str:
    return text.replace("≥", ">=").replace("≤", "<=")


def typed(form, signs=ascii_signs):
    """The document a person who types `>=` for `≥` means."""
    expected = copy.deepcopy(form)
    for ind in expected.indicators:
        ind.target, ind.actual = parse(signs(ind.target.raw)), parse(signs(ind.actual.raw))
    return expected


def only_form(result):
    assert result.ok, result.error
    assert len(result.forms) == 1, [f.project_name for f in result.forms]
    return result.forms[0]


def test_handmade_self_evaluation_xlsx(tmp_path, demo_ws, registry):
    source = form_named(demo_ws, "补充日常经费", 2022)
    layout = selfeval_layout(source, "补充日常经费", title=f"{UNIT}2022年度财政项目支出绩效自评表（补充日常经费）",
                             signs=ascii_signs, empty_level2={"效益指标": ["经济效益指标", "生态效益指标"]})
    # Blank spacer rows between the blocks and an empty column between A and B.
    layout = layout.with_spacers(blank_after=(1, 3, 8, 10), spacer_col=1)
    path = tmp_path / "自评.xlsx"
    save_xlsx(path, [("补充日常经费", layout)])
    imported = only_form(import_file(path, registry))
    assert imported.definition_id == "sh-selfeval-2020"
    assert document(imported.form) == document(typed(source))
    # Scores are kept as entered; the judgement score is reported as an override.
    row = next(i for i in imported.form.indicators if i.level3 == "临时工社保公积金缴纳覆盖人数")
    assert row.score == 4 and imported.overrides == 1
    assert [i.code for i in imported.issues] == [
        i.code for i in validate_form(typed(source), registry.get("sh-selfeval-2020"))]


def test_handmade_self_evaluation_in_wanyuan_picks_the_national_definition(tmp_path, demo_ws, registry):
    source = form_named(demo_ws, "补充公积金", 2022)
    layout = selfeval_layout(source, "补充公积金", unit="万元", title="项目支出绩效自评表")
    path = tmp_path / "六安.xlsx"
    save_xlsx(path, [("Sheet1", layout)])
    imported = only_form(import_file(path, registry))
    assert imported.definition_id == "national-selfeval-wanyuan"
    expected = copy.deepcopy(source)
    expected.definition_id = "national-selfeval-wanyuan"
    expected.amounts = {k: None if v is None else (v / 10000).quantize(Decimal("0.01")) for k, v in source.amounts.items()}
    assert document(imported.form) == document(expected)


def test_wanyuan_amounts_are_converted_when_the_layout_is_in_yuan(tmp_path, demo_ws, registry):
    # A Shanghai-titled form someone wrote in 万元: the unit decides the definition, so it reads
    # as the national 万元 layout and keeps its numbers; the title alone does not convert.
    source = form_named(demo_ws, "补充公积金", 2022)
    layout = selfeval_layout(source, "补充公积金", unit="万元")
    path = tmp_path / "a.xlsx"
    save_xlsx(path, [("a", layout)])
    imported = only_form(import_file(path, registry))
    assert imported.definition_id == "national-selfeval-wanyuan"
    assert imported.form.amount("total", "budget") == (source.amount("total", "budget") / 10000).quantize(Decimal("0.01"))


def test_handmade_declaration_xlsx_with_the_list_sheet(tmp_path, demo_ws, registry):
    names = ["信息化建设项目", "补充公积金"]
    sources = [form_named(demo_ws, n, 2026) for n in names]
    sheets = [("汇总表", list_layout(UNIT, 2026, names))]
    for name, source in zip(names, sources):
        sheets.append((name[:10], declaration_layout(source, name, signs=ascii_signs,
                                                     title=f"财政项目支出绩效目标申报表（{name}）")))
    path = tmp_path / "申报.xlsx"
    save_xlsx(path, sheets)
    result = import_file(path, registry)
    assert result.ok and result.unit_name == UNIT
    assert [f.project_name for f in result.forms] == names
    for imported, source in zip(result.forms, sources):
        assert imported.definition_id == "sh-declaration-2026"
        assert document(imported.form) == document(typed(source))
    assert [part.is_list for part in result.skipped] == [True]


def test_several_forms_one_after_another_in_a_document(tmp_path, demo_ws, registry):
    forms = [form_named(demo_ws, "补充日常经费", 2022), form_named(demo_ws, "专项业务费", 2022),
             form_named(demo_ws, "专项业务费", 2026)]
    layouts = [selfeval_layout(forms[0], "补充日常经费", title="财政项目支出绩效自评表（补充日常经费）"),
               selfeval_layout(forms[1], "专项业务费", signs=ascii_signs),
               declaration_layout(forms[2], "专项业务费")]
    path = tmp_path / "汇编.docx"
    save_docx(path, layouts, before=[f"{UNIT}2022年度项目支出绩效自评清单", "以下为各项目自评表。"],
              after=["填表人：张三    联系电话：12345678"])
    result = import_file(path, registry)
    assert result.ok
    assert [(f.project_name, f.year, f.kind.value) for f in result.forms] == [
        ("补充日常经费", 2022, "self-evaluation"), ("专项业务费", 2022, "self-evaluation"),
        ("专项业务费", 2026, "declaration")]
    expected = [forms[0], typed(forms[1]), forms[2]]
    for imported, source in zip(result.forms, expected):
        assert document(imported.form) == document(source)


def test_title_inside_the_table_and_spacer_rows_in_word(tmp_path, demo_ws, registry):
    source = form_named(demo_ws, "服务工作专项经费", 2022)
    layout = selfeval_layout(source, "服务工作专项经费", title_rows_as_paragraphs=False)
    layout = layout.with_spacers(blank_after=(0, 1, 3))
    path = tmp_path / "a.docx"
    save_docx(path, [layout])
    imported = only_form(import_file(path, registry))
    assert document(imported.form) == document(source)
    assert imported.overrides >= 2  # 工作服制作完成量 3 of 4 and qualitative judgement scores


def test_amounts_as_typed_numbers_percent_cells_and_dates(tmp_path, registry):
    """Excel turns a typed 100% into 1 with a percent format and 2026-01-01 into a date."""
    lay = Layout(6)
    lay.row(("财政项目支出绩效目标申报表", 6))
    lay.row(("（2026年度）", 6))
    lay.row("项目名称", "测试项目", "项目性质", "其他经常性项目", "项目类别", "其他运转类")
    lay.row("计划开始日期", "2026-01-01", "计划完成日期", ("2026-12-31", 3))
    lay.row("项目资金（元）", "项目资金总额：", "", "年度资金申请总额：", ("1,234.50", 2))
    lay.row("绩效指标", "一级指标", "二级指标", "三级指标", ("年度(/项目)指标值", 2))
    lay.row("", "产出指标", "数量指标", "完成率", ("100%", 2))
    lay.row("", "", "", "份数", ("12", 2))
    path = tmp_path / "typed.xlsx"
    save_xlsx(path, [("a", lay)])
    form = only_form(import_file(path, registry)).form
    assert form.field("start_date") == "2026-01-01" and form.field("end_date") == "2026-12-31"
    assert form.amount("total", "annual") == Decimal("1234.50")
    assert [(i.level1, i.level2, i.target.raw) for i in form.indicators] == [
        ("产出指标", "数量指标", "100%"), ("产出指标", "数量指标", "12")]


def test_a_value_a_program_wrote_as_a_formula(tmp_path, registry):
    """“=1 个” written without marking it as text is a formula with no cached value."""
    lay = Layout(4)
    lay.row(("财政项目支出绩效目标申报表", 4))
    lay.row(("(2026年度)", 4))
    lay.row("项目名称", ("甲", 3))
    lay.row("一级指标", "二级指标", "三级指标", "年度(/项目)指标值")
    lay.row("产出指标", "数量指标", "个数", "=1 个")
    lay.row("产出指标", "数量指标", "合计", "=SUM(A1:A2)")
    book = openpyxl.Workbook()
    fill_sheet(book.active, lay, typed=False)  # strings starting with = become formulas
    path = tmp_path / "f.xlsx"
    book.save(path)
    form = only_form(import_file(path, registry)).form
    assert [i.target.raw for i in form.indicators] == ["=1 个", ""]


def test_year_from_the_title_and_from_the_dates(tmp_path, registry):
    lay = Layout(4)
    lay.row(("上海市2025年度财政项目支出绩效目标申报表", 4))
    lay.row("项目名称", ("甲", 3))
    lay.row("一级指标", "二级指标", "三级指标", "年度(/项目)指标值")
    lay.row("产出指标", "数量指标", "个数", "=1(个)")
    no_year = Layout(4)
    no_year.row("项目名称", ("乙", 3))
    no_year.row("计划开始日期", "2024-03-01", "计划完成日期", "2024-12-31")
    no_year.row("一级指标", "二级指标", "三级指标", "年度(/项目)指标值")
    no_year.row("产出指标", "数量指标", "个数", "=1(个)")
    path = tmp_path / "y.xlsx"
    save_xlsx(path, [("a", lay), ("b", no_year)])
    result = import_file(path, registry)
    assert [(f.project_name, f.year) for f in result.forms] == [("甲", 2025), ("乙", 2024)]
    assert any("2024-03-01" in note for note in result.forms[1].notes)


def test_parts_that_are_not_forms_are_reported(tmp_path, demo_ws, registry):
    good = declaration_layout(form_named(demo_ws, "补充公积金", 2026), "补充公积金")
    header_only = Layout(4)
    header_only.row("项目名称", ("丙", 3))
    header_only.row("主管部门", ("某部门", 3))
    no_name = Layout(4)
    no_name.row(("财政项目支出绩效目标申报表", 4))
    no_name.row(("（2026年度）", 4))
    no_name.row("项目名称", ("", 3))
    no_name.row("一级指标", "二级指标", "三级指标", "年度(/项目)指标值")
    no_name.row("产出指标", "数量指标", "个数", "=1(个)")
    notes = Layout(2)
    notes.row("说明", "本工作簿由财务科整理")
    path = tmp_path / "mixed.xlsx"
    save_xlsx(path, [("好", good), ("只有表头", header_only), ("无名", no_name), ("说明", notes), ("空", Layout(1))])
    result = import_file(path, registry)
    assert result.ok and [f.project_name for f in result.forms] == ["补充公积金"]
    reasons = {part.where.split("」")[0].split("「")[1]: part.reason for part in result.skipped}
    assert "表头" in reasons["只有表头"]
    assert "项目名称" in reasons["无名"]
    assert "不是绩效表格" in reasons["说明"]
    assert "空" not in reasons  # an empty sheet is simply nothing


def test_import_files_keeps_order_and_reports_each(tmp_path, demo_ws, registry):
    path = tmp_path / "a.docx"
    save_docx(path, [declaration_layout(form_named(demo_ws, "补充公积金", 2026), "补充公积金")])
    empty = tmp_path / "b.docx"
    docx.Document().save(empty)
    results = import_files([path, empty], registry)
    assert [r.ok for r in results] == [True, False]
    assert "没有找到可识别的绩效表格" in results[1].error


@pytest.mark.parametrize("fmt", ["xlsx", "docx"])
def test_rows_of_a_merged_level1_without_level2_merge(tmp_path, registry, fmt):
    """A person who types 一级 once and leaves the cells below blank, not merged."""
    lay = Layout(5)
    lay.row(("财政项目支出绩效目标申报表", 5))
    lay.row(("（2026年度）", 5))
    lay.row("项目名称", ("丁", 4))
    lay.row("绩效指标", "一级指标", "二级指标", "三级指标", "年度(/项目)指标值")
    lay.row("", "产出指标", "数量指标", "a", "≥1(个)")
    lay.row("", "", "", "b", "≥2(个)")
    lay.row("", "", "质量指标", "c", "≥95(%)")
    lay.row("", "效益指标", "", "", "")
    lay.row("", "", "社会效益指标", "d", "有效")
    lay.row("", "满意度指标", "服务对象满意度指标", "e", "≥90(%)")
    path = tmp_path / f"a.{fmt}"
    if fmt == "xlsx":
        save_xlsx(path, [("a", lay)])
    else:
        document_ = docx.Document()
        add_to_document(document_, lay)
        document_.save(path)
    form = only_form(import_file(path, registry)).form
    assert [(i.level1, i.level2, i.level3) for i in form.indicators] == [
        ("产出指标", "数量指标", "a"), ("产出指标", "数量指标", "b"), ("产出指标", "质量指标", "c"),
        ("效益指标", "社会效益指标", "d"), ("满意度指标", "服务对象满意度指标", "e")]


def test_the_definition_follows_columns_and_taxonomy_when_there_is_no_title(tmp_path, registry):
    old = Layout(4)
    old.row(("（2020年度）", 4))
    old.row("项目名称", ("戊", 3))
    old.row("申报单位名称", ("某中心", 3))
    old.row("一级目标", "二级目标", "三级目标", "指标目标值")
    old.row("投入与管理", "财务管理", "资金使用合规性", "合规")
    old.row("产出目标", "数量", "完成数", "＞＝10 个")
    new = Layout(4)
    new.row(("（2026年度）", 4))
    new.row("项目名称", ("己", 3))
    new.row("项目资金（元）", ("", 3))  # amounts in 元: the Shanghai form, not the national 万元 one
    new.row("一级", "二级", "三级指标名称", "指标值（目标值）")  # a person's own wording
    new.row("成本指标", "经济成本指标", "成本控制额", "≤10(万元)")
    path = tmp_path / "t.xlsx"
    save_xlsx(path, [("a", old), ("b", new)])
    result = import_file(path, registry)
    assert [(f.project_name, f.definition_id, f.year) for f in result.forms] == [
        ("戊", "sh-target-2020", 2020), ("己", "sh-declaration-2026", 2026)]
    old_form, new_form = (f.form for f in result.forms)
    assert old_form.field("applicant") == "某中心"
    assert old_form.indicators[1].target.raw == "＞＝10 个" and old_form.indicators[1].target.sign == "≥"
    assert [(i.level1, i.level3, i.target.raw) for i in new_form.indicators] == [("成本指标", "成本控制额", "≤10(万元)")]
