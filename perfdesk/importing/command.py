"""Entry-point helpers: the `perfdesk import` and `perfdesk rollforward` sub-commands.

`register(subparsers)` adds both; each sets `run=fn(args, registry) -> int` the way
`perfdesk.cli` dispatches. Everything is read, recognised and planned before the target file
is touched; the new forms are then added in ONE workspace step, which the store writes in
one transaction — the same path the window uses — so a failure half-way leaves no half
import in the file. Unusable input
gives one Chinese line per problem on stderr and exit 2, and the target stays byte-identical.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import Callable

from perfdesk.domain.definition import FormKind
from perfdesk.domain.model import Workspace
from perfdesk.domain.rollforward import RowChoice, apply_plan, plan_rollforward
from perfdesk.formdefs import DefinitionError
from perfdesk.store import FileStore, SaveError, StoreError, describe_write_error
from perfdesk.store.file import shown_name, write_error_cause


EXIT_OK, EXIT_UNUSABLE = 0, 2


def register(subparsers) -> None:
    imp = subparsers.add_parser("import", help="从 Word/Excel 表格导入到 PerfDesk 文件")
    imp.add_argument("sources", nargs="+", metavar="SRC", help=".xlsx 或 .docx 文件")
    imp.add_argument("--into", required=True, metavar="PATH", help="目标 .perfdesk 文件（不存在则新建）")
    imp.add_argument("--dry-run", action="store_true", help="只显示将导入的内容，不写入文件")
    imp.add_argument("--definition", metavar="ID",
                     help="按此表单定义读取每张表（默认按表中的标签自动选择；见 perfdesk forms list）")
    imp.set_defaults(run=run_import)

    roll = subparsers.add_parser("rollforward", help="由上年的表生成本年的表")
    roll.add_argument("path", metavar="PATH", help="目标 .perfdesk 文件")
    roll.add_argument("--from-year", type=int, required=True, help="来源年度")
    roll.add_argument("--to-year", type=int, required=True, help="目标年度")
    roll.add_argument("--kind", choices=[k.value for k in FormKind], required=True,
                      help="生成申报表（declaration）或自评表（self-evaluation）")
    roll.add_argument("--source", metavar="OTHER", help="来源 .perfdesk 文件（默认即目标文件）")
    roll.add_argument("--project", action="append", metavar="NAME", help="只结转此项目（可重复）")
    roll.add_argument("--targets", choices=[c.value for c in RowChoice], default=RowChoice.KEEP.value,
                      help="申报表的指标值：keep 保留原指标值，actual 以上年实际完成值为新指标值，drop 删除")
    roll.add_argument("--amounts", choices=["clear", "carry"], default="clear", help="申报表的金额：清空或沿用")
    roll.add_argument("--definition", metavar="ID", help="新表使用的表单定义（默认自动选择）")
    roll.add_argument("--dry-run", action="store_true", help="只显示将生成的内容，不写入文件")
    roll.set_defaults(run=run_rollforward)


def _fail(message: str) -> int:
    print(f"perfdesk: {message}", file=sys.stderr)
    return EXIT_UNUSABLE


def _write(store: FileStore | None, path: Path, base: Workspace, change: Callable[[Workspace], object]) -> None:
    """Apply `change` to the open file's document as one step (one transaction); with no
    open store, create the file — and remove it again should writing fail. A write the disk
    refuses (full, read-only, I/O error) is a StoreError naming the cause, never a traceback."""
    if store is not None:
        try:
            with store.workspace.step():
                change(store.workspace)
        except (sqlite3.Error, OSError) as exc:
            raise SaveError(describe_write_error(exc, path)) from exc
        return
    created = FileStore.create(path)
    try:
        with created.workspace.step():
            change(created.workspace)
    except BaseException as exc:
        created.close()
        _remove_new_file(path)
        cause = exc.__cause__ if isinstance(exc, SaveError) else exc
        if isinstance(cause, (sqlite3.Error, OSError)):
            raise SaveError(f"无法写入新文件 {shown_name(path)}：{write_error_cause(cause)}。"
                            f"没有留下不完整的文件。") from exc
        raise
    created.close()


def _remove_new_file(path: Path) -> None:
    """A file this command created and could not fill: gone again, with its journal."""
    for leftover in (path, path.with_name(path.name + "-journal")):
        try:
            leftover.unlink(missing_ok=True)
        except OSError:
            pass


def _open_target(path: Path, dry_run: bool) -> FileStore:
    store = FileStore.open(path, read_only=dry_run)
    if store.read_only and not dry_run:
        reason = store.write_refusal()
        store.close()
        raise StoreError(reason)
    return store


def run_import(args, registry) -> int:
    from .importer import apply_import, import_files, plan_import  # the readers: only when importing

    path = Path(args.into)
    definitions = registry
    if getattr(args, "definition", None):
        if args.definition not in registry:
            return _fail(f"没有表单定义“{args.definition}”；可用的定义见 perfdesk forms list。")
        definitions = [registry.get(args.definition)]
    results = import_files([Path(s) for s in args.sources], definitions)
    store = None
    try:
        if path.exists():
            store = _open_target(path, args.dry_run)
            ws = store.workspace
        else:
            ws = Workspace()
        plan = plan_import(ws, results)
        print(plan.summary())
        if plan.failed:
            for result in plan.failed:
                print(f"perfdesk: {result.error}", file=sys.stderr)
            print(f"有 {len(plan.failed)} 个文件无法导入，{shown_name(path)} 未作任何改动。")
            return EXIT_UNUSABLE
        if args.dry_run:
            print(f"（试运行：{shown_name(path)} 未作任何改动。）")
            return EXIT_OK
        if not plan.to_create:
            print(f"没有需要导入的新表，{shown_name(path)} 未作任何改动。")
            return EXIT_OK
        _write(store, path, ws, lambda new: apply_import(new, plan))
        print(f"已写入 {path}：导入 {len(plan.to_create)} 张表。")
        return EXIT_OK
    except (StoreError, DefinitionError) as exc:
        return _fail(str(exc))
    finally:
        if store is not None:
            store.close()


def run_rollforward(args, registry) -> int:
    path = Path(args.path)
    kind = FormKind(args.kind)
    if kind is FormKind.SELF_EVALUATION and args.from_year != args.to_year:
        return _fail("绩效自评表由同一年度的申报表生成：--from-year 与 --to-year 应相同。")
    if kind is FormKind.DECLARATION and args.to_year <= args.from_year:
        return _fail("申报表结转到以后的年度：--to-year 应大于 --from-year。")
    store = source = None
    try:
        store = _open_target(path, args.dry_run)
        ws = store.workspace
        source_ws = ws
        if args.source and Path(args.source).resolve() != path.resolve():
            source = FileStore.open(Path(args.source), read_only=True)
            source_ws = source.workspace
        options: dict = {"projects": args.project, "definition_id": args.definition}
        if kind is FormKind.DECLARATION:
            options.update(default_choice=RowChoice(args.targets), carry_amounts=args.amounts == "carry")
        try:
            plan = plan_rollforward(source_ws, ws, registry, kind, args.from_year, args.to_year, **options)
        except ValueError as exc:
            return _fail(str(exc))
        print(plan.summary())
        if plan.problems:
            for problem in plan.problems:
                print(f"perfdesk: {problem}", file=sys.stderr)
            print(f"{shown_name(path)} 未作任何改动。")
            return EXIT_UNUSABLE
        if args.dry_run or not plan.to_create:
            print(f"（{'试运行' if args.dry_run else '没有需要新建的表'}：{shown_name(path)} 未作任何改动。）")
            return EXIT_OK
        _write(store, path, ws, lambda new: apply_plan(new, plan))
        print(f"已写入 {path}：新建 {len(plan.to_create)} 张表。")
        return EXIT_OK
    except (StoreError, DefinitionError) as exc:
        return _fail(str(exc))
    finally:
        for opened in (store, source):
            if opened is not None:
                opened.close()
