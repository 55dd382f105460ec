"""Editing layer: PDF pages as images, for the print preview inside the program.

PDFium (through pypdfium2) draws the very file we export, so the preview is what will be
handed in — not a second rendering of the layout that could drift from it.
"""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
from PySide6.QtGui import QImage


def page_count(path: Path | str) -> int:
    document = pdfium.PdfDocument(str(path))
    try:
        return len(document)
    finally:
        document.close()


def render_pages(path: Path | str, dpi: float = 96, first: int = 0, last: int | None = None) -> list[QImage]:
    """Pages first..last (inclusive; all by default) as RGB images at `dpi`."""
    document = pdfium.PdfDocument(str(path))
    images = []
    try:
        end = len(document) - 1 if last is None else min(last, len(document) - 1)
        for number in range(first, end + 1):
            page = document[number]
            bitmap = page.render(scale=dpi / 72, force_bitmap_format=pdfium.raw.FPDFBitmap_BGRx)
            # BGRx bytes are Qt's RGB32 on little-endian machines (all PerfDesk targets).
            image = QImage(bitmap.buffer, bitmap.width, bitmap.height, bitmap.stride, QImage.Format.Format_RGB32)
            images.append(image.copy())  # own the pixels before PDFium frees its buffer
            page.close()
    finally:
        document.close()
    return images
