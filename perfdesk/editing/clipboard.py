"""Editing layer: Excel/WPS habits — rectangular ranges as tab-separated text.

Copy writes the cells' text; paste asks the cell planner (cell_plan.py) what the block changes
and runs it as one undoable step, adding rows when the pasted block is longer than the table.
"""

from __future__ import annotations

import io

from .indicator_model import IndicatorTableModel


def to_tsv(rows: list[list[str]]) -> str:
    """Cells with tabs, newlines or quotes are quoted the way Excel does."""
    import csv  # on first copy, not on the window's way to the screen

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerows(rows)
    return buffer.getvalue()


def from_tsv(text: str) -> list[list[str]]:
    """Excel puts a trailing line break after the last row; WPS sometimes does not."""
    if not text:
        return []
    import csv

    rows = list(csv.reader(io.StringIO(text.replace("\r\n", "\n")), delimiter="\t"))
    while rows and all(cell == "" for cell in rows[-1]):
        rows.pop()
    return rows


def copy_range(model: IndicatorTableModel, rows: list[int], columns: list[int]) -> str:
    return to_tsv([[model.data(model.index(r, c)) or "" for c in columns] for r in rows])


def paste(model: IndicatorTableModel, top: int, left: int, text: str) -> int:
    """Paste a block at (top, left) as one step. Returns how many cells changed plus how
    many rows were added (0: nothing happened). The cell planner leaves out read-only
    columns (计算得分, last year's), unusable and unchanged values."""
    if model.session.read_only or model.form_id is None:
        return 0
    block = from_tsv(text)
    if not block:
        return 0
    step_text = f"粘贴 {len(block)} 行"
    return model.run_plan(model.plan_block(top, left, block, step_text), step_text)
