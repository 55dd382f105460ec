"""Domain layer: 年度总览 — every project of a year at a glance, and the year's totals.

Pure: the figures come from the same `score_form` and `validate_form` that `perfdesk score`
and `perfdesk check` use, so the overview can never disagree with them. Amounts are shown in
元 (a 万元 form's amounts are converted), so a year's 资金合计 adds like with like.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable, Iterable

from .definition import FormDefinition, FormKind, SectionType
from .model import Form, Workspace
from .scoring import FormScore, level1_weights, round2, score_form
from .validation import Issue, Severity, validate_form

# A form's status in the overview.
MISSING, DRAFT, ERRORS, FINAL = "missing", "draft", "errors", "final"
PENDING = "pending"  # scored, not yet checked (the window fills the checks in after the first paint)
STATUS_LABELS = {MISSING: "未建", DRAFT: "草稿", ERRORS: "有错误", FINAL: "已定稿", PENDING: "检查中"}
WAN = Decimal(10000)


@dataclass
class FormFacts:
    """One form as the overview shows it."""

    form_id: str
    kind: FormKind
    status: str
    errors: int = 0
    warnings: int = 0
    overrides: int = 0  # rows, 预算执行率得分 and 总分 a person decided against the rules
    changed: str = ""  # ISO time of the last change, "" when not known
    checked: bool = True  # False: validation has not run yet (errors and warnings unknown)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass
class ProjectLine:
    """One project of the year: its 申报表 and 自评表 and the figures of the year."""

    project_id: str
    project: str
    declaration: FormFacts | None = None
    self_evaluation: FormFacts | None = None
    funds: Decimal | None = None  # 年度资金 (元): 全年预算数 of the self-evaluation, else the declaration's
    executed: Decimal | None = None  # 全年执行数 (元)
    rate: Decimal | None = None  # 执行率 in per cent, 2 decimals (as the self-evaluation prints it)
    budget_score: Decimal | None = None
    total: Decimal | None = None  # 总分 of the self-evaluation (the one that counts)
    grade: str | None = None
    weight_split: dict[str, Decimal] = field(default_factory=dict)  # Σ分值 per 一级 of the self-evaluation
    default_split: dict[str, Decimal] = field(default_factory=dict)  # the definition's default per 一级

    @property
    def errors(self) -> int:
        return sum(f.errors for f in self.forms())

    @property
    def warnings(self) -> int:
        return sum(f.warnings for f in self.forms())

    @property
    def overrides(self) -> int:
        return sum(f.overrides for f in self.forms())

    @property
    def changed(self) -> str:
        return max((f.changed for f in self.forms()), default="")

    @property
    def checked(self) -> bool:
        return all(f.checked for f in self.forms())

    def forms(self) -> list[FormFacts]:
        return [f for f in (self.declaration, self.self_evaluation) if f is not None]

    def status(self, kind: FormKind) -> str:
        facts = self.declaration if kind is FormKind.DECLARATION else self.self_evaluation
        return MISSING if facts is None else facts.status


@dataclass
class YearOverview:
    year: int
    lines: list[ProjectLine]
    funds_total: Decimal  # 资金合计 (元)
    executed_total: Decimal
    rate: Decimal | None  # 执行率 of the year: Σ执行数 ÷ Σ预算数 of the self-evaluations
    average_total: Decimal | None  # average 总分 of the self-evaluations that have one
    grades: dict[str, int]  # count per 等级, best first (every grade of the definitions)
    statuses: dict[str, dict[str, int]]  # kind value -> status -> count

    def line(self, project_id: str) -> ProjectLine:
        for line in self.lines:
            if line.project_id == project_id:
                return line
        raise KeyError(project_id)

    def totals_distribution(self, edges: Iterable[int] = (60, 70, 80, 90, 100)) -> list[tuple[str, int]]:
        """How many 总分 fall in each band: <60, 60–69, …, 90–100."""
        edges = list(edges)
        labels = [f"<{edges[0]}"] + [f"{a}–{b - 1}" if b != edges[-1] else f"{a}–{b}"
                                     for a, b in zip(edges, edges[1:])]
        counts = [0] * len(labels)
        for line in self.lines:
            if line.total is None:
                continue
            index = 0
            for k, edge in enumerate(edges[:-1]):
                if line.total >= edge:
                    index = k + 1
            counts[index] += 1
        return list(zip(labels, counts))


def _factor(definition: FormDefinition | None) -> Decimal:
    return WAN if definition is not None and definition.amount_unit == "万元" else Decimal(1)


def _in_yuan(value: Decimal | None, definition: FormDefinition | None) -> Decimal | None:
    return None if value is None else value * _factor(definition)


def declared_funds(form: Form, definition: FormDefinition | None) -> Decimal | None:
    """年度资金 of a declaration: the 年度资金 column's total (年度资金申请总额)."""
    if definition is None:
        return None
    for section in definition.sections_of(SectionType.FUNDING):
        for row_key, col_key in section.amount_cells():
            if col_key == "annual" and row_key == "total":
                return form.amount(row_key, col_key)
    return None


