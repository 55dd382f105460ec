"""The compiled methods of PerfDesk's dataclasses, kept between starts.

`@dataclass` writes the source of each class's `__init__`, `__repr__`, `__eq__`, `__hash__`
(and, frozen, `__setattr__` / `__delattr__`) and compiles it while the module is imported:
about 200 small compilations before the window can show, some 6 % of a start's instructions
(measured in benchmarks/bench_startup.py). The text is the same on every start, so the
compiled code is too. `install()` lets the `dataclasses` module compile through this cache:
a text seen on an earlier start is taken from the cache file, anything else is compiled as
before and remembered; `save()` writes what was new.

What runs is exactly what `dataclasses` would have run: the same text, compiled with the
same flags (none inherited: `dataclasses` has no `__future__` imports) and the same file
name, executed with the same namespaces; only the compiling is skipped. The cache is keyed
by the whole source text, so a changed class simply misses. It is a plain file in PerfDesk's
cache folder (beside the parsed form definitions), one per Python build, since marshal's
format is tied to the interpreter; anything wrong with it (missing, foreign, damaged,
another Python's, unwritable) only means compiling again, never an error.

Only the `perfdesk` command installs it (`perfdesk.__main__`); importing PerfDesk as a
library, as the tests do, leaves `dataclasses` alone.
"""

from __future__ import annotations

import builtins
import dataclasses
import marshal
import os
import sys
from pathlib import Path

MAGIC = b"PDDC1"
# Entries not used by a start are kept (a module imported later, a dialog, may need them),
# up to this many; past it only the ones this process used are written.
MAX_ENTRIES = 4000


class CodeCache:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[str, object] = {}
        self.used: set[str] = set()
        self.hits = self.misses = 0
        self._new = False

    def load(self) -> None:
        try:
            data = self.path.read_bytes()
            if not data.startswith(MAGIC):
                return
            entries = marshal.loads(data[len(MAGIC):])
        except (OSError, ValueError, EOFError, TypeError):
            return
        if isinstance(entries, dict):
            self.entries = {text: code for text, code in entries.items()
                            if isinstance(text, str) and type(code) is _CODE}

    def code(self, text: str):
        code = self.entries.get(text)
        if code is None:
            self.misses += 1
            code = self.entries[text] = compile(text, "<string>", "exec", dont_inherit=True)
            self._new = True
        else:
            self.hits += 1
        self.used.add(text)
        return code

    def exec(self, source, globals=None, locals=None, /, **options):  # noqa: A002 - exec's own names
        """`exec` as `dataclasses` calls it, compiling a source text through the cache."""
        if type(source) is str and not options:
            return builtins.exec(self.code(source), globals, locals)
        return builtins.exec(source, globals, locals, **options)

    def save(self) -> None:
        """Write the cache if this process compiled anything new (atomically: a temporary file
        renamed over the old one, so a reader never sees half a file)."""
        if not self._new:
            return
        self._new = False
        entries = self.entries
        if len(entries) > MAX_ENTRIES:
            entries = {text: code for text, code in entries.items() if text in self.used}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
            temp.write_bytes(MAGIC + marshal.dumps(entries))
            os.replace(temp, self.path)
        except (OSError, ValueError):
            pass


_CODE = type(compile("", "<string>", "exec"))
_installed: CodeCache | None = None


def cache_path() -> Path:
    from perfdesk.places import cache_dir

    return cache_dir() / f"dataclass-code-{sys.implementation.cache_tag}.bin"


def install(path: Path | None = None) -> CodeCache | None:
    """Let `dataclasses` compile through the cache at `path` (default: the cache folder's).
    Returns the cache, or None where this Python's `dataclasses` does not compile with `exec`
    (then nothing is changed)."""
    global _installed
    if _installed is not None:
        return _installed
    if "exec" in vars(dataclasses) or not _compiles_with_exec():
        return None
    cache = CodeCache(path or cache_path())
    cache.load()
    dataclasses.exec = cache.exec  # found before the builtin by dataclasses' own code
    _installed = cache
    return cache


def uninstall() -> None:
    """Back to the built-in `exec` (tests)."""
    global _installed
    if _installed is not None:
        vars(dataclasses).pop("exec", None)
        _installed = None


def save() -> None:
    if _installed is not None:
        _installed.save()


def installed() -> CodeCache | None:
    return _installed


def _compiles_with_exec() -> bool:
    """Whether `dataclasses` builds its methods by calling `exec` on source text: 3.11 and
    3.12 in `_create_fn`, 3.13 in `_FuncBuilder.add_fns_to_class`."""
    create_fn = getattr(dataclasses, "_create_fn", None)
    builder = getattr(getattr(dataclasses, "_FuncBuilder", None), "add_fns_to_class", None)
    return any(isinstance(getattr(f, "__code__", None), _CODE) and "exec" in f.__code__.co_names
               for f in (create_fn, builder))
