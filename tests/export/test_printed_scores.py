"""Every export prints exactly what `perfdesk score --json` reports.

The demo file and a file edited through workspace steps are each scored by `perfdesk score
--json` and exported by `perfdesk export` (in this process, through `perfdesk.cli.main`) as
Excel, Word and PDF, once per format. For every self-evaluation the printed 总分, each indicator
row's 得分 (rows matched by position in the indicator table, their 三级指标 checked) and the
预算执行率 得分 must read exactly as the JSON numbers spelled the official way: whole numbers
without decimals, anything else with two (half up). Where no person overrode the 总分, the
printed 总分 must also be the sum of the printed row scores and the printed budget score
("a PDF printed 总分 99 next to rows adding up to 114.10").

The printed text is read back from the files, not from the layout: openpyxl cells (numbers
must be numbers there, shown through their number format), python-docx table cells placed by
their grid columns, and for PDF `pdftotext -bbox` words placed by the centre of their header
(plus `pdftotext -layout` for the 总分 line and the budget line). The forms used here keep
their indicators in taxonomy order, so the printed order is the document's order.
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import re
import subprocess
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook

from perfdesk.cli import main, write_demo
from perfdesk.domain.definition import FormKind, SectionType
from perfdesk.domain.model import Indicator, OverrideNote, Project, blank_form
from perfdesk.domain.overrides import now_text
from perfdesk.domain.scoring import score_form
from perfdesk.domain.values import parse
from perfdesk.export import target_paths
from perfdesk.formdefs import default_registry
from perfdesk.store import FileStore

FORMATS = ("xlsx", "docx", "pdf")
DEMO_FORMS, DEMO_SELF_EVALUATIONS = 25, 14
SELF_EVALUATION = FormKind.SELF_EVALUATION.value


# -- numbers as printed --------------------------------------------------------------------
def spell(number) -> str:
    """A JSON score as the official forms print it: 4, 6.81, 88.50; None prints nothing."""
    if number is None:
        return ""
    value = Decimal(str(number))
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), "f")


def as_number(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def squeeze(text: str) -> str:
    return "".join(text.split())


def excel_shown(value, number_format: str) -> str:
    """What Excel shows for a number cell with the formats the export uses."""
    if number_format == "0":
        return str(int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP)))
    if number_format == "0.00":
        return format(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), "f")
    if number_format == "0.00%":
        return format((Decimal(str(value)) * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), "f") + "%"
    if number_format == "#,##0.00":
        return format(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), ",f")
    raise AssertionError(f"unexpected number format {number_format!r} for {value!r}")


# -- what a printed form says ----------------------------------------------------------------
@dataclass
class Printed:
    total: str | None = None  # the 总分 row's 得分 ("" blank); None: no 总分 row found
    weight_total: str | None = None  # the 总分 row's 分值
    budget: str | None = None  # the 预算执行率 得分 ("" blank); None: no budget line found
    rows: list[tuple[str, str]] = field(default_factory=list)  # (三级指标, 得分) in print order
    score_cells: list = field(default_factory=list)  # raw cells that hold a score (format-specific)


def read_table(rows: list[dict[int, tuple[str, object]]]) -> Printed:
    """Scores of one form from its rows: each a {grid column: (text, raw cell)} of the cells
    that print something. Columns are found by the header labels, not by the layout."""
    printed = Printed()

    def find(labels: tuple[str, ...], start: int = 0) -> int | None:
        for r in range(start, len(rows)):
            texts = {text for text, _ in rows[r].values()}
            if all(label in texts for label in labels):
                return r
        return None

    def column(r: int, label: str) -> int:
        (col,) = [c for c, (text, _) in rows[r].items() if text == label]
        return col

    def at(r: int, col: int) -> str:
        cell = rows[r].get(col)
        if cell is not None:
            printed.score_cells.append(cell[1])
        return cell[0] if cell is not None else ""

    indicator_header = find(("三级指标", "得分"))
    funding_header = find(("分值", "执行率", "得分"))
    if funding_header is not None:
        weight_col, score_col = column(funding_header, "分值"), column(funding_header, "得分")
        end = indicator_header if indicator_header is not None else len(rows)
        budget_rows = [r for r in range(funding_header + 1, end)
                       if as_number(rows[r].get(weight_col, ("", None))[0]) is not None]
        assert len(budget_rows) <= 1, "more than one 预算执行率 line"
        if budget_rows:
            printed.budget = at(budget_rows[0], score_col)
    if indicator_header is None:
        return printed
    level3_col, score_col = column(indicator_header, "三级指标"), column(indicator_header, "得分")
    weight_col = column(indicator_header, "分值")
    for r in range(indicator_header + 1, len(rows)):
        texts = [text for text, _ in rows[r].values()]
        if "总分" in texts:
            printed.weight_total = rows[r].get(weight_col, ("", None))[0]
            printed.total = at(r, score_col)
            break
        if "三级指标" in texts:  # a repeated header
            continue
        if not any(text for col, (text, _) in rows[r].items() if col >= level3_col):
            continue  # an empty fixed 二级 row
        printed.rows.append((rows[r].get(level3_col, ("", None))[0], at(r, score_col)))
    return printed


def read_xlsx(path: Path) -> Printed:
    sheet = load_workbook(path).active
    rows: list[dict[int, tuple[str, object]]] = []
    for row in sheet.iter_rows():
        cells = {}
        for cell in row:
            if cell.value is None or cell.value == "":
                continue
            if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                text = excel_shown(cell.value, cell.number_format)
            else:
                text = str(cell.value)
            cells[cell.column - 1] = (text, cell)
        rows.append(cells)
    return read_table(rows)


def read_docx(path: Path) -> Printed:
    rows: list[dict[int, tuple[str, object]]] = []
    for table in Document(str(path)).element.body.iter(qn("w:tbl")):
        for tr in table.findall(qn("w:tr")):
            cells, col = {}, 0
            for tc in tr.findall(qn("w:tc")):
                text = "".join(t.text or "" for t in tc.iter(qn("w:t")))
                if text:
                    cells[col] = (text, text)
                span = tc.find(qn("w:tcPr") + "/" + qn("w:gridSpan"))
                col += int(span.get(qn("w:val"))) if span is not None else 1
            rows.append(cells)
    return read_table(rows)


# -- PDF: words by position ----------------------------------------------------------------
@dataclass(frozen=True)
class Word:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str

    @property
    def xc(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def yc(self) -> float:
        return (self.y0 + self.y1) / 2


_WORD = re.compile(r'<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" yMax="([-\d.]+)">(.*?)</word>')
LINE = 2.0  # points: words whose centres are this close are on one line
CENTRED = 1.5  # points: a number centred under its header


def pdftotext(*args: str) -> str:
    """poppler-utils' pdftotext (scripts/setup.sh installs it)."""
    return subprocess.run(["pdftotext", *args, "-"], check=True, capture_output=True, text=True).stdout


