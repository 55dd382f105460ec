# PyInstaller run-time hook (installer/linux/perfdesk.spec): give programs PerfDesk starts the
# user's own library path back.
#
# The bootloader puts the bundle's _internal folder first on LD_LIBRARY_PATH and re-executes
# itself, so that the bundled libraries are found. Every child process inherits that variable:
# the file manager, PDF viewer or WPS that "open the exported file / folder" start through
# xdg-open (QDesktopServices) would then load the bundle's glib, libstdc++, fontconfig … instead
# of their own, and may crash. The dynamic loader of this process read LD_LIBRARY_PATH once at
# start-up, so restoring the original value here changes nothing for PerfDesk itself (the
# smoke test checks that the xcb plugin's libraries still come from the bundle).
import os

_original = os.environ.pop("LD_LIBRARY_PATH_ORIG", None)
if _original is not None:
    os.environ["LD_LIBRARY_PATH"] = _original
else:
    os.environ.pop("LD_LIBRARY_PATH", None)
del _original
