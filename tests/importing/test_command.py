"""`perfdesk import` and `perfdesk rollforward`: summaries, exit codes, and untouched files."""

from __future__ import annotations

import argparse

import docx
import openpyxl
import pytest

from perfdesk.cli import write_demo
from perfdesk.domain.definition import FormKind
from perfdesk.importing.command import register
from perfdesk.store import FileStore

from ..conftest import form_named
from .handmade import declaration_layout, save_docx, selfeval_layout, save_xlsx


def run(registry, *argv) -> int:
    parser = argparse.ArgumentParser(prog="perfdesk")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args([str(a) for a in argv])
    return args.run(args, registry)


@pytest.fixture
def demo_file(tmp_path):
    return write_demo(tmp_path / "demo.perfdesk")


@pytest.fixture
def sources(tmp_path, demo_ws):
    a = tmp_path / "自评.xlsx"
    form = form_named(demo_ws, "补充日常经费", 2022)
    save_xlsx(a, [("a", selfeval_layout(form, "补充日常经费"))])
    b = tmp_path / "申报.docx"
    save_docx(b, [declaration_layout(form_named(demo_ws, "信息化建设项目", 2026), "信息化建设项目")])
    return [a, b]


@pytest.fixture
def bad_files(tmp_path):
    good = tmp_path / "good.xlsx"
    openpyxl.Workbook().save(good)
    damaged = tmp_path / "坏.xlsx"
    damaged.write_bytes(good.read_bytes()[:300])
    no_form = tmp_path / "信函.docx"
    letter = docx.Document()
    letter.add_paragraph("关于报送绩效材料的通知")
    letter.save(no_form)
    empty = tmp_path / "空.docx"
    empty.write_bytes(b"")
    return {"damaged": damaged, "no_form": no_form, "empty": empty}


def test_import_creates_the_file(tmp_path, registry, sources, capsys):
    target = tmp_path / "new.perfdesk"
    assert run(registry, "import", *sources, "--into", target) == 0
    out = capsys.readouterr().out
    assert "识别 1 张表" in out and "将导入 2 张表（新建项目 2 个）" in out and "已写入" in out
    with FileStore.open(target, read_only=True) as store:
        ws = store.workspace
        assert sorted(p.name for p in ws.projects.values()) == ["信息化建设项目", "补充日常经费"]
        assert ws.unit.name == "上海市公积金管理中心"
        assert {f.kind for f in ws.forms.values()} == {FormKind.SELF_EVALUATION, FormKind.DECLARATION}


def test_dry_run_prints_the_same_summary_and_writes_nothing(tmp_path, registry, sources, capsys, demo_file):
    target = tmp_path / "new.perfdesk"
    assert run(registry, "import", *sources, "--into", target, "--dry-run") == 0
    out = capsys.readouterr().out
    assert "将导入 2 张表" in out and "试运行" in out and not target.exists()
    before = demo_file.read_bytes()
    assert run(registry, "import", *sources, "--into", demo_file, "--dry-run") == 0
    assert "跳过 2 张" in capsys.readouterr().out
    assert demo_file.read_bytes() == before


@pytest.mark.parametrize("bad", ["damaged", "no_form", "empty"])
def test_bad_input_leaves_the_target_byte_identical(registry, sources, bad_files, demo_file, capsys, bad):
    before = demo_file.read_bytes()
    assert run(registry, "import", sources[0], bad_files[bad], "--into", demo_file) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("perfdesk: ") and bad_files[bad].name in lines[0]
    assert "Traceback" not in captured.err + captured.out
    assert demo_file.read_bytes() == before


def test_bad_input_creates_no_new_file(tmp_path, registry, bad_files, capsys):
    target = tmp_path / "new.perfdesk"
    assert run(registry, "import", *bad_files.values(), "--into", target) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 3
    assert not target.exists()


