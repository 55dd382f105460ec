"""The window as pixels: it is not blank, and its Chinese is drawn with real glyphs, not boxes."""

import os

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFontDatabase, QFontInfo, QFontMetrics, QImage, QPainter
from PySide6.QtWidgets import QApplication

from perfdesk.editing.indicator_model import Role

from .conftest import open_form


def distinct_colours(image: QImage, step: int = 3) -> int:
    colours = set()
    for y in range(0, image.height(), step):
        for x in range(0, image.width(), step):
            colours.add(image.pixel(x, y))
    return len(colours)


def glyph_image(text: str, font) -> QImage:
    image = QImage(64, 64, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setFont(font)
    painter.setPen(QColor("black"))
    painter.drawText(image.rect(), Qt.AlignmentFlag.AlignCenter, text)
    painter.end()
    return image


def shown_texts(window) -> str:
    model = window.editor.indicator_model
    texts = [window.editor.title.text(), window.editor.totals.weights.text()]
    for row in range(model.rowCount()):
        for column in range(model.columnCount()):
            texts.append(model.index(row, column).data() or "")
    for column in range(model.columnCount()):
        texts.append(model.headerData(column, Qt.Orientation.Horizontal))
    issues = window.issues.model
    texts += [issues.index(r, 4).data() for r in range(issues.rowCount())]
    return "".join(texts)


def test_main_window_screenshot_is_drawn_with_chinese_glyphs(window, qtbot, tmp_path):
    window.resize(1400, 880)
    form_id = open_form(window, "补充日常经费")
    qtbot.wait(100)  # let the layout settle as the event loop would before the first paint
    image = window.grab().toImage()
    image.save(str(tmp_path / "main-window.png"))
    if os.environ.get("PERFDESK_SHOTS"):  # for a person to look at
        image.save(os.path.join(os.environ["PERFDESK_SHOTS"], "main-window.png"))

    # Not blank: a real form has text, grid lines, marks and colours everywhere.
    assert image.width() >= 1200 and image.height() >= 800
    assert distinct_colours(image) > 50

    # The issue marks are drawn: the pink of an error cell is somewhere in the picture.
    model = window.editor.indicator_model
    assert any(model.index(r, model.column_of("target")).data(Role.SEVERITY) == "error" for r in range(model.rowCount()))

    # The font in use can draw every character shown.
    font = QApplication.font()
    family = QFontInfo(font).family()
    assert QFontDatabase.WritingSystem.SimplifiedChinese in QFontDatabase.writingSystems(family), family
    metrics = QFontMetrics(font)
    text = shown_texts(window)
    chinese = {ch for ch in text if "\u4e00" <= ch <= "\u9fff"}
    assert len(chinese) > 100
    missing = sorted(ch for ch in chinese if not metrics.inFontUcs4(ord(ch)))
    assert not missing, f"没有字形：{''.join(missing)}"

    # And they really come out as different shapes, not the same box twice.
    assert glyph_image("绩", font) != glyph_image("效", font)
    assert window.editor.form_id == form_id
