"""Entry point: the `perfdesk` command.

    perfdesk                      the window, on the last used file (or the demo file, first run)
    perfdesk open PATH            the window on PATH (`perfdesk PATH` too: the file association)
    perfdesk --self-test          open the demo in the window, export a PDF, exit 0 when all works
    perfdesk demo PATH            write the demo file to PATH
    perfdesk check PATH [--json]  issues of every form; exit 0 no error, 1 errors, 2 unusable file
    perfdesk score PATH [--json]  scores of every form
    perfdesk forms list|check     the form definitions (built in and the user's own), or check one file
    perfdesk overview PATH --year Y [--json | --xlsx OUT | --pdf OUT]   年度总览
    perfdesk finalise PATH --year Y [--project NAME] --note TEXT        定稿 (a snapshot)
    perfdesk snapshots PATH [--json]                                    snapshots and 撤回 events
    perfdesk diff PATH --from SNAPSHOT [--to SNAPSHOT] [--json]         对比

A missing, damaged or foreign file gives one clear line on stderr and exit 2, never a
traceback. This module wires the pure layers together; it imports no Qt.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from decimal import Decimal
from pathlib import Path

from perfdesk.domain.definition import FormKind
from perfdesk.domain.model import FinalisedError, Form, Workspace
from perfdesk.domain.scoring import FormScore, score_form
from perfdesk.domain.validation import Issue, Severity, count_by_severity, validate_workspace
from perfdesk.formdefs import DefinitionError, Registry, default_registry
from perfdesk.store import FileStore, StoreError
from perfdesk.wording import in_chinese

EXIT_OK, EXIT_ERRORS, EXIT_UNUSABLE = 0, 1, 2
DEMO_NAME = "示例-上海市公积金管理中心.perfdesk"


class UsageError(Exception):
    pass


# argparse's own words (Python 3.11), as PerfDesk says them: (pattern of the English message,
# its Chinese). Anything not listed stays as argparse wrote it, after "参数有误：".
_ARGPARSE_ZH = [
    (r"the following arguments are required: (.+)", "缺少参数 {0}"),
    (r"unrecognized arguments: (.+)", "无法识别的参数 {0}"),
    (r"argument command: invalid choice: '(.*)' \(choose from (.*)\)", "没有“{0}”这个命令，可用的命令：{1}"),
    (r"argument (\S+): invalid choice: '(.*)' \(choose from (.*)\)", "{0} 的值“{1}”无效，可选：{2}"),
    (r"argument (\S+): invalid int value: '(.*)'", "{0} 的值“{1}”不是整数"),
    (r"argument (\S+): invalid (\w+) value: '(.*)'", "{0} 的值“{2}”无效"),
    (r"argument (\S+): expected one argument", "{0} 后面要写一个值"),
    (r"argument (\S+): not allowed with argument (\S+)", "{0} 不能与 {1} 同时使用"),
    (r"one of the arguments (.+) is required", "{0} 中要写一个"),
    (r"ambiguous option: (\S+) could match (.+)", "{0} 不明确，可能是 {1}"),
]


def _in_chinese(message: str) -> str:
    return in_chinese(_ARGPARSE_ZH, message)


class _Parser(argparse.ArgumentParser):
    """argparse, speaking Chinese: its usage line, headings, -h and error messages."""

    def __init__(self, *args, **kwargs):
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "位置参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="显示本帮助并退出")

    def format_usage(self) -> str:
        return _usage_in_chinese(super().format_usage())

    def format_help(self) -> str:
        return _usage_in_chinese(super().format_help())

    def error(self, message: str):  # argparse exits 2 with usage text; keep that, in Chinese
        self.print_usage(sys.stderr)
        raise UsageError(f"参数有误：{_in_chinese(message)}")


def _usage_in_chinese(text: str) -> str:
    return "用法：" + text[len("usage: "):] if text.startswith("usage: ") else text


def write_demo(path: Path, *, overwrite: bool = False) -> Path:
    """The demo file, written like any edit: one step, one transaction. A failed write
    leaves no half-written file behind."""
    from perfdesk.demodata import build_workspace

    existed = Path(path).exists()
    store = FileStore.create(path, overwrite=overwrite)
    try:
        demo = build_workspace()
        ws = store.workspace
        with ws.step():
            ws.set_unit(demo.unit.name, demo.unit.department)
            for project in demo.projects.values():
                ws.add_project(project)
            for form in demo.forms.values():
                ws.add_form(form)
    except BaseException:
        store.close()
        if not existed:
            Path(path).unlink(missing_ok=True)
        raise
    store.close()
    return path


def _number(value: Decimal | None):
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _definition_of(registry: Registry):
    return registry.get


def _open_read(path: str) -> tuple[FileStore, Workspace]:
    store = FileStore.open(Path(path), read_only=True)
    assert store.workspace is not None
    return store, store.workspace


def _form_heading(ws: Workspace, form: Form) -> str:
    return f"{ws.project_name(form)} · {form.year}年 · {form.kind.label}"


def check_report(ws: Workspace, registry: Registry) -> list[tuple[Form, list[Issue]]]:
    return validate_workspace(ws, _definition_of(registry))


def print_check(ws: Workspace, results, as_json: bool, out) -> int:
    all_issues = [issue for _, issues in results for issue in issues]
    if as_json:
        payload = {"issues": [
            {"code": issue.code, "severity": issue.severity.value, "project": ws.project_name(form),
             "year": form.year, "kind": form.kind.value, "where": issue.where, "message": issue.message}
            for form, issues in results for issue in issues
        ]}
        json.dump(payload, out, ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        for form, issues in results:
            if not issues:
                continue
            out.write(f"{_form_heading(ws, form)}\n")
            for issue in issues:
                out.write(f"  {issue.severity.label} {issue.code} {issue.where}：{issue.message}\n")
        counts = count_by_severity(all_issues)
        out.write(f"共检查 {len(results)} 张表：{counts[Severity.ERROR]} 个错误，"
                  f"{counts[Severity.WARNING]} 个警告，{counts[Severity.INFO]} 条提示。\n")
    return EXIT_ERRORS if any(issue.is_error for issue in all_issues) else EXIT_OK


def _override(value: Decimal | None, note) -> dict | None:
    """A person's score with why and when, or None where the rule's score counts."""
    if value is None:
        return None
    return {"score": _number(value), "reason": note.reason if note else "", "at": note.at if note else "",
            "computed": _number(note.computed) if note else None}


def score_payload(ws: Workspace, registry: Registry) -> dict:
    forms = []
    for form in ws.forms.values():
        definition = registry.get(form.definition_id)
        score: FormScore = score_form(form, definition)
        scored = definition.scored
        forms.append({
            "id": form.id,
            "project": ws.project_name(form),
            "year": form.year,
            "kind": form.kind.value,
            "definition": form.definition_id,
            "weight_total": _number(score.weight_total) if scored else None,
            "budget_score": _number(score.budget.score) if score.budget else None,
            "budget_override": _override(form.budget_score, form.budget_note) if score.budget else None,
            "total": _number(score.total) if scored else None,
            "computed_total": _number(score.computed_total) if scored else None,
            "total_override": _override(form.total, form.total_note) if scored else None,
            "grade": score.grade if scored else None,
            "indicators": [
                {
                    "level1": ind.level1, "level2": ind.level2, "level3": ind.level3,
                    "target": ind.target.raw, "actual": ind.actual.raw if scored else None,
                    "weight": _number(ind.weight),
                    "score": _number(score.rows[ind.id].score) if scored else None,
                    "computed": _number(score.rows[ind.id].computed) if scored else None,
                    "overridden": score.rows[ind.id].overridden if scored else None,
                    "override": _override(ind.score, ind.score_note) if scored else None,
                }
                for ind in form.indicators
            ],
        })
    return {"forms": forms}


def print_scores(ws: Workspace, registry: Registry, as_json: bool, out) -> int:
    payload = score_payload(ws, registry)
    if as_json:
        json.dump(payload, out, ensure_ascii=False, indent=2)
        out.write("\n")
        return EXIT_OK
    for form_data in payload["forms"]:
        if form_data["kind"] != FormKind.SELF_EVALUATION.value:
            continue
        overrides = sum(1 for row in form_data["indicators"] if row["overridden"])
        out.write(f"{form_data['project']} · {form_data['year']}年 · 分值合计 {form_data['weight_total']}"
                  f" · 预算执行得分 {form_data['budget_score']} · 总分 {form_data['total']}"
                  f" · 等级 {form_data['grade'] or '—'}"
                  + (f" · 人工评定 {overrides} 项" if overrides else "") + "\n")
    declarations = sum(1 for f in payload["forms"] if f["kind"] == FormKind.DECLARATION.value)
    if declarations:
        out.write(f"另有 {declarations} 张绩效目标申报表（不计分）。\n")
    return EXIT_OK


def cmd_demo(args, registry) -> int:
    path = Path(args.path)
    write_demo(path, overwrite=args.force)
    print(f"已写入示例文件：{path}")
    return EXIT_OK


def cmd_check(args, registry) -> int:
    store, ws = _open_read(args.path)
    try:
        return print_check(ws, check_report(ws, registry), args.json, sys.stdout)
    finally:
        store.close()


def cmd_score(args, registry) -> int:
    store, ws = _open_read(args.path)
    try:
        return print_scores(ws, registry, args.json, sys.stdout)
    finally:
        store.close()


def cmd_window(args, registry) -> int:
    """The window: on PATH, else on the last used file, else on the demo file (written on
    first run). Qt is imported only here, so the other commands start fast and need no screen."""
    if getattr(args, "self_test", False):
        from perfdesk import selftest

        return selftest.run()
    missing = missing_display()
    if missing:
        raise Refused(missing)
    from perfdesk import app

    return app.run(getattr(args, "path", None), exit_after_paint=args.exit_after_paint)


def missing_display(environ=None, platform: str | None = None) -> str | None:
    """Why the window cannot open on this Linux machine (a Chinese sentence), or None. Qt itself
    would print English plug-in errors and abort; no X or Wayland display is the usual cause (an
    ssh session, a server, a cron job). Windows and macOS always have their screen; a platform
    chosen with QT_QPA_PLATFORM (offscreen, vnc …) needs none."""
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if not platform.startswith("linux"):
        return None
    # QT_QPA_PLATFORM: one platform or several to try in turn ("wayland;xcb"), each with options
    # after a colon; unset, Qt picks xcb or wayland itself.
    chosen = [p.split(":")[0].strip() for p in environ.get("QT_QPA_PLATFORM", "").split(";") if p.strip()]
    needs = {"xcb": "DISPLAY", "wayland": "WAYLAND_DISPLAY", "wayland-egl": "WAYLAND_DISPLAY"}
    for name in chosen or ["xcb", "wayland"]:
        if name not in needs or environ.get(needs[name]):
            return None
    return ("没有可用的显示器（未设置 DISPLAY 或 WAYLAND_DISPLAY），无法打开窗口。请在桌面上运行 PerfDesk；"
            "在没有屏幕的机器上可用 xvfb-run perfdesk，或设置 QT_QPA_PLATFORM=offscreen。"
            "check、export 等命令不需要显示器。")


class Refused(Exception):
    """A command that cannot do what was asked: one Chinese sentence, exit 2, file unchanged."""


def _year_forms(ws: Workspace, year: int, path: str) -> None:
    if not any(form.year == year for form in ws.forms.values()):
        years = "、".join(str(y) for y in ws.years()) or "无"
        raise Refused(f"{Path(path).name} 中没有 {year} 年的表（文件中的年度：{years}）。文件未作任何改动。")


def cmd_overview(args, registry) -> int:
    """年度总览: every project of a year with its forms' status and figures, and the totals."""
    from perfdesk.domain.overview import build_overview, overview_payload

    store, ws = _open_read(args.path)
    try:
        _year_forms(ws, args.year, args.path)
        overview = build_overview(ws, args.year, registry.get, changed=store.last_changes())
        if args.xlsx or args.pdf:
            from perfdesk.export.overview import export_overview

            for fmt, out in (("xlsx", args.xlsx), ("pdf", args.pdf)):
                if out:
                    export_overview(ws, overview, registry.get, Path(out), fmt)
                    print(f"已导出{args.year}年度总览：{out}")
            return EXIT_OK
        payload = overview_payload(overview)
        if args.json:
            json.dump(payload, sys.stdout, ensure_ascii=False, indent=2)
            sys.stdout.write("\n")
            return EXIT_OK
        _print_overview(payload, sys.stdout)
        return EXIT_OK
    finally:
        store.close()


