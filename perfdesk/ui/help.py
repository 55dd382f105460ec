"""UI layer: 帮助 → 使用说明 — a short guide shipped with the program, shown offline."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout

from perfdesk.places import shipped

GUIDE = shipped("resources") / "help" / "guide.html"


def guide_html() -> str:
    try:
        return GUIDE.read_text(encoding="utf-8")
    except OSError:
        return "<p>未找到使用说明文件（resources/help/guide.html）。请重新安装 PerfDesk。</p>"


class HelpDialog(QDialog):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("使用说明 — PerfDesk")
        self.setModal(False)
        self.resize(640, 560)
        layout = QVBoxLayout(self)
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(False)
        self.browser.setHtml(guide_html())
        layout.addWidget(self.browser, 1)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        box.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        box.rejected.connect(self.reject)
        layout.addWidget(box)
