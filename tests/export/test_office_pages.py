"""Where LibreOffice is installed: our .docx and .xlsx of each demo form print on as many pages
as our PDF of it (the three formats flow alike). Skipped cleanly where soffice is missing."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from perfdesk.export import export_forms
from perfdesk.formdefs import default_registry

from .test_pdf import _pages

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")


def _convert(files, out, tmp_path):
    profile = tmp_path / "lo-profile"
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(out)] + [str(f) for f in files],
                   check=True, capture_output=True, timeout=900, env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    return {p.stem: p for p in out.glob("*.pdf")}


# LibreOffice 7.4 (Debian 12) has no 宋体: it measures our xlsx columns with a substitute
# font, finds them wider, and fit-to-width then shrinks the whole sheet (a two-page form
# prints on one small page). Excel and WPS with 宋体 measure the columns as we set them. Strict:
# the day LibreOffice agrees, this test says so.
XLSX_IN_LIBREOFFICE = pytest.mark.xfail(
    strict=True, reason="LibreOffice measures the xlsx columns with a substitute for 宋体 and shrinks the sheet")


@pytest.mark.parametrize("fmt", ["docx", pytest.param("xlsx", marks=XLSX_IN_LIBREOFFICE)])
def test_office_page_counts_match_the_pdf(fmt, demo_ws, tmp_path):
    registry = default_registry()
    forms = [f for f in demo_ws.forms.values() if f.year == 2022]
    ours = {p.stem: p for p in export_forms(demo_ws, forms, registry, "pdf", tmp_path / "pdf", with_list=False)}
    files = export_forms(demo_ws, forms, registry, fmt, tmp_path / fmt, with_list=False)
    converted = _convert(files, tmp_path / f"{fmt}-pdf", tmp_path)
    assert set(converted) == set(ours)
    mismatched = {stem: (_pages(ours[stem]), _pages(converted[stem])) for stem in ours
                  if _pages(ours[stem]) != _pages(converted[stem])}
    assert not mismatched, (fmt, mismatched)
