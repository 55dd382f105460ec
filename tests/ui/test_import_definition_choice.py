"""导入 in the window when two definitions fit a table equally: the table is not guessed, the
dialog says so, and picking 表单定义 reads the file again with that one."""

from __future__ import annotations

from perfdesk.formdefs import default_registry
from perfdesk.store import FileStore
from perfdesk.ui.import_dialog import ImportDialog
from perfdesk.ui.main_window import MainWindow

from ..importing.handmade import save_xlsx
from ..importing.test_definition_choice import _twin
from ..importing.test_target_2020 import _layout
from .test_import_ui import tree_texts


def test_a_tie_waits_for_the_users_choice(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("PERFDESK_DATA_DIR", str(tmp_path / "userdata"))
    _twin(tmp_path / "userdata" / "forms")
    target = tmp_path / "新文件.perfdesk"
    FileStore.create(target).close()
    window = MainWindow(default_registry())
    qtbot.addWidget(window)
    assert window.open_file(target)
    source = tmp_path / "2020.xlsx"
    save_xlsx(source, [("2020", _layout("cells"))])
    dialog = ImportDialog(window, window.session, [source])
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: not dialog.reading)
    assert not dialog.import_button.isEnabled()
    assert any("同样符合" in text and "twin-2020" in text for text in tree_texts(dialog))
    index = dialog.definition_choice.findData("twin-2020")
    assert index > 0
    dialog.definition_choice.setCurrentIndex(index)
    qtbot.waitUntil(lambda: not dialog.reading and bool(dialog.results))
    assert dialog.import_button.isEnabled() and dialog.import_button.text() == "导入 1 张表"
    texts = tree_texts(dialog)
    assert any("孪生目标表" in text for text in texts)
    assert any("只有这一个表单定义可用" in text for text in texts)
    dialog.definition_choice.setCurrentIndex(0)  # back to 自动: the tie again
    qtbot.waitUntil(lambda: not dialog.reading and bool(dialog.results))
    assert not dialog.import_button.isEnabled()
    dialog.close()
    window.close()


def test_the_window_says_which_user_definition_it_left_out(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("PERFDESK_DATA_DIR", str(tmp_path / "userdata"))
    forms = tmp_path / "userdata" / "forms"
    forms.mkdir(parents=True)
    (forms / "bad.toml").write_text('id = "bad"\nkind = "declaration"\ntitel = "x"\n', encoding="utf-8")
    window = MainWindow(default_registry())
    qtbot.addWidget(window)
    message = window.statusBar().currentMessage()
    assert "未能载入" in message and "bad.toml" in message and "titel" in message
    window.close()
