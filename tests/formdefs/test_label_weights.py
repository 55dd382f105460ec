"""Weights printed in the 三级 name (`weights = "label"`, issue 16): a definition setting checked
at load with the file and line; the weight stays one number per row, validated and scored as
with a weight column; the print joins it to the name and has no weight column."""

from __future__ import annotations

import subprocess
from decimal import Decimal

import pytest

from perfdesk.domain.definition import FormKind, SectionType
from perfdesk.domain.model import Form, Indicator, Project, Workspace
from perfdesk.domain.scoring import score_form
from perfdesk.domain.validation import validate_form
from perfdesk.domain.values import parse
from perfdesk.formdefs import FORMS_DIR, DefinitionError, Registry
from perfdesk.formdefs.label_weights import label_with_weight, printed_columns, split_weight, weights_in_label

D = Decimal
LABEL_ID = "national-declaration-2021-label-weights"
COLUMN_ID = "national-declaration-2021"
BASE = (FORMS_DIR / f"{LABEL_ID}.toml").read_text(encoding="utf-8")
SETTING = 'weights = "label"\nweight_label = "（{weight}分）"\n'
SELFEVAL = (FORMS_DIR / "national-selfeval-2021.toml").read_text(encoding="utf-8")
SELFEVAL_WEIGHT = '  { key = "weight", label = "分值" },\n'
SELFEVAL_END = ('  { key = "reason", label = "偏差原因分析及改进措施", labels = ["偏差原因分析及改进措施说明", '
                '"未完成原因和改进措施"] },\n]\n')
ROWS = [("产出指标", "数量指标", "养护道路里程", "≥120公里", D(30)),
        ("产出指标", "质量指标", "验收合格率", "≥95%", D(20)),
        ("产出指标", "时效指标", "项目完成及时率", "=100%", D("7.5")),
        ("效益指标", "社会效益指标", "道路通行状况", "明显改善", D("22.5")),
        ("满意度指标", "服务对象满意度指标", "市民满意度", "≥90%", D(20))]


def selfeval_label_text() -> str:
    """national-selfeval-2021 with the weights in the 三级 name: a user's definition."""
    assert SELFEVAL_WEIGHT in SELFEVAL and SELFEVAL_END in SELFEVAL
    text = SELFEVAL.replace('id = "national-selfeval-2021"', 'id = "selfeval-label-weights"')
    text = text.replace(SELFEVAL_WEIGHT, "").replace(SELFEVAL_END, SELFEVAL_END + 'weights = "label"\n')
    # one column fewer: 分值 was the eighth of eleven
    return text.replace("column_widths = [14, 13, 15, 22, 10, 13, 10, 17, 10, 11, 24]",
                        "column_widths = [14, 13, 15, 32, 10, 13, 10, 17, 11, 24]") \
               .replace("indicator_spans = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]", "indicator_spans = [1, 1, 1, 1, 1, 1, 1, 1, 1]")


def _error_of(tmp_path, text: str) -> str:
    (tmp_path / "x.toml").write_text(text, encoding="utf-8")
    with pytest.raises(DefinitionError) as info:
        Registry.from_dirs([tmp_path])
    return str(info.value)


def _line(text: str, needle: str) -> int:
    return next(n for n, row in enumerate(text.splitlines(), 1) if needle in row and not row.startswith("#"))


def form_of(definition_id: str, kind=FormKind.DECLARATION, rows=ROWS) -> tuple[Workspace, Form]:
    ws = Workspace()
    project = ws.add_project(Project("城市道路养护项目"))
    form = ws.add_form(Form(project_id=project.id, kind=kind, year=2026, definition_id=definition_id,
                            fields={"project_name": "城市道路养护项目", "department": "某市住建局",
                                    "goal_annual": "完成城区主干道养护。"}))
    for position, (level1, level2, level3, target, weight) in enumerate(rows):
        ws.insert_indicator(form.id, position, Indicator(level1=level1, level2=level2, level3=level3,
                                                         target=parse(target), weight=weight))
    return ws, form