def pdf_pages(path: Path) -> list[list[Word]]:
    out = pdftotext("-bbox", str(path))
    return [[Word(float(a), float(b), float(c), float(d), html.unescape(t)) for a, b, c, d, t in _WORD.findall(page)]
            for page in out.split("<page ")[1:]]


def _on_line(words: list[Word], anchor: Word, text: str) -> Word:
    found = [w for w in words if w.text == text and abs(w.yc - anchor.yc) < LINE]
    assert len(found) == 1, f"header 「{text}」 beside 「{anchor.text}」: {found}"
    return found[0]


def _centred_text(words: list[Word], header: Word, y: float) -> str:
    return "".join(w.text for w in sorted(words, key=lambda w: w.x0)
                   if abs(w.xc - header.xc) < CENTRED and abs(w.yc - y) < LINE)


def _blocks(words: list[Word]) -> list[tuple[float, str]]:
    """Words of one left-aligned column grouped into cells: lines one line-pitch apart belong
    together. Returns (vertical centre, text) per cell."""
    lines: list[list[Word]] = []
    for word in sorted(words, key=lambda w: w.yc):
        if lines and abs(lines[-1][0].yc - word.yc) < 1.0:
            lines[-1].append(word)
        else:
            lines.append([word])
    blocks: list[list[list[Word]]] = []
    for line in lines:
        pitch = 1.25 * (line[0].y1 - line[0].y0) + 1.0
        if blocks and line[0].yc - blocks[-1][-1][0].yc <= pitch:
            blocks[-1].append(line)
        else:
            blocks.append([line])
    return [((block[0][0].yc + block[-1][0].yc) / 2,
             "".join(w.text for line in block for w in sorted(line, key=lambda w: w.x0))) for block in blocks]


