"""Kill trials, a few of them: editing killed with SIGKILL at a random moment (or aimed at a
write transaction) never leaves the file damaged, half a step written, or a saved step lost.
`scripts/crash-trials.py N` runs many more through the same code (tests/store/kill_child.py).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.store import kill_child
from tests.store.kill_child import DAMAGED, LOST, OK, TORN, classify, examine, make_template, parse, run_trials

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL trials need a POSIX system")


def test_the_classification_of_a_file_after_a_kill():
    events = parse(["ready a\n", "pending b paste\n", "done b paste\n", "pending c undo\n", "done c undo\n",
                    "pending d paste\n", "done d pa"])  # the last line was cut by the kill
    assert events[-1] == ("pending", "d", "paste")
    assert classify("a", events, "c") == (OK, "last")
    assert classify("a", events, "d") == (OK, "pending")  # committed, killed before "done"
    assert classify("a", events, "b") == (LOST, "older")  # "c" was reported saved
    assert classify("a", events, "a") == (LOST, "older")
    assert classify("a", events, "x") == (TORN, "unknown")  # a state never reported: half a step
    assert classify("a", [], "a") == (OK, "start")
    assert classify("a", [], "b") == (TORN, "unknown")
    # An undo back to an earlier state is that state again, not a loss.
    back = parse(["ready a\n", "pending b paste\n", "done b paste\n", "pending a undo\n", "done a undo\n"])
    assert classify("a", back, "a") == (OK, "last")
    assert classify("a", back, "b") == (LOST, "older")


def test_a_damaged_file_is_classified_as_damaged(tmp_path):
    template, _ = make_template(tmp_path)
    data = bytearray(template.read_bytes())
    data[4096:8192] = b"\xff" * 4096  # a page of garbage
    broken = tmp_path / "broken.perfdesk"
    broken.write_bytes(bytes(data))
    found, why = examine(broken)
    assert found is None and why


def test_the_child_reports_exactly_what_reaches_the_file(tmp_path):
    """Without a kill: every reported step is in the file, the last one is what it holds."""
    template, initial = make_template(tmp_path)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(kill_child.REPO))
    done = subprocess.run([sys.executable, "-m", "tests.store.kill_child", str(template), "7", "25"],
                          cwd=kill_child.REPO, env=env, capture_output=True, text=True, encoding="utf-8",
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    events = parse(done.stdout.splitlines(keepends=True))
    assert events[0] == ("ready", initial, "")
    assert not [e for e in events if e[0] == "anomaly"], events
    kinds = [kind for word, _, kind in events if word == "done"]
    # Form ids made by a roll-forward are random, so which steps change something varies a
    # little from run to run: most of the 25 do.
    assert len(kinds) >= 12 and {"paste", "rollforward"} <= set(kinds)
    # Each step: one transaction announced, then its commit returned, with the same state.
    steps = events[1:]
    assert [word for word, _, _ in steps] == ["pending", "done"] * (len(steps) // 2)
    assert all(steps[i][1] == steps[i + 1][1] for i in range(0, len(steps), 2))
    found, why = examine(template)
    assert found == events[-1][1], why
    assert classify(initial, events, found) == (OK, "last")


def test_a_few_kill_trials_leave_no_damaged_torn_or_lost_file(tmp_path):
    summary = run_trials(4, seed=20261201, max_delay=1.0, folder=tmp_path / "trials")
    details = [(t.outcome, t.steps, t.state, t.detail) for t in summary.trials]
    assert summary.count(DAMAGED) == 0 and summary.count(TORN) == 0 and summary.count(LOST) == 0, details
    assert summary.anomalies == 0, details
    assert sum(t.steps for t in summary.trials) > 0, details  # the children did edit
    print(summary.details(), summary.line(), sep="\n")
