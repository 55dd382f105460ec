"""A demo file with a 部门整体 form (unit-declaration-2021) whose 年度主要任务 table has rows: for
the table-section tests of the model and the editor."""

from __future__ import annotations

from pathlib import Path

from perfdesk.cli import write_demo
from perfdesk.domain.model import Project, TableRow, blank_form
from perfdesk.formdefs import default_registry
from perfdesk.store import FileStore

UNIT = "某县水利局"
TASKS = [("河道综合治理", "完成3条县级河道清淤疏浚和护岸建设，新建生态护岸12公里，清淤土方约35万立方米", "1200.50"),
         ("农村饮水安全", "维修养护12处千吨万人供水工程", "350.00"),
         ("水旱灾害防御", "汛前检查、物资储备和应急演练", "86.20")]


def unit_file(path: Path, definition_id: str = "unit-declaration-2021", year: int = 2023) -> tuple[Path, str]:
    """The demo file at `path` plus a 部门整体 form with TASKS; returns (path, the form's id)."""
    write_demo(path)
    store = FileStore.open(path)
    try:
        ws = store.workspace
        with ws.step():
            project = ws.add_project(Project(UNIT))
            form = blank_form(ws, project, year, default_registry().get(definition_id))
            form.tables["tasks"] = [TableRow(cells={"name": n, "content": c, "amount": a}) for n, c, a in TASKS]
            ws.add_form(form)
    finally:
        store.close()
    return path, form.id


def disk_rows(path: Path, form_id: str, section: str = "tasks") -> list[tuple[str, dict]]:
    with FileStore.open(path, read_only=True) as reader:
        return [(r.id, dict(r.cells)) for r in reader.workspace.forms[form_id].tables.get(section, [])]


def rows_of(session, form_id: str, section: str = "tasks") -> list[tuple[str, dict]]:
    return [(r.id, dict(r.cells)) for r in session.workspace.forms[form_id].tables.get(section, [])]