def read_pdf(path: Path) -> Printed:
    """Scores of a PDF form by position: a number belongs to the column whose header is
    centred above it; a 三级指标 cell is the block of left-aligned lines starting at that
    column's left edge, and its 得分 is the number at the block's vertical centre."""
    printed = Printed()
    for words in pdf_pages(path):
        for rate in (w for w in words if w.text == "执行率"):
            weight_h, score_h = _on_line(words, rate, "分值"), _on_line(words, rate, "得分")
            below = min((w.y0 for w in words if w.text == "三级指标" and w.yc > rate.yc), default=float("inf"))
            weights = sorted((w for w in words if rate.yc + LINE < w.yc < below and abs(w.xc - weight_h.xc) < CENTRED
                              and as_number(w.text) is not None), key=lambda w: w.yc)
            if weights:
                printed.budget = _centred_text(words, score_h, weights[0].yc)
        for h3 in (w for w in words if w.text == "三级指标"):
            h2, hw, hs = (_on_line(words, h3, label) for label in ("二级指标", "分值", "得分"))
            totals = [w for w in words if w.text == "总分" and w.yc > h3.yc]
            end = totals[0].yc - LINE if totals else float("inf")
            body = [w for w in words if h3.y1 < w.yc < end]
            starts = [w.x0 for w in body if h2.xc < w.x0 < h3.xc]
            if starts:
                left = min(starts)
                right = 2 * h3.xc - left  # the header is centred in the column
                level3 = [w for w in body if w.x0 >= left - 0.5 and w.x1 <= right + 0.5]
                scores = [w for w in body if abs(w.xc - hs.xc) < CENTRED]
                rows = []
                for y, text in _blocks(level3):
                    mine = [w for w in scores if abs(w.yc - y) < LINE]
                    rows.append((y, text, "".join(w.text for w in mine)))
                    scores = [w for w in scores if w not in mine]
                rows += [(w.yc, "", w.text) for w in scores]  # a score with no 三级指标 beside it
                printed.rows += [(text, score) for _, text, score in sorted(rows, key=lambda row: row[0])]
            if totals:
                printed.total = _centred_text(words, hs, totals[0].yc)
                printed.weight_total = _centred_text(words, hw, totals[0].yc)
    return printed


def pdf_layout_lines(path: Path) -> tuple[list[str], list[str] | None]:
    """From `pdftotext -layout`: the numbers on the 总分 line, and what follows the 执行率
    percentage on the budget line (None when no such line is printed)."""
    lines = pdftotext("-layout", str(path)).splitlines()
    total = [line.split()[1:] for line in lines if line.split()[:1] == ["总分"]]
    assert len(total) == 1, f"总分 lines: {total}"
    budget = None
    header = next((i for i, line in enumerate(lines) if "执行率" in line.split()), None)
    if header is not None:
        for line in lines[header + 1:]:
            tokens = line.split()
            if "三级指标" in tokens:
                break
            percent = [i for i, token in enumerate(tokens) if token.endswith("%")]
            if percent:
                budget = tokens[percent[-1] + 1:]
                break
    return total[0], budget


READERS = {"xlsx": read_xlsx, "docx": read_docx, "pdf": read_pdf}


# -- files: scored and exported once per module ---------------------------------------------
@dataclass
class Exported:
    path: Path  # the .perfdesk file
    scores: dict[str, dict]  # form id -> that form in `perfdesk score --json`
    files: dict[str, dict[str, Path]]  # format -> form id -> exported file
    overridden_totals: set[str]  # form ids whose 总分 a person decided (in the file)
    notes: dict = field(default_factory=dict)  # what the edits expect, by name
    _read: dict = field(default_factory=dict)

    def printed(self, fmt: str, form_id: str) -> Printed:
        key = (fmt, form_id)
        if key not in self._read:
            self._read[key] = READERS[fmt](self.files[fmt][form_id])
        return self._read[key]

    def self_evaluations(self) -> list[dict]:
        return [f for f in self.scores.values() if f["kind"] == SELF_EVALUATION]


