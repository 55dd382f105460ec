"""Benchmark: cold start to the first painted window counted in CPU instructions, not seconds.

    .venv/bin/python benchmarks/bench_startup_ir.py      # needs valgrind (apt-get install valgrind)

The three children of benchmarks/bench_startup.py — (a) a bare PySide6 window with one 60×10
table, (c) that plus PerfDesk's Qt classes and CJK font, (b) `perfdesk open DEMO` through
`perfdesk.__main__.main` — and (d), the floor (c) plus PerfDesk's pure modules and the reading
of the demo file with no PerfDesk window (a lower bound of (b): what any window of PerfDesk's
must do before it can show the file) — each run once under valgrind's callgrind, which counts the
instructions executed up to the end of the first frame (the child marks that moment; callgrind
writes its count there). Unlike wall time on a shared machine, the count barely moves from run to run
(a fraction of a percent), so a change to start-up shows here even when bench_startup.py's
spread hides it. It is a proxy: it does not see waiting (disk, X server) and weighs all
instructions alike. The goal of the issue is the wall-time ratio of bench_startup.py; this
prints the instruction ratio b/a beside the same goal for orientation.

Offscreen platform; the children run in a temporary HOME / PERFDESK_DATA_DIR (as in
bench_startup.py), with one untimed PerfDesk run first, so the file cache, the .pyc files and
PerfDesk's own caches (parsed definitions, compiled dataclass methods) are warm as on a
user's second start.

    .venv/bin/python benchmarks/bench_startup_ir.py --phases

splits the counts of (a) and (b) into the phases of their start, so that a change can be aimed
where the instructions go: the children mark each phase's end with the same os.getppid() call,
callgrind writes one count per phase. PerfDesk's phases are marked from the driver (after a
module has been imported, after a function returned); nothing under perfdesk/ knows about it.
A phase includes the Python classes of the Qt types it is the first to use.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_startup as cold  # noqa: E402
from bench_window import RealUserFiles, describe_machine, isolate  # noqa: E402

# The first-frame marker: callgrind is told to write its count when os.getppid is first called
# (--dump-before), which the children do once, at the end of the first frame.
MARK = 'os.getppid(); print(f"T_PAINT'
assert 'print(f"T_PAINT' in cold.QT_HOOK
QT_HOOK = cold.QT_HOOK.replace('print(f"T_PAINT', MARK, 1)
HOOK = cold.MARK + QT_HOOK


def children(demo: Path, floor: tuple[str, str]) -> dict[str, list[str]]:
    bare = cold.BARE.replace(cold.HOOK, HOOK, 1)
    floor_code = cold.FLOOR.replace(cold.HOOK, HOOK, 1)
    bound = cold.bound_code(HOOK, QT_HOOK)
    return {
        "bare": [sys.executable, "-c", bare],
        "floor": [sys.executable, "-c", floor_code, *floor],
        "bound": [sys.executable, "-c", bound, *floor, str(demo)],
        "perfdesk": [sys.executable, "-c", cold.PERFDESK, str(demo), QT_HOOK],
    }


def callgrind(args: list[str], env: dict[str, str], out: Path) -> subprocess.CompletedProcess:
    """Run a child under callgrind; it writes one count (out.1, out.2, …) at each os.getppid()."""
    for old in out.parent.glob(out.name + "*"):
        old.unlink()
    return subprocess.run(["valgrind", "--tool=callgrind", "--dump-before=os_getppid*", f"--callgrind-out-file={out}",
                           *args], env=env, capture_output=True, text=True, encoding="utf-8", timeout=900, check=True)


def dumped(out: Path, number: int) -> int:
    """The instructions counted in callgrind's `number`th dump."""
    dump = out.parent / f"{out.name}.{number}"
    text = dump.read_text(encoding="utf-8", errors="replace")
    match = re.search(r"^(?:summary|totals):\s*(\d+)", text, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"no count in {dump}")
    return int(match.group(1))


def count(args: list[str], env: dict[str, str], out: Path) -> int:
    """Instructions up to the first frame: the count of the first dump callgrind writes."""
    callgrind(args, env, out)
    return dumped(out, 1)


# --phases: where the instructions of each start go. A phase ends where its child calls
# os.getppid() (each call makes callgrind write the count since the previous one) and prints
# "PHASE <label>".
PHASE = r'''
def _phase(label):
    os.getppid()
    print("PHASE " + label, flush=True)
_phase("Python 启动（解释器与 site）")
'''
FIRST_FRAME = "首帧绘制（到第一帧结束）"
BARE_PHASES = (  # (a line of the bare child, the phase that ends after it)
    ("QStandardPaths.setTestModeEnabled(True)\n", "导入 PySide6.QtCore"),
    ("from PySide6.QtWidgets import QApplication, QTableWidget, QTableWidgetItem\n", "导入 QtGui / QtWidgets"),
    ("app = QApplication(sys.argv[:1])\n", "QApplication"),
    ("table.resize(1400, 880)\n", "60×10 表格与条目"),
)
# PerfDesk's child: the phases end after a module has been imported or a call returned.
PERFDESK_PHASES = r'''
def _wrap(owner, name, label):
    raw = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)
    call = getattr(owner, name)

    def wrapper(*args, **kwargs):
        try:
            return call(*args, **kwargs)
        finally:
            _phase(label)
    setattr(owner, name, staticmethod(wrapper) if isinstance(raw, classmethod) else wrapper)


def _after_app(module):
    _phase("导入 PySide6 与 perfdesk.app")
    _wrap(module, "create_application", "QApplication、中文字体与译文")
    _wrap(module, "install_crash_handler", "崩溃处理")


def _after_store(module):
    _wrap(module.FileStore, "open", "打开文件：检查并读入（FileStore.open）")


def _after_window(module):
    _phase("导入窗口模块及其 Qt 类")
    _wrap(module.MainWindow, "__init__", "MainWindow()：停靠区、菜单、工具栏、上次的布局")
    _wrap(module.MainWindow, "_install", "显示表单：编辑区、导航、问题面板（含 EditSession）")
    _wrap(module.MainWindow, "show", "show()：样式与布局")


PHASE_ACTIONS = {"perfdesk.cli": lambda module: _phase("导入 PerfDesk 的纯 Python 模块（perfdesk.cli 及其依赖）"),
                 "perfdesk.app": _after_app, "perfdesk.store.file": _after_store}
'''


