"""The perfdesk command: demo, check, score, and bad input (one line on stderr, exit 2)."""

import json
import os
import sqlite3
import subprocess
import sys

import pytest

from perfdesk.cli import DEMO_NAME, main, write_demo

from .test_seeds_expected import SHANGHAI_2022_TOTALS


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def demo_file(tmp_path, capsys):
    path = tmp_path / "d.perfdesk"
    assert run(["demo", str(path)], capsys)[0] == 0
    return path


def test_check_reports_the_known_faults(demo_file, capsys):
    code, out, err = run(["check", str(demo_file), "--json"], capsys)
    assert code == 1 and err == ""
    issues = json.loads(out)["issues"]
    assert set(issues[0]) == {"code", "severity", "project", "year", "kind", "where", "message"}
    by = lambda code_, project: [i for i in issues if i["code"] == code_ and i["project"] == project]
    assert len(by("E5", "补充公积金")) == 1
    assert any("-2" in i["message"] for i in by("E5", "公积金网点调整搬迁专项经费"))
    assert len(by("W4", "住房公积金管理信息系统(运维)")) == 1
    overrides = [i for i in issues if i["code"] == "I1"]
    assert len(overrides) == 19 and {i["severity"] for i in overrides} == {"info"}
    assert any("3.88" in i["message"] and "工作服制作完成量" in i["message"] for i in overrides)
    assert any("5.29" in i["message"] for i in overrides)


def test_check_text_output(demo_file, capsys):
    code, out, _ = run(["check", str(demo_file)], capsys)
    assert code == 1
    assert "补充公积金 · 2022年 · 绩效自评表" in out and "错误 E5" in out
    assert out.strip().splitlines()[-1].startswith("共检查 25 张表")


def test_score_json_reproduces_the_totals(demo_file, capsys):
    code, out, _ = run(["score", str(demo_file), "--json"], capsys)
    assert code == 0
    forms = json.loads(out)["forms"]
    totals = {f["project"]: f["total"] for f in forms if f["kind"] == "self-evaluation"}
    assert totals == {project: float(total) for project, total in SHANGHAI_2022_TOTALS}
    daily = next(f for f in forms if f["project"] == "补充日常经费" and f["year"] == 2022)
    assert daily["budget_score"] == 6.81 and daily["weight_total"] == 100 and daily["grade"] == "优"
    row = next(r for r in daily["indicators"] if r["level3"] == "临时工社保公积金缴纳覆盖人数")
    assert row == {"level1": "产出指标", "level2": "数量指标", "level3": "临时工社保公积金缴纳覆盖人数",
                   "target": "=7 人", "actual": "6.17", "weight": 6, "score": 4, "computed": 5.29,
                   "overridden": True, "override": {"score": 4, "reason": "发布表中的原值",
                                                    "at": "2023-06-30T00:00:00", "computed": 5.29}}
    declaration = next(f for f in forms if f["kind"] == "declaration")
    assert declaration["total"] is None and declaration["weight_total"] is None


def test_clean_file_exits_zero(tmp_path, capsys):
    from perfdesk.store import FileStore

    path = tmp_path / "empty.perfdesk"
    FileStore.create(path).close()
    assert run(["check", str(path)], capsys)[0] == 0


@pytest.mark.parametrize("make", ["missing", "text", "empty", "foreign", "newer", "directory"])
def test_bad_files_exit_2_with_one_line(tmp_path, capsys, make, demo_file):
    path = tmp_path / "bad.perfdesk"
    if make == "text":
        path.write_text("not a database", encoding="utf-8")
    elif make == "empty":
        path.write_bytes(b"")
    elif make == "foreign":
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE t(x)")
        conn.commit()
        conn.close()
    elif make == "newer":
        path.write_bytes(demo_file.read_bytes())
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA user_version = 999")
        conn.close()
    elif make == "directory":
        path.mkdir()
    before = path.read_bytes() if path.is_file() else None
    for command in ("check", "score"):
        code, out, err = run([command, str(path)], capsys)
        assert code == 2 and out == ""
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("perfdesk: ")
        assert any("\u4e00" <= ch <= "\u9fff" for ch in lines[0])
    if before is not None:
        assert path.read_bytes() == before