def _cli(argv: list[str]) -> str:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    assert code == 0, f"perfdesk {' '.join(argv)} → {code}: {err.getvalue()}"
    return out.getvalue()


def score_and_export(path: Path, out: Path) -> Exported:
    """`perfdesk score PATH --json`, then `perfdesk export PATH --format F` for every format."""
    payload = json.loads(_cli(["score", str(path), "--json"]))
    registry = default_registry()
    store = FileStore.open(path, read_only=True)
    try:
        ws = store.workspace
        forms = list(ws.forms.values())
        overridden = {f.id for f in forms if f.total is not None}
        files = {fmt: dict(zip((f.id for f in forms),
                               target_paths(ws, forms, registry, fmt, out / fmt, with_list=False)))
                 for fmt in FORMATS}
    finally:
        store.close()
    for fmt in FORMATS:
        # --force: the published demo forms carry the faults `perfdesk check` reports.
        _cli(["export", str(path), "--format", fmt, "--out", str(out / fmt), "--no-list", "--force"])
        assert all(p.is_file() for p in files[fmt].values()), fmt
    return Exported(path, {f["id"]: f for f in payload["forms"]}, files, overridden)


@pytest.fixture(scope="module")
def module_env(tmp_path_factory):
    """The module's fixtures run before the per-test isolation: isolate them the same way."""
    home = tmp_path_factory.mktemp("printed-env")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PERFDESK_DATA_DIR", str(home / "userdata"))
        mp.setenv("XDG_DATA_HOME", str(home / "xdg-data"))
        mp.setenv("XDG_CONFIG_HOME", str(home / "xdg-config"))
        yield home


@pytest.fixture(scope="module")
def demo(module_env, tmp_path_factory):
    folder = tmp_path_factory.mktemp("printed-demo")
    path = write_demo(folder / "demo.perfdesk")
    return score_and_export(path, folder)


def _note(reason: str, computed) -> OverrideNote:
    return OverrideNote(reason, now_text(), computed)


def _form(ws, project: str, year: int = 2022):
    (form,) = [f for f in ws.forms.values() if ws.project_name(f) == project and f.year == year]
    return form


def _full_rows(form, definition, count: int) -> list[Indicator]:
    """Rows without an override that the rules give full marks, with a quantitative target."""
    rows = score_form(form, definition).rows
    found = [ind for ind in form.indicators
             if ind.score is None and ind.weight and ind.target.is_quantitative and not ind.target.is_reverse
             and ind.target.number and ind.target.number > 0 and rows[ind.id].computed == ind.weight]
    assert len(found) >= count, f"{form.fields.get('project_name')}: too few full-mark rows"
    return found[:count]


def _national_form(ws, registry):
    """A national-layout (万元) self-evaluation: fixed empty 二级 rows print, one row has no
    actual yet (no score), one qualitative row is scored by a person."""
    definition = registry.get("national-selfeval-wanyuan")
    project = ws.add_project(Project("全国格式测试项目"))
    form = ws.add_form(blank_form(ws, project, 2026, definition))
    for section in definition.sections_of(SectionType.FUNDING):
        for row, column in section.amount_cells():
            value = {"initial": "100", "budget": "120", "executed": "90"}.get(column, "0")
            ws.set_amount(form.id, f"{row}.{column}", Decimal(value if row in ("total", "fiscal") else "0"))
    levels = {level.name: level for level in definition.taxonomy.level1}
    output, benefit, satisfaction = (levels[name] for name in ("产出指标", "效益指标", "满意度指标"))
    rows = [
        (output, 0, "测试数量指标", "≥100 件", "90 件", "20"),
        (output, 1, "测试质量指标", "≥95%", "", "20"),  # no actual yet: no score
        (benefit, 1, "测试社会效益指标", "显著提升", "有所提升", "20"),  # needs a person's judgement
        (benefit, 3, "测试可持续影响指标", "≥90%", "95%", "20"),
        (satisfaction, 0, "测试满意度", "≥90%", "85%", "10"),
    ]
    for position, (level, n, level3, target, actual, weight) in enumerate(rows):
        ws.insert_indicator(form.id, position, Indicator(
            level1=level.name, level2=level.level2[n], level3=level3, target=parse(target), actual=parse(actual),
            weight=Decimal(weight)))
    judged = form.indicators[2]
    computed = score_form(form, definition).rows[judged.id].computed
    ws.set_indicator(form.id, judged.id, "score", Decimal("16.5"))
    ws.set_indicator(form.id, judged.id, "score_note", _note("测试：按评审意见评为良好", computed))
    return form


