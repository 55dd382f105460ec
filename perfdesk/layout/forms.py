"""Layout layer: one form → its print grid, section by section (docs/rules.md).

Which columns each section spans comes from the definition's `[layout]` (see `settings`); the
code here only knows the section types. Indicator rows are grouped by the taxonomy so that
一级 and 二级 merge vertically, and fixed 二级 print even when empty where the layout says so.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from perfdesk.domain.definition import FormDefinition, SectionDef, SectionType
from perfdesk.domain.model import Form, Indicator, Workspace
from perfdesk.domain.scoring import FormScore, score_form
from perfdesk.domain.values import Value
from perfdesk.formdefs.label_weights import label_with_weight, printed_columns, weights_in_label

from .grid import Cell, CellKind, PrintGrid, Row, Style, measure_rows
from .settings import LayoutSettings, settings_of
from .text import (
    amount_format,
    clean,
    estimate_width,
    format_amount,
    format_percent,
    format_score,
    line_height,
    percent_format,
    score_format,
)

NUMERIC_COLUMNS = ("weight", "score")
LEFT_COLUMNS = ("level3", "reason")


def estimate(text: str, style: Style) -> float:
    return estimate_width(text, style.size)


def fit_spans(spans: tuple[int, ...], count: int, total: int) -> list[int]:
    """`count` spans summing to `total`: the layout's own if they do, else as even as possible."""
    if len(spans) == count and sum(spans) == total and all(s >= 0 for s in spans):
        return list(spans)
    base, extra = divmod(total, max(count, 1))
    return [base + (1 if i >= count - extra else 0) for i in range(count)]


def _positions(start: int, spans: list[int]) -> list[tuple[int, int]]:
    """(first column, span) for consecutive spans from `start`; zero spans are skipped later."""
    out, col = [], start
    for span in spans:
        out.append((col, span))
        col += span
    return out


class GridBuilder:
    def __init__(self, settings: LayoutSettings, ncols: int):
        self.s = settings
        self.ncols = ncols
        self.rows: list[Row] = []
        self.cells: list[Cell] = []
        self.keep: list[tuple[int, int]] = []
        self.soft: list[tuple[int, int]] = []
        body = Style(font=settings.font, size=settings.body_size)
        self.label = body
        self.text = replace(body, halign="left")
        self.value = body
        self.amount = replace(body, halign="right")

    def row(self, kind: str = "body", min_height: float | None = None) -> int:
        height = self.s.min_row_height if min_height is None else min_height
        self.rows.append(Row(height=height, kind=kind, min_height=height))
        return len(self.rows) - 1

    def add(self, row: int, col: int, text: str = "", *, rowspan: int = 1, colspan: int = 1,
            kind: CellKind = CellKind.TEXT, style: Style | None = None, value: Decimal | None = None,
            number_format: str | None = None, where: str = "") -> Cell:
        cell = Cell(row=row, col=col, text=clean(text), rowspan=rowspan, colspan=colspan, kind=kind,
                    value=value, number_format=number_format, style=style or self.value, where=where)
        self.cells.append(cell)
        return cell

    # -- numbers -----------------------------------------------------------------------
    def amount_cell(self, row: int, col: int, span: int, value: Decimal | None, where: str) -> None:
        s = self.s
        self.add(row, col, format_amount(value, s.amount_places, s.amount_thousands), colspan=span,
                 kind=CellKind.AMOUNT, style=self.amount, value=value,
                 number_format=amount_format(s.amount_places, s.amount_thousands), where=where)

    def number_cell(self, row: int, col: int, span: int, value: Decimal | None, where: str,
                    rowspan: int = 1) -> None:
        self.add(row, col, format_score(value), colspan=span, rowspan=rowspan, kind=CellKind.NUMBER,
                 value=value, number_format=score_format(value), where=where)


