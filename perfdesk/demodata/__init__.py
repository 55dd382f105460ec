"""The built-in demo data: the published Shanghai forms (see SCHEMA.md), as a workspace.

Plain Python, no Qt. The JSON files are transcriptions of published forms; the same data
serves as the demo file and as the test fixtures.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from perfdesk.domain.definition import FormKind
from perfdesk.domain.model import Form, Indicator, Project, Unit, Workspace
from perfdesk.domain.overrides import PUBLISHED, keep_differing_scores
from perfdesk.domain.values import parse

# The demo's overrides carry a fixed time, so the demo file is the same whenever it is made.
PUBLISHED_AT = "2023-06-30T00:00:00"

DATA_DIR = Path(__file__).resolve().parent
BUNDLES = ("shanghai-2022-self-evaluation.json", "shanghai-2026-declaration.json")


def _dec(value) -> Decimal | None:
    if value is None or value == "":
        return None
    return Decimal(str(value))


def load_bundle(name: str) -> dict:
    with (DATA_DIR / name).open(encoding="utf-8") as handle:
        return json.load(handle, parse_float=Decimal)


def form_from_record(record: dict, project_id: str) -> Form:
    form = Form(
        project_id=project_id,
        kind=FormKind(record["kind"]),
        year=int(record["year"]),
        definition_id=record["definition"],
        fields={k: v for k, v in record.get("fields", {}).items() if v is not None},
        amounts={k: _dec(v) for k, v in record.get("amounts", {}).items()},
        budget_score=_dec(record.get("budget_score")),
        total=_dec(record.get("total")),
    )
    for row in record.get("indicators", []):
        form.indicators.append(Indicator(
            level1=row.get("level1", ""), level2=row.get("level2", ""), level3=row.get("level3", ""),
            target=parse(row.get("target", "")), actual=parse(row.get("actual", "")),
            weight=_dec(row.get("weight")), score=_dec(row.get("score")),
            reason=row.get("reason", "") or "", grade=row.get("grade"),
        ))
    return form


def build_workspace(bundles: tuple[str, ...] = BUNDLES, registry=None) -> Workspace:
    """All seed forms in one workspace; a project's forms of different years share its id.
    A published score stays as an override only where it differs from the rules' (the
    judgement rows), so the demo prints exactly what was published and still moves with edits."""
    from perfdesk.formdefs import default_registry

    registry = registry or default_registry()
    ws: Workspace | None = None
    for name in bundles:
        bundle = load_bundle(name)
        if ws is None:
            ws = Workspace(Unit(bundle["unit"]["name"], bundle["unit"]["department"]))
        for record in bundle["forms"]:
            project_name = record["fields"]["project_name"]
            project = ws.project_by_name(project_name) or ws.add_project(Project(project_name))
            form = form_from_record(record, project.id)
            keep_differing_scores(form, registry.get(form.definition_id), PUBLISHED, keep_total=True,
                                  at=PUBLISHED_AT)
            ws.add_form(form)
    assert ws is not None
    return ws