def _cell(value, suffix: str = "") -> str:
    return "—" if value is None else f"{value}{suffix}"


def _print_overview(payload: dict, out) -> None:
    out.write(f"{payload['year']}年度总览\n")
    for line in payload["projects"]:
        out.write(f"{line['project']} · 申报表 {line['declaration']['status_label']} · 自评表 "
                  f"{line['self_evaluation']['status_label']} · 年度资金 {_cell(line['funds'])} 元 · 执行率 "
                  f"{_cell(line['rate'], '%')} · 总分 {_cell(line['total'])} · 等级 {line['grade'] or '—'} · 错误 "
                  f"{line['errors']} · 警告 {line['warnings']} · 人工评定 {line['overrides']}\n")
    totals = payload["totals"]
    grades = "，".join(f"{k} {v} 个" for k, v in totals["grades"].items()) or "无"
    out.write(f"共 {totals['projects']} 个项目 · 资金合计 {totals['funds']} 元 · 执行率 {_cell(totals['rate'], '%')}"
              f" · 平均总分 {_cell(totals['average_total'])} · 等级：{grades}\n")


def _snapshot_data(ws: Workspace, snapshot) -> dict:
    forms = []
    for form_id in snapshot.form_ids:
        form = ws.forms.get(form_id)
        forms.append({"id": form_id, "project": ws.project_name(form) if form else None,
                      "kind": form.kind.value if form else None, "final": form_id in ws.finals})
    return {"id": snapshot.id, "name": snapshot.name, "at": snapshot.at, "note": snapshot.note,
            "year": snapshot.year, "scope": snapshot.scope, "size": snapshot.size, "forms": forms}


