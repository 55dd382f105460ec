"""Excel: merged ranges, numeric cells with formats, indicator values as text (never formulas),
fonts, and page set-up."""

from __future__ import annotations

from decimal import Decimal

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from perfdesk.export import export_forms
from perfdesk.formdefs import default_registry

from .conftest import filled_form


def _assert_no_formulas(workbook):
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)


def test_layout_values_and_formats(daily_files):
    files, _, form = daily_files
    wb = load_workbook(files["xlsx"])
    assert wb.sheetnames == ["补充日常经费"]
    ws = wb.active
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:I1", "A2:I2", "B3:I3", "B4:D4", "F4:I4", "A5:A9", "B6:C6", "A10:A11", "B10:D10", "E10:I10",
            "A12:A28", "B13:B20", "C13:C16", "B21:B26", "B27:B28", "A29:F29"} <= merged
    # one 绩效指标 block: no page break cuts the label into two merges
    assert not {"A12:A26", "A27:A28"} & merged
    assert ws["A1"].value == "财政项目支出绩效自评表" and ws["A1"].font.name == "黑体" and ws["A1"].font.size == 16
    assert ws["B3"].value == "补充日常经费" and ws["B3"].font.name == "宋体" and ws["B3"].font.size == 9
    # amounts, rate, weights and scores are numbers with number formats
    assert ws["F6"].value == pytest.approx(1297747.17) and ws["F6"].number_format == "#,##0.00"
    assert ws["D6"].value == 863200 and ws["D6"].data_type == "n"
    assert ws["H6"].value == pytest.approx(0.681161, abs=1e-6) and ws["H6"].number_format == "0.00%"
    assert ws["I6"].value == pytest.approx(6.81) and ws["I6"].number_format == "0.00"
    assert ws["G13"].value == 4 and ws["G13"].number_format == "0"
    assert ws["G29"].value == 100 and ws["H29"].value == pytest.approx(94.81)
    # indicator values stay text as typed
    assert ws["E14"].value == "=7 人" and ws["E14"].data_type == "s" and ws["E14"].quotePrefix
    assert ws["F14"].value == "6.17" and ws["F14"].data_type == "s"
    assert ws["E15"].value == "=100%" and ws["E15"].data_type == "s"
    assert ws["A12"].value == "绩效指标" and ws["A27"].value is None  # written once
    assert ws["A5"].border.left.style == "thin" and getattr(ws["A1"].border.left, "style", None) is None
    _assert_no_formulas(wb)


def test_page_setup(daily_files):
    files, _, _ = daily_files
    ws = load_workbook(files["xlsx"]).active
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4) and ws.page_setup.orientation == "portrait"
    assert ws.print_title_rows.replace("$", "") == "12:12"
    # one page wide, as many tall as it takes; a manual break where the PDF starts page 2
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert [(b.id, b.man) for b in ws.row_breaks.brk] == [(26, True)]  # rows 27- on page 2
    assert ws.page_margins.left == pytest.approx(10 / 25.4)
    widths = [ws.column_dimensions[c].width for c in "ABCDEFGHI"]
    assert widths[3] > widths[0] > widths[6]
    assert round(ws.row_dimensions[14].height) > round(ws.row_dimensions[13].height)  # a wrapped reason


def test_normal_style_is_song_not_calibri(daily_files):
    """Column widths are in characters of the Normal font: 宋体 11 holds them in WPS and
    LibreOffice on a machine without Calibri."""
    files, _, _ = daily_files
    wb = load_workbook(files["xlsx"])
    normal = next(s for s in wb._named_styles if s.name == "Normal")
    assert normal.font.name == "宋体" and normal.font.sz == 11
    assert wb._fonts[0].name == "宋体"


def test_merged_ranges_frame_every_covered_cell(daily_files):
    """Each cell a framed merge covers is written with the anchor's style (so its border):
    read from the file itself, since openpyxl's reader rebuilds merged cells on load."""
    import re
    import zipfile

    files, _, _ = daily_files
    xml = zipfile.ZipFile(files["xlsx"]).read("xl/worksheets/sheet1.xml").decode()
    style_of = dict(re.findall(r'<c r="([A-Z]+[0-9]+)"[^>]*? s="([0-9]+)"', xml))
    ws = load_workbook(files["xlsx"]).active
    checked = 0
    for rng in ws.merged_cells.ranges:
        if rng.min_row <= 2:  # the title lines have no frame
            continue
        anchor = style_of[rng.start_cell.coordinate]
        for row, col in rng.cells:
            coordinate = f"{get_column_letter(col)}{row}"
            assert style_of.get(coordinate) == anchor, (str(rng), coordinate)
            checked += 1
    assert checked > 50
    assert ws["A12"].border.left.style == "thin"


