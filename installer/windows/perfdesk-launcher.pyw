"""PerfDesk's launcher on Windows (installed beside the Python folder by the setup program).

The Start-menu and desktop shortcuts and the .perfdesk file association run
    "<install dir>\\Python\\pythonw.exe" "<install dir>\\perfdesk-launcher.pyw" ["<file>"]
pythonw.exe has no console, so sys.stdout and sys.stderr are None; perfdesk.crash handles that
(and logs to %APPDATA%\\PerfDesk), so unlike pynsist's own launcher this one redirects nothing.
The bundled Python finds <install dir>\\pkgs through its python311._pth file; the site dir is
added again here so that any .pth file in pkgs is honoured, as pynsist's launcher does.
"""

import os
import site
import sys

PKGS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pkgs")
if PKGS not in sys.path:
    sys.path.insert(0, PKGS)
site.addsitedir(PKGS)

if __name__ == "__main__":
    from perfdesk.__main__ import main  # as the `perfdesk` console script starts

    sys.exit(main())
