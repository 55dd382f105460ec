"""Benchmark of refusals (hostile-files issue). Run by hand; prints figures, asserts nothing.

    .venv/bin/python benchmarks/bench_hostile.py [--only NAME ...] [--verify-forms 10000]

Builds the corpus of damaged, tampered and hostile files (tests/hostile/corpus.py) in a
temporary folder and runs each case's command lines, each in a fresh child process
(tests/hostile/child.py, no memory ceiling), then prints per case: exit code, wall time of
the whole process, time inside `perfdesk.cli.main`, and the child's own peak resident memory
(VmHWM, so the pages of this process are never counted). Then the worst of each, against the
goal: each refusal ≤ 2 s and ≤ 200 MB.

`--verify-forms N` also times the row and schema checks (perfdesk/store/verify.py) on a valid
file of N forms (copies of the demo forms, as benchmarks/bench_scale.py builds them): the
price every opening pays for them.

Nothing touches the user's data folder: PERFDESK_DATA_DIR and XDG_* point into the temporary
folder.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOAL_SECONDS, GOAL_MB = 2.0, 200.0


def isolate(tmp: Path) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PERFDESK_DATA_DIR=str(tmp / "userdata"))
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        env[name] = str(tmp / name.lower())
    return env


def run_case(args: list[str], env: dict, report: Path) -> dict:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "tests.hostile.child", "0", str(report), "--", *args],
                          cwd=ROOT, env=env, capture_output=True, timeout=600)
    wall = time.perf_counter() - start
    figures = json.loads(report.read_text(encoding="utf-8")) if report.exists() else {}
    report.unlink(missing_ok=True)
    lines = proc.stderr.decode("utf-8", "replace").strip().splitlines()
    return {"code": proc.returncode, "wall": wall, "inside": figures.get("seconds", float("nan")),
            "peak": figures.get("peak_mb", float("nan")), "line": lines[-1] if lines else "",
            "clean": proc.returncode == 2 and len(lines) == 1 and lines[0].startswith("perfdesk: ")}


def bench_verify(n_forms: int, tmp: Path) -> None:
    import sqlite3

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_scale import make_file

    from perfdesk.store.file import _known_definitions, harden
    from perfdesk.store.verify import check_schema, verify

    path = tmp / f"valid-{n_forms}.perfdesk"
    make_file(path, n_forms)
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    harden(conn)
    ids = _known_definitions()
    rows = conn.execute("SELECT count(*) FROM indicator").fetchone()[0]
    times = []
    for _ in range(5):
        start = time.perf_counter()
        check_schema(conn, 3)
        verify(conn, ids)
        times.append(time.perf_counter() - start)
    conn.close()
    print(f"\nChecks on a valid file of {n_forms:,} forms ({rows:,} indicator rows, "
          f"{path.stat().st_size / 1e6:.0f} MB): best {min(times):.3f} s, median {sorted(times)[2]:.3f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", help="only these cases")
    parser.add_argument("--verify-forms", type=int, default=0, help="also time the checks on N valid forms")
    options = parser.parse_args()

    from tests.hostile import corpus

    with tempfile.TemporaryDirectory(prefix="perfdesk-hostile-") as tmp_name:
        tmp = Path(tmp_name)
        env = isolate(tmp)
        built = time.perf_counter()
        cases = corpus.build(tmp / "corpus", set(options.only) if options.only else None)
        print(f"Corpus: {len(cases)} files ({sum(c.family == corpus.PERFDESK for c in cases)} .perfdesk, "
              f"{sum(c.family == corpus.IMPORT for c in cases)} imports), built in {time.perf_counter() - built:.1f} s\n")
        print(f"{'case':42s} {'command':12s} {'exit':>4s} {'wall s':>7s} {'main s':>7s} {'peak MB':>8s}")
        results = []
        for case in cases:
            size = case.path.stat().st_size
            for args in case.commands():
                result = run_case(args, env, tmp / "report.json")
                result.update(case=case.name, command=args[0], size=size)
                results.append(result)
                flag = "" if result["clean"] else "   <-- not a clean refusal"
                print(f"{case.name:42s} {args[0]:12s} {result['code']:4d} {result['wall']:7.2f} "
                      f"{result['inside']:7.3f} {result['peak']:8.1f}{flag}")
        worst_wall = max(results, key=lambda r: r["wall"])
        worst_inside = max(results, key=lambda r: r["inside"])
        worst_peak = max(results, key=lambda r: r["peak"])
        unclean = [r for r in results if not r["clean"]]
        print(f"\n{len(results)} command lines on {len(cases)} files; clean refusals: {len(results) - len(unclean)}")
        print(f"Worst wall time (whole process, Python start-up included): {worst_wall['wall']:.2f} s "
              f"({worst_wall['case']}, {worst_wall['command']})")
        print(f"Worst time inside the command: {worst_inside['inside']:.3f} s "
              f"({worst_inside['case']}, {worst_inside['command']})")
        print(f"Worst peak memory: {worst_peak['peak']:.1f} MB ({worst_peak['case']}, {worst_peak['command']})")
        print(f"Goal: each refusal ≤ {GOAL_SECONDS:.0f} s and ≤ {GOAL_MB:.0f} MB — "
              f"{'met' if worst_wall['wall'] <= GOAL_SECONDS and worst_peak['peak'] <= GOAL_MB else 'NOT met'}")
        if options.verify_forms:
            bench_verify(options.verify_forms, tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
