"""`perfdesk score --json` says which scores a person decided, why and when."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from decimal import Decimal

from perfdesk.cli import main, write_demo
from perfdesk.domain.model import OverrideNote
from perfdesk.store import FileStore


def score_json(path) -> dict:
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["score", str(path), "--json"]) == 0
    return json.loads(out.getvalue())


def test_overrides_are_reported_with_their_reasons(tmp_path):
    path = write_demo(tmp_path / "demo.perfdesk")
    forms = {(f["project"], f["year"]): f for f in score_json(path)["forms"]}
    daily = forms[("补充日常经费", 2022)]
    assert daily["total"] == daily["computed_total"] == 94.81 and daily["total_override"] is None
    row = next(r for r in daily["indicators"] if r["level3"] == "临时工社保公积金缴纳覆盖人数")
    assert row["score"] == 4 and row["computed"] == 5.29 and row["overridden"]
    assert row["override"] == {"score": 4, "reason": "发布表中的原值", "at": "2023-06-30T00:00:00", "computed": 5.29}
    plain = [r for r in daily["indicators"] if r["override"] is None and r["weight"]]
    assert plain and all(r["score"] == r["computed"] for r in plain)
    with FileStore.open(path) as store:
        ws = store.workspace
        form = next(f for f in ws.forms.values() if ws.project_name(f) == "补充日常经费" and f.year == 2022)
        with ws.step():
            ws.set_total(form.id, Decimal(90), OverrideNote("复核", "2026-12-01T09:00:00", Decimal("94.81")))
    daily = {(f["project"], f["year"]): f for f in score_json(path)["forms"]}[("补充日常经费", 2022)]
    assert daily["total"] == 90 and daily["computed_total"] == 94.81
    assert daily["total_override"] == {"score": 90, "reason": "复核", "at": "2026-12-01T09:00:00", "computed": 94.81}
