"""Check the ELF files of a built bundle (run by installer/build-linux.sh; plain Python, no deps).

    python elfcheck.py BUNDLE_DIR [--target 2.28] [--limit-glibc 2.31] [--limit-glibcxx 3.4.28] [--json OUT]

- glibc: the highest GLIBC_x.y symbol version any ELF in the bundle requires (the "version
  needs" of `readelf -V`, i.e. what the dynamic loader checks at start-up), the files that
  need it, and every file needing more than --target, grouped by where it comes from.
- libstdc++: the same for GLIBCXX_x.y.z (and CXXABI_1.3.x), which the libstdc++ in use must
  define - the bundled one, or the desktop's own where it is newer and loaded first.
- limits: with --limit-glibc / --limit-glibcxx, any file needing more fails the check (exit 1):
  that is the proof that the bundle starts on a system with that glibc and libstdc++.
- dependencies: every DT_NEEDED library of every ELF must resolve (`ldd`, with the bundle's
  `_internal` folder on LD_LIBRARY_PATH as the PyInstaller bootloader sets it); the names
  that do not are listed and the exit code is 1.

Prints a report; the last lines are `GLIBCXX_MAX=3.4.xx` and `GLIBC_MAX=2.xx`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

ELF_MAGIC = b"\x7fELF"
# Libraries every Linux desktop provides and PyInstaller deliberately leaves out of the bundle
# (glibc itself, the GL / EGL driver stack, libxcb, wayland) or perfdesk.spec leaves to the
# system (libcups); their absence on the build host
# is not a bundle problem, so they are reported apart from the real gaps.
SYSTEM_PROVIDED = re.compile(
    r"^(ld-linux.*|lib(c|m|dl|rt|pthread|util|resolv|crypt|nsl|anl|BrokenLocale)\.so.*"
    r"|libE?(Open)?GLX?.*\.so.*|libGLdispatch\.so.*|libdrm\.so.*|libgbm\.so.*|libvulkan\.so.*"
    r"|libxcb\.so.*|libxcb-dri.*|libwayland-.*|libcups\.so.*)$")


def version_key(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def is_elf(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(4) == ELF_MAGIC
    except OSError:
        return False


def version_needs(path: Path) -> dict[str, list[str]]:
    """The GLIBC_x.y, GLIBCXX_x.y.z and CXXABI_x.y.z versions `path` requires (its .gnu.version_r
    section), each list sorted."""
    out = subprocess.run(["readelf", "-V", "--wide", str(path)], capture_output=True, text=True).stdout
    needs = out.split("Version needs section", 1)
    found: dict[str, list[str]] = {"GLIBC": [], "GLIBCXX": [], "CXXABI": []}
    if len(needs) < 2:
        return found
    for family in found:
        versions = set(re.findall(rf"Name: {family}_([0-9]+(?:\.[0-9]+)+)\b", needs[1]))
        found[family] = sorted(versions, key=version_key)
    return found


def unresolved(path: Path, lib_path: str) -> list[str]:
    env = dict(os.environ, LD_LIBRARY_PATH=lib_path)
    out = subprocess.run(["ldd", str(path)], capture_output=True, text=True, env=env).stdout
    return re.findall(r"^\s*(\S+) => not found", out, re.M)


def origin(rel: str) -> str:
    """Where a bundled file comes from, for the report."""
    parts = rel.split("/")
    if rel.startswith("_internal/PySide6/") or rel.startswith("_internal/shiboken6/"):
        return "PySide6 / shiboken6 wheels"
    if rel.startswith("_internal/python3") or parts[-1].startswith("libpython"):
        return "the build machine's Python"
    if len(parts) == 2 and parts[0] == "_internal":
        name = parts[1]
        for folder in ("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu",
                       "/usr/lib/aarch64-linux-gnu", "/lib64", "/usr/lib64"):
            if Path(folder, name).exists():
                return "the build machine's system libraries"
        return "other bundled libraries"
    if len(parts) == 1:
        return "PyInstaller bootloader"
    return f"wheel: {parts[1]}" if len(parts) > 2 else "other bundled libraries"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("bundle", type=Path)
    parser.add_argument("--target", default="2.28", help="report files needing a newer glibc than this")
    parser.add_argument("--limit-glibc", help="fail if any file needs a GLIBC_ version above this")
    parser.add_argument("--limit-glibcxx", help="fail if any file needs a GLIBCXX_ version above this")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    bundle: Path = args.bundle.resolve()
    lib_path = str(bundle / "_internal")

    files = sorted(p for p in bundle.rglob("*") if p.is_file() and not p.is_symlink() and is_elf(p))
    needs: dict[str, str] = {}
    cxx_needs: dict[str, str] = {}
    missing: dict[str, list[str]] = {}
    host_only: dict[str, list[str]] = {}
    for path in files:
        rel = path.relative_to(bundle).as_posix()
        found = version_needs(path)
        if found["GLIBC"]:
            needs[rel] = found["GLIBC"][-1]
        if found["GLIBCXX"]:
            cxx_needs[rel] = found["GLIBCXX"][-1]
        for name in unresolved(path, lib_path):
            (host_only if SYSTEM_PROVIDED.match(name) else missing).setdefault(name, []).append(rel)

    top = max(needs.values(), key=version_key) if needs else "0"
    print(f"{len(files)} ELF files checked.")
    print(f"Highest glibc symbol version required: GLIBC_{top}, by:")
    for rel, version in needs.items():
        if version == top:
            print(f"  {rel}  ({origin(rel)})")
    over = {rel: v for rel, v in needs.items() if version_key(v) > version_key(args.target)}
    groups: dict[str, list[str]] = {}
    for rel in over:
        groups.setdefault(origin(rel), []).append(rel)
    print(f"Files needing more than glibc {args.target}: {len(over)} of {len(files)}")
    for group, members in sorted(groups.items()):
        worst = max((over[m] for m in members), key=version_key)
        print(f"  {group}: {len(members)} file(s), up to GLIBC_{worst}")
        for rel in sorted(members, key=lambda m: version_key(over[m]), reverse=True)[:6]:
            print(f"    GLIBC_{over[rel]}  {rel}")
        if len(members) > 6:
            print(f"    … {len(members) - 6} more")
    cxx_top = max(cxx_needs.values(), key=version_key) if cxx_needs else ""
    if cxx_top:
        print(f"Highest libstdc++ symbol version required: GLIBCXX_{cxx_top}, by:")
        for rel, version in cxx_needs.items():
            if version == cxx_top:
                print(f"  {rel}  ({origin(rel)})")
    too_new: list[str] = []
    for family, limit, table in (("GLIBC", args.limit_glibc, needs), ("GLIBCXX", args.limit_glibcxx, cxx_needs)):
        if not limit:
            continue
        bad = sorted(rel for rel, v in table.items() if version_key(v) > version_key(limit))
        if bad:
            print(f"ABOVE THE LIMIT {family}_{limit}: {len(bad)} file(s)")
            for rel in bad:
                print(f"  {family}_{table[rel]}  {rel}  ({origin(rel)})")
            too_new += bad
        else:
            print(f"Limit {family}_{limit} kept: no file of {len(files)} needs more.")
    if host_only:
        print("Not in the bundle, taken from the desktop system: " + ", ".join(sorted(host_only)))
    if missing:
        print("UNRESOLVED libraries (neither in the bundle nor on this machine):")
        for name, users in sorted(missing.items()):
            print(f"  {name}  needed by {', '.join(users[:3])}{' …' if len(users) > 3 else ''}")
    if args.json:
        args.json.write_text(json.dumps({"glibc_max": top, "glibcxx_max": cxx_top, "needs": needs,
                                         "glibcxx_needs": cxx_needs, "over_target": over,
                                         "over_limit": too_new, "unresolved": missing},
                                        indent=1, ensure_ascii=False))
    print(f"GLIBCXX_MAX={cxx_top}")
    print(f"GLIBC_MAX={top}")
    return 1 if missing or too_new else 0


if __name__ == "__main__":
    sys.exit(main())
