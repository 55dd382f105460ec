"""Formdefs layer: which keys a definition file may use, checked before anything is built.

A misspelt key (`colums`, `lable`) used to be ignored silently, and an unknown indicator column
(`key = "weigth"`) loaded fine and then broke the editor and the print. Every table of a
definition therefore has a closed list of keys here; anything else is an error that names the
file, the line and the keys that are allowed there (`perfdesk forms check FILE` shows it too).

The `[layout]` table's keys are the settings `perfdesk.layout.settings` reads; a test keeps the
two lists equal, so a layout key added there must be named here too.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Iterator

from perfdesk.domain.definition import EXTRA_TYPES, SCOPES

from .label_weights import PLACEHOLDER, WEIGHTS_CHOICES, WEIGHTS_LABEL, label_format_problem

# A spec maps each allowed key to the spec of its value: None for a plain value (string,
# number, list of strings…), a dict for a table, a one-element list for an array of tables.
Spec = dict[str, Any]

# The indicator attributes a table column can show (perfdesk.domain.model.Indicator); the
# editor, the print and the importer know each of them. 评定档次 and 计算得分 are added by the
# program beside 得分, never declared.
INDICATOR_COLUMN_KEYS = ("level1", "level2", "level3", "target", "actual", "weight", "score", "reason")
# A definition's own per-row columns (指标解释, 评(扣)分标准 …): any other key, lower-case
# letters, digits and "_", with a `type`; stored per row as text (Indicator.extra).
EXTRA_KEY = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
# Names the program uses for its own columns and attributes: never an extra column's key.
RESERVED_KEYS = ("id", "grade", "adjusted", "provenance", "score_note", "extra", "computed", "last_target",
                 "last_actual", "position", "form_id")
# Value columns that may print as 指标性质 │ 指标值 │ 度量单位 (`split = [three labels]`).
SPLIT_KEYS = ("target", "actual")
FIELD_TYPES = ("text", "longtext", "choice", "date", "year")
SECTION_TYPES = ("fields", "funding", "texts", "indicators", "total", "table")
KINDS = ("declaration", "self-evaluation")

_FIELD: Spec = {"key": None, "label": None, "type": None, "choices": None, "check_year": None, "required": None}
_SECTION_COMMON: Spec = {"type": None, "key": None, "label": None}
_SECTION_BY_TYPE: dict[str, Spec] = {
    "fields": {"fields": [_FIELD]},
    "texts": {"fields": [_FIELD]},
    "funding": {
        "rows": [{"key": None, "label": None}],
        "columns": [{"key": None, "label": None, "rows": None, "labels": None}],
        "sums": [{"total": None, "parts": None}],
        "budget_score": {"row": None, "executed": None, "budget": None, "initial": None},
        "note_field": None,
        "note_label": None,
    },
    "indicators": {"columns": [{"key": None, "label": None, "split": None, "type": None, "labels": None}],
                   "weights": None, "weight_label": None,
                   "starting_rows": [{"level1": None, "level2": None, "level3": None, "target": None,
                                      "weight": None}]},
    "total": {},
    "table": {"columns": [{"key": None, "label": None, "type": None, "labels": None}]},
}
_TAXONOMY: Spec = {
    "profile": None, "satisfaction": None, "cost_level": None, "level2_required": None,
    "required_level1": None, "timeliness": None, "measurable": None, "map": None,
    "level1": [{"name": None, "level2": None, "weight": None, "fixed_level2": None}],
}
_SCORING: Spec = {
    "budget_weight": None, "total_weight": None, "reverse_rule": None, "grade_rule": None,
    "bands": [{"key": None, "label": None, "low": None, "high": None, "score": None}],
    "grades": [{"label": None, "min": None}],
    "completion_words": None, "shortfall_words": None, "over_target_ratio": None,
    "execution_note_below": None, "not_applicable": None, "not_applicable_words": None,
}
_CHECKS: Spec = {"percent_limit": None, "vague_words": None, "budget_rate_apart": None}
_TOP: Spec = {
    "id": None, "name": None, "kind": None, "region": None, "title": None, "year_line": None,
    "amount_unit": None, "list_title": None, "extends": None, "scope": None,
    "sections": None,  # checked per section type below
    "taxonomy": _TAXONOMY, "scoring": _SCORING, "checks": _CHECKS, "layout": None,
}
# The `[layout]` keys: what perfdesk.layout.settings.settings_of reads. Kept here rather than read
# from LayoutSettings so that loading a definition never imports the print layout (start-up);
# tests/formdefs/test_schema.py holds the two equal.
LAYOUT_KEYS = (
    "orientation", "paper", "margins_mm", "font", "title_font", "year_font", "title_size",
    "year_size", "body_size", "column_widths", "min_row_height", "header_rows",
    "header_pair_starts", "funding_style", "funding_pairs_per_row", "funding_label", "funding_spans",
    "texts_style", "text_spans", "indicator_spans", "indicator_label", "table_spans",
    "indicator_caption", "empty_level2_rows", "amount_places", "amount_thousands",
    "dash", "list_title", "list_columns", "list_widths",
)


@dataclasses.dataclass(frozen=True)
class Problem:
    """One thing wrong in a definition file: where (a key path) and what, in Chinese."""

    path: tuple[Any, ...]  # e.g. ("sections", 2, "columns", 0, "key")
    message: str


def _label(path: tuple[Any, ...]) -> str:
    parts = []
    for item in path:
        if isinstance(item, int):
            parts.append(f"[{item + 1}]")
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts) or "（文件顶层）"


def _table(raw: Any, spec: Spec, path: tuple[Any, ...]) -> Iterator[Problem]:
    if not isinstance(raw, dict):
        yield Problem(path, f"{_label(path)} 应是一个表（{{ … }} 或 [{_label(path)}]）")
        return
    for key, value in raw.items():
        if key not in spec:
            allowed = "、".join(spec) or "（无）"
            yield Problem(path + (key,), f"未知的键“{key}”（{_label(path)} 可用的键：{allowed}）")
            continue
        sub = spec[key]
        if isinstance(sub, dict):
            yield from _table(value, sub, path + (key,))
        elif isinstance(sub, list):
            if not isinstance(value, list):
                yield Problem(path + (key,), f"{key} 应是一个列表")
                continue
            for index, item in enumerate(value):
                yield from _table(item, sub[0], path + (key, index))


def _section(raw: Any, index: int) -> Iterator[Problem]:
    path = ("sections", index)
    if not isinstance(raw, dict):
        yield Problem(path, "每个 [[sections]] 应是一个表")
        return
    type_ = raw.get("type")
    if type_ not in _SECTION_BY_TYPE:
        yield Problem(path + ("type",), f"第 {index + 1} 个 section 的 type 应是 {' / '.join(SECTION_TYPES)} 之一，"
                                        f"现为“{type_}”")
        return
    yield from _table(raw, {**_SECTION_COMMON, **_SECTION_BY_TYPE[type_]}, path)
    for f_index, field in enumerate(raw.get("fields", ()) if isinstance(raw.get("fields"), list) else ()):
        if isinstance(field, dict) and field.get("type", "text") not in FIELD_TYPES:
            yield Problem(path + ("fields", f_index, "type"),
                          f"字段“{field.get('key', '?')}”的 type 应是 {' / '.join(FIELD_TYPES)} 之一，"
                          f"现为“{field.get('type')}”")
    if type_ == "table":
        columns = raw.get("columns") if isinstance(raw.get("columns"), list) else []
        if not columns:
            yield Problem(path + ("columns",), "表格栏目（type = \"table\"）要写 columns，如 "
                                               "[{ key = \"name\", label = \"任务名称\", type = \"text\" }]")
        keys: set[str] = set()
        for c_index, column in enumerate(columns):
            if not isinstance(column, dict):
                continue
            key, type_of = column.get("key"), column.get("type", "text")
            if not isinstance(key, str) or not EXTRA_KEY.match(key) or key in keys:
                yield Problem(path + ("columns", c_index, "key"),
                              f"表格的列 key“{key}”不能用：由小写英文字母、数字和 _ 组成，以字母开头，且不重复")
            keys.add(key if isinstance(key, str) else "")
            if type_of not in EXTRA_TYPES:
                yield Problem(path + ("columns", c_index, "type"),
                              f"列“{key}”的 type 应是 {' / '.join(EXTRA_TYPES)} 之一，现为“{type_of}”")
    if type_ == "indicators":
        yield from _weights_setting(raw, path)
        seen: set[str] = set()
        for c_index, column in enumerate(raw.get("columns", ()) if isinstance(raw.get("columns"), list) else ()):
            if not isinstance(column, dict):
                continue
            key = column.get("key")
            if isinstance(key, str) and key in seen:
                yield Problem(path + ("columns", c_index, "key"), f"指标表的列“{key}”出现了两次")
            seen.add(key if isinstance(key, str) else "")
            labels = column.get("labels", [])
            if not (isinstance(labels, list) and all(isinstance(x, str) for x in labels)):
                yield Problem(path + ("columns", c_index, "labels"),
                              "labels 应是导入时也认的列名列表，如 [\"评分标准\", \"扣分标准\"]")
            if key not in INDICATOR_COLUMN_KEYS:
                yield from _extra_column(column, path + ("columns", c_index))
            elif "type" in column:
                yield Problem(path + ("columns", c_index, "type"),
                              f"内置的列“{key}”不写 type（type 只用于表单定义自己增加的列）")
            elif "split" in column:
                split = column["split"]
                if column.get("key") not in SPLIT_KEYS:
                    yield Problem(path + ("columns", c_index, "split"),
                                  f"只有 {' / '.join(SPLIT_KEYS)} 列可以分成三列打印（split），"
                                  f"“{column.get('key')}”不行")
                elif not (isinstance(split, list) and len(split) == 3 and all(isinstance(x, str) for x in split)):
                    yield Problem(path + ("columns", c_index, "split"),
                                  "split 应是三个列名，如 [\"指标性质\", \"指标值\", \"度量单位\"]")


def _weights_setting(raw: dict, path: tuple[Any, ...]) -> Iterator[Problem]:
    """`weights = "column" | "label"` and `weight_label` (perfdesk/formdefs/label_weights.py): a
    definition that prints the weights in the 三级 name has no weight column of its own, and a
    三级 column to print them in."""
    weights = raw.get("weights", WEIGHTS_CHOICES[0])
    if weights not in WEIGHTS_CHOICES:
        yield Problem(path + ("weights",), f"weights 应是 \"column\"（分值单独一列）或 \"label\"（分值写在三级指标名称中，"
                                           f"如“验收合格率（10分）”），现为“{weights}”")
        return
    if "weight_label" in raw:
        if weights != WEIGHTS_LABEL:
            yield Problem(path + ("weight_label",), "weight_label 只用于 weights = \"label\"（分值写在三级指标名称中）；"
                                                    "分值单独一列时不要写它")
        else:
            problem = label_format_problem(raw["weight_label"])
            if problem:
                yield Problem(path + ("weight_label",), problem)
    if weights != WEIGHTS_LABEL:
        return
    columns = raw.get("columns") if isinstance(raw.get("columns"), list) else []
    keys = [c.get("key") for c in columns if isinstance(c, dict)]
    for c_index, column in enumerate(columns):
        if isinstance(column, dict) and column.get("key") == "weight":
            yield Problem(path + ("columns", c_index, "key"),
                          "weights = \"label\" 时分值印在三级指标名称中（如“验收合格率（10分）”），不能再有 weight 列："
                          "删去这一列，或改为 weights = \"column\"")
    if "level3" not in keys:
        yield Problem(path + ("weights",), f"weights = \"label\" 要把分值印在三级指标名称中，但指标表没有 level3 列"
                                           f"（分值的写法：weight_label，默认 \"（{PLACEHOLDER}分）\"）")


def _extra_column(column: dict, path: tuple[Any, ...]) -> Iterator[Problem]:
    """A column of the definition's own (not one of INDICATOR_COLUMN_KEYS): it needs a valid
    key that is not the program's, and a `type`. Without a type it is most likely a misspelt
    built-in column, and said so."""
    key, type_ = column.get("key"), column.get("type")
    if type_ is None:
        yield Problem(path + ("key",),
                      f"指标表没有“{key}”这一列（可用的列：{'、'.join(INDICATOR_COLUMN_KEYS)}；"
                      f"表单自己增加的列要写 type：{' / '.join(EXTRA_TYPES)}）")
        return
    if type_ not in EXTRA_TYPES:
        yield Problem(path + ("type",), f"列“{key}”的 type 应是 {' / '.join(EXTRA_TYPES)} 之一，现为“{type_}”")
    if not isinstance(key, str) or not EXTRA_KEY.match(key) or key in RESERVED_KEYS:
        yield Problem(path + ("key",), f"列的 key“{key}”不能用：自己增加的列的 key 由小写英文字母、数字和 _ 组成，"
                                       f"以字母开头，且不能是 {'、'.join(RESERVED_KEYS)}")
    if "split" in column:
        yield Problem(path + ("split",), f"只有 {' / '.join(SPLIT_KEYS)} 列可以分成三列打印（split），“{key}”不行")


def check_raw(raw: dict) -> list[Problem]:
    """Every unknown key or impossible value of one parsed file (before `extends` is applied)."""
    problems = list(_table(raw, _TOP, ()))
    if "kind" in raw and raw["kind"] not in KINDS:
        problems.append(Problem(("kind",), f"kind 应是 {' / '.join(KINDS)} 之一，现为“{raw['kind']}”"))
    if "scope" in raw and raw["scope"] not in SCOPES:
        problems.append(Problem(("scope",), f"scope 应是 {' / '.join(SCOPES)} 之一，现为“{raw['scope']}”"))
    sections = raw.get("sections", [])
    if not isinstance(sections, list):
        problems.append(Problem(("sections",), "sections 应写成 [[sections]] 表的列表"))
    else:
        for index, section in enumerate(sections):
            problems.extend(_section(section, index))
    layout = raw.get("layout")
    if layout is not None:
        problems.extend(_table(layout, dict.fromkeys(LAYOUT_KEYS), ("layout",)))
    return problems


# -- where in the file --------------------------------------------------------------------------

_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\"]+?)\s*\]\]?\s*(#.*)?$")


def _key_pattern(key: str) -> re.Pattern:
    name = re.escape(str(key))
    return re.compile(rf"(?:^|[{{,]|^\s*)\s*(?:{name}|\"{name}\")\s*=")


def line_of(text: str, path: tuple[Any, ...]) -> int | None:
    """The 1-based line that best matches a key path in the file's text: table headers
    (`[[sections]]` counted by index), then each key after it, then the n-th `{ … }` of an
    inline list. A guide for the reader, not a parser: None when the first key is not found."""
    lines = [line.split("#", 1)[0] for line in text.splitlines()]
    position, dotted, found = 0, [], False
    items = list(path)
    i = 0
    while i < len(items):
        item = items[i]
        index = items[i + 1] if i + 1 < len(items) and isinstance(items[i + 1], int) else None
        if isinstance(item, str):
            name = ".".join(dotted + [item])
            header = _find_header(lines, position, name, index)
            if header is not None:
                position, found = header, True
                dotted.append(item)
                i += 2 if index is not None else 1
                continue
            pattern = _key_pattern(item)
            line = next((n for n in range(position, len(lines)) if pattern.search(lines[n])), None)
            if line is None:
                return position + 1 if found else None
            position, found = line, True
            if index is not None:  # an inline list: its n-th { … }
                braces = [n for n in range(line, len(lines)) if "{" in lines[n]]
                if index < len(braces):
                    position = braces[index]
                i += 2
                continue
        i += 1
    return position + 1 if found else None


def _find_header(lines: list[str], start: int, name: str, index: int | None) -> int | None:
    seen = -1
    for number in range(start, len(lines)):
        match = _HEADER.match(lines[number])
        if match and match.group(2).replace('"', "") == name:
            if match.group(1) == "[[":
                seen += 1
                if index is not None and seen < index:
                    continue
            return number
    return None
