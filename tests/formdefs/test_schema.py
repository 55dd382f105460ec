"""Definition files are checked key by key: a misspelt key or an unknown indicator column is an
error naming the file and the line; the user's forms folder adds and overrides definitions,
and a broken user file is reported while the rest still load."""

from __future__ import annotations

import shutil

import pytest

from perfdesk.formdefs import FORMS_DIR, DefinitionError, Registry, default_registry
from perfdesk.formdefs.loader import BUILT_IN, USER
from perfdesk.formdefs.schema import LAYOUT_KEYS, check_raw, line_of

SELFEVAL = FORMS_DIR / "sh-selfeval-2020.toml"


def _copy_with(tmp_path, old: str, new: str, name: str = "variant.toml"):
    text = SELFEVAL.read_text(encoding="utf-8")
    assert old in text
    text = text.replace('id = "sh-selfeval-2020"', 'id = "my-variant"').replace(old, new, 1)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path, text


def _error_of(folder) -> str:
    with pytest.raises(DefinitionError) as info:
        Registry.from_dirs([folder])
    return str(info.value)


def test_every_built_in_definition_passes_the_key_check():
    import tomllib

    for path in FORMS_DIR.glob("*.toml"):
        assert check_raw(tomllib.loads(path.read_text(encoding="utf-8"))) == [], path.name


def test_unknown_indicator_column_names_file_line_and_the_columns_there_are(tmp_path):
    path, text = _copy_with(tmp_path, '{ key = "weight", label = "分值" }', '{ key = "weigth", label = "分值" }')
    message = _error_of(tmp_path)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if '"weigth"' in row)
    assert str(path) in message
    assert f"第 {line} 行" in message
    assert "“weigth”" in message and "weight" in message  # what is wrong and what would be right


def test_misspelt_key_in_a_section_is_an_error_with_its_line(tmp_path):
    path, text = _copy_with(tmp_path, 'note_label = "资金执行说明"', 'note_lable = "资金执行说明"')
    message = _error_of(tmp_path)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row.startswith("note_lable"))
    assert f"第 {line} 行" in message and "未知的键“note_lable”" in message


@pytest.mark.parametrize("old,new,needle", [
    ('title_size = 16', 'title_sise = 16', "title_sise"),  # [layout]
    ('reverse_rule = "linear"', 'reverse_rul = "linear"', "reverse_rul"),  # [scoring]
    ('name = "满意度指标"\nweight = 10', 'name = "满意度指标"\nweigt = 10', "weigt"),  # [[taxonomy.level1]]
    ('type = "total"', 'type = "totals"', "totals"),  # a section type
    ('kind = "self-evaluation"', 'kind = "selfeval"', "selfeval"),
    ('kind = "self-evaluation"', 'kind = "self-evaluation"\nscope = "department"', "scope 应是 project / unit"),
])
def test_each_table_has_a_closed_list_of_keys(tmp_path, old, new, needle):
    _copy_with(tmp_path, old, new)
    assert needle in _error_of(tmp_path)


def test_layout_keys_follow_the_layout_settings():
    """The loader's list of [layout] keys is exactly what the print layout reads: a key added to
    LayoutSettings must be added to perfdesk/formdefs/schema.py LAYOUT_KEYS too."""
    import dataclasses

    from perfdesk.layout.settings import LayoutSettings

    fields = {f.name for f in dataclasses.fields(LayoutSettings)}
    assert set(LAYOUT_KEYS) == (fields - {"margins"}) | {"margins_mm"}, \
        "perfdesk/formdefs/schema.py LAYOUT_KEYS must list every LayoutSettings field"


def test_line_of_counts_array_tables_and_inline_lists():
    text = SELFEVAL.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert 'key = "level3"' in lines[line_of(text, ("sections", 3, "columns", 2, "key")) - 1]
    assert lines[line_of(text, ("layout", "font")) - 1].startswith("font")
    assert line_of(text, ("no_such_key",)) is None


