"""Word: East Asian fonts on every run and style, merges as in the grid, repeated header rows,
rows that never split, A4 sections per form."""

from __future__ import annotations

import pytest
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Mm

from perfdesk.export import export_forms
from perfdesk.layout.forms import split_value
from perfdesk.domain.definition import SectionType
from perfdesk.formdefs import default_registry

from .conftest import filled_form

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _cell_text(tc) -> str:
    return "".join(t.text or "" for t in tc.iter(qn("w:t")))


def test_every_run_names_its_east_asian_font(daily_files):
    files, _, _ = daily_files
    doc = Document(str(files["docx"]))
    runs = list(doc.element.body.iter(qn("w:r")))
    assert runs
    fonts = {}
    for run in runs:
        rfonts = run.find(qn("w:rPr") + "/" + qn("w:rFonts"))
        assert rfonts is not None
        fonts[_cell_text(run)] = rfonts.get(qn("w:eastAsia"))
        assert rfonts.get(qn("w:ascii")) == rfonts.get(qn("w:eastAsia"))
    assert fonts["财政项目支出绩效自评表"] == "黑体"
    assert fonts["补充日常经费"] == "宋体" and fonts["=7 人"] == "宋体"
    assert set(fonts.values()) == {"黑体", "宋体"}
    normal = doc.styles["Normal"].element.rPr.rFonts
    assert normal.get(qn("w:eastAsia")) == "宋体" and normal.get(qn("w:eastAsiaTheme")) is None
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault") + "/" + qn("w:rPr") + "/" + qn("w:rFonts"))
    assert defaults.get(qn("w:eastAsia")) == "宋体"


def test_tables_merges_and_header(daily_files):
    files, _, form = daily_files
    doc = Document(str(files["docx"]))
    tables = doc.element.body.findall(qn("w:tbl"))
    assert len(tables) == 2  # split above the indicator header, so Word can repeat it
    top, indicators = tables
    first_rows = indicators.findall(qn("w:tr"))
    assert first_rows[0].find(qn("w:trPr") + "/" + qn("w:tblHeader")) is not None
    assert all(tr.find(qn("w:trPr") + "/" + qn("w:tblHeader")) is None for tr in first_rows[1:])
    assert all(tr.find(qn("w:trPr") + "/" + qn("w:cantSplit")) is not None
               for table in tables for tr in table.findall(qn("w:tr")))
    # the paragraph joining the two tables is hidden
    between = tables[0].getnext()
    assert between.tag == qn("w:p") and between.find(".//" + qn("w:vanish")) is not None
    # 项目名称 value spans B:I
    name_row = top.findall(qn("w:tr"))[0]
    cells = name_row.findall(qn("w:tc"))
    assert [_cell_text(tc) for tc in cells] == ["项目名称", "补充日常经费"]
    assert cells[1].find(qn("w:tcPr") + "/" + qn("w:gridSpan")).get(qn("w:val")) == "8"
    # 产出指标: restart + 7 continuation cells in column B
    starts = conts = 0
    for tr in first_rows[1:]:
        column = 0
        for tc in tr.findall(qn("w:tc")):
            span = tc.find(qn("w:tcPr") + "/" + qn("w:gridSpan"))
            if column == 1:
                merge = tc.find(qn("w:tcPr") + "/" + qn("w:vMerge"))
                if merge is not None and merge.get(qn("w:val")) == "restart" and _cell_text(tc) == "产出指标":
                    starts += 1
                elif merge is not None and merge.get(qn("w:val")) is None and starts == 1 and conts < 7:
                    conts += 1
            column += int(span.get(qn("w:val"))) if span is not None else 1
    assert (starts, conts) == (1, 7)
    total = first_rows[-1].findall(qn("w:tc"))
    assert [_cell_text(tc) for tc in total] == ["总分", "100", "94.81", ""]
    grid = indicators.find(qn("w:tblGrid")).findall(qn("w:gridCol"))
    assert len(grid) == 9 and abs(sum(int(c.get(qn("w:w"))) for c in grid) - Mm(190).twips) < 20


