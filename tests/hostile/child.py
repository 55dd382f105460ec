"""Run one `perfdesk` command line in this process under a memory ceiling, for heavy cases:

    python -m tests.hostile.child LIMIT_MB REPORT_FILE -- ARGS...

The address-space limit (`resource.setrlimit(RLIMIT_AS)`) turns a regression that would eat
the machine into a MemoryError here. REPORT_FILE receives one JSON line: the exit code, the
seconds spent in `perfdesk.cli.main` and this process's peak resident memory.
"""

from __future__ import annotations

import json
import resource
import sys
import time


def _peak_kb() -> int:
    """This process's peak resident memory. Linux's VmHWM belongs to this program alone;
    ru_maxrss would also count what the parent had when it forked us."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:  # pragma: no cover - not Linux
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> int:
    limit_mb, report = int(sys.argv[1]), sys.argv[2]
    args = sys.argv[sys.argv.index("--") + 1:]
    if limit_mb > 0:
        limit = limit_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from perfdesk.cli import main as perfdesk

    started = time.perf_counter()
    code = perfdesk(args)
    seconds = time.perf_counter() - started
    peak_kb = _peak_kb()
    if report != "-":
        with open(report, "w", encoding="utf-8") as out:
            json.dump({"code": code, "seconds": seconds, "peak_mb": peak_kb / 1024}, out)
    return code


if __name__ == "__main__":
    sys.exit(main())
