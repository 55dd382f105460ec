"""PDF: drawn with reportlab, fonts embedded as subsets, every name and value extractable,
pages not blank, headers repeated, groups kept whole, missing glyphs refused."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from PIL import Image

from perfdesk.domain.definition import SectionType
from perfdesk.export import MissingGlyphs, export_forms
from perfdesk.export.errors import ExportError
from perfdesk.export.fonts import FontBook
from perfdesk.formdefs import default_registry
from perfdesk.layout.grid import Style

from .conftest import filled_form, pdf_text, squeeze

DEFINITIONS = default_registry().ids()


def _fonts(path: Path) -> list[list[str]]:
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    return [line.split() for line in out.splitlines()[2:] if line.strip()]


def _pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def _ink(png: Path) -> float:
    image = Image.open(png).convert("L")
    dark = sum(image.histogram()[:128])
    return dark / (image.width * image.height)


def test_fonts_are_embedded_subsets_and_never_the_builtin_cid_font(daily_files):
    files, _, _ = daily_files
    fonts = _fonts(files["pdf"])
    assert fonts
    for row in fonts:
        name, emb, sub, uni = row[0], row[-5], row[-4], row[-3]
        assert (emb, sub, uni) == ("yes", "yes", "yes"), row
        assert "+" in name  # subset prefix, e.g. AAAAAA+UMingCN-0
        assert "STSong" not in name and "Helvetica" not in name


def test_every_indicator_name_and_value_is_in_the_text(daily_files):
    files, ws, form = daily_files
    text = squeeze(pdf_text(files["pdf"]))
    for indicator in form.indicators:
        for value in (indicator.level1, indicator.level2, indicator.level3, indicator.target.raw,
                      indicator.actual.raw, indicator.reason):
            assert squeeze(value) in text, value
    for expected in ("财政项目支出绩效自评表", "（2022年度）", "补充日常经费", "1,297,747.17", "68.12%", "6.81",
                     "94.81", "总分", "偏差原因分析及改进措施", squeeze(form.field("goal_expected"))):
        assert expected in text, expected


def test_first_page_renders_with_ink(daily_files, tmp_path):
    files, _, _ = daily_files
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(files["pdf"]),
                    str(tmp_path / "page")], check=True)
    png = next(tmp_path.glob("page*.png"))
    ink = _ink(png)
    assert 0.01 < ink < 0.5, ink
    width, height = Image.open(png).size
    assert height > width  # A4 portrait


def test_header_repeats_and_groups_stay_whole(daily_files):
    files, _, _ = daily_files
    assert _pages(files["pdf"]) == 2
    second = squeeze(pdf_text(files["pdf"], "-f", "2", "-l", "2"))
    assert "一级指标" in second and "偏差原因分析及改进措施" in second  # repeated header row
    assert "绩效指标" in second  # the merged label printed in its part on this page
    # The 效益指标 group fits on page 1 whole; the 满意度 group moved whole to page 2.
    assert "服务对象满意度指标" in second and "部门沟通协调机制" not in second
    first = squeeze(pdf_text(files["pdf"], "-f", "1", "-l", "1"))
    assert "部门沟通协调机制" in first and "服务对象满意度指标" not in first


@pytest.mark.parametrize("definition_id", DEFINITIONS)
def test_every_definition_prints(definition_id, tmp_path):
    definition = default_registry().get(definition_id)
    ws, form = filled_form(definition, indicators_per_level1=12)
    path = export_forms(ws, [form], default_registry(), "pdf", tmp_path, with_list=False)[0]
    text = squeeze(pdf_text(path))
    assert definition.title in text
    for indicator in form.indicators:
        assert squeeze(indicator.level3) in text
    assert _pages(path) >= 2  # 48 indicators: the table continues, its header repeated
    level3_label = dict(definition.section(SectionType.INDICATORS).indicator_columns)["level3"]
    assert text.count(level3_label) >= 2
    width, height = (float(v) for v in subprocess.run(
        ["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout.split("Page size:")[1].split()[0:3:2])
    assert (round(width), round(height)) == (595, 842)  # A4 portrait, in points


def test_missing_glyph_is_reported_and_nothing_written(tmp_path):
    definition = default_registry().get("sh-selfeval-2020")
    ws, form = filled_form(definition)
    ws.set_indicator(form.id, form.indicators[0].id, "level3", "完成率\U0001F600\uE000")
    with pytest.raises(MissingGlyphs) as info:
        export_forms(ws, [form], default_registry(), "pdf", tmp_path, with_list=False)
    chars = {g.char for g in info.value.glyphs}
    assert chars == {"\U0001F600", "\uE000"}
    assert all("三级指标" in g.where and "绩效自评表" in g.document for g in info.value.glyphs)
    assert "U+1F600" in str(info.value)
    assert list(tmp_path.iterdir()) == []
    # Word and Excel leave font fallback to the office program: they still export.
    assert export_forms(ws, [form], default_registry(), "docx", tmp_path, with_list=False)


def test_characters_missing_from_the_first_font_come_from_the_next(tmp_path):
    book = FontBook()
    chain = book.chain("宋体")
    if len(chain) < 2:
        pytest.skip("only one CJK font installed")
    only_second = next((chr(c) for c in sorted(chain[1].glyphs) if c > 0x2000 and not chain[0].has(chr(c))), None)
    if only_second is None:
        pytest.skip("the fallback font adds nothing")
    runs = book.runs(f"甲{only_second}乙", "宋体")
    assert [name for name, _ in runs] == [chain[0].name, chain[1].name, chain[0].name]
    assert book.missing(f"甲{only_second}", "宋体") == []


def test_no_font_at_all_is_a_clear_error(tmp_path):
    book = FontBook(dirs=[tmp_path])
    with pytest.raises(ExportError) as info:
        book.width("中文", Style())
    assert "PERFDESK_FONT_DIR" in str(info.value)


def test_song_and_hei_resolve_to_different_faces():
    book = FontBook()
    names = {f.path.name.lower() for f in book.chain("宋体")}
    if not names & {"simsun.ttc", "uming.ttc"} or "simhei.ttf" not in names and "wqy-microhei.ttc" not in names:
        pytest.skip("no Song face and Hei face both installed")
    assert book.primary("宋体").path.name.lower() in ("simsun.ttc", "uming.ttc")
    assert book.primary("仿宋_GB2312").path.name.lower() in ("fangsong_gb2312.ttf", "simfang.ttf", "uming.ttc")
    assert book.primary("黑体").path.name.lower() in ("simhei.ttf", "wqy-microhei.ttc")
    assert book.width("中", Style(size=10)) == pytest.approx(10 * 25.4 / 72, rel=0.05)
