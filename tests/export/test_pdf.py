"""PDF: drawn with reportlab in the shipped fonts, embedded as subsets; every name and value
extractable; pages not blank; headers and group labels repeated on continuation pages; pages
filled (no page but a form's last more than a quarter blank); missing glyphs refused."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from PIL import Image

from perfdesk.domain.definition import SectionType
from perfdesk.export import MissingGlyphs, export_forms
from perfdesk.export.errors import ExportError
from perfdesk.export.fonts import SHIPPED_DIR, SHIPPED_HEI, SHIPPED_SONG, FontBook, font_dirs
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


def test_header_repeats_and_groups_flow_over_the_page(daily_files):
    files, _, _ = daily_files
    assert _pages(files["pdf"]) == 2
    second = squeeze(pdf_text(files["pdf"], "-f", "2", "-l", "2"))
    assert "一级指标" in second and "偏差原因分析及改进措施" in second  # repeated header row
    assert "绩效指标" in second  # the merged label printed in its part on this page
    first = squeeze(pdf_text(files["pdf"], "-f", "1", "-l", "1"))
    # page 1 is filled to the 效益指标 group; 总分 has company on page 2
    assert "部门沟通协调机制" in first and "总分" in second and "服务对象满意度指标" in second


def blank_at_bottom(path: Path, dpi: float = 30) -> list[float]:
    """Per page, the share of the printable height below the last ink (15 mm margins), from
    the page rendered by PDFium at low resolution."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(path))
    try:
        out = []
        for number in range(len(document)):
            page = document[number]
            image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            page.close()
            width, height = image.size
            data = image.tobytes()
            rows = [y for y in range(height) if min(data[y * width:(y + 1) * width]) < 128]
            last = rows[-1] if rows else 0
            top, bottom = 15 / 25.4 * dpi, height - 15 / 25.4 * dpi
            out.append(max(0.0, (bottom - last) / (bottom - top)))
        return out
    finally:
        document.close()


@pytest.fixture(scope="module")
def demo_pdfs(tmp_path_factory):
    from perfdesk.demodata import build_workspace

    ws = build_workspace()
    out = tmp_path_factory.mktemp("demo-pdf")
    return export_forms(ws, list(ws.forms.values()), default_registry(), "pdf", out), ws


def test_no_page_but_the_last_is_more_than_a_quarter_blank(demo_pdfs):
    paths, ws = demo_pdfs
    assert len(paths) == len(ws.forms) + 2
    multi = 0
    for path in paths:
        blanks = blank_at_bottom(path)
        multi += len(blanks) > 1
        assert all(b <= 0.25 for b in blanks[:-1]), (path.name, [round(b, 2) for b in blanks])
        assert blanks[-1] < 0.95, path.name  # the last page is not empty either
    assert multi >= 5  # the demo has forms that flow over pages


def test_continuation_pages_repeat_header_and_group_labels_and_never_hold_total_alone(demo_pdfs):
    paths, _ = demo_pdfs
    checked = 0
    for path in paths:
        if "自评表" not in path.name:
            continue
        for number in range(2, _pages(path) + 1):
            page = squeeze(pdf_text(path, "-f", str(number), "-l", str(number)))
            assert page.startswith("绩效指标一级指标二级指标三级指标"), (path.name, number, page[:40])
            # the row after the header names its 一级 and 二级 again
            after = page[len("绩效指标一级指标二级指标三级指标年度指标值实际完成值分值得分偏差原因分析及改进措施"):]
            assert after.startswith(("产出指标", "效益指标", "满意度指标")), (path.name, number, after[:20])
            if "总分" in page:
                assert len(after) > len("总分") + 12, (path.name, number)  # 总分 has rows with it
            checked += 1
    assert checked >= 8


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
    if len(chain) < 3:
        pytest.skip("no system CJK font beside the shipped ones")
    shipped = {f for f in chain if f.path.parent == SHIPPED_DIR}
    only_later = next((chr(c) for f in chain if f not in shipped for c in sorted(f.glyphs)
                       if c > 0x2000 and not any(s.has(chr(c)) for s in shipped)), None)
    if only_later is None:
        pytest.skip("the system fonts add nothing to the shipped subset")
    runs = book.runs(f"甲{only_later}乙", "宋体")
    assert runs[0][0] == runs[2][0] == chain[0].name and runs[1][0] != chain[0].name
    assert book.missing(f"甲{only_later}", "宋体") == []


