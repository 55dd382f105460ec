"""Viewports made in Python (perfdesk/ui/viewports.py): set up as Qt's own, and used by every
scroll area of the window's first frame."""

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QScrollArea,
    QTableView,
    QTreeView,
    QWidget,
)

from perfdesk.ui.viewports import own_viewport


def _state(viewport: QWidget) -> dict:
    """What a viewport's look and behaviour depend on."""
    state = {attribute.name: viewport.testAttribute(attribute) for attribute in Qt.WidgetAttribute}
    state.update(
        object_name=viewport.objectName(),
        background_role=viewport.backgroundRole(),
        fills_background=viewport.autoFillBackground(),
        mouse_tracking=viewport.hasMouseTracking(),
        focus_policy=viewport.focusPolicy(),
        focus_proxy_is_view=viewport.focusProxy() is viewport.parentWidget(),
        context_menu=viewport.contextMenuPolicy(),
        geometry=viewport.geometry().getRect(),
        colour=viewport.palette().color(viewport.backgroundRole()).name(),
    )
    return state


@pytest.mark.parametrize("cls", [QTableView, QTreeView, QScrollArea])
def test_own_viewport_is_set_up_as_qt_sets_up_its_own(qtbot, cls):
    theirs, ours = cls(), cls()
    made = own_viewport(ours)
    for view in (theirs, ours):
        qtbot.addWidget(view)
        if isinstance(view, QScrollArea):
            view.setWidget(QWidget())
        view.resize(320, 200)
        view.show()
    qtbot.waitExposed(ours)
    QApplication.processEvents()
    assert ours.viewport() is made
    assert _state(ours.viewport()) == _state(theirs.viewport())


def test_every_scroll_area_of_the_window_has_a_viewport_made_in_python(window):
    """The window's item views and the form's scroll area: asking them for their viewport
    never has PySide look up the type of a widget Qt made."""
    views = [v for v in window.findChildren(QAbstractItemView)
             if v.window() is window and not isinstance(v, QHeaderView)]  # headers: no viewport asked
    views.append(window.editor.scroll)
    names = {type(v).__name__ for v in views}
    assert {"IndicatorView", "FrozenColumns", "FundingTable", "QTreeView", "QTableView"} <= names
    made_by_qt = [type(v).__name__ for v in views if not shiboken6.createdByPython(v.viewport())]
    assert made_by_qt == []
