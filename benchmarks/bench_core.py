"""Benchmarks of the core (issue: core). Run by hand; prints figures, asserts nothing.

    .venv/bin/python benchmarks/bench_core.py

1. Validation + scoring of one 60-indicator self-evaluation (goal: median ≤ 2 ms).
2. Opening and checking a generated file of N forms, N = 100, 1,000, 10,000
   (goal for 1,000: ≤ 1 s and ≤ 300 MB peak memory), each N in a fresh process so the peak
   resident memory is that of one open + check.
"""

from __future__ import annotations

import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from perfdesk.demodata import build_workspace  # noqa: E402
from perfdesk.domain.definition import FormKind  # noqa: E402
from perfdesk.domain.model import Form, Indicator, Project, Workspace  # noqa: E402
from perfdesk.domain.scoring import score_form  # noqa: E402
from perfdesk.domain.validation import validate_form, validate_workspace  # noqa: E402
from perfdesk.formdefs import default_registry  # noqa: E402
from perfdesk.store import FileStore  # noqa: E402


def sixty_row_form() -> tuple[Workspace, Form]:
    """A 60-row self-evaluation made of the seed rows, repeated and renamed."""
    seed = build_workspace()
    rows = [ind for form in seed.forms.values() if form.kind is FormKind.SELF_EVALUATION
            for ind in form.indicators][:60]
    source = next(iter(seed.forms.values()))
    ws = Workspace(seed.unit)
    project = ws.add_project(Project("基准项目"))
    form = Form(project_id=project.id, kind=FormKind.SELF_EVALUATION, year=2022,
                definition_id="sh-selfeval-2020", fields=dict(source.fields), amounts=dict(source.amounts),
                indicators=[Indicator(**{**ind.__dict__, "id": f"r{i}", "level3": f"{ind.level3}{i}"})
                            for i, ind in enumerate(rows)])
    ws.add_form(form)
    return ws, form


def bench_validate() -> None:
    ws, form = sixty_row_form()
    definition = default_registry().get(form.definition_id)
    for _ in range(50):  # warm up
        validate_form(form, definition, ws, score_form(form, definition))
    samples = []
    for _ in range(500):
        start = time.perf_counter()
        validate_form(form, definition, ws, score_form(form, definition))
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    print(f"validate + score, 60 rows: median {statistics.median(samples):.3f} ms, "
          f"p95 {samples[int(len(samples) * 0.95)]:.3f} ms (goal: median ≤ 2 ms)")


def make_file(path: Path, n_forms: int) -> None:
    seed = build_workspace()
    templates = list(seed.forms.values())
    ws = Workspace(seed.unit)
    for i in range(n_forms):
        template = templates[i % len(templates)]
        if i % 10 == 0 or not ws.projects:
            project = ws.add_project(Project(f"{seed.project_name(template)}-{i // 10}"))
        form = Form(project_id=project.id, kind=template.kind, year=template.year + (i % 10),
                    definition_id=template.definition_id, fields=dict(template.fields),
                    amounts=dict(template.amounts), budget_score=template.budget_score, total=template.total,
                    indicators=[Indicator(**{**ind.__dict__, "id": f"{i}-{j}"})
                                for j, ind in enumerate(template.indicators)])
        ws.forms[form.id] = form
    store = FileStore.create(path)
    store.write_all(ws)
    store.close()


def child_open_and_check(path: str) -> None:
    start = time.perf_counter()
    store = FileStore.open(Path(path), read_only=True)
    opened = time.perf_counter()
    registry = default_registry()
    results = validate_workspace(store.workspace, registry.get)
    done = time.perf_counter()
    issues = sum(len(r) for _, r in results)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{len(results)}\t{opened - start:.3f}\t{done - opened:.3f}\t{peak_mb:.0f}\t{issues}")


def bench_files() -> None:
    print("open + check a generated file (fresh process each; times in s, peak RSS of the process):")
    print(f"{'forms':>7} {'indicators':>10} {'file MB':>8} {'open':>7} {'check':>7} {'total':>7} {'peak MB':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in (100, 1000, 10000):
            path = Path(tmp) / f"bench-{n}.perfdesk"
            make_file(path, n)
            out = subprocess.run([sys.executable, __file__, "--child", str(path)], capture_output=True,
                                 text=True, check=True).stdout.strip().split("\t")
            forms, t_open, t_check, peak, _ = out
            import sqlite3
            rows = sqlite3.connect(path).execute("SELECT count(*) FROM indicator").fetchone()[0]
            total = float(t_open) + float(t_check)
            print(f"{forms:>7} {rows:>10} {path.stat().st_size / 1e6:>8.1f} {float(t_open):>7.3f} "
                  f"{float(t_check):>7.3f} {total:>7.3f} {float(peak):>8.0f}")
    print("(goal for 1,000 forms: ≤ 1 s and ≤ 300 MB)")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child_open_and_check(sys.argv[2])
        sys.exit(0)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")
    bench_validate()
    bench_files()