def test_invalid_toml_gives_the_position_in_chinese(tmp_path):
    (tmp_path / "bad.toml").write_text('id = "x"\nkind = \n', encoding="utf-8")
    assert "不是有效的 TOML：第 2 行" in _error_of(tmp_path)


@pytest.mark.parametrize("text,said", [
    ('id = "x"\nname = 项目\n', "第 2 行第 8 列：值无效（文字要用英文双引号括起来"),
    ('id = "x"\nid = "y"\n', "第 2 行第 9 列：同一个键写了两次"),
    ('id "x"\n', "第 1 行第 4 列：键的后面应是“=”"),
    ('title = "未结束\n', "文字到行尾还没有结束（缺少结尾的双引号）"),
    ('[layout\n', "表头（[...]）缺少结尾的“]”"),
])
def test_common_toml_mistakes_are_explained_in_chinese(tmp_path, text, said):
    (tmp_path / "bad.toml").write_text(text, encoding="utf-8")
    message = _error_of(tmp_path)
    assert said in message and "Expected" not in message and "Invalid" not in message


def test_user_folder_adds_and_overrides_definitions(tmp_path, monkeypatch):
    user = tmp_path / "userdata" / "forms"
    user.mkdir(parents=True)
    monkeypatch.setenv("PERFDESK_DATA_DIR", str(tmp_path / "userdata"))
    (user / "mine.toml").write_text('extends = "sh-selfeval-2020"\nid = "my-selfeval"\n'
                                    'title = "我的自评表"\n', encoding="utf-8")
    shutil.copy(FORMS_DIR / "sh-target-2020.toml", user / "override.toml")
    text = (user / "override.toml").read_text(encoding="utf-8")
    (user / "override.toml").write_text(text.replace('title = "财政项目支出绩效目标表"', 'title = "改过的标题"'),
                                        encoding="utf-8")
    registry = default_registry()
    assert registry.get("my-selfeval").title == "我的自评表"
    assert registry.get("my-selfeval").scoring.budget_weight == 10  # inherited from the built-in
    assert registry.origins["my-selfeval"].kind == USER
    assert registry.get("sh-target-2020").title == "改过的标题"
    assert registry.origins["sh-target-2020"].overrides
    assert registry.origins["sh-declaration-2026"].kind == BUILT_IN
    assert registry.problems == []


def test_a_broken_user_file_is_reported_and_the_rest_still_load(tmp_path, monkeypatch):
    user = tmp_path / "userdata" / "forms"
    user.mkdir(parents=True)
    monkeypatch.setenv("PERFDESK_DATA_DIR", str(tmp_path / "userdata"))
    (user / "broken.toml").write_text('extends = "sh-selfeval-2020"\nid = "broken"\ntitel = "x"\n',
                                      encoding="utf-8")
    (user / "fine.toml").write_text('extends = "sh-selfeval-2020"\nid = "fine"\n', encoding="utf-8")
    registry = default_registry()
    assert "fine" in registry and "broken" not in registry
    assert "sh-selfeval-2020" in registry
    assert len(registry.problems) == 1
    assert "broken.toml 第 3 行" in registry.problems[0] and "titel" in registry.problems[0]


def test_the_registry_sees_a_file_added_while_running(tmp_path, monkeypatch):
    monkeypatch.setenv("PERFDESK_DATA_DIR", str(tmp_path / "userdata"))
    assert "later" not in default_registry()
    user = tmp_path / "userdata" / "forms"
    user.mkdir(parents=True)
    (user / "later.toml").write_text('extends = "sh-target-2020"\nid = "later"\n', encoding="utf-8")
    assert "later" in default_registry()
    assert default_registry() is default_registry()  # unchanged folder: the same registry


def test_scope_is_read_and_defaults_to_a_projects_forms(tmp_path):
    _copy_with(tmp_path, 'kind = "self-evaluation"', 'kind = "self-evaluation"\nscope = "unit"')
    registry = Registry.from_dirs([tmp_path])
    assert registry.get("my-variant").scope == "unit"
    assert default_registry().get("sh-selfeval-2020").scope == "project"
    assert registry.find("no-such-layout") is None
