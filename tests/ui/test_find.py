"""查找 (Ctrl+F): the whole file is searched, and each hit shows its form and cell."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence

from perfdesk.editing.find import find_all

from .conftest import form_id_of


def test_find_all_covers_project_names_indicators_values_and_header_texts(demo_ws, registry):
    form = next(f for f in demo_ws.forms.values() if f.indicators and f.year == 2022)
    ind = form.indicators[1]
    hits = find_all(demo_ws, registry, ind.level3)
    assert any(h.form_id == form.id and h.location.item_id == ind.id and h.location.column == "level3"
               for h in hits)
    assert all(ind.level3.casefold() in h.text.casefold() for h in hits)
    target_hits = find_all(demo_ws, registry, ind.target.raw)
    assert any(h.location.item_id == ind.id and h.location.column == "target" for h in target_hits)
    project = demo_ws.project_name(form)
    name_hits = find_all(demo_ws, registry, project)
    forms_of_project = {f.id for f in demo_ws.forms.values() if demo_ws.project_name(f) == project}
    assert forms_of_project <= {h.form_id for h in name_hits}
    department = form.field("department")
    assert department
    assert any(h.location.column == "department" for h in find_all(demo_ws, registry, department[:6]))
    assert find_all(demo_ws, registry, "  ") == []
    assert find_all(demo_ws, registry, "不会出现的文字ⅩⅩ") == []


def test_find_all_is_case_insensitive_for_latin_text(demo_ws, registry):
    form = next(f for f in demo_ws.forms.values() if f.indicators)
    demo_ws.set_indicator(form.id, form.indicators[0].id, "reason", "Network Upgrade")
    hits = find_all(demo_ws, registry, "network upgrade")
    assert [(h.form_id, h.location.column) for h in hits] == [(form.id, "reason")]


def test_ctrl_f_opens_the_find_dialog_and_next_previous_jump_to_the_cells(window, qtbot):
    assert window.find_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Find)
    assert window.find_dialog is None  # made when first used
    window.find_action.trigger()
    dialog = window.find_dialog
    assert dialog is not None and dialog.isVisible()
    hits = dialog.search("补充日常经费")
    assert len(hits) >= 2 and dialog.results.count() == len(hits)
    target_form = form_id_of(window, "补充日常经费", 2022)
    # A row value of another project's form: the jump selects that form and the cell.
    ws = window.session.workspace
    form = ws.forms[target_form]
    ind = form.indicators[2]
    hits = dialog.search(ind.level3)
    assert dialog.next()
    first = hits[0]
    assert window.editor.form_id == first.form_id == window.navigator.current_form_id()
    index = window.editor.indicator_panel.view.currentIndex()
    model = window.editor.indicator_model
    assert index.row() == model.row_of(first.location.item_id)
    assert index.column() == model.column_of("level3")
    if len(hits) > 1:
        assert dialog.next() and dialog.current == 1
        assert dialog.previous() and dialog.current == 0
    assert dialog.previous() and dialog.current == len(hits) - 1  # wraps around


def test_clicking_a_result_jumps_to_a_header_field(window, qtbot):
    window.find()
    dialog = window.find_dialog
    hits = dialog.search("上海市公积金管理中心")
    assert hits
    index = next(i for i, h in enumerate(hits) if h.location.column == "implementer")
    dialog.results.itemClicked.emit(dialog.results.item(index))
    assert window.editor.form_id == hits[index].form_id
    assert dialog.current == index


def test_nothing_found_says_so(window):
    dialog = window.find()
    assert dialog.search("不会出现的文字ⅩⅩ") == []
    assert "未找到" in dialog.status.text()
    assert not dialog.next()


def test_opening_another_file_clears_the_old_files_hits(window, tmp_path):
    dialog = window.find()
    assert dialog.search("补充日常经费")
    other = tmp_path / "other.perfdesk"
    other.write_bytes(window.session.store.path.read_bytes())
    assert window.open_file(other)
    assert dialog.hits == [] and dialog.results.count() == 0
    hits = dialog.search("补充日常经费")  # found again, in the file now open
    assert hits and all(h.form_id in window.session.workspace.forms for h in hits)
    assert dialog.next() and window.editor.form_id == hits[0].form_id