def build_grid(definition: FormDefinition, workspace: Workspace, form: Form) -> PrintGrid:
    """The print grid of one form in its definition's official layout."""
    settings = settings_of(definition)
    ncols = settings.columns
    b = GridBuilder(settings, ncols)
    project = workspace.project_name(form) or form.field("project_name")
    score = score_form(form, definition)

    title_style = Style(font=settings.title_font, size=settings.title_size, border=False)
    year_style = Style(font=settings.year_font or settings.font, size=settings.year_size, border=False)
    r = b.row("title", line_height(settings.title_size) + 4)
    b.add(r, 0, definition.title, colspan=ncols, kind=CellKind.TITLE, style=title_style, where="标题")
    r = b.row("title", line_height(settings.year_size) + 3)
    b.add(r, 0, definition.year_line.format(year=form.year), colspan=ncols, kind=CellKind.TITLE,
          style=year_style, where="年度")
    b.keep.append((0, 3))  # the title lines never end a page alone

    repeat: tuple[int, int] | None = None
    for section in definition.sections:
        if section.type is SectionType.FIELDS:
            _fields(b, section, form)
        elif section.type is SectionType.FUNDING:
            _funding(b, definition, section, form, score)
        elif section.type is SectionType.TEXTS:
            _texts(b, section, form)
        elif section.type is SectionType.INDICATORS:
            repeat = _indicators(b, definition, section, form, score)
        elif section.type is SectionType.TOTAL:
            _total(b, definition, section, form, score)
        elif section.type is SectionType.TABLE:
            _table(b, section, form)

    grid = PrintGrid(
        name=f"{project} {form.year}年度 {form.kind.label}",
        sheet_name=project or form.kind.label,
        widths=numbers_fit(scaled_widths(settings), b.cells, settings=settings),
        rows=b.rows,
        cells=b.cells,
        orientation=settings.orientation,
        paper=settings.paper,
        margins=settings.margins,
        repeat_rows=repeat,
        keep_groups=b.keep,
        soft_keeps=b.soft,
    )
    grid.check()
    return finish(grid)


def finish(grid: PrintGrid) -> PrintGrid:
    """Estimate row heights and page breaks (the PDF renderer redoes both with real metrics)."""
    for row, height in zip(grid.rows, measure_rows(grid, estimate)):
        row.height = height
    grid.page_breaks = [start for start, _ in grid.pages()[1:]]
    return grid


# The widest numbers a column must hold on one line: amounts up to 999,999,999.99 and rates
# with two decimals (a rate above 100 % keeps the same length up to 999.99 %).
WIDEST_AMOUNT = Decimal("999999999.99")
WIDEST_PERCENT = "100.00%"
WIDEST_SCORE = "100"  # a weight or score: at most 100, or its own text (94.81)
NUMBER_SLACK = 1.0  # mm beyond the text's estimate, for a viewer's slightly wider digits
MIN_TEXT_COLUMN = 14.0  # mm: a column gives width to numbers only down to this


def widest_text(cell: Cell, settings: LayoutSettings | None = None) -> str:
    """The longest text a numeric cell of this kind can print."""
    if cell.kind is CellKind.AMOUNT:
        places = settings.amount_places if settings else 2
        thousands = settings.amount_thousands if settings else True
        return format_amount(WIDEST_AMOUNT, places, thousands)
    if cell.kind is CellKind.PERCENT:
        return WIDEST_PERCENT
    return max(WIDEST_SCORE, cell.text, key=len)


