"""Export layer: what an export can refuse or stop with. Messages are Chinese, for people."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence


class ExportError(Exception):
    """An export that cannot be done; the message says why, in Chinese."""


class ExportCancelled(ExportError):
    """The user cancelled; no file was written (finished ones included)."""

    def __init__(self):
        super().__init__("导出已取消，未写入任何文件。")


class ExportTargetsExist(ExportError):
    """Some files to write exist already and overwriting was not allowed; nothing was written."""

    def __init__(self, paths: Sequence[Path]):
        self.paths = list(paths)
        names = "、".join(p.name for p in self.paths[:3]) + ("等" if len(self.paths) > 3 else "")
        super().__init__(f"目标文件已存在：{names}（共 {len(self.paths)} 个）。确认覆盖后再导出。")


@dataclass(frozen=True)
class MissingGlyph:
    char: str
    document: str  # which form or list: 补充日常经费 2022年度 绩效自评表
    where: str  # the cell: 「绩效指标」第3行「三级指标」
    text: str  # the whole text of the cell

    def describe(self) -> str:
        return f"「{self.char}」(U+{ord(self.char):04X}) 在 {self.document} {self.where}"


class MissingGlyphs(ExportError):
    """Characters no embeddable font can draw. Raised before any file is written, so the user
    can correct the text (or install a font) instead of handing in a PDF with empty boxes."""

    def __init__(self, glyphs: Sequence[MissingGlyph]):
        self.glyphs = list(glyphs)
        chars = "".join(dict.fromkeys(g.char for g in self.glyphs))
        lines = "；".join(g.describe() for g in self.glyphs[:5])
        more = f"；另有 {len(self.glyphs) - 5} 处" if len(self.glyphs) > 5 else ""
        super().__init__(f"PDF 字体无法显示这些字符：{chars}。位置：{lines}{more}。请修改文字或安装含这些字符的字体。")
