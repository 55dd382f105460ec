"""The fontconfig alias file PerfDesk ships (resources/fonts/65-perfdesk-aliases.conf) is the one
docs/exports.md prints for a Linux desktop without 宋体, and it is packaged."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from perfdesk.export.fonts import SHIPPED_DIR

ROOT = Path(__file__).resolve().parents[2]
ALIASES = "65-perfdesk-aliases.conf"


def test_the_docs_print_the_shipped_alias_file():
    docs = (ROOT / "docs" / "exports.md").read_text(encoding="utf-8")
    found = re.search(r"```xml\n(<\?xml.*?</fontconfig>)\n```", docs, re.S)
    assert found, "docs/exports.md no longer shows the fontconfig alias file"
    assert found.group(1) + "\n" == (SHIPPED_DIR / ALIASES).read_text(encoding="utf-8")


def test_the_alias_file_maps_the_official_names_to_the_pdfs_faces():
    root = ET.fromstring((SHIPPED_DIR / ALIASES).read_bytes())
    mapped = {alias.findtext("family"): alias.findtext("accept/family") for alias in root.iter("alias")}
    assert mapped["宋体"] == mapped["SimSun"] == mapped["仿宋_GB2312"] == "AR PL UMing CN"
    assert mapped["黑体"] == mapped["SimHei"] == "WenQuanYi Micro Hei"
    assert all(alias.get("binding") == "same" for alias in root.iter("alias"))
