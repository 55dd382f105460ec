"""Benchmark: cold start to the first painted window, PerfDesk against a bare PySide6 window.

    .venv/bin/python benchmarks/bench_startup.py                    # offscreen, then xcb
    .venv/bin/python benchmarks/bench_startup.py --platform offscreen
    .venv/bin/python benchmarks/bench_startup.py --platform xcb     # $DISPLAY, else xvfb-run
    options: --rounds N (default 7; one more warm-up round is run first and not counted)

Each run is a whole new process (`python -c DRIVER`), timed from just before the parent starts
it (time.perf_counter() passed in $BENCH_T0; on Linux the clock is CLOCK_MONOTONIC, shared by
all processes) to the end of the first frame, printed by the child as `T_PAINT`:
  (a) bare: QApplication + one QTableWidget of 60×10 items ("1.1" … "60.10"), 1400×880;
  (b) PerfDesk: `perfdesk open DEMO` through `perfdesk.__main__.main`, the console script's
      own path (command line, QApplication with the CJK font and translator, crash handler, MainWindow, the demo
      file opened and its first form shown);
  (c) the floor: (a) plus the Qt classes PerfDesk uses and its CJK font (see FLOOR below);
  (d) a lower bound of (b): (c) plus PerfDesk's pure modules and the demo file read, with no
      PerfDesk window (see BOUND_START below). d/a over the goal means no window of PerfDesk's,
      however cheap, can meet it on this floor.
"First frame" = the first QEvent.Paint of the table (the QTableWidget, PerfDesk's indicator
table), then an event the filter posts (high priority), which Qt delivers once that paint pass
(the table, its viewport and the rest of the window are painted in one pass) and the flush of
the window's backing store are over; under xcb `QGuiApplication.sync()` then waits for the X
server. Until 2026-12 the end was a zero-timer started at that paint; it ran after any timer
the program had started earlier in the same pass, so work PerfDesk does right after its
first frame (perfdesk/ui/first_frame.py) was counted as if it came before it. Offscreen the
posted event is delivered before those timers. Under xcb the server exposes the window again
right after the first pass and the window is painted a second time; the event comes after
that second pass, and timers started in the first pass run before it, as they did before
the marker. The filter watches the table itself,
not its viewport: asking Qt's own viewport for its Python object makes PySide build the Python
classes of some 70 widget classes (15–20 ms) that a window not watched would never pay — the
bare window paid it up to 2026-12 and PerfDesk, which now makes its viewports in Python
(perfdesk/ui/viewports.py), would not. The
child then quits (PerfDesk after closing its window, so the file lock is released); the wall
time until the process exited is printed too. The driver's only hook into PerfDesk is a
wrapper around MainWindow.show that installs the paint filter; nothing under perfdesk/ knows
about it.
Rounds interleave the children, alternating a-c-d-b / b-d-c-a so slow drift of the shared machine hits all
alike; the figure against the goal is the median of the per-round ratios b/a (goal ≤ 1.5).
The OS file cache is warm (warm-up round): "cold" means a new process, not an empty disk cache.
The baseline draws ASCII digits with Qt's default font; PerfDesk also loads a CJK font.

Both children get a temporary PERFDESK_DATA_DIR, XDG_*, HOME (see bench_window.isolate) and
`QStandardPaths.setTestModeEnabled(True)`: the real settings and 最近打开 list are not touched.
xcb without $DISPLAY needs xvfb-run (apt-get install xvfb xauth); one Xvfb serves all rounds.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_window import (  # noqa: E402
    UNDER_XVFB,
    XVFB_SERVER_ARGS,
    RealUserFiles,
    describe_machine,
    isolate,
    spread,
)

GOAL_RATIO = 1.5

# Shared by every child: the start marker.
MARK = r'''
import os, sys, time
T0 = float(os.environ["BENCH_T0"])
print(f"T_MAIN {time.perf_counter() - T0:.6f}", flush=True)
'''

# Qt's test mode and the first-paint hook: the baselines run it first; PerfDesk's child runs it
# when PerfDesk's window module has been imported (its own start-up imports Qt when it chooses).
QT_HOOK = r'''
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QStandardPaths
QStandardPaths.setTestModeEnabled(True)


class FirstPaint(QObject):
    def __init__(self, target, finish):
        super().__init__(target)
        self.finish, self.seen = finish, False
        target.installEventFilter(self)

    def eventFilter(self, watched, event):
        if not self.seen and event.type() == QEvent.Type.Paint:
            self.seen = True
            # Delivered once this paint pass and the flush of the window are over, before any
            # timer the program started during the pass for its work after the first frame.
            # Priority 1 is Qt.HighEventPriority (the number: the Qt namespace's Python class
            # costs a bare window some 25 ms it would not otherwise pay).
            QCoreApplication.postEvent(self, QEvent(QEvent.Type.User), 1)
        return False

    def event(self, event):
        if event.type() == QEvent.Type.User:
            self.done()
            return True
        return super().event(event)

    def done(self):
        from PySide6.QtGui import QGuiApplication
        if QGuiApplication.platformName() == "xcb":
            QGuiApplication.sync()
        print(f"T_PAINT {time.perf_counter() - T0:.6f}", flush=True)
        if os.environ.get("BENCH_REPORT_QT"):
            report_qt()
        self.finish()


def report_qt():
    """The Qt classes PerfDesk's loaded modules hold, and the application font: what the
    like-for-like floor (c) touches and draws with."""
    names = set()
    for module_name, module in list(sys.modules.items()):
        if module_name.startswith("perfdesk") and module is not None:
            for value in vars(module).values():
                owner = getattr(value, "__module__", "") or ""
                if isinstance(value, type) and owner.startswith("PySide6.Qt"):
                    names.add(f"{owner}.{value.__name__}")
    from PySide6.QtWidgets import QApplication
    print("QT_NAMES " + ",".join(sorted(names)), flush=True)
    print("QT_FONT " + QApplication.instance().font().family(), flush=True)
'''

# The 60×10 table both baselines show, its cells "CELL".format(row, column).
TABLE = r'''
table = QTableWidget(60, 10)
for r in range(60):
    for c in range(10):
        table.setItem(r, c, QTableWidgetItem(CELL.format(r + 1, c + 1)))
table.resize(1400, 880)
FirstPaint(table, app.quit)
table.show()
sys.exit(app.exec())
'''

HOOK = MARK + QT_HOOK

BARE = HOOK + r'''
from PySide6.QtWidgets import QApplication, QTableWidget, QTableWidgetItem
app = QApplication(sys.argv[:1])
CELL = "{}.{}"
''' + TABLE

# (c) the floor any window built like PerfDesk's pays: (a), plus touching the same Qt classes
# (PySide6 builds each class and its enums on first use) and drawing Chinese text in the same
# CJK font. Names and font come from one PerfDesk run (report_qt).
FLOOR = HOOK + r'''
import importlib
names, family = sys.argv[1].split(","), sys.argv[2]
for name in names:
    module, _, attr = name.rpartition(".")
    getattr(importlib.import_module(module), attr)
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QTableWidget, QTableWidgetItem
app = QApplication(sys.argv[:1])
font = QFont(family)
font.setPointSizeF(max(app.font().pointSizeF(), 9.5))
app.setFont(font)
CELL = "产出指标{}·{}"
''' + TABLE

# (d) the floor (c) plus what PerfDesk must do before it can show the demo file, whatever its
# window: its pure modules imported as the `perfdesk` command imports them (collector off,
# compiled dataclass methods from the cache: perfdesk/__main__.py) and the file checked and
# read (FileStore.open). No PerfDesk widget, model or paint: a lower bound of (b).
BOUND_START = r'''
import gc
gc.disable()
from perfdesk import codecache
codecache.install()
import perfdesk.cli
'''
BOUND_OPEN = r'''
from pathlib import Path
from perfdesk.store import FileStore
store = FileStore.open(Path(sys.argv[3]))
'''
FLOOR_CELL = 'CELL = "产出指标{}·{}"\n'


def bound_code(hook: str, qt_hook: str) -> str:
    """(d) with the given start marker + Qt hook (the floor's HOOK is MARK + QT_HOOK)."""
    floor = FLOOR.replace(HOOK, hook, 1)
    assert floor.startswith(hook) and FLOOR_CELL in floor
    code = hook[:len(hook) - len(qt_hook)] + BOUND_START + qt_hook + floor[len(hook):]
    return code.replace(FLOOR_CELL, FLOOR_CELL + BOUND_OPEN, 1)


# (b) PerfDesk as the `perfdesk` console script starts it (`perfdesk.__main__.main`, with
# sys.argv as the script sees it). The hooks are attached after an import, not before, so that
# PerfDesk imports its modules and Qt in its own order: Qt's test mode as soon as QtCore is
# loaded, the first-paint hook once the window's module is.
PERFDESK = MARK + r'''
class AfterImport:
    """A meta-path entry that runs an action right after a named module has executed."""

    def __init__(self, actions):
        self.actions = actions

    def find_spec(self, name, path=None, target=None):
        action = self.actions.pop(name, None)
        if action is None:
            return None
        for finder in sys.meta_path:
            spec = None if finder is self else finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        run = spec.loader.exec_module

        def exec_module(module):
            run(module)
            action(module)

        spec.loader.exec_module = exec_module
        return spec


def on_qtcore(module):
    module.QStandardPaths.setTestModeEnabled(True)


def on_main_window(main_window):
    exec(QT_HOOK, globals())
    _show = main_window.MainWindow.show

    def show(self):
        def finish():
            self.close()
            from PySide6.QtWidgets import QApplication
            QApplication.instance().quit()
        target = self.editor.indicator_panel.view if self.editor is not None else self
        self._bench_first_paint = FirstPaint(target, finish)
        _show(self)

    main_window.MainWindow.show = show


QT_HOOK = sys.argv.pop(2)
sys.meta_path.insert(0, AfterImport({"PySide6.QtCore": on_qtcore,
                                     "perfdesk.ui.main_window": on_main_window}))
sys.argv = ["perfdesk", "open", sys.argv[1]]
from perfdesk.__main__ import main
sys.exit(main())
'''


def one_run(kind: str, env: dict[str, str], demo: Path, floor: tuple[str, str] | None = None) -> dict:
    if kind == "bare":
        args = [sys.executable, "-c", BARE]
    elif kind == "floor":
        args = [sys.executable, "-c", FLOOR, *floor]
    elif kind == "bound":
        args = [sys.executable, "-c", bound_code(HOOK, QT_HOOK), *floor, str(demo)]
    else:
        args = [sys.executable, "-c", PERFDESK, str(demo), QT_HOOK]
    env = dict(env)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    env["BENCH_T0"] = repr(start)
    result = subprocess.run(args, env=env, capture_output=True, text=True, encoding="utf-8", timeout=120)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime)
    marks: dict = {}
    for line in result.stdout.splitlines():
        name, _, value = line.partition(" ")
        if name in ("T_MAIN", "T_PAINT"):
            marks[name] = float(value)
        elif name in ("QT_NAMES", "QT_FONT"):
            marks[name] = value
    if result.returncode != 0 or "T_PAINT" not in marks:
        raise RuntimeError(f"{kind} run failed (exit {result.returncode}):\n{result.stdout}\n{result.stderr}")
    return {"main": marks["T_MAIN"], "paint": marks["T_PAINT"], "wall": wall, "cpu": cpu,
            "qt_names": marks.get("QT_NAMES", ""), "qt_font": marks.get("QT_FONT", "")}


