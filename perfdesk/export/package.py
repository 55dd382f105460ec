"""Export layer: write an Office Open XML package (a zip) from parts, compressing each unchanged
part once per process.

A .docx carries about 900 KB of template XML (styles.xml and stylesWithEffects.xml are 438 KB
each) that is the same in every file of an export. `zipfile` would deflate it again for each
file; here a part's compressed bytes are kept with the part and copied into every package that
holds it unchanged. The output is an ordinary zip (deflate, CRC-32, no extensions).
"""

from __future__ import annotations

import struct
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

LEVEL = 6  # zlib's default: what zipfile writes


@dataclass(frozen=True)
class Part:
    """One part of a package: its name, its bytes, and those bytes deflated."""

    name: str
    data: bytes
    deflated: bytes
    crc: int

    @classmethod
    def of(cls, name: str, data: bytes | str) -> "Part":
        raw = data.encode("utf-8") if isinstance(data, str) else data
        packer = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
        return cls(name, raw, packer.compress(raw) + packer.flush(), zlib.crc32(raw) & 0xFFFFFFFF)


def _dos_time(moment: float) -> tuple[int, int]:
    t = time.localtime(moment)
    year = max(t.tm_year, 1980)
    return ((t.tm_hour << 11) | (t.tm_min << 5) | (t.tm_sec // 2),
            ((year - 1980) << 9) | (t.tm_mon << 5) | t.tm_mday)


def zip_bytes(parts: Iterable[Part], moment: float | None = None) -> bytes:
    """The package holding `parts` in order, as bytes."""
    dos_time, dos_date = _dos_time(time.time() if moment is None else moment)
    body, directory = bytearray(), bytearray()
    count = 0
    for part in parts:
        name = part.name.encode("utf-8")
        flags = 0x800  # names are UTF-8
        offset = len(body)
        body += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, flags, 8, dos_time, dos_date, part.crc,
                            len(part.deflated), len(part.data), len(name), 0)
        body += name
        body += part.deflated
        directory += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, flags, 8, dos_time, dos_date, part.crc,
                                 len(part.deflated), len(part.data), len(name), 0, 0, 0, 0, 0, offset)
        directory += name
        count += 1
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(directory), len(body), 0)
    return bytes(body + directory + end)


def write_package(path: Path | str, parts: Iterable[Part]) -> None:
    Path(path).write_bytes(zip_bytes(parts))
