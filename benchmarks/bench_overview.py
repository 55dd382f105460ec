"""Benchmarks of the 年度总览 and 定稿 (issue 17). Run by hand; prints figures, asserts nothing.

    .venv/bin/python benchmarks/bench_overview.py [--rounds 7]

1. The overview of one year in a file of 1,000 forms (the demo's 25 forms copied 40 times:
   560 self-evaluations of 2022, 440 declarations of 2026), shown in the main window offscreen
   and painted (`repaint()` of the view, table and charts included): goal ≤ 200 ms.
   Measured "cold" (the session's analyses dropped first, as after opening the file: the first
   paint shows every form's amounts and 执行率; 总分, 等级 and the checks follow in slices of
   30 ms between paints, and the time until they are all shown is printed too)
   and "warm" (a refresh after an edit: the analyses are cached), interleaved, both years.
2. The size of a year's snapshot against the size of that year's forms in the file (the file
   after VACUUM with and without those forms): goal: a snapshot adds no more than about the
   size of the year's forms.
3. A diff of two 60-row forms (value changes, a moved row, an added row, a score override),
   scores of both sides included: goal ≤ 20 ms.

Rounds are interleaved (1, 3, 1, 3, …) so a slow moment of the machine spreads over all
figures. Everything is written in a temporary folder; PERFDESK_DATA_DIR and XDG_* point
into it, so the user's settings are never touched.
"""

from __future__ import annotations

import argparse
import copy
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def isolate(tmp: Path) -> None:
    os.environ["QT_QPA_PLATFORM"] = os.environ.get("QT_QPA_PLATFORM", "offscreen")
    os.environ["PERFDESK_DATA_DIR"] = str(tmp / "userdata")
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        os.environ[name] = str(tmp / name.lower())
    runtime = tmp / "xdg_runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    os.environ["XDG_RUNTIME_DIR"] = str(runtime)


def spread(values: list[float], unit: str = "ms", digits: int = 1) -> str:
    return (f"median {statistics.median(values):.{digits}f} {unit} (min {min(values):.{digits}f}, "
            f"max {max(values):.{digits}f}, n={len(values)})")


# -- 1. the overview in the window -------------------------------------------------------------
class OverviewBench:
    def __init__(self, path: Path):
        from PySide6.QtTest import QTest

        from perfdesk.app import create_application
        from perfdesk.ui.main_window import MainWindow

        self.app = create_application([sys.argv[0]])
        self.window = MainWindow()
        self.window.resize(1400, 880)
        assert self.window.open_file(path)
        self.window.show()
        QTest.qWaitForWindowExposed(self.window, 5000)
        self.app.processEvents()
        self.first = None

    def show(self, year: int, cold: bool) -> tuple[float, float]:
        """(ms to the overview painted, ms until every form of the year is checked too)."""
        window = self.window
        if cold:
            window.session._analysis.clear()
            if window.overview is not None:
                window.overview._checked.clear()
        window.show_form(window.editor.form_id)  # the form first, so showing the overview is a switch
        self.app.processEvents()
        start = time.perf_counter()
        view = window.show_overview(year)
        view.repaint()
        painted = (time.perf_counter() - start) * 1000
        while not view.complete:  # the checks run in slices between paints
            self.app.processEvents()
        view.repaint()
        complete = (time.perf_counter() - start) * 1000
        if self.first is None:
            self.first = (painted, view.model.rowCount())
        return painted, complete


def bench_overview(path: Path, rounds: int) -> dict[str, list[float]]:
    bench = OverviewBench(path)
    samples: dict[str, list[float]] = {}
    bench.show(2022, cold=True)  # imports the overview modules once (not part of a round)
    print(f"  first show (imports the overview and chart modules): {bench.first[0]:.0f} ms, "
          f"{bench.first[1]} projects")
    for _ in range(rounds):
        for year in (2022, 2026):
            for cold in (True, False):
                key = f"{year} {'cold' if cold else 'warm'}"
                painted, complete = bench.show(year, cold)
                samples.setdefault(f"{key}, painted", []).append(painted)
                if cold:
                    samples.setdefault(f"{key}, every form checked", []).append(complete)
    return samples


# -- 2. snapshot size --------------------------------------------------------------------------
def file_size_after_vacuum(path: Path) -> int:
    conn = sqlite3.connect(path)
    conn.execute("VACUUM")
    conn.close()
    return path.stat().st_size


