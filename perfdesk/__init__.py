"""PerfDesk: budget-performance forms (绩效目标申报表, 项目支出绩效自评表) for Chinese budget units."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("perfdesk")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"