@pytest.fixture(scope="module")
def edited(module_env, tmp_path_factory):
    """The demo file changed by workspace steps (each written through by the store), then
    scored and exported from the file."""
    folder = tmp_path_factory.mktemp("printed-edited")
    path = write_demo(folder / "edited.perfdesk")
    registry = default_registry()
    selfeval = registry.get("sh-selfeval-2020")
    notes: dict = {}
    store = FileStore.open(path)
    try:
        ws = store.workspace
        # Form A: (a) an actual moves a computed score, (b) a row override with a note,
        # (d) a published row override removed, and a budget override.
        a = _form(ws, "补充日常经费")
        moved, judged = _full_rows(a, selfeval, 2)
        removed = next(ind for ind in a.indicators if ind.score_note is not None)
        before = score_form(a, selfeval)
        with ws.step():
            ws.set_indicator(a.id, moved.id, "actual", str(moved.target.number / 2))
        with ws.step():
            ws.set_indicator(a.id, judged.id, "score", Decimal("2.75"))
            ws.set_indicator(a.id, judged.id, "score_note",
                             _note("测试：按现场核查扣分", before.rows[judged.id].computed))
        with ws.step():
            ws.set_indicator(a.id, removed.id, "score", None)
            ws.set_indicator(a.id, removed.id, "score_note", None)
        with ws.step():
            ws.set_budget_score(a.id, Decimal("8.5"), _note("测试：预算调整经批准", before.budget.computed))
        notes["a"] = dict(form=a.id, moved=a.position_of(moved.id), moved_was=before.rows[moved.id].score,
                          moved_now=(moved.weight / 2), judged=a.position_of(judged.id),
                          removed=a.position_of(removed.id), removed_was=before.rows[removed.id].entered,
                          removed_now=before.rows[removed.id].computed)
        # Form B: (c) the 总分 overridden with a note.
        b = _form(ws, "补充公积金")
        with ws.step():
            ws.set_total(b.id, Decimal("88.5"),
                         _note("测试：评审组复核后调整", score_form(b, selfeval).computed_total))
        notes["b"] = dict(form=b.id)
        # Form C: the 总分 99 form whose rows now add up to 114.10, with no 总分 stored.
        c = _form(ws, "专项业务费")
        c_before = score_form(c, selfeval)
        assert c.total is None and c_before.total == 99
        with ws.step():
            for ind, extra in zip(_full_rows(c, selfeval, 3), ("5", "5.05", "5.05")):
                ws.set_indicator(c.id, ind.id, "weight", ind.weight + Decimal(extra))
        notes["c"] = dict(form=c.id)
        # Form D: a 总分 override made, then taken back (the rows' sum counts again).
        d = _form(ws, "服务工作专项经费")
        d_total = score_form(d, selfeval).total
        with ws.step():
            ws.set_total(d.id, Decimal("50"), _note("测试：临时调整", d_total))
        with ws.step():
            ws.set_total(d.id, None)
        notes["d"] = dict(form=d.id, total=d_total)
        # Form E: a new national-layout form, built step by step.
        with ws.step():
            e = _national_form(ws, registry)
        notes["e"] = dict(form=e.id)
    finally:
        store.close()
    exported = score_and_export(path, folder)
    exported.notes = notes
    return exported


