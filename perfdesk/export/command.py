"""Export layer: the `perfdesk export` sub-command.

    perfdesk export PATH --format docx|xlsx|pdf --out DIR [--year Y] [--form ID]… [--one-file]
                    [--force] [--overwrite] [--no-list] [--scores]

Exit 0 when the files are written; 1 when the export was refused because a form has errors
(docs/rules.md; `--force` exports anyway) or a PDF would need a character no font can draw;
2 for unusable input (a missing or damaged file, an unknown form or year, targets that exist
without `--overwrite`, a folder that cannot be written). Messages are one Chinese line each on
stderr, never a traceback. `perfdesk/cli.py` wires `register` into its parser.
"""

from __future__ import annotations

import sys
from pathlib import Path

from perfdesk.domain.model import Form, Workspace
from perfdesk.formdefs import DefinitionError, Registry
from perfdesk.store import FileStore, StoreError

from .errors import ExportError, ExportTargetsExist, MissingGlyphs
from .names import FORMATS

EXIT_OK, EXIT_REFUSED, EXIT_UNUSABLE = 0, 1, 2


class _Unusable(Exception):
    pass


def register(subparsers) -> None:
    parser = subparsers.add_parser("export", help="按官方格式导出 Word / Excel / PDF 文件",
                                   description="按官方格式导出表格及单位清单")
    parser.add_argument("path", help="PerfDesk 文件")
    parser.add_argument("--format", required=True, choices=FORMATS, dest="fmt", help="导出格式")
    parser.add_argument("--out", required=True, help="导出到的文件夹")
    parser.add_argument("--year", type=int, help="只导出这一年度的表")
    parser.add_argument("--form", action="append", default=[], metavar="ID",
                        help="只导出这张表（表的 id 或项目名称，可重复）")
    parser.add_argument("--one-file", action="store_true", help="所有表合成一个文件（Word 分页、Excel 分工作表）")
    parser.add_argument("--no-list", action="store_true", help="不附单位清单（汇总表 / 自评清单）")
    parser.add_argument("--scores", action="store_true", help="自评清单附总分和等级")
    parser.add_argument("--force", action="store_true", help="表中有错误也导出")
    parser.add_argument("--overwrite", action="store_true", help="覆盖已存在的文件")
    parser.set_defaults(run=run)


def _say(message: str) -> None:
    print(f"perfdesk: {message}", file=sys.stderr)


def select_forms(ws: Workspace, year: int | None, wanted: list[str]) -> list[Form]:
    """The forms to export, in the file's order: by year, and by id, id prefix or project name."""
    forms = list(ws.forms.values())
    if year is not None:
        forms = [f for f in forms if f.year == year]
        if not forms:
            years = "、".join(str(y) for y in ws.years()) or "无"
            raise _Unusable(f"文件中没有 {year} 年度的表（已有年度：{years}）")
    if wanted:
        chosen: list[Form] = []
        for key in wanted:
            matches = [f for f in forms if f.id == key or (len(key) >= 6 and f.id.startswith(key))
                       or ws.project_name(f) == key]
            if not matches:
                raise _Unusable(f"找不到表：{key}（可用表的 id 或项目名称）")
            chosen += [f for f in matches if f not in chosen]
        forms = [f for f in forms if f in chosen]
    if not forms:
        raise _Unusable("文件中没有可导出的表")
    return forms


def run(args, registry: Registry) -> int:
    try:
        store = FileStore.open(Path(args.path), read_only=True)
    except StoreError as exc:
        _say(str(exc))
        return EXIT_UNUSABLE
    try:
        ws = store.workspace
        assert ws is not None
        return _export(args, registry, ws)
    except _Unusable as exc:
        _say(str(exc))
        return EXIT_UNUSABLE
    except DefinitionError as exc:
        _say(str(exc))
        return EXIT_UNUSABLE
    finally:
        store.close()


def _export(args, registry: Registry, ws: Workspace) -> int:
    forms = select_forms(ws, args.year, args.form)
    from .batch import export_forms, validation_errors  # the renderers: only when exporting

    errors = validation_errors(ws, forms, registry)
    if errors and not args.force:
        for form, issues in errors:
            print(f"{ws.project_name(form)} · {form.year}年 · {form.kind.label}", file=sys.stderr)
            for issue in issues:
                print(f"  {issue.severity.label} {issue.code} {issue.where}：{issue.message}", file=sys.stderr)
        _say(f"{len(errors)} 张表有错误，未导出；改正后再导出，或加 --force 仍然导出")
        return EXIT_REFUSED
    try:
        paths = export_forms(ws, forms, registry, args.fmt, Path(args.out), one_file=args.one_file,
                             with_list=not args.no_list, overwrite=args.overwrite, list_scores=args.scores)
    except ExportTargetsExist as exc:
        _say(f"{exc}（加 --overwrite 覆盖）")
        return EXIT_UNUSABLE
    except MissingGlyphs as exc:
        _say(str(exc))
        return EXIT_REFUSED
    except ExportError as exc:
        _say(str(exc))
        return EXIT_UNUSABLE
    for path in paths:
        print(f"已导出：{path}")
    note = f"（{len(errors)} 张表有错误，按 --force 导出）" if errors else ""
    print(f"共 {len(forms)} 张表，写出 {len(paths)} 个 {args.fmt} 文件{note}。")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """`python -m perfdesk.export.command PATH --format …`: the same command on its own."""
    import argparse

    from perfdesk.formdefs import default_registry

    parser = argparse.ArgumentParser(prog="perfdesk")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["export"] + list(sys.argv[1:] if argv is None else argv))
    return args.run(args, default_registry())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