def cmd_finalise(args, registry) -> int:
    """定稿: a snapshot of the year's (or one project's) forms, which are marked 已定稿."""
    from perfdesk.domain import snapshot as snapshots

    note = (args.note or "").strip()
    if not note:
        raise Refused("定稿需要一段说明（--note），例如“3 月报送财政局”。文件未作任何改动。")
    # Everything is checked on a read-only opening first: a refusal writes nothing (not even
    # the upgrade of an older file).
    store, ws = _open_read(args.path)
    try:
        project_id = _project_id(ws, args)
        if not snapshots.forms_to_finalise(ws, args.year, project_id):
            what = f"项目“{args.project}”{args.year}年" if project_id else f"{args.year}年"
            raise Refused(f"{what}的表都已定稿，没有可以定稿的表。文件未作任何改动。")
    finally:
        store.close()
    store = FileStore.open(Path(args.path))
    try:
        if store.read_only:
            raise Refused(store.write_refusal())
        ws = store.workspace
        project_id = _project_id(ws, args)
        forms = snapshots.forms_to_finalise(ws, args.year, project_id)
        scope = snapshots.SCOPE_PROJECT if project_id else snapshots.SCOPE_YEAR
        with ws.step():
            snapshot = snapshots.finalise(ws, forms, registry.get, note=note, year=args.year, scope=scope,
                                          name=args.name or "")
        if args.json:
            json.dump({"snapshot": _snapshot_data(ws, snapshot)}, sys.stdout, ensure_ascii=False, indent=2)
            sys.stdout.write("\n")
        else:
            print(f"已定稿 {len(forms)} 张表：{snapshot.name}（快照编号 {snapshot.id[:8]}，{snapshot.size} 字节）")
        return EXIT_OK
    finally:
        store.close()


