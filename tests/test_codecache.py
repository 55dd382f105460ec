"""perfdesk.codecache: dataclass methods compiled once and taken from a file on later starts,
behaving exactly as the ones `dataclasses` compiles itself."""

from __future__ import annotations

import dataclasses
import inspect
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

from perfdesk import codecache

SOURCE = '''
from dataclasses import dataclass, field

@dataclass(frozen=True)
class Point:
    x: int
    y: int = 2
    tags: tuple = ()

@dataclass
class Bag:
    name: str
    items: list = field(default_factory=list)
    note: str = field(default="", compare=False)

@dataclass(order=True)
class Ranked:
    rank: int
    label: str = ""
'''


def define(source: str = SOURCE, name: str = "codecache_probe") -> dict:
    """The classes of `source`, defined anew in a module of their own."""
    module = types.ModuleType(name)
    sys.modules[name] = module  # dataclasses looks the module up
    try:
        exec(compile(source, f"{name}.py", "exec"), vars(module))
    finally:
        del sys.modules[name]
    return vars(module)


def behaviour(ns: dict) -> dict:
    """What a caller can observe of the generated methods."""
    point, bag, ranked = ns["Point"], ns["Bag"], ns["Ranked"]
    p = point(1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.x = 5
    with pytest.raises(TypeError):
        point()
    first, second = bag("a"), bag("a", note="other")
    first.items.append(1)
    return {
        "repr": (repr(p), repr(first), repr(ranked(1, "x"))),
        "eq": (p == point(1, 2, ()), p == point(2), bag("a", note="x") == bag("a", note="y")),
        "hash": hash(p) == hash(point(1)),
        "factory": (first.items, second.items),
        "order": sorted([ranked(3), ranked(1, "b"), ranked(1, "a")]) == [ranked(1, "a"), ranked(1, "b"), ranked(3)],
        "signature": (str(inspect.signature(point)), str(inspect.signature(bag))),
        "annotations": (point.__init__.__annotations__, bag.__init__.__annotations__),
        "code": [(name, getattr(cls, name).__code__.co_code)
                 for cls in (point, bag, ranked) for name in ("__init__", "__repr__", "__eq__")],
    }


@pytest.fixture
def fresh(tmp_path):
    codecache.uninstall()
    yield tmp_path / "cache" / "code.bin"
    codecache.uninstall()


def test_methods_from_the_cache_behave_as_compiled_ones(fresh):
    plain = behaviour(define())

    first = codecache.install(fresh)
    assert first is not None, "this Python's dataclasses compile with exec"
    assert behaviour(define()) == plain
    assert first.misses > 0 and first.hits == 0
    first.save()
    assert fresh.exists()
    codecache.uninstall()

    second = codecache.install(fresh)
    cached = behaviour(define())
    assert second.misses == 0 and second.hits == first.misses, "every method came from the file"
    assert cached == plain


NEW = "from dataclasses import dataclass\n@dataclass\nclass New:\n    z: float = 0.5\n"


def test_a_changed_class_misses_and_is_added(fresh):
    cache = codecache.install(fresh)
    define()
    cache.save()
    codecache.uninstall()
    cache = codecache.install(fresh)
    namespace = define(NEW, "other")
    assert cache.misses >= 1 and namespace["New"]() == namespace["New"](0.5)
    cache.save()
    codecache.uninstall()
    reloaded = codecache.install(fresh)
    define(NEW, "other")
    assert reloaded.misses == 0


@pytest.mark.parametrize("content", [b"", b"PDDC1", b"PDDC1\x00\x01garbage", b"not a cache at all",
                                     b"PDDC1" + bytes(range(256)) * 4])
def test_a_damaged_cache_only_means_compiling_again(fresh, content):
    fresh.parent.mkdir(parents=True)
    fresh.write_bytes(content)
    cache = codecache.install(fresh)
    plain_cache_free = behaviour(define())
    assert cache.hits == 0 and cache.misses > 0
    cache.save()
    assert fresh.read_bytes().startswith(codecache.MAGIC) and fresh.read_bytes() != content
    codecache.uninstall()
    again = codecache.install(fresh)
    assert behaviour(define()) == plain_cache_free and again.misses == 0


def test_an_entry_that_is_not_code_is_dropped(fresh):
    import marshal

    fresh.parent.mkdir(parents=True)
    fresh.write_bytes(codecache.MAGIC + marshal.dumps({"def f(): pass": "print('not code')", 3: b"x"}))
    cache = codecache.install(fresh)
    assert cache.entries == {}


@pytest.mark.skipif(os.name == "nt" or os.geteuid() == 0, reason="root writes anywhere")
def test_an_unwritable_folder_is_no_error(fresh):
    fresh.parent.mkdir(parents=True)
    fresh.parent.chmod(0o500)
    try:
        cache = codecache.install(fresh)
        define()
        cache.save()  # nothing raised
        assert not fresh.exists()
    finally:
        fresh.parent.chmod(0o700)


def test_an_unwritable_path_is_no_error(fresh):
    fresh.parent.mkdir(parents=True)
    fresh.mkdir()  # a folder where the file should be: writing fails
    cache = codecache.install(fresh)
    define()
    cache.save()
    assert fresh.is_dir()


def test_the_perfdesk_command_keeps_the_cache_between_runs(tmp_path):
    """The console script's own path: the first run compiles and writes the file, the next one
    compiles none of PerfDesk's dataclasses."""
    env = dict(os.environ, PERFDESK_DATA_DIR=str(tmp_path / "data"))
    demo = tmp_path / "demo.perfdesk"
    probe = ("import sys; from perfdesk.__main__ import main; rc = main(sys.argv[1:]); "
             "from perfdesk import codecache; c = codecache.installed(); "
             "print('CACHE', c.hits, c.misses, codecache.cache_path()); sys.exit(rc)")
    subprocess.run([sys.executable, "-c", probe, "demo", str(demo)], env=env, check=True, capture_output=True)

    def run() -> tuple[int, int, Path]:
        result = subprocess.run([sys.executable, "-c", probe, "check", str(demo)], env=env, capture_output=True,
                                text=True, encoding="utf-8")
        line = next(line for line in result.stdout.splitlines() if line.startswith("CACHE"))
        _, hits, misses, path = line.split(" ", 3)
        return int(hits), int(misses), Path(path)

    hits, misses, path = run()
    assert path.parent == tmp_path / "data" / "cache" and path.exists()
    assert hits > 50 and misses == 0
