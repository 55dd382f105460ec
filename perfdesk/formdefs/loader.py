"""Formdefs layer: TOML files → `FormDefinition`.

A definition may `extends = "<id>"` another one; its own keys replace the parent's (tables
are merged key by key, lists are replaced whole). So a region's variant is a short data
file, never an `if` in the code. Extra folders (for example the user's own `forms/`) can add
definitions without touching the program.
"""

from __future__ import annotations

import copy
import tomllib
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from perfdesk.domain.definition import (
    AmountColumn,
    AmountRow,
    BudgetScoreDef,
    CheckSettings,
    FieldDef,
    FormDefinition,
    GRADE_FIXED,
    GRADE_RULES,
    FormKind,
    GradeBand,
    Level1Def,
    ScoringSettings,
    SectionDef,
    SectionType,
    SumRule,
    Taxonomy,
)

FORMS_DIR = Path(__file__).resolve().parent.parent / "forms"


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
        indicator_columns=tuple((c["key"], c["label"]) for c in raw.get("columns", ()))
        if type_ is SectionType.INDICATORS
        else (),
        options={k: v for k, v in raw.items() if k not in {
            "type", "key", "label", "fields", "rows", "columns", "sums", "budget_score"}},
    )


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
    )


def _check_scoring(scoring: ScoringSettings, source: str) -> None:
    if scoring.reverse_rule not in ("linear", "ratio"):
        raise DefinitionError(f"{source}: reverse_rule 只能是 linear 或 ratio")
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
        )
    except DefinitionError:
        raise
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise DefinitionError(f"表单定义 {source or raw.get('id', '?')} 无法使用：{exc!r}") from exc


def _read_toml(path: Path) -> dict:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DefinitionError(f"表单定义文件 {path} 无法读取：{exc}") from exc


def load_definition_file(path: Path, parents: dict[str, dict] | None = None) -> FormDefinition:
    """Load one file on its own (its parent, if any, is looked up in `parents`)."""
    raw = _read_toml(path)
    raw = _resolve(raw, parents or {}, path.name)
    return build_definition(raw, path.name)


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


class Registry:
    """All known form definitions by id."""

    def __init__(self, definitions: Iterable[FormDefinition] = ()):
        self._by_id: dict[str, FormDefinition] = {d.id: d for d in definitions}

    @classmethod
    def from_dirs(cls, dirs: Iterable[Path]) -> "Registry":
        raws: dict[str, dict] = {}
        sources: dict[str, str] = {}
        for folder in dirs:
            folder = Path(folder)
            if not folder.is_dir():
                continue
            for path in sorted(folder.glob("*.toml")):
                raw = _read_toml(path)
                if "id" not in raw:
                    raise DefinitionError(f"表单定义文件 {path} 缺少 id")
                raws[raw["id"]] = raw
                sources[raw["id"]] = path.name
        return cls(build_definition(_resolve(raw, raws, sources[i]), sources[i]) for i, raw in raws.items())

    def get(self, definition_id: str) -> FormDefinition:
        try:
            return self._by_id[definition_id]
        except KeyError:
            raise DefinitionError(f"未知的表单定义：{definition_id}") from None

    def __contains__(self, definition_id: str) -> bool:
        return definition_id in self._by_id

    def __iter__(self):
        return iter(self._by_id.values())

    def ids(self) -> list[str]:
        return list(self._by_id)

    def of_kind(self, kind: FormKind) -> list[FormDefinition]:
        return [d for d in self._by_id.values() if d.kind is kind]


@lru_cache(maxsize=1)
def default_registry() -> Registry:
    return Registry.from_dirs([FORMS_DIR])
