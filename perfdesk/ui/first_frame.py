"""Work a window does right after its first frame is on screen, not before it."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer


class AfterFirstFrame(QObject):
    """Runs `actions` right after `window`'s next paint pass (its first frame when made before
    the window is shown): a zero-timer started by the window's paint event runs once that pass,
    and the flush of the window to the screen, are over (a zero-timer started before it, by
    `show()`, would run before the paint). Unlike a delay in milliseconds it does not depend on
    how fast the machine is. Under X the window is painted a second time right after the first
    (the server exposes it again), and the actions run between the two passes, holding the
    second one back: only cheap work belongs here (the toolbar icons' 150 ms did not). It
    watches the window alone: a filter on the whole application would have Python wrap every
    object that gets an event during start-up."""

    def __init__(self, window, actions):
        super().__init__(window)
        self.window, self.actions = window, list(actions)
        window.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Paint:
            self.window.removeEventFilter(self)
            for action in self.actions:
                QTimer.singleShot(0, action)
            self.actions = []
        return False