def test_no_font_at_all_is_a_clear_error(tmp_path):
    book = FontBook(dirs=[tmp_path], shipped=False)
    with pytest.raises(ExportError) as info:
        book.width("中文", Style())
    assert "PERFDESK_FONT_DIR" in str(info.value)


def test_shipped_song_and_hei_draw_every_family():
    book = FontBook(dirs=[])
    for family in ("宋体", "新宋体", "仿宋_GB2312", "楷体"):
        assert book.primary(family).path == SHIPPED_DIR / SHIPPED_SONG
    for family in ("黑体", "微软雅黑"):
        assert book.primary(family).path == SHIPPED_DIR / SHIPPED_HEI
    assert book.width("中", Style(size=10)) == pytest.approx(10 * 25.4 / 72, rel=0.05)
    assert book.width("1", Style(size=10)) == pytest.approx(5 * 25.4 / 72, rel=0.1)  # half an em


def test_shipped_fonts_are_licensed_subsets_of_the_documented_set():
    """Every GB 2312 hanzi (levels 1 and 2) and the forms' signs are in both shipped faces;
    between them they draw all but a handful of the documented set; licences lie beside them."""
    charset = "".join(line for line in (SHIPPED_DIR / "charset.txt").read_text(encoding="utf-8").splitlines()
                      if not line.startswith("#"))
    hanzi = [bytes((high, low)).decode("gb2312") for high in range(0xB0, 0xF8) for low in range(0xA1, 0xFF)
             if not (high == 0xD7 and low > 0xF9)]
    assert len(hanzi) == 6763 and set(hanzi) <= set(charset)
    book = FontBook(dirs=[])
    song, hei = book.primary("宋体"), book.primary("黑体")
    for font in (song, hei):
        assert all(font.has(ch) for ch in hanzi)
        assert all(font.has(ch) for ch in "绩效指标总分，。、（）《》“”：；%％≥≤0123456789,.=—")
        assert font.path.stat().st_size < 5_000_000
        assert len(font.glyphs - {ord(ch) for ch in charset}) <= 10  # a subset (bar aliases of kept glyphs)
    neither = [ch for ch in charset if not song.has(ch) and not hei.has(ch)]
    assert len(neither) <= 4, neither  # ⩽ ⩾ ▸ (the program never prints them in a form)
    assert "ARPHIC PUBLIC LICENSE" in (SHIPPED_DIR / "LICENSE-AR-PL-UMing.txt").read_text(encoding="utf-8").upper()
    assert "Apache" in (SHIPPED_DIR / "LICENSE-WenQuanYi-Micro-Hei.txt").read_text(encoding="utf-8")


def test_pdf_export_without_system_fonts_embeds_the_shipped_ones(tmp_path, monkeypatch):
    """A machine with no usable CJK font (system fonts hidden): the PDF still draws every
    character, in the shipped faces, and a character outside the subset is refused by name."""
    monkeypatch.setenv("PERFDESK_SYSTEM_FONTS", "0")
    monkeypatch.delenv("PERFDESK_FONT_DIR", raising=False)
    assert all(not str(d).startswith("/usr") for d in font_dirs())
    from perfdesk.demodata import build_workspace
    from tests.conftest import form_named

    ws = build_workspace()
    form = form_named(ws, "互联网业务运行费", 2022)
    [path] = export_forms(ws, [form], default_registry(), "pdf", tmp_path, with_list=False)
    names = {row[0].split("+", 1)[1] for row in _fonts(path)}
    assert names == {"UMingCN", "WenQuanYiMicroHei"}, names
    text = squeeze(pdf_text(path))
    assert "财政项目支出绩效自评表" in text and "互联网业务运行费" in text
    subprocess.run(["pdftoppm", "-png", "-r", "30", "-f", "1", "-l", "1", str(path), str(tmp_path / "p")], check=True)
    assert 0.01 < _ink(next(tmp_path.glob("p*.png"))) < 0.5
    rare = "\u9f98"  # 龘: a hanzi outside GB 2312 (the system fonts have it)
    assert not FontBook().primary("宋体").has(rare)
    ws.set_indicator(form.id, form.indicators[0].id, "level3", f"指标{rare}")
    with pytest.raises(MissingGlyphs):
        export_forms(ws, [form], default_registry(), "pdf", tmp_path / "rare", with_list=False)
