"""分值配平 in the window: whole points, entered scores moved with their weights (each with a
note saying so), all in one undo step that is on disk at once."""

from decimal import ROUND_HALF_UP, Decimal

from perfdesk.domain.validation import validate_form
from perfdesk.store import FileStore
from perfdesk.ui.dialogs import WeightDialog, WeightPlan

from .conftest import open_form

D = Decimal


def on_disk(path, form_id):
    with FileStore.open(path, read_only=True) as reader:
        return reader.workspace.forms.get(form_id)


def _group(form, level1):
    return [i for i in form.indicators if i.level1 == level1]


def test_dialog_offers_rescaling_only_where_scores_were_entered(window):
    form_id = open_form(window, "补充日常经费")
    session = window.session
    form, definition = session.form(form_id), session.definition(form_id)
    dialog = WeightDialog(window, form, definition)
    assert dialog.rescale.text() == "按新分值等比调整已人工评定的得分"
    assert dialog.rescale.isEnabled() and dialog.rescale.isChecked()  # 补充日常经费 has entered scores
    assert dialog.plan().rescale_scores
    dialog.rescale.setChecked(False)
    assert not dialog.plan().rescale_scores
    only = WeightDialog(window, form, definition, only="效益指标")
    assert [level1 for level1, check, _ in only.rows if check.isChecked()] == ["效益指标"]
    # a form without entered scores: nothing to rescale
    bare = type(form)(project_id=form.project_id, kind=form.kind, year=form.year, definition_id=form.definition_id,
                      indicators=[i.copy(score=None) for i in form.indicators])
    dialog = WeightDialog(window, bare, definition)
    assert not dialog.rescale.isEnabled() and not dialog.plan().rescale_scores


def test_balancing_rescales_entered_scores_in_one_step(window, demo_path, monkeypatch):
    form_id = open_form(window, "补充日常经费")
    session = window.session
    form = session.form(form_id)
    definition = session.definition(form_id)
    benefit = _group(form, "效益指标")
    entered = [(i.id, i.weight, i.score) for i in benefit if i.score is not None]
    assert entered  # the published judgement scores of 效益指标
    depth = session.undo_stack.count()
    monkeypatch.setattr(WeightDialog, "ask", classmethod(
        lambda cls, parent, form, definition: WeightPlan((("效益指标", D(20)),), "proportional", True)))
    assert window.editor.indicator_panel.balance_weights() > 0
    assert session.undo_stack.count() == depth + 1  # one step
    saved = on_disk(demo_path, form_id)
    rows = _group(saved, "效益指标")
    assert sum(i.weight for i in rows) == 20
    assert all(i.weight == i.weight.to_integral_value() for i in rows)  # whole points, never 3.92
    for indicator_id, old_weight, old_score in entered:
        row = saved.indicator(indicator_id)
        assert row.score <= row.weight
        assert row.score == min((old_score * row.weight / old_weight).quantize(D("0.01"), ROUND_HALF_UP), row.weight)
        assert row.score_note.reason == "分值配平时按比例调整" and len(row.score_note.at) == 19
    issues = validate_form(saved, definition)
    assert not [i for i in issues if i.code == "E2"]  # no 得分 above its 分值
    window.undo_action.trigger()
    restored = on_disk(demo_path, form_id)
    for indicator_id, old_weight, old_score in entered:
        assert (restored.indicator(indicator_id).weight, restored.indicator(indicator_id).score) == (
            old_weight, old_score)


def test_without_rescaling_scores_stay_and_e2_says_so(window, demo_path, monkeypatch):
    form_id = open_form(window, "补充日常经费")
    monkeypatch.setattr(WeightDialog, "ask", classmethod(
        lambda cls, parent, form, definition: WeightPlan((("效益指标", D(10)),), "even", False)))
    before = {i.id: i.score for i in _group(window.session.form(form_id), "效益指标")}
    assert window.editor.indicator_panel.balance_weights() > 0
    saved = on_disk(demo_path, form_id)
    assert {i.id: i.score for i in _group(saved, "效益指标")} == before
    assert [i for i in validate_form(saved, window.session.definition(form_id)) if i.code == "E2"]
