"""Benchmark of the navigator's filter on a big file. Run by hand; prints figures, asserts nothing.

    .venv/bin/python benchmarks/bench_navigator_filter.py [--forms 10000]

Builds a file of N forms as bench_scale.py does (in a temporary folder), opens the window
offscreen and times, each until processEvents returns:

- typing a project name into the filter, key by key (each key refilters the tree once the
  keys pause; here each key's refilter is timed on its own), and clearing it;
- choosing a year, a kind, both at once;
- 只看有错误的表 on a file none of whose forms was analysed yet: the time until the window
  is back to the user, the longest single slice of the status check (what a keystroke or a
  click may wait for while it runs), the last slice (which also shows the tree), and the
  total time until every form is checked;
- the same filter once more, with every analysis known.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_scale import isolate, make_file  # noqa: E402


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--forms", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        isolate(tmp)
        path = tmp / "big.perfdesk"
        make_file(path, args.forms)

        from PySide6.QtCore import QStandardPaths

        QStandardPaths.setTestModeEnabled(True)
        from perfdesk.app import create_application

        app = create_application()
        from perfdesk.ui.main_window import MainWindow

        window = MainWindow()
        window.resize(1400, 880)
        assert window.open_file(path)
        window.show()
        for _ in range(5):
            app.processEvents()
        nav = window.navigator
        session = window.session
        print(f"{len(session.workspace.forms)} forms, {len(session.workspace.projects)} projects")

        def timed(action) -> float:
            start = time.perf_counter()
            action()
            app.processEvents()
            return time.perf_counter() - start

        # typing: each key's refilter on its own (as after the typing pause)
        name = next(iter(session.workspace.projects.values())).name[:6]
        for i in range(1, len(name) + 1):
            nav.filter.text.setText(name[:i])
            took = timed(nav.apply_filter)
            print(f"name {name[:i]!r:<14} {ms(took)}  shows {nav.model.shown_forms} forms")
        print(f"clear                {ms(timed(nav.filter.clear))}  shows {nav.model.shown_forms} forms")

        year = session.workspace.years()[0]
        print(f"year {year}            {ms(timed(lambda: nav.filter.year.setCurrentIndex(nav.filter.year.findData(year))))}"
              f"  shows {nav.model.shown_forms} forms")
        print(f"+ kind 自评表        {ms(timed(lambda: nav.filter.kind.setCurrentIndex(2)))}"
              f"  shows {nav.model.shown_forms} forms")
        print(f"clear                {ms(timed(nav.filter.clear))}")

        # status: nothing analysed but what the window showed
        analysed = len(session._analysis)
        slices = []
        original = nav.checker._work

        def work():
            start = time.perf_counter()
            original()
            slices.append(time.perf_counter() - start)

        nav.checker.timer.timeout.disconnect(original)
        nav.checker.timer.timeout.connect(work)
        import gc

        full_collections = []  # Python's full (generation 2) collections while the check runs
        gc_started = {}

        def gc_watch(phase, info):
            if info["generation"] == 2:
                if phase == "start":
                    gc_started["t"] = time.perf_counter()
                else:
                    full_collections.append(time.perf_counter() - gc_started.pop("t", time.perf_counter()))

        gc.callbacks.append(gc_watch)
        start = time.perf_counter()
        nav.filter.status.setCurrentIndex(1)  # 有错误的表
        app.processEvents()
        first = time.perf_counter() - start
        while nav.checker.running:
            app.processEvents()
        total = time.perf_counter() - start
        print(f"有错误的表 ({analysed} forms analysed before): back to the user after {ms(first)}; "
              f"{len(slices)} slices of checking, the longest {ms(max(slices[:-1], default=0))}; "
              f"the last (checking and showing the tree) {ms(slices[-1])}; all done in {ms(total)};"
              f" shows {nav.model.shown_forms} forms")
        gc.callbacks.remove(gc_watch)
        slowest = sorted(range(len(slices) - 1), key=lambda i: -slices[i])[:3]
        print("   slowest slices (index: time):", ", ".join(f"{i}: {ms(slices[i]).strip()}" for i in slowest))
        print(f"   Python's full garbage collections meanwhile: {len(full_collections)}, "
              + ", ".join(ms(t).strip() for t in full_collections))
        print(f"clear                {ms(timed(nav.filter.clear))}")
        again = timed(lambda: nav.filter.status.setCurrentIndex(1))
        print(f"有错误的表 again      {ms(again)}  shows {nav.model.shown_forms} forms")
        print(f"clear                {ms(timed(nav.filter.clear))}")
        window.close()


if __name__ == "__main__":
    main()
