"""Formdefs layer: TOML files → `FormDefinition`.

A definition may `extends = "<id>"` another one; its own keys replace the parent's (tables
are merged key by key, lists are replaced whole). So a region's variant is a short data
file, never an `if` in the code. Extra folders (for example the user's own `forms/`) can add
definitions without touching the program.
"""

from __future__ import annotations

import copy
import marshal
import os
import sys
import zlib
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from dataclasses import dataclass

from perfdesk.domain.definition import (
    AmountColumn,
    AmountRow,
    BudgetScoreDef,
    CheckSettings,
    ExtraColumn,
    FieldDef,
    FormDefinition,
    GRADE_FIXED,
    GRADE_RULES,
    NA_RULES,
    FormKind,
    GradeBand,
    Level1Def,
    SCOPE_PROJECT,
    ScoringSettings,
    SectionDef,
    SectionType,
    SumRule,
    Taxonomy,
)

from perfdesk.places import shipped
from perfdesk.wording import in_chinese

from .label_weights import WEIGHT_HEADING, WEIGHTS_LABEL
from .schema import Problem, check_raw, line_of

FORMS_DIR = shipped("forms")  # the built-in definitions: forms/ beside the package


class DefinitionError(Exception):
    """A definition file that cannot be used; the message says which file and why."""


def _dec(value: Any) -> Decimal:
    return Decimal(str(value))


def _merge(base: dict, override: dict) -> dict:
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _required(value: Any) -> str:
    if value in ("", "error", "info"):
        return str(value)
    raise ValueError(f"字段的 required 只能是 \"error\" 或 \"info\"，现为 {value!r}")


def _fields(raw: Iterable[dict]) -> tuple[FieldDef, ...]:
    return tuple(
        FieldDef(
            key=f["key"],
            label=f["label"],
            type=f.get("type", "text"),
            choices=tuple(f.get("choices", ())),
            check_year=bool(f.get("check_year", False)),
            required=_required(f.get("required", "")),
        )
        for f in raw
    )


def _section(raw: dict, unit: str) -> SectionDef:
    type_ = SectionType(raw["type"])
    budget = raw.get("budget_score")
    return SectionDef(
        type=type_,
        key=raw["key"],
        label=raw.get("label", "").replace("{unit}", unit),
        fields=_fields(raw.get("fields", ())) if type_ in (SectionType.FIELDS, SectionType.TEXTS) else (),
        rows=tuple(AmountRow(r["key"], r["label"]) for r in raw.get("rows", ())) if type_ is SectionType.FUNDING else (),
        columns=tuple(
            AmountColumn(
                key=c["key"],
                label=c["label"],
                rows=tuple(c.get("rows", ())),
                row_labels=tuple(c.get("labels", {}).items()),
            )
            for c in raw.get("columns", ())
        )
        if type_ is SectionType.FUNDING
        else (),
        sums=tuple(SumRule(s["total"], tuple(s["parts"])) for s in raw.get("sums", ())),
        budget_score=BudgetScoreDef(**budget) if budget else None,
        indicator_columns=_indicator_columns(raw) if type_ is SectionType.INDICATORS else (),
        split_columns=tuple((c["key"], tuple(c["split"])) for c in raw.get("columns", ()) if "split" in c)
        if type_ is SectionType.INDICATORS
        else (),
        extra_columns=tuple(ExtraColumn(c["key"], c["label"].replace("{unit}", unit), c["type"],
                                        tuple(c.get("labels", ())))
                            for c in raw.get("columns", ()) if "type" in c)
        if type_ is SectionType.INDICATORS
        else tuple(ExtraColumn(c["key"], c["label"].replace("{unit}", unit), c.get("type", "text"),
                               tuple(c.get("labels", ())))
                   for c in raw.get("columns", ()))
        if type_ is SectionType.TABLE
        else (),
        column_aliases=tuple((c["key"], tuple(c["labels"])) for c in raw.get("columns", ()) if c.get("labels"))
        if type_ is SectionType.INDICATORS
        else (),
        options={k: v for k, v in raw.items() if k not in {
            "type", "key", "label", "fields", "rows", "columns", "sums", "budget_score"}},
    )