def test_demo_refuses_to_overwrite(demo_file, capsys):
    before = demo_file.read_bytes()
    code, _, err = run(["demo", str(demo_file)], capsys)
    assert code == 2 and "已存在" in err and demo_file.read_bytes() == before


def test_usage_error_exit_2(capsys):
    code, _, err = run(["frobnicate"], capsys)
    assert code == 2 and "参数有误" in err


def _window(args, tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PERFDESK_DATA_DIR=str(tmp_path / "userdata"))
    return subprocess.run([sys.executable, "-m", "perfdesk.cli", *args, "--exit-after-paint"],
                          capture_output=True, text=True, encoding="utf-8", timeout=120, env=env)


def test_no_argument_writes_the_demo_and_opens_it_then_the_last_used_file(tmp_path):
    first = _window([], tmp_path)
    assert first.returncode == 0, first.stderr
    demo = tmp_path / "userdata" / DEMO_NAME
    assert demo.exists() and f"文件 {demo}" in first.stdout
    other = tmp_path / "other.perfdesk"
    write_demo(other)
    opened = _window(["open", str(other)], tmp_path)
    assert opened.returncode == 0 and f"文件 {other}" in opened.stdout
    again = _window([], tmp_path)  # the last used file, not the demo
    assert again.returncode == 0 and f"文件 {other.resolve()}" in again.stdout


def test_open_refuses_a_damaged_file_with_exit_2(tmp_path, monkeypatch):
    from perfdesk.ui.dialogs import Ask

    bad = tmp_path / "bad.perfdesk"
    bad.write_bytes(b"garbage" * 100)
    shown = []
    monkeypatch.setattr(Ask, "error", classmethod(lambda cls, parent, title, text: shown.append(text)))
    from perfdesk import app

    assert app.run(str(bad), exit_after_paint=True) == 2
    assert shown and bad.read_bytes() == b"garbage" * 100


