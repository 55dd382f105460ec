"""Read an strace log of one bundle run (installer/smoke-linux.sh) and report
- every file or folder the program created, wrote, renamed or deleted outside the allowed
  folders (the temporary HOME, TMPDIR and work folder of the smoke test), and
- every file it opened from the build machine (the source tree, the build venv, the Python
  the bundle was built with): a bundle that still needs those would break on a user's PC.

    python3 tracecheck.py LOG --cwd DIR --allow DIR… [--forbid-read DIR…] [--expect-open SUBSTR…]

The log comes from `strace -f -y -e trace=<file syscalls> -o LOG`. Exit 0 when clean.
"""

from __future__ import annotations

import argparse
import os
import re
import sys

WRITE_FLAGS = ("O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND")
LINE = re.compile(r"^(?P<pid>\d+)\s+(?P<call>\w+)\((?P<args>.*)\)\s+=\s+(?P<ret>-?\d+|\?)(?P<rest>.*)$")
STRING = r'"((?:[^"\\]|\\.)*)"'
FD_PATH = re.compile(r"^(?:AT_FDCWD|-?\d+<(?P<dir>[^>]*)>|-?\d+)$")


def unescape(text: str) -> str:
    """strace prints non-ASCII bytes as \\ooo or \\xHH escapes."""
    raw = text.encode("latin-1", "backslashreplace").decode("unicode_escape").encode("latin-1")
    return raw.decode("utf-8", "replace")


def joined_lines(handle):
    """Glue strace's `<unfinished ...>` / `<... call resumed>` halves back together."""
    pending: dict[str, str] = {}
    for line in handle:
        line = line.rstrip("\n")
        m = re.match(r"^(\d+)\s+(.*) <unfinished \.\.\.>$", line)
        if m:
            pending[m.group(1)] = m.group(2)
            continue
        m = re.match(r"^(\d+)\s+<\.\.\. \w+ resumed>(.*)$", line)
        if m:
            line = f"{m.group(1)} {pending.pop(m.group(1), '')}{m.group(2)}"
        yield line


def split_args(args: str) -> list[str]:
    parts, depth, quote, current, i = [], 0, False, "", 0
    while i < len(args):
        ch = args[i]
        if quote:
            current += ch
            if ch == "\\" and i + 1 < len(args):
                current += args[i + 1]
                i += 1
            elif ch == '"':
                quote = False
        elif ch == '"':
            quote, current = True, current + ch
        elif ch in "[{<":
            depth, current = depth + 1, current + ch
        elif ch in "]}>":
            depth, current = depth - 1, current + ch
        elif ch == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += ch
        i += 1
    if current.strip():
        parts.append(current.strip())
    return parts


def path_arg(dirfd: str | None, arg: str, cwd: str) -> str | None:
    m = re.fullmatch(STRING + r"(?:\.\.\.)?", arg)
    if not m:
        return None
    path = unescape(m.group(1))
    if os.path.isabs(path):
        return os.path.normpath(path)
    base = cwd
    if dirfd is not None:
        fd = FD_PATH.match(dirfd)
        if fd and fd.group("dir"):
            base = unescape(fd.group("dir"))
    return os.path.normpath(os.path.join(base, path))


def touched(call: str, args: list[str], cwd: str) -> tuple[list[str], list[str]]:
    """(paths written, paths only read) by one successful call."""
    if call in ("open", "creat"):
        path = path_arg(None, args[0], cwd)
        write = call == "creat" or any(flag in args[1] for flag in WRITE_FLAGS)
        return ([path], []) if write else ([], [path])
    if call in ("openat", "openat2"):
        path = path_arg(args[0], args[1], cwd)
        write = any(flag in " ".join(args[2:]) for flag in WRITE_FLAGS)
        return ([path], []) if write else ([], [path])
    if call in ("mkdir", "rmdir", "unlink", "truncate", "chmod", "utimes", "utime"):
        return [path_arg(None, args[0], cwd)], []
    if call in ("mkdirat", "unlinkat", "fchmodat", "utimensat"):
        return [path_arg(args[0], args[1], cwd)], []
    if call in ("rename", "link", "symlink"):
        return [path_arg(None, args[1], cwd)] + ([path_arg(None, args[0], cwd)] if call == "rename" else []), []
    if call in ("renameat", "renameat2", "linkat"):
        return [path_arg(args[2], args[3], cwd)] + ([path_arg(args[0], args[1], cwd)] if call != "linkat" else []), []
    if call == "symlinkat":
        return [path_arg(args[1], args[2], cwd)], []
    return [], []


def inside(path: str, roots: list[str]) -> bool:
    return any(path == root or path.startswith(root.rstrip("/") + "/") for root in roots)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("log")
    parser.add_argument("--cwd", required=True)
    parser.add_argument("--allow", nargs="*", default=[])
    parser.add_argument("--forbid-read", nargs="*", default=[])
    parser.add_argument("--expect-open", nargs="*", default=[],
                        help="substrings of paths that must have been opened (e.g. the xcb plugin)")
    args = parser.parse_args(argv)
    allow = [os.path.realpath(p) for p in args.allow] + ["/dev", "/proc/self", "/proc/thread-self"]
    forbid = [os.path.realpath(p) for p in args.forbid_read]

    written, leaked, opened, calls = set(), set(), set(), 0
    with open(args.log, encoding="latin-1") as handle:
        for line in joined_lines(handle):
            m = LINE.match(line)
            if not m or m.group("ret") == "?" or m.group("ret").startswith("-"):
                continue  # failed calls change nothing
            calls += 1
            try:
                writes, reads = touched(m.group("call"), split_args(m.group("args")), args.cwd)
            except IndexError:
                continue
            for path in filter(None, writes):
                if not inside(path, allow) and not inside(os.path.realpath(path), allow):
                    written.add(f"{m.group('call')} {path}")
            for path in filter(None, writes + reads):
                opened.add(path)
                if inside(path, forbid):
                    leaked.add(path)
    ok = True
    print(f"  {calls} successful file calls traced")
    if written:
        ok = False
        print("  WRITTEN OUTSIDE the temporary folders:")
        for entry in sorted(written)[:30]:
            print(f"    {entry}")
    if leaked:
        ok = False
        print("  OPENED FROM THE BUILD MACHINE (the bundle is not self-contained):")
        for path in sorted(leaked)[:30]:
            print(f"    {path}")
    for wanted in args.expect_open:
        if not any(wanted in path for path in opened):
            ok = False
            print(f"  never opened: *{wanted}*")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
