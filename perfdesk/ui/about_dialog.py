"""帮助 ▸ 关于 PerfDesk: the version, where the user's things are, and a way to hand them to
support (open the data folder, copy the facts to the clipboard)."""

from __future__ import annotations

import platform
import sys
from pathlib import Path

from PySide6 import __version__ as PYSIDE_VERSION
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel, QPushButton,
                               QVBoxLayout, QWidget)

from perfdesk import version
from perfdesk.paths import crash_log_path, data_dir, settings_path


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None, current_file: Path | None):
        super().__init__(parent)
        self.setWindowTitle("关于 PerfDesk")
        self.facts = {
            "版本": version(),
            "当前文件": str(current_file) if current_file else "—",
            "数据文件夹": str(data_dir()),
            "设置文件": str(settings_path()),
            "错误日志": str(crash_log_path()) + ("" if crash_log_path().exists() else "（尚无）"),
            "运行环境": f"Python {platform.python_version()} · PySide6 {PYSIDE_VERSION} · "
                    f"{platform.system()} {platform.release()} · {QGuiApplication.platformName()}",
        }
        icon = QLabel()
        icon.setPixmap(QGuiApplication.windowIcon().pixmap(64, 64))
        title = QLabel(f"<b style='font-size:15pt'>PerfDesk {self.facts['版本']}</b><br>"
                       "预算绩效目标申报表与项目支出绩效自评表的填报工具")
        top = QHBoxLayout()
        top.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(title, 1)
        grid = QFormLayout()
        for label, value in list(self.facts.items())[1:]:
            text = QLabel(value)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            text.setWordWrap(True)
            grid.addRow(f"{label}：", text)
        note = QLabel("卸载或重新安装 PerfDesk 不会删除数据文件夹和您的 .perfdesk 文件。")
        note.setStyleSheet("color: #555;")
        buttons = QDialogButtonBox()
        self.open_button = QPushButton("打开数据文件夹")
        self.copy_button = QPushButton("复制以上信息")
        buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        close = buttons.addButton("关闭", QDialogButtonBox.ButtonRole.AcceptRole)
        close.setDefault(True)
        self.open_button.clicked.connect(self.open_data_folder)
        self.copy_button.clicked.connect(self.copy_facts)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(grid)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)

    def text(self) -> str:
        return "\n".join(f"{label}：{value}" for label, value in self.facts.items()) + \
            f"\n系统：{sys.platform} {platform.version()}"

    def copy_facts(self) -> None:
        QGuiApplication.clipboard().setText(self.text())
        self.copy_button.setText("已复制")

    def open_data_folder(self) -> bool:
        folder = data_dir()
        folder.mkdir(parents=True, exist_ok=True)
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))
