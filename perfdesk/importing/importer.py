"""Importing layer: files → recognised forms → a plan → the workspace, and back.

`import_files` reads every source (never raising for bad input: an unusable file is an
`ImportResult` with `error` set). `plan_import` matches the forms to the target workspace's
projects by name, so a project's years link up, and says what will be created or skipped;
`apply_import` adds it through the Workspace mutation methods and `revert_import` removes
exactly that — the same pattern as roll forward, for one undo step.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from perfdesk.domain.definition import FormDefinition, FormKind
from perfdesk.domain.model import Form, Project, Workspace
from perfdesk.domain.rollforward import Applied, apply_forms, revert_plan, undo_partial
from perfdesk.domain.scoring import score_form
from perfdesk.domain.validation import Issue, Severity, count_by_severity, validate_form

from .grid import read_docx, read_record, read_xlsx
from .recognise import NotAForm, recognise_block
from .safety import ImportProblem, safe_open, shown_name

FORMAT_LABELS = {"xlsx": "Excel", "docx": "Word"}


@dataclass
class ImportedForm:
    form: Form  # project_id is set when the import is planned
    definition: FormDefinition
    project_name: str
    where: str
    notes: list[str] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    chosen: str = ""  # why this definition was chosen (the labels that matched), Chinese

    @property
    def year(self) -> int:
        return self.form.year

    @property
    def kind(self) -> FormKind:
        return self.form.kind

    @property
    def definition_id(self) -> str:
        return self.definition.id

    @property
    def overrides(self) -> int:
        """Scores entered where the rules say otherwise: kept, and reported (I1)."""
        return sum(1 for issue in self.issues if issue.code == "I1")

    @property
    def counts(self) -> dict[str, int]:
        """For a preview table: rows, issues by severity, overrides."""
        by_severity = count_by_severity(self.issues)
        return {"indicators": len(self.form.indicators), "errors": by_severity[Severity.ERROR],
                "warnings": by_severity[Severity.WARNING], "infos": by_severity[Severity.INFO],
                "overrides": self.overrides}

    def describe(self) -> str:
        counts = count_by_severity(self.issues)
        text = (f"{self.project_name} · {self.year}年 · {self.kind.label}（{self.definition.name}）："
                f"{len(self.form.indicators)} 项指标")
        if self.definition.scored:
            score = score_form(self.form, self.definition)
            if score.total is not None and (score.complete or self.form.total is not None):
                text += f"，总分 {score.total}"
        text += f"；{counts[Severity.ERROR]} 个错误，{counts[Severity.WARNING]} 个警告"
        if self.overrides:
            text += f"，{self.overrides} 项人工评定得分（与计算分不同，按原表保留）"
        return text


@dataclass
class ImportResult:
    path: Path
    format: str = ""
    forms: list[ImportedForm] = field(default_factory=list)
    skipped: list[NotAForm] = field(default_factory=list)
    error: str = ""  # the file is unusable: one Chinese line
    unit_name: str = ""  # from a unit-level list title

    @property
    def ok(self) -> bool:
        return not self.error

    def summary_lines(self) -> list[str]:
        name = shown_name(self.path)
        if self.error:
            return [f"无法导入：{self.error}"]
        lines = [f"{name}（{FORMAT_LABELS.get(self.format, self.format)}）：识别 {len(self.forms)} 张表"]
        for imported in self.forms:
            lines.append(f"  · {imported.describe()}")
            if imported.chosen:
                lines.append(f"      表单定义“{imported.definition.id}”，{imported.chosen}")
            lines.extend(f"      说明：{note}" for note in imported.notes)
        lines.extend(f"  · 跳过 {part.where}：{part.reason}" for part in self.skipped)
        return lines


def import_file(path: Path | str, definitions: Iterable[FormDefinition]) -> ImportResult:
    """Read one source file. Never raises for what the file contains: budgets are checked on
    the raw bytes first (`safe_open`), and anything a parser or the recogniser raises on
    untrusted content becomes one Chinese line in `error`."""
    path = Path(path)
    name = shown_name(path)
    result = ImportResult(path)
    try:
        checked = safe_open(path)
    except ImportProblem as exc:
        result.error = str(exc)
        return result
    except MemoryError:
        result.error = f"{name} 内容过大，无法读取。"
        return result
    except Exception:  # noqa: BLE001 - the checks themselves on hostile bytes: refuse, never crash
        result.error = f"{name} 已损坏，无法读取（不是完整的 Office 文件）。"
        return result
    result.format = checked.format
    try:
        blocks = read_xlsx(path) if checked.format == "xlsx" else read_docx(path)
    except MemoryError:
        result.error = f"{name} 内容过大，无法读取。"
        return result
    except Exception:  # noqa: BLE001 - a third-party parser on untrusted bytes: any failure means damaged
        result.error = f"{name} 已损坏，无法读取。请在 Excel 或 Word 中打开并另存后再试。"
        return result
    records = read_record(path)  # never raises: a bad record is no record
    try:
        _recognise(result, blocks, list(definitions), records)
    except MemoryError:
        result.forms, result.error = [], f"{name} 内容过大，无法读取。"
    except (RecursionError, ArithmeticError, ValueError, TypeError, KeyError, IndexError, AttributeError):
        # Content no real form has (say a number of ten thousand digits) tripped the recogniser.
        result.forms, result.error = [], f"{name} 中的内容无法识别为绩效表格（内容异常），未导入。"
    return result


def _recognise(result: ImportResult, blocks, definitions: list[FormDefinition], records=()) -> None:
    path = result.path
    for block in blocks:
        found = recognise_block(block, definitions, records)
        result.unit_name = result.unit_name or found.unit_name
        result.skipped.extend(found.skipped)
        for item in found.forms:
            issues = validate_form(item.form, item.definition)
            result.forms.append(ImportedForm(item.form, item.definition, item.project_name, item.where,
                                             item.notes, issues, item.chosen))
    if not result.forms and not (result.skipped and all(part.is_list for part in result.skipped)):
        reasons = "；".join(part.reason for part in result.skipped[:3])
        result.error = f"{shown_name(path)} 中没有找到可识别的绩效表格" + (f"（{reasons}）" if reasons else "") + "。"


def import_files(paths: Sequence[Path | str], registry: Iterable[FormDefinition]) -> list[ImportResult]:
    definitions = list(registry)
    return [import_file(path, definitions) for path in paths]


# -- plan / apply / revert ---------------------------------------------------------------
@dataclass
class PlannedForm:
    imported: ImportedForm
    form: Form | None  # the form to add (project_id set); None when skipped
    new_project: Project | None = None
    skipped: str = ""


@dataclass
class ImportPlan:
    results: list[ImportResult]
    entries: list[PlannedForm] = field(default_factory=list)
    unit: tuple[str, str] | None = None  # (name, department) for a workspace without a unit

    @property
    def to_create(self) -> list[PlannedForm]:
        return [e for e in self.entries if e.form is not None]

    @property
    def failed(self) -> list[ImportResult]:
        return [r for r in self.results if not r.ok]

    def summary(self) -> str:
        """The same Chinese text for the preview window and `perfdesk import`."""
        lines: list[str] = []
        for result in self.results:
            lines.extend(result.summary_lines())
        for entry in self.entries:
            if entry.form is None:
                lines.append(f"  ! {entry.imported.project_name} · {entry.imported.year}年 · "
                             f"{entry.imported.kind.label}：{entry.skipped}")
        create = self.to_create
        new_projects = sum(1 for e in create if e.new_project is not None)
        skipped = len(self.entries) - len(create)
        text = f"共 {len(self.results)} 个文件：将导入 {len(create)} 张表"
        if new_projects:
            text += f"（新建项目 {new_projects} 个）"
        if skipped:
            text += f"，跳过 {skipped} 张"
        if self.failed:
            text += f"，{len(self.failed)} 个文件无法导入"
        lines.append(text + "。")
        if self.unit:
            lines.append(f"单位：{self.unit[0]}" + (f"（主管部门：{self.unit[1]}）" if self.unit[1] else ""))
        return "\n".join(lines)


def plan_import(ws: Workspace, results: Sequence[ImportResult]) -> ImportPlan:
    """What importing `results` into `ws` would do; `ws` is not touched."""
    plan = ImportPlan(list(results))
    created: dict[str, Project] = {}
    taken: set[tuple[str, int, FormKind]] = set()
    for result in results:
        for imported in result.forms:
            name = imported.project_name
            project = ws.project_by_name(name) or created.get(name)
            new_project = None
            if project is None:
                project = new_project = created[name] = Project(name)
            slot = (project.id, imported.year, imported.kind)
            if slot in taken or (project.id in ws.projects and ws.find_form(*slot) is not None):
                where = "本次导入中重复" if slot in taken else "文件中已有"
                plan.entries.append(PlannedForm(imported, None,
                                                skipped=f"{where}该项目 {imported.year} 年的{imported.kind.label}，未导入"))
                continue
            taken.add(slot)
            form = copy.deepcopy(imported.form)
            form.project_id = project.id
            plan.entries.append(PlannedForm(imported, form, new_project))
    if not ws.unit.name and plan.to_create:
        name = next((r.unit_name for r in results if r.unit_name), "") or next(
            (e.form.field("implementer") for e in plan.to_create if e.form.field("implementer")), "")
        department = ws.unit.department or next(
            (e.form.field("department") for e in plan.to_create if e.form.field("department")), "")
        if name:
            plan.unit = (name, department)
    return plan


def apply_import(ws: Workspace, plan: ImportPlan | Sequence[ImportResult]) -> Applied:
    """Add the planned forms (and new projects, and the unit's name for a new file). Given
    results rather than a plan, plans them first (a GUI should show `plan.summary()` first)."""
    if not isinstance(plan, ImportPlan):
        plan = plan_import(ws, plan)
    create = plan.to_create
    applied = apply_forms(ws, [e.form for e in create], [e.new_project for e in create if e.new_project])
    if plan.unit is None:
        return applied
    before = (ws.unit.name, ws.unit.department)
    try:
        ws.set_unit(*plan.unit)
    except BaseException:
        ws.unit.name, ws.unit.department = before
        undo_partial(ws, list(applied.form_ids), list(applied.project_ids))
        raise
    return Applied(applied.form_ids, applied.project_ids, before)


def revert_import(ws: Workspace, applied: Applied) -> None:
    revert_plan(ws, applied)
