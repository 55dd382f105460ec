"""Benchmark: cold start to the first painted window counted in CPU instructions, not seconds.

    .venv/bin/python benchmarks/bench_startup_ir.py      # needs valgrind (apt-get install valgrind)

The same three children as benchmarks/bench_startup.py — (a) a bare PySide6 window with one
60×10 table, (c) that plus PerfDesk's Qt classes and CJK font, (b) `perfdesk open DEMO` through
`perfdesk.__main__.main` — each run once under valgrind's callgrind, which counts the
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
    return {
        "bare": [sys.executable, "-c", bare],
        "floor": [sys.executable, "-c", floor_code, *floor],
        "perfdesk": [sys.executable, "-c", cold.PERFDESK, str(demo), QT_HOOK],
    }


def count(args: list[str], env: dict[str, str], out: Path) -> int:
    """Instructions up to the first frame: the count of the first dump callgrind writes."""
    for old in out.parent.glob(out.name + "*"):
        old.unlink()
    subprocess.run(["valgrind", "--tool=callgrind", "--dump-before=os_getppid*", f"--callgrind-out-file={out}",
                    *args], env=env, capture_output=True, text=True, timeout=900, check=True)
    first = out.parent / f"{out.name}.1"
    text = first.read_text(encoding="utf-8", errors="replace")
    match = re.search(r"^(?:summary|totals):\s*(\d+)", text, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"no count in {first}")
    return int(match.group(1))


def main() -> None:
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
        counts = {}
        for kind, args in children(demo, floor).items():
            env["BENCH_T0"] = "0"
            counts[kind] = count(args, env, Path(tmp) / f"cg-{kind}.out")
        os.environ.clear()
        os.environ.update(saved)
    a, c, b = counts["bare"], counts["floor"], counts["perfdesk"]
    print("\ncold start → first painted window, instructions (callgrind, offscreen, one run each):")
    print(f"  (a) bare PySide6 + 60×10 QTableWidget  {a / 1e6:8.1f} M")
    print(f"  (c) (a) + PerfDesk's Qt classes + CJK font  {c / 1e6:8.1f} M   c/a {c / a:.2f} ×")
    print(f"  (b) PerfDesk on the demo file          {b / 1e6:8.1f} M   b/a {b / a:.2f} ×   "
          f"(wall-time goal ≤ {cold.GOAL_RATIO} ×; PerfDesk's own b − c {(b - c) / 1e6:.1f} M)")
    real.report()


if __name__ == "__main__":
    main()
