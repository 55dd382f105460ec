"""Benchmark of big files (scale issue). Run by hand; prints figures, asserts nothing.

    .venv/bin/python benchmarks/bench_scale.py [--rounds 5]

Builds, in a temporary folder, a file of 1,000 forms and one of 10,000 forms by copying the
25 demo forms under new ids (each copy of a demo project is a new project, so a project keeps
its declaration and self-evaluation). Then, over several interleaved rounds, each in a fresh
process:

1. `perfdesk check FILE` on 1,000 forms, the whole process: wall time and peak RSS
   (goal ≤ 1 s, ≤ 300 MB);
2. the window on 10,000 forms, built as perfdesk/app.py builds it, offscreen:
   open to painted (goal ≤ 3 s), one committed edit of an indicator cell through the
   indicator model until processEvents returns (goal ≤ 30 ms), and a switch to another form
   through the navigator until processEvents returns (goal ≤ 100 ms).

Nothing touches the user's data folder: PERFDESK_DATA_DIR and XDG_* point into the temporary
folder and Qt's standard paths are in test mode.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

EDITS_PER_ROUND = 15
SWITCHES_PER_ROUND = 15


def isolate(tmp: Path) -> None:
    """Every setting and data folder of this process and its children goes under `tmp`."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    os.environ["PERFDESK_DATA_DIR"] = str(tmp / "userdata")
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        os.environ[name] = str(tmp / name.lower())
    runtime = tmp / "xdg_runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    os.environ["XDG_RUNTIME_DIR"] = str(runtime)


# -- the files ---------------------------------------------------------------------------------
def make_file(path: Path, n_forms: int) -> None:
    """`n_forms` copies of the demo forms under new ids, written in one transaction."""
    from perfdesk.demodata import build_workspace
    from perfdesk.domain.model import Form, Indicator, Project, Workspace
    from perfdesk.store import FileStore

    seed = build_workspace()
    templates = list(seed.forms.values())
    ws = Workspace(seed.unit)
    forms: dict[str, Form] = {}
    copy = 0
    while len(forms) < n_forms:
        projects = {}
        for template in templates:
            if len(forms) >= n_forms:
                break
            project = projects.get(template.project_id)
            if project is None:
                project = Project(f"{seed.project_name(template)}-{copy:04d}", id=f"p{copy}-{template.project_id}")
                projects[template.project_id] = project
                ws.projects[project.id] = project
            fid = f"f{copy}-{template.id}"
            forms[fid] = Form(project_id=project.id, kind=template.kind, year=template.year,
                              definition_id=template.definition_id, id=fid, fields=dict(template.fields),
                              amounts=dict(template.amounts), budget_score=template.budget_score,
                              total=template.total,
                              indicators=[Indicator(**{**ind.__dict__, "id": f"{fid}-{j}"})
                                          for j, ind in enumerate(template.indicators)])
        copy += 1
    ws.forms = forms  # a whole new dict: the workspace indexes it (as a loader does)
    store = FileStore.create(path)
    store.write_all(ws)
    store.close()


# -- one child process: check -------------------------------------------------------------------
TIME = Path("/usr/bin/time")


