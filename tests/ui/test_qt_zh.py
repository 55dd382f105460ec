"""Qt's standard dialogs speak Chinese: with Qt's own qtbase_zh_CN.qm, and without it through
PerfDesk's fallback translator (perfdesk/ui/qt_zh.py)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QLabel, QLineEdit, QMessageBox, QPlainTextEdit

from perfdesk.app import create_application
from perfdesk.ui.qt_zh import TRANSLATIONS, ChineseQtTranslator


@pytest.fixture
def app_without_translators():
    """The application with every translator taken out (Qt without its .qm files); put
    back afterwards."""
    app = create_application()
    installed = app.findChildren(QTranslator)
    for translator in installed:
        QCoreApplication.removeTranslator(translator)
    added: list[QTranslator] = []
    yield app, added
    for translator in added:
        QCoreApplication.removeTranslator(translator)
    for translator in installed:
        QCoreApplication.installTranslator(translator)


def file_dialog_words(parent=None) -> dict[str, str]:
    dialog = QFileDialog(parent, "打开", "", "PerfDesk 文件 (*.perfdesk)")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    try:
        words = {name: dialog.findChild(QLabel, name).text() for name in ("lookInLabel", "fileNameLabel", "fileTypeLabel")}
        box = dialog.findChild(QDialogButtonBox, "buttonBox")
        words["accept"] = box.button(QDialogButtonBox.StandardButton.Open).text()
        words["cancel"] = box.button(QDialogButtonBox.StandardButton.Cancel).text()
        return words
    finally:
        dialog.deleteLater()


def test_without_any_translation_qt_speaks_english(app_without_translators):
    # what a Qt without qtbase_zh_CN.qm shows: the case the fallback is for
    words = file_dialog_words()
    assert words["lookInLabel"].replace("&", "") == "Look in:"
    assert words["fileTypeLabel"].replace("&", "") == "Files of type:"


def test_the_fallback_puts_the_file_dialog_message_box_and_text_menus_in_chinese(app_without_translators):
    app, added = app_without_translators
    translator = ChineseQtTranslator(app)
    added.append(translator)
    assert QCoreApplication.installTranslator(translator)

    words = file_dialog_words()
    assert words == {"lookInLabel": "查找范围(&L)：", "fileNameLabel": "文件名(&N)：", "fileTypeLabel": "文件类型(&T)：",
                     "accept": "打开(&O)", "cancel": "取消"}

    box = QMessageBox(QMessageBox.Icon.Question, "PerfDesk", "？",
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No | QMessageBox.StandardButton.Cancel
                      | QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Close)
    texts = {button: box.button(button).text() for button in (
        QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No, QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Ok, QMessageBox.StandardButton.Close)}
    assert sorted(texts.values()) == sorted(["是(&Y)", "否(&N)", "取消", "确定", "关闭"])
    box.deleteLater()

    for widget in (QLineEdit(), QPlainTextEdit()):
        menu = widget.createStandardContextMenu()
        shown = [action.text().split("\t")[0] for action in menu.actions() if not action.isSeparator()]
        assert {"撤销(&U)", "复制(&C)", "粘贴(&P)", "全选"} <= set(shown), shown
        assert not any(text.isascii() and text for text in shown), shown
        menu.deleteLater()
        widget.deleteLater()


def test_the_fallback_leaves_what_it_does_not_know_to_qt(app_without_translators):
    translator = ChineseQtTranslator()
    assert translator.translate("QFileDialog", "Look in:") == "查找范围："
    # not known: None (a null string) so that Qt asks on; "" would blank the word
    assert translator.translate("QFileDialog", "Something new in Qt 7") is None
    assert translator.translate("QSomethingElse", "OK") is None
    assert not translator.isEmpty()
    for context, words in TRANSLATIONS.items():
        assert all(source and text and not text.isascii() for source, text in words.items()), context


def test_create_application_falls_back_when_qt_has_no_chinese_file(app_without_translators, monkeypatch):
    import perfdesk.app as app_module

    class NoFile(QTranslator):
        def load(self, *args, **kwargs):
            return False

    app, added = app_without_translators
    monkeypatch.setattr(app_module, "QTranslator", NoFile)
    monkeypatch.delattr(app, "perfdesk_qt_zh", raising=False)  # as in a fresh process
    create_application()
    added.append(app.perfdesk_qt_zh)
    assert isinstance(app.perfdesk_qt_zh, ChineseQtTranslator)
    words = file_dialog_words()
    assert (words["lookInLabel"], words["fileTypeLabel"], words["cancel"]) == ("查找范围(&L)：", "文件类型(&T)：", "取消")
    count = len(app.findChildren(ChineseQtTranslator))
    create_application()  # installed once only, however often it is called
    assert len(app.findChildren(ChineseQtTranslator)) == count


def test_with_qts_own_file_every_label_of_the_file_dialog_is_chinese():
    """Qt 6.11's own file misses "&Look in:" and "Files of &type:": the list fills them in."""
    create_application()
    words = file_dialog_words()
    assert all(not text.replace("&", "").isascii() for text in words.values()), words
    assert words["lookInLabel"] == "查找范围(&L)：" and words["fileTypeLabel"] == "文件类型(&T)："
