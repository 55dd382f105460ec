"""UI layer: the main window — navigator on the left, the form in the middle, issues below,
the undo history on demand — and the file menu that never loses anything: every edit is
already in the file, "另存为…" writes a copy, a second window on the same file is read-only.
"""

from __future__ import annotations

import time
import zlib
from pathlib import Path

from PySide6.QtCore import QFile, QRect, QSettings, QSize, Qt
from PySide6.QtGui import QAction, QGuiApplication, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from perfdesk.domain.validation import Issue
from perfdesk.editing.session import EditSession
from perfdesk.formdefs import Registry, default_registry
from perfdesk.paths import data_dir, settings_path
from perfdesk.store import FileStore, StoreError

from .dialogs import Ask
from .form_editor import FormEditor
from .issues_panel import IssuesPanel
from .navigator import NavigatorPanel

MAX_RECENT = 8
# The strips above the form; set when first shown (a style sheet costs the start even hidden).
READ_ONLY_STYLE = ("background: #fff3cd; color: #6b4e00; border: 1px solid #e0c46c;"
                   " padding: 6px; font-weight: bold;")
FINAL_STYLE = "background: #e8f5e9; color: #1b5e20;"
ISSUES_HEIGHT, ISSUES_HEIGHT_SMALL = 170, 112  # the 问题 strip's first height (px), small screens
SMALL_WINDOW_HEIGHT = 800  # a window lower than this (a 1366×768 screen) counts as small
NAVIGATOR_WIDTH = 260
PREFERRED_SIZE = QSize(1400, 880)  # the first window on a screen with room for it
SCREEN_SHARE = 0.9  # never more of the work area than this, leaving room for the frame


def fit_size(preferred: QSize, available: QRect, share: float = SCREEN_SHARE) -> QSize:
    """`preferred`, made no larger than `share` of the available work area."""
    return QSize(max(1, min(preferred.width(), int(available.width() * share))),
                 max(1, min(preferred.height(), int(available.height() * share))))


def first_size(available: QRect) -> QRect:
    """Where the first window goes on a screen whose work area (task bar excluded) is
    `available`: the preferred size when it fits in 90 % of it, else 90 % of it; centred."""
    size = fit_size(PREFERRED_SIZE, available)
    rect = QRect(0, 0, size.width(), size.height())
    rect.moveCenter(available.center())
    return rect


def starts_maximised(available: QRect) -> bool:
    """A small screen (1366×768 and the like): the first window takes all of it."""
    return available.width() < PREFERRED_SIZE.width() or available.height() < PREFERRED_SIZE.height()


def _file_key(path: Path) -> str:
    """A settings key for a file: paths hold characters QSettings keys must not."""
    text = str(Path(path).resolve())
    return f"last_form/{zlib.crc32(text.encode('utf-8')):08x}"


QT_IMAGES = ":/qt-project.org/styles/commonstyle/images/"  # Qt's built-in pictures
QT_IMAGE_SIZES = (16, 24, 32, 128)


def standard_icon(pixmap: str, image: str) -> QIcon:
    """Qt's picture of a standard action (QStyle.StandardPixmap `pixmap`), read from the images
    built into Qt (`image`-16.png, -32.png …): what the style gives when the desktop has no icon
    theme, on every desktop alike. Asking the style instead builds QStyle's Python type and,
    under X, searches the desktop's icon themes: 130–170 ms at start (measured under Xvfb),
    during which the window answers nothing. A Qt without those files gets the style's icon."""
    icon = QIcon()
    for size in QT_IMAGE_SIZES:
        path = f"{QT_IMAGES}{image}-{size}.png"
        if QFile.exists(path):
            icon.addFile(path, QSize(size, size))
    if icon.isNull():
        from PySide6.QtWidgets import QStyle

        icon = QApplication.style().standardIcon(getattr(QStyle.StandardPixmap, pixmap))
    return icon


def settings() -> QSettings:
    return QSettings(str(settings_path()), QSettings.Format.IniFormat)


def recent_files() -> list[str]:
    value = settings().value("recent", [])
    if isinstance(value, str):
        value = [value]
    return [str(v) for v in value or []]


def remember_file(path: Path) -> None:
    path_text = str(Path(path).resolve())
    current = recent_files()
    files = ([path_text] + [p for p in current if p != path_text])[:MAX_RECENT]
    if files == current:
        return  # already the latest (reopening the last file): rewriting it would only cost a disk sync
    store = settings()
    store.setValue("recent", files)
    store.sync()


