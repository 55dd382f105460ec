"""UI layer: 年度总览 — every project of a year in one sortable, filterable table with the
year's totals and three charts. A thin layer over `perfdesk.domain.overview`: the figures are
the domain's (the same as `perfdesk score`), this module only shows them.

Imported the first time the overview is shown, never on the window's way to the screen.
"""

from __future__ import annotations

import time
from decimal import Decimal

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from perfdesk.domain.definition import FormKind
from perfdesk.domain.overview import (
    DRAFT,
    ERRORS,
    FINAL,
    MISSING,
    PENDING,
    STATUS_LABELS,
    ProjectLine,
    YearOverview,
    build_overview,
)
from perfdesk.domain.scoring import FormScore, budget_score
from perfdesk.editing.indicator_model import solid
from perfdesk.editing.session import EditSession

from .charts import GradeChart, RateChart, WeightChart
from .dialogs import clear_button_once_typed

SORT_ROLE = Qt.ItemDataRole.UserRole + 40
FORM_ROLE = Qt.ItemDataRole.UserRole + 41  # the form a double-click opens

COLUMNS = (  # key, header
    ("project", "项目名称"), ("declaration", "申报表"), ("selfeval", "自评表"), ("funds", "年度资金（元）"),
    ("executed", "全年执行数（元）"), ("rate", "执行率"), ("total", "总分"), ("grade", "等级"),
    ("errors", "错误"), ("warnings", "警告"), ("overrides", "人工评定"), ("changed", "最后修改"),
)
NUMERIC = {"funds", "executed", "rate", "total", "errors", "warnings", "overrides"}
STATUS_COLORS = {MISSING: QColor("#9aa0a6"), DRAFT: QColor("#202124"), ERRORS: QColor("#c62828"),
                 FINAL: QColor("#2e7d32"), PENDING: QColor("#9aa0a6")}
CHECK_SLICE_S = 0.03  # the checks of a year's forms run in slices this long, between paints
FILTERS = (  # label, test of a line
    ("全部项目", lambda line: True),
    ("有错误", lambda line: line.errors > 0),
    ("有人工评定", lambda line: line.overrides > 0),
    ("自评表未建", lambda line: line.self_evaluation is None),
    ("自评表未定稿", lambda line: line.self_evaluation is not None and line.self_evaluation.status != FINAL),
    ("已定稿", lambda line: any(f.status == FINAL for f in line.forms())),
    ("执行率低于 90%", lambda line: line.rate is not None and line.rate < 90),
)


