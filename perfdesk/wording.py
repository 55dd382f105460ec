"""The messages of Python's own tools (argparse, tomllib) said in Chinese.

A table lists (pattern of the English message, its Chinese); `{0}`, `{1}` … in the Chinese
take what the pattern's groups caught. A message the table does not know stays as it was.
Used by the command line (`perfdesk.cli`) and the form-definition loader
(`perfdesk.formdefs.loader`), so it depends on nothing else in the package."""

from __future__ import annotations

import re


def in_chinese(table: list[tuple[str, str]], message: str) -> str:
    for pattern, chinese in table:
        match = re.fullmatch(pattern, message)
        if match:
            return chinese.format(*match.groups())
    return message
