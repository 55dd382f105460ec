"""Text weight, text colour and background of a widget through its font and palette.

A style sheet on a widget makes Qt give that widget (and each child) a style-sheet style,
which re-polishes it and parses the sheet: 5 M instructions of a cold start for the few
plain labels and buttons of the first window (benchmarks/bench_startup_ir.py). Font and
palette give the same look without it. Borders and the marks of fields with issues stay
style sheets: there the sheet is what draws."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette


def bold(widget, pixel_size: int | None = None) -> None:
    """Bold text (at `pixel_size` px when given); the family still follows the application's."""
    font = widget.font()
    font.setBold(True)
    if pixel_size is not None:
        font.setPixelSize(pixel_size)
    widget.setFont(font)


def text_color(widget, color: str) -> None:
    palette = widget.palette()
    palette.setColor(QPalette.ColorRole.WindowText, QColor(color))
    palette.setColor(QPalette.ColorRole.Text, QColor(color))
    widget.setPalette(palette)


def fill(widget, color: str) -> None:
    """The widget paints its own background in `color`."""
    palette = widget.palette()
    palette.setColor(QPalette.ColorRole.Window, QColor(color))
    widget.setPalette(palette)
    widget.setAutoFillBackground(True)
