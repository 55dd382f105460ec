"""Export layer: file names from project, year and kind that every Windows PC accepts.

A project name can be anything a person typed or a file carried: very long, a device name,
slashes, colons, dots, control characters, right-to-left overrides, even lone surrogates. The
same rules make the names of all three formats (docx, xlsx, pdf):

* no reserved characters (<>:"/\\|?*), no control, format or unassigned characters, no line
  breaks — each becomes “_”, so nothing can reach another folder or hide part of the name;
* no leading dots or spaces (no hidden file, no “..”), no trailing dots or spaces (Windows
  drops them), whitespace runs collapsed;
* no device names (CON, PRN, AUX, NUL, COM1–9, LPT1–9, CONIN$, CONOUT$ — with or without an
  extension or trailing spaces): they get a leading “_”;
* at most `MAX_STEM` characters and `MAX_STEM_BYTES` bytes of UTF-8 (Linux allows 255 bytes
  per name, NTFS 255 UTF-16 units), leaving room for the extension, a “（2）” and the
  temporary `.part` suffix;
* names of one batch never collide with each other, compared the way Windows and macOS do
  (case-insensitively, in one Unicode normal form).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

FORMATS = ("docx", "xlsx", "pdf")  # the kinds of file an export writes

_RESERVED_CHARS = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_DEVICE = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)\s*(\..*)?$", re.IGNORECASE)
# Unicode categories that never belong in a file name: control, format (bidi overrides,
# zero-width), surrogate, private use, unassigned, line and paragraph separators.
_UNPRINTABLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
MAX_STEM = 120  # characters; NTFS allows 255 per name, a deep folder still needs room
MAX_STEM_BYTES = 180  # UTF-8; 255 per name on Linux, less “（99）.docx.<pid>.part”
MAX_TITLE = 255  # characters of a document title (Word's core properties allow no more)
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_name(text: str) -> str:
    """Reserved and unprintable characters replaced by “_” (no other change)."""
    text = _RESERVED_CHARS.sub("_", str(text))
    return "".join("_" if unicodedata.category(ch) in _UNPRINTABLE else ch for ch in text)


def _shorten(stem: str, chars: int, size: int) -> str:
    """At most `chars` characters and `size` bytes of UTF-8, cut at a character boundary."""
    stem = stem[:chars]
    while len(stem.encode("utf-8", "surrogatepass")) > size:
        stem = stem[:-1]
    return stem.rstrip(". ")


def safe_stem(text: str, fallback: str = "导出") -> str:
    """A file name without extension, safe on Windows and everywhere else."""
    stem = clean_name(unicodedata.normalize("NFC", str(text)))
    stem = re.sub(r"\s+", " ", stem).strip()
    stem = stem.strip(". ")
    stem = _shorten(stem, MAX_STEM, MAX_STEM_BYTES)
    if not stem or set(stem) <= {"_", ".", " "}:
        stem = fallback
    if _DEVICE.match(stem):
        stem = _shorten("_" + stem, MAX_STEM, MAX_STEM_BYTES)
    return stem


def safe_title(text: str) -> str:
    """A document title or author for a file's properties: characters XML cannot hold
    dropped, at most MAX_TITLE characters."""
    return _XML_ILLEGAL.sub("", str(text))[:MAX_TITLE]


def _key(name: str) -> str:
    """How Windows and macOS compare names: case-insensitively, in one normal form."""
    return unicodedata.normalize("NFC", name).casefold()


def unique_paths(folder: Path, stems: list[str], suffix: str) -> list[Path]:
    """One path per stem directly in `folder`; repeated stems get （2）, （3） …
    (case-insensitively), still within the length limits."""
    taken: set[str] = set()
    paths = []
    for stem in stems:
        stem = safe_stem(stem)  # idempotent for stems that are already safe
        candidate, n = stem, 2
        while _key(candidate + suffix) in taken:
            tag = f"（{n}）"
            candidate = _shorten(stem, MAX_STEM - len(tag), MAX_STEM_BYTES - len(tag.encode("utf-8"))) + tag
            n += 1
        taken.add(_key(candidate + suffix))
        paths.append(folder / (candidate + suffix))  # safe_stem leaves no separator or “..”
    return paths
