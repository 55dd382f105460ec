"""Entry point of the window: the only module that wires Qt, the editing layer and the files.

`run()` picks the file (the one asked for, else the last one used, else the demo file, which
it writes into the user's data folder on first run), opens the main window and reports where
start-up time went when asked to (`--exit-after-paint`, used by the benchmark and smoke tests).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

STARTED = time.perf_counter()

# PerfDesk's own pure modules first: PySide6 reads the source of every module imported after
# it (looking for `__feature__` use), which these need not pay.
from perfdesk import crash  # noqa: E402,F401
from perfdesk.cli import DEMO_NAME, write_demo  # noqa: E402
from perfdesk.paths import APP_NAME, data_dir, settings_path  # noqa: E402
from perfdesk.places import shipped  # noqa: E402

from PySide6.QtCore import QLibraryInfo, QSettings, QTimer, QTranslator  # noqa: E402


def _declare_modules_to_pyside() -> None:
    """Tell PySide6 beforehand what it would otherwise find out by reading the source of every
    module imported after it (whether the module uses PySide6, for its `__feature__` switch;
    about 7 % of the window's start-up). PerfDesk's Qt layers (ui, editing, app) use it, its
    pure layers and the standard library modules already loaded do not. PerfDesk selects no
    feature, so either answer means the same; PySide6 versions without that table are left
    alone, and any module not named here is still read as before."""
    import os

    table = getattr(sys.modules.get("shibokensupport.feature"), "pyside_feature_dict", None)
    if not isinstance(table, dict):
        return
    for name in list(sys.modules):
        table.setdefault(name, -1)
    root = Path(__file__).resolve().parent
    for folder, _, files in os.walk(root):
        package = ".".join(("perfdesk", *Path(folder).relative_to(root).parts))
        uses_qt = package.startswith(("perfdesk.ui", "perfdesk.editing"))
        for file in files:
            if file.endswith(".py"):
                name = package if file == "__init__.py" else f"{package}.{file[:-3]}"
                table.setdefault(name, 0 if uses_qt else -1)
    table["perfdesk.app"] = 0


_declare_modules_to_pyside()

from PySide6.QtGui import QFont, QFontDatabase, QIcon  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

RESOURCES = shipped("resources")

# Chinese UI fonts, best first: Windows, macOS, then the common Linux families (the set-up
# script installs WenQuanYi Micro Hei on Debian).
CJK_FAMILIES = ("Microsoft YaHei UI", "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC",
                "Source Han Sans SC", "WenQuanYi Micro Hei", "SimSun")


def cjk_family() -> str | None:
    """A family that can draw Chinese, preferring the list above; None when there is none."""
    families = set(QFontDatabase.families())
    for family in CJK_FAMILIES:
        if family in families:
            return family
    for family in sorted(families):
        if QFontDatabase.WritingSystem.SimplifiedChinese in QFontDatabase.writingSystems(family):
            return family
    return None


FONT_KEY = "ui/font_family"  # the family cjk_family() chose on an earlier start


def _saved_settings() -> QSettings:
    return QSettings(str(settings_path()), QSettings.Format.IniFormat)


def start_font_family() -> str | None:
    """The Chinese UI family to start with: the one chosen on an earlier start, kept in the
    settings (listing every font of the machine, as cjk_family() must, is a noticeable part
    of a start), else cjk_family() now. `recheck_font` confirms it once the window is up."""
    saved = _saved_settings().value(FONT_KEY, "")
    if isinstance(saved, str) and saved:
        return saved
    family = cjk_family()
    if family:
        _saved_settings().setValue(FONT_KEY, family)
    return family


def apply_font(app: QApplication, family: str) -> None:
    font = QFont(family)
    font.setPointSizeF(max(app.font().pointSizeF(), 9.5))
    app.setFont(font)


def recheck_font(app: QApplication) -> None:
    """After the first frame: choose the family again (a font may have been installed or
    removed since it was saved) and switch to it, and save it, when it differs."""
    family = cjk_family()
    if family and family != app.font().family():
        apply_font(app, family)
    if family != _saved_settings().value(FONT_KEY, ""):
        _saved_settings().setValue(FONT_KEY, family or "")


def app_icon() -> QIcon:
    """The program icon (resources/, drawn by scripts/make_icon.py). PNG needs no image
    plugin; the .ico beside it is for the Windows shortcuts and installer."""
    icon = QIcon()
    for name in ("perfdesk.png", "perfdesk-48.png"):
        icon.addFile(str(RESOURCES / name))
    return icon


def install_crash_handler(app: QApplication):
    """Errors are logged beside the settings and shown in Chinese; see perfdesk/crash.py."""
    from perfdesk.crash import CrashHandler
    from perfdesk.ui.crash_notice import CrashNotice

    notice = CrashNotice(app)
    handler = CrashHandler(show=notice.show).install()
    app.crash_handler = handler  # keep both alive as long as the application
    app.crash_notice = notice
    return handler


def set_chinese_locale() -> None:
    """Qt's default locale: Chinese (China), for the dates and numbers of the widgets made from
    then on (calendars, spin boxes, dialogs). The window sets it after its first frame, where
    nothing on screen shows a locale's text yet: QLocale's Python class, with every language,
    script and country of the world as enums, is a noticeable part of a start."""
    from PySide6.QtCore import QLocale

    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))


def create_application(argv: list[str] | None = None, *, locale_now: bool = True) -> QApplication:
    """The application: names, icon, Qt's own words in Chinese, the Chinese UI font and (unless
    `locale_now` is False, when the caller sets it later) the Chinese default locale."""
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName("")  # the data folder is …/PerfDesk, see perfdesk.paths
    app.setApplicationDisplayName("PerfDesk")
    app.setWindowIcon(app_icon())
    app.setDesktopFileName("perfdesk")  # Wayland links the window to the menu entry of this name
    if sys.platform.startswith("win"):  # pragma: no cover - the taskbar groups by this id,
        import ctypes  # not by python.exe, so it shows PerfDesk's icon

        ctypes.windll.shell32.SetCurrentProcessExplicitAppUserModelID("PerfDesk.PerfDesk")
    if locale_now:
        set_chinese_locale()
    translator = QTranslator(app)
    if translator.load("qtbase_zh_CN", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(translator)  # Qt's own buttons and context menus in Chinese
    from perfdesk.ui.qt_zh import install  # the words Qt's file lacks (all of them, without the file)

    install(app)
    family = start_font_family()
    if family:
        apply_font(app, family)
    return app


def start_path(path: str | None) -> Path:
    """The file to open: PATH, else the last used file that still exists, else the demo."""
    if path:
        return Path(path)
    from perfdesk.ui.main_window import recent_files

    for recent in recent_files():
        if Path(recent).exists():
            return Path(recent)
    demo = data_dir() / DEMO_NAME
    if not demo.exists():
        demo.parent.mkdir(parents=True, exist_ok=True)
        write_demo(demo)
    return demo


def run(path: str | None = None, *, exit_after_paint: bool = False) -> int:
    app = create_application(locale_now=False)  # set after the first frame
    install_crash_handler(app)
    from perfdesk.ui.main_window import MainWindow

    ready = time.perf_counter()  # Qt, the window's modules and QApplication
    window = MainWindow()
    app.crash_handler.all_saved = window.all_saved
    built = time.perf_counter()
    if not window.open_file(start_path(path)) and window.session is None:
        return 2
    opened = time.perf_counter()
    window.show()
    # Once the first frame is out: the collector, off since start-up (perfdesk.__main__),
    # resumes, and the remembered font family is confirmed.
    from perfdesk.__main__ import resume_collector
    from perfdesk.ui.first_frame import AfterFirstFrame

    AfterFirstFrame(window, [set_chinese_locale, resume_collector, lambda: recheck_font(app)])
    if exit_after_paint:
        def report() -> None:
            window.repaint()
            painted = time.perf_counter()
            print(f"文件 {window.session.store.path}\n"
                  f"导入 Qt 与界面模块、建 QApplication {ready - STARTED:.3f} s\n"
                  f"建主窗口 {built - ready:.3f} s\n"
                  f"打开文件并显示第一张表 {opened - built:.3f} s\n"
                  f"首次绘制 {painted - opened:.3f} s\n"
                  f"合计 {painted - STARTED:.3f} s（不含 Python 启动与命令行模块导入）")
            window.close()
            app.quit()

        QTimer.singleShot(0, report)
    return app.exec()
