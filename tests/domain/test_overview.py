"""年度总览: perfdesk/domain/overview.py — its figures are `perfdesk score`'s for every demo form."""

from __future__ import annotations

from decimal import Decimal

import pytest

from perfdesk.cli import score_payload
from perfdesk.domain import overview as ov
from perfdesk.domain import snapshot as snapshots
from perfdesk.domain.definition import FormKind
from perfdesk.domain.validation import Severity, validate_workspace

from ..conftest import form_named


@pytest.mark.parametrize("year", [2022, 2026])
def test_figures_equal_perfdesk_score_for_every_demo_form(demo_ws, registry, year):
    scores = {f["id"]: f for f in score_payload(demo_ws, registry)["forms"]}
    issues = {form.id: found for form, found in validate_workspace(demo_ws, registry.get)}
    overview = ov.build_overview(demo_ws, year, registry.get)
    seen = 0
    for line in overview.lines:
        for facts in line.forms():
            seen += 1
            data = scores[facts.form_id]
            found = issues[facts.form_id]
            assert facts.errors == sum(1 for i in found if i.severity is Severity.ERROR)
            assert facts.warnings == sum(1 for i in found if i.severity is Severity.WARNING)
            rows = sum(1 for row in data["indicators"] if row["overridden"])
            if facts.kind is FormKind.SELF_EVALUATION:
                assert line.total == Decimal(str(data["total"]))
                assert line.grade == data["grade"]
                assert line.budget_score == Decimal(str(data["budget_score"]))
                total_override = data["total_override"] is not None and data["total"] != data["computed_total"]
                assert facts.overrides >= rows and facts.overrides <= rows + 1 + int(total_override)
            else:
                assert facts.overrides == 0
    assert seen == sum(1 for f in demo_ws.forms.values() if f.year == year)


def test_year_totals(demo_ws, registry):
    overview = ov.build_overview(demo_ws, 2022, registry.get)
    totals = [line.total for line in overview.lines]
    assert overview.average_total == (sum(totals) / len(totals)).quantize(Decimal("0.01"))
    assert overview.funds_total == sum(line.funds for line in overview.lines)
    assert sum(overview.grades.values()) == len(overview.lines) == 14
    assert list(overview.grades)[:2] == ["优", "良"]  # the definition's order, best first
    line = overview.line(form_named(demo_ws, "补充日常经费", 2022).project_id)
    assert line.rate == Decimal("68.12") and line.total == Decimal("94.81")
    assert line.declaration is None and line.status(FormKind.DECLARATION) == ov.MISSING
    assert sum(count for _, count in overview.totals_distribution()) == 14


def test_status_follows_errors_and_finalising(demo_ws, registry):
    ws = demo_ws
    overview = ov.build_overview(ws, 2022, registry.get)
    statuses = {line.self_evaluation.status for line in overview.lines}
    assert statuses <= {ov.DRAFT, ov.ERRORS}
    for line in overview.lines:
        facts = line.self_evaluation
        assert (facts.status == ov.ERRORS) == (facts.errors > 0)
    form = form_named(ws, "补充日常经费", 2022)
    snapshots.finalise(ws, [form], registry.get, note="", year=2022, scope="project", at="2026-03-01T10:00:00")
    line = ov.build_overview(ws, 2022, registry.get).line(form.project_id)
    assert line.self_evaluation.status == ov.FINAL and line.self_evaluation.status_label == "已定稿"
    assert line.changed == "2026-03-01T10:00:00"


def test_declaration_year_uses_the_declared_annual_funds(demo_ws, registry):
    overview = ov.build_overview(demo_ws, 2026, registry.get)
    form = form_named(demo_ws, "补充日常经费", 2026)
    line = overview.line(form.project_id)
    assert line.funds == form.amount("total", "annual")
    assert line.total is None and overview.average_total is None


def test_payload_is_json_ready(demo_ws, registry):
    import json

    data = ov.overview_payload(ov.build_overview(demo_ws, 2022, registry.get))
    text = json.dumps(data, ensure_ascii=False)
    assert data["totals"]["projects"] == 14 and "补充日常经费" in text
