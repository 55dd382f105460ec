"""Importing layer: checks on a file before any parser reads it.

An import source comes from anywhere — a mail attachment, a USB stick. Before openpyxl or
python-docx sees it, `safe_open` looks at the bytes: empty, not an Office file, an old binary
.xls/.doc, a password-protected file (Office encrypts OOXML into an OLE compound file, magic
D0 CF 11 E0), a zip whose declared sizes or entry count are out of all proportion to a form
(a zip bomb), a damaged zip. Each case gives one clear Chinese message; nothing is
decompressed before the sizes are known.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
# A filled-in form is tens of kilobytes; these limits leave room for logos and long texts.
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ENTRIES = 2000
MAX_TOTAL_UNCOMPRESSED = 200 * 1024 * 1024
MAX_ENTRY_UNCOMPRESSED = 100 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed, for entries large enough to matter
RATIO_FLOOR = 1024 * 1024


class ImportProblem(Exception):
    """A source file that cannot be imported. `str(error)` is one line for the user."""


@dataclass(frozen=True)
class CheckedFile:
    path: Path
    format: str  # "xlsx" | "docx"


def safe_open(path: Path | str) -> CheckedFile:
    """The file's format if it is safe to hand to a parser, else an `ImportProblem`."""
    path = Path(path)
    name = path.name
    try:
        if not path.exists():
            raise ImportProblem(f"找不到文件：{path}")
        if not path.is_file():
            raise ImportProblem(f"{name} 不是文件。")
        size = path.stat().st_size
        if size == 0:
            raise ImportProblem(f"{name} 是空文件，没有可导入的表格。")
        if size > MAX_FILE_BYTES:
            raise ImportProblem(f"{name} 过大（{size // (1024 * 1024)} MB），不像是一份绩效表格，未导入。")
        with path.open("rb") as handle:
            head = handle.read(8)
            if head.startswith(OLE_MAGIC):
                handle.seek(0)
                body = handle.read()
    except OSError as exc:
        raise ImportProblem(f"无法读取 {name}：{exc.strerror or exc}") from exc
    if head.startswith(OLE_MAGIC):
        # An encrypted OOXML package is an OLE file with an EncryptionInfo stream; other
        # OLE files are the old binary .xls / .doc (or WPS) formats.
        if "EncryptionInfo".encode("utf-16-le") in body:
            raise ImportProblem(f"{name} 设有打开密码，无法读取。请在 Excel 或 Word 中取消密码后另存，再导入。")
        raise ImportProblem(f"{name} 是旧版 .xls/.doc 格式。请在 Excel 或 Word 中另存为 .xlsx 或 .docx 后再导入。")
    if not head.startswith(ZIP_MAGIC):
        raise ImportProblem(f"{name} 不是 Excel（.xlsx）或 Word（.docx）文件，未导入。")
    return CheckedFile(path, _check_zip(path))


def _check_zip(path: Path) -> str:
    name = path.name
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_ENTRIES:
                raise ImportProblem(f"{name} 内含 {len(entries)} 个部件，远超一份表格应有的数量，未导入。")
            total = 0
            for entry in entries:
                if entry.flag_bits & 0x1:
                    raise ImportProblem(f"{name} 设有密码，无法读取。请取消密码后另存，再导入。")
                total += entry.file_size
                ratio_suspicious = (entry.file_size > RATIO_FLOOR
                                    and entry.file_size > MAX_RATIO * max(entry.compress_size, 1))
                if entry.file_size > MAX_ENTRY_UNCOMPRESSED or ratio_suspicious:
                    raise ImportProblem(f"{name} 解压后体积异常（疑似压缩炸弹），未导入。")
            if total > MAX_TOTAL_UNCOMPRESSED:
                raise ImportProblem(f"{name} 解压后体积异常（疑似压缩炸弹），未导入。")
            names = {entry.filename for entry in entries}
    except zipfile.BadZipFile as exc:
        raise ImportProblem(f"{name} 已损坏，无法读取（不是完整的 Office 文件）。") from exc
    except (OSError, EOFError, ValueError) as exc:
        raise ImportProblem(f"{name} 已损坏，无法读取。") from exc
    if "[Content_Types].xml" not in names:
        raise ImportProblem(f"{name} 不是 Excel（.xlsx）或 Word（.docx）文件，未导入。")
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "word/document.xml" in names:
        return "docx"
    raise ImportProblem(f"{name} 是 Office 文件，但既不是 Excel 工作簿也不是 Word 文档，未导入。")
