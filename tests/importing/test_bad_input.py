"""Bad input gives one clear Chinese message and never an exception."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest

from perfdesk.importing import ImportProblem, import_file, safe_open
from perfdesk.importing import safety

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _valid_xlsx(path):
    book = openpyxl.Workbook()
    book.active["A1"] = "项目名称"
    book.save(path)
    return path


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _cases(tmp_path):
    cases = {}
    cases["empty"] = (tmp_path / "empty.xlsx", b"", "空文件")
    good = _valid_xlsx(tmp_path / "good.xlsx").read_bytes()
    cases["truncated"] = (tmp_path / "damaged.xlsx", good[: len(good) // 2], "损坏")
    cases["text"] = (tmp_path / "notes.docx", "这不是表格".encode("utf-8"), "不是 Excel")
    encrypted = OLE + b"\x00" * 500 + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 100
    cases["encrypted"] = (tmp_path / "locked.xlsx", encrypted, "密码")
    cases["old"] = (tmp_path / "old.xls", OLE + b"\x00" * 600, "旧版")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    cases["zip"] = (tmp_path / "other.xlsx", buffer.getvalue(), "不是 Excel")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("ppt/presentation.xml", "<p/>")
    cases["pptx"] = (tmp_path / "slides.xlsx", buffer.getvalue(), "既不是")
    # A workbook whose parts are not XML: the zip is fine, openpyxl fails inside.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "garbage")
        archive.writestr("xl/workbook.xml", "garbage")
    cases["garbage"] = (tmp_path / "garbage.xlsx", buffer.getvalue(), "损坏")
    for path, data, _ in cases.values():
        path.write_bytes(data)
    return cases


@pytest.mark.parametrize("case", ["empty", "truncated", "text", "encrypted", "old", "zip", "pptx", "garbage"])
def test_each_bad_file_gets_a_clear_message(tmp_path, registry, case):
    path, _, words = _cases(tmp_path)[case]
    result = import_file(path, registry)
    assert not result.ok and result.forms == []
    assert words in result.error and path.name in result.error and _chinese(result.error)
    assert "\n" not in result.error and "Traceback" not in result.error


def test_missing_file(tmp_path, registry):
    result = import_file(tmp_path / "nope.xlsx", registry)
    assert "找不到文件" in result.error


def test_a_docx_without_any_form(tmp_path, registry):
    path = tmp_path / "letter.docx"
    document = docx.Document()
    document.add_paragraph("关于报送2023年度绩效自评材料的函")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "联系人"
    document.save(path)
    result = import_file(path, registry)
    assert not result.ok and "没有找到可识别的绩效表格" in result.error


def test_zip_bomb_is_refused_before_decompressing(tmp_path, monkeypatch):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<w/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (3 * 1024 * 1024))
    with pytest.raises(ImportProblem, match="压缩炸弹"):
        safe_open(path)  # 3 MB of zeros compress ~1000:1, far above any real sheet
    monkeypatch.setattr(safety, "MAX_TOTAL_UNCOMPRESSED", 1024)
    monkeypatch.setattr(safety, "RATIO_FLOOR", 10**12)
    with pytest.raises(ImportProblem, match="压缩炸弹"):
        safe_open(path)


def test_too_many_entries_and_too_large_files(tmp_path, monkeypatch):
    path = tmp_path / "many.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<w/>")
        for n in range(20):
            archive.writestr(f"xl/media/{n}.bin", "x")
    monkeypatch.setattr(safety, "MAX_ENTRIES", 10)
    with pytest.raises(ImportProblem, match="部件"):
        safe_open(path)
    monkeypatch.setattr(safety, "MAX_FILE_BYTES", 100)
    with pytest.raises(ImportProblem, match="过大"):
        safe_open(path)


def test_a_good_file_passes(tmp_path):
    assert safe_open(_valid_xlsx(tmp_path / "good.xlsx")).format == "xlsx"
    path = tmp_path / "good.docx"
    docx.Document().save(path)
    assert safe_open(path).format == "docx"


# -- budgets checked on the raw bytes, before openpyxl or python-docx expand anything ------------

from tests.hostile import corpus  # noqa: E402


def _write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _sheet_file(tmp_path, body, after=""):
    return _write(tmp_path, "s.xlsx", corpus._replaced(corpus.base_xlsx(), {corpus.SHEET: corpus._sheet(body, after)}))


def _document_file(tmp_path, body, doctype=""):
    return _write(tmp_path, "d.docx", corpus._replaced(corpus.base_docx(),
                                                      {corpus.DOCUMENT: corpus._document(body, doctype)}))


CELL = '<row r="1"><c r="A1" t="inlineStr"><is><t>项目名称</t></is></c></row>'


@pytest.mark.parametrize("refs,limit,words", [
    (["A1:XFD1048576"], None, "合并单元格覆盖的区域过大"),
    (["XFD1048576:A1"], None, "合并单元格覆盖的区域过大"),
    ([f"A{r}:C{r}" for r in range(1, 40)], ("MAX_SHEET_AREA", 100), "合并单元格覆盖的区域过大"),
    ([f"A{r}:B{r}" for r in range(1, 40)], ("MAX_MERGES", 30), "合并单元格区域"),
    (["A1:nonsense"], None, "合并单元格区域“A1:nonsense”无效"),
])
def test_merges_are_budgeted_before_openpyxl_expands_them(tmp_path, monkeypatch, refs, limit, words):
    if limit:
        monkeypatch.setattr(safety, *limit)
    with pytest.raises(ImportProblem, match=words):
        safe_open(_sheet_file(tmp_path, CELL, corpus._merges(*refs)))


def test_a_merge_within_budget_passes(tmp_path):
    assert safe_open(_sheet_file(tmp_path, CELL, corpus._merges("A1:J3", "A5:A40"))).format == "xlsx"


def test_hyperlink_ranges_count_like_merges(tmp_path):
    link = '<hyperlinks><hyperlink ref="A1:Z100000" display="x"/></hyperlinks>'
    with pytest.raises(ImportProblem, match="超链接覆盖的区域过大"):
        safe_open(_sheet_file(tmp_path, CELL, link))


def test_cells_per_sheet_and_in_all(tmp_path, monkeypatch):
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(1, 60))
    monkeypatch.setattr(safety, "MAX_SHEET_CELLS", 50)
    with pytest.raises(ImportProblem, match="超过 50 个单元格"):
        safe_open(_sheet_file(tmp_path, rows))
    monkeypatch.setattr(safety, "MAX_SHEET_CELLS", 100)
    monkeypatch.setattr(safety, "MAX_CELLS", 40)
    with pytest.raises(ImportProblem, match="共含超过 40 个单元格"):
        safe_open(_sheet_file(tmp_path, rows))


def test_long_text_deep_nesting_and_many_elements(tmp_path, monkeypatch):
    monkeypatch.setattr(safety, "MAX_TEXT", 1000)
    text = '<row r="1"><c r="A1" t="inlineStr"><is><t>' + "长" * 1001 + "</t></is></c></row>"
    with pytest.raises(ImportProblem, match="超过 1,000 个字符"):
        safe_open(_sheet_file(tmp_path, text))
    monkeypatch.setattr(safety, "MAX_DEPTH", 20)
    with pytest.raises(ImportProblem, match="嵌套过深"):
        safe_open(_sheet_file(tmp_path, '<row r="1">' + "<x>" * 30 + "</x>" * 30 + "</row>"))
    monkeypatch.setattr(safety, "MAX_ELEMENTS", 30)
    with pytest.raises(ImportProblem, match="元素过多"):
        safe_open(_sheet_file(tmp_path, "<row/>" * 40))


@pytest.mark.parametrize("doctype", [
    '<!DOCTYPE w:document [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;">]>',
    '<!DOCTYPE w:document [<!ENTITY secret SYSTEM "file:///etc/passwd">]>',
    '<!DOCTYPE w:document SYSTEM "http://example.invalid/x.dtd">',
], ids=["expansion", "external-entity", "external-dtd"])
def test_any_dtd_is_refused(tmp_path, doctype):
    with pytest.raises(ImportProblem, match="DTD"):
        safe_open(_document_file(tmp_path, "<w:p/>", doctype))


@pytest.mark.parametrize("props,words", [
    ('<w:gridSpan w:val="1000000000"/>', "跨列数为 1000000000"),
    ('<w:gridSpan w:val="' + "9" * 5000 + '"/>', "跨列数"),
    ('<w:gridSpan w:val="65"/>', "上限 64"),
])
def test_word_spans_are_budgeted(tmp_path, props, words):
    row = "<w:tr>" + corpus._cell("项目名称", props) + "</w:tr>"
    with pytest.raises(ImportProblem, match=words):
        safe_open(_document_file(tmp_path, corpus._table(row)))


def test_word_rows_tables_and_nesting(tmp_path, monkeypatch):
    row = "<w:tr>" + corpus._cell("x") + "</w:tr>"
    monkeypatch.setattr(safety, "MAX_TABLE_ROWS", 10)
    with pytest.raises(ImportProblem, match="超过 10 行"):
        safe_open(_document_file(tmp_path, corpus._table(row * 11)))
    monkeypatch.setattr(safety, "MAX_TABLES", 5)
    with pytest.raises(ImportProblem, match="超过 5 个表格"):
        safe_open(_document_file(tmp_path, corpus._table(row) * 6))
    monkeypatch.setattr(safety, "MAX_TABLE_NESTING", 3)
    nested = "<w:p/>"
    for _ in range(4):
        nested = "<w:tbl><w:tr><w:tc>" + nested + "</w:tc></w:tr></w:tbl>"
    with pytest.raises(ImportProblem, match="嵌套过深"):
        safe_open(_document_file(tmp_path, nested))


def test_zip_headers_office_never_writes(tmp_path):
    with pytest.raises(ImportProblem, match="版本（8.5）"):
        safe_open(_write(tmp_path, "v.xlsx", corpus._version_85()))
    with pytest.raises(ImportProblem, match="压缩方式（编号 99）"):
        safe_open(_write(tmp_path, "m.xlsx", corpus._method(99)))
    with pytest.raises(ImportProblem, match="压缩方式（编号 12）"):
        safe_open(_write(tmp_path, "b.xlsx", corpus._bzip2_bomb()))
    with pytest.raises(ImportProblem, match="重复出现"):
        safe_open(_write(tmp_path, "d.xlsx", corpus._duplicate_entry()))
    with pytest.raises(ImportProblem, match="UTF-8"):
        safe_open(_write(tmp_path, "n.xlsx", corpus._utf8_flag_with_bad_name()))


def test_file_names_in_any_encoding(tmp_path, registry):
    import os

    raw = os.path.join(os.fsencode(tmp_path), b"\xff\xfe\xb1\xed-\xe8\xa1\xa8.xlsx")
    with open(raw, "wb") as handle:
        handle.write(b"not a zip")
    path = Path(os.fsdecode(raw))
    result = import_file(path, registry)
    assert not result.ok and "\ufffd" in result.error and "表.xlsx" in result.error
    result.error.encode("utf-8")  # printable: no lone surrogates left
    control = tmp_path / "表\n格\x1b.xlsx"
    control.write_bytes(b"")
    message = import_file(control, registry).error
    assert "\n" not in message and "\x1b" not in message and "表?格?.xlsx" in message


def test_a_form_sheet_with_a_far_away_formatted_cell_stays_small(tmp_path, registry):
    """One styled cell at the last row and column used to make the reader walk 5000 × 64
    cells; only the cells a sheet holds are visited now."""
    from openpyxl.styles import Font

    from perfdesk.importing.grid import read_xlsx

    book = openpyxl.Workbook()
    sheet = book.active
    sheet["A1"] = "项目名称"
    sheet["B2"] = "x"
    sheet["XFD1048576"].font = Font(bold=True)
    path = tmp_path / "far.xlsx"
    book.save(path)
    (block,) = read_xlsx(path)
    assert len(block.rows) == 2 and [c.text for c in block.rows[1].filled()] == ["x"]
