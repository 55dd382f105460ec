"""Header fields carry their issues: a tinted field with the issue in its tooltip, cleared when
fixed; an issue of another section with the same column key (a table's column) is not theirs."""

from __future__ import annotations

from PySide6.QtCore import Qt

from perfdesk.domain.validation import Issue, Location, Severity

from .conftest import open_form


def _field(window, key):
    return window.editor.field_widgets[key]


def test_an_emptied_required_field_is_marked_until_filled_again(window, qtbot):
    form_id = open_form(window, "专项业务费", 2026)
    field = _field(window, "project_name")
    assert field.styleSheet() == ""
    name = field.text()
    field.selectAll()
    qtbot.keyClick(field, Qt.Key.Key_Delete)
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert window.session.form(form_id).fields.get("project_name", "") == ""
    assert field.styleSheet() != "" and "项目名称" in field.toolTip()
    field.insert(name)  # as an input method commits Chinese text
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert field.styleSheet() == "" and field.toolTip() == ""


def test_an_issue_of_another_section_with_the_fields_key_is_not_shown_on_the_field(window):
    form_id = open_form(window, "专项业务费", 2026)
    editor = window.editor
    field = _field(window, "project_name")
    analysis = window.session.analysis(form_id)
    own = editor.field_sections["project_name"]
    for section, severity in (("tasks", Severity.ERROR), (own, Severity.WARNING)):
        issue = Issue("W99", severity, Location(form_id, section, None, 1, "project_name"), "某处", f"{section}的问题")
        analysis.by_cell.setdefault((None, "project_name"), []).append(issue)
    editor._on_analysis_changed(form_id)
    assert f"{own}的问题" in field.toolTip() and "tasks的问题" not in field.toolTip()
