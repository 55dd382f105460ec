"""Benchmark of the edit path without a window (editor issue). Run by hand; prints figures.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_edit.py

From IndicatorTableModel.setData on a 60-row form to the re-scored and re-validated form,
with the change written through to the file on disk (goal for the whole path including
repaint: median ≤ 16 ms).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QCoreApplication  # noqa: E402

from bench_core import sixty_row_form  # noqa: E402
from perfdesk.editing.indicator_model import IndicatorTableModel  # noqa: E402
from perfdesk.editing.session import EditSession  # noqa: E402
from perfdesk.store import FileStore  # noqa: E402


def main() -> None:
    app = QCoreApplication([])  # noqa: F841
    ws, form = sixty_row_form()
    with tempfile.TemporaryDirectory() as tmp:
        store = FileStore.create(Path(tmp) / "bench.perfdesk")
        store.write_all(ws)
        session = EditSession(store)
        model = IndicatorTableModel(session)
        model.set_form(form.id)
        column = model.column_of("actual")
        samples = []
        for i in range(300):
            index = model.index(i % 60, column)
            start = time.perf_counter()
            assert model.setData(index, f"{50 + i * 0.1:.1f}%")
            session.analysis(form.id)  # what the totals bar and issue marks read
            samples.append((time.perf_counter() - start) * 1000)
        samples.sort()
        print(f"setData → written to disk, re-scored, re-validated (60 rows): median "
              f"{statistics.median(samples):.2f} ms, p95 {samples[int(len(samples) * 0.95)]:.2f} ms")
        session.close()


if __name__ == "__main__":
    main()
