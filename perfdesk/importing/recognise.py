"""Importing layer: finding forms in a cell grid by their labels, and reading them back.

Nothing here knows a cell address. A form starts at the row whose first label is 项目名称;
its title and year line are the title-like rows just above. Inside it every value is found
beside or below its printed label (the labels come from the form definitions), the indicator
table by its header row, 总分 by its label. Which definition a form is in is decided by what
it shows: title, column labels, field labels, amount unit (元/万元) and taxonomy.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Sequence

from perfdesk.domain.overrides import IMPORTED
from perfdesk.domain.override_record import FormRecord, find_record, keep_scores
from perfdesk.domain.definition import FormDefinition, FormKind, SectionDef, SectionType
from perfdesk.domain.model import Form, Indicator, TableRow
from perfdesk.domain.validation import parse_date
from perfdesk.domain.values import parse, unit_factor
from perfdesk.formdefs.label_weights import printed_columns, split_weight, weights_in_label

from .grid import Block, Cell, Row, key

PROJECT_NAME = key("项目名称")
TOTAL = key("总分")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_YEAR_LINE = re.compile(r"^[(（]?\s*(?:19|20)\d{2}\s*年度?\s*[)）]?$")
_UNIT = re.compile(r"[(（]\s*(万元|元)\s*[)）]")
_LIST_TITLE = re.compile(r"^(.*?)\s*(?:19|20)\d{2}\s*年度?\s*((?:项目|部门整体)(?:支出)?绩效(?:目标汇总表|自评清单))")
_BLANK_AMOUNTS = {"", "—", "——", "-", "－", "/", "／", "无", "―"}

# Header words of hand-made tables whose wording differs from the definition's, in the
# order they are tried (实际完成值 contains 完成值, so it goes before the target words).
_COLUMN_HINTS = (
    ("level1", ("一级",)), ("level2", ("二级",)), ("level3", ("三级",)),
    ("actual", ("实际完成", "实际值", "完成值", "实际")),
    ("target", ("指标值", "目标值")),
    ("weight", ("分值", "权重")), ("score", ("得分",)), ("reason", ("偏差", "原因", "改进措施")),
)
_GENERIC_LABELS = {key(t) for t in ("分值", "执行率", "得分", "总分", "一级指标", "二级指标", "三级指标",
                                      "项目资金", "绩效指标", "年度总体目标", "项目绩效目标")}


@dataclass
class FoundForm:
    form: Form
    definition: FormDefinition
    project_name: str
    where: str
    notes: list[str] = field(default_factory=list)
    chosen: str = ""  # why this definition: the labels that matched (Chinese)


@dataclass
class NotAForm:
    where: str
    reason: str
    is_list: bool = False  # the unit-level list that travels with the forms: expected, not a fault


@dataclass
class BlockResult:
    forms: list[FoundForm] = field(default_factory=list)
    skipped: list[NotAForm] = field(default_factory=list)
    unit_name: str = ""


def _first_key(row: Row) -> str:
    filled = row.filled()
    return key(filled[0].text) if filled else ""


def _single_text(row: Row) -> str:
    """The text of a row that holds one text only (a title, a year line), else ""."""
    texts = {c.text.strip() for c in row.filled()}
    return texts.pop() if len(texts) == 1 else ""


def _is_title(text: str) -> bool:
    k = key(text)
    return "绩效" in k and "表" in k and not ("汇总表" in k or "清单" in k)


def _is_year_line(text: str) -> bool:
    return bool(_YEAR_LINE.match(unicodedata.normalize("NFKC", text).replace(" ", "")))


_COLON = re.compile(r"[:：]")


def split_inline(rows: list[Row], labels: set[str]) -> list[Row]:
    """Rows where a cell written as "label:value" (either colon, a unit in the label allowed:
    "项目总预算(元): 6,287,000") becomes the label with its value beside it in `inline`, as
    hand-kept forms write it. Only known labels are split ("完成率:95%" stays one text), and
    never a cell in a value's place — right of a bare label, or right under a column head of
    its own width — whose text merely begins like one ("主管部门 │ 主管部门：…")."""

    def bare_label(cell: Cell | None) -> bool:
        return cell is not None and cell.inline is None and key(cell.text) in labels

    out: list[Row] = []
    above: Row | None = None
    for row in rows:
        cells: list[Cell] = []
        for cell in row.cells:
            match = _COLON.search(cell.text) if cell.inline is None and not cell.continued else None
            if match:
                label, value = cell.text[: match.start()], cell.text[match.end():]
                left = next((c for c in reversed(cells) if c.text.strip()), None)
                over = next((c for c in above.cells if (c.col, c.span) == (cell.col, cell.span)
                             and c.text.strip()), None) if above else None
                if value.strip() and key(label) in labels and not bare_label(left) and not bare_label(over):
                    cell = Cell(label.strip(), cell.col, cell.span, cell.continued, value.strip())
            cells.append(cell)
        new = Row(cells, row.where)
        out.append(new)
        if not new.blank:
            above = new
    return out


def recognise_block(block: Block, definitions: Sequence[FormDefinition],
                    records: Sequence[FormRecord] = ()) -> BlockResult:
    """The forms in `block`. `records`: the override records the file carries (a PerfDesk
    export), which give the overrides a form still shows their own reasons back."""
    result = BlockResult()
    # Where a form starts: 项目名称, or what a definition calls its project_name field (the
    # 部门整体 forms' 部门（单位）名称).
    anchors = {PROJECT_NAME} | {key(f.label) for d in definitions for f in d.all_fields() if f.key == "project_name"}
    labels: set[str] = set(anchors)
    for definition in definitions:
        labels |= _labels_of(definition)
    # A cell of the indicator table may begin like a heading ("评分标准：完成得满分"): the table's
    # own headings are never split off as "label:value".
    columns = {key(label) for d in definitions for section in d.sections_of(SectionType.INDICATORS)
               for _, label in section.printed_columns() + list(section.indicator_columns)}
    columns |= {key(alias) for d in definitions for section in d.sections_of(SectionType.INDICATORS)
                for _, aliases in section.column_aliases for alias in aliases}
    rows = split_inline(block.rows, labels - columns)
    # Header lines that some layouts print above 项目名称 (the 2020 form's 申报单位名称).
    heading_fields = {key(f.label) for d in definitions for f in d.all_fields()} - anchors
    starts = [i for i, row in enumerate(rows) if _first_key(row) in anchors]
    begins = []
    floor = 0
    for start in starts:
        begin, j, seen, fields_seen = start, start - 1, 0, 0
        while j >= floor and seen < 6:
            text = _single_text(rows[j])
            if rows[j].blank:
                j -= 1
                continue
            if text and (_is_title(text) or _is_year_line(text)):
                begin, seen = j, seen + 1
                j -= 1
                continue
            if seen == 0 and fields_seen < 3 and _first_key(rows[j]) in heading_fields:
                begin, fields_seen = j, fields_seen + 1
                j -= 1
                continue
            break
        begins.append(begin)
        floor = start + 1
    for row in rows[: begins[0] if begins else len(rows)]:
        text = _single_text(row)
        match = _LIST_TITLE.match(key(text)) if text else None
        if match:
            result.unit_name = result.unit_name or match.group(1)
            result.skipped.append(NotAForm(f"{block.name}{row.where}", f"“{text}”是单位汇总清单，不作为表格导入", True))
    if not starts:
        if not result.skipped and any(not row.blank for row in rows):
            result.skipped.append(NotAForm(block.name, "没有找到“项目名称”等表格标签，不是绩效表格"))
        return result
    for n, (begin, start) in enumerate(zip(begins, starts)):
        end = begins[n + 1] if n + 1 < len(begins) else len(rows)
        where = f"{block.name}{rows[start].where}起"
        region = _Region(rows[begin:end], start - begin)
        outcome = region.read(definitions, records)
        if isinstance(outcome, str):
            result.skipped.append(NotAForm(where, outcome))
        else:
            outcome.where = where
            result.forms.append(outcome)
    return result


def parse_amount(text: str) -> tuple[Decimal | None, bool]:
    """(amount, understood): “8,734,121.00” → 8734121.00; “—” or blank → (None, True)."""
    t = unicodedata.normalize("NFKC", text or "")
    t = "".join(t.split()).replace(",", "")
    for suffix in ("万元", "元"):
        if t.endswith(suffix):
            t = t[: -len(suffix)]
    if t in _BLANK_AMOUNTS:
        return None, True
    try:
        value = Decimal(t)
    except InvalidOperation:
        return None, False
    return (value, True) if value.is_finite() else (None, False)


class _Region:
    """The rows of one form, with the lookups the readers share."""

    def __init__(self, rows: list[Row], name_row: int):
        self.rows = rows
        self.name_row = name_row
        self.keys = {key(c.text) for row in rows for c in row.filled()}
        heading_rows = rows[:name_row]
        self.title = "".join(_single_text(r) for r in heading_rows if _is_title(_single_text(r)))
        self.year_text = "".join(_single_text(r) for r in heading_rows if _is_year_line(_single_text(r)))
        self.unit = None
        for row in rows:
            for cell in row.filled():
                match = _UNIT.search(unicodedata.normalize("NFKC", cell.text))
                if match and ("资金" in cell.text or "金额" in cell.text):
                    self.unit = match.group(1)
                    break
            if self.unit:
                break
        self.labels: set[str] = set()

    # -- lookups -----------------------------------------------------------------------
    def find(self, label: str, start: int = 0, stop: int | None = None) -> list[tuple[int, Cell]]:
        want = key(label)
        stop = len(self.rows) if stop is None else stop
        return [(i, c) for i in range(start, stop) for c in self.rows[i].filled()
                if key(c.text) == want and not c.continued]

    def right_of(self, i: int, cell: Cell) -> str | None:
        if cell.inline is not None:
            return cell.inline
        for other in self.rows[i].cells:
            if other.col > cell.last and other.text.strip():
                return "" if key(other.text) in self.labels else other.text.strip()
        return None

    def below(self, i: int, cell: Cell) -> str | None:
        if cell.inline is not None:
            return cell.inline
        for j in range(i + 1, len(self.rows)):
            if self.rows[j].blank:
                continue
            hits = [c for c in self.rows[j].cells if c.overlaps(cell) and not (c.continued and c.col < cell.col)]
            if not hits:
                return None
            filled = [c for c in hits if c.text.strip()]
            if not filled:
                return ""
            if any(key(c.text) in self.labels for c in filled):
                return None
            return filled[0].text.strip()
        return None

    # -- which definition ----------------------------------------------------------------
    def rank(self, definitions: Sequence[FormDefinition]) -> list[tuple[float, FormDefinition, list[str]]]:
        """Every definition with how well the form's labels fit it, best first, and the
        reasons in Chinese ("字段标签 8 个", "指标列 8 个" …). Labels decide, never positions."""
        title = key(self.title)
        evaluates = bool({key("实际完成值"), key("得分")} & self.keys) or "自评" in title
        ranked = []
        for d in definitions:
            why: list[str] = []
            fields = sum(key(f.label) in self.keys for f in d.all_fields())
            score = 2.0 * fields
            if fields:
                why.append(f"字段标签 {fields} 个")
            section = d.section(SectionType.INDICATORS)
            if section:
                printed = [label for _, label in printed_columns(section)]
                columns = sum(key(label) in self.keys for label in printed)
                score += 3 * columns
                if columns:
                    why.append(f"指标列 {columns}/{len(printed)} 个")
                if weights_in_label(section):
                    score += self._label_weights_fit(d, why)
            amounts = 0
            for funding in d.sections_of(SectionType.FUNDING):
                for column in funding.columns:
                    amounts += key(column.label) in self.keys
                    amounts += sum(key(column.row_label(r)) in self.keys for r in funding.rows)
            score += amounts
            if amounts:
                why.append(f"金额标签 {amounts} 个")
            tables = sum(key(c.label) in self.keys for t in d.sections_of(SectionType.TABLE) for c in t.extra_columns)
            score += 2 * tables
            if tables:
                why.append(f"表格列 {tables} 个")
            if title and key(d.title) in title:
                score += 5 + 0.1 * len(key(d.title))
                why.append(f"标题“{d.title}”")
            if self.unit and self.unit == d.amount_unit:
                score += 8
                why.append(f"金额单位{d.amount_unit}")
            level1 = len(self.keys & {key(n) for n in d.taxonomy.level1_names()})
            score += 2 * level1
            if level1:
                why.append(f"一级指标名称 {level1} 个")
            if evaluates != (d.kind is FormKind.SELF_EVALUATION):
                score -= 20
                why.append("表的种类不符" + ("（表中有实际完成值或得分）" if evaluates else ""))
            ranked.append((score, d, why))
        ranked.sort(key=lambda item: item[0], reverse=True)
        return ranked

    def _label_weights_fit(self, definition: FormDefinition, why: list[str]) -> float:
        """How a definition that prints the weights in the 三级 names (`weights = "label"`) fits:
        better than the same layout with a weight column when the table has no weight column
        (+1), more so when its 三级 names carry weights (+4, `验收合格率（10分）`); worse when the
        table has a weight column of its own (-1). Labels decide as elsewhere: these only part
        layouts that print the same headings otherwise."""
        header = self.indicator_header(definition)
        if header is None:
            return 0.0
        header_row, columns = header
        if "weight" in columns:
            why.append("表中有分值列")
            return -1.0
        section = definition.section(SectionType.INDICATORS)
        level3 = columns.get("level3")
        carried = 0
        if level3 is not None:
            for row in self.rows[header_row + 1:]:
                text = _value_in(row, level3)
                if text and split_weight(text, section)[1] is not None:
                    carried += 1
        if carried:
            why.append(f"三级指标名称中写有分值 {carried} 项")
            return 4.0
        why.append("表中没有分值列")
        return 1.0

    # -- reading -------------------------------------------------------------------------
    def read(self, definitions: Sequence[FormDefinition], records: Sequence[FormRecord] = ()) -> FoundForm | str:
        ranked = self.rank(definitions)
        if not ranked:
            return "没有可用的表单定义"
        best_score, definition, why = ranked[0]
        if len(ranked) > 1 and ranked[1][0] == best_score and self.indicator_header(definition) is not None:
            return (f"无法确定这张表用哪个表单定义：“{definition.name}”（{definition.id}）与"
                    f"“{ranked[1][1].name}”（{ranked[1][1].id}）同样符合表中的标签，未导入；"
                    f"请指定表单定义（命令行用 --definition）")
        self.labels = _labels_of(definition)
        notes: list[str] = []
        header = self.indicator_header(definition)
        if header is None:
            return "找到了“项目名称”，但没有找到绩效指标表头（一级指标、三级指标、指标值等），未导入"
        header_row, columns = header
        fields = self.read_fields(definition, header_row)
        name = fields.get("project_name", "").strip()
        if not name:
            return "“项目名称”没有填写，无法确定是哪个项目，未导入"
        year = self.read_year(fields, notes)
        if year is None:
            return f"“{name}”的表格中找不到年度（如“（2022年度）”），未导入"
        form = Form(project_id="", kind=definition.kind, year=year, definition_id=definition.id, fields=fields)
        self.read_funding(definition, form, header_row, notes)
        self.read_tables(definition, form, header_row)
        form.indicators, total_row = self.read_indicators(header_row, columns,
                                                          definition.section(SectionType.INDICATORS))
        if total_row is not None and "score" in columns:
            value, ok = parse_amount(_value_in(self.rows[total_row], columns["score"]))
            form.total = value if ok else None
        if definition.scored and form.indicators and all(i.weight is None for i in form.indicators):
            notes.append("表中没有分值，导入后请补填分值。")
        # A score in the file counts as a person's decision only where the rules say otherwise;
        # a stale 总分 never survives (it is derived from the rows) — unless the file's own
        # record says a person set it, and what it shows is still what they set. The overrides
        # the record names keep their notes; the others are "导入时的原值".
        record = find_record(records, name, year, definition.kind) if records else None
        notes += keep_scores(form, definition, IMPORTED, record)
        chosen = "只有这一个表单定义可用" if len(ranked) == 1 else "依据：" + "、".join(why or ["标签最接近"])
        return FoundForm(form, definition, name, "", notes, chosen)

    def read_year(self, fields: dict[str, str], notes: list[str]) -> int | None:
        for text in (self.year_text, self.title):
            match = _YEAR.search(unicodedata.normalize("NFKC", text))
            if match:
                return int(match.group(1))
        for value in fields.values():
            parsed = parse_date(value)
            if parsed is not None:
                notes.append(f"表中没有年度行，年度按日期“{value}”取为 {parsed.year} 年。")
                return parsed.year
        return None

    def read_fields(self, definition: FormDefinition, stop: int) -> dict[str, str]:
        fields: dict[str, str] = {}
        for section in definition.sections:
            if section.type not in (SectionType.FIELDS, SectionType.TEXTS):
                continue
            for f in section.fields:
                hits = self.find(f.label, 0, stop)
                if not hits:
                    continue
                i, cell = hits[0]
                if section.type is SectionType.TEXTS:
                    value = self.below(i, cell)
                    if value is None:
                        value = self.right_of(i, cell)
                else:
                    value = self.right_of(i, cell)
                    if value is None:
                        value = self.below(i, cell)
                fields[f.key] = value or ""
        return fields

    def read_funding(self, definition: FormDefinition, form: Form, stop: int, notes: list[str]) -> None:
        factor = Decimal(1)
        if self.unit and self.unit != definition.amount_unit:
            factor = unit_factor(self.unit, definition.amount_unit) or Decimal(1)
            notes.append(f"金额由{self.unit}换算为{definition.amount_unit}。")
        for section in definition.sections_of(SectionType.FUNDING):
            cells = self._matrix(section, stop) or self._pairs(section, stop)
            for (row_key, column_key), text in cells.items():
                if column_key == "__score__":
                    value, ok = parse_amount(text)
                    form.budget_score = value if ok else None
                    continue
                value, ok = parse_amount(text)
                if not ok:
                    notes.append(f"金额“{text}”无法识别，已留空。")
                form.amounts[f"{row_key}.{column_key}"] = None if value is None else value * factor

    def _matrix(self, section: SectionDef, stop: int) -> dict[tuple[str, str], str]:
        """Column labels across the top, row labels down the side (the self-evaluation)."""
        wanted = {key(c.label): c.key for c in section.columns}
        for i in range(stop):
            heads = {wanted[key(c.text)]: c for c in self.rows[i].filled() if key(c.text) in wanted}
            if len(heads) < min(2, len(wanted)):
                continue
            if any(parse_amount(self.right_of(i, head) or "")[0] is not None for head in heads.values()):
                return {}  # "label: amount" pairs, not column heads: see _pairs
            score_head = next((c for c in self.rows[i].filled() if key(c.text) == key("得分")), None)
            found: dict[tuple[str, str], str] = {}
            for n, row in enumerate(section.rows):
                labels = {key(row.label)} | {key(c.row_label(row)) for c in section.columns}
                at = next((j for j in range(i + 1, stop) for c in self.rows[j].filled()
                           if key(c.text) in labels), None)
                if at is None and len(section.rows) == 1:
                    at = next((j for j in range(i + 1, stop) if not self.rows[j].blank), None)
                if at is None:
                    continue
                for column in section.columns:
                    if column.key in heads and (not column.rows or row.key in column.rows):
                        found[(row.key, column.key)] = _value_in(self.rows[at], heads[column.key])
                if score_head is not None and section.budget_score and row.key == section.budget_score.row:
                    found[(row.key, "__score__")] = _value_in(self.rows[at], score_head)
            return found
        return {}

    def _pairs(self, section: SectionDef, stop: int) -> dict[tuple[str, str], str]:
        """“label | value” pairs, each column with its own row labels (the declaration)."""
        owners: dict[str, list[str]] = {}
        for column in section.columns:
            for row in section.rows:
                if not column.rows or row.key in column.rows:
                    owners.setdefault(key(column.row_label(row)), []).append(column.key)
        anchors: dict[str, int] = {}
        for column in section.columns:
            for row in section.rows:
                label = key(column.row_label(row))
                hits = self.find(label, 0, stop)
                if owners.get(label) == [column.key] and len(hits) == 1:
                    anchors[column.key] = hits[0][1].col
                    break
        found: dict[tuple[str, str], str] = {}
        for column in section.columns:
            for row in section.rows:
                if column.rows and row.key not in column.rows:
                    continue
                label = key(column.row_label(row))
                hits = self.find(label, 0, stop)
                if not hits:
                    continue
                if len(owners[label]) > 1 or len(hits) > 1:
                    if column.key not in anchors:
                        continue
                    hits.sort(key=lambda hit: abs(hit[1].col - anchors[column.key]))
                i, cell = hits[0]
                value = self.right_of(i, cell)
                found[(row.key, column.key)] = value or ""
        return found

    def read_tables(self, definition: FormDefinition, form: Form, stop: int) -> None:
        """The form's own table sections (年度主要任务): the row of their column headings, then
        every row below until a line that starts with another label, or the indicator table."""

        for section in definition.sections_of(SectionType.TABLE):
            wanted = {key(c.label): c for c in section.extra_columns}
            for c in section.extra_columns:
                for alias in c.labels:
                    wanted.setdefault(key(alias), c)
            for i in range(stop):
                heads = {}
                for cell in self.rows[i].filled():
                    column = wanted.get(key(cell.text))
                    if column is not None and column.key not in heads:
                        heads[column.key] = cell
                if len(heads) < min(2, len(section.extra_columns)):
                    continue
                first = min(cell.col for cell in heads.values())
                rows: list[TableRow] = []
                for j in range(i + 1, stop):
                    row = self.rows[j]
                    if row.blank:
                        continue
                    leading = [c for c in row.filled() if c.col < first and not c.continued]
                    if any(key(c.text) != key(section.label) for c in leading):
                        break  # the next section's label
                    cells = {}
                    for column in section.extra_columns:
                        if column.key in heads:
                            text = column.normalise(_value_in(row, heads[column.key]))
                            if text:
                                cells[column.key] = text
                    if any(key(text) in self.labels for text in cells.values()):
                        break
                    if cells:
                        rows.append(TableRow(cells=cells))
                if rows:
                    form.tables[section.key] = rows
                break

    def indicator_header(self, definition: FormDefinition) -> tuple[int, dict[str, Cell]] | None:
        section = definition.section(SectionType.INDICATORS)
        exact = {key(label): k for k, label in printed_columns(section)} if section else {}
        for column, aliases in section.column_aliases if section else ():
            for alias in aliases:
                exact.setdefault(key(alias), column)
        for i, row in enumerate(self.rows):
            columns: dict[str, Cell] = {}
            for cell in row.filled():
                k = key(cell.text)
                column = exact.get(k) or next(
                    (name for name, hints in _COLUMN_HINTS if any(h in k for h in hints)), None)
                if column and column not in columns and len(k) <= 16:
                    columns[column] = cell
            if len(columns) >= 3 and "level3" in columns and ("target" in columns or "target#1" in columns):
                return i, columns
        return None

    def read_indicators(self, header_row: int, columns: dict[str, Cell],
                        section: SectionDef | None = None) -> tuple[list[Indicator], int | None]:
        indicators: list[Indicator] = []
        level1 = level2 = ""
        header_keys = {key(c.text) for c in columns.values()}
        for i in range(header_row + 1, len(self.rows)):
            row = self.rows[i]
            if row.blank:
                continue
            if _first_key(row).startswith(TOTAL):
                return indicators, i
            heading = _single_text(row)
            if heading and (_is_title(heading) or _is_year_line(heading) or _LIST_TITLE.match(key(heading))):
                return indicators, None  # the next form or the unit's list starts: this table ended
            values = {name: _value_in(row, head) for name, head in columns.items()}
            for attr in ("target", "actual"):
                if f"{attr}#1" in values:  # 指标性质 │ 指标值 │ 度量单位 → one value
                    values[attr] = _joined(*(values.pop(f"{attr}#{part}", "") for part in range(3)))
            if key(values.get("level3", "")) in header_keys:
                continue  # a header row repeated after a page break
            if values.get("level1"):
                if values["level1"] != level1:
                    level2 = ""
                level1 = values["level1"]
            if values.get("level2"):
                level2 = values["level2"]
            content = [values.get(k, "") for k in ("level3", "target", "actual", "weight", "score")]
            if not any(content):
                continue  # a fixed empty 二级 row, or text below the table
            weight, _ = parse_amount(values.get("weight", ""))
            score, _ = parse_amount(values.get("score", ""))
            if weights_in_label(section):  # 验收合格率（10分）: the name, and the weight if no column gave one
                values["level3"], in_label = split_weight(values.get("level3", ""), section)
                weight = weight if weight is not None else in_label
            extra = {}
            for column in section.extra_columns if section is not None else ():
                text = column.normalise(values.get(column.key, ""))
                if text:
                    extra[column.key] = text
            indicators.append(Indicator(
                level1=level1, level2=level2, level3=values.get("level3", ""),
                target=parse(values.get("target", "")), actual=parse(values.get("actual", "")),
                weight=weight, score=score, reason=values.get("reason", ""), extra=extra))
        return indicators, None


def _joined(nature: str, value: str, unit: str) -> str:
    """The three printed parts of a split value as one text the value grammar reads:
    "≥ │ 95 │ %" → "≥95%"; "定性 │ 好 │ " → "好"."""
    nature, value, unit = key(nature), value.strip(), unit.strip()
    if not value or nature == "定性":
        return value
    return f"{value}{unit}" if nature in ("定量", "") else f"{nature}{value}{unit}"


def _value_in(row: Row, head: Cell) -> str:
    """The text of a row's cell under a header cell: the first one starting inside the
    header's columns. A line spanning the whole table (a note below it) starts in the first
    column only, so it never fills every column."""
    for cell in row.cells:
        if head.col <= cell.col <= head.last and cell.text.strip():
            return cell.text.strip()
    return ""


def _labels_of(definition: FormDefinition) -> set[str]:
    labels = set(_GENERIC_LABELS)
    for section in definition.sections:
        labels.add(key(section.label))
        labels.update(key(f.label) for f in section.fields)
        labels.update(key(label) for _, label in section.indicator_columns)
        labels.update(key(label) for _, label in printed_columns(section))
        labels.update(key(alias) for _, aliases in section.column_aliases for alias in aliases)
        for column in section.columns:
            labels.add(key(column.label))
            labels.update(key(column.row_label(r)) for r in section.rows)
        if section.type is SectionType.TABLE:
            labels.update(key(c.label) for c in section.extra_columns)
        labels.update(key(r.label) for r in section.rows)
    labels.discard("")
    return labels
