"""Every damaged, tampered or hostile file in the corpus (tests/hostile/corpus.py) is refused
cleanly: exit 2, exactly one `perfdesk: …` line on stderr naming the problem, the file byte for
byte as it was and nothing new in its folder (no lock file, no backup, no journal, no new
.perfdesk). Heavy cases run in a child process under an address-space ceiling and a time
limit, so a regression fails the test instead of eating the machine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from perfdesk.cli import main

from . import corpus

ROOT = Path(__file__).resolve().parents[2]
MEMORY_LIMIT_MB = 512  # a refusal needs well under 100 MB; a runaway import needed 2.9 GB
TIME_LIMIT_S = 60  # a refusal takes well under a second; a runaway one never ended

CASES = corpus.all_cases()


def test_the_corpus_is_large_and_covers_every_family():
    names = [case.name for case in CASES]
    assert len(names) == len(set(names))
    assert len(CASES) >= 60
    perfdesk = [c for c in CASES if c.family == corpus.PERFDESK]
    imports = [c for c in CASES if c.family == corpus.IMPORT]
    assert len(perfdesk) >= 40 and len(imports) >= 25
    for expected in ("user-version-negative", "weight-nan", "weight-snan", "weight-blob", "indicator-of-missing-form",
                     "form-of-missing-project", "unknown-kind", "unknown-definition", "year-text", "project-name-null",
                     "recursive-view", "trigger-on-edit", "merge-whole-sheet", "merge-huge-area", "gridspan-billion",
                     "zip-version-8.5", "file-name-not-utf8"):
        assert expected in names


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    return {case.name: case for case in corpus.build(folder)}


def _one_refusal(code, err: str, case) -> str:
    assert "Traceback" not in err, err
    assert code == 2, (case.name, code, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("perfdesk: "), err
    assert any("\u4e00" <= ch <= "\u9fff" for ch in lines[0]), err
    for word in case.words:
        assert word in lines[0], (case.name, word, lines[0])
    return lines[0]


def _run_child(args: list[str], report: Path) -> tuple[int, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, "-m", "tests.hostile.child", str(MEMORY_LIMIT_MB), str(report), "--", *args],
                          cwd=ROOT, env=env, capture_output=True, timeout=TIME_LIMIT_S)
    return proc.returncode, proc.stderr.decode("utf-8", "replace")


@pytest.mark.parametrize("name", [case.name for case in CASES])
def test_refused_cleanly(built, name, capsys, tmp_path):
    case = built[name]
    folder = case.path.parent
    before = corpus.snapshot(folder)
    for args in case.commands():
        if case.heavy:
            code, err = _run_child(args, tmp_path / "report.json")
        else:
            code = main(args)
            err = capsys.readouterr().err
        _one_refusal(code, err, case)
        assert corpus.snapshot(folder) == before, f"{name}: {args[0]} changed the folder"


def test_a_heavy_case_really_runs_under_the_ceiling(built, tmp_path):
    """The child process reports itself: it ran the command and stayed far below the limit."""
    case = built["merge-whole-sheet"]
    report = tmp_path / "report.json"
    code, err = _run_child(case.commands()[0], report)
    _one_refusal(code, err, case)
    figures = json.loads(report.read_text(encoding="utf-8"))
    assert figures["code"] == 2 and 0 < figures["peak_mb"] < MEMORY_LIMIT_MB