def test_console_script_has_no_traceback(tmp_path):
    result = subprocess.run([sys.executable, "-m", "perfdesk.cli", "check", str(tmp_path / "nope.perfdesk")],
                            capture_output=True, text=True, encoding="utf-8", timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr and "找不到文件" in result.stderr


def test_a_double_clicked_file_opens_in_the_window(tmp_path):
    path = write_demo(tmp_path / "双击.perfdesk")
    result = _window([str(path)], tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"文件 {path}" in result.stdout


# -- overview, finalise, snapshots, diff ------------------------------------------------------------
def test_overview_json_equals_score_for_every_form(demo_file, capsys):
    code, out, _ = run(["score", str(demo_file), "--json"], capsys)
    scores = {f["id"]: f for f in json.loads(out)["forms"]}
    code, out, err = run(["overview", str(demo_file), "--year", "2022", "--json"], capsys)
    assert code == 0 and err == ""
    data = json.loads(out)
    assert data["year"] == 2022 and data["totals"]["projects"] == 14
    for line in data["projects"]:
        form = scores[line["self_evaluation"]["id"]]
        assert (line["total"], line["grade"], line["budget_score"]) == (form["total"], form["grade"],
                                                                         form["budget_score"])
        assert line["declaration"]["status"] == "missing"
    assert data["totals"]["grades"]["优"] == 14


def test_overview_exports_xlsx_and_pdf(demo_file, tmp_path, capsys):
    from openpyxl import load_workbook

    xlsx, pdf = tmp_path / "总览.xlsx", tmp_path / "总览.pdf"
    assert run(["overview", str(demo_file), "--year", "2022", "--xlsx", str(xlsx)], capsys)[0] == 0
    assert run(["overview", str(demo_file), "--year", "2022", "--pdf", str(pdf)], capsys)[0] == 0
    sheet = load_workbook(xlsx).active
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None]
    assert "补充日常经费" in values and "合计" in values
    assert pdf.read_bytes().startswith(b"%PDF")


def test_finalise_snapshots_and_diff(demo_file, capsys):
    before = demo_file.read_bytes()
    code, out, err = run(["finalise", str(demo_file), "--year", "2022", "--note", "3 月报送", "--json"], capsys)
    assert code == 0 and err == ""
    snapshot = json.loads(out)["snapshot"]
    assert snapshot["year"] == 2022 and len(snapshot["forms"]) == 14 and snapshot["note"] == "3 月报送"
    assert all(form["final"] for form in snapshot["forms"]) and demo_file.read_bytes() != before
    code, out, _ = run(["snapshots", str(demo_file), "--json"], capsys)
    listed = json.loads(out)
    assert [s["id"] for s in listed["snapshots"]] == [snapshot["id"]]
    assert {e["what"] for e in listed["events"]} == {"finalised"}
    code, out, _ = run(["overview", str(demo_file), "--year", "2022", "--json"], capsys)
    assert {line["self_evaluation"]["status_label"] for line in json.loads(out)["projects"]} == {"已定稿"}
    code, out, _ = run(["diff", str(demo_file), "--from", snapshot["id"][:8], "--json"], capsys)
    assert code == 0 and json.loads(out)["changes"] == []
    code, out, _ = run(["diff", str(demo_file), "--from", snapshot["name"], "--to", snapshot["id"]], capsys)
    assert code == 0 and "0 处变化" in out


def test_finalise_one_project_then_diff_lists_a_later_edit(demo_file, capsys):
    from perfdesk.store import FileStore

    code, out, _ = run(["finalise", str(demo_file), "--year", "2022", "--project", "补充日常经费",
                        "--note", "先报一个", "--json"], capsys)
    assert code == 0
    snapshot = json.loads(out)["snapshot"]
    assert [f["project"] for f in snapshot["forms"]] == ["补充日常经费"] and snapshot["scope"] == "project"
    with FileStore.open(demo_file) as store:
        ws = store.workspace
        form_id = snapshot["forms"][0]["id"]
        with ws.step():
            ws.withdraw([form_id], "退回修改", "2026-03-02T09:00:00")
        ws.set_indicator(form_id, ws.forms[form_id].indicators[2].id, "actual", "50%")
    code, out, _ = run(["diff", str(demo_file), "--from", snapshot["id"], "--json"], capsys)
    kinds = [c["kind"] for c in json.loads(out)["changes"]]
    assert kinds == ["cell", "row_score", "total"]
    code, out, _ = run(["snapshots", str(demo_file)], capsys)
    assert "撤回定稿" in out and "退回修改" in out


@pytest.mark.parametrize("argv, words", [
    (["finalise", "{path}", "--year", "2023", "--note", "x"], "没有 2023 年的表"),
    (["finalise", "{path}", "--year", "2022", "--project", "没有的项目", "--note", "x"], "没有名为"),
    (["finalise", "{path}", "--year", "2022", "--note", "  "], "需要一段说明"),
    (["overview", "{path}", "--year", "1999"], "没有 1999 年的表"),
    (["diff", "{path}", "--from", "nosuchsnapshot"], "找不到快照"),
])
def test_refusals_are_one_chinese_line_exit_2_and_leave_the_file(demo_file, capsys, argv, words):
    before = demo_file.read_bytes()
    code, out, err = run([a.replace("{path}", str(demo_file)) for a in argv], capsys)
    assert code == 2 and out == ""
    assert err.startswith("perfdesk: ") and words in err and err.count("\n") == 1
    assert demo_file.read_bytes() == before


def test_finalising_twice_is_refused(demo_file, capsys):
    assert run(["finalise", str(demo_file), "--year", "2022", "--note", "一"], capsys)[0] == 0
    after = demo_file.read_bytes()
    code, _, err = run(["finalise", str(demo_file), "--year", "2022", "--note", "二"], capsys)
    assert code == 2 and "都已定稿" in err and demo_file.read_bytes() == after


def test_commands_other_than_export_and_import_load_neither(tmp_path):
    """Every command builds the whole argument parser, `export` and `import` included; their
    renderers and readers (layouts, openpyxl, python-docx, reportlab) and the mail and web modules
    the standard XML helpers drag in load only when those commands run."""
    demo = write_demo(tmp_path / "demo.perfdesk")
    probe = ("import sys; from perfdesk.cli import main; rc = main(['check', sys.argv[1]]); "
             "heavy = ['perfdesk.export.batch', 'perfdesk.importing.importer', 'openpyxl', 'docx', "
             "'reportlab', 'urllib.request', 'email.parser']; "
             "print('LOADED', [m for m in heavy if m in sys.modules]); sys.exit(rc)")
    result = subprocess.run([sys.executable, "-c", probe, str(demo)], capture_output=True, text=True,
                            encoding="utf-8", env=dict(os.environ, PERFDESK_DATA_DIR=str(tmp_path / "data")))
    assert result.returncode == 1, result.stderr  # the demo has forms with errors: check says so
    assert "LOADED []" in result.stdout


@pytest.mark.parametrize("environ,opens", [
    ({}, False),
    ({"DISPLAY": ":0"}, True),
    ({"WAYLAND_DISPLAY": "wayland-0"}, True),
    ({"QT_QPA_PLATFORM": "offscreen"}, True),
    ({"QT_QPA_PLATFORM": "xcb"}, False),
    ({"QT_QPA_PLATFORM": "xcb", "WAYLAND_DISPLAY": "wayland-0"}, False),
    ({"QT_QPA_PLATFORM": "wayland;xcb", "DISPLAY": ":1"}, True),
    ({"QT_QPA_PLATFORM": "vnc:size=1366x768"}, True),
])
def test_the_window_needs_a_display_on_linux(environ, opens):
    from perfdesk.cli import missing_display

    assert (missing_display(environ, "linux") is None) is opens
    assert missing_display(environ, "win32") is None and missing_display(environ, "darwin") is None


def test_no_display_is_a_chinese_refusal_before_qt_starts(tmp_path):
    """Qt would print English plug-in errors and abort (exit 134); PerfDesk says why, exits 2 and
    writes nothing (not even the demo file)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("a Linux rule")
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["PERFDESK_DATA_DIR"] = str(tmp_path / "data")
    result = subprocess.run([sys.executable, "-m", "perfdesk"], env=env, capture_output=True, text=True,
                            encoding="utf-8", timeout=120)
    assert result.returncode == 2
    assert "没有可用的显示器" in result.stderr and "qt.qpa" not in result.stderr
    assert not (tmp_path / "data").exists() or not any((tmp_path / "data").glob("*.perfdesk"))


@pytest.mark.parametrize("argv,said", [
    (["check"], "缺少参数 path"),
    (["export", "x.perfdesk", "--format", "doc", "--out", "o"], "--format 的值“doc”无效，可选：'docx', 'xlsx', 'pdf'"),
    (["overview", "x.perfdesk", "--year", "abc"], "--year 的值“abc”不是整数"),
    (["check", "x.perfdesk", "--bogus"], "无法识别的参数 --bogus"),
    (["nosuch"], "没有“nosuch”这个命令"),
])
def test_usage_errors_are_said_in_chinese(argv, said, capsys):
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2 and f"参数有误：{said}" in err
    assert "用法：perfdesk" in err and "usage:" not in err and "argument" not in err


def test_help_is_in_chinese(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["check", "-h"])
    out = capsys.readouterr().out
    assert exit_.value.code == 0
    assert out.startswith("用法：perfdesk check") and "位置参数" in out and "显示本帮助并退出" in out
    assert "usage" not in out and "show this help" not in out and "options:" not in out


def test_demo_into_a_folder_names_the_folder(tmp_path, capsys):
    for force in ([], ["--force"]):
        code = main(["demo", str(tmp_path), *force])
        err = capsys.readouterr().err
        assert code == 2 and "是一个文件夹，不是文件" in err and "示例.perfdesk" in err
    assert list(tmp_path.iterdir()) == []  # nothing written
