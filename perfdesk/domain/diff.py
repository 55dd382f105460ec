"""Domain layer: 对比 — what changed between two versions of a form, or of a set of forms.

Pure functions. A side is a form plus its score summary (`snapshot.score_summary`: the scores
a snapshot kept, or the ones computed now), so a snapshot is compared with the scores it was
handed in with, not with scores today's rules would give it.

Rows are paired by id (the same form over time keeps its row ids), then by the origin a
rolled-forward row records (this year's form against last year's), then by 一级/二级/三级
name; what is left is added or removed. Paired rows whose order changed are "moved": the
longest run of pairs still in the same order stays put, the others moved.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Callable, Iterable

from .definition import FormDefinition, SectionType
from .model import Form, Indicator, Workspace
from .provenance import Provenance

# Kinds of change, in the order a list shows them per form.
FORM_ADDED, FORM_REMOVED = "form_added", "form_removed"
FIELD, AMOUNT, TABLE = "field", "amount", "table"
ROW_ADDED, ROW_REMOVED, ROW_MOVED, CELL, ROW_SCORE = "row_added", "row_removed", "row_moved", "cell", "row_score"
WEIGHT_TOTAL, RATE, BUDGET_SCORE, TOTAL, GRADE = "weight_total", "rate", "budget_score", "total", "grade"

KIND_LABELS = {
    FORM_ADDED: "新增表", FORM_REMOVED: "删除表", FIELD: "栏目", AMOUNT: "金额", TABLE: "表格", ROW_ADDED: "新增行",
    ROW_REMOVED: "删除行", ROW_MOVED: "移动行", CELL: "单元格", ROW_SCORE: "行得分", WEIGHT_TOTAL: "分值合计",
    RATE: "执行率", BUDGET_SCORE: "预算执行率得分", TOTAL: "总分", GRADE: "等级",
}
SCORE_KINDS = (ROW_SCORE, WEIGHT_TOTAL, RATE, BUDGET_SCORE, TOTAL, GRADE)

# Indicator attributes compared, with the words used when the definition has no label.
ROW_ATTRS = ("level1", "level2", "level3", "target", "actual", "weight", "score", "grade", "reason", "adjusted")
ATTR_LABELS = {"level1": "一级指标", "level2": "二级指标", "level3": "三级指标", "target": "指标值",
               "actual": "实际完成值", "weight": "分值", "score": "得分（人工评定）", "grade": "评定档次",
               "reason": "偏差原因分析及改进措施", "adjusted": "调整标记"}
FORM_FIGURES = ((WEIGHT_TOTAL, "weight_total"), (RATE, "rate"), (BUDGET_SCORE, "budget_score"),
                (TOTAL, "total"), (GRADE, "grade"))


@dataclass(frozen=True)
class Change:
    kind: str
    form_id: str  # the newer side's form (the older side's when the form was removed)
    form: str  # the form in words: 项目 · 2022年 · 绩效自评表
    where: str  # the place in words: 第 3 行“…”的“实际完成值”
    old: str | None = None
    new: str | None = None
    item_id: str | None = None  # the (newer) indicator id, for highlighting in the grid
    key: str | None = None  # field / amount key, indicator attribute
    old_position: int | None = None  # 0-based rows
    new_position: int | None = None

    @property
    def is_score(self) -> bool:
        return self.kind in SCORE_KINDS

    def text(self) -> str:
        """One Chinese line for the list."""
        if self.kind in (FORM_ADDED, FORM_REMOVED, ROW_ADDED, ROW_REMOVED):
            return f"{KIND_LABELS[self.kind]}：{self.where}"
        if self.kind == ROW_MOVED:
            return f"{self.where}：从第 {self.old_position + 1} 行移到第 {self.new_position + 1} 行"
        return f"{self.where}：“{_shown(self.old)}” → “{_shown(self.new)}”"

    def as_dict(self) -> dict:
        return {"kind": self.kind, "form_id": self.form_id, "form": self.form, "where": self.where,
                "old": self.old, "new": self.new, "item_id": self.item_id, "key": self.key,
                "old_row": None if self.old_position is None else self.old_position + 1,
                "new_row": None if self.new_position is None else self.new_position + 1,
                "text": self.text()}


def _shown(value: str | None) -> str:
    return "（空）" if value is None or value == "" else value


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return _plain(value)
    return str(value)


def _plain(number: Decimal) -> str:
    """A number as typed people read it: no exponent, no trailing zeros beyond the point."""
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def _same_number(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return a is b
    try:
        return Decimal(a) == Decimal(b)
    except (InvalidOperation, ValueError):
        return a == b


def _attr(indicator: Indicator, attr: str) -> str | None:
    if attr not in ROW_ATTRS:  # an extra column (指标解释 …): its text
        return indicator.extra.get(attr, "")
    value = getattr(indicator, attr)
    if attr in ("target", "actual"):
        return value.raw
    if attr == "adjusted":
        return "是" if value else ""
    return _text(value) if value is not None else ""


def form_label(ws: Workspace, form: Form) -> str:
    return f"{ws.project_name(form)} · {form.year}年 · {form.kind.label}"


# -- pairing rows ------------------------------------------------------------------------------
def pair_rows(old: list[Indicator], new: list[Indicator]) -> list[tuple[int, int]]:
    """(old position, new position) of the rows that are the same row in both versions."""
    old_by_id = {ind.id: i for i, ind in enumerate(old)}
    pairs: dict[int, int] = {}  # new -> old
    taken: set[int] = set()
    for j, ind in enumerate(new):
        i = old_by_id.get(ind.id)
        if i is not None:
            pairs[j] = i
            taken.add(i)
    if len(pairs) < len(new):  # a rolled-forward row names the row it came from
        for j, ind in enumerate(new):
            if j in pairs or not ind.provenance.startswith("{"):
                continue
            origin = Provenance.from_text(ind.provenance).indicator_id
            i = old_by_id.get(origin)
            if i is not None and i not in taken:
                pairs[j] = i
                taken.add(i)
    if len(pairs) < len(new) and len(taken) < len(old):  # same names, in order of appearance
        free: dict[tuple[str, str, str], list[int]] = {}
        for i, ind in enumerate(old):
            if i not in taken:
                free.setdefault((ind.level1, ind.level2, ind.level3), []).append(i)
        for j, ind in enumerate(new):
            if j in pairs:
                continue
            candidates = free.get((ind.level1, ind.level2, ind.level3))
            if candidates:
                i = candidates.pop(0)
                pairs[j] = i
                taken.add(i)
    return sorted(((i, j) for j, i in pairs.items()))


def _staying(pairs: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """The longest run of pairs (ordered by old position) whose new positions also increase."""
    tails: list[int] = []  # smallest new position ending an increasing run of each length
    tail_index: list[int] = []
    previous: list[int] = [-1] * len(pairs)
    for k, (_, j) in enumerate(pairs):
        at = bisect_left(tails, j)
        if at == len(tails):
            tails.append(j)
            tail_index.append(k)
        else:
            tails[at] = j
            tail_index[at] = k
        previous[k] = tail_index[at - 1] if at > 0 else -1
    keep: set[tuple[int, int]] = set()
    k = tail_index[-1] if tail_index else -1
    while k >= 0:
        keep.add(pairs[k])
        k = previous[k]
    return keep


# -- one form ----------------------------------------------------------------------------------
def _labels(definition: FormDefinition | None) -> tuple[dict, dict, dict]:
    fields, amounts, columns = {}, {}, {}
    if definition is None:
        return fields, amounts, columns
    for f in definition.all_fields():
        fields[f.key] = f.label
    for section in definition.sections_of(SectionType.FUNDING):
        rows = {row.key: row for row in section.rows}
        columns_by_key = {c.key: c for c in section.columns}
        for row_key, col_key in section.amount_cells():
            column = columns_by_key[col_key]
            row = rows.get(row_key)
            row_label = column.row_label(row) if row is not None else row_key
            amounts[f"{row_key}.{col_key}"] = f"{row_label}（{column.label}）"
    section = definition.section(SectionType.INDICATORS)
    if section is not None:
        columns = dict(section.indicator_columns)
    return fields, amounts, columns


def _row_name(ind: Indicator) -> str:
    return ind.level3 or ind.level2 or ind.level1 or "（未命名）"


def diff_forms(old: Form, new: Form, old_scores: dict | None = None, new_scores: dict | None = None, *,
               definition: FormDefinition | None = None, label: str = "") -> list[Change]:
    """Every change from `old` to `new`: fields, amounts, rows added / removed / moved,
    changed cells of paired rows, then the scores (when both sides have a score summary)."""
    label = label or f"{new.year}年 · {new.kind.label}"
    fid = new.id
    changes: list[Change] = []
    field_labels, amount_labels, column_labels = _labels(definition)
    for key in sorted(set(old.fields) | set(new.fields), key=lambda k: (k not in field_labels, k)):
        a, b = old.fields.get(key, ""), new.fields.get(key, "")
        if a != b:
            changes.append(Change(FIELD, fid, label, f"“{field_labels.get(key, key)}”", a, b, key=key))
    for key in sorted(set(old.amounts) | set(new.amounts)):
        a, b = old.amounts.get(key), new.amounts.get(key)
        if a != b and not (a is not None and b is not None and a == b):
            changes.append(Change(AMOUNT, fid, label, f"“{amount_labels.get(key, key)}”", _text(a), _text(b), key=key))
    changes.extend(_table_changes(old, new, definition, fid, label))
    pairs = pair_rows(old.indicators, new.indicators)
    paired_old = {i for i, _ in pairs}
    paired_new = {j for _, j in pairs}
    for i, ind in enumerate(old.indicators):
        if i not in paired_old:
            changes.append(Change(ROW_REMOVED, fid, label, f"原第 {i + 1} 行“{_row_name(ind)}”", item_id=ind.id,
                                  old_position=i))
    for j, ind in enumerate(new.indicators):
        if j not in paired_new:
            changes.append(Change(ROW_ADDED, fid, label, f"第 {j + 1} 行“{_row_name(ind)}”", item_id=ind.id,
                                  new_position=j))
    staying = _staying(pairs)
    old_rows = (old_scores or {}).get("rows") or {}
    new_rows = (new_scores or {}).get("rows") or {}
    scored = bool(old_scores and old_scores.get("scored") and new_scores and new_scores.get("scored"))
    for i, j in sorted(pairs, key=lambda p: p[1]):
        a, b = old.indicators[i], new.indicators[j]
        where = f"第 {j + 1} 行“{_row_name(b)}”"
        if (i, j) not in staying:
            changes.append(Change(ROW_MOVED, fid, label, where, item_id=b.id, old_position=i, new_position=j))
        entered_changed = False
        extras = sorted(set(a.extra) | set(b.extra), key=lambda k: (k not in column_labels, list(column_labels).index(k)
                                                              if k in column_labels else 0, k))
        for attr in ROW_ATTRS + tuple(extras):
            x, y = _attr(a, attr), _attr(b, attr)
            if attr in ("weight", "score") and _same_number(x or None, y or None):
                continue
            if x != y:
                entered_changed |= attr == "score"
                name = column_labels.get(attr) if attr != "score" else None
                changes.append(Change(CELL, fid, label, f"{where}的“{name or ATTR_LABELS.get(attr, attr)}”", x, y,
                                      item_id=b.id, key=attr, old_position=i, new_position=j))
        if scored and not entered_changed:
            x, y = old_rows.get(a.id), new_rows.get(b.id)
            if not _same_number(x, y):
                changes.append(Change(ROW_SCORE, fid, label, f"{where}的得分", _num(x), _num(y), item_id=b.id,
                                      key="score", old_position=i, new_position=j))
    if scored:
        for kind, key in FORM_FIGURES:
            x, y = old_scores.get(key), new_scores.get(key)
            same = x == y if kind == GRADE else _same_number(x, y)
            if not same:
                if kind != GRADE:
                    x, y = _num(x), _num(y)
                if kind == RATE:
                    x, y = (None if x is None else f"{x}%"), (None if y is None else f"{y}%")
                changes.append(Change(kind, fid, label, KIND_LABELS[kind], x, y))
    return changes


def _table_changes(old: Form, new: Form, definition: FormDefinition | None, fid: str, label: str) -> list[Change]:
    """A form's own table sections (年度主要任务): rows paired by id; a new row's cells are
    changes from blank, a row that went is one removed line."""
    sections = {s.key: s for s in definition.sections_of(SectionType.TABLE)} if definition is not None else {}
    changes: list[Change] = []
    for key in sorted(set(old.tables) | set(new.tables), key=lambda k: (k not in sections, k)):
        section = sections.get(key)
        name = section.label if section is not None else key
        columns = [c.key for c in section.extra_columns] if section is not None else []
        labels = {c.key: c.label for c in section.extra_columns} if section is not None else {}
        before = {row.id: row.cells for row in old.tables.get(key, [])}
        after = new.tables.get(key, [])
        for j, row in enumerate(after):
            cells = before.get(row.id, {})
            for cell in columns + sorted((set(cells) | set(row.cells)) - set(columns)):
                x, y = cells.get(cell, ""), row.cells.get(cell, "")
                if x != y:
                    changes.append(Change(TABLE, fid, label, f"“{name}”第 {j + 1} 行的“{labels.get(cell, cell)}”",
                                          x, y, key=f"{key}.{cell}"))
        kept = {row.id for row in after}
        for i, row in enumerate(old.tables.get(key, [])):
            if row.id not in kept:
                changes.append(Change(TABLE, fid, label, f"“{name}”原第 {i + 1} 行",
                                      " │ ".join(row.cells.get(c, "") for c in columns) or None, None, key=key))
    return changes


def _num(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        return _plain(Decimal(text))
    except (InvalidOperation, ValueError):
        return text


# -- sets of forms -----------------------------------------------------------------------------
@dataclass
class Side:
    """One side of a comparison: a workspace (a snapshot's, or the file's), the forms that
    take part, and their score summaries."""

    workspace: Workspace
    form_ids: list[str]
    scores: dict[str, dict]


def current_side(ws: Workspace, form_ids: Iterable[str], definition_of: Callable[[str], FormDefinition]) -> Side:
    """The forms as they are now, scored now."""
    from .snapshot import score_summary

    ids = [form_id for form_id in form_ids if form_id in ws.forms]
    scores = {}
    for form_id in ids:
        form = ws.forms[form_id]
        try:
            definition = definition_of(form.definition_id)
        except KeyError:
            definition = None
        scores[form_id] = score_summary(form, definition)
    return Side(ws, ids, scores)


def diff_sides(old: Side, new: Side, definition_of: Callable[[str], FormDefinition] | None = None) -> list[Change]:
    """Forms paired by id: a form only in `new` was added, only in `old` removed."""
    changes: list[Change] = []
    old_ids = set(old.form_ids)
    for form_id in new.form_ids:
        form = new.workspace.forms[form_id]
        label = form_label(new.workspace, form)
        if form_id not in old_ids:
            changes.append(Change(FORM_ADDED, form_id, label, label))
            continue
        definition = _definition(definition_of, form)
        changes.extend(diff_forms(old.workspace.forms[form_id], form, old.scores.get(form_id),
                                  new.scores.get(form_id), definition=definition, label=label))
    new_ids = set(new.form_ids)
    for form_id in old.form_ids:
        if form_id not in new_ids:
            form = old.workspace.forms[form_id]
            label = form_label(old.workspace, form)
            changes.append(Change(FORM_REMOVED, form_id, label, label))
    return changes


def _definition(definition_of, form: Form) -> FormDefinition | None:
    if definition_of is None:
        return None
    try:
        return definition_of(form.definition_id)
    except KeyError:
        return None


def diff_years(ws: Workspace, old: Form, new: Form, definition_of: Callable[[str], FormDefinition]) -> list[Change]:
    """This year's form against last year's (or any two forms of the file)."""
    side_old = current_side(ws, [old.id], definition_of)
    side_new = current_side(ws, [new.id], definition_of)
    return diff_forms(old, new, side_old.scores[old.id], side_new.scores[new.id],
                      definition=_definition(definition_of, new), label=form_label(ws, new))


def previous_form(ws: Workspace, form: Form) -> Form | None:
    """The same project's form of the same kind in the closest earlier year."""
    earlier = [f for f in ws.forms_of(form.project_id) if f.kind is form.kind and f.year < form.year]
    return max(earlier, key=lambda f: f.year) if earlier else None
