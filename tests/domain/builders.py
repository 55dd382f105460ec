"""Small builders for forms in tests."""

from decimal import Decimal

from perfdesk.domain.definition import FormKind
from perfdesk.domain.model import Form, Indicator, Project, Workspace
from perfdesk.domain.values import parse


def ind(level3="指标", target="", actual="", weight=None, score=None, level1="产出指标",
        level2="数量指标", reason="", grade=None, adjusted=False):
    return Indicator(level1=level1, level2=level2, level3=level3, target=parse(target),
                     actual=parse(actual), weight=None if weight is None else Decimal(str(weight)),
                     score=None if score is None else Decimal(str(score)), reason=reason,
                     grade=grade, adjusted=adjusted)


HEADER = {"project_name": "测试项目", "department": "测试主管部门", "implementer": "测试实施单位"}


def _form(kind, indicators, amounts, year, definition, fields):
    ws = Workspace()
    project = ws.add_project(Project("测试项目"))
    form = Form(project_id=project.id, kind=kind, year=year, definition_id=definition,
                fields={**HEADER, **fields},
                amounts={k: (None if v is None else Decimal(str(v))) for k, v in (amounts or {}).items()},
                indicators=list(indicators))
    ws.add_form(form)
    return ws, form


def selfeval(indicators=(), amounts=None, year=2022, definition="sh-selfeval-2020", **fields):
    return _form(FormKind.SELF_EVALUATION, indicators, amounts, year, definition, fields)


def declaration(indicators=(), amounts=None, year=2026, definition="sh-declaration-2026", **fields):
    return _form(FormKind.DECLARATION, indicators, amounts, year, definition, fields)


def full_budget(budget=100, executed=100):
    return {"total.budget": budget, "total.executed": executed, "fiscal.budget": budget,
            "fiscal.executed": executed, "carryover.budget": 0, "carryover.executed": 0,
            "other.budget": 0, "other.executed": 0}


def default_split_rows():
    """Weights 50 / 30 / 10 with every row met: a clean, complete self-evaluation."""
    return [
        ind("完成率", "=100%", "100%", 50),
        ind("社会效益", "有效保障", "有效保障", 30, level1="效益指标", level2="社会效益指标"),
        ind("满意度", "≥90%", "95%", 10, level1="满意度指标", level2="服务对象满意度指标"),
    ]
