"""UI layer: the 年度总览's charts, drawn with QPainter.

Why QPainter and not QtCharts: QtCharts is not in PySide6-Essentials (PerfDesk's Qt) but in
PySide6-Addons, a separate wheel of well over 100 MB (WebEngine, 3D, Multimedia …) that the
installer would have to carry for three simple charts, and importing it costs start-up time. Three charts of a few dozen bars are a few hundred lines of painting with
QtGui, which PerfDesk already loads; this module is imported only when the overview is
first shown.

Each chart takes plain data (from `perfdesk.domain.overview`) and paints it at any size; a
chart that does not fit every bar says how many it left out rather than squeezing them.
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

INK = QColor("#202124")
MUTED = QColor("#5f6368")
GRID = QColor("#dadce0")
BAR = QColor("#4a7bd0")
LOW = QColor("#d9822b")  # a rate below the line people care about
OVER = QColor("#8e44ad")  # above 100 %
GRADE_COLORS = {"优": QColor("#2e7d32"), "良": QColor("#4a7bd0"), "中": QColor("#d9822b"), "差": QColor("#c62828")}
DEFAULT_BAR = QColor("#b0bec5")
ACTUAL_BAR = QColor("#4a7bd0")


class _Chart(QWidget):
    title = ""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(220, 150)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def sizeHint(self) -> QSize:
        return QSize(360, 220)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.fillRect(self.rect(), self.palette().base())
        metrics = QFontMetrics(self.font())
        line = metrics.height()
        painter.setPen(INK)
        bold = self.font()
        bold.setBold(True)
        painter.setFont(bold)
        painter.drawText(QRectF(8, 4, self.width() - 16, line + 2), Qt.AlignmentFlag.AlignLeft, self.title)
        painter.setFont(self.font())
        area = QRectF(8, line + 10, self.width() - 16, self.height() - line - 16)
        self.paint_body(painter, area, metrics)
        painter.end()

    def paint_body(self, painter: QPainter, area: QRectF, metrics: QFontMetrics) -> None:  # pragma: no cover
        raise NotImplementedError

    @staticmethod
    def empty(painter: QPainter, area: QRectF, text: str) -> None:
        painter.setPen(MUTED)
        painter.drawText(area, Qt.AlignmentFlag.AlignCenter, text)


def _elided(metrics: QFontMetrics, text: str, width: float) -> str:
    return metrics.elidedText(text, Qt.TextElideMode.ElideMiddle, int(width))


class RateChart(_Chart):
    """执行率 per project: horizontal bars, lowest first, with the 100 % line."""

    title = "执行率（按项目，低者在上）"
    MIN_BAR = 12  # px per bar; fewer bars are drawn than would be squeezed below it

    def __init__(self, parent=None):
        super().__init__(parent)
        self.items: list[tuple[str, float]] = []
        self.left_out = 0

    def set_data(self, items: list[tuple[str, Decimal | None]]) -> None:
        """(project, 执行率 in %) pairs; projects without a rate are passed over."""
        rated = [(name, float(rate)) for name, rate in items if rate is not None]
        self.items = sorted(rated, key=lambda item: (item[1], item[0]))
        self.update()

    def paint_body(self, painter, area, metrics) -> None:
        if not self.items:
            self.empty(painter, area, "本年度没有可计算执行率的自评表")
            return
        line = metrics.height()
        label_width = min(area.width() * 0.38, max(metrics.horizontalAdvance(n) for n, _ in self.items) + 8)
        value_width = metrics.horizontalAdvance("100.00%") + 6
        axis_h = line + 4
        rows_h = area.height() - axis_h
        min_step = max(self.MIN_BAR, line + 2)  # a label per bar, never overlapping the next
        fits = max(1, int(rows_h // min_step))
        if fits < len(self.items):
            fits = max(1, int((rows_h - line) // min_step))  # room for the note of those left out
        shown = self.items[:fits]
        self.left_out = len(self.items) - len(shown)
        if self.left_out:
            rows_h -= line
        step = max(min_step, min(rows_h / max(1, len(shown)), line + 10))
        plot = QRectF(area.left() + label_width, area.top(), area.width() - label_width - value_width,
                      step * len(shown))
        top_rate = max(100.0, max(rate for _, rate in shown))
        scale = plot.width() / top_rate if top_rate else 0
        # grid lines every 20 % (50 % or only 0 and 100 % when the labels would touch)
        label = metrics.horizontalAdvance("100%") + 8
        every = next((step_ for step_ in (20, 50, 100) if step_ * scale >= label), 100)
        painter.setPen(QPen(GRID, 1))
        for tick in range(0, int(top_rate) + 1, every):
            x = plot.left() + tick * scale
            painter.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()))
            painter.setPen(MUTED)
            painter.drawText(QRectF(x - 20, plot.bottom() + 2, 40, line), Qt.AlignmentFlag.AlignCenter, f"{tick}%")
            painter.setPen(QPen(GRID, 1))
        bar_h = max(4.0, step * 0.68)
        for index, (name, rate) in enumerate(shown):
            y = plot.top() + index * step
            painter.setPen(INK)
            painter.drawText(QRectF(area.left(), y, label_width - 6, step),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             _elided(metrics, name, label_width - 6))
            color = OVER if rate > 100 else LOW if rate < 90 else BAR
            width = max(1.0, rate * scale)
            painter.fillRect(QRectF(plot.left(), y + (step - bar_h) / 2, width, bar_h), color)
            painter.setPen(MUTED)
            painter.drawText(QRectF(plot.left() + width + 4, y, value_width + 40, step),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, f"{rate:.2f}%")
        # the 100 % line, over the bars
        x100 = plot.left() + 100 * scale
        painter.setPen(QPen(QColor("#c62828"), 1.5, Qt.PenStyle.DashLine))
        painter.drawLine(QPointF(x100, plot.top() - 2), QPointF(x100, plot.bottom() + 2))
        if self.left_out:
            painter.setPen(MUTED)
            note = f"另有 {self.left_out} 个执行率较高的项目未画出（表中可按执行率排序）"
            painter.drawText(QRectF(area.left(), plot.bottom() + line + 2, area.width(), line),
                             Qt.AlignmentFlag.AlignLeft, _elided(metrics, note, area.width()))


class GradeChart(_Chart):
    """等级 counts (bars, one per grade) and the 总分 distribution (a histogram)."""

    title = "等级与总分分布"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.grades: list[tuple[str, int]] = []
        self.bands: list[tuple[str, int]] = []
        self.pending = False

    def set_data(self, grades: dict[str, int], bands: list[tuple[str, int]], pending: bool = False) -> None:
        """`pending`: some forms are not scored yet (the counts would be short)."""
        self.grades = list(grades.items())
        self.bands = list(bands)
        self.pending = pending
        self.update()

    def paint_body(self, painter, area, metrics) -> None:
        if self.pending:
            self.empty(painter, area, "总分与等级计算中…")
            return
        if not self.grades or not any(count for _, count in self.grades):
            self.empty(painter, area, "本年度没有已评分的自评表")
            return
        gap = 16
        # Band labels by their lower bound (60+ …): a band's full span rarely fits under its bar.
        bands = [(label if label.startswith("<") else label.split("–")[0] + "+", count)
                 for label, count in self.bands]
        # Each part as wide as its number of bars asks, so grade and band bars match in width.
        share = len(self.grades) / max(1, len(self.grades) + len(bands))
        left = (area.width() - gap) * share
        self._bars(painter, QRectF(area.left(), area.top(), left, area.height()), metrics, self.grades, "等级",
                   lambda label: GRADE_COLORS.get(label, BAR))
        self._bars(painter, QRectF(area.left() + left + gap, area.top(), area.width() - left - gap, area.height()),
                   metrics, bands, "总分分段", lambda label: BAR)

    @staticmethod
    def _bars(painter, area: QRectF, metrics, items, caption: str, color_of) -> None:
        line = metrics.height()
        plot = QRectF(area.left(), area.top() + line + 2, area.width(), area.height() - 2 * line - 8)
        top = max((count for _, count in items), default=0) or 1
        slot = plot.width() / max(1, len(items))
        bar_w = min(slot * 0.7, 48)
        painter.setPen(QPen(GRID, 1))
        painter.drawLine(QPointF(plot.left(), plot.bottom()), QPointF(plot.right(), plot.bottom()))
        for index, (label, count) in enumerate(items):
            x = plot.left() + index * slot + (slot - bar_w) / 2
            height = (plot.height() - line) * count / top
            painter.fillRect(QRectF(x, plot.bottom() - height, bar_w, height), color_of(label))
            painter.setPen(INK)
            painter.drawText(QRectF(x - 10, plot.bottom() - height - line - 1, bar_w + 20, line),
                             Qt.AlignmentFlag.AlignCenter, str(count))
            painter.setPen(MUTED)
            if metrics.horizontalAdvance(label) > slot and label.endswith("+"):
                label = label[:-1]  # "60+" → "60" before anything is cut
            painter.drawText(QRectF(plot.left() + index * slot - 4, plot.bottom() + 3, slot + 8, line),
                             Qt.AlignmentFlag.AlignCenter, _elided(metrics, label, slot + 8))
        painter.setPen(MUTED)
        painter.drawText(QRectF(area.left(), area.top(), area.width(), line), Qt.AlignmentFlag.AlignCenter, caption)


class WeightChart(_Chart):
    """One form's 分值 per 一级 against the definition's defaults: two bars per 一级."""

    title = "分值结构"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.subject = ""
        self.items: list[tuple[str, float, float | None]] = []

    def set_data(self, subject: str, actual: dict[str, Decimal], defaults: dict[str, Decimal]) -> None:
        names = list(defaults) + [name for name in actual if name not in defaults]
        self.subject = subject
        self.items = [(name or "（未填一级）", float(actual.get(name, 0)),
                       float(defaults[name]) if name in defaults else None) for name in names]
        self.update()

    def paint_body(self, painter, area, metrics) -> None:
        if not self.items:
            self.empty(painter, area, "选中表中一个有自评表的项目，查看它的分值结构")
            return
        line = metrics.height()
        painter.setPen(MUTED)
        painter.drawText(QRectF(area.left(), area.top(), area.width(), line), Qt.AlignmentFlag.AlignLeft,
                         _elided(metrics, self.subject, area.width()))
        # the legend, in the title's line on the right
        legend_w = metrics.horizontalAdvance("本表") + metrics.horizontalAdvance("默认") + 52
        legend_x = area.right() - legend_w
        top = area.top() - line - 6
        for text, color in (("本表", ACTUAL_BAR), ("默认", DEFAULT_BAR)):
            painter.fillRect(QRectF(legend_x, top + 4, 10, line - 8), color)
            painter.setPen(INK)
            width = metrics.horizontalAdvance(text)
            painter.drawText(QRectF(legend_x + 14, top, width + 4, line), Qt.AlignmentFlag.AlignLeft, text)
            legend_x += width + 26
        plot = QRectF(area.left(), area.top() + line + 6, area.width(), area.height() - 2 * line - 10)
        top = max(max(a, d or 0) for _, a, d in self.items) or 1
        slot = plot.width() / len(self.items)
        bar_w = min(slot * 0.32, 40)
        painter.setPen(QPen(GRID, 1))
        painter.drawLine(QPointF(plot.left(), plot.bottom()), QPointF(plot.right(), plot.bottom()))
        for index, (name, actual, default) in enumerate(self.items):
            center = plot.left() + index * slot + slot / 2
            for offset, value, color in ((-bar_w - 1, actual, ACTUAL_BAR), (1, default, DEFAULT_BAR)):
                if value is None:
                    continue
                height = (plot.height() - line) * value / top
                rect = QRectF(center + offset, plot.bottom() - height, bar_w, height)
                painter.fillRect(rect, color)
                painter.setPen(INK)
                painter.drawText(QRectF(rect.left() - 8, rect.top() - line - 1, bar_w + 16, line),
                                 Qt.AlignmentFlag.AlignCenter, f"{value:g}")
            differs = default is not None and abs(actual - default) > 1e-9
            painter.setPen(LOW if differs else MUTED)
            painter.drawText(QRectF(plot.left() + index * slot, plot.bottom() + 3, slot, line),
                             Qt.AlignmentFlag.AlignCenter, _elided(metrics, name, slot))
