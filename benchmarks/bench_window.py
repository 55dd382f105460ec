"""Benchmark of the editor window: one committed edit → painted, under a real X server.

    .venv/bin/python benchmarks/bench_window.py              # xcb: $DISPLAY, else xvfb-run
    .venv/bin/python benchmarks/bench_window.py --xvfb       # always under a fresh Xvfb
    .venv/bin/python benchmarks/bench_window.py --offscreen  # Qt's offscreen platform
    options: --rounds N (default 5), --edits N (edits per round, default 60)

What one sample is: `IndicatorTableModel.setData` on the 实际值 cell of a visible row of a
60-row self-evaluation (what the cell editor's commit calls) → the change written to the
.perfdesk file, the form re-scored and re-validated, then the event loop run until the table
viewport's paintEvent has run (an event filter counts QEvent.Paint on the viewport), and under
xcb `QGuiApplication.sync()` so the X server has the frame. Goal: median ≤ 16 ms.
Printed per edit: time until setData returned, until painted, until painted + X sync; and the
number of `data()` calls the indicator model and the funding model(s) answered for one edit
(counted in separate, untimed edits, so the counting wrapper costs nothing in the timings).
After every edit the benchmark reads the file with sqlite3 (outside the timing) to check the
new value is really there.

Real X server: with no $DISPLAY the script re-runs itself under
`xvfb-run -a -s "-screen 0 1920x1080x24"` with QT_QPA_PLATFORM=xcb. Xvfb is not installed by
scripts/setup.sh; on Debian, as root: `apt-get update && apt-get install -y xvfb xauth`.

The real user's files are never touched: before Qt starts, PERFDESK_DATA_DIR, XDG_DATA_HOME,
XDG_CONFIG_HOME, XDG_CACHE_HOME, XDG_RUNTIME_DIR and HOME point into a temporary folder and
`QStandardPaths.setTestModeEnabled(True)` is on; the script checks afterwards that the real
data folder (settings.ini with 最近打开) is unchanged and says so.

The helpers at the top (isolation, xvfb re-exec, spread) are shared by bench_paste.py and
bench_startup.py; they import no Qt. Cold start is in bench_startup.py.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

XVFB_SERVER_ARGS = "-screen 0 1920x1080x24"
UNDER_XVFB = "PERFDESK_BENCH_UNDER_XVFB"
GOAL_EDIT_MS = 16.0


# -- shared helpers (no Qt) -------------------------------------------------------------------
def add_platform_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--xvfb", action="store_true", help="run under a fresh Xvfb (xvfb-run), platform xcb")
    group.add_argument("--offscreen", action="store_true", help="Qt's offscreen platform, no X server")


def choose_platform(args, script: str, argv: list[str]) -> str:
    """'offscreen' or 'xcb'. Re-executes the script under xvfb-run when --xvfb is given, or
    when there is no $DISPLAY and xvfb-run exists; does not return in that case."""
    if args.offscreen:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        return "offscreen"
    if os.environ.get(UNDER_XVFB):
        os.environ["QT_QPA_PLATFORM"] = "xcb"
        return "xcb"
    if not args.xvfb and os.environ.get("DISPLAY"):
        os.environ["QT_QPA_PLATFORM"] = "xcb"
        return "xcb"
    if shutil.which("xvfb-run") is None:
        if args.xvfb:
            sys.exit("xvfb-run not found: apt-get update && apt-get install -y xvfb xauth")
        print("NOTE: no $DISPLAY and no xvfb-run: falling back to QT_QPA_PLATFORM=offscreen "
              "(install xvfb and xauth for the real-X figure)")
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        return "offscreen"
    sys.stdout.flush()
    env = dict(os.environ, **{UNDER_XVFB: "1", "QT_QPA_PLATFORM": "xcb"})
    command = ["xvfb-run", "-a", "-s", XVFB_SERVER_ARGS, sys.executable, script,
               *[a for a in argv if a != "--xvfb"]]
    os.execvpe("xvfb-run", command, env)
    raise AssertionError("unreachable")


def isolated_env(tmp: Path) -> dict[str, str]:
    """Every place PerfDesk or Qt could read or write the user's things, inside `tmp`
    (the same variables tests/conftest.py sets, plus HOME, the cache and runtime folders)."""
    env = {
        "PERFDESK_DATA_DIR": tmp / "userdata",
        "XDG_DATA_HOME": tmp / "xdg-data",
        "XDG_CONFIG_HOME": tmp / "xdg-config",
        "XDG_CACHE_HOME": tmp / "xdg-cache",
        "XDG_RUNTIME_DIR": tmp / "xdg-runtime",
        "HOME": tmp / "home",
    }
    for folder in env.values():
        folder.mkdir(parents=True, exist_ok=True)
    env["XDG_RUNTIME_DIR"].chmod(0o700)
    return {key: str(value) for key, value in env.items()}


def isolate(tmp: Path) -> dict[str, str]:
    """Point this process (and its children) at `tmp`; call before Qt or perfdesk.app loads."""
    env = isolated_env(tmp)
    os.environ.update(env)
    return env


def enable_qt_test_mode() -> None:
    from PySide6.QtCore import QStandardPaths

    QStandardPaths.setTestModeEnabled(True)


class RealUserFiles:
    """Snapshot of the real user's PerfDesk data folder (and Qt's test-mode folder), taken
    before isolating, to prove afterwards that a benchmark left them alone."""

    def __init__(self) -> None:
        home = Path(os.environ.get("HOME") or Path.home())
        data_home = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
        self.roots = [data_home / "PerfDesk", home / ".qttest"]
        if os.environ.get("PERFDESK_DATA_DIR"):
            self.roots.append(Path(os.environ["PERFDESK_DATA_DIR"]))
        self.before = self._snapshot()

    def _snapshot(self) -> dict[str, tuple[int, int]]:
        found: dict[str, tuple[int, int]] = {}
        for root in self.roots:
            if not root.exists():
                continue
            for path in [root, *root.rglob("*")]:
                try:
                    stat = path.stat()
                except OSError:
                    continue
                found[str(path)] = (stat.st_mtime_ns, stat.st_size)
        return found

    def report(self) -> bool:
        after = self._snapshot()
        changed = sorted(set(after) ^ set(self.before)
                         | {p for p in after if p in self.before and after[p] != self.before[p]})
        names = ", ".join(str(r) for r in self.roots)
        if changed:
            print(f"WARNING: the real user's files changed during the benchmark: {changed[:5]}")
        else:
            print(f"real user data untouched ({names}): yes")
        return not changed


def spread(samples: list[float], unit: str = "ms", digits: int = 2) -> str:
    """median, IQR and min–max of the samples."""
    ordered = sorted(samples)
    if len(ordered) >= 4:
        q1, _, q3 = statistics.quantiles(ordered, n=4)
    else:
        q1, q3 = ordered[0], ordered[-1]
    f = f".{digits}f"
    return (f"median {statistics.median(ordered):{f}} {unit}  IQR {q1:{f}}–{q3:{f}}  "
            f"min–max {ordered[0]:{f}}–{ordered[-1]:{f}}  (n={len(ordered)})")


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def describe_machine(qt_platform: str | None = None) -> None:
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "perfdesk"],
                               capture_output=True, text=True, timeout=10).stdout.split("\n")
        dirty = [line[3:] for line in dirty if line.strip()]
    except (OSError, subprocess.SubprocessError):
        head, dirty = "?", []
    try:
        load = "load %.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        load = ""
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {load}, Python {platform.python_version()}"
          + (f", Qt platform {qt_platform}" if qt_platform else ""))
    print(f"code: {head}" + (f" + uncommitted changes in {len(dirty)} file(s) under perfdesk/" if dirty
                             else " (perfdesk/ as committed)"))


# -- the edit → painted benchmark -------------------------------------------------------------
def _paint_counter():
    from PySide6.QtCore import QEvent, QObject

    class PaintCounter(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.count = 0
            self.last_at = 0.0  # perf_counter() when the latest paint event arrived

        def eventFilter(self, watched, event) -> bool:
            if event.type() == QEvent.Type.Paint:
                self.count += 1
                self.last_at = time.perf_counter()
            return False

    return PaintCounter()


def settle(app, counter, quiet_s: float = 0.03, limit_s: float = 2.0) -> None:
    """Run the event loop until no paint has happened for `quiet_s`."""
    last, quiet_since, start = counter.count, time.perf_counter(), time.perf_counter()
    while time.perf_counter() - start < limit_s:
        app.processEvents()
        now = time.perf_counter()
        if counter.count != last:
            last, quiet_since = counter.count, now
        elif now - quiet_since >= quiet_s:
            return
        time.sleep(0.001)


def wait_for_paint(app, counter, before: int, timeout_s: float = 2.0) -> bool:
    deadline = time.perf_counter() + timeout_s
    while counter.count == before:
        app.processEvents()
        if time.perf_counter() > deadline:
            return False
    return True


class DataCounter:
    """Counts data() calls on some model instances, by role; installed per instance as a bound
    method (shiboken sees instance attributes; a class attribute patched later it does not)."""

    def __init__(self, models) -> None:
        self.models = list(models)
        self.calls: dict[int, int] = {}

    def __enter__(self):
        import types

        for model in self.models:
            original = type(model).data
            calls = self.calls

            def counting(this, index, role=0, _original=original):
                calls[int(role)] = calls.get(int(role), 0) + 1
                return _original(this, index, role)

            model.data = types.MethodType(counting, model)
        return self

    def __exit__(self, *exc) -> None:
        for model in self.models:
            try:
                del model.data
            except AttributeError:
                pass

    @property
    def total(self) -> int:
        return sum(self.calls.values())


def role_name(role: int) -> str:
    from PySide6.QtCore import Qt

    from perfdesk.editing.indicator_model import Role

    try:
        return Role(role).name
    except ValueError:
        pass
    try:
        return Qt.ItemDataRole(role).name.replace("Role", "")
    except ValueError:
        return str(role)


def sixty_row_window(tmp: Path, name: str):
    """(app, window, form): the main window on a file of its own whose shown form has 60
    indicator rows, exposed on screen. Shared by the edit and the paste benchmarks."""
    enable_qt_test_mode()
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtTest import QTest

    from bench_core import sixty_row_form
    from perfdesk.app import create_application
    from perfdesk.store import FileStore
    from perfdesk.ui.main_window import MainWindow

    app = create_application([sys.argv[0]])
    print(f"Qt platform in use: {QGuiApplication.platformName()}")
    ws, form = sixty_row_form()
    path = tmp / name
    store = FileStore.create(path)
    store.write_all(ws)
    store.close()
    window = MainWindow()
    window.resize(1400, 880)
    assert window.open_file(path)
    window.show()
    window.navigator.select_form(form.id)
    window.show_form(form.id)
    if not QTest.qWaitForWindowExposed(window, 5000):
        print("WARNING: the window was not exposed within 5 s")
    return app, window, form


def edit_to_paint(rounds: int, edits: int, qt_platform: str, tmp: Path) -> None:
    app, window, form = sixty_row_window(tmp, "bench-60.perfdesk")
    from PySide6.QtGui import QGuiApplication

    path = window.session.store.path
    model = window.editor.indicator_model
    view = window.editor.indicator_panel.view
    funding_models = [m for _, m, _ in window.editor.funding]
    assert model.form_id == form.id and model.rowCount() == 60, (model.form_id, model.rowCount())
    counter = _paint_counter()
    view.viewport().installEventFilter(counter)
    settle(app, counter, quiet_s=0.2)
    column = model.column_of("actual")
    ids = [ind.id for ind in model.indicators]
    check = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    sync = QGuiApplication.platformName() == "xcb"

    def one_edit(row: int, value: str):
        index = model.index(row, column)
        view.scrollTo(index)  # the user edits a cell they can see
        view.setCurrentIndex(index)
        settle(app, counter)
        before = counter.count
        cpu_start = time.process_time()
        start = time.perf_counter()
        changed = model.setData(index, value)
        returned = time.perf_counter()
        painted_ok = wait_for_paint(app, counter, before)
        painted = time.perf_counter()
        began = counter.last_at if painted_ok else painted
        if sync:
            QGuiApplication.sync()
        synced = time.perf_counter()
        cpu = (time.process_time() - cpu_start) * 1e3
        return changed, painted_ok, ((returned - start) * 1e3, (began - start) * 1e3,
                                     (painted - start) * 1e3, (synced - start) * 1e3, cpu)

    set_ms, began_ms, paint_ms, sync_ms, cpu_ms, round_medians = [], [], [], [], [], []
    indicator_calls, funding_calls = [], []
    roles: dict[int, int] = {}
    misses = timeouts = refused = 0
    serial = 0
    for r in range(rounds):
        this_round = []
        for e in range(edits):
            serial += 1
            row = (e * 7 + r) % 60  # every row, in a scattered order
            value = f"{40 + serial * 0.01:.2f}%"
            changed, painted_ok, (t_set, t_began, t_paint, t_sync, t_cpu) = one_edit(row, value)
            refused += not changed
            timeouts += not painted_ok
            on_disk = check.execute("SELECT actual FROM indicator WHERE id = ?", (ids[row],)).fetchone()
            misses += on_disk is None or on_disk[0] != value
            set_ms.append(t_set)
            began_ms.append(t_began)
            paint_ms.append(t_paint)
            sync_ms.append(t_sync)
            cpu_ms.append(t_cpu)
            this_round.append(t_sync)
            # An untimed twin edit, with data() counted on the indicator and funding models.
            serial += 1
            with DataCounter([model]) as ind_count, DataCounter(funding_models) as fund_count:
                one_edit(row, f"{40 + serial * 0.01:.2f}%")
            indicator_calls.append(ind_count.total)
            funding_calls.append(fund_count.total)
            for role, n in ind_count.calls.items():
                roles[role] = roles.get(role, 0) + n
        round_medians.append(statistics.median(this_round))
    check.close()

    n = rounds * edits
    print(f"\n1. committed edit → file written, re-scored, re-validated, painted (60 rows, {rounds} rounds × "
          f"{edits} edits, platform {qt_platform}):")
    print(f"   setData returned         {spread(set_ms)}")
    print(f"   → table paint began      {spread(began_ms)}")
    print(f"   → table painted          {spread(paint_ms)}  p95 {p95(paint_ms):.2f}")
    label = "→ painted + X sync   " if sync else "→ painted (no X)     "
    print(f"   {label}    {spread(sync_ms)}  p95 {p95(sync_ms):.2f}   goal ≤ {GOAL_EDIT_MS:.0f} ms median "
          f"→ {'MET' if statistics.median(sync_ms) <= GOAL_EDIT_MS else 'NOT MET'}")
    print(f"   CPU time of this process for the same span (less sensitive to other load; the X server's "
          f"share not included): {spread(cpu_ms)}")
    print(f"   round medians (ms): {', '.join(f'{m:.2f}' for m in round_medians)}")
    print(f"   data() calls per edit: indicator model {spread(indicator_calls, unit='calls', digits=0)}")
    print(f"                          funding model(s) ({len(funding_models)}) "
          f"{spread(funding_calls, unit='calls', digits=0)}")
    top = sorted(roles.items(), key=lambda kv: -kv[1])[:8]
    print("   indicator data() calls per edit by role: "
          + ", ".join(f"{role_name(role)} {count / len(indicator_calls):.0f}" for role, count in top))
    print(f"   checks: value in the file after the edit {n - misses}/{n}; "
          f"paint seen {n - timeouts}/{n}; setData accepted {n - refused}/{n}")
    window.close()
    app.processEvents()


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_platform_options(parser)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--edits", type=int, default=60, help="edits per round")
    args = parser.parse_args(argv)
    real = RealUserFiles()
    qt_platform = choose_platform(args, str(Path(__file__).resolve()), argv)
    describe_machine(qt_platform)
    with tempfile.TemporaryDirectory(prefix="perfdesk-bench-") as tmp:
        isolate(Path(tmp))
        edit_to_paint(args.rounds, args.edits, qt_platform, Path(tmp))
    real.report()


if __name__ == "__main__":
    main()
