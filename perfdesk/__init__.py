"""PerfDesk: budget-performance forms (绩效目标申报表, 项目支出绩效自评表) for Chinese budget units."""


def version() -> str:
    """The installed version. Looked up when asked (the About box), not at import: reading
    package metadata costs every command-line start about 17 ms."""
    from importlib.metadata import PackageNotFoundError, version as _version

    try:
        return _version("perfdesk")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
        return "0+unknown"
