"""Where PerfDesk's own data folders and the user's folders are, found without Qt.

`shipped(name)`: the form definitions (`forms/`) and resources (`resources/`) live beside the
package in the repository and inside it in an installed wheel or bundle (pyproject.toml maps
them to `perfdesk/forms` and `perfdesk/resources`).


`perfdesk.paths.data_dir` asks Qt for the data folder (the window's rule); the form-definition
loader and every CLI command must find the same folder without importing Qt, which the
layering contracts forbid below the editing layer. On every platform Qt's AppDataLocation for
an application called PerfDesk with no organisation is the folder computed here.
PERFDESK_DATA_DIR overrides it, as in `perfdesk.paths`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "PerfDesk"


_PACKAGE = Path(__file__).resolve().parent


def shipped(name: str) -> Path:
    """A folder shipped with the program: `perfdesk/<name>` when installed, else `<name>`
    beside the package (a source checkout, an editable install)."""
    inside = _PACKAGE / name
    return inside if inside.is_dir() else _PACKAGE.parent / name


def fallback_data_dir() -> Path:
    if sys.platform.startswith("win"):  # pragma: no cover - Windows without QtCore
        return Path(os.environ.get("APPDATA", Path.home())) / APP_NAME
    if sys.platform == "darwin":  # pragma: no cover
        return Path.home() / "Library" / "Application Support" / APP_NAME
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / APP_NAME


def _base() -> Path:
    override = os.environ.get("PERFDESK_DATA_DIR")
    return Path(override) if override else fallback_data_dir()


def user_forms_dir() -> Path:
    """The user's own form definitions (`forms/` in the data folder), loaded beside the
    built-in ones."""
    return _base() / "forms"


def cache_dir() -> Path:
    """Things PerfDesk can always rebuild (the parsed form definitions)."""
    return _base() / "cache"
