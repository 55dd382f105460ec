"""Domain layer: scores a person decided, as opposed to the scores the rules give.

A score entered on a form is an *override*: it stands instead of the rule's score and says
why (`OverrideNote`). Forms that arrive with every score filled in — the published forms of
the demo, an imported Word or Excel file — keep a score as an override only where it differs
from the rule, so that editing a row moves its score like any other computed one.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from .definition import FormDefinition
from .model import Form, OverrideNote
from .scoring import round2, score_form

IMPORTED = "导入时的原值"
PUBLISHED = "发布表中的原值"


def now_text() -> str:
    """The time an override was made, as stored: local time to the second."""
    return datetime.datetime.now().isoformat(timespec="seconds")


def _same(a: Decimal | None, b: Decimal | None) -> bool:
    return a is not None and b is not None and round2(a) == round2(b)


def keep_differing_scores(form: Form, definition: FormDefinition, reason: str, *, keep_total: bool,
                          at: str | None = None) -> list[str]:
    """Turn the scores a form arrived with into overrides only where the rules say otherwise.

    Works on a form that is not in a workspace yet (it mutates it directly). Row scores and
    the 预算执行率得分 that differ from the rule stay, with `reason`; the others go, so the
    rule's score counts. The 总分 stays only with `keep_total` (a published form that must
    print as published) and only where it differs from the sum; otherwise it is derived.
    Returns notes in Chinese about what was not kept.
    """
    notes: list[str] = []
    at = at or now_text()
    if definition.scoring is None:  # declarations carry no scores
        for indicator in form.indicators:
            indicator.score, indicator.score_note = None, None
        form.budget_score = form.total = None
        form.budget_note = form.total_note = None
        return notes
    entered = {indicator.id: indicator.score for indicator in form.indicators}
    budget_entered, total_entered = form.budget_score, form.total
    for indicator in form.indicators:
        indicator.score, indicator.score_note = None, None
    form.budget_score = form.total = None
    form.budget_note = form.total_note = None
    rules = score_form(form, definition)
    for indicator in form.indicators:
        value = entered[indicator.id]
        row = rules.rows.get(indicator.id)
        computed = row.computed if row is not None else None
        if value is None or _same(value, computed):
            continue
        indicator.score = value
        indicator.score_note = OverrideNote(reason, at, computed)
    if budget_entered is not None and rules.budget is not None:
        computed = rules.budget.computed
        if not _same(budget_entered, computed):
            form.budget_score = budget_entered
            form.budget_note = OverrideNote(reason, at, computed)
    if total_entered is not None:
        derived = score_form(form, definition).total
        if not _same(total_entered, derived):
            if keep_total:
                form.total = total_entered
                form.total_note = OverrideNote(reason, at, derived)
            else:
                notes.append(f"表中的总分 {_plain(total_entered)} 与各行得分之和 {_plain(derived)} 不符，"
                             f"已按各行计算。")
    return notes


def _plain(value: Decimal | None) -> str:
    if value is None:
        return "（空）"
    text = format(round2(value), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
