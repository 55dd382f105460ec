"""导入 in the window: files are read off the GUI thread, the preview shows what was recognised,
nothing is written before 导入, and the import is ONE undo step in the window and the file."""

import threading

import pytest
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication, QDialog

from perfdesk.export import export_forms
from perfdesk.store import FileStore
from perfdesk.ui import import_dialog
from perfdesk.ui.import_dialog import ImportDialog
from perfdesk.ui.main_window import MainWindow

PROJECTS = ("补充日常经费", "专项业务费")


def disk(path):
    with FileStore.open(path, read_only=True) as reader:
        ws = reader.workspace
        return set(ws.forms), {p.name for p in ws.projects.values()}, ws.unit.name


@pytest.fixture
def exported(demo_path, tmp_path, registry):
    """One xlsx with four forms of two projects (2022 self-evaluations, 2026 declarations),
    written by PerfDesk's own export."""
    with FileStore.open(demo_path, read_only=True) as reader:
        ws = reader.workspace
        forms = [f for f in ws.forms.values() if ws.project_name(f) in PROJECTS]
        assert len(forms) == 4
        (path,) = export_forms(ws, forms, registry, "xlsx", tmp_path / "out", one_file=True)
    return path


@pytest.fixture
def empty_window(qtbot, tmp_path):
    target = tmp_path / "新文件.perfdesk"
    FileStore.create(target).close()
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.open_file(target)
    window.show()
    yield window, target
    window.close()


def tree_texts(dialog):
    texts = []

    def walk(item):
        texts.append(" | ".join(item.text(c) for c in range(dialog.tree.columnCount())))
        for i in range(item.childCount()):
            walk(item.child(i))

    for i in range(dialog.tree.topLevelItemCount()):
        walk(dialog.tree.topLevelItem(i))
    return texts


def play_dialog(monkeypatch, qtbot, paths, steps):
    """Pick `paths`, then replace the modal loop: wait for the reader, then `steps(dialog)`."""
    seen = {}
    monkeypatch.setattr(ImportDialog, "pick_files", classmethod(lambda cls, parent, folder: [str(p) for p in paths]))

    def fake_exec(self):
        seen["dialog"] = self
        self.show()
        qtbot.waitUntil(lambda: not self.reading)
        steps(self)
        return self.result()

    monkeypatch.setattr(ImportDialog, "exec", fake_exec)
    return seen


def test_import_exported_xlsx_into_a_new_file_in_one_undo_step(empty_window, exported, qtbot, monkeypatch):
    window, target = empty_window
    ws = window.session.workspace

    def steps(dialog):
        texts = "\n".join(tree_texts(dialog))
        assert f"{exported.name} · Excel · 识别 4 张表" in texts
        for project in PROJECTS:
            assert f"{project} | 2022 | 上海市财政项目支出绩效自评表" in texts
            assert f"{project} | 2026 | 上海市财政项目支出绩效目标申报表" in texts
        assert "单位汇总清单" in texts  # the lists in the workbook: said, not imported
        assert "将导入 4 张表（新建项目 2 个）" in dialog.summary.text()
        assert dialog.import_button.isEnabled() and dialog.import_button.text() == "导入 4 张表"
        assert disk(target) == (set(), set(), "")  # nothing written before 导入
        dialog.import_button.click()

    play_dialog(monkeypatch, qtbot, [exported], steps)
    assert window.import_forms()

    assert len(ws.forms) == 4 and {p.name for p in ws.projects.values()} == set(PROJECTS)
    ids = set(ws.forms)
    assert window.editor.form_id in ids and window.navigator.current_form_id() == window.editor.form_id
    assert all(window.navigator.model.index_of_form(i).isValid() for i in ids)
    assert disk(target) == (ids, set(PROJECTS), "上海市公积金管理中心")
    stack = window.session.undo_stack
    assert stack.count() == 1

    stack.undo()
    assert not ws.forms and not ws.projects and ws.unit.name == ""
    assert window.editor.form_id is None
    assert disk(target) == (set(), set(), "")

    stack.redo()
    assert set(ws.forms) == ids
    assert disk(target) == (ids, set(PROJECTS), "上海市公积金管理中心")


