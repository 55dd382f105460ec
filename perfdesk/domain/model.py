"""Domain layer: the form document — unit, projects, forms, indicators — with stable ids.

Only the mutation methods of `Workspace` change a document, and each one announces what it
changed as a small `Event`. The store writes each event through to the file; the editing
layer maps events to item-model signals. Scores and issues are not stored here: they are
derived by `scoring` and `validation`, which are pure functions of a form.
"""

from __future__ import annotations

import copy
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Callable, Iterable, Iterator

from .definition import FormKind
from .values import EMPTY, Value, parse

INDICATOR_TEXT_ATTRS = ("level1", "level2", "level3", "reason", "grade")
INDICATOR_VALUE_ATTRS = ("target", "actual")
INDICATOR_NUMBER_ATTRS = ("weight", "score")
INDICATOR_FLAG_ATTRS = ("adjusted",)
INDICATOR_ATTRS = (
    INDICATOR_TEXT_ATTRS + INDICATOR_VALUE_ATTRS + INDICATOR_NUMBER_ATTRS + INDICATOR_FLAG_ATTRS
    + ("provenance", "score_note")
)


def is_extra_key(attr: str) -> bool:
    """Whether `attr` names one of a definition's own per-row columns (Indicator.extra), not
    a built-in attribute. The definition loader allows only such keys for those columns."""
    return attr not in INDICATOR_ATTRS and attr.isascii() and attr[:1].isalpha() and attr.islower() \
        and attr.replace("_", "").isalnum()


@dataclass(frozen=True)
class OverrideNote:
    """Why a person's score stands where the rules say otherwise: the reason they gave, when
    (ISO 8601, seconds), and the rules' score at that moment. Kept beside an entered 得分,
    预算执行率得分 or 总分; a score entered without one is an override all the same."""

    reason: str = ""
    at: str = ""
    computed: Decimal | None = None


@dataclass(frozen=True)
class FinalMark:
    """已定稿: the form was handed in as it is in snapshot `snapshot_id` (at `at`, ISO 8601).
    While the mark stands, every mutation of the form is refused (`FinalisedError`)."""

    form_id: str
    snapshot_id: str
    at: str


FINALISED, WITHDRAWN = "finalised", "withdrawn"


@dataclass(frozen=True)
class FinalEvent:
    """One line of a form's 定稿 history: finalised into a snapshot, or 撤回定稿 with a reason."""

    id: str
    form_id: str
    what: str  # FINALISED | WITHDRAWN
    at: str
    snapshot_id: str | None = None
    reason: str = ""


class FinalisedError(Exception):
    """A change to a finalised (已定稿) form: it must first be withdrawn (撤回定稿) with a reason.
    `form_ids` names the forms; `str(error)` is one Chinese sentence."""

    def __init__(self, form_ids: list[str], message: str):
        super().__init__(message)
        self.form_ids = list(form_ids)


def new_id() -> str:
    import uuid  # not at the top: uuid imports platform, which the window's start can do without

    return uuid.uuid4().hex


@dataclass
class Indicator:
    """One row of the indicator table: 一级 / 二级 / 三级, target, actual, 分值, 得分, 偏差原因."""

    id: str = field(default_factory=new_id)
    level1: str = ""
    level2: str = ""
    level3: str = ""
    target: Value = EMPTY
    actual: Value = EMPTY
    weight: Decimal | None = None  # 分值
    score: Decimal | None = None  # 得分 decided by a person (an override); None: the rule's score
    score_note: OverrideNote | None = None  # why, when, and the rule's score then
    grade: str | None = None  # qualitative grade band key
    reason: str = ""  # 偏差原因分析及改进措施
    adjusted: bool = False  # E10: deliberately differs from the declaration
    provenance: str = ""  # where carried values came from (roll forward)
    # The definition's own per-row columns (指标解释, 评(扣)分标准 …): key -> text; a key
    # without text is absent.
    extra: dict[str, str] = field(default_factory=dict)

    def copy(self, **changes) -> "Indicator":
        changes.setdefault("extra", dict(self.extra))
        return replace(self, **changes)

    def get(self, attr: str):
        """A built-in attribute, or the text of an extra column ("" when empty)."""
        if attr in INDICATOR_ATTRS:
            return getattr(self, attr)
        return self.extra.get(attr, "")