# -- the setting ----------------------------------------------------------------------------
def test_the_shipped_definition_prints_weights_in_the_label(registry):
    label, column = registry.get(LABEL_ID), registry.get(COLUMN_ID)
    assert "分值写在三级指标名称中" in label.name and label.kind is FormKind.DECLARATION
    section = label.section(SectionType.INDICATORS)
    assert weights_in_label(section) and not weights_in_label(column.section(SectionType.INDICATORS))
    # The weight is a column for the editor, validation and roll forward (right after 三级) …
    assert [key for key, _ in section.indicator_columns][:4] == ["level1", "level2", "level3", "weight"]
    assert label.has_column("weight") and dict(section.indicator_columns)["weight"] == "分值"
    # … but not a printed one: the rest of the print is the column layout's.
    printed = [key for key, _ in printed_columns(section)]
    assert "weight" not in printed
    assert printed == [key for key, _ in printed_columns(column.section(SectionType.INDICATORS)) if key != "weight"]
    assert len(label.layout["column_widths"]) == len(printed) + 1  # + the merged 绩效指标 column
    assert (label.title, label.taxonomy, label.amount_unit) == (column.title, column.taxonomy, column.amount_unit)


def test_a_definition_without_the_setting_keeps_its_weight_column(registry):
    for definition in registry:
        section = definition.section(SectionType.INDICATORS)
        if definition.id != LABEL_ID:
            assert not weights_in_label(section), definition.id
            assert printed_columns(section) == section.printed_columns()


@pytest.mark.parametrize("old,new,needle,at", [
    (SETTING, 'weights = "name"\n', '“name”', 'weights = "name"'),
    (SETTING, 'weights = "label"\nweight_label = "（分）"\n', "{weight}", "weight_label"),
    (SETTING, 'weights = "label"\nweight_label = "{weight}"\n', "前后写上文字", "weight_label"),
    (SETTING, 'weights = "label"\nweight_label = "（{weight}分{x}）"\n', "{ 或 }", "weight_label"),
    (SETTING, 'weights = "label"\nweight_label = 10\n', "一段文字", "weight_label"),
    (SETTING, 'weights = "column"\nweight_label = "（{weight}分）"\n', "只用于 weights", "weight_label"),
    ('  { key = "level3", label = "三级指标" },\n', '  { key = "level3", label = "三级指标" },\n'
     '  { key = "weight", label = "分值" },\n', "不能再有 weight 列", '"weight"'),
    ('  { key = "level3", label = "三级指标" },\n', "", "没有 level3 列", "weights ="),
])
def test_a_bad_setting_is_refused_with_file_and_line(tmp_path, old, new, needle, at):
    assert old in BASE
    text = BASE.replace(old, new, 1)
    message = _error_of(tmp_path, text)
    assert needle in message and str(tmp_path / "x.toml") in message, message
    assert f"第 {_line(text, at)} 行" in message, message


def test_the_default_format_and_a_format_of_the_definitions_own(tmp_path):
    text = BASE.replace(SETTING, 'weights = "label"\n')
    (tmp_path / "x.toml").write_text(text, encoding="utf-8")
    section = Registry.from_dirs([tmp_path]).get(LABEL_ID).section(SectionType.INDICATORS)
    assert label_with_weight("验收合格率", D("10.00"), section) == "验收合格率（10分）"
    (tmp_path / "x.toml").write_text(BASE.replace(SETTING, 'weights = "label"\nweight_label = " [{weight} 分]"\n'),
                                     encoding="utf-8")
    section = Registry.from_dirs([tmp_path]).get(LABEL_ID).section(SectionType.INDICATORS)
    assert label_with_weight("验收合格率", D(10), section) == "验收合格率 [10 分]"
    assert split_weight("验收合格率 [10 分]", section) == ("验收合格率", D(10))
    assert split_weight("验收合格率［10分］", section) == ("验收合格率", D(10))  # the other width too
    assert split_weight("验收合格率（10分）", section) == ("验收合格率", D(10))  # the usual spellings still


