"""Entry script of the frozen PerfDesk (PyInstaller, installer/linux/perfdesk.spec): runs
`perfdesk.__main__:main` (the console script's entry: the collector waits until the window's first
frame, then the CLI) and exits with its return code. `perfdesk PATH` (how the .desktop entry
opens a double-clicked .perfdesk file) is handled by the CLI itself."""

import sys

from perfdesk.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