def _indicator_columns(raw: dict) -> tuple[tuple[str, str], ...]:
    """The indicator table's columns (key, label). A definition that prints the weights in the
    三级 name (`weights = "label"`) gets a weight column right after 三级 that is never printed:
    the editor, validation, scoring and roll forward see a weight column like any other."""
    columns = [(c["key"], c["label"]) for c in raw.get("columns", ())]
    if raw.get("weights") == WEIGHTS_LABEL and all(key != "weight" for key, _ in columns):
        at = next((i + 1 for i, (key, _) in enumerate(columns) if key == "level3"), len(columns))
        columns.insert(at, ("weight", WEIGHT_HEADING))
    return tuple(columns)


def _taxonomy(raw: dict) -> Taxonomy:
    return Taxonomy(
        profile=str(raw.get("profile", "")),
        level1=tuple(
            Level1Def(
                name=level["name"],
                level2=tuple(level.get("level2", ())),
                weight=_dec(level["weight"]) if "weight" in level else None,
                fixed_level2=tuple(level.get("fixed_level2", ())),
            )
            for level in raw.get("level1", ())
        ),
        satisfaction=raw.get("satisfaction"),
        cost_level=raw.get("cost_level"),
        level2_required=bool(raw.get("level2_required", True)),
        required_level1=tuple(raw.get("required_level1", ())),
        timeliness=tuple(raw.get("timeliness", ())),
        measurable=tuple(raw.get("measurable", ())),
        mapping=tuple((str(old), str(new)) for old, new in dict(raw.get("map", {})).items()),
    )


def _scoring(raw: dict | None) -> ScoringSettings | None:
    if raw is None:
        return None
    defaults = ScoringSettings()
    return ScoringSettings(
        budget_weight=_dec(raw.get("budget_weight", defaults.budget_weight)),
        total_weight=_dec(raw.get("total_weight", defaults.total_weight)),
        reverse_rule=raw.get("reverse_rule", defaults.reverse_rule),
        bands=tuple(
            GradeBand(b["key"], b["label"], _dec(b["low"]), _dec(b["high"]),
                      _dec(b["score"]) if "score" in b else None)
            for b in raw.get("bands", ())
        ),
        grade_rule=str(raw.get("grade_rule", defaults.grade_rule)),
        grade_thresholds=tuple((g["label"], _dec(g["min"])) for g in raw.get("grades", ())),
        completion_words=tuple(raw.get("completion_words", defaults.completion_words)),
        shortfall_words=tuple(raw.get("shortfall_words", defaults.shortfall_words)),
        over_target_ratio=_dec(raw.get("over_target_ratio", defaults.over_target_ratio)),
        execution_note_below=_dec(raw.get("execution_note_below", defaults.execution_note_below)),
        not_applicable=str(raw.get("not_applicable", defaults.not_applicable)),
        not_applicable_words=tuple(raw.get("not_applicable_words", defaults.not_applicable_words)),
    )


def _check_scoring(scoring: ScoringSettings, source: str) -> None:
    if scoring.reverse_rule not in ("linear", "ratio"):
        raise DefinitionError(f"{source}: reverse_rule 只能是 linear 或 ratio")
    if scoring.not_applicable not in NA_RULES:
        raise DefinitionError(f"{source}: not_applicable 只能是 {' / '.join(NA_RULES)}，现为“{scoring.not_applicable}”")
    if not all(isinstance(word, str) and word.strip() for word in scoring.not_applicable_words):
        raise DefinitionError(f"{source}: not_applicable_words 应是非空文字的列表")
    if scoring.grade_rule not in GRADE_RULES:
        raise DefinitionError(f"{source}: grade_rule 只能是 {' / '.join(GRADE_RULES)}，现为“{scoring.grade_rule}”")
    for band in scoring.bands:
        if not (0 <= band.low <= band.high <= 1):
            raise DefinitionError(f"{source}: 评定档次 {band.key} 的 low / high 应满足 0 ≤ low ≤ high ≤ 1")
        if band.score is not None and not (band.low <= band.score <= band.high):
            raise DefinitionError(f"{source}: 评定档次 {band.key} 的 score 应在 low 与 high 之间")
        if scoring.grade_rule == GRADE_FIXED and band.score is None:
            raise DefinitionError(f"{source}: grade_rule = \"fixed\" 时每个评定档次都要写 score（占分值的比例）")


