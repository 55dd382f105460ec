"""The layering of design.md is held by import-linter, run as part of the test suite."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_hold():
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or "lint-imports"
    result = subprocess.run([exe, "--config", str(ROOT / "pyproject.toml")], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout
    assert "Pure layers never import Qt KEPT" in result.stdout


def test_pure_layers_load_without_qt():
    code = (
        "import sys\n"
        "import perfdesk.domain.validation, perfdesk.formdefs, perfdesk.store, perfdesk.cli\n"
        "assert not any(m.startswith('PySide6') for m in sys.modules), 'Qt was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, timeout=60)


def test_editing_layer_uses_no_widgets():
    """import-linter cannot forbid a sub-package of Qt, so read the imports directly."""
    import ast

    offenders = []
    for path in (ROOT / "perfdesk" / "editing").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            offenders += [f"{path.name}: {n}" for n in names if n.startswith("PySide6.QtWidgets")]
    assert offenders == []
