"""Export layer: file names from project, year and kind that every Windows PC accepts.

No reserved characters (<>:"/\\|?* and control characters), no device names (CON, PRN, AUX,
NUL, COM1–9, LPT1–9 — with or without an extension), no trailing dots or spaces, and a length
that leaves room for the folder. Names of one batch never collide with each other.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

_RESERVED_CHARS = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_DEVICE = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$", re.IGNORECASE)
MAX_STEM = 120  # characters; NTFS allows 255 per name, a deep folder still needs room


def safe_stem(text: str, fallback: str = "导出") -> str:
    """A file name without extension, safe on Windows and everywhere else."""
    stem = unicodedata.normalize("NFC", text)
    stem = _RESERVED_CHARS.sub("_", stem)
    stem = re.sub(r"\s+", " ", stem).strip()
    stem = stem[:MAX_STEM].rstrip(". ")
    stem = stem.lstrip(" ")
    if not stem or set(stem) <= {"_", ".", " "}:
        stem = fallback
    if _DEVICE.match(stem):
        stem = "_" + stem
    return stem


def unique_paths(folder: Path, stems: list[str], suffix: str) -> list[Path]:
    """One path per stem in `folder`; repeated stems get （2）, （3） … (case-insensitively)."""
    taken: set[str] = set()
    paths = []
    for stem in stems:
        candidate, n = stem, 2
        while (candidate + suffix).lower() in taken:
            candidate = f"{stem}（{n}）"
            n += 1
        taken.add((candidate + suffix).lower())
        paths.append(folder / (candidate + suffix))
    return paths
