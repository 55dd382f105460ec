"""Where PerfDesk keeps the user's things: the data folder (demo file, settings, crash log).

The folder is the one Qt's standard locations give a program called PerfDesk
(`QStandardPaths.AppDataLocation`): `%APPDATA%\\PerfDesk` on Windows, `~/.local/share/PerfDesk`
on Linux (honouring XDG_DATA_HOME), `~/Library/Application Support/PerfDesk` on macOS. It is
outside the program folder, so neither an uninstall nor a reinstall touches it.
PERFDESK_DATA_DIR overrides it, for tests and for a portable copy on a USB stick.

Qt is imported only when the folder is first asked for, so the CLI still starts without it;
where QtCore cannot load at all (a broken install, Wine) the same rule is applied by hand.
"""

from __future__ import annotations

import os
from pathlib import Path

from perfdesk.places import APP_NAME, cache_dir, fallback_data_dir as _fallback_data_dir, user_forms_dir

__all__ = ["APP_NAME", "cache_dir", "crash_log_path", "data_dir", "settings_path", "user_forms_dir"]


def _qt_data_dir() -> Path | None:
    try:
        from PySide6.QtCore import QCoreApplication, QStandardPaths
    except ImportError:
        return None
    # AppDataLocation is <generic data>/<organisation>/<application>; with no organisation
    # the folder is simply "PerfDesk", the same one earlier versions used.
    QCoreApplication.setOrganizationName("")
    QCoreApplication.setApplicationName(APP_NAME)
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(location) if location else None


def data_dir() -> Path:
    override = os.environ.get("PERFDESK_DATA_DIR")
    if override:
        return Path(override)
    return _qt_data_dir() or _fallback_data_dir()


def settings_path() -> Path:
    return data_dir() / "settings.ini"


def crash_log_path() -> Path:
    """Beside the settings, where support staff are told to look."""
    return data_dir() / "perfdesk-crash.log"
