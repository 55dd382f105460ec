"""Editing layer: which commands a cell edit needs — decided in one place.

Every way of changing indicator cells (typing in a cell, renaming a merged 一级 / 二级 group,
clearing a selection, changing the level, pasting a block, confirming carried values, 分值配平)
and every amount typed into the 项目资金 grid asks this planner what to run. It parses each
value with its column's rules and leaves out

- cells that are not an indicator's own value (计算得分, last year's columns, unknown keys),
- a 评定档次 on a row whose target is a number (the rules score those rows from the number),
- values that do not parse (a weight of "四分", an unknown grade),
- values that would not change anything;

and turns the rows of a block below the table into new rows, filled in as they are inserted.
Where the definition prints the weights in the 三级 names (`weights = "label"`), a 三级 typed or
pasted as `验收合格率（10分）` is the name and the row's weight: two cells of one step.
The result is a list of undo commands the caller runs as ONE step (`EditSession.push_all`).

A row with one changed cell gets the plain `SetIndicatorCommand`; a row with several gets a
`SetRowCommand`, which confirms the rolled-forward values of all of them at once (separate
commands built up front would each confirm only their own cell and undo each other's).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Iterable, Sequence

from perfdesk.domain.model import INDICATOR_ATTRS, INDICATOR_NUMBER_ATTRS, INDICATOR_VALUE_ATTRS, Indicator, Workspace
from perfdesk.domain.provenance import Provenance, confirmed_provenance
from perfdesk.domain.definition import SectionDef
from perfdesk.domain.values import NUMBER_LIMIT, Value, parse, parse_number
from perfdesk.formdefs.label_weights import split_weight, weights_in_label

from .commands import InsertIndicatorsCommand, SetIndicatorCommand, Step, set_amount_command

UNUSABLE = object()  # what `coerce` gives for a value that does not parse


def parse_decimal(text: str) -> Decimal | None | bool:
    """A weight, score or amount as typed; '' clears it; False when it is not a usable
    number (the strict grammar of `values.parse_number`; `number_refusal` says why)."""
    try:
        return parse_number(text)
    except ValueError:
        return False


def number_refusal(value) -> str | None:
    """Why a typed weight, score or amount is refused (Chinese, for the status bar), or None."""
    if isinstance(value, Decimal):
        return None if _usable_decimal(value) else "数字超出可处理的范围，未保存。"
    try:
        parse_number("" if value is None else str(value))
    except ValueError as exc:
        return f"{exc}（未保存）"
    return None


def _usable_decimal(value: Decimal) -> bool:
    return value.is_finite() and value.copy_abs() <= NUMBER_LIMIT


def coerce(key: str, value, bands: Sequence = ()) -> object:
    """A typed text (or a value of the right type already) → the attribute's value, or
    UNUSABLE. Target and actual stay text: the workspace parses them and keeps the text."""
    if key in INDICATOR_NUMBER_ATTRS:
        if isinstance(value, Decimal):
            return value if _usable_decimal(value) else UNUSABLE
        number = parse_decimal("" if value is None else str(value))
        return UNUSABLE if number is False else number
    if key == "adjusted":
        return value if isinstance(value, bool) else UNUSABLE
    text = "" if value is None else value.raw if isinstance(value, Value) else str(value)
    if key == "grade":
        text = text.strip()
        if not text:
            return None
        band = next((b for b in bands if text in (b.key, b.label)), None)
        return band.key if band else UNUSABLE
    return text.strip() if key in ("level1", "level2") else text


def current(indicator: Indicator, key: str):
    """The attribute as the planner compares it (target and actual: the typed text)."""
    value = getattr(indicator, key)
    return value.raw if key in INDICATOR_VALUE_ATTRS else value


def grade_applies(target: Value | str) -> bool:
    """The rules turn a grade into a score only where the target is not a number."""
    return not (target if isinstance(target, Value) else parse(target)).is_quantitative


@dataclass
class CellPlan:
    """The commands to run as one step, and what they change."""

    commands: list[Step] = field(default_factory=list)
    cells: int = 0  # cells whose value changes (new rows included)
    rows_added: int = 0
    refused: list[str] = field(default_factory=list)  # why typed numbers were not stored

    def __bool__(self) -> bool:
        return bool(self.commands)


class SetRowCommand(Step):
    """Several cells of one row. Like SetIndicatorCommand, editing rolled-forward values
    confirms them, and undo brings their tint back with the old values."""

    def __init__(self, ws: Workspace, form_id: str, indicator_id: str, changes: dict[str, object], text: str):
        super().__init__(text)
        self.ws, self.form_id, self.indicator_id = ws, form_id, indicator_id
        indicator = ws.forms[form_id].indicator(indicator_id)
        self.new = {k: v for k, v in changes.items() if k != "provenance"}
        self.old = {k: getattr(indicator, k) for k in self.new}
        self.old_provenance = indicator.provenance
        provenance = changes.get("provenance", indicator.provenance)
        carried = [k for k in self.new if k in Provenance.from_text(provenance).unconfirmed]
        self.new_provenance = confirmed_provenance(provenance, carried) if carried else provenance

    def apply(self) -> None:
        for attr, value in self.new.items():
            self.ws.set_indicator(self.form_id, self.indicator_id, attr, value)
        if self.new_provenance != self.old_provenance:
            self.ws.set_indicator(self.form_id, self.indicator_id, "provenance", self.new_provenance)

    def revert(self) -> None:
        if self.new_provenance != self.old_provenance:
            self.ws.set_indicator(self.form_id, self.indicator_id, "provenance", self.old_provenance)
        for attr in reversed(list(self.old)):
            self.ws.set_indicator(self.form_id, self.indicator_id, attr, self.old[attr])


def _row_changes(indicator: Indicator, wanted: dict[str, object]) -> dict[str, object]:
    """The values of `wanted` (already coerced) that change the row and may be set on it."""
    target = wanted.get("target", indicator.target)
    changes = {}
    for key, new in wanted.items():
        if key == "grade" and not grade_applies(target):
            continue
        if current(indicator, key) != new:
            changes[key] = new
    return changes


def _coerced(cells: Iterable[tuple[str, object]], bands: Sequence,
             refused: list[str] | None = None) -> dict[str, object]:
    wanted: dict[str, object] = {}
    for key, value in cells:
        if key not in INDICATOR_ATTRS:  # 计算得分, last year's columns: shown, never written
            continue
        new = coerce(key, value, bands)
        if new is not UNUSABLE:
            wanted[key] = new
        elif refused is not None and key in INDICATOR_NUMBER_ATTRS:
            why = number_refusal(value)
            if why and why not in refused:
                refused.append(why)
    return wanted


def split_label_weights(row_cells: list[tuple[str, object]], section: SectionDef | None) -> list[tuple[str, object]]:
    """One row's cells, with a 三级 written as `验收合格率（10分）` split into the name and the weight
    when `section` prints the weights in the 三级 names. A weight given for the same row as a
    cell of its own wins over the one in the name; elsewhere the text stays as typed."""
    if not weights_in_label(section):
        return row_cells
    given = any(key == "weight" for key, _ in row_cells)
    out: list[tuple[str, object]] = []
    for key, value in row_cells:
        text = value.raw if isinstance(value, Value) else value
        if key == "level3" and isinstance(text, str):
            name, weight = split_weight(text, section)
            if weight is not None:
                out.append((key, name))
                if not given:
                    out.append(("weight", weight))
                continue
        out.append((key, value))
    return out


def plan_cells(ws: Workspace, form_id: str, cells: Iterable[tuple[int, str, object]], text: str,
               bands: Sequence = (), section: SectionDef | None = None) -> CellPlan:
    """Cells given as (row, column key or attribute, typed text or value); rows outside the
    table are skipped. One command per changed row, in the order the rows first appear.
    `section`: the form's indicators section, for weights written in the 三级 name."""
    form = ws.forms[form_id]
    by_row: dict[int, list[tuple[str, object]]] = {}
    for row, key, value in cells:
        if 0 <= row < len(form.indicators):
            by_row.setdefault(row, []).append((key, value))
    plan = CellPlan()
    for row, row_cells in by_row.items():
        indicator = form.indicators[row]
        changes = _row_changes(indicator, _coerced(split_label_weights(row_cells, section), bands, plan.refused))
        if not changes:
            continue
        if len(changes) == 1:
            (key, new), = changes.items()
            plan.commands.append(SetIndicatorCommand(ws, form_id, indicator.id, key, new, text))
        else:
            plan.commands.append(SetRowCommand(ws, form_id, indicator.id, changes, text))
        plan.cells += len(changes)
    return plan