# -- reading and writing the label ------------------------------------------------------------
@pytest.mark.parametrize("text,name,weight", [
    ("验收合格率（10分）", "验收合格率", D(10)),
    ("验收合格率(10分)", "验收合格率", D(10)),
    ("验收合格率（10 分）", "验收合格率", D(10)),
    ("验收合格率（分值：10）", "验收合格率", D(10)),
    ("验收合格率（权重10）", "验收合格率", D(10)),
    ("项目完成及时率（7.5分） ", "项目完成及时率", D("7.5")),
    ("验收合格率（１０分）", "验收合格率", D(10)),
    ("（5分）", "", D(5)),
    ("验收（复验）合格率（10分）", "验收（复验）合格率", D(10)),
    ("名称（10分）（5分）", "名称（10分）", D(5)),  # only the last group is the weight
    ("覆盖区县（16）", "覆盖区县（16）", None),  # a count, not a weight
    ("完成率（≥95%）", "完成率（≥95%）", None),
    ("验收合格率", "验收合格率", None),
])
def test_split_weight(registry, text, name, weight):
    section = registry.get(LABEL_ID).section(SectionType.INDICATORS)
    assert split_weight(text, section) == (name, weight)


@pytest.mark.parametrize("weight,printed", [(D(10), "（10分）"), (D("10.00"), "（10分）"), (D("7.50"), "（7.5分）"),
                                            (D("6.125"), "（6.125分）"), (D("1E+1"), "（10分）"), (None, "")])
def test_the_label_prints_the_exact_weight_without_trailing_zeros(registry, weight, printed):
    section = registry.get(LABEL_ID).section(SectionType.INDICATORS)
    assert label_with_weight("验收合格率", weight, section) == "验收合格率" + printed
    if weight is not None:
        assert split_weight(label_with_weight("验收合格率", weight, section), section) == ("验收合格率", weight)


# -- one number per row: validation and scoring as with a column ------------------------------
def test_validation_is_the_column_layouts(registry):
    for rows in (ROWS, [r[:4] + (D(10),) for r in ROWS], [r[:4] + (None,) for r in ROWS]):
        found = []
        for definition_id in (LABEL_ID, COLUMN_ID):
            ws, form = form_of(definition_id, rows=rows)
            issues = validate_form(form, registry.get(definition_id), ws)
            found.append(sorted((i.code, i.location.column, i.location.row) for i in issues))
        assert found[0] == found[1]
    ws, form = form_of(LABEL_ID, rows=[r[:4] + (D(10),) for r in ROWS])
    e17 = [i for i in validate_form(form, registry.get(LABEL_ID), ws) if i.code == "E17"]
    assert e17 and "权重合计为 50" in e17[0].message  # the weights must total 100
    ws, form = form_of(LABEL_ID)
    assert not [i for i in validate_form(form, registry.get(LABEL_ID), ws) if i.code == "E17"]


def test_a_self_evaluation_scores_the_same_with_weights_in_the_label(tmp_path, registry):
    (tmp_path / "selfeval-label.toml").write_text(selfeval_label_text(), encoding="utf-8")
    label = Registry.from_dirs([FORMS_DIR, tmp_path]).get("selfeval-label-weights")
    column = registry.get("national-selfeval-2021")
    rows = [r[:4] + (w,) for r, w in zip(ROWS, (D(30), D(20), D(10), D(20), D(10)))]
    scores = []
    for definition in (label, column):
        ws, form = form_of(definition.id, FormKind.SELF_EVALUATION, rows)
        for indicator, actual in zip(form.indicators, ("110公里", "90%", "100%", "明显改善", "92%")):
            ws.set_indicator(form.id, indicator.id, "actual", actual)
        ws.set_amount(form.id, "total.budget", D(100))
        ws.set_amount(form.id, "total.executed", D(90))
        result = score_form(form, definition)
        scores.append((result.total, result.weight_total, {i.level3: result.rows[i.id].score for i in form.indicators}))
        codes = sorted(i.code for i in validate_form(form, definition, ws))
        scores[-1] += (codes,)
    assert scores[0] == scores[1]
    assert scores[0][1] == 100


