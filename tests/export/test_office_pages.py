"""Where LibreOffice is installed: our .docx and .xlsx of every demo form print on as many pages
as our PDF of it, and the .xlsx at the PDF's size. Skipped cleanly where soffice is missing.

LibreOffice runs as docs/exports.md tells a Linux desktop without 宋体 to set up fontconfig:
the alias file printed there (read from the page, so the documented file is the tested one)
and PerfDesk's shipped fonts folder. Without it LibreOffice 7.4 draws 宋体 with DejaVu Sans,
finds the columns wider than the paper, fit-to-width shrinks the sheet to about 80 %, and a
two-page form prints on one smaller page."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace
from xml.sax.saxutils import escape

import pytest

from perfdesk.demodata import build_workspace
from perfdesk.export import export_forms
from perfdesk.export.fonts import SHIPPED_DIR
from perfdesk.formdefs import default_registry

from .test_pdf import _pages

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")

YEARS = (2022, 2026)  # every demo form: 14 self-evaluations and 11 declarations
ALIASES = "65-perfdesk-aliases.conf"  # the fontconfig aliases PerfDesk ships (docs/exports.md)


def fonts_conf(folder: Path) -> Path:
    """A fontconfig set-up: the system's, PerfDesk's fonts folder and the aliases it ships (the
    file docs/exports.md prints: test_font_aliases.py holds the two equal)."""
    aliases = SHIPPED_DIR / ALIASES
    conf = folder / "fonts.conf"
    conf.write_text(f"""<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <dir>{escape(str(SHIPPED_DIR))}</dir>
  <include>{escape(str(aliases))}</include>
  <cachedir>{escape(str(folder / "fc-cache"))}</cachedir>
</fontconfig>
""", encoding="utf-8")
    return conf


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    """Our PDFs of the demo forms, and LibreOffice's environment (one profile, warmed once)."""
    root = tmp_path_factory.mktemp("office")
    env = {"HOME": str(root), "PATH": "/usr/bin:/bin", "FONTCONFIG_FILE": str(fonts_conf(root))}
    ws, registry = build_workspace(), default_registry()
    forms = [f for f in ws.forms.values() if f.year in YEARS]
    pdfs = export_forms(ws, forms, registry, "pdf", root / "pdf", with_list=False)
    return SimpleNamespace(root=root, env=env, ws=ws, registry=registry, forms=forms,
                           ours={p.stem: p for p in pdfs})


def _convert(files, out: Path, office) -> dict[str, Path]:
    profile = office.root / "lo-profile"
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(out)] + [str(f) for f in files],
                   check=True, capture_output=True, timeout=900, env=office.env)
    return {p.stem: p for p in out.glob("*.pdf")}


@pytest.fixture(scope="module", params=["docx", "xlsx"])
def converted(request, office):
    """(format, {stem: LibreOffice's PDF of our file of that format}) for every demo form."""
    fmt = request.param
    files = export_forms(office.ws, office.forms, office.registry, fmt, office.root / fmt, with_list=False)
    return fmt, _convert(files, office.root / f"{fmt}-pdf", office)


def _title_width(pdf: Path) -> float:
    """Width in points of the tallest word on page 1: the form's title (黑体 16)."""
    html = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    words = [tuple(float(v) for v in m.groups()) for m in re.finditer(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"', html)]
    x0, y0, x1, y1 = max(words, key=lambda w: w[3] - w[1])
    return x1 - x0


@pytest.mark.skipif(shutil.which("fc-match") is None, reason="fontconfig's fc-match is not installed")
def test_the_shipped_aliases_draw_song_with_the_pdfs_faces(office):
    for family, face in (("宋体", "AR PL UMing CN"), ("SimSun", "AR PL UMing CN"), ("仿宋_GB2312", "AR PL UMing CN"),
                         ("黑体", "WenQuanYi Micro Hei"), ("方正小标宋", "WenQuanYi Micro Hei")):
        found = subprocess.run(["fc-match", "-f", "%{family}", family], check=True, capture_output=True,
                               text=True, env=office.env).stdout
        assert face in found.split(","), (family, found)


def test_office_page_counts_match_the_pdf(converted, office):
    fmt, pdfs = converted
    assert set(pdfs) == set(office.ours)
    counts = {stem: (_pages(office.ours[stem]), _pages(pdfs[stem])) for stem in office.ours}
    mismatched = {stem: pair for stem, pair in counts.items() if pair[0] != pair[1]}
    assert not mismatched, (fmt, mismatched)
    assert {ours for ours, _ in counts.values()} >= {1, 2, 3}  # forms of one, two and three pages


def test_office_prints_at_the_pdfs_size(converted, office):
    """Fit-to-width leaves the sheet at full size: LibreOffice measures the columns with the
    font the PDF uses (a substitute with wider digits shrinks the title by a fifth)."""
    fmt, pdfs = converted
    for stem, ours in office.ours.items():
        assert _title_width(pdfs[stem]) == pytest.approx(_title_width(ours), rel=0.02), (fmt, stem)
