"""Invariants of scoring on every form kind, after any sequence of edits made the way the
window makes them (Workspace mutations): the 总分 is derived unless a person decided it,
computed scores stay within 0 and 分值, and a row without an override scores what the rules
say for what it holds now — never a stale score."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfdesk.demodata import build_workspace
from perfdesk.domain.definition import FormKind
from perfdesk.domain.model import Indicator
from perfdesk.domain.scoring import round2, score_form, score_indicator
from perfdesk.domain.validation import validate_form
from perfdesk.domain.values import parse, parse_number
from perfdesk.formdefs import default_registry

D = Decimal
REGISTRY = default_registry()
# The demo's first form of each definition, the same self-evaluation under the 万元 variant,
# and a declaration under the 2020 target table (declarations carry no scores at all).
KINDS = ["sh-declaration-2026", "sh-selfeval-2020", "national-selfeval-wanyuan", "sh-target-2020"]
SOURCE = {"national-selfeval-wanyuan": "sh-selfeval-2020", "sh-target-2020": "sh-declaration-2026"}

PROPERTY = settings(max_examples=120, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

numbers = st.one_of(st.integers(0, 2000).map(str), st.decimals(0, 1000, places=2).map(str),
                    st.sampled_from(["0", "0.5", "-3", "1,234.5", "１２"]))
units = st.sampled_from(["", "%", "个", "人", "万元", "元", "次", "(%)", "（万元）"])
signs = st.sampled_from(["", "=", "≥", "≤", ">", "<", ">=", "<=", "＝"])
quantities = st.builds(lambda s, n, u: f"{s}{n}{u}", signs, numbers, units)
words = st.sampled_from(["及时", "已完成", "略有延迟", "有效提升", "合规", "未完成", "≥", "=abc", "", "  ",
                         "2026年12月31日前", "X个"])
texts = st.one_of(quantities, words)
weights = st.one_of(st.none(), st.integers(0, 30).map(D), st.decimals(0, 30, places=2))
grades = st.sampled_from([None, "achieved", "partial", "missed", "unknown"])
edits = st.lists(st.tuples(st.integers(0, 40), st.sampled_from(["target", "actual", "weight", "grade", "score"]),
                           st.one_of(texts, weights, grades)), min_size=1, max_size=12)


def _fresh(indicator: Indicator) -> Indicator:
    """The row rebuilt from what it holds now: the texts parsed again, no override."""
    return Indicator(level1=indicator.level1, level2=indicator.level2, level3=indicator.level3,
                     target=parse(indicator.target.raw), actual=parse(indicator.actual.raw),
                     weight=indicator.weight, grade=indicator.grade)


def _apply(ws, form, edit) -> None:
    position, attr, value = edit
    if not form.indicators:
        return
    indicator = form.indicators[position % len(form.indicators)]
    if attr in ("target", "actual"):
        value = value if isinstance(value, str) else "" if value is None else str(value)
    elif attr in ("weight", "score"):
        if isinstance(value, str):
            try:
                value = parse_number(value)  # what the cell would store
            except ValueError:
                return  # refused: nothing stored
    elif attr == "grade":
        value = value if value in (None, "achieved", "partial", "missed", "unknown") else None
    ws.set_indicator(form.id, indicator.id, attr, value)


def _check(form, definition) -> None:
    score = score_form(form, definition)
    if definition.scoring is None:
        assert score.total is None and score.rows == {}
        return
    budget = score.budget.score if score.budget is not None and score.budget.score is not None else D(0)
    derived = round2(budget + sum((round2(r.score) for r in score.rows.values() if r.score is not None), D(0)))
    assert score.computed_total == derived
    if form.total is None:
        assert score.total == derived and not score.total_overridden
    else:
        assert score.total == form.total
    assert score.grade == (definition.scoring.grade_of(score.total) if form.total is not None or score.complete
                           else None)
    for indicator in form.indicators:
        row = score.rows[indicator.id]
        if row.computed is not None:
            assert D(0) <= row.computed <= indicator.weight and row.computed == round2(row.computed)
        rule, _ = score_indicator(_fresh(indicator), definition.scoring)
        assert row.computed == rule
        if indicator.score is None:
            assert row.score == rule  # a non-overridden row scores the rule's score, now
        else:
            assert row.score == indicator.score and row.entered_is_override
    validate_form(form, definition)  # never raises


def _workspace_with(definition_id):
    ws = build_workspace()
    source = SOURCE.get(definition_id, definition_id)
    form = next(f for f in ws.forms.values() if f.definition_id == source)
    if definition_id != form.definition_id:
        form.definition_id = definition_id
        if definition_id == "sh-target-2020":
            form.kind = FormKind.DECLARATION
    return ws, form, REGISTRY.get(definition_id)


@pytest.mark.parametrize("definition_id", KINDS)
@PROPERTY
@given(sequence=edits, total=st.one_of(st.none(), st.decimals(0, 100, places=2)),
       executed=st.one_of(st.none(), st.decimals(-100, 10 ** 7, places=2)))
def test_scores_follow_the_rules_after_any_edits(definition_id, sequence, total, executed):
    ws, form, definition = _workspace_with(definition_id)
    _check(form, definition)
    for edit in sequence:
        _apply(ws, form, edit)
        _check(form, definition)
    ws.set_total(form.id, total)
    if definition.budget_section() is not None:
        spec = definition.budget_section().budget_score
        ws.set_amount(form.id, f"{spec.row}.{spec.executed}", executed)
    _check(form, definition)


@pytest.mark.parametrize("definition_id", ["sh-selfeval-2020", "national-selfeval-wanyuan"])
def test_every_demo_self_evaluation_holds_the_invariants(definition_id):
    ws = build_workspace()
    definition = REGISTRY.get(definition_id)
    for form in ws.forms.values():
        if form.kind is FormKind.SELF_EVALUATION:
            form.definition_id = definition_id
            _check(form, definition)