def test_damaged_xlsx_shows_its_error_and_imports_nothing(empty_window, tmp_path, qtbot, monkeypatch):
    window, target = empty_window
    bad = tmp_path / "坏表.xlsx"
    bad.write_bytes(b"PK\x03\x04" + b"\x00garbage" * 200)

    def steps(dialog):
        top = dialog.tree.topLevelItem(0)
        assert top.text(0) == "坏表.xlsx · 无法导入"
        assert top.foreground(0).color() == import_dialog.RED
        message = top.child(0).text(0)
        assert "坏表.xlsx" in message and ("损坏" in message or "无法" in message)
        assert top.child(0).foreground(0).color() == import_dialog.RED
        assert not dialog.import_button.isEnabled()
        assert "1 个文件无法导入" in dialog.summary.text() and "没有可以导入的表" in dialog.summary.text()
        dialog.accept()  # refused: there is nothing to import
        assert dialog.isVisible()
        dialog.reject()

    play_dialog(monkeypatch, qtbot, [bad], steps)
    assert not window.import_forms()
    assert window.session.undo_stack.count() == 0
    assert disk(target) == (set(), set(), "")


def test_forms_already_in_the_file_are_skipped(window, exported, qtbot, monkeypatch, demo_path):
    before = set(window.session.workspace.forms)

    def steps(dialog):
        texts = "\n".join(tree_texts(dialog))
        assert texts.count("跳过（已存在）") == 4
        assert not dialog.import_button.isEnabled()
        dialog.reject()

    play_dialog(monkeypatch, qtbot, [exported], steps)
    assert not window.import_forms()
    assert set(window.session.workspace.forms) == before and window.session.undo_stack.count() == 0


# The preview is a QTreeWidget: no item model of ours to give qtmodeltester (and Qt's own
# tree-widget model fails its "column 1 has no children" check).
def test_each_file_gets_its_own_branch_in_order(window, exported, qtbot, tmp_path):
    empty = tmp_path / "空.docx"
    empty.write_bytes(b"")
    dialog = ImportDialog(window, window.session, [empty, exported])
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: not dialog.reading)
    assert dialog.tree.topLevelItemCount() == 2
    assert dialog.tree.topLevelItem(0).text(0) == "空.docx · 无法导入"
    assert dialog.tree.topLevelItem(0).child(0).text(0).startswith("空.docx")
    assert dialog.tree.topLevelItem(1).text(0).endswith("识别 4 张表")


def test_reading_happens_off_the_gui_thread_and_can_be_stopped(empty_window, exported, qtbot, monkeypatch, tmp_path):
    window, _ = empty_window
    second = tmp_path / "第二个.xlsx"
    second.write_bytes(exported.read_bytes())
    entered, release = threading.Event(), threading.Event()
    threads = []
    real = import_dialog.import_file

    def slow(path, definitions):
        threads.append(QThread.currentThread())
        entered.set()
        assert release.wait(30)  # a safety net, not a timing assertion
        return real(path, definitions)

    monkeypatch.setattr(import_dialog, "import_file", slow)
    dialog = ImportDialog(window, window.session, [exported, second])
    qtbot.addWidget(dialog)
    assert entered.wait(30)
    assert dialog.reading and dialog.stop_button.isEnabled() and not dialog.import_button.isEnabled()
    assert any("等待读取" in t for t in tree_texts(dialog))
    dialog.stop_button.click()
    release.set()
    qtbot.waitUntil(lambda: not dialog.reading)
    assert threads and threads[0] is not QApplication.instance().thread()
    assert [r.path for r in dialog.results] == [exported]
    assert dialog.unread == [second]
    assert any("第二个.xlsx · 未读取" in t for t in tree_texts(dialog))
    assert dialog.import_button.isEnabled()  # what was read can still be imported