def numbers_fit(widths: list[float], cells: list[Cell], hpad: float = 1.0,
                settings: LayoutSettings | None = None) -> list[float]:
    """Widths where every number column holds its widest number on one line (9 pt 宋体 digits
    are half an em), the extra taken from the text columns in proportion to what they can spare.

    Word and Excel wrap a number that does not fit ("1,905,200.0" over "0"); only the PDF could
    shrink it, so the columns are made wide enough for all three."""
    need = [0.0] * len(widths)
    for cell in cells:
        if cell.colspan != 1 or cell.kind not in (CellKind.AMOUNT, CellKind.PERCENT, CellKind.NUMBER):
            continue
        text = widest_text(cell, settings)
        need[cell.col] = max(need[cell.col], estimate_width(text, cell.style.size) + 2 * hpad + NUMBER_SLACK)
    deficit = sum(max(0.0, n - w) for n, w in zip(need, widths))
    if deficit <= 0:
        return list(widths)
    spare = [max(0.0, w - max(n, MIN_TEXT_COLUMN)) for n, w in zip(need, widths)]
    total_spare = sum(spare)
    if total_spare <= 0:
        return list(widths)
    take = min(1.0, total_spare and deficit / total_spare)
    given = sum(s * take for s in spare)
    short = [max(0.0, n - w) for n, w in zip(need, widths)]
    scale = given / deficit  # 1 unless the text columns cannot spare it all
    return [w - s * take + d * scale for w, s, d in zip(widths, spare, short)]


def scaled_widths(settings: LayoutSettings) -> list[float]:
    """The definition's widths scaled to the printable width of its page."""
    from .grid import PAPER_MM

    width, height = PAPER_MM.get(settings.paper, PAPER_MM["A4"])
    page_width = height if settings.orientation == "landscape" else width
    printable = page_width - settings.margins[1] - settings.margins[3]
    total = sum(settings.column_widths)
    return [w * printable / total for w in settings.column_widths]


