"""A definition's own indicator columns: declared with a key and a type, checked at load with
the file and line, and kept apart from the built-in columns."""

from __future__ import annotations

import pytest

from perfdesk.domain.definition import EXTRA_TYPES, SectionType
from perfdesk.formdefs import FORMS_DIR, DefinitionError, Registry

BASE = (FORMS_DIR / "national-declaration-2021.toml").read_text(encoding="utf-8")
COLUMN = '  { key = "explanation", label = "指标解释", type = "longtext", labels = ["指标说明"] },'


def _load(tmp_path, column_line: str):
    assert COLUMN in BASE
    (tmp_path / "x.toml").write_text(BASE.replace(COLUMN, column_line), encoding="utf-8")
    return Registry.from_dirs([tmp_path]).get("national-declaration-2021")


def test_the_national_declaration_declares_its_own_columns(registry):
    section = registry.get("national-declaration-2021").section(SectionType.INDICATORS)
    assert [(c.key, c.label, c.type) for c in section.extra_columns] == [
        ("explanation", "指标解释", "longtext"), ("criteria", "评(扣)分标准", "longtext")]
    assert [key for key, _ in section.indicator_columns][-2:] == ["explanation", "criteria"]
    assert "评分标准" in section.aliases_of("criteria")
    assert [label for _, label in section.printed_columns()][-3:] == ["权重", "指标解释", "评(扣)分标准"]


@pytest.mark.parametrize("type_", EXTRA_TYPES)
def test_every_type_loads(tmp_path, type_):
    definition = _load(tmp_path, f'  {{ key = "core", label = "是否核心指标", type = "{type_}" }},')
    assert definition.section(SectionType.INDICATORS).extra("core").type == type_


@pytest.mark.parametrize("line,needle", [
    ('  { key = "explanation", label = "指标解释" },', "表单自己增加的列要写 type"),
    ('  { key = "explanation", label = "指标解释", type = "memo" },', "type 应是 text / longtext"),
    ('  { key = "Explanation", label = "指标解释", type = "text" },', "key“Explanation”不能用"),
    ('  { key = "computed", label = "计算", type = "text" },', "key“computed”不能用"),
    ('  { key = "reason", label = "原因", type = "text" },', "内置的列“reason”不写 type"),
    ('  { key = "weight", label = "权重2" },', "“weight”出现了两次"),
    ('  { key = "explanation", label = "指标解释", type = "text", labels = "指标说明" },', "labels 应是"),
    ('  { key = "explanation", label = "指标解释", type = "text", split = ["a", "b", "c"] },', "split"),
])
def test_a_bad_column_is_named_with_its_line(tmp_path, line, needle):
    with pytest.raises(DefinitionError) as info:
        _load(tmp_path, line)
    message = str(info.value)
    number = BASE.replace(COLUMN, line).splitlines().index(line) + 1
    assert needle in message and f"第 {number} 行" in message, message


def test_flags_are_stored_as_yes_or_no(tmp_path):
    column = _load(tmp_path, '  { key = "core", label = "是否核心指标", type = "flag" },') \
        .section(SectionType.INDICATORS).extra("core")
    assert [column.normalise(t) for t in ("是", " √ ", "Y", "否", "×", "0", "待定", "")] == \
        ["是", "是", "是", "否", "否", "否", "待定", ""]


@pytest.mark.parametrize("columns,needle", [
    ("columns = []", "要写 columns"),
    ('columns = [{ key = "name", label = "任务名称", type = "memo" }]', "type 应是"),
    ('columns = [{ key = "name", label = "a" }, { key = "name", label = "b" }]', "不重复"),
    ('columns = [{ key = "name", lable = "a" }]', "未知的键“lable”"),
])
def test_a_bad_table_section_is_named(tmp_path, columns, needle):
    text = (FORMS_DIR / "unit-declaration-2021.toml").read_text(encoding="utf-8")
    start = text.index("columns = [\n  { key = \"name\"")
    end = text.index("]\n", text.index("{ key = \"amount\"", start)) + 2
    (tmp_path / "d.toml").write_text(text[:start] + columns + "\n" + text[end:], encoding="utf-8")
    with pytest.raises(DefinitionError) as info:
        Registry.from_dirs([tmp_path])
    assert needle in str(info.value), str(info.value)


def test_the_table_section_loads_with_its_columns(registry):
    [table] = registry.get("unit-selfeval-2021").sections_of(SectionType.TABLE)
    assert (table.key, table.label) == ("tasks", "年度主要任务")
    amount = table.extra("amount")
    assert amount.type == "amount" and "预算资金" in amount.labels
    assert [amount.normalise(t) for t in ("1,200.50", "１２００.５万元", "另行安排")] == ["1200.50", "1200.5", "另行安排"]