def money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def _figure(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
    return text


class OverviewModel(QAbstractTableModel):
    """The year's lines, kept sorted here in Python: the proxy in front only filters (a proxy
    sort calls `data` from C++ for every comparison, which cost 130 ms on 560 lines)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.lines: list[ProjectLine] = []
        self.sort_column, self.sort_order = 0, Qt.SortOrder.AscendingOrder

    def set_overview(self, overview: YearOverview | None) -> None:
        self.beginResetModel()
        self.lines = self._sorted(list(overview.lines) if overview is not None else [])
        self.endResetModel()

    def _sorted(self, lines: list[ProjectLine]) -> list[ProjectLine]:
        key = COLUMNS[self.sort_column][0]
        lines.sort(key=lambda line: line.project)  # ties keep the name order
        lines.sort(key=lambda line: self._sort(line, key),
                   reverse=self.sort_order == Qt.SortOrder.DescendingOrder)
        return lines

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        self.layoutAboutToBeChanged.emit()
        self.sort_column, self.sort_order = column, order
        old = {id(line): row for row, line in enumerate(self.lines)}
        self.lines = self._sorted(self.lines)
        moved = [self.index(old[id(line)], c) for line in self.lines for c in range(len(COLUMNS))]
        self.changePersistentIndexList(moved, [self.index(r, c) for r in range(len(self.lines))
                                               for c in range(len(COLUMNS))])
        self.layoutChanged.emit()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.lines)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][1]
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return section + 1
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        line = self.lines[index.row()]
        key = COLUMNS[index.column()][0]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(line, key)
        if role == SORT_ROLE:
            return self._sort(line, key)
        if role == FORM_ROLE:
            facts = line.declaration if key == "declaration" else (line.self_evaluation or line.declaration)
            if key == "selfeval" and line.self_evaluation is None:
                facts = None
            return facts.form_id if facts is not None else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if key in NUMERIC:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if key in ("declaration", "selfeval", "grade"):
                return int(Qt.AlignmentFlag.AlignCenter)
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            if key in ("declaration", "selfeval"):
                return solid(STATUS_COLORS[line.status(FormKind.DECLARATION if key == "declaration"
                                                        else FormKind.SELF_EVALUATION)])
            if key == "errors" and line.errors:
                return solid(STATUS_COLORS[ERRORS])
            if key == "rate" and line.rate is not None and line.rate < 90:
                return solid(QColor("#b35c00"))
            return None
        if role == Qt.ItemDataRole.ToolTipRole and key in ("declaration", "selfeval"):
            facts = line.declaration if key == "declaration" else line.self_evaluation
            if facts is None:
                return "未建：双击无效"
            return f"{facts.status_label}：{facts.errors} 个错误，{facts.warnings} 个警告。双击打开"
        return None

    @staticmethod
    def _text(line: ProjectLine, key: str) -> str:
        if key == "project":
            return line.project
        if key == "declaration":
            return STATUS_LABELS[line.status(FormKind.DECLARATION)]
        if key == "selfeval":
            return STATUS_LABELS[line.status(FormKind.SELF_EVALUATION)]
        if key in ("funds", "executed"):
            return money(getattr(line, key))
        if key == "rate":
            return "" if line.rate is None else f"{line.rate:.2f}%"
        if key in ("total", "grade", "errors", "warnings", "overrides") and not line.checked:
            return "…"  # still being worked out (see OverviewView._check_some)
        if key == "total":
            return _figure(line.total)
        if key == "grade":
            return line.grade or ""
        if key in ("errors", "warnings", "overrides"):
            return str(getattr(line, key))
        if key == "changed":
            return line.changed[:16].replace("T", " ")
        return ""

    @staticmethod
    def _sort(line: ProjectLine, key: str):
        if key in ("funds", "executed", "rate", "total"):
            value = getattr(line, key)
            return float(value) if value is not None else -1.0
        if key in ("errors", "warnings", "overrides"):
            return getattr(line, key)
        if key == "declaration":
            return list(STATUS_LABELS).index(line.status(FormKind.DECLARATION))
        if key == "selfeval":
            return list(STATUS_LABELS).index(line.status(FormKind.SELF_EVALUATION))
        if key == "grade":
            return line.grade or "~"
        if key == "changed":
            return line.changed
        return line.project


class _Filter(QSortFilterProxyModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.text = ""
        self.test = FILTERS[0][1]
        self.setDynamicSortFilter(False)

    def set_filter(self, text: str, test) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt 6.9+: invalidateFilter is deprecated
            self.beginFilterChange()
            self.text, self.test = text.strip(), test
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:  # pragma: no cover - older Qt
            self.text, self.test = text.strip(), test
            self.invalidateFilter()

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        """The source model sorts (in Python, once); the proxy keeps its order."""
        self.sourceModel().sort(column, order)

    def filterAcceptsRow(self, row, parent) -> bool:
        line = self.sourceModel().lines[row]
        if self.text and self.text not in line.project:
            return False
        return self.test(line)


class OverviewView(QWidget):
    """The overview of one year. `openForm(form_id)` on a double-click; `finaliseYear(year)`
    and `exportOverview(fmt)` when their buttons are pressed (the window does the work)."""

    openForm = Signal(str)
    finaliseYear = Signal(int)
    exportOverview = Signal(str)

    def __init__(self, session: EditSession, parent=None):
        super().__init__(parent)
        self.session = session
        self.year: int | None = None
        self.overview: YearOverview | None = None
        self._stale = False
        # Forms the session has analysed (or can redo alone): the first paint of a year shows
        # their 总分, 等级 and checks, and for the others the amounts and 执行率 only; those are
        # scored and checked in slices of CHECK_SLICE_S after the paint, then shown.
        self._checked: set[str] = set()
        self._pending: list[str] = []
        self._check_timer = QTimer(self)
        self._check_timer.setSingleShot(True)
        self._check_timer.setInterval(0)
        self._check_timer.timeout.connect(self._check_some)

        self.title = QLabel()
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.title.setFont(font)
        self.totals = QLabel()
        self.totals.setWordWrap(True)
        self.totals.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.search = QLineEdit()
        self.search.setPlaceholderText("筛选项目名称…")
        clear_button_once_typed(self.search)
        self.search.setMaximumWidth(260)
        self.which = QComboBox()
        for label, _ in FILTERS:
            self.which.addItem(label)
        self.finalise_button = QPushButton("定稿本年度…")
        self.xlsx_button = QPushButton("导出 Excel…")
        self.pdf_button = QPushButton("导出 PDF…")
        self.finalise_button.clicked.connect(lambda: self.year is not None and self.finaliseYear.emit(self.year))
        self.xlsx_button.clicked.connect(lambda: self.exportOverview.emit("xlsx"))
        self.pdf_button.clicked.connect(lambda: self.exportOverview.emit("pdf"))
        self.finalise_button.setEnabled(not session.read_only)

        self.model = OverviewModel(self)
        self.proxy = _Filter(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        # Sorting is the source model's own (see OverviewModel), driven by the header.
        header_view = self.table.horizontalHeader()
        header_view.setSectionsClickable(True)
        header_view.setSortIndicatorShown(True)
        header_view.setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        header_view.sortIndicatorChanged.connect(lambda column, order: self.model.sort(column, order))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(40)
        # Widths from the font, not from measuring every row (a year may have hundreds).
        metrics = self.table.fontMetrics()
        samples = {"declaration": "有错误", "selfeval": "有错误", "funds": "12,345,678.00",
                   "executed": "12,345,678.00", "rate": "100.00%", "total": "100.00", "grade": "优",
                   "errors": "99", "warnings": "99", "overrides": "99", "changed": "2026-12-31 23:59"}
        for column, (key, label) in enumerate(COLUMNS):
            if key in samples:
                width = max(metrics.horizontalAdvance(label), metrics.horizontalAdvance(samples[key])) + 24
                self.table.setColumnWidth(column, width)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        self.table.doubleClicked.connect(self._on_double_click)
        self.table.selectionModel().currentRowChanged.connect(self._on_current)
        self.search.textChanged.connect(self._apply_filter)
        self.which.currentIndexChanged.connect(self._apply_filter)

        self.rates = RateChart()
        self.grades = GradeChart()
        self.weights = WeightChart()
        charts = QWidget()
        row = QHBoxLayout(charts)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.rates, 5)
        row.addWidget(self.grades, 4)
        row.addWidget(self.weights, 4)

        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addStretch(1)
        top.addWidget(self.search)
        top.addWidget(self.which)
        top.addWidget(self.finalise_button)
        top.addWidget(self.xlsx_button)
        top.addWidget(self.pdf_button)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(charts)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addLayout(top)
        layout.addWidget(self.totals)
        layout.addWidget(self.splitter, 1)

        session.stepFinished.connect(self._on_step)

    # -- data --------------------------------------------------------------------------
    def set_year(self, year: int) -> None:
        self.year = year
        self.refresh()

    def refresh(self) -> None:
        if self.year is None:
            return
        session = self.session
        ws = session.workspace
        pending: list[str] = []

        def analyse(form):
            if form.id in self._checked:
                analysis = session.analysis(form.id)
                return analysis.score, analysis.issues
            # Not analysed yet: the 执行率 now (cheap), 总分, 等级 and the checks in slices after
            # the first paint.
            pending.append(form.id)
            return FormScore(budget=budget_score(form, session.registry.get(form.definition_id))), None

        self.overview = build_overview(ws, self.year, session.registry.get, changed=session.store.last_changes(),
                                       analyse=analyse)
        self._pending = pending
        if pending:
            self._check_timer.start()
        selected = self._selected_project()
        self.model.set_overview(self.overview)
        self.title.setText(f"{self.year} 年度总览")
        self.totals.setText(self._totals_text(self.overview, bool(pending)))
        self.rates.set_data([(line.project, line.rate) for line in self.overview.lines])
        self.grades.set_data(self.overview.grades, self.overview.totals_distribution(), pending=bool(pending))
        self._select_project(selected)
        self._show_weights()
        self._stale = False

    def _check_some(self) -> None:
        """Check the next forms for a slice of time; once all are checked, show their counts."""
        start = time.perf_counter()
        while self._pending and time.perf_counter() - start < CHECK_SLICE_S:
            form_id = self._pending.pop()
            if form_id in self.session.workspace.forms:
                self.session.analysis(form_id)
                self._checked.add(form_id)
        if self._pending:
            self._check_timer.start()
        else:
            self.refresh()

    @property
    def complete(self) -> bool:
        """Every form of the year is checked (errors and warnings shown)."""
        return not self._pending

    @staticmethod
    def _totals_text(overview: YearOverview, pending: bool = False) -> str:
        grades = "，".join(f"{label} {count} 个" for label, count in overview.grades.items()) or "—"
        if pending:
            grades = "计算中…"
        selfeval = overview.statuses.get(FormKind.SELF_EVALUATION.value, {})
        declaration = overview.statuses.get(FormKind.DECLARATION.value, {})
        rate = "—" if overview.rate is None else f"{overview.rate:.2f}%"
        executed = (f"执行数合计 {money(overview.executed_total)} 元（执行率 {rate}）　"
                    if overview.rate is not None else "")
        average = "—" if overview.average_total is None else _figure(overview.average_total)
        if pending:
            average = "计算中…"
        return (f"共 {len(overview.lines)} 个项目　资金合计 {money(overview.funds_total)} 元　"
                f"{executed}平均总分 {average}　等级：{grades}\n"
                + ("（检查中…）" if pending else "")
                + f"申报表：已定稿 {declaration.get(FINAL, 0)}，草稿 {declaration.get(DRAFT, 0)}，"
                f"有错误 {declaration.get(ERRORS, 0)}，未建 {declaration.get(MISSING, 0)}　"
                f"自评表：已定稿 {selfeval.get(FINAL, 0)}，草稿 {selfeval.get(DRAFT, 0)}，"
                f"有错误 {selfeval.get(ERRORS, 0)}，未建 {selfeval.get(MISSING, 0)}")

    def _on_step(self) -> None:
        # One refresh per step (analyses are cached by the session), only while shown;
        # otherwise on the next show.
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    # -- selection, filter, double-click -----------------------------------------------
    def _apply_filter(self, *args) -> None:
        self.proxy.set_filter(self.search.text(), FILTERS[self.which.currentIndex()][1])

    def _selected_project(self) -> str | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.model.lines[self.proxy.mapToSource(index).row()].project_id

    def _select_project(self, project_id: str | None) -> None:
        if project_id is None:
            return
        for row, line in enumerate(self.model.lines):
            if line.project_id == project_id:
                index = self.proxy.mapFromSource(self.model.index(row, 0))
                if index.isValid():
                    self.table.setCurrentIndex(index)
                return

    def _on_current(self, current, _previous) -> None:
        self._show_weights()

    def _show_weights(self) -> None:
        project_id = self._selected_project()
        line = None
        if project_id is not None and self.overview is not None:
            line = self.overview.line(project_id)
        elif self.overview is not None:
            line = next((l for l in self.overview.lines if l.weight_split), None)
        if line is None or not line.weight_split:
            self.weights.set_data("", {}, {})
            return
        self.weights.set_data(f"{line.project}（自评表，按一级指标）", line.weight_split, line.default_split)

    def _on_double_click(self, index) -> None:
        form_id = index.data(FORM_ROLE)
        if form_id:
            self.openForm.emit(form_id)

    def visible_projects(self) -> list[str]:
        """The project names in the table's current order and filter (tests, export)."""
        return [self.proxy.index(r, 0).data() for r in range(self.proxy.rowCount())]
