"""Editing layer: an issue's remedy (`domain.validation.Fix`) as an undoable step.

Validation says what could be done about an issue; this module turns that into the command
that does it, so the issues panel and the cell's context menu offer the same one-step
actions. A fix that needs the person — a reason for 标记为已调整, the 分值配平 dialog — asks
through the callbacks the window passes in; cancelling changes nothing.
"""

from __future__ import annotations

from typing import Callable

from perfdesk.domain.validation import (
    ADD_UNIT,
    BALANCE_WEIGHTS,
    BUDGET_COMPUTED,
    MARK_ADJUSTED,
    RESTORE_DECLARED,
    TOTAL_COMPUTED,
    UNMARK_ADJUSTED,
    USE_COMPUTED,
    Fix,
)

from .commands import SetIndicatorCommand, SetScoreCommand, Step, set_form_score_command
from .session import EditSession

# Fixes that open a dialog of the window rather than run a command here.
DIALOG_FIXES = (BALANCE_WEIGHTS,)


def with_unit(raw: str, unit: str) -> str:
    """The target text with its unit added in the form's print style: "=0" → "=0(次)"."""
    text = raw.rstrip()
    return f"{text}({unit})"


def fix_commands(session: EditSession, form_id: str, fix: Fix,
                 ask_reason: Callable[[str], str | None] | None = None) -> list[Step] | None:
    """The commands that carry out `fix`; None when the person cancelled or the fix no longer
    applies (the row is gone). `ask_reason(prompt)` asks for a short reason."""
    ws = session.workspace
    form = ws.forms.get(form_id)
    if form is None:
        return None
    indicator = None
    if fix.item_id is not None:
        if not form.has_indicator(fix.item_id):
            return None
        indicator = form.indicator(fix.item_id)
    if fix.kind == USE_COMPUTED and indicator is not None:
        return [SetScoreCommand(ws, form_id, indicator.id, None, None, "采用计算得分")]
    if fix.kind == TOTAL_COMPUTED:
        return [set_form_score_command(ws, form_id, "total", None, "总分按计算")]
    if fix.kind == BUDGET_COMPUTED:
        return [set_form_score_command(ws, form_id, "budget_score", None, "预算执行率得分按计算")]
    if fix.kind == ADD_UNIT and indicator is not None and fix.value:
        return [SetIndicatorCommand(ws, form_id, indicator.id, "target", with_unit(indicator.target.raw, fix.value),
                                    f"补充单位“{fix.value}”")]
    if fix.kind == RESTORE_DECLARED and indicator is not None and fix.value is not None:
        return [SetIndicatorCommand(ws, form_id, indicator.id, "target", fix.value, "按申报值恢复指标值")]
    if fix.kind == UNMARK_ADJUSTED and indicator is not None:
        return [SetIndicatorCommand(ws, form_id, indicator.id, "adjusted", False, "取消已调整")]
    if fix.kind == MARK_ADJUSTED and indicator is not None:
        reason = ask_reason("指标值与申报表不同的原因（将写入“偏差原因分析及改进措施”）：") if ask_reason else ""
        if reason is None:
            return None
        commands: list[Step] = [SetIndicatorCommand(ws, form_id, indicator.id, "adjusted", True, "标记为已调整")]
        reason = reason.strip()
        if reason and reason not in indicator.reason:
            text = f"指标值已调整：{reason}" + (f"；{indicator.reason}" if indicator.reason else "")
            commands.append(SetIndicatorCommand(ws, form_id, indicator.id, "reason", text, "标记为已调整"))
        return commands
    return None


def apply_fix(session: EditSession, form_id: str, fix: Fix,
              ask_reason: Callable[[str], str | None] | None = None) -> bool:
    """Run `fix` as one undo step. False: cancelled, not applicable, or refused by the file."""
    commands = fix_commands(session, form_id, fix, ask_reason)
    if not commands:
        return False
    return session.push_all(commands, fix.label) > 0
