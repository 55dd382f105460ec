"""The `perfdesk` command's entry point (also `python -m perfdesk`).

Start-up allocates hundreds of thousands of objects that live as long as the program: Qt's
wrapped classes and enums, the form definitions, the opened file. With the garbage collector
on, Python walks that growing heap again and again while it is being built (about a third of
the window's start-up time, measured in benchmarks/bench_startup.py). So the collector is
off from here until the work that needs to be fast is done, then everything alive is frozen
(`gc.freeze`: never scanned again, never freed, as it lives to the end anyway) and the
collector resumes for what comes after. `perfdesk.cli.main` resumes it as soon as it knows
the command is not the window's; the window resumes it after its first frame
(`perfdesk.app.run`). Importing `perfdesk.cli` as a library leaves the collector alone.

Before anything else is imported, the compiled dataclass methods of earlier starts are made
available (`perfdesk.codecache`), and what this run compiled anew is kept when it ends.
"""

from __future__ import annotations

import gc
import sys


def main(argv: list[str] | None = None) -> int:
    gc.disable()
    from perfdesk import codecache

    codecache.install()
    try:
        from perfdesk.cli import main as cli_main

        return cli_main(argv)
    finally:
        resume_collector()
        codecache.save()


def resume_collector() -> None:
    """Turn the collector back on if start-up turned it off (a no-op otherwise, so that code
    run in a test process, which never turned it off, keeps its normal collector)."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


if __name__ == "__main__":  # pragma: no cover - `python -m perfdesk`
    sys.exit(main())
