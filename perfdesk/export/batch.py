"""Export layer: which files an export writes, and writing them all or none.

A batch is planned first (`plan`): one file per form plus one list per year and kind, or one
file per format holding the list and every form. Nothing is written until the plan is known to
be writable: existing targets raise `ExportTargetsExist` unless overwriting was allowed, and for
PDF every character is checked against the embeddable fonts (`MissingGlyphs`). Files are drawn
into temporary `.part` files beside their targets and renamed only when all are done, so a
cancel or a failure leaves nothing behind.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

from perfdesk.domain.definition import FormDefinition, FormKind
from perfdesk.domain.model import Form, Workspace
from perfdesk.domain.override_record import FormRecord, record_of
from perfdesk.domain.validation import Issue, validate_form
from perfdesk.formdefs import Registry
from perfdesk.layout import PrintGrid, build_grid, build_list_grid, settings_of
from perfdesk.layout.lists import list_title

from .errors import ExportCancelled, ExportError, ExportTargetsExist, MissingGlyphs
from .names import FORMATS, clean_name, safe_stem, safe_title, unique_paths

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Item:
    """One grid to draw: a form, or the list of a year's forms of one kind."""

    label: str  # for progress: 补充日常经费 2022年度绩效自评表
    definition: FormDefinition
    year: int
    form: Form | None = None
    forms: tuple[Form, ...] = ()

    @property
    def is_list(self) -> bool:
        return self.form is None


@dataclass
class Target:
    path: Path
    items: list[Item] = field(default_factory=list)


def form_stem(workspace: Workspace, form: Form) -> str:
    project = workspace.project_name(form) or form.field("project_name") or "未命名项目"
    return f"{project}-{form.year}年度{form.kind.label}"


def _groups(forms: Sequence[Form]) -> list[tuple[int, FormKind, list[Form]]]:
    """Forms by (year, kind), in the order each group first appears."""
    groups: dict[tuple[int, FormKind], list[Form]] = {}
    for form in forms:
        groups.setdefault((form.year, form.kind), []).append(form)
    return [(year, kind, members) for (year, kind), members in groups.items()]


def _items(workspace: Workspace, forms: Sequence[Form], registry: Registry, with_list: bool):
    """[(list item or None, [form items])] per group."""
    out = []
    for year, kind, members in _groups(forms):
        definition = registry.get(members[0].definition_id)
        list_item = None
        if with_list:
            list_item = Item(list_title(definition, workspace, year), definition, year, forms=tuple(members))
        form_items = [Item(form_stem(workspace, f).replace("-", " ", 1), registry.get(f.definition_id), f.year, form=f)
                      for f in members]
        out.append((list_item, form_items))
    return out


def _bundle_stem(workspace: Workspace, forms: Sequence[Form]) -> str:
    years = sorted({f.year for f in forms})
    span = str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}"
    kinds = {f.kind for f in forms}
    kind = next(iter(kinds)).label if len(kinds) == 1 else "绩效表"
    unit = workspace.unit.name or "PerfDesk"
    return f"{unit}-{span}年度{kind}汇编"


def plan(workspace: Workspace, forms: Sequence[Form], registry: Registry, fmt: str, out_dir: Path | str,
         *, one_file: bool = False, with_list: bool = True) -> list[Target]:
    if fmt not in FORMATS:
        raise ExportError(f"不支持的导出格式：{fmt}（可选 docx、xlsx、pdf）")
    forms = list(forms)
    if not forms:
        raise ExportError("没有选择要导出的表。")
    out_dir = Path(out_dir)
    suffix = "." + fmt
    groups = _items(workspace, forms, registry, with_list)
    if one_file:
        items = [item for list_item, form_items in groups
                 for item in ([list_item] if list_item else []) + form_items]
        stem = form_stem(workspace, forms[0]) if len(items) == 1 else _bundle_stem(workspace, forms)
        return [Target(out_dir / (safe_stem(stem) + suffix), items)]
    singles: list[Item] = []
    for list_item, form_items in groups:
        singles += ([list_item] if list_item else []) + form_items
    stems = [safe_stem(item.label if item.is_list else form_stem(workspace, item.form)) for item in singles]
    return [Target(path, [item]) for path, item in zip(unique_paths(out_dir, stems, suffix), singles)]


def target_paths(workspace: Workspace, forms: Sequence[Form], registry: Registry, fmt: str,
                 out_dir: Path | str, *, one_file: bool = False, with_list: bool = True, **_ignored) -> list[Path]:
    """The files `export_forms` with the same arguments would write (to ask before overwriting)."""
    return [t.path for t in plan(workspace, forms, registry, fmt, out_dir, one_file=one_file, with_list=with_list)]


