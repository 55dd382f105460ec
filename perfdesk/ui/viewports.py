"""Viewports made in Python for PerfDesk's item views and scroll areas.

Qt gives every scroll area a viewport widget it makes itself. The first time Python asks for
one (`view.viewport()`), PySide must find out which Python class to wrap that `QWidget *` in,
and to do that it builds the Python class of every widget class of QtWidgets that could be
it — QWizard, QMessageBox, QFileDialog, QCalendarWidget, QGraphicsView, QMdiArea, … — with all
their enums: some 70 enum classes, 15–20 ms of the window's start-up for classes its first
frame never shows. A viewport made here already has its Python object, so asking for it
costs nothing.

`own_viewport` sets the widget up as Qt sets up its own (object name, background role — a
QScrollArea's shows its parent's background, an item view's the Base colour —, background
filled); Qt does the rest in `setViewport` (parent, focus proxy, event filter, gestures).
tests/ui/test_viewports.py compares the result with Qt's own viewport attribute by attribute.
"""

from __future__ import annotations

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QAbstractScrollArea, QScrollArea, QWidget


def own_viewport(view: QAbstractScrollArea) -> QWidget:
    """Give `view` (an item view or a QScrollArea, before its contents are set) a viewport
    made in Python, and return it."""
    viewport = QWidget()
    viewport.setObjectName("qt_scrollarea_viewport")
    role = QPalette.ColorRole.NoRole if isinstance(view, QScrollArea) else QPalette.ColorRole.Base
    viewport.setBackgroundRole(role)
    viewport.setAutoFillBackground(True)
    view.setViewport(viewport)
    return viewport