def _insert_after(code: str, anchor: str, text: str) -> str:
    if anchor not in code:
        raise RuntimeError(f"the child's code changed: no {anchor!r}")
    return code.replace(anchor, anchor + text, 1)


def phase_children(demo: Path) -> dict[str, list[str]]:
    """The bare and PerfDesk children with their phases marked."""
    hook = QT_HOOK.replace(MARK, f'_phase("{FIRST_FRAME}"); print(f"T_PAINT', 1)
    bare = cold.MARK + PHASE + hook + cold.BARE[len(cold.HOOK):]
    for anchor, label in BARE_PHASES:
        bare = _insert_after(bare, anchor, f'_phase("{label}")\n')
    perfdesk = cold.MARK + PHASE + PERFDESK_PHASES + cold.PERFDESK[len(cold.MARK):]
    perfdesk = _insert_after(perfdesk, "    main_window.MainWindow.show = show\n", "    _after_window(main_window)\n")
    anchor = '"perfdesk.ui.main_window": on_main_window'
    perfdesk = _insert_after(perfdesk, anchor, ", **PHASE_ACTIONS")
    return {"bare": [sys.executable, "-c", bare],
            "perfdesk": [sys.executable, "-c", perfdesk, str(demo), hook]}


def count_phases(args: list[str], env: dict[str, str], out: Path) -> list[tuple[str, int]]:
    """[(phase, instructions)] of one child under callgrind, in order."""
    result = callgrind(args, env, out)
    labels = [line[len("PHASE "):] for line in result.stdout.splitlines() if line.startswith("PHASE ")]
    phases = []
    for number, label in enumerate(labels, 1):
        phases.append((label, dumped(out, number)))
        if label == FIRST_FRAME:
            break
    if not phases or phases[-1][0] != FIRST_FRAME:
        raise RuntimeError(f"the child did not reach its first frame:\n{result.stdout}\n{result.stderr}")
    return phases


def print_phases(kind: str, phases: list[tuple[str, int]]) -> None:
    total = sum(n for _, n in phases)
    print(f"\n  {kind}: {total / 1e6:.1f} M")
    for label, n in phases:
        print(f"    {n / 1e6:8.1f} M  {100 * n / total:5.1f} %  {label}")


def main() -> None:
    show_phases = "--phases" in sys.argv[1:]
    if shutil.which("valgrind") is None:
        print("skipped: valgrind is not installed (apt-get install valgrind)")
        return
    real = RealUserFiles()
    describe_machine()
    with tempfile.TemporaryDirectory(prefix="perfdesk-bench-ir-") as tmp:
        saved = dict(os.environ)
        isolate(Path(tmp))
        from perfdesk.cli import write_demo

        demo = write_demo(Path(tmp) / "demo.perfdesk")
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
        env.pop("BENCH_T0", None)
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # as bench_startup.py: PerfDesk from its .pyc
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(__file__).resolve().parents[1] / "perfdesk")],
                       env=env, check=False)
        probe = cold.one_run("perfdesk", dict(env, BENCH_REPORT_QT="1"), demo)  # warm: caches, .pyc
        floor = (probe["qt_names"], probe["qt_font"])
        if show_phases:
            env["BENCH_T0"] = "0"
            split = {kind: count_phases(args, env, Path(tmp) / f"cg-{kind}-phases.out")
                     for kind, args in phase_children(demo).items()}
        counts = {}
        for kind, args in children(demo, floor).items():
            env["BENCH_T0"] = "0"
            counts[kind] = count(args, env, Path(tmp) / f"cg-{kind}.out")
        os.environ.clear()
        os.environ.update(saved)
    a, c, d, b = counts["bare"], counts["floor"], counts["bound"], counts["perfdesk"]
    print("\ncold start → first painted window, instructions (callgrind, offscreen, one run each):")
    print(f"  (a) bare PySide6 + 60×10 QTableWidget  {a / 1e6:8.1f} M")
    print(f"  (c) (a) + PerfDesk's Qt classes + CJK font  {c / 1e6:8.1f} M   c/a {c / a:.2f} ×")
    print(f"  (d) (c) + PerfDesk's pure modules + reading the file, no PerfDesk window  {d / 1e6:8.1f} M   "
          f"d/a {d / a:.2f} ×   (a lower bound of b)")
    print(f"  (b) PerfDesk on the demo file          {b / 1e6:8.1f} M   b/a {b / a:.2f} ×   "
          f"(wall-time goal ≤ {cold.GOAL_RATIO} ×; PerfDesk's own b − c {(b - c) / 1e6:.1f} M)")
    if show_phases:
        print("\nthe same starts by phase (one more run each, phases marked; the marks add a little):")
        print_phases("(a) bare PySide6 + 60×10 QTableWidget", split["bare"])
        print_phases("(b) PerfDesk on the demo file", split["perfdesk"])
    real.report()


if __name__ == "__main__":
    main()
