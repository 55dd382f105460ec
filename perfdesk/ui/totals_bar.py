"""UI layer: the totals bar under the form — Σ分值 against 100 with the split per 一级, 总分 and
grade, and the form's issue counts. It never scrolls away.

It is worked out again when its form's analysis changes (once per step), from the analysis
the session already holds; a label is only given new text when its text changed, so an
edit that moves no total costs no relayout."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton

from perfdesk.domain.scoring import level1_weights
from perfdesk.domain.validation import Severity, count_by_severity
from perfdesk.domain.model import OverrideNote
from perfdesk.domain.overrides import now_text
from perfdesk.editing.cell_plan import parse_decimal
from perfdesk.editing.commands import set_form_score_command
from perfdesk.editing.indicator_model import format_decimal
from perfdesk.editing.session import EditSession

from .dialogs import Ask
from .looks import fill

GOOD, BAD, MUTED = "#1b7f3b", "#c62828", "#555555"


def _show(label: QLabel, text: str) -> None:
    if label.text() != text:
        label.setText(text)


def _chip(text: str, color: str, bold: bool = False) -> str:
    weight = "bold" if bold else "normal"
    return f'<span style="color:{color}; font-weight:{weight}">{text}</span>'


class TotalsBar(QFrame):
    def __init__(self, session: EditSession, parent=None):
        super().__init__(parent)
        self.session = session
        self.form_id: str | None = None
        self.setFrameShape(QFrame.Shape.StyledPanel)
        fill(self, "#f6f8fa")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        self.weights = QLabel()
        self.score = QLabel()
        self.issues = QLabel()
        # 总分 is derived from the rows; a person may decide it only explicitly, with a reason.
        self.total_button = QToolButton()
        self.total_button.clicked.connect(self.toggle_total_override)
        layout.addWidget(self.weights, 1)
        layout.addWidget(self.score)
        layout.addWidget(self.total_button)
        layout.addWidget(self.issues)
        session.analysisChanged.connect(self._on_analysis_changed)

    def set_form(self, form_id: str | None) -> None:
        self.form_id = form_id
        self.refresh()

    def _on_analysis_changed(self, form_id: str) -> None:
        if form_id == self.form_id:
            self.refresh()

    def refresh(self) -> None:
        if self.form_id is None or self.form_id not in self.session.workspace.forms:
            for label in (self.weights, self.score, self.issues):
                _show(label, "")
            self.total_button.hide()
            return
        form = self.session.form(self.form_id)
        definition = self.session.definition(self.form_id)
        analysis = self.session.analysis(self.form_id)
        counts = count_by_severity(analysis.issues)
        _show(self.issues,
              _chip(f"错误 {counts[Severity.ERROR]}", BAD if counts[Severity.ERROR] else MUTED) + "　"
              + _chip(f"警告 {counts[Severity.WARNING]}", "#b26a00" if counts[Severity.WARNING] else MUTED) + "　"
              + _chip(f"提示 {counts[Severity.INFO]}", MUTED))
        if not definition.scored:
            _show(self.weights, f"指标 {len(form.indicators)} 项")
            _show(self.score, "")
            self.total_button.hide()  # a declaration has no 总分 to decide
            return
        score = analysis.score
        expected = definition.scoring.total_weight
        ok = score.weight_total == expected
        parts = []
        if score.budget is not None:
            parts.append(f"预算执行率 {format_decimal(score.budget.weight)}")
        for level1, weight in level1_weights(form).items():
            found = definition.taxonomy.find(level1)
            hint = found.weight if found is not None else None
            text = f"{level1 or '未填一级'} {format_decimal(weight)}"
            if hint is not None and weight != hint:
                text += f"（建议 {format_decimal(hint)}）"
            parts.append(text)
        sum_chip = _chip(f"分值合计 {format_decimal(score.weight_total)} / {format_decimal(expected)}",
                         GOOD if ok else BAD, True)
        off = (" ✔" if ok else f" 差 {format_decimal(expected - score.weight_total)}" if score.weight_total < expected
               else f" 超 {format_decimal(score.weight_total - expected)}")
        _show(self.weights, sum_chip + off + "　" + _chip("　·　".join(parts), MUTED))
        total = format_decimal(score.total) if score.total is not None else "—"
        grade = score.grade or ("待评定" if not score.complete else "—")
        shown = f"总分 {total}"
        colour = "#111111"
        if form.total is not None:
            derived = getattr(score, "computed_total", None)
            if derived is None and form.total_note is not None:
                derived = form.total_note.computed
            rule = f"按各行计算为 {format_decimal(derived)}" if derived is not None else "人工确定"
            shown += f"（人工确定；{rule}）"
            colour = "#1946aa"
            reason = form.total_note.reason if form.total_note is not None and form.total_note.reason else "未填写理由"
            self.score.setToolTip(f"总分由人工确定，理由：{reason}。点“总分按计算”恢复按各行计算。")
        else:
            self.score.setToolTip("总分 = 预算执行率得分 + 各行得分，按规则自动计算")
        _show(self.score, _chip(shown, colour, True) + "　" + _chip(f"等级 {grade}", "#111111", True))
        self.total_button.setText("总分按计算" if form.total is not None else "人工确定总分…")
        self.total_button.setEnabled(not self.session.read_only)
        self.total_button.show()

    def toggle_total_override(self) -> bool:
        """人工确定总分… (a value and a reason) or 总分按计算, as one step."""
        if self.form_id is None or self.session.read_only:
            return False
        form = self.session.form(self.form_id)
        ws = self.session.workspace
        if form.total is not None:
            return self.session.push(set_form_score_command(ws, self.form_id, "total", None, "总分按计算"))
        score = self.session.analysis(self.form_id).score
        text = Ask.text(self, "人工确定总分", f"按各行计算的总分为 {format_decimal(score.total)}。\n人工确定的总分：")
        number = parse_decimal(text) if text else None
        if number is None or number is False or number == score.total:
            return False
        reason = Ask.text(self, "人工确定总分", "请简要说明理由（将随文件保存，并在检查结果中列出）：")
        if reason is None:
            return False
        note = OverrideNote(reason, now_text(), score.total)
        return self.session.push(set_form_score_command(ws, self.form_id, "total", number,
                                                        f"人工确定总分为 {format_decimal(number)}", note))
