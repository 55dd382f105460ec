"""Draw PerfDesk's application icon and write resources/perfdesk.png and .ico, and
the side picture of the Windows installer's welcome and finish pages
(installer/windows/welcome.bmp, 164 x 314 as NSIS's Modern UI wants it, 24-bit, no alpha).

Run once when the design changes (`.venv/bin/python scripts/make_icon.py`); the output is
committed, so neither the program nor the installers need this script. Each size is drawn
from the vector shapes below rather than scaled down, so the small sizes stay crisp.
Qt draws; Pillow (already installed with reportlab) packs the sizes into one .ico file.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PIL import Image  # noqa: E402
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt  # noqa: E402
from PySide6.QtGui import (QBrush, QColor, QFont, QGuiApplication, QImage,  # noqa: E402
                           QLinearGradient, QPainter, QPainterPath, QPen, QPolygonF)

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "resources"
WELCOME = ROOT / "installer" / "windows" / "welcome.bmp"
SIZES = (16, 24, 32, 48, 64, 128, 256)


def draw(size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.scale(size / 64, size / 64)  # design grid: 64 x 64
    # Rounded tile, deep blue.
    tile = QLinearGradient(0, 0, 0, 64)
    tile.setColorAt(0, QColor("#2f6fd6"))
    tile.setColorAt(1, QColor("#1b4aa0"))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QBrush(tile))
    p.drawRoundedRect(QRectF(2, 2, 60, 60), 12, 12)
    # The form: a white sheet with a folded corner.
    sheet = QPainterPath()
    sheet.moveTo(15, 10)
    sheet.lineTo(40, 10)
    sheet.lineTo(50, 20)
    sheet.lineTo(50, 54)
    sheet.lineTo(15, 54)
    sheet.closeSubpath()
    p.setBrush(QColor("#ffffff"))
    p.drawPath(sheet)
    p.setBrush(QColor("#c9d8f2"))
    p.drawPolygon(QPolygonF([QPointF(40, 10), QPointF(40, 20), QPointF(50, 20)]))
    # Table lines (only where they stay visible).
    if size >= 32:
        p.setPen(QPen(QColor("#b7c6e0"), 1.2))
        for y in (24, 31):
            p.drawLine(QPointF(20, y), QPointF(45, y))
        p.setPen(Qt.PenStyle.NoPen)
    # Bars of the indicator scores.
    for x, top, colour in ((20, 40, "#f0a020"), (27, 35, "#2fa866"), (34, 44, "#2f6fd6")):
        p.setBrush(QColor(colour))
        p.drawRect(QRectF(x, top, 5, 49 - top))
    # The tick: a form that checks out.
    p.setPen(QPen(QColor("#2fa866"), 4.2, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                  Qt.PenJoinStyle.RoundJoin))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawPolyline(QPolygonF([QPointF(38, 45), QPointF(43, 50), QPointF(55, 34)]))
    p.end()
    return image


def welcome_picture() -> QImage:
    image = QImage(164, 314, QImage.Format.Format_RGB32)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    background = QLinearGradient(0, 0, 0, 314)
    background.setColorAt(0, QColor("#2f6fd6"))
    background.setColorAt(1, QColor("#163d86"))
    p.fillRect(image.rect(), QBrush(background))
    p.drawImage(QRectF(26, 40, 112, 112), draw(224))
    p.setPen(QColor("#ffffff"))
    font = QFont("WenQuanYi Micro Hei")
    font.setPixelSize(22)
    font.setBold(True)
    p.setFont(font)
    p.drawText(QRectF(0, 170, 164, 30), Qt.AlignmentFlag.AlignHCenter, "PerfDesk")
    font.setPixelSize(15)
    font.setBold(False)
    p.setFont(font)
    p.drawText(QRectF(0, 204, 164, 24), Qt.AlignmentFlag.AlignHCenter, "预算绩效表填报")
    p.setPen(QColor("#c9d8f2"))
    font.setPixelSize(11)
    p.setFont(font)
    p.drawText(QRectF(0, 280, 164, 20), Qt.AlignmentFlag.AlignHCenter, "申报表 · 自评表")
    p.end()
    return image


def to_pillow(image: QImage) -> Image.Image:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return Image.open(io.BytesIO(bytes(data))).convert("RGBA")


def main() -> int:
    QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    OUT.mkdir(parents=True, exist_ok=True)
    images = {size: to_pillow(draw(size)) for size in SIZES}
    images[256].save(OUT / "perfdesk.png")
    images[48].save(OUT / "perfdesk-48.png")
    # Pillow writes every size from the largest image unless given each one.
    images[256].save(OUT / "perfdesk.ico", format="ICO", sizes=[(s, s) for s in SIZES],
                     append_images=[images[s] for s in SIZES if s != 256])
    to_pillow(welcome_picture()).convert("RGB").save(WELCOME, format="BMP")
    print(f"wrote {OUT / 'perfdesk.png'}, perfdesk-48.png, perfdesk.ico ({len(SIZES)} sizes) and {WELCOME}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
