"""Import reads the declaration's funding block whichever words label its rows: the printed
form's (年度资金申请总额 / 其中：当年财政拨款) or the generic ones the editor showed before
(资金总额 / 其中：财政资金)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from perfdesk.importing import import_file

from .handmade import Layout, save_xlsx


def only_form(result):
    assert result.ok, result.error
    assert len(result.forms) == 1, [f.project_name for f in result.forms]
    return result.forms[0]


@pytest.mark.parametrize("total, fiscal", [("资金总额", "其中：财政资金"),
                                           ("年度资金申请总额", "其中：当年财政拨款")])
def test_a_funding_block_with_old_or_printed_row_words(tmp_path, registry, total, fiscal):
    lay = Layout(6)
    lay.row(("财政项目支出绩效目标申报表", 6))
    lay.row(("（2026年度）", 6))
    lay.row("项目名称", "测试项目", "项目性质", "其他经常性项目", "项目类别", "其他运转类")
    lay.row("项目资金（元）", "", ("项目资金", 2), ("年度资金", 2))
    lay.row("", total, ("100.00", 2), ("90.00", 2))
    lay.row("", fiscal, ("80.00", 2), ("70.00", 2))
    lay.row("绩效指标", "一级指标", "二级指标", "三级指标", ("年度(/项目)指标值", 2))
    lay.row("", "产出指标", "数量指标", "完成率", ("100%", 2))
    path = tmp_path / "funding.xlsx"
    save_xlsx(path, [("a", lay)])
    form = only_form(import_file(path, registry)).form
    assert form.definition_id == "sh-declaration-2026"
    assert (form.amount("total", "project"), form.amount("total", "annual")) == (Decimal("100"), Decimal("90"))
    assert (form.amount("fiscal", "project"), form.amount("fiscal", "annual")) == (Decimal("80"), Decimal("70"))


def test_label_value_pairs_as_printed(tmp_path, registry):
    lay = Layout(6)
    lay.row(("财政项目支出绩效目标申报表", 6))
    lay.row(("（2026年度）", 6))
    lay.row("项目名称", "测试项目", "项目性质", "其他经常性项目", "项目类别", "其他运转类")
    lay.row("项目资金（元）", "项目资金总额：", "", "年度资金申请总额：", ("1,234.50", 2))
    lay.row("", "其中：财政资金", "", "其中：当年财政拨款", ("1,000.00", 2))
    lay.row("绩效指标", "一级指标", "二级指标", "三级指标", ("年度(/项目)指标值", 2))
    lay.row("", "产出指标", "数量指标", "完成率", ("100%", 2))
    path = tmp_path / "pairs.xlsx"
    save_xlsx(path, [("a", lay)])
    form = only_form(import_file(path, registry)).form
    assert form.amount("total", "annual") == Decimal("1234.50")
    assert form.amount("fiscal", "annual") == Decimal("1000")
