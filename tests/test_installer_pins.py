"""The installers bundle exactly what pyproject.toml asks for, at the version it names.

installer/pins.txt holds the exact versions both installers bundle; installer/windows/
installer.cfg (pynsist) repeats them and the version. These fast checks stop a release whose
installer would ship a different program from the one the tests ran against: a dependency
added to pyproject but not bundled, a pin outside pyproject's range, a bundled package whose
own requirements are missing, a stale version number, or a Qt module excluded from the
Windows payload that the program imports.
"""

from __future__ import annotations

import configparser
import fnmatch
import importlib.metadata
import re
import tomllib
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PIN_LINES = [line.strip() for line in (ROOT / "installer" / "pins.txt").read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.lstrip().startswith("#")]


def pins() -> dict[str, str]:
    found = {}
    for line in PIN_LINES:
        name, _, version = line.partition("==")
        assert version and re.fullmatch(r"[A-Za-z0-9._-]+", name), f"not an exact pin: {line}"
        found[canonicalize_name(name)] = version
    return found


def windows_cfg() -> configparser.ConfigParser:
    cfg = configparser.ConfigParser(interpolation=None)
    cfg.read(ROOT / "installer" / "windows" / "installer.cfg", encoding="utf-8")
    return cfg


def test_every_dependency_is_pinned_within_its_range():
    pinned = pins()
    for text in PYPROJECT["project"]["dependencies"]:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{requirement.name} is in pyproject.toml but not in installer/pins.txt"
        assert requirement.specifier.contains(pinned[name], prereleases=True), \
            f"{requirement.name}=={pinned[name]} is outside pyproject's {requirement.specifier}"


@pytest.mark.parametrize("platform", ["win32", "linux"])
def test_pins_are_closed_under_their_own_requirements(platform):
    """What each pinned package needs on Windows and Linux is pinned too. Read from the
    installed metadata, for every package installed at exactly its pinned version (the
    development environment normally is; a newer install is reported, not guessed at)."""
    pinned = pins()
    checked = 0
    environment = default_environment() | {"sys_platform": platform,
                                           "platform_system": "Windows" if platform == "win32" else "Linux",
                                           "os_name": "nt" if platform == "win32" else "posix", "extra": ""}
    for name, version in pinned.items():
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        if installed != version:
            continue
        checked += 1
        for text in importlib.metadata.requires(name) or []:
            requirement = Requirement(text)
            if requirement.marker is not None and not requirement.marker.evaluate(environment):
                continue
            needed = canonicalize_name(requirement.name)
            assert needed in pinned, f"{name} needs {requirement.name}, which installer/pins.txt lacks"
            assert requirement.specifier.contains(pinned[needed], prereleases=True), \
                f"{name} needs {requirement}, pinned {pinned[needed]}"
    assert checked >= len(pinned) // 2, "most pinned versions differ from the installed ones: re-pin"


def test_windows_installer_bundles_the_pins_and_the_version():
    cfg = windows_cfg()
    assert cfg["Application"]["version"] == PYPROJECT["project"]["version"]
    wheels = [line.strip() for line in cfg["Include"]["pypi_wheels"].splitlines() if line.strip()]
    assert wheels == PIN_LINES
    assert cfg["Python"]["version"].startswith("3.11.")  # the wheels are downloaded for cp311
    assert (ROOT / "installer" / "windows" / cfg["Application"]["icon"]).resolve() == \
        ROOT / "resources" / "perfdesk.ico"


def _qt_modules_used() -> set[str]:
    used = set()
    for path in (ROOT / "perfdesk").rglob("*.py"):
        used |= set(re.findall(r"\bPySide6\.(Qt\w+)", path.read_text(encoding="utf-8")))
    return used


def test_windows_payload_keeps_every_qt_module_the_program_imports():
    used = _qt_modules_used()
    assert {"QtCore", "QtGui", "QtWidgets", "QtPrintSupport"} <= used
    excluded = [line.strip() for line in windows_cfg()["Include"]["exclude"].splitlines() if line.strip()]
    for module in used:
        for path in (f"pkgs/PySide6/{module}.pyd", f"pkgs/PySide6/Qt6{module[2:]}.dll"):
            hits = [pattern for pattern in excluded if fnmatch.fnmatch(path, pattern)]
            assert not hits, f"{path} is imported by PerfDesk but excluded by {hits}"
