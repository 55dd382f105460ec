"""Roll forward across layouts: a 2020 绩效目标表 into a 2021+ declaration. Rows go where the
target definition's taxonomy map says; what has no counterpart keeps its names and is flagged
for review, never dropped."""

from __future__ import annotations

from perfdesk.domain.definition import FormKind
from perfdesk.domain.model import Form, Indicator, Project, Unit, Workspace
from perfdesk.domain.rollforward import plan_rollforward
from perfdesk.domain.values import parse

ROWS = [("投入与管理", "财务管理", "资金使用合规性", "合规"),
        ("产出目标", "数量", "运维系统数量", "≥12 个"),
        ("产出目标", "时效", "故障响应时间", "≤2 小时"),
        ("效果目标", "社会效益", "系统可用率", "≥99.9%"),
        ("效果目标", "满意度", "用户满意度", "≥90%"),
        ("影响力目标", "长效管理", "运维制度健全性", "健全")]


def _source():
    ws = Workspace(Unit("上海市公积金管理中心"))
    project = ws.add_project(Project("互联网业务运行费"))
    form = ws.add_form(Form(project_id=project.id, kind=FormKind.DECLARATION, year=2020,
                            definition_id="sh-target-2020", fields={"project_name": "互联网业务运行费"}))
    for position, (level1, level2, level3, target) in enumerate(ROWS):
        ws.insert_indicator(form.id, position, Indicator(level1=level1, level2=level2, level3=level3,
                                                         target=parse(target)))
    return ws


def test_a_2020_target_form_rolls_into_the_2021_taxonomy(registry):
    source = _source()
    plan = plan_rollforward(source, Workspace(), list(registry), FormKind.DECLARATION, 2020, 2021,
                            definition_id="sh-declaration-2026")
    (form_plan,) = plan.forms
    placed = {row.name: (row.indicator.level1, row.indicator.level2) for row in form_plan.rows}
    assert placed == {
        "运维系统数量": ("产出指标", "数量指标"),
        "故障响应时间": ("产出指标", "时效指标"),
        "系统可用率": ("效益指标", "社会效益指标"),
        "用户满意度": ("满意度指标", "服务对象满意度指标"),
        "运维制度健全性": ("效益指标", "可持续影响指标"),
        "资金使用合规性": ("投入与管理", "财务管理"),  # no counterpart: kept as it was
    }
    # Every row is there, none dropped; targets carried with their sign, number and unit.
    assert len(form_plan.rows) == len(ROWS)
    target = next(r for r in form_plan.rows if r.name == "系统可用率").indicator.target
    assert (target.sign, str(target.number), target.unit) == ("≥", "99.9", "%")
    flags = " ".join(form_plan.flags)
    assert "资金使用合规性" in flags and "不在新表的指标体系中" in flags
    assert "“效果目标/满意度”按新表的对应关系归入“满意度指标/服务对象满意度指标”" in flags
    # Printed order follows the new taxonomy: 产出 before 效益 before 满意度.
    order = [row.indicator.level1 for row in form_plan.rows]
    assert order.index("产出指标") < order.index("效益指标") < order.index("满意度指标")


def test_rows_already_in_the_new_taxonomy_are_not_remapped(registry):
    definition = registry.get("sh-declaration-2026")
    assert definition.taxonomy.mapped("产出目标", "数量") == ("产出指标", "数量指标")
    assert definition.taxonomy.mapped("产出目标", "其他") == ("产出指标", "其他")  # 一级 entry keeps 二级
    assert definition.taxonomy.mapped("产出指标", "数量指标") is None
