"""Layout layer: the unit-level list of a year's forms as a print grid.

年度项目绩效目标汇总表 (declarations) and 年度项目支出绩效自评清单 (self-evaluations: 序号 |
项目名称 | 备注, optionally 总分 and 等级). The columns are data (`list_columns` in the
definition's `[layout]`): `seq`, `project`, `field:<key>`, `amount:<row>.<column>`, `total`,
`grade`, `note`; a column with `optional = true` prints only when scores are asked for.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any, Sequence

from perfdesk.domain.definition import FormDefinition
from perfdesk.domain.model import Form, Workspace
from perfdesk.domain.scoring import score_form

from .forms import GridBuilder, scaled_widths, finish
from .grid import CellKind, PrintGrid, Style
from .settings import settings_of
from .text import line_height

DEFAULT_COLUMNS: tuple[dict[str, Any], ...] = (
    {"key": "seq", "label": "序号", "width": 14},
    {"key": "project", "label": "项目名称", "width": 110},
    {"key": "total", "label": "总分", "width": 20, "optional": True},
    {"key": "grade", "label": "等级", "width": 16, "optional": True},
    {"key": "note", "label": "备注", "width": 50},
)


def list_columns(definition: FormDefinition, with_scores: bool) -> list[dict[str, Any]]:
    settings = settings_of(definition)
    columns = list(settings.list_columns) or list(DEFAULT_COLUMNS)
    scored = definition.scoring is not None
    return [c for c in columns
            if not c.get("optional") or (with_scores and scored)
            if c["key"] not in ("total", "grade") or scored]


def list_title(definition: FormDefinition, workspace: Workspace, year: int) -> str:
    return settings_of(definition).list_title.format(unit=workspace.unit.name, year=year)


def build_list_grid(definition: FormDefinition, workspace: Workspace, forms: Sequence[Form], year: int,
                    *, with_scores: bool = False) -> PrintGrid:
    """The list of `forms` (one year, one kind) in the layout of `definition`."""
    settings = settings_of(definition)
    columns = list_columns(definition, with_scores)
    ncols = len(columns)
    b = GridBuilder(settings, ncols)
    title = list_title(definition, workspace, year)
    r = b.row("title", line_height(settings.title_size) + 6)
    b.add(r, 0, title, colspan=ncols, kind=CellKind.TITLE,
          style=Style(font=settings.title_font, size=settings.title_size, border=False), where="标题")
    header = b.row()
    unit = definition.amount_unit
    for c, column in enumerate(columns):
        b.add(header, c, str(column["label"]).replace("{unit}", unit), kind=CellKind.LABEL, style=b.label,
              where=f"「{column['label']}」")
    sums: dict[int, Decimal] = {}
    for number, form in enumerate(forms, start=1):
        r = b.row()
        name = workspace.project_name(form) or form.field("project_name")
        score = score_form(form, definition) if definition.scoring is not None else None
        for c, column in enumerate(columns):
            key = str(column["key"])
            where = f"第{number}行「{column['label']}」"
            if key == "seq":
                b.number_cell(r, c, 1, Decimal(number), where)
            elif key == "project":
                b.add(r, c, name, style=b.text, where=where)
            elif key.startswith("field:"):
                b.add(r, c, form.field(key[6:]), where=where)
            elif key.startswith("amount:"):
                row_key, _, column_key = key[7:].partition(".")
                value = form.amount(row_key, column_key)
                b.amount_cell(r, c, 1, value, where)
                if value is not None:
                    sums[c] = sums.get(c, Decimal(0)) + value
            elif key == "total" and score is not None:
                total = form.total if form.total is not None else score.total
                b.number_cell(r, c, 1, total, where)
            elif key == "grade" and score is not None:
                b.add(r, c, score.grade or "", where=where)
            else:
                b.add(r, c, "", where=where)
    if any(str(c["key"]).startswith("amount:") for c in columns):
        # A money column gets its 合计 line, as the bureau's summary tables print it.
        r = b.row()
        first_amount = min(i for i, c in enumerate(columns) if str(c["key"]).startswith("amount:"))
        b.add(r, 0, "合计", colspan=max(first_amount, 1), kind=CellKind.LABEL, style=b.label, where="合计")
        for c in range(max(first_amount, 1), ncols):
            if str(columns[c]["key"]).startswith("amount:"):
                b.amount_cell(r, c, 1, sums.get(c, Decimal(0)), "合计")
            else:
                b.add(r, c, "")
    widths = [float(c.get("width", 20)) for c in columns]
    grid = PrintGrid(
        name=title,
        sheet_name=str(column_title(definition)),
        widths=scaled_widths(replace(settings, column_widths=tuple(widths))),
        rows=b.rows,
        cells=b.cells,
        orientation=settings.orientation,
        paper=settings.paper,
        margins=settings.margins,
        repeat_rows=(header, header),
        keep_groups=[(0, header + 1)],
    )
    grid.check()
    return finish(grid)


def column_title(definition: FormDefinition) -> str:
    """The sheet name of a list: 汇总表 or 自评清单."""
    title = settings_of(definition).list_title
    return "自评清单" if "清单" in title else "汇总表"
