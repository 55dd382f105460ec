"""Editing fixtures: a demo file under tmp_path and an edit session on it (no window)."""

from __future__ import annotations

import pytest

from perfdesk.cli import write_demo
from perfdesk.editing.session import EditSession
from perfdesk.store import FileStore


@pytest.fixture
def demo_path(tmp_path):
    return write_demo(tmp_path / "demo.perfdesk")


@pytest.fixture
def session(demo_path, qapp):
    session = EditSession(FileStore.open(demo_path))
    yield session
    session.close()


def form_id_of(session, project, year=2022):
    ws = session.workspace
    return next(f.id for f in ws.forms.values() if ws.project_name(f) == project and f.year == year)


def on_disk(path, form_id):
    with FileStore.open(path, read_only=True) as reader:
        return reader.workspace.forms[form_id]
