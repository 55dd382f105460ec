"""`perfdesk export`: exit 0 written, 1 refused (validation errors without --force), 2 unusable
input — with one Chinese line on stderr and never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from perfdesk.cli import UsageError, _Parser, build_parser, write_demo
from perfdesk.export.command import register
from perfdesk.formdefs import default_registry


def run(argv: list[str]) -> int:
    parser = _Parser(prog="perfdesk")
    register(parser.add_subparsers(dest="command", parser_class=_Parser))
    try:
        args = parser.parse_args(argv)
    except UsageError:
        return 2
    return args.run(args, default_registry())


@pytest.fixture
def demo_file(tmp_path) -> Path:
    return write_demo(tmp_path / "demo.perfdesk")


def _one_line(err: str) -> None:
    lines = [line for line in err.splitlines() if line.startswith("perfdesk:")]
    assert len(lines) == 1 and "Traceback" not in err


def test_refused_on_validation_errors_then_forced(demo_file, tmp_path, capsys):
    out = tmp_path / "out"
    assert run(["export", str(demo_file), "--format", "pdf", "--out", str(out), "--year", "2022"]) == 1
    err = capsys.readouterr().err
    _one_line(err)
    assert "--force" in err and "E5" in err
    assert not out.exists() or list(out.iterdir()) == []
    assert run(["export", str(demo_file), "--format", "pdf", "--out", str(out), "--year", "2022", "--force"]) == 0
    printed = capsys.readouterr().out
    assert "共 14 张表，写出 15 个 pdf 文件" in printed
    assert len(list(out.glob("*.pdf"))) == 15


def test_clean_form_exports_without_force(demo_file, tmp_path, capsys):
    out = tmp_path / "out"
    code = run(["export", str(demo_file), "--format", "xlsx", "--out", str(out), "--year", "2022",
                "--form", "服务工作专项经费", "--one-file", "--no-list"])
    assert code == 0, capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["服务工作专项经费-2022年度绩效自评表.xlsx"]


def test_existing_targets_need_overwrite(demo_file, tmp_path, capsys):
    args = ["export", str(demo_file), "--format", "docx", "--out", str(tmp_path / "o"), "--form", "专项业务费",
            "--year", "2026"]
    assert run(args) == 0
    capsys.readouterr()
    assert run(args) == 2
    err = capsys.readouterr().err
    _one_line(err)
    assert "--overwrite" in err
    assert run(args + ["--overwrite"]) == 0


@pytest.mark.parametrize("extra,needle", [
    (["--year", "1999"], "1999"),
    (["--form", "没有这个项目"], "没有这个项目"),
])
def test_unknown_selection_is_unusable(demo_file, tmp_path, capsys, extra, needle):
    assert run(["export", str(demo_file), "--format", "pdf", "--out", str(tmp_path / "o")] + extra) == 2
    err = capsys.readouterr().err
    _one_line(err)
    assert needle in err


def test_missing_or_foreign_file_is_unusable(tmp_path, capsys):
    assert run(["export", str(tmp_path / "none.perfdesk"), "--format", "pdf", "--out", str(tmp_path)]) == 2
    _one_line(capsys.readouterr().err)
    foreign = tmp_path / "foreign.perfdesk"
    foreign.write_text("not a database")
    assert run(["export", str(foreign), "--format", "pdf", "--out", str(tmp_path / "o")]) == 2
    _one_line(capsys.readouterr().err)
    assert foreign.read_text() == "not a database"


def test_bad_format_is_a_usage_error(demo_file, tmp_path):
    assert run(["export", str(demo_file), "--format", "odt", "--out", str(tmp_path)]) == 2


def test_wired_into_the_perfdesk_command(demo_file, tmp_path, capsys):
    from perfdesk.cli import main

    assert main(["export", str(demo_file), "--format", "pdf", "--out", str(tmp_path / "o"), "--year", "2026",
                 "--force", "--one-file"]) == 0
    assert len(list((tmp_path / "o").glob("*.pdf"))) == 1
