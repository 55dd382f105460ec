"""Editing layer: Excel/WPS habits — rectangular ranges as tab-separated text.

Copy writes the cells' text; paste parses each cell with the model's own rules and applies
everything as one undoable step, adding rows when the pasted block is longer than the table.
"""

from __future__ import annotations

import csv
import io

from perfdesk.domain.model import Indicator

from .commands import InsertIndicatorsCommand, SetIndicatorCommand
from .indicator_model import COMPUTED, IndicatorTableModel


def to_tsv(rows: list[list[str]]) -> str:
    """Cells with tabs, newlines or quotes are quoted the way Excel does."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerows(rows)
    return buffer.getvalue()


def from_tsv(text: str) -> list[list[str]]:
    """Excel puts a trailing line break after the last row; WPS sometimes does not."""
    if not text:
        return []
    rows = list(csv.reader(io.StringIO(text.replace("\r\n", "\n")), delimiter="\t"))
    while rows and all(cell == "" for cell in rows[-1]):
        rows.pop()
    return rows


def copy_range(model: IndicatorTableModel, rows: list[int], columns: list[int]) -> str:
    return to_tsv([[model.data(model.index(r, c)) or "" for c in columns] for r in rows])


def paste(model: IndicatorTableModel, top: int, left: int, text: str) -> int:
    """Paste a block at (top, left). Returns how many cells changed (0: nothing happened)."""
    session = model.session
    if session.read_only or model.form_id is None:
        return 0
    block = from_tsv(text)
    if not block:
        return 0
    ws, form_id = session.workspace, model.form_id
    form = ws.forms[form_id]
    keys = [key for key, _ in model.columns]
    template = form.indicators[top - 1] if 0 < top <= len(form.indicators) else None
    missing = top + len(block) - len(form.indicators)
    changed = 0
    with session.macro(f"粘贴 {len(block)} 行") as step:
        if missing > 0:
            new_rows = []
            for i in range(missing):
                level1 = template.level1 if template else ""
                level2 = template.level2 if template else ""
                new_rows.append((len(form.indicators) + i, Indicator(level1=level1, level2=level2)))
            step.do(InsertIndicatorsCommand(ws, form_id, new_rows, f"新增 {missing} 行"))
        for r, cells in enumerate(block):
            indicator = form.indicators[top + r]
            for c, text in enumerate(cells):
                column = left + c
                if column >= len(keys) or keys[column] == COMPUTED:
                    continue
                key = keys[column]
                value = model.coerce(key, text)
                if value is False:
                    continue
                current = getattr(indicator, key)
                if (current.raw if key in ("target", "actual") else current) == value:
                    continue
                step.do(SetIndicatorCommand(ws, form_id, indicator.id, key, value, "粘贴"))
                changed += 1
    if not step.ok:
        return 0
    return changed + max(missing, 0)
