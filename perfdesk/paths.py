"""Where PerfDesk keeps the user's things: the data folder (demo file, settings, logs).

Plain Python so the CLI and the window agree on it. PERFDESK_DATA_DIR overrides it, for tests
and for a portable install on a USB stick.
"""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    override = os.environ.get("PERFDESK_DATA_DIR")
    if override:
        return Path(override)
    if os.name == "nt":  # pragma: no cover
        return Path(os.environ.get("APPDATA", Path.home())) / "PerfDesk"
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "PerfDesk"


def settings_path() -> Path:
    return data_dir() / "settings.ini"