@dataclass
class TableRow:
    """One row of a form's own table section (年度主要任务: 任务名称 │ 主要内容 │ 预算金额):
    column key -> text. `id` is stable across undo and reopening."""

    id: str = field(default_factory=new_id)
    cells: dict[str, str] = field(default_factory=dict)


def copy_rows(rows: Iterable[TableRow]) -> list[TableRow]:
    """Rows of a table section, each with its own copy of the cells (ids kept)."""
    return [TableRow(row.id, dict(row.cells)) for row in rows]


@dataclass
class Form:
    """One filed form (a declaration or a self-evaluation) of a project and year."""

    project_id: str
    kind: FormKind
    year: int
    definition_id: str
    id: str = field(default_factory=new_id)
    fields: dict[str, str] = field(default_factory=dict)
    amounts: dict[str, Decimal | None] = field(default_factory=dict)  # "row.column" -> amount
    budget_score: Decimal | None = None  # 预算执行率 得分 decided by a person; None: computed
    total: Decimal | None = None  # 总分 decided by a person; None: derived from the rows
    budget_note: OverrideNote | None = None
    total_note: OverrideNote | None = None
    indicators: list[Indicator] = field(default_factory=list)
    # Table sections other than the indicators (年度主要任务 …): section key -> its rows.
    tables: dict[str, list[TableRow]] = field(default_factory=dict)

    def field(self, key: str) -> str:
        return self.fields.get(key, "")

    def amount(self, row: str, column: str) -> Decimal | None:
        return self.amounts.get(f"{row}.{column}")

    def indicator(self, indicator_id: str) -> Indicator:
        for indicator in self.indicators:
            if indicator.id == indicator_id:
                return indicator
        raise KeyError(indicator_id)

    def has_indicator(self, indicator_id: str) -> bool:
        return any(indicator.id == indicator_id for indicator in self.indicators)

    def position_of(self, indicator_id: str) -> int:
        for i, indicator in enumerate(self.indicators):
            if indicator.id == indicator_id:
                return i
        raise KeyError(indicator_id)


@dataclass
class Project:
    """A project whose forms the file holds."""

    name: str
    id: str = field(default_factory=new_id)


@dataclass
class Unit:
    """The budget unit the file belongs to (单位名称, 主管部门)."""

    name: str = ""
    department: str = ""  # 主管部门


@dataclass(frozen=True)
class Event:
    """What one mutation changed. `what` names the change; the ids say where."""

    what: str
    form_id: str | None = None
    item_id: str | None = None  # indicator or project id
    key: str | None = None  # field / amount key / indicator attribute
    position: int | None = None


Listener = Callable[[Event], None]
Guard = Callable[[], None]

# A step's closing event says how it ended (`Event.key`):
STEP_DONE = None  # keep every change: the store commits them as one transaction
STEP_ABORT = "abort"  # the step's own code failed half-way: write nothing
STEP_DISCARD = "discard"  # taking back, in memory only, a step the file refused


