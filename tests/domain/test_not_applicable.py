"""不适用 rows as a definition setting: `not_applicable = "rescale"` drops them from the score
and scales the other rows up so the indicators still carry their whole weight; the default
("keep") scores them like any row."""

from __future__ import annotations

from decimal import Decimal

import pytest

from perfdesk.domain.definition import FormKind
from perfdesk.domain.model import Form, Indicator
from perfdesk.domain.scoring import NOT_APPLICABLE, NEEDS_GRADE, explain_row, explain_total, score_form
from perfdesk.domain.values import parse
from perfdesk.formdefs import FORMS_DIR, DefinitionError, Registry

BASE = "national-selfeval-2021"


def _registry(tmp_path, scoring: str) -> Registry:
    (tmp_path / "base.toml").write_text((FORMS_DIR / f"{BASE}.toml").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "variant.toml").write_text(f'extends = "{BASE}"\nid = "variant"\n[scoring]\n{scoring}\n',
                                           encoding="utf-8")
    return Registry.from_dirs([tmp_path])


def _form(not_applicable_actual: str = "不适用") -> Form:
    form = Form(project_id="p", kind=FormKind.SELF_EVALUATION, year=2022, definition_id="variant")
    form.amounts = {"total.budget": Decimal(100), "total.executed": Decimal(100)}  # 预算执行率得分 10
    rows = [("成本指标", "经济成本指标", "单位成本", "≤20万元", "18万元", 10),
            ("产出指标", "数量指标", "完成数量", "≥10个", "8个", 40),  # 8 / 10 × 40 = 32
            ("效益指标", "社会效益指标", "覆盖率", "≥90%", "95%", 30),
            ("满意度指标", "服务对象满意度指标", "满意度", "≥90%", not_applicable_actual, 10)]
    for level1, level2, level3, target, actual, weight in rows:
        form.indicators.append(Indicator(id=level3, level1=level1, level2=level2, level3=level3, target=parse(target),
                                         actual=parse(actual), weight=Decimal(weight)))
    return form


def test_by_default_a_not_applicable_row_waits_for_a_person(registry):
    form = _form()
    form.definition_id = BASE
    score = score_form(form, registry.get(BASE))
    assert score.rows["满意度"].rule == NEEDS_GRADE and not score.complete and score.scale is None


def test_rescale_drops_the_row_and_scales_the_others(tmp_path):
    definition = _registry(tmp_path, 'not_applicable = "rescale"').get("variant")
    form = _form()
    score = score_form(form, definition)
    assert score.rows["满意度"].rule == NOT_APPLICABLE and score.rows["满意度"].score is None
    assert score.dropped == ("满意度",) and score.complete
    # Rows: 10 + 32 + 30 = 72 of the 80 that apply, scaled to the 90 of all rows: 81.
    assert score.rows_sum == Decimal(72) and score.scale == Decimal(90) / Decimal(80)
    assert score.computed_total == Decimal("91.00") and score.total == Decimal("91.00") and score.grade == "优"
    assert score.weight_total == Decimal(100)  # the 分值 printed still total 100
    text = explain_total(form, definition, score)
    assert "剔除不适用 1 项、分值 10" in text and "90 ÷ 80" in text and "= 91.00" in text
    assert explain_row(form, definition, form.indicators[-1]).startswith("不适用")


@pytest.mark.parametrize("actual", ["不适用", " 不适用。", "不涉及", "（不适用）"])
def test_the_words_are_recognised(tmp_path, actual):
    definition = _registry(tmp_path, 'not_applicable = "rescale"').get("variant")
    assert score_form(_form(actual), definition).dropped == ("满意度",)


def test_a_persons_score_on_the_row_counts_and_nothing_is_scaled(tmp_path):
    definition = _registry(tmp_path, 'not_applicable = "rescale"').get("variant")
    form = _form()
    form.indicators[-1].score = Decimal(8)
    score = score_form(form, definition)
    assert score.dropped == () and score.scale is None and score.computed_total == Decimal(90)  # 10 + 72 + 8


def test_the_words_are_a_setting_too(tmp_path):
    definition = _registry(tmp_path, 'not_applicable = "rescale"\nnot_applicable_words = ["无此项"]').get("variant")
    assert score_form(_form("不适用"), definition).dropped == ()
    assert score_form(_form("无此项"), definition).dropped == ("满意度",)


def test_an_unknown_rule_is_refused(tmp_path):
    with pytest.raises(DefinitionError) as info:
        _registry(tmp_path, 'not_applicable = "drop"')
    assert "not_applicable 只能是 keep / rescale" in str(info.value)
