"""Regenerate the CJK fonts PerfDesk ships for PDF export (resources/fonts/).

    .venv/bin/pip install fonttools        # a tool of this script only; the program never imports it
    .venv/bin/python scripts/make_fonts.py [--song FILE] [--hei FILE] [--extra-text FILE]...

Sources (open-licensed TrueType, from Debian):
  Song face  AR PL UMing CN  (fonts-arphic-uming, uming.ttc #0)  Arphic Public License
  Hei face   WenQuanYi Micro Hei  (fonts-wqy-microhei, wqy-microhei.ttc #0)
             Apache License 2.0 or GPLv3 with the font embedding exception
Without --song/--hei the files are taken from /usr/share/fonts when the packages are installed,
else fetched with `apt-get download <package>` and unpacked with `dpkg -x` in a temporary folder.

Character set (the same for both faces; written to charset.txt beside the fonts):
  * every character of GB 2312: its 6,763 hanzi (level 1 and level 2) and 682 symbols
    (full-width forms, CJK punctuation, Greek, Cyrillic, box drawing, numbered items …);
  * printable ASCII and Latin-1, general punctuation (– — ‘ ’ “ ” … ‰ ※), ≤ ≥ ≠ ± × ÷ ℃ № and
    the full-width forms block U+FF01–FF5E;
  * the few signs the program itself prints beyond those (≦ ≧ ⩽ ⩾ − ↔ …), every character of
    the demo data and the bundled form definitions, and of any --extra-text file (e.g. the
    published forms' text, ../shared/seeds/*.txt, which adds nothing today).
Glyphs are kept with their outlines; hinting instructions, embedded bitmaps and OpenType layout
tables the PDF renderer does not use are dropped. The output is deterministic: the same sources
and inputs give byte-identical files (fixed timestamps, sorted character set).
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "resources" / "fonts"

FACES = {
    # output file: (Debian package, file inside it, sub-font index, licence files in the package)
    "song": ("fonts-arphic-uming", "usr/share/fonts/truetype/arphic/uming.ttc", 0,
             ("usr/share/doc/fonts-arphic-uming/license", "usr/share/doc/fonts-arphic-uming/copyright")),
    "hei": ("fonts-wqy-microhei", "usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0,
            ("usr/share/doc/fonts-wqy-microhei/copyright",)),
}
OUTPUT_NAMES = {"song": "PerfDeskSong-UMing-GB2312.ttf", "hei": "PerfDeskHei-WQYMicroHei-GB2312.ttf"}
LICENCE_NAMES = {"song": "LICENSE-AR-PL-UMing.txt", "hei": "LICENSE-WenQuanYi-Micro-Hei.txt"}

EXTRA = ("–—‘’“”…‰※•·≤≥≠≈±×÷℃°№￥¥€　、。〈〉《》「」『』【】〔〕〖〗（）［］｛｝"
         "①②③④⑤⑥⑦⑧⑨⑩ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩ√✓✔"
         # signs the program itself prints or normalises (values, messages): ≦ ≧ ⩽ ⩾ − …
         "›⁵↔−≦≧▸✖✘⩽⩾")
FIXED_TIMESTAMP = 0x7C25B080  # 2015-01-01 in the 1904 epoch of the 'head' table


def gb2312_characters() -> set[str]:
    chars = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(bytes((high, low)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


def repository_characters() -> set[str]:
    chars: set[str] = set()
    for folder in (ROOT / "perfdesk" / "demodata", ROOT / "forms"):
        for path in sorted(folder.rglob("*")):
            if path.suffix in (".json", ".toml"):
                chars.update(path.read_text(encoding="utf-8", errors="ignore"))
    return chars


def character_set(extra_files: list[Path]) -> list[int]:
    chars = gb2312_characters()
    chars.update(chr(c) for c in range(0x20, 0x7F))
    chars.update(chr(c) for c in range(0xA0, 0x100))
    chars.update(chr(c) for c in range(0xFF01, 0xFF5F))
    chars.update(EXTRA)
    chars.update(repository_characters())
    for path in extra_files:
        chars.update(path.read_text(encoding="utf-8", errors="ignore"))
    return sorted(ord(ch) for ch in chars if ch.isprintable() or ch == "\u3000")


def fetch(package: str, member: str, workdir: Path) -> Path:
    """The file `member` of the Debian package: from the system when installed, else via apt."""
    installed = Path("/") / member
    if installed.is_file():
        return installed
    if not shutil.which("apt-get"):
        sys.exit(f"{member} not found and apt-get is not available: pass the font file explicitly")
    subprocess.run(["apt-get", "download", package], cwd=workdir, check=True)
    deb = next(workdir.glob(f"{package}_*.deb"))
    subprocess.run(["dpkg", "-x", str(deb), str(workdir / package)], check=True)
    return workdir / package / member


def package_version(package: str) -> str:
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True)
        return out.stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def subset(source: Path, index: int, codepoints: list[int], target: Path) -> None:
    from fontTools import subset as ft_subset
    from fontTools.ttLib import TTFont

    font = TTFont(str(source), fontNumber=index, lazy=False, recalcTimestamp=False)
    options = ft_subset.Options()
    options.hinting = False  # the PDF renderer ignores TrueType instructions
    options.drop_tables += ["EBDT", "EBLC", "EBSC", "BDF ", "FFTM", "VORG", "vhea", "vmtx", "GPOS", "GSUB",
                            "GDEF", "gasp", "DSIG"]
    options.layout_features = []
    options.name_IDs = ["*"]  # keep copyright, licence and the names
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.glyph_names = False
    options.recalc_timestamp = False
    subsetter = ft_subset.Subsetter(options)
    subsetter.populate(unicodes=codepoints)
    subsetter.subset(font)
    font["head"].created = font["head"].modified = FIXED_TIMESTAMP
    font.save(str(target), reorderTables=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--song", type=Path, help="uming.ttc (AR PL UMing)")
    parser.add_argument("--hei", type=Path, help="wqy-microhei.ttc (WenQuanYi Micro Hei)")
    parser.add_argument("--extra-text", type=Path, action="append", default=[],
                        help="a text file whose characters are added to the set (repeatable)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    codepoints = character_set(args.extra_text)
    (OUT / "charset.txt").write_text(
        "# The characters of the shipped subset fonts (scripts/make_fonts.py), 64 to a line.\n"
        + "\n".join("".join(chr(c) for c in codepoints[i:i + 64]) for i in range(0, len(codepoints), 64)) + "\n",
        encoding="utf-8")
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for face, (package, member, index, licences) in FACES.items():
            given = args.song if face == "song" else args.hei
            source = given or fetch(package, member, workdir)
            target = OUT / OUTPUT_NAMES[face]
            subset(source, index, codepoints, target)
            texts = []
            for licence in licences:
                path = source.parent.parent.parent.parent / licence.split("usr/", 1)[1] if given else None
                candidates = [Path("/") / licence, workdir / package / licence] + ([path] if path else [])
                found = next((p for p in candidates if p and p.is_file()), None)
                if found is not None:
                    texts.append(f"==> {licence} <==\n{found.read_text(encoding='utf-8', errors='replace')}")
            if texts:
                (OUT / LICENCE_NAMES[face]).write_text("\n".join(texts), encoding="utf-8")
            digest = hashlib.sha256(source.read_bytes()).hexdigest()
            lines.append(f"{OUTPUT_NAMES[face]}: {target.stat().st_size} bytes, from {package} "
                         f"{package_version(package)} {member} #{index} (sha256 {digest[:16]}…)")
    print(f"{len(codepoints)} characters")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
