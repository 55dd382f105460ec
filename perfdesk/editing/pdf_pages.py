"""Editing layer: PDF pages as images, for the print preview inside the program.

PDFium (through pypdfium2) draws the very file we export, so the preview is what will be
handed in — not a second rendering of the layout that could drift from it.

The preview renders on a worker thread (a `Job`) while the GUI thread may print. PDFium is
not thread-safe, so every call into it here holds one lock, taken page by page: a print
waits at most for the page being drawn, never for a whole preview. Only QImages are made
here (no QPixmap), which is allowed off the GUI thread.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable

import pypdfium2 as pdfium
from PySide6.QtGui import QImage

_PDFIUM = threading.RLock()  # PDFium is not thread-safe: one call at a time, from any thread


def page_count(path: Path | str) -> int:
    with _PDFIUM:
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


def render_pages(path: Path | str, dpi: float = 96, first: int = 0, last: int | None = None, *,
                 progress: Callable[[int, int], None] | None = None,
                 cancelled: Callable[[], bool] | None = None) -> list[QImage]:
    """Pages first..last (inclusive; all by default) as RGB images at `dpi`.

    `progress(done, total)` is called before each page; when `cancelled()` turns true between
    two pages, the pages drawn so far are returned (the caller knows it asked to stop)."""
    with _PDFIUM:
        document = pdfium.PdfDocument(str(path))
        count = len(document)
    images = []
    try:
        end = count - 1 if last is None else min(last, count - 1)
        total = max(end + 1 - first, 0)
        for number in range(first, end + 1):
            if cancelled is not None and cancelled():
                break
            if progress is not None:
                progress(number - first, total)
            with _PDFIUM:
                page = document[number]
                try:
                    images.append(_page_image(page, dpi))
                finally:
                    page.close()
    finally:
        with _PDFIUM:
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

    with _PDFIUM:
        document = pdfium.PdfDocument(str(path))
        total = len(document)
    painter = QPainter()
    try:
        for number in range(total):
            with _PDFIUM:
                page = document[number]
                width, height = page.get_size()  # points
            try:
                orientation = (QPageLayout.Orientation.Landscape if width > height
                               else QPageLayout.Orientation.Portrait)
                printer.setPageOrientation(orientation)
                if number == 0:
                    if not painter.begin(printer):
                        raise OSError("打印机无法开始打印")
                elif not printer.newPage():
                    raise OSError("打印机无法换页")
                with _PDFIUM:
                    image = _page_image(page, min(printer.resolution(), max_dpi))
            finally:
                with _PDFIUM:
                    page.close()
            area = printer.pageLayout().paintRectPixels(printer.resolution())
            scale = min(area.width() / image.width(), area.height() / image.height())
            w, h = image.width() * scale, image.height() * scale
            target = QRectF((area.width() - w) / 2, (area.height() - h) / 2, w, h)
            painter.drawImage(target, image)
        return total
    finally:
        if painter.isActive():
            painter.end()
        with _PDFIUM:
            document.close()
