"""Editing layer: undo commands. Each holds ids and old/new values — never an index or a
widget — and changes the document only through the Workspace's mutation methods.

A command's `apply` and `revert` change the document in memory; `EditSession` runs them
inside one workspace step, so the store writes the whole step (undo included) in one
transaction, and takes a step back in memory when the file refuses it. `redo`/`undo` are
what `QUndoStack` calls: after the session has run a command itself they only let the stack
move its index; called on their own (a test, a script) they run the command as a step.
"""

from __future__ import annotations

import copy

from PySide6.QtGui import QUndoCommand

from perfdesk.domain.model import Form, Indicator, OverrideNote, Project, TableRow, Workspace, copy_rows
from perfdesk.domain.provenance import confirmed_provenance, is_carried


class Step(QUndoCommand):
    """Base of every undoable command: subclasses define `apply` and `revert`."""

    ws: Workspace | None = None

    def __init__(self, text: str):
        super().__init__(text)
        self._ran = False

    def apply(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def revert(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def changed(self) -> bool:
        """Did the last `apply` change anything worth an undo step?"""
        return True

    def ran_outside_stack(self) -> None:
        """The session has just run this command (or taken it back): the stack's next
        redo/undo call only moves its index."""
        self._ran = True

    def _run(self, action) -> None:
        if self._ran:
            self._ran = False
            return
        if self.ws is None:
            action()
            return
        with self.ws.step():
            action()

    def redo(self) -> None:
        self._run(self.apply)

    def undo(self) -> None:
        self._run(self.revert)


class MacroStep(Step):
    """Several commands as one step, applied in order and reverted in reverse."""

    def __init__(self, ws: Workspace, children: list[Step], text: str):
        super().__init__(text)
        self.ws = ws
        self.children = children

    def apply(self) -> None:
        for child in self.children:
            child.apply()

    def revert(self) -> None:
        for child in reversed(self.children):
            child.revert()

    def changed(self) -> bool:
        return any(child.changed() for child in self.children)


class SetIndicatorCommand(Step):
    """One cell. Editing a rolled-forward value also confirms it (its tint goes), and undo
    brings the tint back with the old value."""

    def __init__(self, ws: Workspace, form_id: str, indicator_id: str, attr: str, new, text: str):
        super().__init__(text)
        self.ws, self.form_id, self.indicator_id, self.attr = ws, form_id, indicator_id, attr
        indicator = ws.forms[form_id].indicator(indicator_id)
        self.old = indicator.get(attr)  # a built-in attribute, or an extra column's text
        self.new = new
        self.old_provenance = indicator.provenance
        self.new_provenance = (confirmed_provenance(indicator.provenance, [attr])
                               if attr != "provenance" and is_carried(indicator, attr) else indicator.provenance)

    def apply(self) -> None:
        self.ws.set_indicator(self.form_id, self.indicator_id, self.attr, self.new)
        if self.new_provenance != self.old_provenance:
            self.ws.set_indicator(self.form_id, self.indicator_id, "provenance", self.new_provenance)

    def revert(self) -> None:
        if self.new_provenance != self.old_provenance:
            self.ws.set_indicator(self.form_id, self.indicator_id, "provenance", self.old_provenance)
        self.ws.set_indicator(self.form_id, self.indicator_id, self.attr, self.old)


class SetValueCommand(Step):
    """One value of a form outside the indicator table: a header field or text, an amount,
    or the entered 预算执行率 得分 / 总分. `write` is a Workspace mutation method bound to
    the form id and key, so the command itself holds only ids and values."""

    def __init__(self, old, new, write, text: str, ws: Workspace | None = None):
        super().__init__(text)
        self.old, self.new, self.write = old, new, write
        self.ws = ws

    def apply(self) -> None:
        self.write(self.new)

    def revert(self) -> None:
        self.write(self.old)


def set_field_command(ws: Workspace, form_id: str, key: str, new: str, text: str) -> SetValueCommand:
    return SetValueCommand(ws.forms[form_id].field(key), new,
                           lambda value: ws.set_field(form_id, key, value), text, ws)


def set_amount_command(ws: Workspace, form_id: str, key: str, new, text: str) -> SetValueCommand:
    return SetValueCommand(ws.forms[form_id].amounts.get(key), new,
                           lambda value: ws.set_amount(form_id, key, value), text, ws)


def set_form_score_command(ws: Workspace, form_id: str, attr: str, new, text: str,
                           note: OverrideNote | None = None) -> SetValueCommand:
    """attr: budget_score | total — a person's override with its note; None lets the rule's
    score count again (总分按计算 / 预算执行率得分按计算)."""
    form = ws.forms[form_id]
    setter = ws.set_budget_score if attr == "budget_score" else ws.set_total
    old_note = form.budget_note if attr == "budget_score" else form.total_note
    return SetValueCommand((getattr(form, attr), old_note), (new, note if new is not None else None),
                           lambda pair: setter(form_id, pair[0], pair[1]), text, ws)


class SetScoreCommand(Step):
    """A row's 得分 override and its note, together; `value=None` removes the override
    (采用计算得分) so the rule's score counts again."""

    def __init__(self, ws: Workspace, form_id: str, indicator_id: str, value, note: OverrideNote | None,
                 text: str):
        super().__init__(text)
        self.ws, self.form_id, self.indicator_id = ws, form_id, indicator_id
        indicator = ws.forms[form_id].indicator(indicator_id)
        self.old = (indicator.score, indicator.score_note)
        self.new = (value, note if value is not None else None)

    def _set(self, pair) -> None:
        self.ws.set_indicator(self.form_id, self.indicator_id, "score", pair[0])
        self.ws.set_indicator(self.form_id, self.indicator_id, "score_note", pair[1])

    def apply(self) -> None:
        self._set(self.new)

    def revert(self) -> None:
        self._set(self.old)

    def changed(self) -> bool:
        return self.old != self.new


class SetTableCommand(Step):
    """The rows of one of a form's own table sections (年度主要任务), replaced as a whole:
    typing in a cell, adding or removing a row. Undo puts the old rows back, ids and all."""

    def __init__(self, ws: Workspace, form_id: str, section: str, rows: list[TableRow], text: str):
        super().__init__(text)
        self.ws, self.form_id, self.section = ws, form_id, section
        self.old = copy_rows(ws.forms[form_id].tables.get(section, []))
        self.new = copy_rows(rows)

    def apply(self) -> None:
        self.ws.set_table(self.form_id, self.section, copy_rows(self.new))

    def revert(self) -> None:
        self.ws.set_table(self.form_id, self.section, copy_rows(self.old))

    def changed(self) -> bool:
        return [(r.id, r.cells) for r in self.old] != [(r.id, {k: v for k, v in r.cells.items() if v})
                                                       for r in self.new]


class InsertIndicatorsCommand(Step):
    """Insert rows at positions (ascending, final positions after the insert)."""

    def __init__(self, ws: Workspace, form_id: str, rows: list[tuple[int, Indicator]], text: str):
        super().__init__(text)
        self.ws, self.form_id = ws, form_id
        # Indicator.copy(): its own `extra` dict; every other field is immutable (str, Decimal,
        # frozen Value / OverrideNote), so this is as safe as a deepcopy and some 10× cheaper.
        self.rows = [(position, indicator.copy()) for position, indicator in sorted(rows, key=lambda r: r[0])]

    def apply(self) -> None:
        for position, indicator in self.rows:
            self.ws.insert_indicator(self.form_id, position, indicator.copy())

    def revert(self) -> None:
        for _, indicator in reversed(self.rows):
            self.ws.remove_indicator(self.form_id, indicator.id)


class RemoveIndicatorsCommand(Step):
    def __init__(self, ws: Workspace, form_id: str, indicator_ids: list[str], text: str):
        super().__init__(text)
        self.ws, self.form_id = ws, form_id
        form = ws.forms[form_id]
        self.rows = sorted(((form.position_of(i), form.indicator(i).copy()) for i in set(indicator_ids)),
                           key=lambda row: row[0])

    def apply(self) -> None:
        for _, indicator in reversed(self.rows):
            self.ws.remove_indicator(self.form_id, indicator.id)

    def revert(self) -> None:
        for position, indicator in self.rows:
            self.ws.insert_indicator(self.form_id, position, indicator.copy())


class MoveIndicatorsCommand(Step):
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

    def apply(self) -> None:
        self._move(self.step, self.ids)

    def revert(self) -> None:
        self._move(-self.step, list(reversed(self.ids)))


def can_move(ws: Workspace, form_id: str, indicator_ids: list[str], step: int) -> bool:
    """上移 / 下移 keep rows inside their 一级 / 二级 group, so the order on screen is the
    order in print; moving to another group is 更改层级…, not a move."""
    form = ws.forms[form_id]
    positions = sorted({form.position_of(i) for i in indicator_ids})
    if not positions:
        return False
    if min(positions) + step < 0 or max(positions) + step >= len(form.indicators):
        return False
    rows = form.indicators
    group = (rows[positions[0]].level1, rows[positions[0]].level2)
    return all((rows[p].level1, rows[p].level2) == group and
               (rows[p + step].level1, rows[p + step].level2) == group for p in positions)


class TextFieldCommand(SetValueCommand):
    """Typing in a long text commits every pause; consecutive commits of the same text merge
    into one undo step, so Ctrl+Z takes back the whole paragraph, not one pause of it."""

    MERGE_ID = 0x5445  # "TE"

    def __init__(self, ws: Workspace, form_id: str, key: str, new: str, text: str):
        super().__init__(ws.forms[form_id].field(key), new, lambda value: ws.set_field(form_id, key, value), text,
                         ws)
        self.target = (form_id, key)

    def id(self) -> int:
        return self.MERGE_ID

    def mergeWith(self, other) -> bool:
        if not isinstance(other, TextFieldCommand) or other.target != self.target:
            return False
        self.new = other.new
        return True


class RenameProjectCommand(Step):
    """A project's name is also the 项目名称 of each of its forms: both change together."""

    def __init__(self, ws: Workspace, project_id: str, name: str, text: str):
        super().__init__(text)
        self.ws, self.project_id, self.new = ws, project_id, name
        self.old = ws.projects[project_id].name
        self.old_fields = {f.id: f.fields.get("project_name") for f in ws.forms_of(project_id)}

    def apply(self) -> None:
        self.ws.rename_project(self.project_id, self.new)
        for form_id, old in self.old_fields.items():
            if old is not None and form_id in self.ws.forms:
                self.ws.set_field(form_id, "project_name", self.new)

    def revert(self) -> None:
        for form_id, old in self.old_fields.items():
            if old is not None and form_id in self.ws.forms:
                self.ws.set_field(form_id, "project_name", old)
        self.ws.rename_project(self.project_id, self.old)


class AddFormsCommand(Step):
    """Add forms (and, when given, their new project). Undo removes exactly those."""

    def __init__(self, ws: Workspace, forms: list[Form], text: str, project: Project | None = None):
        super().__init__(text)
        self.ws = ws
        self.project = copy.deepcopy(project)
        self.forms = [copy.deepcopy(form) for form in forms]

    def apply(self) -> None:
        if self.project is not None:
            self.ws.add_project(copy.deepcopy(self.project))
        for form in self.forms:
            self.ws.add_form(copy.deepcopy(form))

    def revert(self) -> None:
        if self.project is not None:
            self.ws.remove_project(self.project.id)
            return
        for form in reversed(self.forms):
            self.ws.remove_form(form.id)


class RemoveFormsCommand(Step):
    """Delete forms, or a whole project with all its years. Undo puts back the same ids."""

    def __init__(self, ws: Workspace, text: str, form_ids: list[str] = (), project_id: str | None = None):
        super().__init__(text)
        self.ws = ws
        self.project = copy.deepcopy(ws.projects[project_id]) if project_id else None
        ids = [f.id for f in ws.forms_of(project_id)] if project_id else list(form_ids)
        self.forms = [copy.deepcopy(ws.forms[i]) for i in ids]

    def apply(self) -> None:
        if self.project is not None:
            self.ws.remove_project(self.project.id)
            return
        for form in self.forms:
            self.ws.remove_form(form.id)

    def revert(self) -> None:
        if self.project is not None:
            self.ws.add_project(copy.deepcopy(self.project))
        for form in self.forms:
            self.ws.add_form(copy.deepcopy(form))