def run_child(args: list[str], ok=(0,)) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MB and stdout of one child process.

    The peak is the child's own: /usr/bin/time (a small process) starts it, so the pages of
    this process, which a fork shares with the child until it execs, are never counted.
    Without /usr/bin/time, getrusage(RUSAGE_CHILDREN) is used: the largest child so far
    (this process stays small: the files are built in a child of their own).
    """
    report = None
    if TIME.exists():
        fd, report = tempfile.mkstemp(suffix=".time")
        os.close(fd)
        args = [str(TIME), "-q", "-f", "%M", "-o", report, *args]
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    if proc.returncode not in ok:
        raise RuntimeError(f"{args} exited {proc.returncode}: {err.decode('utf-8', 'replace')[-2000:]}")
    if report is not None:
        text = Path(report).read_text().strip().splitlines()
        Path(report).unlink()
        rss_kb = float(text[-1])
    else:  # pragma: no cover - machines without GNU time
        rss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, rss_kb / 1024, out.decode("utf-8", "replace")


def check_round(path: Path) -> tuple[float, float]:
    wall, rss, _ = run_child([sys.executable, "-m", "perfdesk.cli", "check", str(path)],
                               ok=(0, 1))  # 1: some form has errors, a result, not a failure
    return wall, rss


def window_round(path: Path) -> dict:
    wall, rss, out = run_child([sys.executable, str(Path(__file__).resolve()), "--window-child", str(path)])
    result = json.loads(out.strip().splitlines()[-1])
    result["rss_mb"] = rss
    result["process_s"] = wall
    return result


# -- the window, inside the child ----------------------------------------------------------------
def window_child(path: Path) -> None:
    import gc

    gc.disable()  # as the `perfdesk` command starts (perfdesk/__main__.py) …
    from PySide6.QtCore import QEvent, QObject, QStandardPaths, Qt

    QStandardPaths.setTestModeEnabled(True)

    from perfdesk.app import create_application

    app = create_application()
    from perfdesk.ui.main_window import MainWindow

    class PaintSpy(QObject):
        def __init__(self):
            super().__init__()
            self.painted: set[str] = set()
            self.watch: dict[int, str] = {}

        def eventFilter(self, obj, event):  # noqa: N802 - Qt's name
            if event.type() == QEvent.Type.Paint:
                name = self.watch.get(id(obj))
                if name:
                    self.painted.add(name)
            return False

    spy = PaintSpy()
    app.installEventFilter(spy)

    start = time.perf_counter()
    window = MainWindow()
    window.resize(1400, 880)
    assert window.open_file(path)
    opened = time.perf_counter()
    window.show()
    # The first frame the user sees: the navigator and the indicator table both drawn.
    spy.watch = {id(window.navigator.tree.viewport()): "navigator",
                 id(window.editor.indicator_panel.view.viewport()): "table"}
    deadline = time.perf_counter() + 120
    while spy.painted != {"navigator", "table"} and time.perf_counter() < deadline:
        app.processEvents()
    painted = time.perf_counter()
    app.removeEventFilter(spy)
    from perfdesk.__main__ import resume_collector

    resume_collector()  # … and as the window does after its first frame (perfdesk/app.py)

    ws = window.session.workspace
    # Forms to switch to: self-evaluations spread through the file, never shown before.
    self_evals = [f.id for f in ws.forms.values() if f.kind.value == "self-evaluation"]
    step = max(1, len(self_evals) // (SWITCHES_PER_ROUND + 1))
    targets = self_evals[step::step][:SWITCHES_PER_ROUND]
    switches = []
    for form_id in targets:
        t0 = time.perf_counter()
        window.navigator.select_form(form_id)
        app.processEvents()
        switches.append((time.perf_counter() - t0) * 1000)
        assert window.editor.form_id == form_id, "the switch did not show the form"

    model = window.editor.indicator_model
    column = model.column_of("actual")
    rows = model.rowCount()
    edits = []
    for i in range(EDITS_PER_ROUND):
        index = model.index(i % rows, column)
        text = f"{50 + i * 0.7:.1f}%"
        if index.data(Qt.ItemDataRole.EditRole) == text:  # a later round on the same file
            text = f"{51 + i * 0.7:.1f}%"
        t0 = time.perf_counter()
        assert model.setData(index, text), "the edit was refused"
        app.processEvents()
        edits.append((time.perf_counter() - t0) * 1000)

    print(json.dumps({
        "forms": len(ws.forms),
        "open_s": opened - start,
        "open_to_painted_s": painted - start,
        "switch_ms": switches,
        "edit_ms": edits,
    }))
    window.close()


# -- report ------------------------------------------------------------------------------------
def spread(values: list[float], unit: str, digits: int = 2) -> str:
    med = statistics.median(values)
    return (f"median {med:.{digits}f} {unit} (min {min(values):.{digits}f}, "
            f"max {max(values):.{digits}f}, n={len(values)})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--window-child")
    parser.add_argument("--build", nargs=2, metavar=("PATH", "N"))
    args = parser.parse_args()
    if args.build:
        make_file(Path(args.build[0]), int(args.build[1]))
        return
    if args.window_child:
        window_child(Path(args.window_child))
        return

    import PySide6

    from perfdesk.store.file import FileStore

    loader = "read_workspace" if "read_workspace" in inspect.getsource(FileStore) else "parse() per value"
    print(f"Machine: {platform.machine()}, nproc {os.cpu_count()}, Python {platform.python_version()}, "
          f"PySide6 {PySide6.__version__}; FileStore loads with {loader}")
    with tempfile.TemporaryDirectory(prefix="perfdesk-bench-") as tmp_name:
        tmp = Path(tmp_name)
        isolate(tmp)
        small, big = tmp / "f1000.perfdesk", tmp / "f10000.perfdesk"
        for path, n in ((small, 1000), (big, 10000)):
            t0 = time.perf_counter()
            # In a child, so this process stays small (see run_child).
            subprocess.run([sys.executable, str(Path(__file__).resolve()), "--build", str(path), str(n)], check=True)
            print(f"built {path.name}: {n} forms, {path.stat().st_size / 1e6:.1f} MB, "
                  f"{time.perf_counter() - t0:.1f} s")

        checks, windows = [], []
        for r in range(args.rounds):
            checks.append(check_round(small))
            windows.append(window_round(big))
            c, w = checks[-1], windows[-1]
            print(f"round {r + 1}: check {c[0]:.2f} s {c[1]:.0f} MB | open→painted {w['open_to_painted_s']:.2f} s, "
                  f"edit median {statistics.median(w['edit_ms']):.1f} ms, "
                  f"switch median {statistics.median(w['switch_ms']):.1f} ms max {max(w['switch_ms']):.0f} ms",
                  flush=True)

    print()
    print(f"perfdesk check, 1,000 forms, whole process   wall {spread([c[0] for c in checks], 's')}   goal ≤ 1 s")
    print(f"                                             peak RSS {spread([c[1] for c in checks], 'MB', 0)}"
          f"   goal ≤ 300 MB")
    print(f"window, 10,000 forms: open to painted         {spread([w['open_to_painted_s'] for w in windows], 's')}"
          f"   goal ≤ 3 s")
    print(f"                      (of which open_file     {spread([w['open_s'] for w in windows], 's')})")
    edits = [x for w in windows for x in w["edit_ms"]]
    print(f"                      one committed edit      {spread(edits, 'ms', 1)}   goal ≤ 30 ms")
    switches = [x for w in windows for x in w["switch_ms"]]
    print(f"                      form switch             {spread(switches, 'ms', 1)}   goal ≤ 100 ms")
    print(f"                      window process peak RSS {spread([w['rss_mb'] for w in windows], 'MB', 0)}")


if __name__ == "__main__":
    main()
