#!/usr/bin/env python3
"""Kill trials: kill PerfDesk's editing (SIGKILL, at a random moment) N times and check the file.

    .venv/bin/python scripts/crash-trials.py [N] [--seed S] [--max-delay SECONDS] [--keep DIR]

Each trial runs a child process that edits a copy of the demo file without a window —
multi-row pastes, roll-forwards, undos and redos, each one step and one transaction — and
reports every step it is about to commit and every step whose commit returned. The child is
killed after a random delay; then the file is opened as the next start would open it and
classified (see tests/store/kill_child.py):

    damaged  the file does not open or fails SQLite's integrity check
    torn     the file holds a state the child never reported: half a step
    lost     the file is older than the last step the child reported as saved

Prints "lost N, torn N, damaged N" and exits 1 if any of them is not 0. Files of failed
trials are kept (in --keep DIR, or a temporary folder that is printed).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tests.store.kill_child import OK, run_trials  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="SIGKILL trials of PerfDesk's saving.")
    parser.add_argument("trials", nargs="?", type=int, default=100)
    parser.add_argument("--seed", type=int, default=None, help="repeat a run (default: random)")
    parser.add_argument("--max-delay", type=float, default=3.0,
                        help="kill after 0..this many seconds of editing (default 3)")
    parser.add_argument("--keep", type=Path, default=None, help="folder for the trial files")
    parser.add_argument("-v", "--verbose", action="store_true", help="one line per trial")
    args = parser.parse_args(argv)

    def progress(i: int, trial) -> None:
        if args.verbose or trial.outcome != OK:
            print(f"trial {i + 1}: {trial.outcome} after {trial.steps} steps ({trial.state}) {trial.detail}",
                  flush=True)
        elif (i + 1) % 10 == 0:
            print(f"{i + 1} trials…", flush=True)

    summary = run_trials(args.trials, args.seed, args.max_delay, args.keep, progress)
    print(summary.details())
    print(summary.line())
    if summary.failures:
        print(f"files of the failed trials are kept in {summary.folder}")
    elif args.keep is None:
        shutil.rmtree(summary.folder, ignore_errors=True)
    return 1 if summary.failures else 0


if __name__ == "__main__":
    sys.exit(main())
