"""Test set-up: headless Qt, isolated settings and data folder, files only under tmp_path."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Modules read the user's forms folder at import (test parameters come from default_registry()):
# point it at an empty folder before any test module loads, never at the real user's.
os.environ.setdefault("PERFDESK_DATA_DIR", tempfile.mkdtemp(prefix="perfdesk-test-data-"))

import pytest  # noqa: E402

from perfdesk.demodata import build_workspace  # noqa: E402
from perfdesk.formdefs import default_registry  # noqa: E402


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("PERFDESK_DATA_DIR", str(tmp_path / "userdata"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))


@pytest.fixture(scope="session")
def registry():
    return default_registry()


@pytest.fixture
def demo_ws():
    """A fresh in-memory workspace with every seed form (mutations don't leak between tests)."""
    return build_workspace()


def form_named(ws, project: str, year: int):
    for form in ws.forms.values():
        if ws.project_name(form) == project and form.year == year:
            return form
    raise LookupError(project)


def indicator_named(form, level3: str, occurrence: int = 0):
    found = [ind for ind in form.indicators if ind.level3 == level3]
    return found[occurrence]
