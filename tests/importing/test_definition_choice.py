"""Import chooses the definition by the labels it finds, says which and why, refuses with both
names when two fit equally, and `--definition` settles it."""

from __future__ import annotations

from perfdesk import cli
from perfdesk.formdefs import FORMS_DIR, Registry
from perfdesk.importing import import_file
from perfdesk.store import FileStore

from .handmade import save_xlsx
from .test_target_2020 import PROJECT, _layout


def _twin(folder):
    """A user definition identical to the built-in 2020 form but for its id and name."""
    folder.mkdir(parents=True, exist_ok=True)
    text = (FORMS_DIR / "sh-target-2020.toml").read_text(encoding="utf-8")
    assert 'id = "sh-target-2020"' in text
    (folder / "twin.toml").write_text(text.replace('id = "sh-target-2020"', 'id = "twin-2020"')
                                      .replace('name = "上海市项目绩效目标表（2020年版）"', 'name = "孪生目标表"'),
                                      encoding="utf-8")


def test_the_choice_and_its_reasons_are_reported(tmp_path, registry):
    path = tmp_path / "2020.xlsx"
    save_xlsx(path, [("2020", _layout("cells"))])
    result = import_file(path, registry)
    found = result.forms[0]
    assert found.definition_id == "sh-target-2020"
    assert "指标列 4/4 个" in found.chosen and "标题“财政项目支出绩效目标表”" in found.chosen
    assert any("表单定义“sh-target-2020”，依据：" in line for line in result.summary_lines())


def test_two_definitions_that_fit_equally_are_named_and_nothing_is_guessed(tmp_path):
    _twin(tmp_path / "forms")
    registry = Registry.from_dirs([FORMS_DIR], [tmp_path / "forms"])
    path = tmp_path / "2020.xlsx"
    save_xlsx(path, [("2020", _layout("inline"))])
    result = import_file(path, registry)
    assert result.forms == []
    assert "sh-target-2020" in result.error and "twin-2020" in result.error and "--definition" in result.error


def test_cli_refuses_a_tie_and_follows_definition(tmp_path, monkeypatch, capsys):
    data = tmp_path / "userdata"
    monkeypatch.setenv("PERFDESK_DATA_DIR", str(data))
    _twin(data / "forms")
    source = tmp_path / "2020.xlsx"
    save_xlsx(source, [("2020", _layout("cells"))])
    target = tmp_path / "new.perfdesk"
    assert cli.main(["import", str(source), "--into", str(target)]) == 2
    assert "twin-2020" in capsys.readouterr().err and not target.exists()
    assert cli.main(["import", str(source), "--into", str(target), "--definition", "nope"]) == 2
    assert "没有表单定义“nope”" in capsys.readouterr().err and not target.exists()
    assert cli.main(["import", str(source), "--into", str(target), "--definition", "twin-2020"]) == 0
    assert "只有这一个表单定义可用" in capsys.readouterr().out
    with FileStore.open(target, read_only=True) as store:
        (form,) = store.workspace.forms.values()
        assert form.definition_id == "twin-2020" and store.workspace.project_name(form) == PROJECT
