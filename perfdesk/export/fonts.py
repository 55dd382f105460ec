"""Export layer: the TrueType CJK fonts the PDF renderer embeds, and glyph coverage.

The PDF is the same on every machine: it is drawn with the fonts PerfDesk ships in
`resources/fonts` — a Song face (AR PL UMing CN) for 宋体 and the other Song/Ming-like
families the definitions name (仿宋_GB2312, 楷体 …), and a Hei face (WenQuanYi Micro Hei) for
黑体 and 微软雅黑 — subset to GB 2312 plus the program's own characters (docs/exports.md,
scripts/make_fonts.py). A character outside the subset comes from the next font that has it:
a folder named by `$PERFDESK_FONT_DIR`, then the system's fonts (simsun.ttc, simhei.ttf on
Windows; AR PL UMing, WenQuanYi elsewhere), loaded only when such a character appears.
`PERFDESK_SYSTEM_FONTS=0` leaves the system fonts out (tests, or a locked-down machine).
A character no font can draw is reported (`MissingGlyphs`), never printed as an empty box.
reportlab embeds TrueType fonts as subsets; the non-embedded CID fonts (STSong-Light) are
never used. Word and Excel still name 宋体 / 黑体: the office program draws those itself.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics

from perfdesk.places import shipped
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
SHIPPED_DIR = shipped("resources") / "fonts"
SHIPPED_SONG = "PerfDeskSong-UMing-GB2312.ttf"
SHIPPED_HEI = "PerfDeskHei-WQYMicroHei-GB2312.ttf"
HEI_FAMILIES = ("黑体", "微软雅黑", "方正黑体", "方正小标宋")  # everything else prints in the Song face
_ANY_CJK = _SONG_LINUX + _HEI_LINUX + [("simsun.ttc", 0), ("simhei.ttf", 0), ("msyh.ttc", 0)]
# Characters that are layout, not ink: never looked up in a font.
_NOT_INK = set("\n\t")


def system_fonts_enabled() -> bool:
    return os.environ.get("PERFDESK_SYSTEM_FONTS", "1").strip().lower() not in ("0", "no", "false", "off")


def shipped_font(family: str) -> Path:
    """The shipped face that draws `family`: the Hei face for 黑体-like families, else Song."""
    hei = any(family.startswith(name) for name in HEI_FAMILIES)
    return SHIPPED_DIR / (SHIPPED_HEI if hei else SHIPPED_SONG)


def font_dirs() -> list[Path]:
    """Folders searched for fallback fonts: `$PERFDESK_FONT_DIR`, then the system's."""
    dirs: list[Path] = []
    override = os.environ.get("PERFDESK_FONT_DIR")
    if override:
        dirs.append(Path(override))
    if not system_fonts_enabled():
        return dirs
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


class _Chain:
    """The fonts of one family, best first; fallbacks are parsed only when a character needs one."""

    def __init__(self, family: str, candidates: list[Path | tuple[Path, int]]):
        self.family = family
        self.fonts: list[LoadedFont] = []
        self._pending = list(candidates)

    def _load_next(self) -> LoadedFont | None:
        while self._pending:
            item = self._pending.pop(0)
            path, subfont = item if isinstance(item, tuple) else (item, 0)
            loaded = _load(path, subfont)
            if loaded is not None and loaded not in self.fonts:
                self.fonts.append(loaded)
                return loaded
        return None

    def first(self) -> LoadedFont:
        if not self.fonts and self._load_next() is None:
            raise ExportError(f"找不到可嵌入 PDF 的中文字体（{self.family}）。程序自带的字体文件缺失；请重新安装 PerfDesk，"
                              f"或把 TrueType 中文字体放到环境变量 PERFDESK_FONT_DIR 指向的文件夹。")
        return self.fonts[0]

    def find(self, ch: str) -> LoadedFont | None:
        """The first font of the chain that has `ch`, loading fallbacks as needed."""
        self.first()
        code = ord(ch)
        for font in self.fonts:
            if code in font.glyphs:
                return font
        while (font := self._load_next()) is not None:
            if code in font.glyphs:
                return font
        return None

    def all(self) -> list[LoadedFont]:
        self.first()
        while self._load_next() is not None:
            pass
        return self.fonts


class FontBook:
    """The fonts of one export: each family resolved once, with a fallback chain.

    `shipped=False` leaves out the program's own fonts (tests of the fallback chain)."""

    def __init__(self, dirs: list[Path] | None = None, *, shipped: bool = True):
        self._index = _font_index(tuple(dirs if dirs is not None else font_dirs()))
        self._shipped = shipped
        self._chains: dict[str, _Chain] = {}
        # family → character → (font name, advance in mm at 1 pt). reportlab applies no kerning
        # to TrueType text, so a string's width is the sum of its characters' advances; caching
        # them makes measuring a year's forms cheap.
        self._advance: dict[str, dict[str, tuple[str, float]]] = {}

    def _candidates(self, family: str) -> list[Path | tuple[Path, int]]:
        own = FAMILY_FILES.get(family) or FAMILY_FILES.get(family.split("_")[0]) or FAMILY_FILES["宋体"]
        out: list[Path | tuple[Path, int]] = []
        if self._shipped:
            out.append(shipped_font(family))
            out += [SHIPPED_DIR / SHIPPED_SONG, SHIPPED_DIR / SHIPPED_HEI]
        seen = set()
        for file_name, subfont in own + _ANY_CJK:
            path = self._index.get(file_name.lower())
            if path is not None and (path, subfont) not in seen:
                seen.add((path, subfont))
                out.append((path, subfont))
        return out

    def _chain(self, family: str) -> _Chain:
        chain = self._chains.get(family)
        if chain is None:
            chain = self._chains[family] = _Chain(family, self._candidates(family))
        return chain

    def chain(self, family: str) -> list[LoadedFont]:
        """Every usable font for `family`, best first (parses them all: for tests and reports)."""
        return self._chain(family).all()

    def primary(self, family: str) -> LoadedFont:
        return self._chain(family).first()

    def _glyph(self, ch: str, family: str) -> tuple[str, float]:
        table = self._advance.get(family)
        if table is None:
            table = self._advance[family] = {}
        found = table.get(ch)
        if found is None:
            chain = self._chain(family)
            font = chain.find(ch) or chain.first()
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
        family = style.font
        table = self._advance.get(family) or {}
        total = 0.0
        for ch in text:
            found = table.get(ch)
            if found is None:
                found = self._glyph(ch, family)
                table = self._advance[family]
            total += found[1]
        return total * style.size

    def missing(self, text: str, family: str) -> list[str]:
        chain = self._chain(family)
        return [ch for ch in dict.fromkeys(text) if ch not in _NOT_INK and chain.find(ch) is None]

    def missing_in(self, grid: PrintGrid) -> list[MissingGlyph]:
        found: list[MissingGlyph] = []
        for text, cell in grid.texts():
            for ch in self.missing(text, cell.style.font):
                found.append(MissingGlyph(ch, grid.name, cell.where or f"第{cell.row + 1}行第{cell.col + 1}列", text))
        return found

    def describe(self) -> dict[str, str]:
        """Family → the font file used for it (for reports and tests)."""
        return {family: f"{chain.first().path.name}#{chain.first().subfont}" for family, chain in self._chains.items()}