def _checks(raw: dict | None) -> CheckSettings:
    defaults = CheckSettings()
    raw = raw or {}
    return CheckSettings(
        percent_limit=_dec(raw.get("percent_limit", defaults.percent_limit)),
        vague_words=tuple(raw.get("vague_words", defaults.vague_words)),
        budget_rate_apart=bool(raw.get("budget_rate_apart", defaults.budget_rate_apart)),
    )


def build_definition(raw: dict, source: str = "") -> FormDefinition:
    try:
        scoring = _scoring(raw.get("scoring"))
        if scoring is not None:
            _check_scoring(scoring, source)
        return FormDefinition(
            id=raw["id"],
            name=raw.get("name", raw["id"]),
            kind=FormKind(raw["kind"]),
            title=raw["title"],
            year_line=raw.get("year_line", "（{year}年度）"),
            amount_unit=raw.get("amount_unit", "元"),
            sections=tuple(_section(s, raw.get("amount_unit", "元")) for s in raw["sections"]),
            taxonomy=_taxonomy(raw.get("taxonomy", {})),
            scoring=scoring,
            layout=dict(raw.get("layout", {}), list_title=raw.get("list_title", "")),
            checks=_checks(raw.get("checks")),
            region=raw.get("region", ""),
            source=source,
            scope=raw.get("scope", SCOPE_PROJECT),
        )
    except DefinitionError:
        raise
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise DefinitionError(f"表单定义 {source or raw.get('id', '?')} 无法使用：{exc!r}") from exc


