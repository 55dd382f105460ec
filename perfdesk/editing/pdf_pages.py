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


def _page_image(page, dpi: float) -> QImage:
    bitmap = page.render(scale=dpi / 72, force_bitmap_format=pdfium.raw.FPDFBitmap_BGRx)
    # BGRx bytes are Qt's RGB32 on little-endian machines (all PerfDesk targets).
    image = QImage(bitmap.buffer, bitmap.width, bitmap.height, bitmap.stride, QImage.Format.Format_RGB32)
    return image.copy()  # own the pixels before PDFium frees its buffer


def render_pages(path: Path | str, dpi: float = 96, first: int = 0, last: int | None = None) -> list[QImage]:
    """Pages first..last (inclusive; all by default) as RGB images at `dpi`."""
    document = pdfium.PdfDocument(str(path))
    images = []
    try:
        end = len(document) - 1 if last is None else min(last, len(document) - 1)
        for number in range(first, end + 1):
            page = document[number]
            images.append(_page_image(page, dpi))
            page.close()
    finally:
        document.close()
    return images


def print_pdf(path: Path | str, printer, max_dpi: int = 300) -> int:
    """Print every page of the PDF on `printer` (a QPrinter, set up by the print dialog).

    Each page is drawn by PDFium at the printer's resolution (at most `max_dpi`, which is
    plenty for table lines and 5-point text and keeps the spool small) and placed on the
    printable area, scaled to fit and centred; a landscape page turns the paper. Returns the
    number of pages sent.
    """
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QPageLayout, QPainter

    document = pdfium.PdfDocument(str(path))
    painter = QPainter()
    try:
        total = len(document)
        for number in range(total):
            page = document[number]
            width, height = page.get_size()  # points
            orientation = (QPageLayout.Orientation.Landscape if width > height
                           else QPageLayout.Orientation.Portrait)
            printer.setPageOrientation(orientation)
            if number == 0:
                if not painter.begin(printer):
                    raise OSError("打印机无法开始打印")
            elif not printer.newPage():
                raise OSError("打印机无法换页")
            image = _page_image(page, min(printer.resolution(), max_dpi))
            area = printer.pageLayout().paintRectPixels(printer.resolution())
            scale = min(area.width() / image.width(), area.height() / image.height())
            w, h = image.width() * scale, image.height() * scale
            target = QRectF((area.width() - w) / 2, (area.height() - h) / 2, w, h)
            painter.drawImage(target, image)
            page.close()
        return total
    finally:
        if painter.isActive():
            painter.end()
        document.close()