def _project_id(ws: Workspace, args) -> str | None:
    _year_forms(ws, args.year, args.path)
    if not args.project:
        return None
    project = ws.project_by_name(args.project)
    if project is None or not any(f.year == args.year for f in ws.forms_of(project.id)):
        raise Refused(f"{args.year}年没有名为“{args.project}”的项目。文件未作任何改动。")
    return project.id


def cmd_snapshots(args, registry) -> int:
    """The snapshots in a file, and every finalise / 撤回定稿 with its reason."""
    store, ws = _open_read(args.path)
    try:
        snapshots = sorted(ws.snapshots.values(), key=lambda s: s.at)
        events = []
        for event in ws.final_log:
            form = ws.forms.get(event.form_id)
            events.append({"form_id": event.form_id, "project": ws.project_name(form) if form else None,
                           "year": form.year if form else None, "kind": form.kind.value if form else None,
                           "what": event.what, "at": event.at, "snapshot_id": event.snapshot_id,
                           "reason": event.reason})
        if args.json:
            json.dump({"snapshots": [_snapshot_data(ws, s) for s in snapshots], "events": events},
                      sys.stdout, ensure_ascii=False, indent=2)
            sys.stdout.write("\n")
            return EXIT_OK
        if not snapshots:
            print("文件中还没有定稿快照。")
        for s in snapshots:
            when = s.at[:16].replace("T", " ")
            print(f"{s.id[:8]}  {s.name}" + ("" if when in s.name else f" · {when}")
                  + f" · {len(s.form_ids)} 张表 · {s.size} 字节" + (f" · 说明：{s.note}" if s.note else ""))
        for e in events:
            if e["what"] == "withdrawn":
                kind = FormKind(e["kind"]).label if e["kind"] else "表"
                print(f"撤回定稿  {e['project']} · {e['year']}年{kind} · {e['at'].replace('T', ' ')} · 原因：{e['reason']}")
        return EXIT_OK
    finally:
        store.close()