def overrides_of(score: FormScore) -> int:
    """Scores a person decided against the rules: rows, the 预算执行率得分, the 总分."""
    count = sum(1 for row in score.rows.values() if row.overridden)
    if score.budget is not None and score.budget.overridden:
        count += 1
    if score.total_overridden and score.computed_total is not None \
            and round2(score.total_entered) != score.computed_total:
        count += 1
    return count


def _facts(form: Form, issues: list[Issue] | None, score: FormScore | None, ws: Workspace,
           changed: dict[str, str]) -> FormFacts:
    checked = issues is not None
    issues = issues or []
    errors = sum(1 for issue in issues if issue.severity is Severity.ERROR)
    warnings = sum(1 for issue in issues if issue.severity is Severity.WARNING)
    if form.id in ws.finals:
        status = FINAL
    elif not checked:
        status = PENDING
    elif errors:
        status = ERRORS
    else:
        status = DRAFT
    mark = ws.finals.get(form.id)
    when = changed.get(form.id, "")
    if mark is not None and mark.at > when:
        when = mark.at
    return FormFacts(form.id, form.kind, status, errors, warnings, overrides_of(score) if score else 0, when,
                     checked)


# A form's (score, issues); issues None: not checked yet (the status is PENDING until they come).
Analyse = Callable[[Form], "tuple[FormScore, list[Issue] | None]"]


