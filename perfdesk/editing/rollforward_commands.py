"""Editing layer: a roll forward or an import as ONE undo step.

Both wrap a pure apply/revert pair (`perfdesk.domain.rollforward.apply_plan`/`revert_plan`,
`perfdesk.importing.apply_import`/`revert_import`). The apply deep-copies the plan's forms and
keeps their ids, so a redo after an undo brings back the very same ids the window and the
file had before.

A step that fails leaves the document as it was and no undo step: a stale plan (the document
changed since the plan was made, `PlanConflict`) is kept on `command.error` for the caller to
show (the apply takes back what it had added before the error goes on); a write the file
refuses is taken back by the session, which reports it through `saveFailed`. So a caller does

    if not session.push(command) and command.error: show(command.error_text)
"""

from __future__ import annotations

import sqlite3

from perfdesk.domain.model import Workspace
from perfdesk.domain.rollforward import Applied, PlanConflict, RollForwardPlan, apply_plan, revert_plan
from perfdesk.importing import ImportPlan, apply_import, revert_import
from perfdesk.store import StoreError

from .commands import Step

class _AddFormsStep(Step):
    """Shared behaviour of the two commands: apply adds, revert removes exactly that."""

    def __init__(self, ws: Workspace, text: str):
        super().__init__(text)
        self.ws = ws
        self.applied: Applied | None = None
        self.error: Exception | None = None

    # subclasses
    def _apply(self) -> Applied:  # pragma: no cover - abstract
        raise NotImplementedError

    def _revert(self, applied: Applied) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def form_ids(self) -> tuple[str, ...]:
        return self.applied.form_ids if self.applied is not None else ()

    @property
    def error_text(self) -> str:
        return _describe(self.error) if self.error is not None else ""

    def apply(self) -> None:
        self.error = None
        try:
            self.applied = self._apply()
        except (PlanConflict, KeyError, ValueError) as exc:
            # A stale plan: apply_plan/apply_import took back what they had added.
            self.applied = None
            self.error = exc

    def revert(self) -> None:
        if self.applied is not None:
            self._revert(self.applied)

    def changed(self) -> bool:
        return self.applied is not None and bool(self.applied.form_ids or self.applied.project_ids)


class ApplyPlanCommand(_AddFormsStep):
    """Roll forward: the plan's new forms (and projects) in one step."""

    def __init__(self, ws: Workspace, plan: RollForwardPlan, text: str | None = None):
        count = len(plan.to_create)
        super().__init__(ws, text or f"结转：新建 {count} 张{plan.kind.label}")
        self.plan = plan

    def _apply(self) -> Applied:
        return apply_plan(self.ws, self.plan)

    def _revert(self, applied: Applied) -> None:
        revert_plan(self.ws, applied)


class ApplyImportCommand(_AddFormsStep):
    """Import: the planned forms, new projects and (for a new file) the unit's name in one step."""

    def __init__(self, ws: Workspace, plan: ImportPlan, text: str | None = None):
        super().__init__(ws, text or f"导入 {len(plan.to_create)} 张表")
        self.plan = plan

    def _apply(self) -> Applied:
        return apply_import(self.ws, self.plan)

    def _revert(self, applied: Applied) -> None:
        revert_import(self.ws, applied)


def _describe(exc: Exception) -> str:
    """One Chinese line for a dialog; our own errors already speak Chinese."""
    if isinstance(exc, (PlanConflict, StoreError)):
        return str(exc)
    if isinstance(exc, (OSError, sqlite3.Error)):
        return f"无法写入文件（{getattr(exc, 'strerror', None) or exc}）。"
    return f"文件内容与预览时不同（{exc}），请重新生成预览。"
