"""Kill trials: is a step ever half on disk, or lost, when the program is killed mid-write?

Shared by `scripts/crash-trials.py` (the full run) and `tests/store/test_kill_trials.py`.

A *child* process (`python -m tests.store.kill_child PATH SEED`) opens a copy of the demo file
with an EditSession — no window — and loops doing multi-row pastes, roll-forwards, undos and
redos, each one step. Its protocol on stdout, one flushed line each:

    ready <digest>             the file is open; the document as loaded
    pending <digest> <kind>    the step's transaction begins; the document it will commit
    done <digest> <kind>       that COMMIT returned: the step is in the file

The *parent* kills the child with SIGKILL at a random moment — in half of the trials, at a
moment within the first ~12 ms of a write transaction — then opens the file with
`FileStore.open` (which rolls back a hot journal) and classifies it:

- damaged: the file does not open, or `PRAGMA integrity_check` is not ok;
- lost: the file holds an older state than the last one reported done;
- torn: the file holds a state never reported (half a step);
- ok: the file holds the last state reported done, or the one pending after it (committed,
  but killed before "done" was printed).

So a kill between "pending" and "done" lands inside a write transaction (or just after its
commit): the moments that matter.

A digest is a hash of the canonical dump of the workspace (`tests.store.faults.canonical`).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DAMAGED, LOST, TORN, OK = "damaged", "lost", "torn", "ok"


# -- the child -----------------------------------------------------------------------------
class _Announcer:
    """Stands in for `FileStore.conn`: when a write transaction begins, tells the parent which
    state it will commit (the store writes a step when the step has ended, so the document
    in memory already is that state); counts the commits that returned."""

    def __init__(self, conn, announce):
        self.real = conn
        self.announce = announce
        self.commits = 0

    def execute(self, sql, parameters=()):
        word = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
        if word == "BEGIN":
            self.announce()
        result = self.real.execute(sql, parameters)
        if word == "COMMIT":
            self.commits += 1
        return result

    def executemany(self, sql, seq_of_parameters):
        return self.real.executemany(sql, seq_of_parameters)

    def __getattr__(self, name):
        return getattr(self.real, name)


def _paste_block(rng: random.Random, model, n: int) -> tuple[int, int, str]:
    """A random block of 2–8 rows and 1–3 columns at a random place; may run past the end
    (the paste then adds rows)."""
    from perfdesk.editing.clipboard import to_tsv

    keys = [key for key, _ in model.columns]
    editable = [i for i, key in enumerate(keys) if key in ("level3", "target", "actual", "weight", "reason")]
    left = rng.choice(editable)
    width = rng.randint(1, 3)
    rows = rng.randint(2, 8)
    top = rng.randint(0, model.rowCount())
    block = []
    for r in range(rows):
        cells = []
        for key in keys[left:left + width]:
            if key in ("weight", "score"):
                cells.append(str(rng.randint(1, 20)))
            elif key in ("target", "actual"):
                cells.append(f"≥{rng.randint(1, 100)}%")
            else:
                cells.append(f"试{n}-{r}")
        block.append(cells)
    return top, left, to_tsv(block)


def child_main(path: str, seed: int, max_steps: int | None = None) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    from perfdesk.domain.rollforward import plan_declarations, plan_self_evaluations
    from perfdesk.editing.clipboard import paste
    from perfdesk.editing.indicator_model import IndicatorTableModel
    from perfdesk.editing.rollforward_commands import ApplyPlanCommand
    from perfdesk.editing.session import EditSession
    from perfdesk.store import FileStore
    from tests.store.faults import digest

    app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841 - QUndoStack wants one
    store = FileStore.open(path)
    assert not store.read_only, store.read_only_reason
    session = EditSession(store)
    ws = session.workspace
    model = IndicatorTableModel(session)
    out = sys.stdout
    current = {"kind": ""}

    def say(*words) -> None:
        out.write(" ".join(words) + "\n")
        out.flush()

    def announce() -> None:
        current["digest"] = digest(ws)
        say("pending", current["digest"], current["kind"])

    announcer = _Announcer(store.conn, announce)
    store.conn = announcer
    say("ready", digest(ws))
    rng = random.Random(seed)
    n = 0
    while max_steps is None or n < max_steps:
        n += 1
        stack = session.undo_stack
        roll = rng.random()
        if roll < 0.45:
            kind = "paste"
        elif roll < 0.65:
            kind = "rollforward"
        elif roll < 0.9:
            kind = "undo"
        else:
            kind = "redo"
        if kind == "undo" and not stack.canUndo() or kind == "redo" and not stack.canRedo():
            kind = "paste"
        current["kind"] = kind
        commits = announcer.commits
        if kind == "paste":
            form_id = rng.choice(sorted(ws.forms))
            if model.form_id != form_id:
                model.set_form(form_id)
            top, left, text = _paste_block(rng, model, n)
            ok = paste(model, top, left, text) > 0
        elif kind == "rollforward":
            plan = plan_self_evaluations(ws, ws, session.registry, 2026)
            if not plan.to_create:
                plan = plan_declarations(ws, ws, session.registry, 2022, 2023)
            ok = bool(plan.to_create) and session.push(ApplyPlanCommand(ws, plan))
        elif kind == "undo":
            ok = session.undo()
        else:
            ok = session.redo()
        committed = announcer.commits - commits
        if committed > 1 or bool(committed) != ok:
            # Not one step, one transaction (or a step said to fail was written): the file
            # may now hold half a step. Reported, and the trial goes on.
            say("anomaly", current["digest"], f"{kind}:ok={ok}:commits={committed}")
        if committed:
            say("done", current["digest"], kind)
    session.close()
    return 0


# -- the parent ----------------------------------------------------------------------------
@dataclass
class Trial:
    outcome: str
    steps: int = 0  # steps the child reported done
    state: str = ""  # "last" (file = last done), "pending" (committed, unreported), "start"
    kill_in_commit: bool = False  # a step was pending when the child died
    detail: str = ""
    anomalies: int = 0  # steps the child saw written in more (or fewer) than one transaction
    hot_journal: bool = False  # the kill left a half-written transaction for SQLite to roll back


@dataclass
class Summary:
    folder: Path
    trials: list[Trial] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for t in self.trials if t.outcome == outcome)

    @property
    def anomalies(self) -> int:
        return sum(t.anomalies for t in self.trials)

    @property
    def failures(self) -> int:
        return self.count(LOST) + self.count(TORN) + self.count(DAMAGED) + self.anomalies

    def line(self) -> str:
        text = f"lost {self.count(LOST)}, torn {self.count(TORN)}, damaged {self.count(DAMAGED)}"
        if self.anomalies:
            text += f" (and {self.anomalies} steps written in more than one transaction)"
        return text

    def details(self) -> str:
        steps = sum(t.steps for t in self.trials)
        in_commit = sum(1 for t in self.trials if t.kill_in_commit)
        landed = sum(1 for t in self.trials if t.state == "pending")
        hot = sum(1 for t in self.trials if t.hot_journal)
        return (f"{len(self.trials)} trials, {steps} steps completed in all; killed with a step pending "
                f"{in_commit} times, of which the commit had landed {landed} times; "
                f"{hot} kills left a hot journal to roll back")


def parse(lines: list[str]) -> list[tuple[str, str, str]]:
    """Complete protocol lines as (word, digest, kind); a line cut by the kill is dropped."""
    events = []
    for line in lines:
        if not line.endswith("\n"):
            continue
        parts = line.split()
        if len(parts) >= 2 and parts[0] in ("ready", "pending", "done", "anomaly"):
            events.append((parts[0], parts[1], parts[2] if len(parts) > 2 else ""))
    return events


def classify(initial: str, events: list[tuple[str, str, str]], found: str) -> tuple[str, str]:
    """(outcome, state) for a file holding `found`, given what the child reported."""
    last_done, pending, seen = initial, [], {initial}
    for word, value, _ in events:
        seen.add(value)
        if word in ("ready", "done"):
            last_done, pending = value, []
        elif word == "pending":
            pending.append(value)
    if found == last_done:
        return OK, "last" if events else "start"
    if found in pending:
        return OK, "pending"
    if found in seen:
        return LOST, "older"
    return TORN, "unknown"


def examine(path: Path) -> tuple[str | None, str]:
    """(digest, "") of the file as the next start of PerfDesk would find it, or (None, why)."""
    from perfdesk.store import FileStore
    from tests.store.faults import digest

    try:
        store = FileStore.open(path)
    except Exception as exc:  # noqa: BLE001 - any failure to open is damage
        return None, f"open failed: {exc}"
    try:
        check = store.conn.execute("PRAGMA integrity_check").fetchall()
        if check != [("ok",)]:
            return None, f"integrity_check: {check[:3]}"
        keys = store.conn.execute("PRAGMA foreign_key_check").fetchall()
        if keys:
            return None, f"foreign_key_check: {keys[:3]}"
        return digest(store.workspace), ""
    finally:
        store.close()


def make_template(folder: Path) -> tuple[Path, str]:
    from perfdesk.cli import write_demo

    template = write_demo(folder / "template.perfdesk")
    found, why = examine(template)
    assert found is not None, why
    return template, found


def run_trial(template: Path, initial: str, folder: Path, seed: int, max_delay: float,
              start_timeout: float = 60.0) -> Trial:
    rng = random.Random(seed)
    targeted = rng.random() < 0.5  # else: a kill at any moment
    path = folder / f"trial-{seed}.perfdesk"
    shutil.copy2(template, path)
    python_path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=python_path, PYTHONUNBUFFERED="1")
    child = subprocess.Popen([sys.executable, "-m", "tests.store.kill_child", str(path), str(seed)],
                             cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, encoding="utf-8")
    lines: list[str] = []
    ready = threading.Event()
    began = threading.Event()

    def read() -> None:
        for line in child.stdout:
            lines.append(line)
            if line.startswith("ready"):
                ready.set()
            elif line.startswith("pending"):
                began.set()
        ready.set()
        began.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    errors: list[str] = []
    err_reader = threading.Thread(target=lambda: errors.append(child.stderr.read()), daemon=True)
    err_reader.start()
    try:
        if not ready.wait(start_timeout) or child.poll() is not None:
            raise RuntimeError(f"the child did not start: {''.join(errors)[-2000:]}")
        time.sleep(rng.uniform(0, max_delay))
        if targeted:
            # Aim at a transaction (they take ~3-20 ms): the next one to begin, killed at once
            # or within 12 ms.
            began.clear()
            began.wait(start_timeout)
            time.sleep(rng.choice((0.0, rng.uniform(0, 0.012))))
        if child.poll() is not None:
            raise RuntimeError(f"the child stopped by itself: {''.join(lines[-3:])}{''.join(errors)[-2000:]}")
        os.kill(child.pid, signal.SIGKILL)
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
        reader.join(10)
        err_reader.join(10)
    events = parse(lines)
    anomalies = [kind for word, _, kind in events if word == "anomaly"]
    events = [event for event in events if event[0] != "anomaly"]
    steps = sum(1 for word, _, _ in events if word == "done")
    in_commit = bool(events) and events[-1][0] == "pending"
    journal = path.with_name(path.name + "-journal")
    hot = journal.is_file() and journal.stat().st_size > 0  # to be rolled back on opening
    found, why = examine(path)
    note = " ".join(["(aimed at a transaction)" if targeted else ""]
                    + ([f"{len(anomalies)} steps not one transaction, e.g. {anomalies[0]}"] if anomalies else []))
    if found is None:
        return Trial(DAMAGED, steps, "", in_commit, f"{why} {note}".strip(), len(anomalies), hot)
    outcome, state = classify(initial, events, found)
    trial = Trial(outcome, steps, state, in_commit, note.strip(), len(anomalies), hot)
    if outcome == OK and not anomalies:
        for leftover in folder.glob(f"{path.name}*"):
            leftover.unlink()
        for leftover in folder.glob(f".{path.name}*"):
            leftover.unlink()
    return trial


def run_trials(count: int, seed: int | None = None, max_delay: float = 3.0, folder: Path | None = None,
               progress=None) -> Summary:
    """`count` kill trials; files of failed trials are kept in `folder` for a post-mortem."""
    base = random.Random(seed).randrange(1 << 30) if seed is not None else random.randrange(1 << 30)
    folder = Path(folder) if folder is not None else Path(tempfile.mkdtemp(prefix="perfdesk-crash-"))
    folder.mkdir(parents=True, exist_ok=True)
    template, initial = make_template(folder)
    summary = Summary(folder)
    for i in range(count):
        trial = run_trial(template, initial, folder, base + i, max_delay)
        summary.trials.append(trial)
        if progress is not None:
            progress(i, trial)
    return summary


if __name__ == "__main__":
    arguments = sys.argv[1:]
    sys.exit(child_main(arguments[0], int(arguments[1]), int(arguments[2]) if len(arguments) > 2 else None))
