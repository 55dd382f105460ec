"""Bad input gives one clear Chinese message and never an exception."""

from __future__ import annotations

import io
import zipfile

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
