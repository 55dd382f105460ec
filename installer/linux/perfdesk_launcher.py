"""Entry script of the frozen PerfDesk (PyInstaller, installer/linux/perfdesk.spec): runs
`perfdesk.cli:main` and exits with its return code. `perfdesk PATH` (how the .desktop entry
opens a double-clicked .perfdesk file) is handled by the CLI itself."""

import sys

from perfdesk.cli import main

if __name__ == "__main__":
    sys.exit(main())
