"""Copy to Excel / WPS / Calc: beside the tab-separated text, an HTML table whose cells are
marked as text, so `=100%` stays `=100%` instead of becoming a formula."""

import re

from perfdesk.editing.clipboard import copy_range, copy_range_html, from_tsv, to_html
from perfdesk.editing.indicator_model import IndicatorTableModel

from .conftest import form_id_of

TEXT_CELL = re.compile(r"<td style='mso-number-format:\"\\@\"' x:str>(.*?)</td>")


def test_every_cell_of_the_html_table_is_marked_as_text_and_escaped():
    html = to_html([["=100%", "≥95%"], ["<b>&", "甲\n乙"]])
    assert TEXT_CELL.findall(html) == ["=100%", "≥95%", "&lt;b&gt;&amp;",
                                       "甲<br style='mso-data-placement:same-cell'>乙"]
    assert 'mso-number-format:"\\@"' in html.split("</style>")[0]  # the sheet-wide default too
    assert html.count("<tr>") == 2


def test_copy_of_a_target_gives_the_same_block_as_text_and_as_text_cells(session):
    form_id = form_id_of(session, "补充日常经费")
    model = IndicatorTableModel(session)
    model.set_form(form_id)
    target = model.column_of("target")
    assert model.setData(model.index(0, target), "=100%")
    rows, columns = [0, 1], [model.column_of("level3"), target]
    text = copy_range(model, rows, columns)
    html = copy_range_html(model, rows, columns)
    assert from_tsv(text)[0] == [model.indicator_at(0).level3, "=100%"]  # text/plain unchanged
    assert TEXT_CELL.findall(html) == [cell for row in from_tsv(text) for cell in row]