# -- the print -----------------------------------------------------------------------------------
def _exported(registry, ws, form, fmt, out):
    from perfdesk.export import export_forms

    [path] = export_forms(ws, [form], registry, fmt, out, with_list=False)
    return path


def test_the_print_has_the_weight_in_the_name_and_no_weight_column(tmp_path, registry):
    from docx import Document
    from openpyxl import load_workbook

    ws, form = form_of(LABEL_ID)
    pdf = _exported(registry, ws, form, "pdf", tmp_path)
    text = "".join(subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True,
                                  check=True).stdout.split())
    for name, expected in (("养护道路里程", "（30分）"), ("项目完成及时率", "（7.5分）"), ("道路通行状况", "（22.5分）")):
        assert name + expected in text
    assert "权重" not in text and "分值" not in text
    sheet = load_workbook(_exported(registry, ws, form, "xlsx", tmp_path)).active
    texts = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert "验收合格率（20分）" in texts and "项目完成及时率（7.5分）" in texts
    assert not {"权重", "分值"} & set(texts)
    header = next(row for row in sheet.iter_rows() if any(c.value == "三级指标" for c in row))
    assert [c.value for c in header if c.value] == ["绩效指标", "一级指标", "二级指标", "三级指标", "指标性质",
                                                    "指标值", "度量单位", "指标解释", "评(扣)分标准"]
    # no number cell carries a weight: the weights are text in the 三级 cells only
    assert not [c for row in sheet.iter_rows() for c in row if c.data_type == "n" and c.value in (30, 20, 7.5)]
    document = Document(str(_exported(registry, ws, form, "docx", tmp_path)))
    cells = {cell.text for table in document.tables for row in table.rows for cell in row.cells}
    assert "市民满意度（20分）" in cells and not {"权重", "分值"} & cells


def test_a_row_without_weight_prints_its_name_alone(tmp_path, registry):
    from openpyxl import load_workbook

    ws, form = form_of(LABEL_ID, rows=[r[:4] + (None,) for r in ROWS])
    sheet = load_workbook(_exported(registry, ws, form, "xlsx", tmp_path)).active
    texts = {c.value for row in sheet.iter_rows() for c in row}
    assert "验收合格率" in texts and not any(isinstance(t, str) and "分）" in t for t in texts)


def test_the_self_evaluation_total_carries_the_total_weight(tmp_path, registry):
    from openpyxl import load_workbook

    from perfdesk.export import export_forms

    (tmp_path / "defs").mkdir()
    (tmp_path / "defs" / "selfeval-label.toml").write_text(selfeval_label_text(), encoding="utf-8")
    registry = Registry.from_dirs([FORMS_DIR, tmp_path / "defs"])
    rows = [r[:4] + (w,) for r, w in zip(ROWS, (D(30), D(20), D(10), D(20), D(10)))]
    ws, form = form_of("selfeval-label-weights", FormKind.SELF_EVALUATION, rows)
    for indicator in form.indicators:
        ws.set_indicator(form.id, indicator.id, "score", indicator.weight)
    ws.set_amount(form.id, "total.budget", D(100))
    ws.set_amount(form.id, "total.executed", D(100))
    [path] = export_forms(ws, [form], registry, "xlsx", tmp_path / "out", with_list=False)
    sheet = load_workbook(path).active
    total = next(row for row in sheet.iter_rows() if str(row[0].value or "").startswith("总分"))
    assert total[0].value == "总分（100分）"
    assert [c.value for c in total if isinstance(c.value, (int, float))] == [100]  # 得分 only
    texts = {c.value for row in sheet.iter_rows() for c in row}
    assert "验收合格率（20分）" in texts and "分值" in texts  # 分值 of the 预算执行率 line only