def bench_size(source: Path, tmp: Path, year: int) -> None:
    import shutil

    from perfdesk.domain import snapshot as snapshots
    from perfdesk.formdefs import default_registry
    from perfdesk.store import FileStore

    registry = default_registry()
    whole = tmp / "size-whole.perfdesk"
    shutil.copy(source, whole)
    base = file_size_after_vacuum(whole)
    without = tmp / "size-without.perfdesk"
    shutil.copy(source, without)
    conn = sqlite3.connect(without)
    conn.execute("PRAGMA foreign_keys = ON")
    n_forms = conn.execute("SELECT count(*) FROM form WHERE year = ?", (year,)).fetchone()[0]
    conn.execute("DELETE FROM form WHERE year = ?", (year,))
    conn.commit()
    conn.close()
    forms_size = base - file_size_after_vacuum(without)
    with FileStore.open(whole) as store:
        ws = store.workspace
        start = time.perf_counter()
        with ws.step():
            snap = snapshots.finalise(ws, snapshots.forms_to_finalise(ws, year), registry.get, note="基准",
                                      year=year, scope="year")
        took = (time.perf_counter() - start) * 1000
    grown = file_size_after_vacuum(whole) - base
    print(f"  {year}: {n_forms} forms take {forms_size / 1024:.0f} KB of the file; the snapshot blob is "
          f"{snap.size / 1024:.0f} KB ({snap.size / forms_size:.0%} of the forms), the file grew by "
          f"{grown / 1024:.0f} KB ({grown / forms_size:.0%}) — goal ≤ about 100 %; finalise took {took:.0f} ms")


# -- 3. diff of two 60-row forms ---------------------------------------------------------------
def bench_diff(rounds: int) -> list[float]:
    from bench_core import sixty_row_form

    from perfdesk.domain import diff
    from perfdesk.domain.model import Indicator
    from perfdesk.domain.snapshot import score_summary
    from perfdesk.domain.values import parse
    from perfdesk.formdefs import default_registry

    ws, form = sixty_row_form()
    definition = default_registry().get(form.definition_id)
    old = copy.deepcopy(form)
    new = form
    ws.set_indicator(new.id, new.indicators[5].id, "actual", "12%")
    ws.set_indicator(new.id, new.indicators[20].id, "target", "≥99%")
    ws.set_indicator(new.id, new.indicators[30].id, "score", Decimal(1))
    ws.move_indicator(new.id, new.indicators[0].id, 40)
    ws.insert_indicator(new.id, 10, Indicator(level1="产出指标", level2="数量指标", level3="新增",
                                              target=parse("≥1项"), weight=Decimal(1)))
    samples = []
    for _ in range(20):  # warm up
        diff.diff_forms(old, new, score_summary(old, definition), score_summary(new, definition), definition=definition)
    changes = []
    for _ in range(rounds):
        start = time.perf_counter()
        changes = diff.diff_forms(old, new, score_summary(old, definition), score_summary(new, definition),
                                  definition=definition)
        samples.append((time.perf_counter() - start) * 1000)
    kinds = sorted({c.kind for c in changes})
    print(f"  {len(old.indicators)} → {len(new.indicators)} rows, {len(changes)} changes ({', '.join(kinds)})")
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="perfdesk-bench-overview-") as folder:
        tmp = Path(folder)
        isolate(tmp)
        from bench_scale import make_file

        print(f"Python {platform.python_version()} on {platform.platform()}, {os.cpu_count()} CPUs")
        path = tmp / "1000.perfdesk"
        make_file(path, 1000)
        print(f"file of 1,000 forms: {path.stat().st_size / 1024 / 1024:.1f} MB")
        print("1. overview shown and painted (goal ≤ 200 ms):")
        diff_samples: list[float] = []
        overview: dict[str, list[float]] = {}
        # Interleave: each round shows every year cold and warm, then runs a batch of diffs.
        overview = bench_overview(path, args.rounds)
        for _ in range(args.rounds):
            diff_samples += bench_diff(50)
        for key, values in overview.items():
            print(f"  {key}: {spread(values)}")
        print("2. snapshot size (goal: a snapshot adds no more than about the size of the year's forms):")
        bench_size(path, tmp, 2022)
        bench_size(path, tmp, 2026)
        print(f"3. diff of two 60-row forms with scores (goal ≤ 20 ms): {spread(diff_samples, digits=2)}")


if __name__ == "__main__":
    main()
