"""Benchmark of the edit path without a window. Run by hand; prints figures, asserts nothing.

    .venv/bin/python benchmarks/bench_edit.py [--rounds N] [--edits N]

From IndicatorTableModel.setData on a 60-row form to the re-scored and re-validated form,
with the change written through to the file on disk. No view, so no data() calls and no
painting: this is the model's share of the edit → painted goal (median ≤ 16 ms for the whole
path, measured with the window in bench_window.py). Several rounds over all 60 rows; printed:
median, IQR, min–max of all edits, p95, and the median of each round (to see drift on a shared
machine). The data folder and settings point into a temporary folder (bench_window.isolate).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_window import RealUserFiles, describe_machine, enable_qt_test_mode, isolate, p95, spread  # noqa: E402


def run(rounds: int, edits: int, tmp: Path) -> None:
    enable_qt_test_mode()
    from PySide6.QtCore import QCoreApplication

    from bench_core import sixty_row_form
    from perfdesk.editing.indicator_model import IndicatorTableModel
    from perfdesk.editing.session import EditSession
    from perfdesk.store import FileStore

    app = QCoreApplication([sys.argv[0]])  # noqa: F841
    ws, form = sixty_row_form()
    store = FileStore.create(tmp / "bench.perfdesk")
    store.write_all(ws)
    session = EditSession(store)
    model = IndicatorTableModel(session)
    model.set_form(form.id)
    column = model.column_of("actual")
    for i in range(20):  # warm-up
        model.setData(model.index(i % 60, column), f"{30 + i * 0.01:.2f}%")
        session.analysis(form.id)
    samples, round_medians, serial = [], [], 0
    for r in range(rounds):
        this_round = []
        for e in range(edits):
            serial += 1
            index = model.index((e * 7 + r) % 60, column)
            start = time.perf_counter()
            assert model.setData(index, f"{50 + serial * 0.01:.2f}%")
            session.analysis(form.id)  # what the totals bar and issue marks read
            this_round.append((time.perf_counter() - start) * 1000)
        samples += this_round
        round_medians.append(statistics.median(this_round))
    print(f"setData → written to disk, re-scored, re-validated (60 rows, no view; {rounds} rounds × {edits}):")
    print(f"   {spread(samples)}  p95 {p95(samples):.2f}")
    print(f"   round medians (ms): {', '.join(f'{m:.2f}' for m in round_medians)}")
    session.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--edits", type=int, default=60, help="edits per round")
    args = parser.parse_args()
    real = RealUserFiles()
    describe_machine("offscreen (no window)")
    with tempfile.TemporaryDirectory(prefix="perfdesk-bench-") as tmp:
        isolate(Path(tmp))
        run(args.rounds, args.edits, Path(tmp))
    real.report()


if __name__ == "__main__":
    main()