def validation_errors(workspace: Workspace, forms: Iterable[Form], registry: Registry) -> list[tuple[Form, list[Issue]]]:
    """The forms that have errors (docs/rules.md), with those errors: what refuses an export."""
    result = []
    for form in forms:
        errors = [i for i in validate_form(form, registry.get(form.definition_id), workspace, definition_of=registry.find)
                  if i.is_error]
        if errors:
            result.append((form, errors))
    return result


def grid_of(item: Item, workspace: Workspace, list_scores: bool) -> PrintGrid:
    if item.is_list:
        return build_list_grid(item.definition, workspace, item.forms, item.year, with_scores=list_scores)
    assert item.form is not None
    return build_grid(item.definition, workspace, item.form)


def records_of(target: Target, workspace: Workspace) -> list[FormRecord]:
    """The override records of the forms a file holds (lists carry none): what lets an import
    of the file restore each override with its reason (`perfdesk.domain.override_record`)."""
    records = []
    for item in target.items:
        if item.form is not None:
            name = workspace.project_name(item.form) or item.form.field("project_name")
            record = record_of(item.form, name)
            if record is not None:
                records.append(record)
    return records


def _writer(fmt: str, path: Path, target: Target, workspace: Workspace, fonts):
    # The title and author come from names people typed: fit for a file's properties.
    title = safe_title(target.items[0].label if len(target.items) == 1 else target.path.stem)
    author = safe_title(workspace.unit.name)
    if fmt == "pdf":
        from .pdf import PdfWriter

        return PdfWriter(path, fonts, title=title, author=author,
                         body_font=settings_of(target.items[0].definition).font)
    if fmt == "docx":
        from .word import WordWriter

        settings = settings_of(target.items[0].definition)
        return WordWriter(title=title, author=author, body_font=settings.font, body_size=settings.body_size,
                          records=records_of(target, workspace))
    from .excel import ExcelWriter

    return ExcelWriter(title=title, author=author, records=records_of(target, workspace))


def _part(path: Path) -> Path:
    return path.with_name(f"{path.name}.{os.getpid()}.part")


def export_forms(workspace: Workspace, forms: Sequence[Form], registry: Registry, fmt: str,
                 out_dir: Path | str, *, one_file: bool = False, with_list: bool = True, overwrite: bool = False,
                 progress: Progress | None = None, cancelled: Callable[[], bool] | None = None,
                 list_scores: bool = False) -> list[Path]:
    """Write `forms` as `fmt` files into `out_dir`; returns the paths written.

    Raises `ExportTargetsExist` (nothing written) when a target exists and `overwrite` is
    False, `MissingGlyphs` (nothing written) when a PDF would need a character no embeddable
    font has, `ExportCancelled` (nothing written) when `cancelled()` turns true between two
    forms, and `ExportError` for anything else that stops it (a folder that cannot be
    written …). `progress(done, total, label)` is called before each form or list is drawn
    and once at the end.
    """
    targets = plan(workspace, forms, registry, fmt, out_dir, one_file=one_file, with_list=with_list)
    existing = [t.path for t in targets if t.path.exists()]
    if existing and not overwrite:
        raise ExportTargetsExist(existing)
    folder = Path(out_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"无法创建导出文件夹 {folder}：{exc.strerror or exc}") from exc
    if not folder.is_dir():
        raise ExportError(f"导出位置不是文件夹：{folder}")
    grids = {id(item): grid_of(item, workspace, list_scores) for t in targets for item in t.items}
    for grid in grids.values():  # an Excel sheet's name comes from the project's name too
        grid.sheet_name = clean_name(grid.sheet_name)
    fonts = None
    if fmt == "pdf":
        from .fonts import FontBook

        fonts = FontBook()
        missing = [glyph for grid in grids.values() for glyph in fonts.missing_in(grid)]
        if missing:
            raise MissingGlyphs(missing)
    total = sum(len(t.items) for t in targets)
    done = 0
    parts: list[tuple[Path, Path]] = []
    try:
        for target in targets:
            part = _part(target.path)
            parts.append((part, target.path))
            writer = _writer(fmt, part, target, workspace, fonts)
            for item in target.items:
                if cancelled is not None and cancelled():
                    raise ExportCancelled()
                if progress is not None:
                    progress(done, total, item.label)
                writer.add(grids[id(item)])
                done += 1
            if fmt == "pdf":
                writer.save()  # the PDF writer was given its path when created
            else:
                writer.save(part)
        if cancelled is not None and cancelled():
            raise ExportCancelled()
        for part, path in parts:
            os.replace(part, path)
    except OSError as exc:
        raise ExportError(f"无法写入导出文件：{exc.filename or ''} {exc.strerror or exc}（文件可能正被其他程序打开）") from exc
    finally:
        for part, _ in parts:
            try:
                part.unlink()
            except FileNotFoundError:
                pass
            except OSError:  # pragma: no cover - a locked temp file on Windows; left for the user
                pass
    if progress is not None:
        progress(total, total, "导出完成")
    return [t.path for t in targets]
