"""Formdefs layer: the `perfdesk forms` sub-commands.

    perfdesk forms list [--json]    every definition: id, name, kind, region, where it came from
    perfdesk forms check FILE       check one definition file; exit 0 when it can be used, 2 if not

`check` reads FILE as the program would if it were in the user's forms folder: it may extend
any built-in or user definition. Messages name the file and the line. `perfdesk/cli.py` wires
`register` into its parser.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from perfdesk.domain.definition import FormKind

from .loader import BUILT_IN, DefinitionError, Registry, _read_toml, _resolve, build_definition

EXIT_OK, EXIT_UNUSABLE = 0, 2
KIND_LABELS = {FormKind.DECLARATION: "申报表", FormKind.SELF_EVALUATION: "自评表"}


def register(subparsers) -> None:
    parser = subparsers.add_parser("forms", help="查看、检查表单定义（表样）",
                                   description="查看程序认识的表单定义，或检查自己写的定义文件")
    sub = parser.add_subparsers(dest="forms_command", metavar="{list,check}")
    listing = sub.add_parser("list", help="列出所有表单定义及其来源")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=cmd_forms_list)
    check = sub.add_parser("check", help="检查一个表单定义文件，指出有问题的行")
    check.add_argument("file", help="表单定义文件（.toml）")
    check.set_defaults(run=cmd_forms_check)
    parser.set_defaults(run=lambda args, registry: _usage(parser))


def _usage(parser) -> int:
    parser.print_usage(sys.stderr)
    print("perfdesk: 请写明 forms list 或 forms check FILE", file=sys.stderr)
    return EXIT_UNUSABLE


def listing(registry: Registry) -> list[dict]:
    rows = []
    for definition in sorted(registry, key=lambda d: d.id):
        origin = registry.origins.get(definition.id)
        rows.append({
            "id": definition.id,
            "name": definition.name,
            "kind": definition.kind.value,
            "region": definition.region,
            "amount_unit": definition.amount_unit,
            "source": origin.kind if origin else BUILT_IN,
            "path": str(origin.path) if origin else "",
            "overrides_built_in": bool(origin and origin.overrides),
        })
    return rows


def cmd_forms_list(args, registry: Registry) -> int:
    rows = listing(registry)
    if args.json:
        print(json.dumps({"definitions": rows, "problems": registry.problems}, ensure_ascii=False, indent=2))
        return EXIT_OK
    for row in rows:
        override = "，替代同名内置定义" if row["overrides_built_in"] else ""
        print(f"{row['id']}\t{KIND_LABELS[FormKind(row['kind'])]}\t{row['name']}\t"
              f"{row['source']}{override}：{row['path']}")
    for problem in registry.problems:
        print(f"未载入：{problem}", file=sys.stderr)
    print(f"共 {len(rows)} 个表单定义。")
    return EXIT_OK


def check_file(path: Path, registry: Registry) -> tuple[object, list[str]]:
    """(the definition, []) when FILE can be used; (None, messages) when not."""
    path = Path(path)
    if not path.is_file():
        return None, [f"找不到表单定义文件 {path}"]
    try:
        raw = _read_toml(path)
        if "id" not in raw:
            raise DefinitionError(f"表单定义文件 {path} 缺少 id")
        parents = {}
        for definition_id, origin in registry.origins.items():
            if definition_id != raw["id"]:
                parents[definition_id] = _read_toml(origin.path)
        definition = build_definition(_resolve(raw, parents, path.name), path.name)
    except DefinitionError as exc:
        return None, str(exc).splitlines()
    return definition, []


def cmd_forms_check(args, registry: Registry) -> int:
    definition, problems = check_file(Path(args.file), registry)
    if problems:
        for line in problems:
            print(f"perfdesk: {line}", file=sys.stderr)
        return EXIT_UNUSABLE
    origin = registry.origins.get(definition.id)
    replaced = "（将替代同名的内置定义）" if origin is not None and origin.kind == BUILT_IN else ""
    print(f"✔ {args.file}：表单定义“{definition.id}”（{definition.name}，{KIND_LABELS[definition.kind]}）"
          f"可以使用{replaced}。放入 {_user_folder()} 后重新打开 PerfDesk 即可选用。")
    return EXIT_OK


def _user_folder() -> Path:
    from perfdesk.places import user_forms_dir

    return user_forms_dir()