def cmd_diff(args, registry) -> int:
    """对比: a snapshot against the forms as they are now, or against another snapshot."""
    from perfdesk.domain import diff
    from perfdesk.domain.snapshot import SnapshotError, find_snapshot

    store, ws = _open_read(args.path)
    try:
        def side(key: str):
            found = find_snapshot(ws, key)
            if found is None:
                raise Refused(f"找不到快照“{key}”（用 perfdesk snapshots 查看快照的编号或名称）。")
            try:
                content = store.snapshot_content(found.id)
            except SnapshotError as exc:
                raise Refused(f"快照“{found.name}”无法读取：{exc}") from None
            return found, diff.Side(content.workspace, content.form_ids, content.scores)

        old_snapshot, old = side(args.source)
        if args.target:
            new_snapshot, new = side(args.target)
            target = {"snapshot": new_snapshot.id, "name": new_snapshot.name}
        else:
            new = diff.current_side(ws, old.form_ids, registry.get)
            target = {"snapshot": None, "name": "当前"}
        changes = diff.diff_sides(old, new, registry.get)
        if args.json:
            json.dump({"from": {"snapshot": old_snapshot.id, "name": old_snapshot.name}, "to": target,
                       "changes": [c.as_dict() for c in changes]}, sys.stdout, ensure_ascii=False, indent=2)
            sys.stdout.write("\n")
            return EXIT_OK
        print(f"对比“{old_snapshot.name}”与“{target['name']}”：{len(changes)} 处变化")
        current = None
        for change in changes:
            if change.form != current:
                current = change.form
                print(current)
            print(f"  {change.text()}")
        return EXIT_OK
    finally:
        store.close()


# Every sub-command's name (tests/test_cli.py holds this list equal to the parser's): `main`
# needs it to tell `perfdesk PATH` from a command without building the whole parser.
COMMANDS = ("demo", "check", "score", "export", "import", "rollforward", "open", "overview", "finalise",
            "snapshots", "diff", "forms")


def build_parser() -> argparse.ArgumentParser:
    # The export and import modules pull in the print layout, openpyxl and python-docx:
    # imported only when a command line is parsed, never on the window's way to the screen.
    from perfdesk.export.command import register as register_export
    from perfdesk.formdefs.command import register as register_forms
    from perfdesk.importing.command import register as register_import

    parser = _Parser(prog="perfdesk", description="PerfDesk：预算绩效目标申报表与自评表")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    demo = sub.add_parser("demo", help="写出示例文件")
    demo.add_argument("path")
    demo.add_argument("--force", action="store_true", help="覆盖已有的 PerfDesk 文件")
    demo.set_defaults(run=cmd_demo)
    check = sub.add_parser("check", help="检查文件中的每张表")
    check.add_argument("path")
    check.add_argument("--json", action="store_true")
    check.set_defaults(run=cmd_check)
    score = sub.add_parser("score", help="计算每张自评表的得分")
    score.add_argument("path")
    score.add_argument("--json", action="store_true")
    score.set_defaults(run=cmd_score)
    register_export(sub)
    register_import(sub)  # import, rollforward
    register_forms(sub)  # forms list, forms check
    overview = sub.add_parser("overview", help="年度总览：一年中每个项目的表、资金、执行率、总分和等级")
    overview.add_argument("path")
    overview.add_argument("--year", type=int, required=True)
    out = overview.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true")
    out.add_argument("--xlsx", metavar="OUT", help="导出为 Excel 文件")
    out.add_argument("--pdf", metavar="OUT", help="导出为 PDF 文件")
    overview.set_defaults(run=cmd_overview)
    finalise = sub.add_parser("finalise", help="定稿：保存一年（或一个项目）的表的快照并标记为已定稿")
    finalise.add_argument("path")
    finalise.add_argument("--year", type=int, required=True)
    finalise.add_argument("--project", metavar="NAME", help="只定稿这个项目的表")
    finalise.add_argument("--note", required=True, help="说明，例如“3 月报送财政局”")
    finalise.add_argument("--name", help="快照名称（默认：年度、定稿和时间）")
    finalise.add_argument("--json", action="store_true")
    finalise.set_defaults(run=cmd_finalise)
    snaps = sub.add_parser("snapshots", help="列出定稿快照和撤回定稿记录")
    snaps.add_argument("path")
    snaps.add_argument("--json", action="store_true")
    snaps.set_defaults(run=cmd_snapshots)
    compare = sub.add_parser("diff", help="对比：快照与当前内容，或两个快照")
    compare.add_argument("path")
    compare.add_argument("--from", dest="source", required=True, metavar="SNAPSHOT", help="快照编号（前 8 位即可）或名称")
    compare.add_argument("--to", dest="target", metavar="SNAPSHOT", help="另一个快照；不给时与当前内容对比")
    compare.add_argument("--json", action="store_true")
    compare.set_defaults(run=cmd_diff)
    window = sub.add_parser("open", help="在窗口中打开文件")
    window.add_argument("path")
    window.add_argument("--exit-after-paint", action="store_true", help=argparse.SUPPRESS)
    window.set_defaults(run=cmd_window)
    parser.add_argument("--exit-after-paint", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--self-test", action="store_true",
                        help="自检：打开示例文件、导出一份 PDF，全部正常时退出码为 0")
    parser.set_defaults(run=cmd_window)
    return parser


