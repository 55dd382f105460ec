"""The command line on a full disk, a read-only disk and a locked file: one `perfdesk:` line,
exit 2, no traceback, no lock file left, no stray new file, the target as it was.

Each case runs twice where it can: with the failure injected (portable, always runs) and on a
real small or read-only file system (a tmpfs in a private mount namespace, `unshare -rm`;
skipped where that is not allowed)."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from perfdesk.cli import main, write_demo
from perfdesk.store import FileStore
from perfdesk.store import file as store_file

from . import corpus

ROOT = Path(__file__).resolve().parents[2]


def _disk_full(*args, **kwargs):
    exc = sqlite3.OperationalError("database or disk is full")
    exc.sqlite_errorcode = 13
    raise exc


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    """A demo file and one exported form to import from it (in a folder of their own)."""
    folder = tmp_path_factory.mktemp("sources")
    demo = write_demo(folder / "demo.perfdesk")
    assert main(["export", str(demo), "--format", "xlsx", "--out", str(folder / "x"), "--year", "2022",
                 "--force", "--no-list"]) == 0
    return demo, next((folder / "x").glob("补充日常经费*.xlsx"))


def _one_line(capsys, code, *words):
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("perfdesk: "), err
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def _target(tmp_path, sources) -> Path:
    """A demo file without the 2022 forms of 补充日常经费, so importing it adds one."""
    demo, _ = sources
    path = tmp_path / "单位.perfdesk"
    shutil.copy(demo, path)
    with FileStore.open(path) as store:
        ws = store.workspace
        with ws.step():
            for form in [f for f in ws.forms.values() if ws.project_name(f) == "补充日常经费"]:
                ws.remove_form(form.id)
    return path


def test_import_into_a_file_on_a_full_disk(tmp_path, sources, capsys, monkeypatch):
    path = _target(tmp_path, sources)
    before = corpus.snapshot(tmp_path)
    monkeypatch.setattr(FileStore, "_write_pending", _disk_full)
    code = main(["import", str(sources[1]), "--into", str(path)])
    _one_line(capsys, code, "磁盘已满")
    assert corpus.snapshot(tmp_path) == before


def test_import_into_a_new_file_on_a_full_disk_leaves_nothing(tmp_path, sources, capsys, monkeypatch):
    for broken in ("_write_pending", "_upgrade"):
        with monkeypatch.context() as patch:
            if broken == "_write_pending":
                patch.setattr(FileStore, "_write_pending", _disk_full)
            else:
                patch.setattr(store_file, "_upgrade", _disk_full)
            code = main(["import", str(sources[1]), "--into", str(tmp_path / "新.perfdesk")])
        _one_line(capsys, code, "磁盘已满")
        assert list(tmp_path.iterdir()) == []


def test_rollforward_on_a_full_disk(tmp_path, sources, capsys, monkeypatch):
    path = tmp_path / "单位.perfdesk"
    shutil.copy(sources[0], path)
    before = corpus.snapshot(tmp_path)
    monkeypatch.setattr(FileStore, "_write_pending", _disk_full)
    code = main(["rollforward", str(path), "--from-year", "2022", "--to-year", "2023", "--kind", "declaration"])
    _one_line(capsys, code, "磁盘已满")
    assert corpus.snapshot(tmp_path) == before


def test_a_file_being_edited_elsewhere_is_refused_in_words_for_a_terminal(tmp_path, sources, capsys):
    path = tmp_path / "单位.perfdesk"
    shutil.copy(sources[0], path)
    with FileStore.open(path) as holder:
        assert not holder.read_only
        before = path.read_bytes()
        code = main(["rollforward", str(path), "--from-year", "2022", "--to-year", "2023", "--kind", "declaration"])
        line = _one_line(capsys, code, "正被", "PerfDesk")
        assert "本窗口" not in line
        code = main(["import", str(sources[1]), "--into", str(path)])
        assert "本窗口" not in _one_line(capsys, code, "正被")
        assert path.read_bytes() == before


def test_a_file_another_program_locks(tmp_path, sources, capsys):
    path = tmp_path / "单位.perfdesk"
    shutil.copy(sources[0], path)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        for args in (["check", str(path)], ["import", str(sources[1]), "--into", str(path)]):
            line = _one_line(capsys, main(args), "其他程序")
            assert "损坏" not in line
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["单位.perfdesk"]


# -- on real file systems ----------------------------------------------------------------------------
_IN_NAMESPACE = r"""
import json, os, subprocess, sys
folder, demo, source, mode = sys.argv[1:5]
def run(*args):
    proc = subprocess.run([sys.executable, "-m", "perfdesk.cli", *args], capture_output=True)
    return {"code": proc.returncode, "err": proc.stderr.decode("utf-8", "replace")}
def listing():
    return {name: os.path.getsize(os.path.join(folder, name)) for name in sorted(os.listdir(folder))}
target = os.path.join(folder, "单位.perfdesk")
with open(demo, "rb") as src, open(target, "wb") as dst:
    dst.write(src.read())
out = {}
if mode == "full":
    with open(os.path.join(folder, "fill"), "wb", buffering=0) as fill:
        try:
            while True:
                fill.write(b"\0" * 4096)
        except OSError:
            pass
else:
    subprocess.run(["mount", "-o", "remount,ro", folder], check=True)
before = listing()
out["rollforward"] = run("rollforward", target, "--from-year", "2022", "--to-year", "2023", "--kind", "declaration")
out["import-new"] = run("import", source, "--into", os.path.join(folder, "新.perfdesk"))
out["after"] = listing()
out["before"] = before
print(json.dumps(out))
"""


def _in_small_file_system(tmp_path, sources, mode: str) -> dict:
    if shutil.which("unshare") is None:
        pytest.skip("unshare is not available")
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("user and mount namespaces are not allowed here")
    folder = tmp_path / "disk"
    folder.mkdir()
    demo = tmp_path / "demo.perfdesk"
    shutil.copy(sources[0], demo)
    script = (f"mount -t tmpfs -o size=700k tmpfs '{folder}' && "
              f"exec '{sys.executable}' -c \"$0\" '{folder}' '{demo}' '{sources[1]}' {mode}")
    proc = subprocess.run(["unshare", "-rm", "sh", "-c", script, _IN_NAMESPACE], cwd=ROOT,
                          capture_output=True, timeout=300)
    if proc.returncode != 0 and b"mount" in proc.stderr:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.decode(errors='replace')[-200:]}")
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    return json.loads(proc.stdout.decode("utf-8").strip().splitlines()[-1])


def _refused(result: dict, *words) -> str:
    assert result["code"] == 2 and "Traceback" not in result["err"], result
    lines = result["err"].strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("perfdesk: "), result
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def test_a_really_full_disk(tmp_path, sources):
    out = _in_small_file_system(tmp_path, sources, "full")
    _refused(out["rollforward"], "磁盘已满")
    _refused(out["import-new"])
    assert out["after"] == out["before"]  # no lock file, no journal, no new file


def test_a_really_read_only_disk(tmp_path, sources):
    out = _in_small_file_system(tmp_path, sources, "read-only")
    line = _refused(out["rollforward"], "只读")
    assert "正被" not in line and "本窗口" not in line
    _refused(out["import-new"])
    assert out["after"] == out["before"]
