"""forms/ and resources/ live beside the package and are packaged into it: pyproject.toml lists
every package, maps the two folders to perfdesk/forms and perfdesk/resources, and its
package-data patterns take every file in them (the wheel and both installers are built from it)."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

from perfdesk.places import shipped

ROOT = Path(__file__).resolve().parents[1]
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def _folder(package: str) -> Path:
    for mapped, folder in SETUPTOOLS["package-dir"].items():
        if package == mapped or package.startswith(mapped + "."):
            return ROOT / folder / Path(*package[len(mapped):].lstrip(".").split(".") if package != mapped else ())
    return ROOT / Path(*package.split("."))


def test_every_python_package_is_listed():
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "perfdesk").rglob("__init__.py")}
    listed = set(SETUPTOOLS["packages"])
    assert found <= listed, found - listed
    for package in listed:
        assert _folder(package).is_dir(), package


def test_every_shipped_file_is_packaged():
    data = SETUPTOOLS["package-data"]
    for top in ("forms", "resources"):
        assert shipped(top) == ROOT / top
        for path in (ROOT / top).rglob("*"):
            if path.is_dir() or "__pycache__" in path.parts:
                continue
            package = ".".join(("perfdesk", top, *path.parent.relative_to(ROOT / top).parts))
            assert package in SETUPTOOLS["packages"], package
            assert any(fnmatch.fnmatch(path.name, pattern) for pattern in data.get(package, ())), path