def test_keep_with_next_holds_fitting_groups(daily_files):
    files, _, _ = daily_files
    doc = Document(str(files["docx"]))
    rows = doc.element.body.findall(qn("w:tbl"))[1].findall(qn("w:tr"))

    def keeps(tr):
        return all(p.find(qn("w:pPr") + "/" + qn("w:keepNext")) is not None for p in tr.iter(qn("w:p")))

    texts = ["".join(_cell_text(tc) for tc in tr.findall(qn("w:tc"))) for tr in rows]
    first_of_satisfaction = next(i for i, t in enumerate(texts) if "满意度指标" in t)
    assert keeps(rows[first_of_satisfaction])  # keeps with its second row
    assert not keeps(rows[first_of_satisfaction - 1])  # a group's last row lets the page break


def test_page_setup(daily_files):
    files, _, _ = daily_files
    section = Document(str(files["docx"])).sections[0]
    assert section.orientation == WD_ORIENT.PORTRAIT
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert round(section.left_margin.mm) == 10 and round(section.top_margin.mm) == 15


def test_bundle_is_one_section_per_form_after_the_list(year_bundles):
    files, _, forms = year_bundles
    doc = Document(str(files["docx"]))
    assert len(doc.sections) == len(forms) + 1
    first = doc.element.body.find(qn("w:p"))
    assert "".join(t.text for t in first.iter(qn("w:t"))) == "上海市公积金管理中心2022年度项目支出绩效自评清单"
    titles = [p for p in doc.paragraphs if p.text == "财政项目支出绩效自评表"]
    assert len(titles) == len(forms)
    list_table = doc.element.body.find(qn("w:tbl"))
    rows = list_table.findall(qn("w:tr"))
    assert rows[0].find(qn("w:trPr") + "/" + qn("w:tblHeader")) is not None  # 序号 | 项目名称 | 备注 repeats
    assert [_cell_text(tc) for tc in rows[0].findall(qn("w:tc"))] == ["序号", "项目名称", "备注"]


@pytest.mark.parametrize("definition_id", default_registry().ids())
def test_every_definition_writes_a_document(definition_id, tmp_path):
    definition = default_registry().get(definition_id)
    ws, form = filled_form(definition)
    path = export_forms(ws, [form], default_registry(), "docx", tmp_path, with_list=False)[0]
    doc = Document(str(path))
    text = " ".join(_cell_text(tc) for tc in doc.element.body.iter(qn("w:tc")))
    assert doc.paragraphs[0].text == definition.title
    split = definition.section(SectionType.INDICATORS).split_of("target")
    for indicator in form.indicators:
        shown = split_value(indicator.target) if split else (indicator.target.raw,)
        assert indicator.level3 in text and all(part in text for part in shown)


def test_number_columns_hold_the_widest_amount_and_rate_on_one_line(daily_files):
    """999,999,999.99 and 100.00% at 9 pt 宋体 (digits half an em) fit their columns inside
    the cell margins, so Word never wraps an amount ("1,905,200.0" over "0")."""
    files, _, _ = daily_files
    doc = Document(str(files["docx"]))
    top = doc.element.body.findall(qn("w:tbl"))[0]
    grid = [int(c.get(qn("w:w"))) for c in top.find(qn("w:tblGrid")).findall(qn("w:gridCol"))]
    margin = int(top.find(qn("w:tblPr") + "/" + qn("w:tblCellMar") + "/" + qn("w:left")).get(qn("w:w")))
    half_em = 9 / 2 * 20  # twips of one digit at 9 pt
    inner = [w - 2 * margin for w in grid]
    assert inner[4] >= 14 * half_em and inner[5] >= 14 * half_em  # 全年预算数, 全年执行数 (E, F)
    assert inner[7] >= 7 * half_em  # 执行率 (H)
    assert abs(sum(grid) - Mm(190).twips) < 20  # still the printable width


def test_total_row_is_one_merged_label(daily_files):
    files, _, _ = daily_files
    doc = Document(str(files["docx"]))
    rows = doc.element.body.findall(qn("w:tbl"))[1].findall(qn("w:tr"))
    first = rows[-1].findall(qn("w:tc"))[0]
    props = first.find(qn("w:tcPr"))
    assert _cell_text(first) == "总分"
    assert props.find(qn("w:gridSpan")).get(qn("w:val")) == "6"  # A:F as one cell
    assert props.find(qn("w:vMerge")) is None  # not the tail of the 绩效指标 merge above