def plan_block(ws: Workspace, form_id: str, keys: Sequence[str], top: int, left: int,
               block: Sequence[Sequence[object]], text: str, bands: Sequence = (),
               section: SectionDef | None = None) -> CellPlan:
    """A rectangular block (rows of texts or values) put at (top, left) of a table whose
    columns are `keys`. Rows below the last one become new rows; the 一级 / 二级 cells are
    read as `continue_merged_levels` says."""
    form = ws.forms[form_id]
    count = len(form.indicators)
    existing: list[tuple[int, str, object]] = []
    below: list[tuple[list[tuple[str, object]], tuple[str, str]]] = []
    rows_cells = [[(keys[left + c], value) for c, value in enumerate(values) if 0 <= left + c < len(keys)]
                  for values in block]
    for r, (row_cells, levels) in enumerate(continue_merged_levels(form.indicators, top, rows_cells)):
        if top + r < count:
            existing.extend((top + r, key, value) for key, value in row_cells)
        else:
            below.append((row_cells, levels))
    plan = plan_cells(ws, form_id, existing, text, bands, section)
    if below:
        rows = []
        for i, (row_cells, (level1, level2)) in enumerate(below):
            indicator = Indicator(level1=level1, level2=level2)
            changes = _row_changes(indicator, _coerced(split_label_weights(row_cells, section), bands, plan.refused))
            for key, new in changes.items():
                setattr(indicator, key, parse(new) if key in INDICATOR_VALUE_ATTRS else new)
            plan.cells += len(changes)
            rows.append((count + i, indicator))
        plan.commands.insert(0, InsertIndicatorsCommand(ws, form_id, rows, f"新增 {len(rows)} 行"))
        plan.rows_added = len(rows)
    return plan