def test_every_demo_form_fits_one_page_wide_with_print_titles(tmp_path, demo_ws, registry):
    paths = export_forms(demo_ws, list(demo_ws.forms.values()), registry, "xlsx", tmp_path)
    assert len(paths) == len(demo_ws.forms) + 2  # a list per year
    for path in paths:
        for ws in load_workbook(path).worksheets:
            assert ws.sheet_properties.pageSetUpPr.fitToPage, path.name
            assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0), path.name
            assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
            assert ws.print_title_rows, path.name  # the indicator header (a list: its column header)
            labels = [c.value for row in ws.iter_rows() for c in row if c.value == "绩效指标"]
            assert len(labels) <= 1, path.name  # never a second block of the group label


def test_values_that_look_like_formulas_stay_text(tmp_path):
    definition = default_registry().get("sh-selfeval-2020")
    ws, form = filled_form(definition)
    first = form.indicators[0]
    for attr, value in (("level3", "@完成数"), ("reason", "=SUM(A1:A2)"), ("actual", "+5"), ("target", "-3 次")):
        ws.set_indicator(form.id, first.id, attr, value)
    path = export_forms(ws, [form], default_registry(), "xlsx", tmp_path, with_list=False)[0]
    book = load_workbook(path)
    values = {c.value for row in book.active.iter_rows() for c in row}
    assert {"@完成数", "=SUM(A1:A2)", "+5", "-3 次", "=100%"} <= values
    _assert_no_formulas(book)


def test_bundle_has_the_list_sheet_and_one_sheet_per_form(year_bundles):
    files, _, forms = year_bundles
    wb = load_workbook(files["xlsx"])
    assert wb.sheetnames[0] == "自评清单" and len(wb.sheetnames) == len(forms) + 1
    assert len(set(wb.sheetnames)) == len(wb.sheetnames) and all(len(n) <= 31 for n in wb.sheetnames)
    listing = wb["自评清单"]
    assert listing["A1"].value == "上海市公积金管理中心2022年度项目支出绩效自评清单"
    assert [listing.cell(row=2, column=c).value for c in (1, 2, 3)] == ["序号", "项目名称", "备注"]
    assert listing["A3"].value == 1 and listing["B3"].value == "补充日常经费"
    assert listing.print_title_rows.replace("$", "") == "2:2"
    _assert_no_formulas(wb)


@pytest.mark.parametrize("definition_id", default_registry().ids())
def test_every_definition_writes_a_workbook(definition_id, tmp_path):
    definition = default_registry().get(definition_id)
    ws, form = filled_form(definition)
    path = export_forms(ws, [form], default_registry(), "xlsx", tmp_path, with_list=False)[0]
    book = load_workbook(path)
    sheet = book.active
    values = [c.value for row in sheet.iter_rows() for c in row if c.value is not None]
    assert sheet["A1"].value == definition.title
    assert Decimal("1234567.5") in [Decimal(str(v)) for v in values if isinstance(v, (int, float))]
    assert all(ind.level3 in values for ind in form.indicators)
    _assert_no_formulas(book)


def test_control_characters_and_lone_surrogates_do_not_stop_the_export(tmp_path, demo_ws):
    """A .perfdesk file may carry texts an .xlsx cannot hold; the export drops just those
    characters instead of refusing the whole workbook."""
    from perfdesk.domain.values import parse

    registry = default_registry()
    form = next(f for f in demo_ws.forms.values() if demo_ws.project_name(f) == "补充日常经费" and f.year == 2022)
    demo_ws.projects[form.project_id].name = "补充\x01日常\ud800经费"
    form.fields["project_name"] = "补充\x01日常\ud800经费"
    form.indicators[0].level3 = "城乡\x07结对"
    form.indicators[0].target = parse("=1 个")
    [path] = export_forms(demo_ws, [form], registry, "xlsx", tmp_path, one_file=True)
    texts = [c.value for sheet in load_workbook(path).worksheets for row in sheet.iter_rows() for c in row
             if isinstance(c.value, str)]
    assert "城乡结对" in texts
    assert any(t.startswith("补充日常") and "经费" in t for t in texts)
