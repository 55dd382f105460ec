"""Export layer: the TrueType CJK fonts the PDF renderer embeds, and glyph coverage.

A definition names a family the way an office PC knows it (宋体, 仿宋_GB2312, 黑体). On Windows
the installed file of that family is used (simsun.ttc, simhei.ttf …); elsewhere a font of the
same kind found on the system (AR PL UMing for the Song/Ming faces, WenQuanYi Micro Hei for
黑体 — scripts/setup.sh installs both on Debian), or one placed in the program's own
`resources/fonts` folder or in `$PERFDESK_FONT_DIR`. Each resolved font is followed by the
others as fallbacks, character by character; a character none of them can draw is reported
(`MissingGlyphs`), never printed as an empty box. reportlab embeds TrueType fonts as subsets;
the non-embedded built-in CID fonts (STSong-Light) are never used.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from perfdesk.layout.grid import PrintGrid, Style
from perfdesk.layout.text import PT_TO_MM

from .errors import ExportError, MissingGlyph

# File names of each family, best first: Windows names, then the Linux / shipped stand-ins.
# (file name, sub-font index in a .ttc)
_SONG_LINUX = [("uming.ttc", 0), ("ukai.ttc", 0), ("wqy-zenhei.ttc", 0), ("wqy-microhei.ttc", 0),
               ("DroidSansFallbackFull.ttf", 0)]
_HEI_LINUX = [("wqy-microhei.ttc", 0), ("wqy-zenhei.ttc", 0), ("DroidSansFallbackFull.ttf", 0),
              ("uming.ttc", 0)]
FAMILY_FILES: dict[str, list[tuple[str, int]]] = {
    "宋体": [("simsun.ttc", 0), ("simsun.ttf", 0), ("SimSun.ttf", 0), ("STSONG.TTF", 0)] + _SONG_LINUX,
    "新宋体": [("simsun.ttc", 1), ("simsun.ttc", 0)] + _SONG_LINUX,
    "仿宋": [("simfang.ttf", 0), ("FangSong.ttf", 0), ("STFANGSO.TTF", 0)] + _SONG_LINUX,
    "仿宋_GB2312": [("FANGSONG_GB2312.TTF", 0), ("仿宋_GB2312.ttf", 0), ("simfang.ttf", 0),
                   ("STFANGSO.TTF", 0)] + _SONG_LINUX,
    "楷体": [("simkai.ttf", 0), ("STKAITI.TTF", 0), ("ukai.ttc", 0)] + _SONG_LINUX,
    "楷体_GB2312": [("KAITI_GB2312.TTF", 0), ("simkai.ttf", 0), ("ukai.ttc", 0)] + _SONG_LINUX,
    "黑体": [("simhei.ttf", 0), ("SimHei.ttf", 0), ("STHEITI.TTF", 0)] + _HEI_LINUX,
    "微软雅黑": [("msyh.ttc", 0), ("msyh.ttf", 0)] + _HEI_LINUX,
}
_ANY_CJK = _SONG_LINUX + _HEI_LINUX + [("simsun.ttc", 0), ("simhei.ttf", 0), ("msyh.ttc", 0)]
# Characters that are layout, not ink: never looked up in a font.
_NOT_INK = set("\n\t")


def font_dirs() -> list[Path]:
    dirs: list[Path] = []
    override = os.environ.get("PERFDESK_FONT_DIR")
    if override:
        dirs.append(Path(override))
    dirs.append(Path(__file__).resolve().parent.parent / "resources" / "fonts")
    if sys.platform.startswith("win"):  # pragma: no cover - exercised on the office PCs
        windir = os.environ.get("WINDIR", r"C:\Windows")
        dirs.append(Path(windir) / "Fonts")
        local = os.environ.get("LOCALAPPDATA")
        if local:
            dirs.append(Path(local) / "Microsoft" / "Windows" / "Fonts")
    elif sys.platform == "darwin":  # pragma: no cover
        dirs += [Path.home() / "Library" / "Fonts", Path("/Library/Fonts"), Path("/System/Library/Fonts")]
    else:
        dirs += [Path.home() / ".local" / "share" / "fonts", Path.home() / ".fonts",
                 Path("/usr/local/share/fonts"), Path("/usr/share/fonts")]
    return dirs


@lru_cache(maxsize=4)
def _font_index(dirs: tuple[Path, ...]) -> dict[str, Path]:
    """Lower-cased file name → path, first folder wins (the user's own fonts first)."""
    index: dict[str, Path] = {}
    for folder in dirs:
        if not folder.is_dir():
            continue
        for root, _, files in os.walk(folder):
            for name in files:
                if name.lower().endswith((".ttf", ".ttc")):
                    index.setdefault(name.lower(), Path(root) / name)
    return index


@dataclass(frozen=True)
class LoadedFont:
    name: str  # the name registered with reportlab
    path: Path
    subfont: int
    glyphs: frozenset[int]  # code points the font maps to a real glyph

    def has(self, ch: str) -> bool:
        return ord(ch) in self.glyphs


@lru_cache(maxsize=32)
def _load(path: Path, subfont: int) -> LoadedFont | None:
    name = f"PD-{path.stem}-{subfont}"
    try:
        font = TTFont(name, str(path), subfontIndex=subfont)
    except (TTFError, OSError, ValueError, KeyError, IndexError, AssertionError):
        return None  # e.g. a CFF-outline .otf renamed, or a damaged file: try the next one
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(font)
    glyphs = frozenset(code for code, gid in font.face.charToGlyph.items() if gid)
    return LoadedFont(name, path, subfont, glyphs)


class FontBook:
    """The fonts of one export: each family resolved once, with a fallback chain."""

    def __init__(self, dirs: list[Path] | None = None):
        self._index = _font_index(tuple(dirs if dirs is not None else font_dirs()))
        self._chains: dict[str, list[LoadedFont]] = {}
        # family → character → (font name, advance in mm at 1 pt). reportlab applies no kerning
        # to TrueType text, so a string's width is the sum of its characters' advances; caching
        # them makes measuring a year's forms cheap.
        self._advance: dict[str, dict[str, tuple[str, float]]] = {}

    def _candidates(self, family: str) -> list[tuple[str, int]]:
        own = FAMILY_FILES.get(family) or FAMILY_FILES.get(family.split("_")[0]) or FAMILY_FILES["宋体"]
        seen, out = set(), []
        for item in own + _ANY_CJK:
            if item not in seen:
                seen.add(item)
                out.append(item)
        return out

    def chain(self, family: str) -> list[LoadedFont]:
        if family not in self._chains:
            fonts = []
            for file_name, subfont in self._candidates(family):
                path = self._index.get(file_name.lower())
                if path is None:
                    continue
                loaded = _load(path, subfont)
                if loaded is not None and loaded not in fonts:
                    fonts.append(loaded)
            if not fonts:
                raise ExportError(f"找不到可嵌入 PDF 的中文字体（{family}）。请安装宋体或黑体等 TrueType 中文字体，"
                                  f"或把字体文件放到环境变量 PERFDESK_FONT_DIR 指向的文件夹。")
            self._chains[family] = fonts
        return self._chains[family]

    def primary(self, family: str) -> LoadedFont:
        return self.chain(family)[0]

    def _glyph(self, ch: str, family: str) -> tuple[str, float]:
        table = self._advance.get(family)
        if table is None:
            table = self._advance[family] = {}
        found = table.get(ch)
        if found is None:
            chain = self.chain(family)
            font = next((f for f in chain if f.has(ch)), chain[0])
            found = table[ch] = (font.name, pdfmetrics.stringWidth(ch, font.name, 1.0) * PT_TO_MM)
        return found

    def runs(self, text: str, family: str) -> list[tuple[str, str]]:
        """(font name, text) runs: each character in the first font of the chain that has it."""
        runs: list[tuple[str, str]] = []
        for ch in text:
            name = self._glyph(ch, family)[0]
            if runs and runs[-1][0] == name:
                runs[-1] = (name, runs[-1][1] + ch)
            else:
                runs.append((name, ch))
        return runs

    def width(self, text: str, style: Style) -> float:
        """Width in millimetres, with the font each character will really be drawn in."""
        glyph = self._glyph
        family = style.font
        return sum(glyph(ch, family)[1] for ch in text) * style.size

    def missing(self, text: str, family: str) -> list[str]:
        chain = self.chain(family)
        return [ch for ch in dict.fromkeys(text) if ch not in _NOT_INK and not any(f.has(ch) for f in chain)]

    def missing_in(self, grid: PrintGrid) -> list[MissingGlyph]:
        found: list[MissingGlyph] = []
        for text, cell in grid.texts():
            for ch in self.missing(text, cell.style.font):
                found.append(MissingGlyph(ch, grid.name, cell.where or f"第{cell.row + 1}行第{cell.col + 1}列", text))
        return found

    def describe(self) -> dict[str, str]:
        """Family → the font file used for it (for reports and tests)."""
        return {family: f"{chain[0].path.name}#{chain[0].subfont}" for family, chain in self._chains.items()}
