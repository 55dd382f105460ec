"""Benchmark: paste 100 rows into the indicator table (Ctrl+V's path), and undo it.

    .venv/bin/python benchmarks/bench_paste.py              # xcb: $DISPLAY, else xvfb-run
    .venv/bin/python benchmarks/bench_paste.py --offscreen  # Qt's offscreen platform
    .venv/bin/python benchmarks/bench_paste.py --xvfb       # always under a fresh Xvfb
    options: --rounds N (default 7)

The window is the real MainWindow on a 60-row self-evaluation in a temporary .perfdesk file.
100 rows of tab-separated text (demo indicators, all editable columns, as Excel would put them
on the clipboard) go onto the clipboard; then `IndicatorView.paste_clipboard()` runs — the
function the table's Ctrl+V calls — which reads the clipboard and pastes as one undo step.
Two cases, interleaved in every round:
  A. selection at row 1, column 1: the 60 rows are overwritten and 40 rows are added;
  B. no selection: the 100 rows are appended below the last row.
Each paste is followed by its undo: `EditSession.undo()` when the session has one, else
`session.undo_stack.undo()`. Timed for each: until the call returned (the rows are in the file
then: checked with sqlite3 after every step, outside the timing) and until the window has
painted the result (any widget's paint event, counted by an application event filter; under
xcb followed by `QGuiApplication.sync()`). Goal: ≤ 100 ms each.

Settings, 最近打开 and the data folder are redirected to a temporary folder (see
bench_window.py: isolate()); the real user's data folder is checked to be unchanged.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_window import (  # noqa: E402
    RealUserFiles,
    add_platform_options,
    choose_platform,
    describe_machine,
    isolate,
    p95,
    settle,
    sixty_row_window,
    spread,
)

GOAL_MS = 100.0
PASTED_ROWS = 100


def paste_text(model, count: int) -> str:
    """`count` demo indicators as TSV in the model's column order (the 计算得分 column empty,
    as a copy from Excel of the same layout would have it)."""
    from perfdesk.demodata import build_workspace
    from perfdesk.domain.definition import FormKind
    from perfdesk.editing.clipboard import to_tsv
    from perfdesk.editing.indicator_model import NUMBER_COLUMNS, VALUE_COLUMNS, format_decimal

    seed = build_workspace()
    pool = [ind for form in seed.forms.values() if form.kind is FormKind.SELF_EVALUATION
            for ind in form.indicators]
    pool = pool[60:] + pool[:60]  # not the rows the 60-row form was made of
    rows = []
    for i in range(count):
        ind = pool[i % len(pool)]
        cells = []
        for key, _ in model.columns:
            if key in VALUE_COLUMNS:
                cells.append(getattr(ind, key).raw)
            elif key in NUMBER_COLUMNS:
                cells.append(format_decimal(getattr(ind, key)))
            elif key in ("level1", "level2", "reason"):
                cells.append(getattr(ind, key) or "")
            elif key == "level3":
                cells.append(f"{ind.level3}（粘贴{i + 1}）")
            else:  # computed score, grade: left blank
                cells.append("")
        rows.append(cells)
    return to_tsv(rows)


def app_paint_counter():
    from PySide6.QtCore import QEvent, QObject

    class AnyPaint(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.count = 0

        def eventFilter(self, watched, event) -> bool:
            if event.type() == QEvent.Type.Paint:
                self.count += 1
            return False

    return AnyPaint()


def run(rounds: int, tmp: Path) -> None:
    app, window, form = sixty_row_window(tmp, "bench-paste.perfdesk")
    from PySide6.QtGui import QGuiApplication

    session = window.session
    path = session.store.path
    model = window.editor.indicator_model
    view = window.editor.indicator_panel.view
    assert model.rowCount() == 60
    undo = getattr(session, "undo", None)
    undo_how = "EditSession.undo()" if callable(undo) else "session.undo_stack.undo()"
    if not callable(undo):
        undo = session.undo_stack.undo
    text = paste_text(model, PASTED_ROWS)
    counter = app_paint_counter()
    app.installEventFilter(counter)
    settle(app, counter, quiet_s=0.2)
    check = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    sync = QGuiApplication.platformName() == "xcb"

    def rows_in_file() -> int:
        return check.execute("SELECT count(*) FROM indicator WHERE form_id = ?", (form.id,)).fetchone()[0]

    def timed(action) -> tuple[float, float, float, bool, object]:
        settle(app, counter)
        cpu_start = time.process_time()
        start = time.perf_counter()
        result = action()
        returned = time.perf_counter()
        # The frame that shows the result comes from the event loop after the call; a paint
        # inside the call (a synchronous repaint() of some small widget) does not count.
        before = counter.count
        deadline = returned + 2.0
        while counter.count == before and time.perf_counter() < deadline:
            app.processEvents()
        painted = counter.count != before
        if sync:
            QGuiApplication.sync()
        done = time.perf_counter()
        cpu_ms = (time.process_time() - cpu_start) * 1e3
        return (returned - start) * 1e3, (done - start) * 1e3, cpu_ms, painted, result

    cases = {"A": (0, max(60, PASTED_ROWS)), "B": (None, 60 + PASTED_ROWS)}  # top row, rows after
    figures = {(case, what, step): [] for case in cases for what in ("paste", "undo")
               for step in ("call", "paint", "cpu")}
    problems: list[str] = []
    for r in range(rounds):
        order = ("A", "B") if r % 2 == 0 else ("B", "A")
        for case in order:
            top, expected = cases[case]
            if top is None:
                view.selectionModel().clear()
            else:
                view.select_cell(top, 0)
            QGuiApplication.clipboard().setText(text)
            call_ms, paint_ms, cpu_ms, painted, changed = timed(view.paste_clipboard)
            figures[(case, "paste", "call")].append(call_ms)
            figures[(case, "paste", "paint")].append(paint_ms)
            figures[(case, "paste", "cpu")].append(cpu_ms)
            if not changed or model.rowCount() != expected or rows_in_file() != expected or not painted:
                problems.append(f"round {r + 1} {case} paste: changed {changed}, rows {model.rowCount()}, "
                                f"in file {rows_in_file()}, painted {painted}")
            call_ms, paint_ms, cpu_ms, painted, _ = timed(undo)
            figures[(case, "undo", "call")].append(call_ms)
            figures[(case, "undo", "paint")].append(paint_ms)
            figures[(case, "undo", "cpu")].append(cpu_ms)
            if model.rowCount() != 60 or rows_in_file() != 60 or not painted:
                problems.append(f"round {r + 1} {case} undo: rows {model.rowCount()}, in file {rows_in_file()}, "
                                f"painted {painted}")
    check.close()

    described = {"A": "over rows 1–60, 40 rows added", "B": "appended below row 60"}
    print(f"\npaste of {PASTED_ROWS} rows through IndicatorView.paste_clipboard (Ctrl+V), undo by {undo_how}; "
          f"{rounds} rounds, cases interleaved; goal ≤ {GOAL_MS:.0f} ms each")
    for case in cases:
        print(f" case {case}: {described[case]}")
        for what in ("paste", "undo"):
            call, paint = figures[(case, what, "call")], figures[(case, what, "paint")]
            met = "MET" if statistics.median(paint) <= GOAL_MS else "NOT MET"
            print(f"   {what:5} → written (call returned) {spread(call, digits=1)}")
            print(f"   {what:5} → painted{' + X sync' if sync else ''}{'' if sync else '          '}    "
                  f"{spread(paint, digits=1)}  p95 {p95(paint):.1f}  → {met}")
            print(f"   {what:5}   CPU time of this process   {spread(figures[(case, what, 'cpu')], digits=1)}")
    if problems:
        print("PROBLEMS:\n  " + "\n  ".join(problems))
    else:
        print(" checks: every paste changed the rows on screen and in the file, every undo restored 60 rows "
              "in both, every step painted")
    window.close()
    app.processEvents()


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_platform_options(parser)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    real = RealUserFiles()
    qt_platform = choose_platform(args, str(Path(__file__).resolve()), argv)
    describe_machine(qt_platform)
    with tempfile.TemporaryDirectory(prefix="perfdesk-bench-") as tmp:
        isolate(Path(tmp))
        run(args.rounds, Path(tmp))
    real.report()


if __name__ == "__main__":
    main()
