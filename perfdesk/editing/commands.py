"""Editing layer: undo commands. Each holds ids and old/new values — never an index or a
widget — and changes the document only through the Workspace's mutation methods, so the
store writes every step (undo included) through to the file."""

from __future__ import annotations

import copy

from PySide6.QtGui import QUndoCommand

from perfdesk.domain.model import Indicator, Workspace


class SetIndicatorCommand(QUndoCommand):
    def __init__(self, ws: Workspace, form_id: str, indicator_id: str, attr: str, new, text: str):
        super().__init__(text)
        self.ws, self.form_id, self.indicator_id, self.attr = ws, form_id, indicator_id, attr
        self.old = getattr(ws.forms[form_id].indicator(indicator_id), attr)
        self.new = new

    def redo(self) -> None:
        self.ws.set_indicator(self.form_id, self.indicator_id, self.attr, self.new)

    def undo(self) -> None:
        self.ws.set_indicator(self.form_id, self.indicator_id, self.attr, self.old)


class SetValueCommand(QUndoCommand):
    """One value of a form outside the indicator table: a header field or text, an amount,
    or the entered 预算执行率 得分 / 总分. `write` is a Workspace mutation method bound to
    the form id and key, so the command itself holds only ids and values."""

    def __init__(self, old, new, write, text: str):
        super().__init__(text)
        self.old, self.new, self.write = old, new, write

    def redo(self) -> None:
        self.write(self.new)

    def undo(self) -> None:
        self.write(self.old)


def set_field_command(ws: Workspace, form_id: str, key: str, new: str, text: str) -> SetValueCommand:
    return SetValueCommand(ws.forms[form_id].field(key), new,
                           lambda value: ws.set_field(form_id, key, value), text)


def set_amount_command(ws: Workspace, form_id: str, key: str, new, text: str) -> SetValueCommand:
    return SetValueCommand(ws.forms[form_id].amounts.get(key), new,
                           lambda value: ws.set_amount(form_id, key, value), text)


def set_form_score_command(ws: Workspace, form_id: str, attr: str, new, text: str) -> SetValueCommand:
    """attr: budget_score | total (the entered values; None lets the computed one show)."""
    setter = ws.set_budget_score if attr == "budget_score" else ws.set_total
    return SetValueCommand(getattr(ws.forms[form_id], attr), new,
                           lambda value: setter(form_id, value), text)


class InsertIndicatorsCommand(QUndoCommand):
    """Insert rows at positions (ascending, final positions after the insert)."""

    def __init__(self, ws: Workspace, form_id: str, rows: list[tuple[int, Indicator]], text: str):
        super().__init__(text)
        self.ws, self.form_id = ws, form_id
        self.rows = [(position, copy.deepcopy(indicator)) for position, indicator in sorted(rows, key=lambda r: r[0])]

    def redo(self) -> None:
        for position, indicator in self.rows:
            self.ws.insert_indicator(self.form_id, position, copy.deepcopy(indicator))

    def undo(self) -> None:
        for _, indicator in reversed(self.rows):
            self.ws.remove_indicator(self.form_id, indicator.id)


class RemoveIndicatorsCommand(QUndoCommand):
    def __init__(self, ws: Workspace, form_id: str, indicator_ids: list[str], text: str):
        super().__init__(text)
        self.ws, self.form_id = ws, form_id
        form = ws.forms[form_id]
        self.rows = sorted(((form.position_of(i), copy.deepcopy(form.indicator(i))) for i in set(indicator_ids)),
                           key=lambda row: row[0])

    def redo(self) -> None:
        for _, indicator in reversed(self.rows):
            self.ws.remove_indicator(self.form_id, indicator.id)

    def undo(self) -> None:
        for position, indicator in self.rows:
            self.ws.insert_indicator(self.form_id, position, copy.deepcopy(indicator))


class MoveIndicatorsCommand(QUndoCommand):
    """Move a block of rows up (-1) or down (+1) by one place."""

    def __init__(self, ws: Workspace, form_id: str, indicator_ids: list[str], step: int, text: str):
        super().__init__(text)
        self.ws, self.form_id, self.step = ws, form_id, step
        form = ws.forms[form_id]
        self.ids = sorted(set(indicator_ids), key=form.position_of, reverse=step > 0)

    def _move(self, step: int, ids: list[str]) -> None:
        form = self.ws.forms[self.form_id]
        for indicator_id in ids:
            self.ws.move_indicator(self.form_id, indicator_id, form.position_of(indicator_id) + step)

    def redo(self) -> None:
        self._move(self.step, self.ids)

    def undo(self) -> None:
        self._move(-self.step, list(reversed(self.ids)))


def can_move(ws: Workspace, form_id: str, indicator_ids: list[str], step: int) -> bool:
    form = ws.forms[form_id]
    positions = [form.position_of(i) for i in indicator_ids]
    if not positions:
        return False
    return min(positions) + step >= 0 and max(positions) + step < len(form.indicators)