def _read_toml(path: Path) -> dict:
    """One definition file, parsed and checked key by key against `schema` (unknown keys and
    column keys are errors that name the file and the line). A file that passed before, with
    the same content, comes from the parsed-definitions cache instead."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DefinitionError(f"表单定义文件 {path} 无法读取：{exc.strerror or exc}") from exc
    key = f"{path}|{len(data)}|{zlib.crc32(data)}"
    raw = _CACHE.get(key)
    if raw is None:
        raw = _parse_and_check(path, data)
        _CACHE.put(key, raw)
    return raw


def _parse_and_check(path: Path, data: bytes) -> dict:
    import tomllib  # only on a cache miss: the window's start usually needs no parser

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DefinitionError(f"表单定义文件 {path} 不是 UTF-8 编码的文本：{exc.reason}") from exc
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DefinitionError(f"表单定义文件 {path} 不是有效的 TOML：{_toml_reason(exc)}") from exc
    problems = check_raw(raw)
    if problems:
        raise DefinitionError("\n".join(_where(path, text, problem) for problem in problems[:8])
                              + (f"\n……另有 {len(problems) - 8} 处问题" if len(problems) > 8 else ""))
    return raw


class _ParsedCache:
    """Parsed, checked definition files by path and content (length + CRC-32), kept in one
    marshal file in the cache folder so a start need not parse TOML again (≈20 ms for the
    built-in files). Anything wrong with the cache file (missing, foreign, damaged, another
    Python's marshal format, unwritable folder) only means parsing again: it is never an error."""

    MAGIC = b"PDFC1"

    def __init__(self) -> None:
        # key -> the marshalled dict: every `get` returns a fresh object, so no caller can
        # change what another one (or the file) gets.
        self._entries: dict[str, bytes] | None = None
        self._dirty = False

    @staticmethod
    def path() -> Path:
        from perfdesk.places import cache_dir

        return cache_dir() / f"forms-py{sys.version_info[0]}{sys.version_info[1]}.bin"

    def _load(self) -> dict[str, bytes]:
        if self._entries is None:
            self._entries = {}
            try:
                data = self.path().read_bytes()
                if data.startswith(self.MAGIC):
                    entries = marshal.loads(data[len(self.MAGIC):])
                    if isinstance(entries, dict):
                        self._entries = entries
            except (OSError, ValueError, EOFError, TypeError):
                pass
        return self._entries

    def get(self, key: str) -> dict | None:
        data = self._load().get(key)
        if not isinstance(data, bytes):
            return None
        try:
            raw = marshal.loads(data)
        except (ValueError, EOFError, TypeError):
            return None
        return raw if isinstance(raw, dict) else None

    def put(self, key: str, raw: dict) -> None:
        try:
            data = marshal.dumps(raw)
        except ValueError:  # TOML dates and times have no marshal form: not cached
            return
        self._load()[key] = data
        self._dirty = True

    def save(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        path = self.path()
        entries = {key: raw for key, raw in self._load().items() if Path(key.split("|", 1)[0]).exists()}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            temp.write_bytes(self.MAGIC + marshal.dumps(entries))
            os.replace(temp, path)
        except OSError:
            pass

    def forget(self) -> None:
        """Drop what this process holds (tests: after changing the cache folder)."""
        self._entries, self._dirty = None, False


_CACHE = _ParsedCache()


# tomllib's messages (Python 3.11) as PerfDesk says them; {0} is the key or character the
# message names. Any other message stays as tomllib wrote it.
_TOML_ZH = [
    (r"Expected '=' after a key in a key/value pair", "键的后面应是“=”"),
    (r"Expected newline or end of document after a statement", "一行只能写一项，这一项后面不应再有内容"),
    (r"Expected '\]' at the end of a table declaration", "表头（[...]）缺少结尾的“]”"),
    (r"Expected '\]\]' at the end of an array declaration", "表头（[[...]]）缺少结尾的“]]”"),
    (r"Invalid value", "值无效（文字要用英文双引号括起来，如 \"项目名称\"）"),
    (r"Invalid statement", "这一行既不是“键 = 值”，也不是 [表头]"),
    (r"Invalid initial character for a key part", "键以无效的字符开头"),
    (r"Unclosed array", "方括号列表没有结束（缺少“]”）"),
    (r"Unclosed inline table", "花括号 { } 没有结束（缺少“}”）"),
    (r"Unterminated string", "文字缺少结尾的双引号"),
    (r"Cannot overwrite a value", "同一个键写了两次"),
    (r"Cannot declare (.+) twice", "{0} 声明了两次"),
    (r"Duplicate inline table key (.+)", "花括号中键 {0} 写了两次"),
    (r"Illegal character '\\n'", "文字到行尾还没有结束（缺少结尾的双引号）"),
    (r"Illegal character (.+)", "不允许的字符 {0}"),
    (r"Found invalid character (.+)", "无效的字符 {0}"),
    (r"Invalid date or datetime", "日期或时间无效"),
]


def _toml_reason(exc: Exception) -> str:
    """tomllib's message ("Expected '=' after a key in a key/value pair (at line 3, column 5)"),
    in Chinese where PerfDesk knows it, with the position in Chinese."""
    text = str(exc)
    head, _, where = text.rpartition(" (at line ")
    if head and where.endswith(")"):
        head = in_chinese(_TOML_ZH, head)
        line, _, column = where[:-1].partition(", column ")
        return f"第 {line} 行第 {column} 列：{head}"
    return text


def _where(path: Path, text: str, problem: Problem) -> str:
    line = line_of(text, problem.path)
    return f"表单定义文件 {path}{f' 第 {line} 行' if line else ''}：{problem.message}"


def _resolve(raw: dict, raws: dict[str, dict], source: str, seen: tuple[str, ...] = ()) -> dict:
    parent_id = raw.get("extends")
    if not parent_id:
        return raw
    if parent_id in seen:
        raise DefinitionError(f"{source}: extends 形成循环（{' → '.join(seen + (parent_id,))}）")
    if parent_id not in raws:
        raise DefinitionError(f"{source}: 找不到被继承的表单定义 {parent_id}")
    parent = _resolve(raws[parent_id], raws, source, seen + (parent_id,))
    child = {k: v for k, v in raw.items() if k != "extends"}
    return _merge(parent, child)


BUILT_IN = "内置"
USER = "用户"


@dataclass(frozen=True)
class Origin:
    """Where a definition came from: the file, built in or the user's, and whether it replaces
    a built-in definition of the same id."""

    path: Path
    kind: str  # BUILT_IN | USER
    overrides: bool = False


class Registry:
    """All known form definitions by id, with where each came from and what could not load."""

    def __init__(self, definitions: Iterable[FormDefinition] = (), origins: dict[str, Origin] | None = None,
                 problems: Iterable[str] = ()):
        self._by_id: dict[str, FormDefinition] = {d.id: d for d in definitions}
        self.origins: dict[str, Origin] = dict(origins or {})
        # Messages about user definitions that were left out (the rest still load).
        self.problems: list[str] = list(problems)

    @classmethod
    def from_dirs(cls, dirs: Iterable[Path], user_dirs: Iterable[Path] = ()) -> "Registry":
        """The definitions of `dirs` (built in: any error stops the load, it is the program's
        fault) and then of `user_dirs`, which may add definitions or replace built-in ones by id;
        a user file that cannot be used is left out and named in `problems`."""
        raws: dict[str, dict] = {}
        origins: dict[str, Origin] = {}
        for folder in dirs:
            for path in _toml_files(folder):
                raw = _read_toml(path)
                if "id" not in raw:
                    raise DefinitionError(f"表单定义文件 {path} 缺少 id")
                raws[raw["id"]] = raw
                origins[raw["id"]] = Origin(path, BUILT_IN)
        problems: list[str] = []
        for folder in user_dirs:
            for path in _toml_files(folder):
                try:
                    raw = _read_toml(path)
                    if "id" not in raw:
                        raise DefinitionError(f"表单定义文件 {path} 缺少 id")
                except DefinitionError as exc:
                    problems.append(str(exc))
                    continue
                previous = origins.get(raw["id"])
                if previous is not None and previous.kind == USER:
                    problems.append(f"表单定义文件 {path} 与 {previous.path} 的 id 同为“{raw['id']}”，"
                                    f"只用了后者")
                    continue
                raws[raw["id"]] = raw
                origins[raw["id"]] = Origin(path, USER, overrides=previous is not None)
        definitions = []
        for definition_id, raw in raws.items():
            origin = origins[definition_id]
            try:
                definitions.append(build_definition(_resolve(raw, raws, origin.path.name), origin.path.name))
            except DefinitionError as exc:
                if origin.kind == BUILT_IN:
                    raise
                problems.append(f"表单定义文件 {origin.path}：{exc}" if str(origin.path) not in str(exc) else str(exc))
                del origins[definition_id]
        _CACHE.save()
        return cls(definitions, origins, problems)

    def get(self, definition_id: str) -> FormDefinition:
        try:
            return self._by_id[definition_id]
        except KeyError:
            raise DefinitionError(f"未知的表单定义：{definition_id}") from None

    def __contains__(self, definition_id: str) -> bool:
        return definition_id in self._by_id

    def find(self, definition_id: str) -> FormDefinition | None:
        """The definition, or None when no file defines it."""
        return self._by_id.get(definition_id)

    def __iter__(self):
        return iter(self._by_id.values())

    def ids(self) -> list[str]:
        return list(self._by_id)

    def of_kind(self, kind: FormKind) -> list[FormDefinition]:
        return [d for d in self._by_id.values() if d.kind is kind]


def _toml_files(folder: Path) -> list[Path]:
    folder = Path(folder)
    try:
        return sorted(folder.glob("*.toml")) if folder.is_dir() else []
    except OSError:
        return []


def default_registry() -> Registry:
    """The built-in definitions and the user's own (`forms/` in the data folder). Built once per
    state of the user's folder: adding, changing or removing a file there is seen by the next
    call, while an unchanged folder costs one directory listing."""
    from perfdesk.places import user_forms_dir

    folder = user_forms_dir()
    state = []
    for path in _toml_files(folder):
        try:
            stat = path.stat()
        except OSError:
            continue
        state.append((path.name, stat.st_mtime_ns, stat.st_size))
    # No user files (the usual case): one registry whatever the data folder is.
    return _registry(folder if state else None, tuple(state))


@lru_cache(maxsize=4)
def _registry(user_folder: Path | None, state: tuple) -> Registry:
    return Registry.from_dirs([FORMS_DIR], [user_folder] if user_folder is not None else [])
