"""Forms laid out the way a person makes them in Excel or Word, from a document.

A `Layout` is rows of cells with merges, written once and rendered to .xlsx (openpyxl, with
values typed as Excel stores them: numbers as numbers, “95%” as 0.95 in a percent format,
dates as dates) or .docx (python-docx, with real merged cells; titles as paragraphs above
the table, as people type them). The layouts follow domain.md §2/§3 with the quirks of hand
work: merged 一级/二级 cells, extra words in the title, blank spacer rows and columns.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

import docx
import openpyxl

from perfdesk.domain.model import Form


@dataclass
class Layout:
    ncols: int
    rows: list[dict[int, str]] = field(default_factory=list)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, c0, r1, c1
    title_rows: int = 0  # leading rows that are title lines (paragraphs in Word)

    def row(self, *cells) -> int:
        r, col, out = len(self.rows), 0, {}
        for item in cells:
            text, span = item if isinstance(item, tuple) else (item, 1)
            out[col] = "" if text is None else str(text)
            if span > 1:
                self.merges.append((r, col, r, col + span - 1))
            col += span
        self.rows.append(out)
        return r

    def vmerge(self, r0: int, c: int, r1: int) -> None:
        if r1 > r0:
            self.merges.append((r0, c, r1, c))

    def with_spacers(self, blank_after: tuple[int, ...] = (), spacer_col: int | None = None) -> "Layout":
        """Blank rows after the given rows and an empty column before `spacer_col`."""
        def col(c):
            return c + 1 if spacer_col is not None and c >= spacer_col else c

        row_map, r2 = {}, 0
        for r in range(len(self.rows)):
            row_map[r] = r2
            r2 += 2 if r in blank_after else 1
        out = Layout(self.ncols + (spacer_col is not None), title_rows=self.title_rows)
        out.rows = [{} for _ in range(r2)]
        for r, cells in enumerate(self.rows):
            out.rows[row_map[r]] = {col(c): t for c, t in cells.items()}
        for r0, c0, r1, c1 in self.merges:
            out.merges.append((row_map[r0], col(c0), row_map[r1], col(c1)))
        return out


def _typed(text: str):
    """What Excel stores when a person types `text`."""
    if re.fullmatch(r"-?\d+", text):
        return int(text), None
    if re.fullmatch(r"-?\d+\.\d+", text):
        return float(text), "0.00"
    if re.fullmatch(r"\d+(\.\d+)?%", text):
        return float(Decimal(text[:-1]) / 100), "0%"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return dt.datetime.fromisoformat(text), "yyyy-mm-dd"
    return text, None


def fill_sheet(sheet, layout: Layout, typed: bool = True) -> None:
    for r, cells in enumerate(layout.rows, start=1):
        for c, text in cells.items():
            if text == "":
                continue
            value, fmt = _typed(text) if typed else (text, None)
            cell = sheet.cell(r, c + 1, value)
            if typed and isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # Excel keeps a typed “=1 个” as text, not a formula
            if fmt:
                cell.number_format = fmt
    for r0, c0, r1, c1 in layout.merges:
        sheet.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)


def save_xlsx(path, sheets: list[tuple[str, Layout]]) -> None:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, layout in sheets:
        fill_sheet(book.create_sheet(name), layout)
    book.save(path)


def add_to_document(document, layout: Layout) -> None:
    for r in range(layout.title_rows):
        document.add_paragraph(layout.rows[r].get(0, ""))
    body = layout.rows[layout.title_rows:]
    table = document.add_table(rows=len(body), cols=layout.ncols)
    table.style = "Table Grid"
    shift = layout.title_rows
    for r0, c0, r1, c1 in layout.merges:
        if r0 >= shift:
            table.cell(r0 - shift, c0).merge(table.cell(r1 - shift, c1))
    for r, cells in enumerate(body):
        for c, text in cells.items():
            if text:
                table.cell(r, c).text = text


def save_docx(path, layouts: list[Layout], before: list[str] = (), after: list[str] = ()) -> None:
    document = docx.Document()
    for text in before:
        document.add_paragraph(text)
    for n, layout in enumerate(layouts):
        if n:
            document.add_page_break()
        add_to_document(document, layout)
    for text in after:
        document.add_paragraph(text)
    document.save(path)


def _num(value: Decimal | None, unit_divisor: int = 1) -> str:
    if value is None:
        return ""
    value = value / unit_divisor
    return format(value.quantize(Decimal("0.01")) if unit_divisor != 1 else value, "f")


def _groups(values: list[str]) -> list[tuple[int, int]]:
    """(first, last) row index of each run of equal values."""
    runs, start = [], 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            runs.append((start, i - 1))
            start = i
    return runs


def selfeval_layout(form: Form, project: str, *, unit: str = "元", title: str | None = None,
                    signs=lambda text: text, empty_level2: dict[str, list[str]] | None = None,
                    title_rows_as_paragraphs: bool = True) -> Layout:
    """The national 9-column self-evaluation (domain.md §3), A–I."""
    divisor = 10000 if unit == "万元" else 1
    lay = Layout(9, title_rows=2 if title_rows_as_paragraphs else 0)
    lay.row((title or "财政项目支出绩效自评表", 9))
    lay.row((f"（{form.year} 年度）", 9))
    lay.row("项目名称", (project, 8))
    lay.row("主管部门", (form.field("department"), 3), "实施单位", (form.field("implementer"), 4))
    top = lay.row(f"项目资金（{unit}）", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", ("得分", 2))
    labels = {"total": "年度资金总额", "fiscal": "其中：当年财政拨款", "carryover": "上年结转资金", "other": "其他资金"}
    for row_key, label in labels.items():
        cells = [form.amount(row_key, c) for c in ("initial", "budget", "executed")]
        if row_key == "total":
            lay.row("", label, *(_num(v, divisor) for v in cells), "10", "", (_num(form.budget_score), 2))
        else:
            lay.row("", label, *(_num(v, divisor) for v in cells), "—", "", ("", 2))
    lay.vmerge(top, 0, top + 4)
    goal = lay.row("年度总体目标", ("预期目标", 4), ("实际完成情况", 4))
    lay.row("", (form.field("goal_expected"), 4), (form.field("goal_actual"), 4))
    lay.vmerge(goal, 0, goal + 1)
    head = lay.row("绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
                   "偏差原因分析及改进措施")
    rows = []
    for ind in form.indicators:
        rows.append((ind.level1, ind.level2, ind.level3, signs(ind.target.raw), signs(ind.actual.raw),
                     _num(ind.weight), _num(ind.score), ind.reason))
        extra = (empty_level2 or {}).get(ind.level1)
        if extra and ind is [i for i in form.indicators if i.level1 == ind.level1][-1]:
            rows.extend((ind.level1, level2, "", "", "", "", "", "") for level2 in extra)
    first = head + 1
    for values in rows:
        lay.row("", *values)
    level1 = [r[0] for r in rows]
    for a, b in _groups(level1):
        lay.vmerge(first + a, 1, first + b)
        for c, d in _groups([r[1] for r in rows[a:b + 1]]):
            lay.vmerge(first + a + c, 2, first + a + d)
    lay.vmerge(head, 0, head + len(rows))
    lay.row(("总分", 6), "100", _num(form.total), "")
    for r0, c0, r1, c1 in list(lay.merges):
        if c0 in (1, 2) and r1 > r0:  # merged cells hold their text in the top cell only
            for r in range(r0 + 1, r1 + 1):
                lay.rows[r][c0] = ""
    return lay


def declaration_layout(form: Form, project: str, *, title: str | None = None, signs=lambda text: text,
                       title_rows_as_paragraphs: bool = True) -> Layout:
    """The Shanghai 2026 declaration (domain.md §2), six columns A–F."""
    lay = Layout(6, title_rows=2 if title_rows_as_paragraphs else 0)
    lay.row((title or "财政项目支出绩效目标申报表", 6))
    lay.row((f"(  {form.year}  年度)", 6))
    lay.row("项目名称", project, "项目性质", form.field("nature"), "项目类别", form.field("category"))
    lay.row("主管部门", form.field("department"), "实施单位", (form.field("implementer"), 3))
    lay.row("计划开始日期", form.field("start_date"), "计划完成日期", (form.field("end_date"), 3))
    a = lambda r, c: _num(form.amount(r, c))  # noqa: E731
    top = lay.row("项目资金（元）", "项目资金总额:", a("total", "project"), "年度资金申请总额:", (a("total", "annual"), 2))
    lay.row("", "其中: 财政资金", a("fiscal", "project"), "其中: 当年财政拨款", (a("fiscal", "annual"), 2))
    lay.row("", "", "", "上年结转资金", (a("carryover", "annual"), 2))
    lay.row("", "其他资金", a("other", "project"), "其他资金", (a("other", "annual"), 2))
    lay.vmerge(top, 0, top + 3)
    goal = lay.row("项目绩效目标", ("项目总目标", 2), ("年度总体目标", 3))
    lay.row("", (form.field("goal_overall"), 2), (form.field("goal_annual"), 3))
    lay.vmerge(goal, 0, goal + 1)
    head = lay.row("绩效指标", "一级指标", "二级指标", "三级指标", ("年度(/项目)指标值", 2))
    first = head + 1
    for ind in form.indicators:
        lay.row("", ind.level1, ind.level2, ind.level3, (signs(ind.target.raw), 2))
    level1 = [i.level1 for i in form.indicators]
    for s, e in _groups(level1):
        lay.vmerge(first + s, 1, first + e)
        for c, d in _groups([i.level2 for i in form.indicators[s:e + 1]]):
            lay.vmerge(first + s + c, 2, first + s + d)
    lay.vmerge(head, 0, head + len(form.indicators))
    for r0, c0, r1, c1 in list(lay.merges):
        if c0 in (1, 2) and r1 > r0:
            for r in range(r0 + 1, r1 + 1):
                lay.rows[r][c0] = ""
    return lay


def list_layout(unit: str, year: int, names: list[str], kind: str = "declaration") -> Layout:
    """The unit-level list that travels with the forms."""
    title = f"{unit} {year} 年度项目绩效目标汇总表" if kind == "declaration" else f"{unit}{year}年度项目支出绩效自评清单"
    lay = Layout(3)
    lay.row((title, 3))
    lay.row("序号", "项目名称", "备注")
    for n, name in enumerate(names, start=1):
        lay.row(str(n), name, "")
    return lay
