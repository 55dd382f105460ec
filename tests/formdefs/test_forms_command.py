"""`perfdesk forms list` and `perfdesk forms check FILE`."""

from __future__ import annotations

import argparse
import json

from perfdesk.formdefs import FORMS_DIR, default_registry
from perfdesk.formdefs.command import register


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.run(args, default_registry())


def test_list_names_every_definition_and_its_origin(tmp_path, monkeypatch, capsys):
    user = tmp_path / "userdata" / "forms"
    user.mkdir(parents=True)
    monkeypatch.setenv("PERFDESK_DATA_DIR", str(tmp_path / "userdata"))
    (user / "mine.toml").write_text('extends = "sh-target-2020"\nid = "mine"\nname = "我的目标表"\n',
                                    encoding="utf-8")
    (user / "bad.toml").write_text('id = "bad"\nkind = "declaration"\ntitel = "x"\n', encoding="utf-8")
    assert run(["forms", "list", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    by_id = {row["id"]: row for row in data["definitions"]}
    assert set(by_id) == {p.stem for p in FORMS_DIR.glob("*.toml")} | {"mine"}
    assert by_id["mine"]["source"] == "用户" and by_id["mine"]["path"] == str(user / "mine.toml")
    assert by_id["sh-selfeval-2020"]["source"] == "内置"
    assert len(data["problems"]) == 1 and "bad.toml" in data["problems"][0]
    assert run(["forms", "list"]) == 0
    out, err = capsys.readouterr()
    assert "我的目标表" in out and "未载入" in err and "titel" in err


def test_check_accepts_a_good_file_and_refuses_a_bad_one_with_its_line(tmp_path, capsys):
    good = tmp_path / "good.toml"
    good.write_text('extends = "sh-selfeval-2020"\nid = "good"\ntitle = "好的自评表"\n', encoding="utf-8")
    assert run(["forms", "check", str(good)]) == 0
    assert "“good”" in capsys.readouterr().out
    bad = tmp_path / "bad.toml"
    bad.write_text('extends = "sh-selfeval-2020"\nid = "bad"\n\n[layout]\ncolumn_width = [1, 2]\n',
                   encoding="utf-8")
    assert run(["forms", "check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "第 5 行" in err and "column_width" in err
    assert run(["forms", "check", str(tmp_path / "missing.toml")]) == 2
    assert "找不到" in capsys.readouterr().err


def test_check_says_when_a_file_would_replace_a_built_in(tmp_path, capsys):
    copy = tmp_path / "copy.toml"
    copy.write_text((FORMS_DIR / "sh-target-2020.toml").read_text(encoding="utf-8"), encoding="utf-8")
    assert run(["forms", "check", str(copy)]) == 0
    assert "替代同名的内置定义" in capsys.readouterr().out


def test_the_worked_example_of_docs_forms_md_works(tmp_path, monkeypatch, capsys):
    """Both steps of the guide, done as written: the short file, then the copied one."""
    import re
    from pathlib import Path

    guide = (Path(__file__).resolve().parents[2] / "docs" / "forms.md").read_text(encoding="utf-8")
    example = re.search(r"## Worked example.*?```toml\n(.*?)```", guide, re.S).group(1)
    user = tmp_path / "userdata" / "forms"
    user.mkdir(parents=True)
    monkeypatch.setenv("PERFDESK_DATA_DIR", str(tmp_path / "userdata"))
    target = user / "district-selfeval.toml"
    target.write_text(example, encoding="utf-8")
    assert run(["forms", "check", str(target)]) == 0
    assert default_registry().get("district-selfeval").title == "项目支出绩效自评表（区级）"
    old = '{ key = "reason", label = "偏差原因分析及改进措施" }'
    new = '{ key = "reason", label = "偏差原因及改进措施" }'
    assert old in guide and new in guide
    text = (FORMS_DIR / "sh-selfeval-2020.toml").read_text(encoding="utf-8")
    text = text.replace('id = "sh-selfeval-2020"', 'id = "district-selfeval"').replace(old, new)
    target.write_text(text, encoding="utf-8")
    assert run(["forms", "check", str(target)]) == 0
    definition = default_registry().get("district-selfeval")
    assert dict(definition.section(definition.sections[0].type.INDICATORS).indicator_columns)["reason"] \
        == "偏差原因及改进措施"


def test_the_perfdesk_command_has_forms_and_names_what_it_left_out(tmp_path, monkeypatch, capsys):
    from perfdesk import cli

    user = tmp_path / "userdata" / "forms"
    user.mkdir(parents=True)
    monkeypatch.setenv("PERFDESK_DATA_DIR", str(tmp_path / "userdata"))
    (user / "bad.toml").write_text('id = "bad"\nkind = "declaration"\ntitel = "x"\n', encoding="utf-8")
    assert cli.main(["forms", "list"]) == 0
    out, err = capsys.readouterr()
    assert "national-declaration-2021" in out and err.count("bad.toml") == 1
    demo = tmp_path / "d.perfdesk"
    assert cli.main(["demo", str(demo)]) == 0
    capsys.readouterr()
    assert cli.main(["check", str(demo)]) in (0, 1)
    assert "未载入的表单定义" in capsys.readouterr().err  # every command says what it left out
