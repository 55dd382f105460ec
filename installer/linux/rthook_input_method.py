# PyInstaller run-time hook (installer/linux/perfdesk.spec): Chinese input through ibus's
# interface when the desktop asks for fcitx.
#
# The bundle carries Qt's own input-context plugins only: compose and ibus. No fcitx5 plugin
# can ship with it: fcitx5-qt's Qt 6 plugin uses Qt's private API and must be built against the
# exact Qt it runs in (Debian's fcitx5-frontend-qt6 declares qt6-base-abi (= 6.4.2) and needs
# libstdc++ >= 11), and the PySide6 wheels carry no Qt headers to build one. Desktops with fcitx5
# (UOS, Kylin, Ubuntu Kylin) set QT_IM_MODULE=fcitx; Qt would then find no plugin and fall back
# to no input method at all. fcitx5 also answers on ibus's D-Bus interface (its "ibus frontend"
# addon), so asking for ibus instead gives Chinese input there, and on ibus desktops anyway.
# Child processes inherit the change; for other Qt programs ibus is served by fcitx5 as well.
import os

if os.environ.get("QT_IM_MODULE", "").lower().startswith("fcitx"):
    os.environ["PERFDESK_QT_IM_MODULE_ORIG"] = os.environ["QT_IM_MODULE"]
    os.environ["QT_IM_MODULE"] = "ibus"
