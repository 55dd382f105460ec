"""In the window, a hostile or damaged .perfdesk gets a dialog naming the problem — the
process neither dies (an sNaN used to kill it) nor loses the file it showed — and the file,
its folder and the lock stay as they were."""

from __future__ import annotations

import pytest

from perfdesk.app import create_application
from perfdesk.cli import write_demo
from perfdesk.ui.dialogs import Ask
from perfdesk.ui.main_window import MainWindow

from . import corpus

CASES = ["weight-snan", "weight-nan", "indicator-of-missing-form", "form-of-missing-project", "trigger-on-edit",
         "recursive-view", "view-instead-of-table", "user-version-negative", "user-version-0", "unknown-definition",
         "unknown-kind", "year-text", "project-name-null", "text-not-utf8", "duplicate-project-id"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return {case.name: case for case in corpus.build(tmp_path_factory.mktemp("hostile-window"), set(CASES))}


@pytest.fixture
def window(qtbot, tmp_path):
    create_application()
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.open_file(write_demo(tmp_path / "demo.perfdesk"))
    yield window
    window.close()


@pytest.mark.parametrize("name", CASES)
def test_a_hostile_file_gets_a_dialog(window, built, name, monkeypatch):
    case = built[name]
    folder = case.path.parent
    before = corpus.snapshot(folder)
    shown = window.session.store.path
    dialogs = []
    monkeypatch.setattr(Ask, "error", classmethod(lambda cls, parent, title, text: dialogs.append((title, text))))
    assert not window.open_file(case.path)
    [(title, text)] = dialogs
    assert title == "无法打开文件" and "\n" not in text
    for word in case.words:
        assert word in text
    assert window.session.store.path == shown  # the file shown before stays open and editable
    assert not window.session.read_only
    assert corpus.snapshot(folder) == before