def build_overview(ws: Workspace, year: int, definition_of: Callable[[str], FormDefinition], *,
                   changed: dict[str, str] | None = None, analyse: Analyse | None = None) -> YearOverview:
    """The year's overview. `changed`: form id -> time of its last change (the store knows);
    `analyse`: a form's (score, issues), to reuse analyses already made (the window's session);
    by default they are computed here."""
    changed = changed or {}
    by_project: dict[str, dict[FormKind, Form]] = {}
    for form in ws.forms.values():
        if form.year == year:
            by_project.setdefault(form.project_id, {})[form.kind] = form

    def definition(form: Form) -> FormDefinition | None:
        return definition_by_id(form.definition_id)

    def definition_by_id(definition_id: str) -> FormDefinition | None:
        try:
            return definition_of(definition_id)
        except KeyError:
            return None

    def analysed(form: Form):
        if analyse is not None:
            return analyse(form)
        found = definition(form)
        if found is None:
            return None, []
        score = score_form(form, found)
        return score, validate_form(form, found, ws, score, definition_by_id)

    lines: list[ProjectLine] = []
    grades: dict[str, int] = {}
    statuses = {kind.value: {status: 0 for status in STATUS_LABELS if status != PENDING} for kind in FormKind}
    for project_id, forms in by_project.items():
        line = ProjectLine(project_id, ws.projects[project_id].name if project_id in ws.projects else "")
        declaration = forms.get(FormKind.DECLARATION)
        selfeval = forms.get(FormKind.SELF_EVALUATION)
        if declaration is not None:
            score, issues = analysed(declaration)
            line.declaration = _facts(declaration, issues, score, ws, changed)
            line.funds = _in_yuan(declared_funds(declaration, definition(declaration)), definition(declaration))
        if selfeval is not None:
            found = definition(selfeval)
            score, issues = analysed(selfeval)
            line.self_evaluation = _facts(selfeval, issues, score, ws, changed)
            section = found.budget_section() if found is not None else None
            if section is not None:
                spec = section.budget_score
                budget = selfeval.amount(spec.row, spec.budget)
                if budget is not None:
                    line.funds = _in_yuan(budget, found)
                line.executed = _in_yuan(selfeval.amount(spec.row, spec.executed), found)
            if score is not None and found is not None and found.scored:
                if score.budget is not None:
                    line.rate = score.budget.rate_percent
                    line.budget_score = score.budget.score
                line.total = score.total
                line.grade = score.grade
                line.weight_split = level1_weights(selfeval)
                line.default_split = {level.name: level.weight for level in found.taxonomy.level1
                                      if level.weight is not None}
                if score.grade:
                    grades[score.grade] = grades.get(score.grade, 0) + 1
        for kind in FormKind:
            counts = statuses[kind.value]
            counts[line.status(kind)] = counts.get(line.status(kind), 0) + 1
        lines.append(line)
    lines.sort(key=lambda line: line.project)
    funds = sum((line.funds for line in lines if line.funds is not None), Decimal(0))
    executed = sum((line.executed for line in lines if line.executed is not None), Decimal(0))
    budgets = sum((line.funds for line in lines if line.executed is not None and line.funds), Decimal(0))
    rate = round2(executed / budgets * 100) if budgets else None
    totals = [line.total for line in lines if line.total is not None]
    average = round2(sum(totals, Decimal(0)) / len(totals)) if totals else None
    ordered = _grade_order(ws, year, definition_of)
    grade_counts = {label: grades.get(label, 0) for label in ordered}
    for label, count in grades.items():
        grade_counts.setdefault(label, count)
    return YearOverview(year, lines, funds, executed, rate, average, grade_counts, statuses)


def _grade_order(ws: Workspace, year: int, definition_of) -> list[str]:
    """The grade labels of the year's self-evaluation definitions, best first."""
    labels: list[str] = []
    for form in ws.forms.values():
        if form.year != year or form.kind is not FormKind.SELF_EVALUATION:
            continue
        try:
            definition = definition_of(form.definition_id)
        except KeyError:
            continue
        if definition.scoring is not None:
            for label, _ in definition.scoring.grade_thresholds:
                if label not in labels:
                    labels.append(label)
    return labels


def _num(value: Decimal | None):
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def overview_payload(overview: YearOverview) -> dict:
    """The overview as JSON data (`perfdesk overview --json`)."""
    def facts(f: FormFacts | None):
        if f is None:
            return {"status": MISSING, "status_label": STATUS_LABELS[MISSING]}
        return {"id": f.form_id, "status": f.status, "status_label": f.status_label, "errors": f.errors,
                "warnings": f.warnings, "overrides": f.overrides, "changed": f.changed or None}

    return {
        "year": overview.year,
        "projects": [{
            "project": line.project, "project_id": line.project_id,
            "declaration": facts(line.declaration), "self_evaluation": facts(line.self_evaluation),
            "funds": _num(line.funds), "executed": _num(line.executed), "rate": _num(line.rate),
            "budget_score": _num(line.budget_score), "total": _num(line.total), "grade": line.grade,
            "errors": line.errors, "warnings": line.warnings, "overrides": line.overrides,
            "changed": line.changed or None,
            "weight_split": {k: _num(v) for k, v in line.weight_split.items()},
            "default_split": {k: _num(v) for k, v in line.default_split.items()},
        } for line in overview.lines],
        "totals": {
            "projects": len(overview.lines), "funds": _num(overview.funds_total),
            "executed": _num(overview.executed_total), "rate": _num(overview.rate),
            "average_total": _num(overview.average_total), "grades": dict(overview.grades),
            "statuses": overview.statuses,
        },
    }