# -- comparing a print with the JSON --------------------------------------------------------
def mismatches(exported: Exported, fmt: str, form_data: dict) -> list[str]:
    """Every difference between one form's print and its JSON scores, worded for a report."""
    name = f"{fmt} {form_data['project']} {form_data['year']}"
    printed = exported.printed(fmt, form_data["id"])
    found = []
    if printed.total != spell(form_data["total"]):
        found.append(f"{name}: 总分 printed {printed.total!r}, score --json says {form_data['total']}")
    if printed.budget != spell(form_data["budget_score"]):
        found.append(f"{name}: 预算执行率得分 printed {printed.budget!r}, "
                     f"score --json says {form_data['budget_score']}")
    rows = form_data["indicators"]
    if len(printed.rows) != len(rows):
        found.append(f"{name}: {len(printed.rows)} indicator rows printed, score --json has {len(rows)}")
    for n, ((level3, score), row) in enumerate(zip(printed.rows, rows), 1):
        if squeeze(level3) != squeeze(row["level3"]):
            found.append(f"{name} row {n}: 三级指标 printed {level3!r}, score --json has {row['level3']!r}")
        if score != spell(row["score"]):
            found.append(f"{name} row {n} ({row['level3']}): 得分 printed {score!r}, "
                         f"score --json says {row['score']}")
    return found


def sum_mismatch(exported: Exported, fmt: str, form_data: dict) -> str | None:
    """Without a person's 总分 the printed 总分 is the printed rows plus the budget score."""
    printed = exported.printed(fmt, form_data["id"])
    parts = [score for _, score in printed.rows] + [printed.budget or ""]
    added = sum((as_number(text) for text in parts if text), Decimal(0))
    total = as_number(printed.total or "")
    if total != added:
        return (f"{fmt} {form_data['project']} {form_data['year']}: 总分 printed {printed.total!r}, "
                f"printed rows and budget add up to {added}")
    return None


def _row(exported: Exported, fmt: str, form_id: str, position: int) -> tuple[str, dict]:
    printed = exported.printed(fmt, form_id)
    return printed.rows[position][1], exported.scores[form_id]["indicators"][position]


# -- the demo --------------------------------------------------------------------------------
def test_score_json_scores_the_fourteen_self_evaluations(demo):
    assert len(demo.scores) == DEMO_FORMS
    scored = demo.self_evaluations()
    assert len(scored) == DEMO_SELF_EVALUATIONS
    assert all(f["total"] is not None and f["budget_score"] is not None for f in scored)
    assert all(f["total"] is None for f in demo.scores.values() if f["kind"] != SELF_EVALUATION)
    assert all(len(demo.files[fmt]) == DEMO_FORMS for fmt in FORMATS)


@pytest.mark.parametrize("fmt", FORMATS)
def test_demo_prints_what_score_reports(demo, fmt):
    found = [m for form_data in demo.self_evaluations() for m in mismatches(demo, fmt, form_data)]
    assert not found, "\n".join(found)
    assert sum(len(demo.printed(fmt, f["id"]).rows) for f in demo.self_evaluations()) == sum(
        len(f["indicators"]) for f in demo.self_evaluations())


@pytest.mark.parametrize("fmt", FORMATS)
def test_demo_total_is_the_sum_of_what_is_printed(demo, fmt):
    assert not demo.overridden_totals & {f["id"] for f in demo.self_evaluations()}
    found = [sum_mismatch(demo, fmt, f) for f in demo.self_evaluations()]
    assert not [m for m in found if m], "\n".join(m for m in found if m)


def test_excel_scores_are_numbers(demo):
    for form_data in demo.self_evaluations():
        cells = demo.printed("xlsx", form_data["id"]).score_cells
        assert cells
        for cell in cells:
            assert cell.data_type == "n" and isinstance(cell.value, (int, float)), (form_data["project"], cell)


def test_pdf_layout_total_and_budget_lines(demo):
    for form_data in demo.self_evaluations():
        total, budget = pdf_layout_lines(demo.files["pdf"][form_data["id"]])
        assert total == [spell(form_data["weight_total"]), spell(form_data["total"])], form_data["project"]
        assert budget == [spell(form_data["budget_score"])], form_data["project"]