KINDS = ("bare", "floor", "bound", "perfdesk")


def series(qt_platform: str, rounds: int, tmp: Path) -> None:
    from perfdesk.cli import write_demo

    demo = write_demo(tmp / "demo.perfdesk")
    env = dict(os.environ, QT_QPA_PLATFORM=qt_platform)
    env.pop("BENCH_T0", None)
    # An installed PerfDesk runs from byte-compiled modules (the installers compile them), as
    # PySide6 does from its wheel: a shell that sets PYTHONDONTWRITEBYTECODE would otherwise
    # make every PerfDesk run compile its sources again and measure that instead.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(__file__).resolve().parents[1] / "perfdesk")],
                   env=env, check=False)
    one_run("bare", env, demo)  # warm-up: file cache, .pyc files, fontconfig
    probe = one_run("perfdesk", dict(env, BENCH_REPORT_QT="1"), demo)
    floor = (probe["qt_names"], probe["qt_font"])
    one_run("floor", env, demo, floor)
    one_run("bound", env, demo, floor)
    runs: dict[str, list] = {kind: [] for kind in KINDS}
    ratios, floor_ratios, bound_ratios, over_floor, cpu_ratios = [], [], [], [], []
    for r in range(rounds):
        order = KINDS if r % 2 == 0 else tuple(reversed(KINDS))
        pair = {kind: one_run(kind, env, demo, floor) for kind in order}
        for kind in runs:
            runs[kind].append(pair[kind])
        ratios.append(pair["perfdesk"]["paint"] / pair["bare"]["paint"])
        floor_ratios.append(pair["floor"]["paint"] / pair["bare"]["paint"])
        bound_ratios.append(pair["bound"]["paint"] / pair["bare"]["paint"])
        over_floor.append(pair["perfdesk"]["paint"] - pair["floor"]["paint"])
        cpu_ratios.append(pair["perfdesk"]["cpu"] / pair["bare"]["cpu"])

    def column(kind: str, key: str) -> list[float]:
        return [run[key] for run in runs[kind]]

    met = "MET" if statistics.median(ratios) <= GOAL_RATIO else "NOT MET"
    print(f"\ncold start → first painted window, platform {qt_platform}, {rounds} rounds "
          f"(+1 warm-up), order alternating a-c-d-b / b-d-c-a:")
    print(f"  (a) bare PySide6 + 60×10 QTableWidget  {spread(column('bare', 'paint'), unit='s', digits=3)}")
    print(f"  (c) (a) + PerfDesk's {len(floor[0].split(','))} Qt classes + CJK font \"{floor[1]}\"  "
          f"{spread(column('floor', 'paint'), unit='s', digits=3)}")
    print(f"  (d) (c) + PerfDesk's pure modules + reading the file, no PerfDesk window  "
          f"{spread(column('bound', 'paint'), unit='s', digits=3)}")
    print(f"  (b) PerfDesk on the demo file          {spread(column('perfdesk', 'paint'), unit='s', digits=3)}")
    print(f"  paired ratio b/a                       {spread(ratios, unit='×', digits=2)}   "
          f"goal ≤ {GOAL_RATIO} → {met}")
    print(f"  paired ratio c/a (the floor's share)   {spread(floor_ratios, unit='×', digits=2)}")
    print(f"  paired ratio d/a (a lower bound of b)  {spread(bound_ratios, unit='×', digits=2)}")
    print(f"  PerfDesk's own time b − c              {spread([x * 1000 for x in over_floor], unit='ms', digits=0)}")
    print(f"  interpreter up (T_MAIN): a {statistics.median(column('bare', 'main')):.3f} s, "
          f"b {statistics.median(column('perfdesk', 'main')):.3f} s; "
          f"process wall time incl. exit: a {statistics.median(column('bare', 'wall')):.3f} s, "
          f"b {statistics.median(column('perfdesk', 'wall')):.3f} s (medians)")
    print(f"  CPU time of the whole child process (user+sys, incl. exit): a "
          f"{statistics.median(column('bare', 'cpu')):.3f} s, b {statistics.median(column('perfdesk', 'cpu')):.3f} s; "
          f"paired ratio b/a {spread(cpu_ratios, unit='×', digits=2)}")
    print(f"  per round b/a: {', '.join(f'{x:.2f}' for x in ratios)}")


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--platform", choices=("both", "offscreen", "xcb"), default="both")
    args = parser.parse_args(argv)
    real = RealUserFiles()
    xcb_here = bool(os.environ.get("DISPLAY"))
    if not os.environ.get(UNDER_XVFB):
        describe_machine()
    with tempfile.TemporaryDirectory(prefix="perfdesk-bench-") as tmp:
        saved = dict(os.environ)
        isolate(Path(tmp))
        if args.platform in ("both", "offscreen"):
            series("offscreen", args.rounds, Path(tmp))
        if args.platform in ("both", "xcb") and xcb_here:
            series("xcb", args.rounds, Path(tmp))
        os.environ.clear()
        os.environ.update(saved)
    if args.platform in ("both", "xcb") and not xcb_here:
        if shutil.which("xvfb-run") is None:
            print("\nxcb: skipped, no $DISPLAY and no xvfb-run (apt-get install xvfb xauth)")
        else:
            sys.stdout.flush()
            env = dict(os.environ, **{UNDER_XVFB: "1"})
            subprocess.run(["xvfb-run", "-a", "-s", XVFB_SERVER_ARGS, sys.executable, str(Path(__file__).resolve()),
                            "--platform", "xcb", "--rounds", str(args.rounds)], env=env, check=False)
    if not os.environ.get(UNDER_XVFB):
        real.report()


if __name__ == "__main__":
    main()