class Workspace:
    """Everything in one .perfdesk file: a unit, its projects, and their forms of any year.

    One user action is one *step*: `with ws.step(): ...` brackets its mutations with a
    `step_begin` and a `step_end` event, so listeners can treat them as one — the store
    writes them in one transaction, the editing layer re-analyses once. Steps nest; only the
    outermost counts. A mutation outside any step is a step of its own.
    """

    def __init__(self, unit: Unit | None = None):
        self.unit = unit or Unit()
        self.projects: dict[str, Project] = {}
        self._forms: dict[str, Form] = {}
        self._by_project: dict[str, dict[str, Form]] = {}
        self._listeners: list[Listener] = []
        self._guards: list[Guard] = []
        self._depth = 0
        # 定稿: snapshots by id (frozen records, see domain/snapshot.py), the forms marked 已定稿,
        # and every finalise / withdraw event, oldest first. Undo never reaches these.
        self.snapshots: dict[str, object] = {}
        self.finals: dict[str, FinalMark] = {}
        self.final_log: list[FinalEvent] = []

    @property
    def forms(self) -> dict[str, Form]:
        """All forms by id. Read it freely; change it only through the mutation methods
        (assigning a whole new dict, as a loader does, is allowed and re-indexes)."""
        return self._forms

    @forms.setter
    def forms(self, forms: dict[str, Form]) -> None:
        self._forms = forms
        self._by_project = {}
        for form in forms.values():
            self._by_project.setdefault(form.project_id, {})[form.id] = form

    # -- observation -------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        self._listeners.remove(listener)

    def add_guard(self, guard: Guard) -> None:
        """`guard()` runs before every mutation and may raise to refuse it (a read-only file
        refuses before the document changes, never after)."""
        self._guards.append(guard)

    def remove_guard(self, guard: Guard) -> None:
        if guard in self._guards:
            self._guards.remove(guard)

    def _guard(self) -> None:
        for guard in self._guards:
            guard()

    def _guard_form(self, form_id: str) -> None:
        """The guards, then: a finalised form is not changed until it is withdrawn."""
        self._guard()
        if form_id in self.finals:
            form = self._forms.get(form_id)
            what = (f"“{self.project_name(form)}”{form.year}年{form.kind.label}" if form is not None else "这张表")
            raise FinalisedError([form_id], f"{what}已定稿，不能修改；如需修改，请先撤回定稿并说明原因。")

    def _guard_project(self, project_id: str) -> None:
        """The guards, then: no finalised form in the project (its name is in their headers)."""
        self._guard()
        final = [form.id for form in self.forms_of(project_id) if form.id in self.finals]
        if final:
            name = self.projects[project_id].name if project_id in self.projects else ""
            raise FinalisedError(final, f"项目“{name}”有 {len(final)} 张表已定稿，不能修改；"
                                        f"如需修改，请先撤回定稿并说明原因。")

    def is_final(self, form_id: str) -> bool:
        return form_id in self.finals

    def _emit(self, event: Event) -> None:
        for listener in list(self._listeners):
            listener(event)

    @property
    def in_step(self) -> bool:
        return self._depth > 0

    @contextmanager
    def step(self, discard: bool = False) -> Iterator[None]:
        """One user action. `discard=True`: the changes inside only take back, in memory, a
        step whose write failed — the store ignores them (the file never had them)."""
        self._depth += 1
        if self._depth == 1:
            self._emit(Event("step_begin", key=STEP_DISCARD if discard else None))
        ending = STEP_DISCARD if discard else STEP_DONE
        try:
            yield
        except BaseException:
            if not discard:
                ending = STEP_ABORT
            raise
        finally:
            self._depth -= 1
            if self._depth == 0:
                self._end_step(Event("step_end", key=ending))

    def _end_step(self, event: Event) -> None:
        """Every listener hears the end of a step, even when one of them (the store, whose
        commit failed) raises; the first error then goes on to the caller."""
        error: BaseException | None = None
        for listener in list(self._listeners):
            try:
                listener(event)
            except BaseException as exc:  # noqa: BLE001 - re-raised below
                if error is None:
                    error = exc
        if error is not None:
            raise error

    def snapshot(self) -> "Workspace":
        """A detached deep copy with no listeners: what a background job (export) may read
        while the user goes on editing the original."""
        copied = Workspace(copy.deepcopy(self.unit))
        copied.projects = copy.deepcopy(self.projects)
        copied.forms = copy.deepcopy(self.forms)
        copied.snapshots = dict(self.snapshots)  # frozen records: shared
        copied.finals = dict(self.finals)
        copied.final_log = list(self.final_log)
        return copied

    # -- queries -----------------------------------------------------------------------
    def project_by_name(self, name: str) -> Project | None:
        for project in self.projects.values():
            if project.name == name:
                return project
        return None

    def forms_of(self, project_id: str) -> list[Form]:
        """A project's forms across years: its history, oldest first."""
        forms = self._by_project.get(project_id, {}).values()
        return sorted(forms, key=lambda f: (f.year, f.kind != FormKind.DECLARATION))

    def find_form(self, project_id: str, year: int, kind: FormKind) -> Form | None:
        for form in self._by_project.get(project_id, {}).values():
            if form.year == year and form.kind is kind:
                return form
        return None

    def years(self) -> list[int]:
        return sorted({f.year for f in self.forms.values()})

    def project_name(self, form: Form) -> str:
        project = self.projects.get(form.project_id)
        return project.name if project else ""

    # -- mutations: the only code that changes a document ------------------------------
    def set_unit(self, name: str | None = None, department: str | None = None) -> None:
        self._guard()
        if name is not None:
            self.unit.name = name
        if department is not None:
            self.unit.department = department
        self._emit(Event("unit"))

    def add_project(self, project: Project) -> Project:
        self._guard()
        if project.id in self.projects:
            raise ValueError(f"duplicate project id {project.id}")
        self.projects[project.id] = project
        self._emit(Event("project_added", item_id=project.id))
        return project

    def rename_project(self, project_id: str, name: str) -> None:
        self._guard_project(project_id)
        self.projects[project_id].name = name
        self._emit(Event("project_changed", item_id=project_id))

    def remove_project(self, project_id: str) -> None:
        self._guard_project(project_id)  # all refused before any goes
        for form in self.forms_of(project_id):
            self.remove_form(form.id)
        del self.projects[project_id]
        self._emit(Event("project_removed", item_id=project_id))

    def add_form(self, form: Form) -> Form:
        self._guard()
        if form.project_id not in self.projects:
            raise KeyError(f"unknown project {form.project_id}")
        if form.id in self.forms:
            raise ValueError(f"duplicate form id {form.id}")
        self._forms[form.id] = form
        self._by_project.setdefault(form.project_id, {})[form.id] = form
        self._emit(Event("form_added", form_id=form.id, item_id=form.project_id))
        return form

    def remove_form(self, form_id: str) -> None:
        self._guard_form(form_id)
        form = self._forms.pop(form_id)
        siblings = self._by_project.get(form.project_id, {})
        siblings.pop(form_id, None)
        if not siblings:
            self._by_project.pop(form.project_id, None)
        self._emit(Event("form_removed", form_id=form_id, item_id=form.project_id))

    def set_form_year(self, form_id: str, year: int) -> None:
        self._guard_form(form_id)
        self.forms[form_id].year = year
        self._emit(Event("form_changed", form_id=form_id, key="year"))

    def set_field(self, form_id: str, key: str, value: str) -> bool:
        form = self.forms[form_id]
        if form.fields.get(key, "") == value:
            return False
        self._guard_form(form_id)
        form.fields[key] = value
        if key == "project_name" and form.project_id in self.projects:
            # The header's 项目名称 is the project's name: keep one truth.
            self.projects[form.project_id].name = value
            self._emit(Event("project_changed", item_id=form.project_id))
        self._emit(Event("field", form_id=form_id, key=key))
        return True

    def set_amount(self, form_id: str, key: str, value: Decimal | None) -> bool:
        form = self.forms[form_id]
        if form.amounts.get(key) == value and (key in form.amounts or value is None):
            return False
        self._guard_form(form_id)
        form.amounts[key] = value
        self._emit(Event("amount", form_id=form_id, key=key))
        return True

    def set_budget_score(self, form_id: str, value: Decimal | None, note: "OverrideNote | None" = None) -> bool:
        form = self.forms[form_id]
        if form.budget_score == value and form.budget_note == note:
            return False
        self._guard_form(form_id)
        form.budget_score = value
        form.budget_note = note if value is not None else None
        self._emit(Event("form_changed", form_id=form_id, key="budget_score"))
        return True

    def set_total(self, form_id: str, value: Decimal | None, note: "OverrideNote | None" = None) -> bool:
        form = self.forms[form_id]
        if form.total == value and form.total_note == note:
            return False
        self._guard_form(form_id)
        form.total = value
        form.total_note = note if value is not None else None
        self._emit(Event("form_changed", form_id=form_id, key="total"))
        return True

    def set_indicator(self, form_id: str, indicator_id: str, attr: str, value) -> bool:
        """Set one attribute; values for target/actual may be text (parsed here). Any other
        lower-case key is an extra column's text ("" removes it)."""
        if attr not in INDICATOR_ATTRS:
            if not is_extra_key(attr):
                raise KeyError(attr)
            return self._set_extra(form_id, indicator_id, attr, "" if value is None else str(value))
        if attr in INDICATOR_VALUE_ATTRS and not isinstance(value, Value):
            value = parse(value)
        indicator = self.forms[form_id].indicator(indicator_id)
        old = getattr(indicator, attr)
        if attr in INDICATOR_VALUE_ATTRS and old.raw == value.raw:
            return False
        if old == value:
            return False
        self._guard_form(form_id)
        setattr(indicator, attr, value)
        self._emit(Event("indicator", form_id=form_id, item_id=indicator_id, key=attr))
        return True

    def _set_extra(self, form_id: str, indicator_id: str, key: str, text: str) -> bool:
        indicator = self.forms[form_id].indicator(indicator_id)
        if indicator.extra.get(key, "") == text:
            return False
        self._guard_form(form_id)
        if text:
            indicator.extra[key] = text
        else:
            indicator.extra.pop(key, None)
        self._emit(Event("indicator", form_id=form_id, item_id=indicator_id, key=key))
        return True

    def set_table(self, form_id: str, section: str, rows: Iterable[TableRow]) -> bool:
        """Replace the rows of one of the form's own table sections (年度主要任务)."""
        form = self.forms[form_id]
        rows = [TableRow(row.id, {k: v for k, v in row.cells.items() if v}) for row in rows]
        old = form.tables.get(section, [])
        if [(r.id, r.cells) for r in old] == [(r.id, r.cells) for r in rows]:
            return False
        self._guard_form(form_id)
        if rows:
            form.tables[section] = rows
        else:
            form.tables.pop(section, None)
        self._emit(Event("table", form_id=form_id, key=section))
        return True

    # Structural changes announce themselves before and after ("will_" events carry no
    # change yet), so an item model can bracket them with begin/end signals.
    def insert_indicator(self, form_id: str, position: int, indicator: Indicator) -> Indicator:
        form = self.forms[form_id]
        position = max(0, min(position, len(form.indicators)))
        self._guard_form(form_id)
        self._emit(Event("will_add_indicator", form_id=form_id, item_id=indicator.id, position=position))
        form.indicators.insert(position, indicator)
        self._emit(Event("indicator_added", form_id=form_id, item_id=indicator.id, position=position))
        return indicator

    def remove_indicator(self, form_id: str, indicator_id: str) -> tuple[int, Indicator]:
        form = self.forms[form_id]
        position = form.position_of(indicator_id)
        self._guard_form(form_id)
        self._emit(Event("will_remove_indicator", form_id=form_id, item_id=indicator_id, position=position))
        indicator = form.indicators.pop(position)
        self._emit(Event("indicator_removed", form_id=form_id, item_id=indicator_id, position=position))
        return position, indicator

    def move_indicator(self, form_id: str, indicator_id: str, position: int) -> None:
        form = self.forms[form_id]
        old = form.position_of(indicator_id)
        position = max(0, min(position, len(form.indicators) - 1))
        if position == old:
            return
        self._guard_form(form_id)
        self._emit(Event("will_move_indicator", form_id=form_id, item_id=indicator_id, position=position))
        indicator = form.indicators.pop(old)
        form.indicators.insert(position, indicator)
        self._emit(Event("indicator_moved", form_id=form_id, item_id=indicator_id, position=position))

    def replace_indicators(self, form_id: str, indicators: Iterable[Indicator]) -> None:
        """Structural replace in one step (roll forward, import)."""
        self._guard_form(form_id)
        self._emit(Event("will_reset_indicators", form_id=form_id))
        self.forms[form_id].indicators = list(indicators)
        self._emit(Event("indicators_reset", form_id=form_id))

    # -- 定稿: not undoable; each is one step of its own in the file ---------------------------
    def add_snapshot(self, snapshot, marks: Iterable[FinalMark] = ()) -> None:
        """Keep a snapshot (a frozen record with `id`) and mark its forms 已定稿 (`marks`)."""
        self._guard()
        if snapshot.id in self.snapshots:
            raise ValueError(f"duplicate snapshot id {snapshot.id}")
        marks = list(marks)
        for mark in marks:
            if mark.form_id not in self._forms:
                raise KeyError(mark.form_id)
        self.snapshots[snapshot.id] = snapshot
        self._emit(Event("snapshot_added", item_id=snapshot.id))
        for mark in marks:
            self.finals[mark.form_id] = mark
            event = FinalEvent(new_id(), mark.form_id, FINALISED, mark.at, mark.snapshot_id)
            self.final_log.append(event)
            self._emit(Event("finalised", form_id=mark.form_id, item_id=event.id))

    def withdraw(self, form_ids: Iterable[str], reason: str, at: str) -> list[FinalEvent]:
        """撤回定稿: the forms may be edited again; the reason is kept in their history.
        Forms that are not finalised are passed over. Returns the events logged."""
        reason = (reason or "").strip()
        if not reason:
            raise ValueError("撤回定稿需要说明原因。")
        self._guard()
        logged = []
        for form_id in form_ids:
            mark = self.finals.get(form_id)
            if mark is None:
                continue
            del self.finals[form_id]
            event = FinalEvent(new_id(), form_id, WITHDRAWN, at, mark.snapshot_id, reason)
            self.final_log.append(event)
            logged.append(event)
            self._emit(Event("withdrawn", form_id=form_id, item_id=event.id))
        return logged

    def restore_finals(self, snapshots: dict, finals: dict, final_log: list) -> None:
        """Only inside a discard step: put the 定稿 records back as the file still has them
        (a finalise or withdraw whose write the file refused)."""
        self.snapshots, self.finals, self.final_log = dict(snapshots), dict(finals), list(final_log)
        self._emit(Event("finals_restored"))

    def final_history(self, form_id: str) -> list[FinalEvent]:
        return [event for event in self.final_log if event.form_id == form_id]


def blank_form(ws: Workspace, project: Project, year: int, definition) -> Form:
    """A new, empty form of `definition` for a project (which may not be added yet): the
    header is filled from what the file already knows (project name, the unit as 实施单位,
    its 主管部门)."""
    fields = {"project_name": project.name}
    keys = {f.key for section in definition.sections for f in section.fields}
    if "department" in keys and ws.unit.department:
        fields["department"] = ws.unit.department
    if "implementer" in keys and ws.unit.name:
        fields["implementer"] = ws.unit.name
    form = Form(project_id=project.id, kind=definition.kind, year=year, definition_id=definition.id,
                fields={k: v for k, v in fields.items() if k in keys})
    # The rows a layout offers as a starting set (部门整体's common unit-level indicators).
    for section in definition.sections:
        for row in section.options.get("starting_rows", ()) if section.type.value == "indicators" else ():
            weight = row.get("weight")
            form.indicators.append(Indicator(level1=str(row.get("level1", "")), level2=str(row.get("level2", "")),
                                             level3=str(row.get("level3", "")), target=parse(str(row.get("target", ""))),
                                             weight=None if weight is None else Decimal(str(weight))))
    return form