LEVEL_KEYS = ("level1", "level2")


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def continue_merged_levels(indicators: Sequence[Indicator], top: int,
                           rows_cells: Sequence[Sequence[tuple[str, object]]]
                           ) -> list[tuple[list[tuple[str, object]], tuple[str, str]]]:
    """Each pasted row's cells with its 一级 / 二级 as the block means them, and the (一级, 二级)
    the row ends up in.

    一级 and 二级 are merged cells, and Excel (WPS too) copies a merged cell's text into its top
    cell only, leaving the cells under it empty. So, below the block's first row, an empty 一级
    cell continues the 一级 of the row above it, and an empty 二级 cell the 二级 above it while the
    row stays in that 一级. In the first row an empty cell is an empty cell (it clears the row's
    group, as typing would). A new row (below the table) whose block gives no 一级 / 二级 joins the
    group of the row just above it: the table's last row as the paste leaves it, or the new row
    before it."""
    count = len(indicators)
    above = (indicators[top - 1].level1, indicators[top - 1].level2) if 0 < top <= count else ("", "")
    out = []
    for r, row_cells in enumerate(rows_cells):
        new_row = top + r >= count
        given = {key: value for key, value in row_cells if key in LEVEL_KEYS}
        own = ("", "") if new_row else (indicators[top + r].level1, indicators[top + r].level2)
        level1 = _level(given, "level1", own[0], above[0], new_row, r)
        level2 = _level(given, "level2", own[1], above[1] if level1 == above[0] else "", new_row, r)
        levels = {"level1": level1, "level2": level2}
        out.append(([(key, levels[key] if key in LEVEL_KEYS else value) for key, value in row_cells],
                    (level1, level2)))
        above = (level1, level2)
    return out


def _level(given: dict[str, object], key: str, own: str, above: str, new_row: bool, r: int) -> str:
    """One row's 一级 or 二级 after the paste (see `continue_merged_levels`): `own` is what an
    existing row has, `above` what the row above it ends up with."""
    if key not in given:  # the block does not reach this column
        return above if new_row else own
    value = given[key]
    if not _blank(value):
        return str(value).strip()
    return above if new_row or r > 0 else ""


def plan_amount(ws: Workspace, form_id: str, amount_key: str, value, text: str) -> Step | None:
    """One amount of the 项目资金 grid as typed; None when it does not parse or is unchanged."""
    new = value if isinstance(value, Decimal) else parse_decimal("" if value is None else str(value))
    if new is False or (isinstance(new, Decimal) and not _usable_decimal(new)):
        return None  # `number_refusal(value)` says why
    if ws.forms[form_id].amounts.get(amount_key) == new:
        return None
    return set_amount_command(ws, form_id, amount_key, new, text)
