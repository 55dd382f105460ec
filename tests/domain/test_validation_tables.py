"""W15–W17 (docs/rules.md §6.2): the 部门整体 forms' 年度主要任务 table — a 预算金额 that is no
number, tasks costing more than the year's budget, an amount without a task name — and the typed
extra indicator columns (number / amount / date) whose value is not of their type. Each issue
names the cell it is about, so the issues panel can select it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from perfdesk.domain.definition import ExtraColumn
from perfdesk.domain.model import Project, TableRow, Workspace, blank_form
from perfdesk.domain.validation import Severity, is_typed_date, typed_problem, validate_form
from perfdesk.formdefs import FORMS_DIR, Registry

from .builders import declaration, ind

TABLE_CODES = ("W15", "W16", "W17")


def _unit_form(registry, definition_id, tasks, amounts):
    ws = Workspace()
    definition = registry.get(definition_id)
    with ws.step():
        project = ws.add_project(Project("某县水利局"))
        form = blank_form(ws, project, 2023, definition)
        form.amounts.update({k: Decimal(v) for k, v in amounts.items()})
        form.tables["tasks"] = [TableRow(cells=dict(cells)) for cells in tasks]
        ws.add_form(form)
    return ws, form, definition


def _table_issues(registry, definition_id, tasks, amounts):
    ws, form, definition = _unit_form(registry, definition_id, tasks, amounts)
    return [i for i in validate_form(form, definition, ws) if i.code in TABLE_CODES]


DECLARED = {"total.annual": "1000", "fiscal.annual": "800", "other.annual": "200"}
EVALUATED = {"total.initial": "900", "fiscal.initial": "700", "other.initial": "200",
             "total.budget": "1000", "fiscal.budget": "800", "other.budget": "200"}


def test_tasks_within_the_budget_raise_nothing(registry):
    tasks = [{"name": "河道综合治理", "content": "清淤", "amount": "600"},
             {"name": "农村饮水安全", "amount": "400"},
             {"name": "水旱灾害防御"}]  # a task without an amount is fine
    assert _table_issues(registry, "unit-declaration-2021", tasks, DECLARED) == []
    assert _table_issues(registry, "unit-selfeval-2021", tasks, EVALUATED) == []


def test_a_budget_amount_that_is_no_number_is_a_warning_on_its_cell(registry):
    tasks = [{"name": "河道综合治理", "amount": "600"}, {"name": "农村饮水安全", "amount": "约50万"}]
    [issue] = _table_issues(registry, "unit-declaration-2021", tasks, DECLARED)
    assert issue.code == "W15" and issue.severity is Severity.WARNING
    assert (issue.location.section, issue.location.row, issue.location.column) == ("tasks", 2, "amount")
    assert issue.location.item_id is None  # a table row, not an indicator: the row number says which
    assert issue.where == "「年度主要任务」第2行「预算金额」"
    assert "“约50万”不是金额" in issue.message and "预算金额" in issue.message


def test_tasks_costing_more_than_the_year_budget_name_both_sums_with_their_unit(registry):
    tasks = [{"name": "河道综合治理", "amount": "1200.50"}, {"name": "农村饮水安全", "amount": "350"}]
    [issue] = _table_issues(registry, "unit-declaration-2021", tasks, DECLARED)
    assert issue.code == "W16" and issue.severity is Severity.WARNING
    assert (issue.location.section, issue.location.row, issue.location.column) == ("tasks", None, "amount")
    assert "合计 1,550.50 万元" in issue.message
    assert "超过年度预算总额 1,000 万元" in issue.message and "多 550.50 万元" in issue.message
    # Equal is not more.
    tasks = [{"name": "河道综合治理", "amount": "600"}, {"name": "农村饮水安全", "amount": "400"}]
    assert _table_issues(registry, "unit-declaration-2021", tasks, DECLARED) == []


def test_a_self_evaluation_compares_with_the_full_year_budget_then_the_initial_one(registry):
    tasks = [{"name": "河道综合治理", "amount": "950"}]
    [issue] = _table_issues(registry, "unit-selfeval-2021", tasks, EVALUATED | {"total.budget": "900"})
    assert issue.code == "W16" and "年度预算总额（全年预算数）900 万元" in issue.message
    # 950 is within a 全年预算数 of 1000, though above the 年初预算数 of 900.
    assert _table_issues(registry, "unit-selfeval-2021", tasks, EVALUATED) == []
    # No 全年预算数 yet: the 年初预算数 is the year's budget.
    initial_only = {k: v for k, v in EVALUATED.items() if not k.endswith(".budget")}
    [issue] = _table_issues(registry, "unit-selfeval-2021", tasks, initial_only)
    assert "年度预算总额（年初预算数）900 万元" in issue.message


def test_no_budget_total_means_no_sum_check(registry):
    tasks = [{"name": "河道综合治理", "amount": "99999"}]
    assert _table_issues(registry, "unit-declaration-2021", tasks, {}) == []


def test_the_sum_says_how_many_amounts_it_left_out(registry):
    tasks = [{"name": "甲", "amount": "900"}, {"name": "乙", "amount": "200"}, {"name": "丙", "amount": "若干"}]
    issues = _table_issues(registry, "unit-declaration-2021", tasks, DECLARED)
    assert [i.code for i in issues] == ["W15", "W16"]
    assert "合计 1,100 万元（另有 1 行的预算金额不是数字，未计入）" in issues[1].message


def test_an_amount_without_a_task_name_is_a_warning_on_the_name_cell(registry):
    tasks = [{"name": "河道综合治理", "amount": "100"}, {"content": "维修供水工程", "amount": "50"},
             {"content": "只写了内容的一行"}, {"name": "  ", "amount": "10"}]
    issues = _table_issues(registry, "unit-selfeval-2021", tasks, EVALUATED)
    assert [(i.code, i.location.row, i.location.column) for i in issues] == [
        ("W17", 2, "name"), ("W17", 4, "name")]
    assert issues[0].where == "「年度主要任务」第2行「任务名称」"
    assert "「主要内容」「预算金额」" in issues[0].message and "没有任务名称" in issues[0].message


def test_issues_come_in_form_order_after_the_funding_block(registry):
    ws, form, definition = _unit_form(registry, "unit-declaration-2021",
                                      [{"amount": "5000"}], {"total.annual": "-1"})
    codes = [i.code for i in validate_form(form, definition, ws)]
    assert codes.index("E5") < codes.index("W17") < codes.index("W16") < codes.index("E13")


# -- the typed extra indicator columns --------------------------------------------------------

BASE = (FORMS_DIR / "national-declaration-2021.toml").read_text(encoding="utf-8")
CRITERIA = ('  { key = "criteria", label = "评(扣)分标准", type = "longtext", labels = '
            '["评（扣）分标准", "评分标准", "扣分标准", "评分规则"] },')
TYPED = ('  { key = "due", label = "完成时限", type = "date" },\n'
         '  { key = "share", label = "核心指标占比", type = "number" },\n'
         '  { key = "money", label = "对应资金", type = "amount" },\n'
         '  { key = "note", label = "备注", type = "text" },')


@pytest.fixture
def typed_definition(tmp_path):
    assert CRITERIA in BASE
    (tmp_path / "typed.toml").write_text(BASE.replace(CRITERIA, CRITERIA + "\n" + TYPED), encoding="utf-8")
    return Registry.from_dirs([tmp_path]).get("national-declaration-2021")


def _extra_issues(definition, extra):
    row = ind("验收合格率", "≥95%", weight=100, level1="产出指标", level2="质量指标")
    row.extra.update(extra)
    ws, form = declaration([row], definition=definition.id, year=2023)
    return [i for i in validate_form(form, definition, ws) if i.code == "W15"], row


def test_typed_extra_columns_that_hold_their_type_raise_nothing(typed_definition):
    good = {"due": "2023年6月30日", "share": "12.5", "money": "1,200.50万元", "note": "随便写"}
    assert _extra_issues(typed_definition, good)[0] == []
    assert _extra_issues(typed_definition, {})[0] == []  # empty is not wrong


def test_a_typed_extra_column_that_does_not_parse_names_its_printed_label(typed_definition):
    issues, row = _extra_issues(typed_definition, {"due": "下半年", "share": "约一成", "money": "一千万",
                                                   "note": "abc", "explanation": "说明"})
    assert [(i.location.item_id, i.location.column) for i in issues] == [
        (row.id, "due"), (row.id, "share"), (row.id, "money")]
    assert all(i.severity is Severity.WARNING for i in issues)
    assert [i.where for i in issues] == ["「绩效指标」第1行「完成时限」", "「绩效指标」第1行「核心指标占比」",
                                         "「绩效指标」第1行「对应资金」"]
    assert "「完成时限」“下半年”不是日期" in issues[0].message
    assert "「核心指标占比」“约一成”不是数字" in issues[1].message
    assert "「对应资金」“一千万”不是金额" in issues[2].message


@pytest.mark.parametrize("text", ["2023-06-30", "2023/6/30", "2023.6.30", "2023年6月30日", "２０２３年６月",
                                  "2023年", "2023年底前", "2023-06", "2023.6", "2023年12月31日前"])
def test_dates_a_date_column_accepts(text):
    assert is_typed_date(text)


@pytest.mark.parametrize("text", ["下半年", "2023-13-01", "2023年2月30日", "6月30日", "23-06-30",
                                  "2023年6月30日完成验收", "2023"])
def test_texts_a_date_column_refuses(text):
    assert not is_typed_date(text)
    assert typed_problem(ExtraColumn("due", "完成时限", "date"), text, 2023).startswith(f"“{text}”不是日期")


def test_numbers_as_the_number_cells_take_them():
    number, amount = ExtraColumn("n", "数", "number"), ExtraColumn("a", "钱", "amount")
    for text in ("12", "1,234.5", "-3", "１２"):
        assert typed_problem(number, text, 2023) is None
    for text in ("1e5", "NaN", "12%", "十二"):
        assert typed_problem(number, text, 2023) is not None
    assert typed_problem(amount, "1200.5万元", 2023) is None
    assert typed_problem(amount, "约1200", 2023) is not None
    assert typed_problem(ExtraColumn("t", "文字", "text"), "随便", 2023) is None


def test_the_built_in_forms_have_no_typed_columns_to_warn_about(demo_ws, registry):
    for form in demo_ws.forms.values():
        definition = registry.get(form.definition_id)
        assert not [i for i in validate_form(form, definition, demo_ws) if i.code in TABLE_CODES]