def _file_argument(argv: list[str], parser: argparse.ArgumentParser | None = None) -> list[str]:
    """`perfdesk PATH` (how Windows and Linux desktops open a double-clicked file) means
    `perfdesk open PATH`; a first word that names a command keeps its meaning."""
    words = [a for a in argv if not a.startswith("-")]
    if len(words) == 1 and words[0] not in COMMANDS and (
            words[0].lower().endswith(".perfdesk") or Path(words[0]).is_file()):
        return ["open", *argv]
    return argv


WINDOW_FLAGS = {"--exit-after-paint", "--self-test"}


def _window_request(argv: list[str]) -> argparse.Namespace | None:
    """The window's own command lines (`perfdesk`, `perfdesk [open] PATH`, `--self-test`),
    recognised without building the whole parser, so the window starts fast."""
    argv = _file_argument(argv)
    flags = {a for a in argv if a.startswith("-")}
    words = [a for a in argv if not a.startswith("-")]
    if not flags <= WINDOW_FLAGS:
        return None
    if not words:
        path = None
    elif len(words) == 2 and words[0] == "open":
        path = words[1]
    else:
        return None
    return argparse.Namespace(path=path, exit_after_paint="--exit-after-paint" in flags,
                              self_test="--self-test" in flags, run=cmd_window)


def _one_line(text: object) -> str:
    """A message as one terminal line: no line breaks or control characters from a file name."""
    text = str(text).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return "".join(" " if ch in "\r\n\t" else "?" if ord(ch) < 32 or ord(ch) == 127 else ch for ch in text)


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            try:
                # errors="replace": a file name that is not valid UTF-8 (any bytes are a valid
                # name on Linux) prints as "�" instead of stopping the command.
                stream.reconfigure(encoding="utf-8", errors="replace")
            except (OSError, ValueError):  # pragma: no cover
                pass
    try:
        argv = list(sys.argv[1:] if argv is None else argv)
        args = _window_request(argv)
        if args is None:  # not the window: the collector resumes before the command's work
            from perfdesk.__main__ import resume_collector

            resume_collector()
            parser = build_parser()
            args = parser.parse_args(_file_argument(argv))
        registry = default_registry()
        if registry.problems and getattr(args, "command", None) != "forms":
            for problem in registry.problems:  # the rest still load: say what was left out
                print(f"perfdesk: 未载入的表单定义：{_one_line(problem)}", file=sys.stderr)
        return args.run(args, registry)
    except UsageError as exc:
        print(f"perfdesk: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    except (StoreError, DefinitionError, Refused, FinalisedError) as exc:
        print(f"perfdesk: {_one_line(exc)}", file=sys.stderr)
        return EXIT_UNUSABLE
    except BrokenPipeError:  # output piped into `head` and closed early
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:  # pragma: no cover
            pass
        return EXIT_OK
    except MemoryError:
        print("perfdesk: 内存不足，命令未能完成。", file=sys.stderr)
        return EXIT_UNUSABLE
    except OSError as exc:  # the disk or a file refused, outside any file PerfDesk opened
        where = f"（{_one_line(exc.filename)}）" if getattr(exc, "filename", None) else ""
        print(f"perfdesk: 读写文件时出错{where}：{exc.strerror or exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    except KeyboardInterrupt:  # pragma: no cover
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