# -- edited in tests -------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", FORMATS)
def test_edited_file_prints_what_score_reports(edited, fmt):
    forms = edited.self_evaluations()
    assert len(forms) == DEMO_SELF_EVALUATIONS + 1
    found = [m for form_data in forms for m in mismatches(edited, fmt, form_data)]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_changed_actual_moves_the_printed_score(edited, fmt):
    note = edited.notes["a"]
    printed, row = _row(edited, fmt, note["form"], note["moved"])
    assert not row["overridden"] and row["score"] == row["computed"]
    assert Decimal(str(row["score"])) == note["moved_now"] != note["moved_was"]
    assert printed == spell(note["moved_now"])


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_row_override_prints_as_decided(edited, fmt):
    note = edited.notes["a"]
    printed, row = _row(edited, fmt, note["form"], note["judged"])
    assert row["overridden"] and row["score"] == 2.75 and row["computed"] != 2.75
    assert printed == "2.75"


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_removed_row_override_prints_the_rules_score(edited, fmt):
    note = edited.notes["a"]
    printed, row = _row(edited, fmt, note["form"], note["removed"])
    assert not row["overridden"] and row["score"] == row["computed"]
    assert note["removed_was"] is not None and spell(note["removed_was"]) != spell(note["removed_now"])
    assert printed == spell(note["removed_now"]) == spell(row["score"])


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_budget_override_prints_and_counts(edited, fmt):
    form_data = edited.scores[edited.notes["a"]["form"]]
    printed = edited.printed(fmt, form_data["id"])
    assert form_data["budget_score"] == 8.5 and printed.budget == "8.50"
    assert sum_mismatch(edited, fmt, form_data) is None


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_total_override_prints_as_decided(edited, fmt):
    form_data = edited.scores[edited.notes["b"]["form"]]
    printed = edited.printed(fmt, form_data["id"])
    assert form_data["id"] in edited.overridden_totals
    assert form_data["total"] == 88.5 and printed.total == "88.50"
    # the rows still print their own scores, which add up to something else
    assert sum_mismatch(edited, fmt, form_data) is not None


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_removed_total_override_prints_the_sum(edited, fmt):
    note = edited.notes["d"]
    form_data = edited.scores[note["form"]]
    assert note["form"] not in edited.overridden_totals
    assert Decimal(str(form_data["total"])) == note["total"]
    assert edited.printed(fmt, note["form"]).total == spell(note["total"]) != "50"
    assert sum_mismatch(edited, fmt, form_data) is None


@pytest.mark.parametrize("fmt", FORMATS)
def test_national_form_prints_what_score_reports(edited, fmt):
    form_data = edited.scores[edited.notes["e"]["form"]]
    printed = edited.printed(fmt, form_data["id"])
    assert [score for _, score in printed.rows] == ["18", "", "16.50", "20", "9.44"]
    assert printed.budget == "7.50" and printed.total == "71.44"
    assert sum_mismatch(edited, fmt, form_data) is None


@pytest.mark.parametrize("fmt", FORMATS)
def test_rows_adding_up_to_114_10_never_print_total_99(edited, fmt):
    """Regression: a PDF printed 总分 99 next to rows adding up to 114.10. The form's 总分 was
    never a person's (none is stored); only its rows changed, so the sum is what prints."""
    form_data = edited.scores[edited.notes["c"]["form"]]
    printed = edited.printed(fmt, form_data["id"])
    assert form_data["id"] not in edited.overridden_totals
    assert form_data["total"] == 114.1
    assert printed.total == "114.10"
    assert sum_mismatch(edited, fmt, form_data) is None


@pytest.mark.parametrize("fmt", FORMATS)
def test_edited_totals_without_override_are_the_printed_sum(edited, fmt):
    forms = [f for f in edited.self_evaluations() if f["id"] not in edited.overridden_totals]
    assert len(forms) == DEMO_SELF_EVALUATIONS  # all but form B
    found = [m for m in (sum_mismatch(edited, fmt, f) for f in forms) if m]
    assert not found, "\n".join(found)


def test_edited_pdf_layout_total_and_budget_lines(edited):
    for form_data in edited.self_evaluations():
        total, budget = pdf_layout_lines(edited.files["pdf"][form_data["id"]])
        assert total[-1:] == [spell(form_data["total"])] and len(total) <= 2, form_data["project"]
        assert budget == [spell(form_data["budget_score"])], form_data["project"]


def test_edited_pdf_total_line_prints_the_whole_weight_total(edited):
    wrong = []
    for form_data in edited.self_evaluations():
        total, _ = pdf_layout_lines(edited.files["pdf"][form_data["id"]])
        if total != [spell(form_data["weight_total"]), spell(form_data["total"])]:
            wrong.append(f"{form_data['project']}: 总分 line {total}")
    assert not wrong, "\n".join(wrong)
