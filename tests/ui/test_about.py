"""帮助 ▸ 关于 and the program icon."""

from PySide6.QtGui import QGuiApplication

from perfdesk import version
from perfdesk.paths import crash_log_path, data_dir


def test_window_and_application_have_the_icon(window):
    icon = QGuiApplication.windowIcon()
    sizes = {(s.width(), s.height()) for s in icon.availableSizes()}
    assert {(48, 48), (256, 256)} <= sizes
    small = icon.pixmap(16, 16).toImage()
    assert small.width() == 16 and len({small.pixel(x, y) for x in range(16) for y in range(16)}) > 5


def test_about_shows_version_and_data_folder_and_copies_them(window, qtbot):
    dialog = window.about()
    qtbot.waitExposed(dialog)
    shown = dialog.text()
    assert f"版本：{version()}" in shown
    assert f"数据文件夹：{data_dir()}" in shown and str(window.session.store.path) in shown
    assert str(crash_log_path()) in shown
    from PySide6.QtWidgets import QLabel

    visible = "\n".join(label.text() for label in dialog.findChildren(QLabel))
    assert str(data_dir()) in visible and version() in visible
    dialog.copy_button.click()
    assert QGuiApplication.clipboard().text() == dialog.text()
    assert dialog.copy_button.text() == "已复制"
    dialog.accept()


def test_about_opens_the_data_folder(window, monkeypatch):
    from perfdesk.ui import about_dialog

    opened = []
    monkeypatch.setattr(about_dialog.QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    dialog = window.about()
    dialog.open_button.click()
    assert [url.toLocalFile() for url in opened] == [str(data_dir())] and data_dir().is_dir()
    dialog.accept()
