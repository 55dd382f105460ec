"""Editing layer: Excel/WPS habits — rectangular ranges as tab-separated text.

Copy writes the cells' text, and the same block as an HTML table with every cell marked as
text (so Excel / WPS keep "=100%" as typed instead of reading a formula); paste reads the plain
text and asks the cell planner (cell_plan.py) what the block changes
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


def range_texts(model: IndicatorTableModel, rows: list[int], columns: list[int]) -> list[list[str]]:
    return [[model.data(model.index(r, c)) or "" for c in columns] for r in rows]


def copy_range(model: IndicatorTableModel, rows: list[int], columns: list[int]) -> str:
    return to_tsv(range_texts(model, rows, columns))


# Excel and WPS read an HTML table from the clipboard before the plain text and would take
# "=100%" for a formula (and lose the "="), so every cell is marked as text: the number format
# "@" (mso-number-format) and x:str. Calc keeps such cells as typed as well.
_TEXT_CELL = "<td style='mso-number-format:\"\\@\"' x:str>"


def to_html(rows: list[list[str]]) -> str:
    """A block as an HTML table whose every cell Excel / WPS keep as text."""
    from html import escape

    def cell(text: str) -> str:
        body = "<br style='mso-data-placement:same-cell'>".join(escape(line) for line in text.split("\n"))
        return _TEXT_CELL + body + "</td>"

    body = "".join("<tr>" + "".join(cell(text) for text in row) + "</tr>" for row in rows)
    return ("<html xmlns:o=\"urn:schemas-microsoft-com:office:office\" "
            "xmlns:x=\"urn:schemas-microsoft-com:office:excel\">"
            "<head><meta charset=\"utf-8\"><style>td { mso-number-format:\"\\@\"; }</style></head>"
            "<body><table>" + body + "</table></body></html>")


def copy_range_html(model: IndicatorTableModel, rows: list[int], columns: list[int]) -> str:
    return to_html(range_texts(model, rows, columns))


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