def test_import_into_a_file_that_is_not_perfdesk(tmp_path, registry, sources, capsys):
    target = tmp_path / "x.perfdesk"
    target.write_text("hello")
    assert run(registry, "import", *sources, "--into", target) == 2
    assert "不是 PerfDesk 数据文件" in capsys.readouterr().err
    assert target.read_text() == "hello"


def test_rollforward_self_evaluations(registry, demo_file, capsys):
    assert run(registry, "rollforward", demo_file, "--from-year", 2026, "--to-year", 2026,
               "--kind", "self-evaluation") == 0
    out = capsys.readouterr().out
    assert "将新建 11 张表" in out and "分值合计 100" in out
    with FileStore.open(demo_file, read_only=True) as store:
        rolled = [f for f in store.workspace.forms.values()
                  if f.year == 2026 and f.kind is FormKind.SELF_EVALUATION]
        assert len(rolled) == 11
        assert all(sum(i.weight for i in f.indicators) == 90 for f in rolled)
    # Again: every form exists, nothing new, nothing written.
    before = demo_file.read_bytes()
    assert run(registry, "rollforward", demo_file, "--from-year", 2026, "--to-year", 2026,
               "--kind", "self-evaluation") == 0
    assert "跳过 11 张" in capsys.readouterr().out and demo_file.read_bytes() == before


def test_rollforward_declarations_with_options(registry, demo_file, capsys):
    assert run(registry, "rollforward", demo_file, "--from-year", 2022, "--to-year", 2023, "--kind", "declaration",
               "--project", "补充日常经费", "--targets", "actual", "--amounts", "carry") == 0
    assert "16 项取上年实际完成值" in capsys.readouterr().out
    with FileStore.open(demo_file, read_only=True) as store:
        ws = store.workspace
        new = form_named(ws, "补充日常经费", 2023)
        old = form_named(ws, "补充日常经费", 2022)
        assert new.project_id == old.project_id and new.kind is FormKind.DECLARATION
        assert new.amount("total", "annual") == old.amount("total", "budget")
        assert next(i for i in new.indicators if i.level3 == "临时工社保公积金缴纳覆盖人数").target.raw == "=6.17(人)"


def test_rollforward_from_another_file(tmp_path, registry, demo_file, capsys):
    target = tmp_path / "2027.perfdesk"
    FileStore.create(target).close()
    assert run(registry, "rollforward", target, "--from-year", 2026, "--to-year", 2027, "--kind", "declaration",
               "--source", demo_file) == 0
    with FileStore.open(target, read_only=True) as store:
        assert len(store.workspace.forms) == 11 and len(store.workspace.projects) == 11
        assert {f.year for f in store.workspace.forms.values()} == {2027}


@pytest.mark.parametrize("argv, words", [
    (("--from-year", 2025, "--to-year", 2026, "--kind", "self-evaluation"), "应相同"),
    (("--from-year", 2026, "--to-year", 2026, "--kind", "declaration"), "应大于"),
    (("--from-year", 2026, "--to-year", 2026, "--kind", "self-evaluation", "--project", "没有这个项目"), "没有这个项目"),
    (("--from-year", 2019, "--to-year", 2019, "--kind", "self-evaluation"), "没有 2019 年"),
    (("--from-year", 2026, "--to-year", 2026, "--kind", "self-evaluation", "--definition", "sh-declaration-2026"),
     "不是绩效自评表"),
])
def test_rollforward_refusals_leave_the_file_alone(registry, demo_file, capsys, argv, words):
    before = demo_file.read_bytes()
    assert run(registry, "rollforward", demo_file, *argv) == 2
    err = capsys.readouterr().err
    assert words in err and err.startswith("perfdesk: ") and "Traceback" not in err
    assert demo_file.read_bytes() == before


def test_rollforward_on_a_missing_file(tmp_path, registry, capsys):
    assert run(registry, "rollforward", tmp_path / "nope.perfdesk", "--from-year", 2026, "--to-year", 2026,
               "--kind", "self-evaluation") == 2
    assert "找不到文件" in capsys.readouterr().err