def test_closing_while_reading_waits_for_the_thread(window, exported, qtbot, monkeypatch):
    entered, release = threading.Event(), threading.Event()
    real = import_dialog.import_file

    def slow(path, definitions):
        entered.set()
        release.wait(30)
        return real(path, definitions)

    monkeypatch.setattr(import_dialog, "import_file", slow)
    dialog = ImportDialog(window, window.session, [exported])
    qtbot.addWidget(dialog)
    assert entered.wait(30)
    threading.Timer(0.05, release.set).start()  # lets reject()'s wait return; not asserted on
    dialog.reject()
    assert not dialog.reading and dialog.result() == QDialog.DialogCode.Rejected


def test_read_only_window_cannot_import(window, qtbot, demo_path, monkeypatch):
    second = MainWindow()
    qtbot.addWidget(second)
    assert second.open_file(demo_path)
    assert not second.import_action.isEnabled()
    monkeypatch.setattr(ImportDialog, "ask", classmethod(lambda *a, **k: pytest.fail("asked on a read-only file")))
    assert not second.import_forms()
    second.close()


def test_add_files_button_reads_more(empty_window, exported, qtbot, monkeypatch, tmp_path):
    window, _ = empty_window
    bad = tmp_path / "坏.xlsx"
    bad.write_bytes(b"junk")
    dialog = ImportDialog(window, window.session, [exported])
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: not dialog.reading)
    monkeypatch.setattr(ImportDialog, "pick_files", classmethod(lambda cls, parent, folder: [str(bad), str(exported)]))
    dialog.add_button.click()
    qtbot.waitUntil(lambda: not dialog.reading)
    assert [r.path.name for r in dialog.results] == [exported.name, "坏.xlsx"]  # no file twice
    assert dialog.import_button.text() == "导入 4 张表"


def test_each_file_is_listed_as_soon_as_it_is_read(empty_window, exported, qtbot, monkeypatch, tmp_path):
    """The reader streams its results: the first file is in the tree while the second is
    still being read."""
    window, _ = empty_window
    second = tmp_path / "第二个.xlsx"
    second.write_bytes(exported.read_bytes())
    entered, release = threading.Event(), threading.Event()
    real = import_dialog.import_file

    def slow_second(path, definitions):
        if path == second:
            entered.set()
            assert release.wait(30)  # a safety net, not a timing assertion
        return real(path, definitions)

    monkeypatch.setattr(import_dialog, "import_file", slow_second)
    dialog = ImportDialog(window, window.session, [exported, second])
    qtbot.addWidget(dialog)
    assert entered.wait(30)
    qtbot.waitUntil(lambda: len(dialog.results) == 1)
    assert dialog.reading and [r.path for r in dialog.results] == [exported]
    texts = tree_texts(dialog)
    assert any(f"{exported.name} · Excel · 识别 4 张表" in t for t in texts)
    assert any("第二个.xlsx · 等待读取" in t for t in texts)
    assert "第 2 个，共 2 个" in dialog.status.text() and dialog.progress.value() == 1
    release.set()
    qtbot.waitUntil(lambda: not dialog.reading)
    assert [r.path for r in dialog.results] == [exported, second]
    assert dialog.progress.value() == 2 and dialog.status.text() == "读取完毕。"


def test_closing_mid_read_keeps_the_file_being_read_and_leaves_no_thread(window, exported, qtbot, monkeypatch,
                                                                        tmp_path):
    second = tmp_path / "第二个.xlsx"
    second.write_bytes(exported.read_bytes())
    entered, release = threading.Event(), threading.Event()
    real = import_dialog.import_file
    read = []

    def slow(path, definitions):
        read.append(path)
        entered.set()
        release.wait(30)
        return real(path, definitions)

    monkeypatch.setattr(import_dialog, "import_file", slow)
    dialog = ImportDialog(window, window.session, [exported, second])
    qtbot.addWidget(dialog)
    assert entered.wait(30)
    job = dialog._job
    threading.Timer(0.05, release.set).start()  # lets reject()'s wait return; not asserted on
    dialog.reject()
    assert not job.running and not dialog.reading
    assert read == [exported]  # the second file was never opened
    assert [r.path for r in dialog.results] == [exported] and dialog.unread == [second]
    assert dialog.status.text() == "已停止读取，未读取的文件不会导入。"
