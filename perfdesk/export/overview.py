"""Export layer: the 年度总览 as a print grid, written to xlsx and PDF in the forms' print style.

The grid is built with the layout's own `GridBuilder` and the year's self-evaluation layout
(fonts, sizes, minimum row height, margins; landscape A4 for the wide table), and drawn by the
same `ExcelWriter` / `PdfWriter` as the forms, so numbers are numeric cells with the forms'
formats and the PDF embeds the same fonts. Nothing here imports Qt.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Callable

from perfdesk.domain.definition import FormDefinition, FormKind
from perfdesk.domain.diff import Change
from perfdesk.domain.model import Workspace
from perfdesk.domain.overview import YearOverview
from perfdesk.layout.forms import GridBuilder, finish, scaled_widths
from perfdesk.layout.grid import CellKind, PrintGrid, Style
from perfdesk.layout.settings import LayoutSettings, settings_of
from perfdesk.layout.text import format_percent, line_height, percent_format

from .names import safe_title

COLUMNS = (  # (key, label, width in mm before scaling)
    ("seq", "序号", 10), ("project", "项目名称", 62), ("declaration", "申报表", 16), ("selfeval", "自评表", 16),
    ("funds", "年度资金（元）", 30), ("executed", "全年执行数（元）", 30), ("rate", "执行率", 18),
    ("total", "总分", 14), ("grade", "等级", 11), ("errors", "错误", 11), ("warnings", "警告", 11),
    ("overrides", "人工评定", 17), ("changed", "最后修改", 27),
)
DIFF_COLUMNS = (("seq", "序号", 10), ("form", "表", 70), ("kind", "类别", 22), ("where", "位置", 75),
                ("old", "原内容", 50), ("new", "新内容", 50))


def _settings(ws: Workspace, year: int, definition_of: Callable[[str], FormDefinition]) -> LayoutSettings:
    """The print style of the year's forms (a self-evaluation's if there is one), landscape."""
    chosen = None
    for form in ws.forms.values():
        if form.year != year:
            continue
        try:
            definition = definition_of(form.definition_id)
        except KeyError:
            continue
        if chosen is None or form.kind is FormKind.SELF_EVALUATION:
            chosen = definition
            if form.kind is FormKind.SELF_EVALUATION:
                break
    settings = settings_of(chosen) if chosen is not None else LayoutSettings()
    return replace(settings, orientation="landscape", paper="A4")


def _title(b: GridBuilder, text: str, ncols: int) -> None:
    s = b.s
    r = b.row("title", line_height(s.title_size) + 6)
    b.add(r, 0, text, colspan=ncols, kind=CellKind.TITLE,
          style=Style(font=s.title_font, size=s.title_size, border=False), where="标题")


def _grid(b: GridBuilder, title: str, sheet: str, widths: list[float], header: int) -> PrintGrid:
    s = b.s
    grid = PrintGrid(name=title, sheet_name=sheet, widths=scaled_widths(replace(s, column_widths=tuple(widths))),
                     rows=b.rows, cells=b.cells, orientation=s.orientation, paper=s.paper, margins=s.margins,
                     repeat_rows=(header, header), keep_groups=[(0, header + 1)])
    grid.check()
    return finish(grid)


def overview_grid(ws: Workspace, overview: YearOverview,
                  definition_of: Callable[[str], FormDefinition]) -> PrintGrid:
    settings = _settings(ws, overview.year, definition_of)
    ncols = len(COLUMNS)
    b = GridBuilder(settings, ncols)
    title = f"{ws.unit.name}{overview.year}年度项目绩效总览"
    _title(b, title, ncols)
    header = b.row()
    for c, (_, label, _) in enumerate(COLUMNS):
        b.add(header, c, label, kind=CellKind.LABEL, style=b.label, where=f"「{label}」")
    for number, line in enumerate(overview.lines, start=1):
        r = b.row()
        for c, (key, label, _) in enumerate(COLUMNS):
            where = f"第{number}行「{label}」"
            if key == "seq":
                b.number_cell(r, c, 1, Decimal(number), where)
            elif key == "project":
                b.add(r, c, line.project, style=b.text, where=where)
            elif key == "declaration":
                b.add(r, c, _status(line.declaration), where=where)
            elif key == "selfeval":
                b.add(r, c, _status(line.self_evaluation), where=where)
            elif key in ("funds", "executed"):
                b.amount_cell(r, c, 1, getattr(line, key), where)
            elif key == "rate":
                _rate(b, r, c, line.rate, where)
            elif key == "total":
                b.number_cell(r, c, 1, line.total, where)
            elif key == "grade":
                b.add(r, c, line.grade or "", where=where)
            elif key in ("errors", "warnings", "overrides"):
                b.number_cell(r, c, 1, Decimal(getattr(line, key)), where)
            elif key == "changed":
                b.add(r, c, line.changed[:16].replace("T", " "), where=where)
    r = b.row()
    b.add(r, 0, "合计", colspan=4, kind=CellKind.LABEL, style=b.label, where="合计")
    for c, (key, _, _) in enumerate(COLUMNS[4:], start=4):
        if key == "funds":
            b.amount_cell(r, c, 1, overview.funds_total, "合计")
        elif key == "executed":
            b.amount_cell(r, c, 1, overview.executed_total, "合计")
        elif key == "rate":
            _rate(b, r, c, overview.rate, "合计")
        elif key == "total":
            b.number_cell(r, c, 1, overview.average_total, "平均总分")
        elif key == "grade":
            b.add(r, c, "平均", where="合计")
        else:
            b.add(r, c, "")
    counts = "，".join(f"{label} {count} 个" for label, count in overview.grades.items())
    r = b.row()
    b.add(r, 0, "等级分布", colspan=4, kind=CellKind.LABEL, style=b.label, where="等级分布")
    b.add(r, 4, counts or "（无自评表）", colspan=ncols - 4, style=b.text, where="等级分布")
    return _grid(b, title, f"{overview.year}年度总览", [w for _, _, w in COLUMNS], header)


def _status(facts) -> str:
    return "未建" if facts is None else facts.status_label


def _rate(b: GridBuilder, r: int, c: int, rate_percent: Decimal | None, where: str) -> None:
    fraction = None if rate_percent is None else rate_percent / 100
    b.add(r, c, format_percent(fraction) if fraction is not None else "", kind=CellKind.PERCENT,
          style=b.amount, value=fraction, number_format=percent_format(), where=where)


def diff_grid(ws: Workspace, title: str, changes: list[Change], settings: LayoutSettings | None = None) -> PrintGrid:
    """The 对比 list as a grid (xlsx export of the list)."""
    from perfdesk.domain.diff import KIND_LABELS

    settings = replace(settings or LayoutSettings(), orientation="landscape", paper="A4")
    ncols = len(DIFF_COLUMNS)
    b = GridBuilder(settings, ncols)
    _title(b, title, ncols)
    header = b.row()
    for c, (_, label, _) in enumerate(DIFF_COLUMNS):
        b.add(header, c, label, kind=CellKind.LABEL, style=b.label)
    for number, change in enumerate(changes, start=1):
        r = b.row()
        b.number_cell(r, 0, 1, Decimal(number), f"第{number}行")
        b.add(r, 1, change.form, style=b.text)
        b.add(r, 2, KIND_LABELS.get(change.kind, change.kind))
        b.add(r, 3, change.where, style=b.text)
        if change.kind == "row_moved":
            b.add(r, 4, f"第 {change.old_position + 1} 行")
            b.add(r, 5, f"第 {change.new_position + 1} 行")
        else:
            b.add(r, 4, change.old or "", style=b.text)
            b.add(r, 5, change.new or "", style=b.text)
    if not changes:
        r = b.row()
        b.add(r, 0, "没有变化", colspan=ncols)
    return _grid(b, title, "对比", [w for _, _, w in DIFF_COLUMNS], header)


def write_xlsx(grids: list[PrintGrid], path: Path | str, *, title: str = "", author: str = "") -> Path:
    from .excel import ExcelWriter

    path = Path(path)
    writer = ExcelWriter(title=safe_title(title), author=safe_title(author))
    for grid in grids:
        writer.add(grid)
    part = path.with_name(path.name + ".part")
    writer.save(part)
    part.replace(path)
    return path


def write_pdf(grids: list[PrintGrid], path: Path | str, *, title: str = "", author: str = "",
              body_font: str = "宋体") -> Path:
    from .fonts import FontBook
    from .pdf import PdfWriter

    path = Path(path)
    part = path.with_name(path.name + ".part")
    try:
        writer = PdfWriter(part, FontBook(), title=safe_title(title), author=safe_title(author), body_font=body_font)
        for grid in grids:
            writer.add(grid)
        writer.save()
        part.replace(path)
    finally:
        part.unlink(missing_ok=True)
    return path


def export_overview(ws: Workspace, overview: YearOverview, definition_of: Callable[[str], FormDefinition],
                    path: Path | str, fmt: str) -> Path:
    """Write the overview to `path` as "xlsx" or "pdf"."""
    grid = overview_grid(ws, overview, definition_of)
    author = ws.unit.name
    if fmt == "pdf":
        font = _settings(ws, overview.year, definition_of).font
        return write_pdf([grid], path, title=grid.name, author=author, body_font=font)
    return write_xlsx([grid], path, title=grid.name, author=author)