class MainWindow(QMainWindow):
    def __init__(self, registry: Registry | None = None):
        super().__init__()
        self.registry = registry or default_registry()
        self.session: EditSession | None = None
        self.setAcceptDrops(True)
        self._place_first()
        self.setWindowTitle("PerfDesk")

        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.hide()
        self.central = QWidget()
        self.central_layout = QVBoxLayout(self.central)
        self.central_layout.setContentsMargins(0, 0, 0, 0)
        self.central_layout.addWidget(self.banner)
        # 已定稿: a strip above a finalised form, with the way back to editing it.
        self.final_banner = QWidget()
        strip = QHBoxLayout(self.final_banner)
        strip.setContentsMargins(8, 4, 8, 4)
        self.final_label = QLabel()
        self.final_label.setWordWrap(True)
        self.withdraw_button = QPushButton("撤回定稿…")
        self.withdraw_button.clicked.connect(lambda: self.withdraw_current())
        self.final_history_button = QPushButton("定稿记录")
        self.final_history_button.clicked.connect(lambda: self.show_final_history())
        strip.addWidget(self.final_label, 1)
        strip.addWidget(self.final_history_button)
        strip.addWidget(self.withdraw_button)
        self.final_banner.hide()
        self.central_layout.addWidget(self.final_banner)
        self.setCentralWidget(self.central)
        self.overview = None  # the 年度总览 (perfdesk/ui/overview.py), made when first shown
        self.keeps_layout = True  # False for a snapshot's read-only window: the user's layout stays
        self.editor: FormEditor | None = None
        self.navigator: NavigatorPanel | None = None
        self.issues: IssuesPanel | None = None

        self.nav_dock = self._dock("导航", "navigator", Qt.DockWidgetArea.LeftDockWidgetArea)
        self.issues_dock = self._dock("问题", "issues", Qt.DockWidgetArea.BottomDockWidgetArea)
        self.history_dock = self._dock("撤销历史", "history", Qt.DockWidgetArea.RightDockWidgetArea)
        # The undo history starts hidden: its list is built the first time the dock shows.
        self.history = None
        self.history_dock.hide()
        self.history_dock.visibilityChanged.connect(lambda visible: visible and self._ensure_history())
        # The form gets the height; the issues list starts as a strip the user can pull up.

        self.saved_label = QLabel()
        self.statusBar().addPermanentWidget(self.saved_label)
        self._write_actions: list[QAction] = []  # the actions a read-only file disables
        self.find_dialog = None  # made when 查找 is first used
        self.help_dialog = None
        self._icons_set = False
        self._build_menus()
        self._build_toolbar()
        self._restore_layout()
        if self.registry.problems:  # the user's own definitions that could not be used
            first = self.registry.problems[0].splitlines()[0]
            more = f"（另有 {len(self.registry.problems) - 1} 个）" if len(self.registry.problems) > 1 else ""
            self.statusBar().showMessage(f"有自定义表单定义未能载入{more}：{first}", 30000)

    # -- size and place --------------------------------------------------------------------------
    def _place_first(self) -> None:
        screen = QGuiApplication.primaryScreen()
        if screen is None:
            self.resize(PREFERRED_SIZE)
            return
        available = screen.availableGeometry()
        self.setGeometry(first_size(available))
        if starts_maximised(available):
            self.setWindowState(Qt.WindowState.WindowMaximized)

    def _restore_layout(self) -> None:
        """The size, place and docks the window had when last closed (Qt keeps a restored
        window on a screen that still exists)."""
        store = settings()
        geometry = store.value("window/geometry")
        if geometry:
            self.restoreGeometry(geometry)
        state = store.value("window/state")
        if state:
            self.restoreState(state)
        self._default_docks = not state

    def _size_docks(self) -> None:
        """The docks' first sizes (no layout saved yet), once the window has its real size:
        the 问题 strip a few lines high, less on a small screen, so the indicator table keeps
        the room; the navigator wide enough for its filter."""
        issues = ISSUES_HEIGHT_SMALL if self.height() < SMALL_WINDOW_HEIGHT else ISSUES_HEIGHT
        self.resizeDocks([self.issues_dock], [issues], Qt.Orientation.Vertical)
        self.resizeDocks([self.nav_dock], [NAVIGATOR_WIDTH], Qt.Orientation.Horizontal)

    def _save_layout(self) -> None:
        store = settings()
        store.setValue("window/geometry", self.saveGeometry())
        if self._issues_before_table_only is not None:
            # 只看指标表 hid the issues strip only for now: the next start shows the docks as
            # the user had them.
            self.issues_dock.setVisible(self._issues_before_table_only)
        store.setValue("window/state", self.saveState())
        self._remember_form(store)
        store.sync()

    def _remember_form(self, store: QSettings | None = None) -> None:
        """The form shown, for the next time this file opens."""
        if self.session is None or self.editor is None or self.editor.form_id is None:
            return
        own = store is None
        store = store or settings()
        key = _file_key(self.session.store.path)
        stored = store.value(key)
        form_id = self.editor.form_id
        if stored == form_id or (stored is None and form_id == self._first_form()):
            return  # what the file would open on anyway: no need to rewrite the settings file
        store.setValue(key, form_id)
        if own:
            store.sync()

    def _ensure_history(self):
        """The undo history list, made when the dock is first shown."""
        if self.history is None:
            from .history import HistoryList

            self.history = HistoryList(self)
            self.history.jump.connect(self._jump_in_history)
            self.history_dock.setWidget(self.history)
            self.history.set_stack(self.session.undo_stack if self.session is not None else None)
        return self.history

    def _dock(self, title: str, name: str, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.addDockWidget(area, dock)
        return dock

    # -- 只看指标表 ---------------------------------------------------------------------------------
    def set_table_only(self, on: bool) -> None:
        on = bool(on)
        if self.table_only_action.isChecked() != on:
            self.table_only_action.setChecked(on)
        if on:
            if self._issues_before_table_only is None:
                self._issues_before_table_only = self.issues_dock.isVisible()
            self.issues_dock.hide()
        elif self._issues_before_table_only is not None:
            self.issues_dock.setVisible(self._issues_before_table_only)
            self._issues_before_table_only = None
        if self.editor is not None and self.editor.table_only != on:
            self.editor.set_table_only(on)

    def _on_table_only_changed(self, on: bool) -> None:
        """The editor left 只看指标表 by itself (a jump to a field above the table)."""
        if self.table_only_action.isChecked() != on:
            self.set_table_only(on)

    # -- menus ---------------------------------------------------------------------------------
    def _action(self, menu, text: str, slot, shortcut=None, *, needs_write: bool = False) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            shortcuts = shortcut if isinstance(shortcut, list) else [shortcut]
            action.setShortcuts([QKeySequence(s) for s in shortcuts])
        action.triggered.connect(slot)
        action.setProperty("needs_write", needs_write)
        if needs_write:
            self._write_actions.append(action)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("文件(&F)")
        self.new_action = self._action(file_menu, "新建文件…", self.new_file, QKeySequence.StandardKey.New)
        self.open_action = self._action(file_menu, "打开…", self.ask_open, QKeySequence.StandardKey.Open)
        self.recent_menu = file_menu.addMenu("最近打开")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        file_menu.addSeparator()
        self.save_action = self._action(file_menu, "保存", self.save, QKeySequence.StandardKey.Save)
        self.save_as_action = self._action(file_menu, "另存为…", self.save_as, QKeySequence.StandardKey.SaveAs)
        self.export_action = self._action(file_menu, "导出 Word / Excel / PDF…", self.export, "Ctrl+E")
        self.preview_action = self._action(file_menu, "打印预览", self.preview, QKeySequence.StandardKey.Print)
        file_menu.addSeparator()
        self.import_action = self._action(file_menu, "导入 Word/Excel 表格…", self.import_forms, needs_write=True)
        self.rollforward_action = self._action(file_menu, "结转…", self.roll_forward, needs_write=True)
        file_menu.addSeparator()
        self._action(file_menu, "退出", self.close, QKeySequence.StandardKey.Quit)

        edit = bar.addMenu("编辑(&E)")
        # Undo and redo run through the session, which writes each as one transaction and
        # takes it back if the file refuses it (the stack's own slots could not).
        self.undo_action = self._action(edit, "撤销", self.undo, "Ctrl+Z", needs_write=True)
        self.redo_action = self._action(edit, "重做", self.redo, ["Ctrl+Y", "Ctrl+Shift+Z"], needs_write=True)
        self.undo_action.setEnabled(False)
        self.redo_action.setEnabled(False)
        edit.addSeparator()
        # Copy / paste live in the table itself (Ctrl+C / Ctrl+V there), so text fields keep
        # their own clipboard keys; the menu shows the keys without stealing them.
        self._action(edit, "复制单元格\tCtrl+C", lambda: self._panel_call("view", "copy_selection"))
        self._action(edit, "粘贴单元格\tCtrl+V", lambda: self._panel_call("view", "paste_clipboard"), needs_write=True)
        self._action(edit, "清除内容\tDelete", lambda: self._panel_call("view", "clear_selection_cells"), needs_write=True)
        self._action(edit, "向下填充\tCtrl+D", lambda: self._panel_call("view", "fill_down"), needs_write=True)
        edit.addSeparator()
        self._action(edit, "插入指标行", lambda: self._panel_call(None, "insert_row"), "Ctrl+I", needs_write=True)
        self._action(edit, "删除指标行", lambda: self._panel_call(None, "delete_rows"), "Ctrl+-", needs_write=True)
        self._action(edit, "上移", lambda: self._panel_call(None, "move_rows", -1), "Alt+Up", needs_write=True)
        self._action(edit, "下移", lambda: self._panel_call(None, "move_rows", 1), "Alt+Down", needs_write=True)
        self._action(edit, "更改层级…", lambda: self._panel_call(None, "change_level"), needs_write=True)
        self._action(edit, "分值配平…", lambda: self._panel_call(None, "balance_weights"), needs_write=True)
        edit.addSeparator()
        self.find_action = self._action(edit, "查找…", self.find, QKeySequence.StandardKey.Find)

        view = self.view_menu = bar.addMenu("视图(&V)")
        for dock in (self.nav_dock, self.issues_dock, self.history_dock):
            view.addAction(dock.toggleViewAction())
        self._action(view, "问题：整个文件", lambda: self.issues and self.issues.set_whole_file(True))
        view.addSeparator()
        # F11: the indicator table gets the whole window (the sections above it and the
        # issues strip go away); F11 again brings them back as they were.
        self.table_only_action = self._action(view, "只看指标表", self.set_table_only, "F11")
        self.table_only_action.setCheckable(True)
        self._issues_before_table_only = None

        year = bar.addMenu("年度(&Y)")
        self.overview_action = self._action(year, "年度总览", lambda: self.show_overview(), "Ctrl+Shift+Y")
        self.overview_export_action = self._action(year, "导出年度总览…", lambda: self.export_overview("xlsx"))
        year.addSeparator()
        self.finalise_form_action = self._action(year, "定稿本项目…", lambda: self.finalise(project=True),
                                                 needs_write=True)
        self.finalise_year_action = self._action(year, "定稿本年度…", lambda: self.finalise(project=False),
                                                 needs_write=True)
        self.withdraw_action = self._action(year, "撤回定稿…", lambda: self.withdraw_current(), needs_write=True)
        self.final_history_action = self._action(year, "定稿记录…", lambda: self.show_final_history())
        year.addSeparator()
        self.compare_action = self._action(year, "对比快照…", lambda: self.compare_snapshots())
        self.compare_year_action = self._action(year, "与上年同类表对比", lambda: self.compare_last_year())

        help_menu = bar.addMenu("帮助(&H)")
        self.help_action = self._action(help_menu, "使用说明", self.show_help, QKeySequence.StandardKey.HelpContents)
        self._action(help_menu, "关于 PerfDesk", self.about)

    def _build_toolbar(self) -> None:
        """The everyday actions, the menus' own, with their keys in the tooltips and Qt's own
        icons (`standard_icon`)."""
        actions = self._named_actions = {}
        bar = self.toolbar = self.addToolBar("常用")
        bar.setObjectName("toolbar")
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.view_menu.addAction(bar.toggleViewAction())
        for key in self.TOOLBAR:
            if key is None:
                bar.addSeparator()
                continue
            action = getattr(self, key)
            actions[key] = action
            if key in self.TOOLBAR_TEXT:  # short words on the buttons; the menus keep the long ones
                action.setIconText(self.TOOLBAR_TEXT[key])
            bar.addAction(action)
        for action in actions.values():
            keys = action.shortcuts()
            text = action.text().replace("…", "")
            if keys:
                text += "（" + " / ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in keys) + "）"
            action.setToolTip(text)
        self.set_icons()

    # The toolbar: attribute names of the actions, None a separator.
    TOOLBAR = ("new_action", "open_action", None, "undo_action", "redo_action", "find_action", None,
               "import_action", "rollforward_action", "export_action", "preview_action")
    TOOLBAR_TEXT = {"new_action": "新建", "open_action": "打开", "undo_action": "撤销", "redo_action": "重做",
                    "find_action": "查找", "import_action": "导入", "rollforward_action": "结转",
                    "export_action": "导出", "preview_action": "打印预览"}
    # Each action's picture: the style's standard pixmap, and the name of Qt's own image of it.
    TOOLBAR_ICONS = {
        "new_action": ("SP_FileIcon", "file"),
        "open_action": ("SP_DialogOpenButton", "standardbutton-open"),
        "undo_action": ("SP_ArrowBack", "arrow-left"),
        "redo_action": ("SP_ArrowForward", "arrow-right"),
        "find_action": ("SP_FileDialogContentsView", "filecontents"),
        "import_action": ("SP_ArrowDown", "arrow-down"),
        "rollforward_action": ("SP_BrowserReload", "refresh"),
        "export_action": ("SP_DialogSaveButton", "standardbutton-save"),
        "preview_action": ("SP_FileDialogDetailedView", "viewdetailed"),
        "save_action": ("SP_DialogSaveButton", "standardbutton-save"),
        "help_action": ("SP_DialogHelpButton", "standardbutton-help"),
    }

    def set_icons(self) -> None:
        """The actions' icons (once): Qt's own pictures of the standard actions (see
        `standard_icon`)."""
        if self._icons_set:
            return
        self._icons_set = True
        for key, (pixmap, image) in self.TOOLBAR_ICONS.items():
            getattr(self, key).setIcon(standard_icon(pixmap, image))

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._default_docks:
            self._default_docks = False
            self._size_docks()

    def _panel_call(self, part: str | None, method: str, *args):
        if self.editor is None or self.editor.form_id is None:
            return None
        if method not in ("copy_selection",):
            self.editor.commit_pending()
        target = self.editor.indicator_panel
        if part is not None:
            target = getattr(target, part)
        return getattr(target, method)(*args)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        files = recent_files()
        if not files:
            self.recent_menu.addAction("（无）").setEnabled(False)
        for path in files:
            action = self.recent_menu.addAction(path)
            action.setEnabled(Path(path).exists())
            action.triggered.connect(lambda _=False, p=path: self.open_file(p))

    # -- files -----------------------------------------------------------------------------------
    def open_file(self, path: str | Path) -> bool:
        """Open a .perfdesk file in this window. A file that cannot be opened gets a dialog and
        stays as it was; the file shown before stays open."""
        path = Path(path)
        try:
            store = FileStore.open(path)
        except StoreError as exc:
            Ask.error(self, "无法打开文件", str(exc))
            return False
        self._install(EditSession(store, self.registry, self))
        remember_file(path)
        if store.upgraded_from is not None:
            self.statusBar().showMessage(f"文件已从第 {store.upgraded_from} 版格式升级，原文件已备份。", 15000)
        return True

    def _install(self, session: EditSession) -> None:
        old = self.session
        if old is not None and self.editor is not None:
            self.editor.commit_pending()
            self._remember_form()
        for widget in (self.editor, self.navigator, self.issues, self.overview):
            if widget is not None:
                widget.setParent(None)
                widget.deleteLater()
        self.overview = None
        if old is not None:
            old.close()
            old.deleteLater()
        self.session = session
        if self.find_dialog is not None:
            self.find_dialog.reset()
        stack = session.undo_stack
        stack.indexChanged.connect(self._update_undo_actions)
        if self.history is not None:
            self.history.set_stack(stack)
        self._update_undo_actions()
        self.editor = FormEditor(session, self.central)
        self.editor.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.central_layout.addWidget(self.editor, 1)
        self.editor.set_table_only(self.table_only_action.isChecked())
        self.editor.tableOnlyChanged.connect(self._on_table_only_changed)
        table = self.editor.indicator_panel.view
        try:  # the table's zoom, as this user last left it
            zoom = int(settings().value("table/zoom", 100))
        except (TypeError, ValueError):
            zoom = 100
        if zoom != 100:
            table.set_zoom(zoom)
        table.zoomChanged.connect(lambda percent: settings().setValue("table/zoom", percent))
        self.navigator = NavigatorPanel(session)
        self.navigator.formSelected.connect(self.show_form)
        self.navigator.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.nav_dock.setWidget(self.navigator)
        self.issues = IssuesPanel(session)
        self.issues.issueActivated.connect(self.go_to_issue)
        self.issues.fixRequested.connect(self.apply_fix)
        self.editor.indicator_panel.fixRequested.connect(
            lambda fix: self.apply_fix(self.editor.form_id, fix) if self.editor.form_id else None)
        self.issues_dock.setWidget(self.issues)
        session.saved.connect(self._on_saved)
        session.saveFailed.connect(self._on_save_failed)
        session.outlineChanged.connect(self._on_outline_changed)
        # 定稿: an edit of a finalised form asks for a reason to withdraw it first (the
        # session's guard covers every edit path: cells, paste, fixes, undo, roll forward).
        session.ask_withdraw = self._ask_withdraw
        session.finalRefused.connect(self._on_final_refused)
        session.finalsChanged.connect(self._update_final_banner)
        # The navigator's year node opens the 年度总览: its tree's own click and current-item
        # signals (the navigator itself only announces forms).
        self.navigator.tree.clicked.connect(self._on_tree_node)
        self.navigator.tree.selectionModel().currentChanged.connect(lambda current, _: self._on_tree_node(current))
        read_only = session.read_only
        if read_only and not self.banner.styleSheet():  # styled when first needed: see ui/looks.py
            self.banner.setStyleSheet(READ_ONLY_STYLE)
        self.banner.setVisible(read_only)
        self.banner.setText(f"只读：{session.store.read_only_reason}" if read_only else "")
        # The actions themselves, not findChildren(QAction): that would wrap every object in
        # the window for Python to test its type.
        for action in self._write_actions:
            action.setEnabled(not read_only)
        self.setWindowTitle(f"{session.store.path.name}{'（只读）' if read_only else ''} — PerfDesk")
        self.saved_label.setStyleSheet("")
        self.saved_label.setText("只读，修改不会保存" if read_only else "✔ 所有修改已保存到文件")
        self._update_undo_actions()
        first = self._last_form() or self._first_form()
        if first is not None:
            self.navigator.select_form(first)
        else:
            self.show_form(None)

    def _last_form(self) -> str | None:
        """The form shown when this file was last closed, if it is still there."""
        form_id = settings().value(_file_key(self.session.store.path))
        return str(form_id) if form_id and str(form_id) in self.session.workspace.forms else None

    def _first_form(self) -> str | None:
        ws = self.session.workspace
        forms = sorted(ws.forms.values(), key=lambda f: (-f.year, ws.project_name(f), f.kind.value))
        return forms[0].id if forms else None

    def show_form(self, form_id: str | None) -> None:
        if self.editor is None:
            return
        self.editor.commit_pending()
        if self.overview is not None and self.overview.isVisible():
            self.overview.hide()
            self.editor.show()
        self.editor.set_form(form_id)
        self.issues.set_form(form_id)
        self._update_final_banner()

    # -- 年度总览 ---------------------------------------------------------------------------------
    def _on_tree_node(self, index) -> None:
        from perfdesk.editing.outline_model import YEAR, OutlineRole

        if index.isValid() and index.data(OutlineRole.NODE_KIND) == YEAR:
            self.show_overview(int(index.data(OutlineRole.YEAR)))

    def _current_year(self) -> int | None:
        if self.overview is not None and self.overview.isVisible() and self.overview.year is not None:
            return self.overview.year
        if self.editor is not None and self.editor.form_id in (self.session.workspace.forms if self.session else {}):
            return self.session.workspace.forms[self.editor.form_id].year
        years = self.session.workspace.years() if self.session is not None else []
        return years[-1] if years else None

    def show_overview(self, year: int | None = None):
        """The 年度总览 of `year` (default: the year of the form shown) in place of the form."""
        if self.session is None:
            return None
        year = year if year is not None else self._current_year()
        if year is None:
            self.statusBar().showMessage("文件中还没有表。", 8000)
            return None
        if self.editor is not None:
            self.editor.commit_pending()
        if self.overview is None:
            from .overview import OverviewView  # the charts and the table: only when first wanted

            self.overview = OverviewView(self.session, self.central)
            self.overview.openForm.connect(self._open_from_overview)
            self.overview.finaliseYear.connect(lambda y: self.finalise(project=False, year=y))
            self.overview.exportOverview.connect(self.export_overview)
            self.central_layout.addWidget(self.overview, 1)
        self.overview.set_year(year)
        if self.editor is not None:
            self.editor.hide()
        self.final_banner.hide()
        self.issues.set_form(None)  # the form is out of sight: "本表" is no longer its issues
        self.overview.show()
        return self.overview

    def _open_from_overview(self, form_id: str) -> None:
        self.navigator.select_form(form_id)
        if self.editor.form_id != form_id or not self.editor.isVisible():
            self.show_form(form_id)

    def export_overview(self, fmt: str = "xlsx", path: str | None = None) -> Path | None:
        from perfdesk.domain.overview import build_overview
        from perfdesk.export.errors import ExportError
        from perfdesk.export.overview import export_overview

        if self.session is None:
            return None
        year = self._current_year()
        if year is None:
            return None
        if path is None:
            suffix = "Excel 文件 (*.xlsx)" if fmt == "xlsx" else "PDF 文件 (*.pdf)"
            start = self.session.store.path.with_name(f"{year}年度总览.{fmt}")
            from PySide6.QtWidgets import QFileDialog

            path, _ = QFileDialog.getSaveFileName(self, "导出年度总览", str(start), suffix)
            if not path:
                return None
        session = self.session
        overview = build_overview(session.workspace, year, session.registry.get,
                                  changed=session.store.last_changes())
        try:
            written = export_overview(session.workspace, overview, session.registry.get, Path(path), fmt)
        except (ExportError, OSError) as exc:
            Ask.error(self, "无法导出", str(exc))
            return None
        self.statusBar().showMessage(f"已导出{year}年度总览：{written}", 15000)
        return written

    # -- 定稿 -------------------------------------------------------------------------------------
    def _current_form(self):
        """The form the 年度 menu acts on: the one shown, or with the overview shown, the
        selected project's self-evaluation (else its declaration)."""
        if self.session is None:
            return None
        if self.overview is not None and self.overview.isVisible():
            return self._overview_form()
        if self.editor is None or self.editor.form_id is None:
            return None
        return self.session.workspace.forms.get(self.editor.form_id)

    def finalise(self, project: bool = False, year: int | None = None, note: str | None = None):
        """定稿本项目 (the shown form's project, that year) or 定稿本年度: a snapshot with a note."""
        if self.session is None or self.session.read_only:
            return None
        if self.editor is not None:
            self.editor.commit_pending()
        form = self._current_form()
        if project and form is None:
            Ask.info(self, "定稿", "请先打开要定稿的项目的表（或在年度总览中选中该项目）。")
            return None
        year = year if year is not None else (form.year if project and form else self._current_year())
        ws = self.session.workspace
        what = f"项目“{ws.project_name(form)}”{year}年的表" if project else f"{year}年度的全部表"
        if note is None:
            note = Ask.text(self, "定稿", f"定稿{what}：保存一份不可修改的快照，并标记为已定稿。\n"
                                          "请填写说明（例如“3 月报送财政局”）：")
        if not note:
            return None
        snapshot = self.session.finalise(year, form.project_id if project else None, note)
        if snapshot is None:
            Ask.info(self, "定稿", self.session.last_error)
            return None
        self.statusBar().showMessage(f"已定稿 {len(snapshot.form_ids)} 张表：{snapshot.name}", 15000)
        return snapshot

    def _overview_form(self):
        project_id = self.overview._selected_project() if self.overview is not None else None
        if project_id is None or self.overview.overview is None:
            return None
        line = self.overview.overview.line(project_id)
        facts = line.self_evaluation or line.declaration
        return self.session.workspace.forms.get(facts.form_id) if facts else None

    def _ask_withdraw(self, form_ids: list[str], text: str) -> str | None:
        from .snapshots import ask_reason

        return ask_reason(self, self.session, form_ids, text)

    def withdraw_current(self) -> bool:
        form = self._current_form()
        if form is None or self.session is None or not self.session.workspace.is_final(form.id):
            self.statusBar().showMessage("这张表没有定稿。", 8000)
            return False
        reason = self._ask_withdraw([form.id], "")
        if not reason:
            return False
        done = self.session.withdraw([form.id], reason)
        if done:
            self.statusBar().showMessage("已撤回定稿，原因已记入定稿记录。", 15000)
        return done

    def _on_final_refused(self, text: str, message: str) -> None:
        self.statusBar().showMessage(f"“{text}”未进行：{message}", 15000)

    def _update_final_banner(self) -> None:
        form = self._current_form()
        ws = self.session.workspace if self.session is not None else None
        mark = ws.finals.get(form.id) if ws is not None and form is not None else None
        showing = mark is not None and self.editor is not None and self.editor.isVisible()
        if showing:
            snapshot = ws.snapshots.get(mark.snapshot_id)
            name = f"“{snapshot.name}”" if snapshot is not None else ""
            self.final_label.setText(f"已定稿（{mark.at[:16].replace('T', ' ')}，快照{name}）。"
                                     f"修改前需要撤回定稿并说明原因。")
            self.withdraw_button.setEnabled(not self.session.read_only)
            if not self.final_banner.styleSheet():  # styled when first needed: see ui/looks.py
                self.final_banner.setStyleSheet(FINAL_STYLE)
        self.final_banner.setVisible(showing)

    def show_final_history(self, form_id: str | None = None):
        from .snapshots import HistoryDialog

        form = self._current_form() if form_id is None else self.session.workspace.forms.get(form_id)
        if form is None:
            return None
        dialog = HistoryDialog(self.session, form.id, self)
        dialog.compareRequested.connect(self._compare_snapshot_with_now)
        dialog.openRequested.connect(self.open_snapshot)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _compare_snapshot_with_now(self, snapshot_id: str, form_id: str | None = None):
        from .snapshots import side_of

        ws = self.session.workspace
        snapshot = ws.snapshots[snapshot_id]
        old = side_of(self.session, snapshot)
        if form_id is not None:
            old.form_ids = [form_id] if form_id in old.form_ids else []
        from perfdesk.domain.diff import current_side, diff_sides

        new = current_side(ws, old.form_ids, self.session.registry.get)
        return self._show_diff(f"“{snapshot.name}”与当前", diff_sides(old, new, self.session.registry.get))

    def compare_snapshots(self, source: str | None = None, target: str | None = ...):
        """对比: a snapshot with now, or two snapshots (asked in a dialog unless given)."""
        from perfdesk.domain.diff import diff_sides
        from perfdesk.domain.snapshot import SnapshotError

        from .snapshots import CompareDialog, side_of

        if self.session is None:
            return None
        ws = self.session.workspace
        snapshots = sorted(ws.snapshots.values(), key=lambda s: s.at, reverse=True)
        if not snapshots:
            Ask.info(self, "对比", "文件中还没有定稿快照。")
            return None
        if source is None:
            dialog = CompareDialog(self.session, snapshots, self)
            if not dialog.exec():
                return None
            source, target = dialog.choice()
        if target is ...:
            target = None
        try:
            if target is None:
                return self._compare_snapshot_with_now(source)
            old, new = side_of(self.session, ws.snapshots[source]), side_of(self.session, ws.snapshots[target])
        except SnapshotError as exc:
            Ask.error(self, "无法对比", str(exc))
            return None
        title = f"“{ws.snapshots[source].name}”与“{ws.snapshots[target].name}”"
        return self._show_diff(title, diff_sides(old, new, self.session.registry.get))

    def compare_last_year(self):
        from perfdesk.domain.diff import diff_years, previous_form

        form = self._current_form()
        if form is None:
            return None
        ws = self.session.workspace
        before = previous_form(ws, form)
        if before is None:
            Ask.info(self, "对比", f"项目“{ws.project_name(form)}”没有更早年度的{form.kind.label}。")
            return None
        changes = diff_years(ws, before, form, self.session.registry.get)
        return self._show_diff(f"{before.year}年与{form.year}年{form.kind.label}（{ws.project_name(form)}）", changes)

    def _show_diff(self, title: str, changes):
        from .snapshots import DiffDialog

        dialog = DiffDialog(self.session, title, changes, self)
        dialog.showChange.connect(self.show_change)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        self.diff_dialog = dialog
        return dialog

    def show_change(self, change) -> bool:
        """Highlight a listed change in the form: the cell, the field or the amount."""
        from perfdesk.domain.validation import Location

        if self.session is None or change.form_id not in self.session.workspace.forms:
            return False
        if change.item_id is not None and change.kind not in ("row_removed",):
            location = Location(change.form_id, "indicators", change.item_id, None,
                                change.key if change.kind == "cell" else None)
        elif change.kind == "amount":
            definition = self.session.definition(change.form_id)
            section = next((s.key for s in definition.sections if f"{change.key}" in
                            {f"{r}.{c}" for r, c in s.amount_cells()}), "funding")
            location = Location(change.form_id, section, None, None, change.key)
        elif change.kind == "field":
            location = Location(change.form_id, "header", None, None, change.key)
        else:
            location = Location(change.form_id, "total")
        return self.show_location(change.form_id, location)

    def open_snapshot(self, snapshot_id: str):
        """A snapshot, read-only, in a window of its own (its forms as they were handed in)."""
        from perfdesk.domain.snapshot import SnapshotError

        from .snapshots import snapshot_file

        try:
            path = snapshot_file(self.session, snapshot_id)
            store = FileStore.open(path, read_only=True)
        except (SnapshotError, StoreError) as exc:
            Ask.error(self, "无法打开快照", str(exc))
            return None
        window = MainWindow(self.registry)
        window.keeps_layout = False
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window._install(EditSession(store, self.registry, window))
        window.setWindowTitle(f"{self.session.workspace.snapshots[snapshot_id].name}（快照，只读） — PerfDesk")
        window.show()
        self.snapshot_windows = getattr(self, "snapshot_windows", []) + [window]
        return window

    def _on_outline_changed(self) -> None:
        if self.editor is not None and self.editor.form_id is not None \
                and self.editor.form_id not in self.session.workspace.forms:
            self.show_form(self.navigator.current_form_id() or self._first_form())

    def _on_saved(self) -> None:
        self.saved_label.setStyleSheet("")
        self.saved_label.setText(f"✔ 已保存到文件 {time.strftime('%H:%M:%S')}")

    def _on_save_failed(self, text: str, message: str) -> None:
        """The file refused a step: the session has already put the document back to what the
        file holds. Say so, and offer to carry on in a copy somewhere writable."""
        self.saved_label.setStyleSheet("color: #b00020; font-weight: bold;")
        self.saved_label.setText(f"✖ “{text}”未能保存 {time.strftime('%H:%M:%S')}")
        if Ask.save_failed(self, text, message):
            self.save_as()

    def all_saved(self) -> bool:
        """For the crash notice: is everything on screen in the file?"""
        return self.session is None or self.session.all_saved

    def _update_undo_actions(self, *args) -> None:
        session = self.session
        stack = session.undo_stack if session is not None else None
        writable = session is not None and not session.read_only
        can_undo = bool(stack and writable and stack.canUndo())
        can_redo = bool(stack and writable and stack.canRedo())
        self.undo_action.setEnabled(can_undo)
        self.redo_action.setEnabled(can_redo)
        self.undo_action.setText(f"撤销“{stack.undoText()}”" if can_undo else "撤销")
        self.redo_action.setText(f"重做“{stack.redoText()}”" if can_redo else "重做")

    def undo(self) -> bool:
        if self.session is None:
            return False
        if self.editor is not None:
            self.editor.commit_pending()
        return self.session.undo()

    def redo(self) -> bool:
        if self.session is None:
            return False
        if self.editor is not None:
            self.editor.commit_pending()
        return self.session.redo()

    def _jump_in_history(self, index: int) -> None:
        if self.session is None:
            return
        if self.editor is not None:
            self.editor.commit_pending()
        self.session.set_index(index)
        self.history.sync()

    def go_to_issue(self, form_id: str, issue: Issue) -> None:
        if self.editor is None:
            return
        if self.editor.form_id != form_id:
            self.navigator.select_form(form_id)
            self.show_form(form_id)
        self.editor.show_location(issue.location)

    def apply_fix(self, form_id: str, fix) -> bool:
        """An issue's remedy, chosen in the issues panel or a cell's context menu: one step."""
        from perfdesk.editing.fixes import DIALOG_FIXES, apply_fix

        if self.session is None or self.session.read_only or form_id not in self.session.workspace.forms:
            return False
        self.editor.commit_pending()
        if self.editor.form_id != form_id:
            self.navigator.select_form(form_id)
            self.show_form(form_id)
        if fix.kind in DIALOG_FIXES:  # 分值配平: the dialog lets the person choose how
            return bool(self.editor.indicator_panel.balance_weights(level1=fix.value))
        done = apply_fix(self.session, form_id, fix,
                         ask_reason=lambda prompt: Ask.text(self, fix.label, prompt))
        if done:
            self.statusBar().showMessage(f"已{fix.label}，可用“撤销”取消。", 8000)
        return done

    def ask_open(self) -> None:
        folder = str(self.session.store.path.parent) if self.session else str(data_dir())
        path = Ask.open_path(self, folder)
        if path:
            self.open_file(path)

    def new_file(self) -> None:
        path = Ask.save_path(self, "新建 PerfDesk 文件", str(data_dir() / "新建单位.perfdesk"))
        if not path:
            return
        try:
            FileStore.create(Path(path)).close()
        except StoreError as exc:
            Ask.error(self, "无法新建文件", str(exc))
            return
        self.open_file(path)

    def save_as(self) -> bool:
        if self.session is None:
            return False
        if self.editor is not None:
            self.editor.commit_pending()
        current = self.session.store.path
        path = Ask.save_path(self, "另存为", str(current.with_name(current.stem + "-副本.perfdesk")))
        if not path or Path(path).resolve() == current.resolve():
            return False
        try:
            self.session.store.save_copy(Path(path))
        except (StoreError, OSError) as exc:
            Ask.error(self, "另存为失败", f"无法写入 {path}：{exc}")
            return False
        form_id = self.editor.form_id if self.editor else None
        if self.open_file(path):
            if form_id and form_id in self.session.workspace.forms:
                self.navigator.select_form(form_id)
            self.statusBar().showMessage(f"已另存为 {path}，现在编辑的是这个副本。", 15000)
            return True
        return False

    def export(self) -> list[Path] | None:
        if self.session is None:
            return None
        if self.editor is not None:
            self.editor.commit_pending()
        from .export_dialog import ExportDialog, Exporter  # not needed to show the first window

        request = ExportDialog.ask(self, self.session, self.editor.form_id if self.editor else None)
        if request is None:
            return None
        written = Exporter(self, self.session).run(request)
        if written:
            self.statusBar().showMessage(f"已导出 {len(written)} 个文件到 {request.folder}", 15000)
        return written

    def preview(self) -> None:
        if self.session is None or self.editor is None or self.editor.form_id is None:
            return
        self.editor.commit_pending()
        from .export_dialog import PreviewDialog

        self.preview_dialog = PreviewDialog.show_for(self, self.session, self.editor.form_id)

    def save(self) -> None:
        """Ctrl+S: every edit is already in the file; say so (and write a value still open in
        a cell)."""
        if self.session is None:
            return
        if self.editor is not None:
            self.editor.commit_pending()
        if self.session.read_only:
            self.statusBar().showMessage("只读文件，修改不会保存。可用“另存为…”保存副本。", 8000)
        else:
            self.statusBar().showMessage("已自动保存：每次修改都已写入文件，无需另行保存。", 8000)

    def find(self):
        """Ctrl+F: the find dialog (made when first used)."""
        if self.session is None:
            return None
        if self.find_dialog is None:
            from .find import FindDialog

            self.find_dialog = FindDialog(self)
        self.find_dialog.show()
        self.find_dialog.raise_()
        self.find_dialog.activateWindow()
        self.find_dialog.query.setFocus()
        self.find_dialog.query.selectAll()
        return self.find_dialog

    def show_location(self, form_id: str, location) -> bool:
        """Show a form and the cell or field `location` points at."""
        if self.editor is None or self.session is None or form_id not in self.session.workspace.forms:
            return False
        if self.editor.form_id != form_id or not self.editor.isVisible():
            self.navigator.select_form(form_id)
            if self.editor.form_id != form_id or not self.editor.isVisible():  # (the overview was shown)
                self.show_form(form_id)
        return self.editor.show_location(location)

    def show_help(self):
        if self.help_dialog is None:
            from .help import HelpDialog

            self.help_dialog = HelpDialog(self)
        self.help_dialog.show()
        self.help_dialog.raise_()
        return self.help_dialog

    def about(self):
        from .about_dialog import AboutDialog

        dialog = AboutDialog(self, self.session.store.path if self.session else None)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    # -- roll forward and import: a plan in a dialog, then ONE undo step ---------------------------
    def roll_forward(self) -> bool:
        # Imported here, not at the top: the wizard is not needed to show the first window.
        from perfdesk.editing.rollforward_commands import ApplyPlanCommand

        from .rollforward_wizard import RollForwardWizard

        if self.session is None or self.session.read_only:
            return False
        if self.editor is not None:
            self.editor.commit_pending()
        plan = RollForwardWizard.ask(self, self.session)
        return plan is not None and self._push_added_forms(
            ApplyPlanCommand(self.session.workspace, plan), "结转未完成")

    def import_forms(self) -> bool:
        from perfdesk.editing.rollforward_commands import ApplyImportCommand

        from .import_dialog import ImportDialog

        if self.session is None or self.session.read_only:
            return False
        if self.editor is not None:
            self.editor.commit_pending()
        plan = ImportDialog.ask(self, self.session)
        return plan is not None and self._push_added_forms(
            ApplyImportCommand(self.session.workspace, plan), "导入未完成")

    def _push_added_forms(self, command, failed_title: str) -> bool:
        """Push as one undo step; a step that failed is not on the stack and the file is unchanged
        (a refused write has already been reported through saveFailed)."""
        if not self.session.push(command):
            if command.error is not None:
                Ask.error(self, failed_title, f"{command.error_text}\n文件未作任何改动。")
            return False
        if command.form_ids:
            self.navigator.select_form(command.form_ids[0])
            self.statusBar().showMessage(f"{command.text()}，可用“撤销”一步取消。", 15000)
        return True


    # -- drag and drop, closing ------------------------------------------------------------------
    @staticmethod
    def _dropped_file(event) -> str | None:
        for url in event.mimeData().urls() if event.mimeData().hasUrls() else []:
            if url.isLocalFile() and url.toLocalFile().lower().endswith(".perfdesk"):
                return url.toLocalFile()
        return None

    def dragEnterEvent(self, event) -> None:
        if self._dropped_file(event):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        path = self._dropped_file(event)
        if path:
            event.acceptProposedAction()
            self.open_file(path)

    def closeEvent(self, event) -> None:
        if self.editor is not None and self.session is not None:
            # A value still in an open editor (typed without Enter) goes to the file first.
            failures = []

            def note(text: str, message: str) -> None:
                failures.append(message)

            self.session.saveFailed.connect(note)
            try:
                edits = self.editor.commit_pending()
            finally:
                self.session.saveFailed.disconnect(note)
            if failures and not Ask.confirm(
                    self, "关闭 PerfDesk", "最后输入的内容未能保存到文件（原因见上一个提示）。\n"
                    "仍要关闭吗？关闭后这部分内容将不会保留；取消则回到窗口，可以“另存为”到其他位置。",
                    ok="仍然关闭"):
                for edit in edits:  # what was typed goes back into its cell, still unsaved
                    edit.reopen()
                event.ignore()
                return
        if self.keeps_layout:
            self._save_layout()
        if self.session is not None:
            if self.history is not None:
                self.history.set_stack(None)
            self.session.close()
            self.session = None
        super().closeEvent(event)