# -- sections ---------------------------------------------------------------------------
def _fields(b: GridBuilder, section: SectionDef, form: Form) -> None:
    labels = {f.key: f.label for f in section.fields}
    for keys in b.s.header_rows:
        keys = [k for k in keys if k in labels]
        if not keys:
            continue
        starts = list(b.s.header_pair_starts.get(len(keys), ()))
        if len(starts) != len(keys) or starts[0] != 0 or starts != sorted(starts) or starts[-1] >= b.ncols - 1:
            starts = [i * b.ncols // len(keys) for i in range(len(keys))]
        r = b.row()
        for i, key in enumerate(keys):
            first = starts[i]
            last = (starts[i + 1] if i + 1 < len(starts) else b.ncols) - 1
            b.add(r, first, labels[key], kind=CellKind.LABEL, style=b.label, where=f"表头「{labels[key]}」")
            if last > first:
                b.add(r, first + 1, form.field(key), colspan=last - first, style=b.text,
                      where=f"表头「{labels[key]}」")


def _funding(b: GridBuilder, definition: FormDefinition, section: SectionDef, form: Form, score: FormScore) -> None:
    if b.s.funding_style == "halves":
        _funding_halves(b, section, form)
    elif b.s.funding_style == "pairs":
        _funding_pairs(b, definition, section, form)
    else:
        _funding_matrix(b, definition, section, form, score)


def _funding_matrix(b: GridBuilder, definition: FormDefinition, section: SectionDef, form: Form,
                    score: FormScore) -> None:
    s = b.s
    spec = section.budget_score if definition.scoring is not None else None
    headers = [c.label for c in section.columns] + (["分值", "执行率", "得分"] if spec else [])
    side = s.funding_label != "above"
    start = 1 if side else 0
    default_row_label = 0 if len(section.rows) == 1 and not side else 1
    spans = fit_spans(s.funding_spans, len(headers) + 1, b.ncols - start)
    if len(s.funding_spans) != len(headers) + 1:
        spans = [default_row_label] + fit_spans((), len(headers), b.ncols - start - default_row_label)
    cols = _positions(start, spans)
    if not side:
        r = b.row()
        b.add(r, 0, section.label, colspan=b.ncols, kind=CellKind.LABEL, style=b.label, where=section.label)
    top = b.row()
    if side:
        b.add(top, 0, section.label, rowspan=len(section.rows) + 1, kind=CellKind.LABEL, style=b.label,
              where=section.label)
    label_col, label_span = cols[0]
    if label_span:
        b.add(top, label_col, "", colspan=label_span, kind=CellKind.LABEL, style=b.label)
    for (col, span), text in zip(cols[1:], headers):
        b.add(top, col, text, colspan=span, kind=CellKind.LABEL, style=b.label, where=f"{section.label}「{text}」")
    budget = score.budget
    for row in section.rows:
        r = b.row()
        if label_span:
            b.add(r, label_col, row.label, colspan=label_span, kind=CellKind.LABEL, style=b.label,
                  where=f"{section.label}「{row.label}」")
        for (col, span), column in zip(cols[1:], section.columns):
            where = f"{section.label}「{row.label} / {column.label}」"
            if column.rows and row.key not in column.rows:
                b.add(r, col, "", colspan=span, style=b.amount)
            else:
                b.amount_cell(r, col, span, form.amount(row.key, column.key), where)
        if spec:
            (wc, ws), (rc, rs), (sc, ss) = cols[1 + len(section.columns):]
            if row.key == spec.row and budget is not None:
                b.number_cell(r, wc, ws, budget.weight, f"{section.label}「分值」")
                b.add(r, rc, format_percent(budget.rate), colspan=rs, kind=CellKind.PERCENT,
                      value=None if budget.rate is None else budget.rate, number_format=percent_format(),
                      where=f"{section.label}「执行率」")
                b.number_cell(r, sc, ss, budget.score, f"{section.label}「得分」")
            else:
                b.add(r, wc, s.dash, colspan=ws, kind=CellKind.LABEL, style=b.label)
                b.add(r, rc, "", colspan=rs)
                b.add(r, sc, "", colspan=ss)
    b.keep.append((top - (0 if side else 1), top + len(section.rows)))


def _funding_halves(b: GridBuilder, section: SectionDef, form: Form) -> None:
    """The declaration's block: the whole project on the left, the year on the right."""
    columns = list(section.columns)
    spans = fit_spans(b.s.funding_spans, 2 * len(columns), b.ncols - 1)
    cols = _positions(1, spans)
    top = len(b.rows)
    b.add(top, 0, section.label, rowspan=len(section.rows), kind=CellKind.LABEL, style=b.label,
          where=section.label)
    for row in section.rows:
        r = b.row()
        for index, column in enumerate(columns):
            (lc, ls), (vc, vs) = cols[2 * index], cols[2 * index + 1]
            where = f"{section.label}「{column.row_label(row)}」"
            if column.rows and row.key not in column.rows:
                b.add(r, lc, "", colspan=ls, style=b.text)
                b.add(r, vc, "", colspan=vs, style=b.amount)
                continue
            b.add(r, lc, column.row_label(row), colspan=ls, kind=CellKind.LABEL, style=b.text, where=where)
            b.amount_cell(r, vc, vs, form.amount(row.key, column.key), where)
    b.keep.append((top, top + len(section.rows) - 1))


def _funding_pairs(b: GridBuilder, definition: FormDefinition, section: SectionDef, form: Form) -> None:
    """A caption line, then "label(unit): │ amount" pairs, `funding_pairs_per_row` to a line."""
    cells = [(row, column) for row in section.rows for column in section.columns
             if not column.rows or row.key in column.rows]
    per_row = b.s.funding_pairs_per_row
    spans = fit_spans(b.s.funding_spans, 2 * per_row, b.ncols)
    cols = _positions(0, spans)
    top = b.row()
    b.add(top, 0, section.label, colspan=b.ncols, kind=CellKind.LABEL, style=b.label, where=section.label)
    for start in range(0, len(cells), per_row):
        r = b.row()
        for index in range(per_row):
            (lc, ls), (vc, vs) = cols[2 * index], cols[2 * index + 1]
            if start + index >= len(cells):
                b.add(r, lc, "", colspan=ls, style=b.text)
                b.add(r, vc, "", colspan=vs, style=b.amount)
                continue
            row, column = cells[start + index]
            label = column.row_label(row)
            where = f"{section.label}「{label}」"
            b.add(r, lc, f"{label}({definition.amount_unit}):", colspan=ls, kind=CellKind.LABEL, style=b.text,
                  where=where)
            b.amount_cell(r, vc, vs, form.amount(row.key, column.key), where)
    b.keep.append((top, len(b.rows) - 1))


def _texts(b: GridBuilder, section: SectionDef, form: Form) -> None:
    fields = list(section.fields)
    if not fields:
        return
    if b.s.texts_style == "rows":
        spans = fit_spans(b.s.text_spans, 2, b.ncols)
        for field in fields:
            r = b.row()
            b.add(r, 0, field.label, colspan=spans[0], kind=CellKind.LABEL, style=b.label,
                  where=f"「{field.label}」")
            b.add(r, spans[0], form.field(field.key), colspan=spans[1], style=b.text, where=f"「{field.label}」")
        return
    spans = fit_spans(b.s.text_spans, len(fields), b.ncols - 1)
    cols = _positions(1, spans)
    top = b.row()
    b.add(top, 0, section.label, rowspan=2, kind=CellKind.LABEL, style=b.label, where=section.label)
    body = b.row(min_height=b.s.min_row_height * 2)
    for (col, span), field in zip(cols, fields):
        b.add(top, col, field.label, colspan=span, kind=CellKind.LABEL, style=b.label,
              where=f"{section.label}「{field.label}」")
        b.add(body, col, form.field(field.key), colspan=span, style=b.text,
              where=f"{section.label}「{field.label}」")
    b.keep.append((top, body))


def _table(b: GridBuilder, section: SectionDef, form: Form) -> None:
    """A table of the form's own rows (年度主要任务: 任务名称 │ 主要内容 │ 预算金额): the section
    label merged down a first column, the column headings, then one line per row — one empty
    line when there are none, so a blank form shows where to write."""
    columns = list(section.extra_columns)
    if not columns:
        return
    spans = fit_spans(b.s.table_spans, len(columns), b.ncols - 1)
    cols = _positions(1, spans)
    rows = form.tables.get(section.key, [])
    top = b.row()
    b.add(top, 0, section.label, rowspan=max(1, len(rows)) + 1, kind=CellKind.LABEL, style=b.label,
          where=section.label)
    for (col, span), column in zip(cols, columns):
        b.add(top, col, column.label, colspan=span, kind=CellKind.LABEL, style=b.label,
              where=f"{section.label}「{column.label}」")
    for number, row in enumerate(rows or [None], start=1):
        r = b.row()
        for (col, span), column in zip(cols, columns):
            text = row.cells.get(column.key, "") if row is not None else ""
            where = f"{section.label}第{number}行「{column.label}」"
            if column.type == "amount":
                try:
                    value = Decimal(text) if text else None
                except ArithmeticError:
                    value = None
                if value is not None or not text:
                    b.amount_cell(r, col, span, value, where)
                    continue
            style = b.text if column.type == "longtext" else b.value
            b.add(r, col, text, colspan=span, style=style, where=where)
    b.keep.append((top, top + 1))
    if rows:
        _no_lone_rows(b, top + 1, len(b.rows) - 1)


def _grouped(definition: FormDefinition, indicators: list[Indicator], empty_rows: bool):
    """[(一级, [(二级, [indicator or None])])] in taxonomy order; None is a fixed empty 二级 row."""
    taxonomy = definition.taxonomy
    level1_names = taxonomy.level1_names()
    seen1: list[str] = [name for name in level1_names]
    for ind in indicators:
        if ind.level1 not in seen1:
            seen1.append(ind.level1)
    groups = []
    for name in seen1:
        rows = [ind for ind in indicators if ind.level1 == name]
        level = taxonomy.find(name)
        order2 = list(level.level2) if level else []
        for ind in rows:
            if ind.level2 not in order2:
                order2.append(ind.level2)
        fixed = set(level.fixed_level2) if level and empty_rows else set()
        subgroups = []
        for level2 in order2:
            members: list[Indicator | None] = [ind for ind in rows if ind.level2 == level2]
            if not members and level2 in fixed:
                members = [None]
            if members:
                subgroups.append((level2, members))
        if subgroups:
            groups.append((name, subgroups))
    return groups


def _indicators(b: GridBuilder, definition: FormDefinition, section: SectionDef, form: Form,
                score: FormScore) -> tuple[int, int]:
    keys, labels = _printed_columns(section)
    cols = _indicator_cols(b, keys)
    groups = _grouped(definition, form.indicators, b.s.empty_level2_rows)
    n_rows = sum(len(members) for _, subgroups in groups for _, members in subgroups)
    if b.s.indicator_label == "above":
        caption = b.row()
        text = (b.s.indicator_caption or section.label).replace("{year}", str(form.year))
        b.add(caption, 0, text, colspan=b.ncols, kind=CellKind.LABEL, style=b.label, where=section.label)
        b.keep.append((caption, caption + 1))
    header = b.row()
    if b.s.indicator_label != "above":
        b.add(header, 0, section.label, rowspan=n_rows + 1, kind=CellKind.LABEL, style=b.label,
              where=section.label)
    for key, label in zip(keys, labels):
        col, span = cols[key]
        b.add(header, col, label, colspan=span, kind=CellKind.LABEL, style=b.label, where=f"{section.label}「{label}」")
    number = 0
    for level1, subgroups in groups:
        first1 = len(b.rows)
        size1 = sum(len(members) for _, members in subgroups)
        if "level1" in cols:
            col, span = cols["level1"]
            b.add(first1, col, level1, rowspan=size1, colspan=span, kind=CellKind.LABEL, style=b.label,
                  where=f"{section.label}「一级指标」")
        for level2, members in subgroups:
            first2 = len(b.rows)
            if "level2" in cols:
                col, span = cols["level2"]
                b.add(first2, col, level2, rowspan=len(members), colspan=span, kind=CellKind.LABEL,
                      style=b.label, where=f"{section.label}「二级指标」")
            for ind in members:
                r = b.row()
                number += 1 if ind is not None else 0
                _indicator_row(b, section, cols, labels, keys, r, ind, score, number)
            _no_lone_rows(b, first2, len(b.rows) - 1, soft=True)
        _no_lone_rows(b, first1, len(b.rows) - 1)
    b.keep.append((header, header + 1))
    return header, header


def _printed_columns(section: SectionDef) -> tuple[list[str], list[str]]:
    """The printed indicator columns and their labels (see SectionDef.printed_columns): no weight
    column when the weights are printed in the 三级 name (`weights = "label"`)."""
    printed = printed_columns(section)
    return [key for key, _ in printed], [label for _, label in printed]


# How the national forms print 指标性质: full-width ＝ ＞ ＜ beside ≥ ≤.
_PRINTED_SIGNS = {"=": "＝", ">": "＞", "<": "＜"}


def split_value(value: Value) -> tuple[str, str, str]:
    """A value as 指标性质 │ 指标值 │ 度量单位: "≥ │ 95 │ %"; a qualitative one "定性 │ text │ "."""
    if value.is_empty:
        return "", "", ""
    if not value.is_quantitative or value.number is None:
        return "定性", value.raw.strip(), ""
    number = format(value.number, "f")
    return _PRINTED_SIGNS.get(value.sign or "=", value.sign), number, value.unit


def _indicator_cols(b: GridBuilder, keys: list[str]) -> dict[str, tuple[int, int]]:
    """Where each indicator column sits: after the merged label column, or from the first
    column when the label is a caption above the table."""
    start = 0 if b.s.indicator_label == "above" else 1
    spans = fit_spans(b.s.indicator_spans, len(keys), b.ncols - start)
    return dict(zip(keys, _positions(start, spans)))


def _no_lone_rows(b: GridBuilder, first: int, last: int, soft: bool = False) -> None:
    """A group (一级 or 二级) may break across pages, as the published forms flow, but never
    leaves one of its rows alone: its first two and its last two rows stay together. For a
    二级 group (`soft`) this gives way when it would leave a page more than a quarter empty."""
    if last > first:
        keep = b.soft if soft else b.keep
        keep.append((first, first + 1))
        keep.append((last - 1, last))


def _indicator_row(b: GridBuilder, section: SectionDef, cols, labels, keys, r: int, ind: Indicator | None,
                   score: FormScore, number: int) -> None:
    label_of = dict(zip(keys, labels))
    for key, (col, span) in cols.items():
        if key in ("level1", "level2"):
            continue
        where = f"{section.label}第{number}行「{label_of[key]}」"
        if ind is None:
            b.add(r, col, "", colspan=span)
            continue
        if key in NUMERIC_COLUMNS:
            if key == "weight":
                value = ind.weight
            else:
                row_score = score.rows.get(ind.id)
                value = row_score.score if row_score is not None else ind.score
            b.number_cell(r, col, span, value, where)
            continue
        if "#" in key:
            attr, part = key.split("#")
            text = split_value(getattr(ind, attr))[int(part)]
            b.add(r, col, text, colspan=span, style=b.value, where=where)
            continue
        extra = section.extra(key)
        if extra is not None:  # the definition's own column (指标解释 …): its text
            b.add(r, col, ind.extra.get(key, ""), colspan=span,
                  style=b.text if extra.type == "longtext" else b.value, where=where)
            continue
        if key in ("target", "actual"):
            text = getattr(ind, key).raw.strip()
        elif key == "level3" and weights_in_label(section):  # 验收合格率（10分）
            text = label_with_weight(ind.level3, ind.weight, section)
        else:
            text = str(getattr(ind, key, "") or "")
        b.add(r, col, text, colspan=span, style=b.text if key in LEFT_COLUMNS else b.value, where=where)


def _total(b: GridBuilder, definition: FormDefinition, section: SectionDef, form: Form, score: FormScore) -> None:
    indicators = definition.section(SectionType.INDICATORS)
    keys = _printed_columns(indicators)[0] if indicators else []
    cols = _indicator_cols(b, keys)
    r = b.row()
    if "score" in cols and "weight" not in cols and weights_in_label(indicators):
        _total_with_label_weights(b, definition, section, indicators, cols["score"], score, r)
        return
    if "weight" not in cols or "score" not in cols:
        b.add(r, 0, section.label or "总分", colspan=b.ncols, kind=CellKind.LABEL, style=b.label)
        return
    weight_col, weight_span = cols["weight"]
    score_col, score_span = cols["score"]
    label = section.label or "总分"
    b.add(r, 0, label, colspan=weight_col, kind=CellKind.LABEL, style=b.label, where=label)
    scored = definition.scoring is not None
    b.number_cell(r, weight_col, weight_span, score.weight_total if scored else None, f"{label}「分值」")
    # Exactly what `perfdesk score` reports: the derived total, or a person's explicit override.
    total = score.total if scored else None
    b.number_cell(r, score_col, score_span, total, f"{label}「得分」")
    after = score_col + score_span
    if after < b.ncols:
        b.add(r, after, "", colspan=b.ncols - after)
    b.keep.append((r - 1, r))


def _total_with_label_weights(b: GridBuilder, definition: FormDefinition, section: SectionDef,
                              indicators: SectionDef, score_cell: tuple[int, int], score: FormScore,
                              r: int) -> None:
    """The 总分 row of a layout that prints the weights in the 三级 names: the total weight goes
    with the label the same way (总分（100分）), the score under 得分."""
    score_col, score_span = score_cell
    scored = definition.scoring is not None
    base = section.label or "总分"
    label = label_with_weight(base, score.weight_total if scored else None, indicators)
    b.add(r, 0, label, colspan=score_col, kind=CellKind.LABEL, style=b.label, where=base)
    b.number_cell(r, score_col, score_span, score.total if scored else None, f"{base}「得分」")
    after = score_col + score_span
    if after < b.ncols:
        b.add(r, after, "", colspan=b.ncols - after)
    b.keep.append((r - 1, r))
