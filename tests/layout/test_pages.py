"""Pagination and text wrapping: groups flow across pages as the published forms do, never
leaving a lone row, a lone 总分 or (when avoidable) a page more than a quarter empty."""

from decimal import Decimal

from perfdesk.layout import build_grid, paginate
from perfdesk.layout.text import estimate_width, format_amount, format_percent, format_score, wrap
from tests.conftest import form_named


def test_a_group_that_fits_moves_to_the_next_page_whole():
    heights = [10.0] * 10
    # rows 6..8 form a group; a page holds 8 rows → the break moves up to row 6.
    assert paginate(heights, 80, keep_groups=[(6, 8)]) == [(0, 6), (6, 10)]
    assert paginate(heights, 80) == [(0, 8), (8, 10)]


def test_a_group_taller_than_a_page_is_cut():
    heights = [10.0] * 12
    assert paginate(heights, 50, keep_groups=[(1, 11)]) == [(0, 5), (5, 10), (10, 12)]


def test_repeated_header_rows_take_room_on_later_pages():
    heights = [10.0] * 12
    pages = paginate(heights, 50, repeat_rows=(2, 2))
    assert pages[0] == (0, 5)
    assert all(end - start <= 4 for start, end in pages[1:])  # 10 mm kept for the header


def test_a_row_taller_than_a_page_gets_its_own():
    assert paginate([10, 100, 10], 50) == [(0, 1), (1, 2), (2, 3)]


def test_soft_groups_give_way_to_a_page_too_empty():
    heights = [10.0] * 10
    # rows 5..9 softly kept: the break would move up to row 5, leaving 50 % blank → cut instead
    assert paginate(heights, 100, soft_groups=[(5, 9)]) == [(0, 10)]
    assert paginate(heights, 80, soft_groups=[(5, 9)]) == [(0, 8), (8, 10)]
    assert paginate(heights, 80, soft_groups=[(7, 8)]) == [(0, 7), (7, 10)]  # 12.5 % blank: kept
    assert paginate(heights, 80, keep_groups=[(3, 8)]) == [(0, 3), (3, 10)]  # hard: kept anyway


def _pages_of(grid):
    return grid.pages()


def test_demo_forms_flow_without_lone_rows(demo_ws, registry):
    """Every demo form: a 一级 group may break, but neither side of a break inside it holds a
    single row of it; the 总分 row never starts a page; the header never ends one."""
    broke_inside = 0
    for form in demo_ws.forms.values():
        grid = build_grid(registry.get(form.definition_id), demo_ws, form)
        pages = _pages_of(grid)
        level1 = [(c.row, c.last_row) for c in grid.cells if c.col == 1 and c.rowspan > 1
                  and grid.repeat_rows and c.row > grid.repeat_rows[1]]
        total = next((c.row for c in grid.cells if c.text == "总分"), None)
        for start, _ in pages[1:]:
            assert start != total, grid.name
            if grid.repeat_rows:
                assert start != grid.repeat_rows[1] + 1, grid.name  # header not alone at the bottom
            for first, last in level1:
                if first < start <= last:
                    broke_inside += 1
                    assert start - first >= 2 and last + 1 - start >= 2, (grid.name, first, last, start)
    assert broke_inside  # the demo has groups that flow over a page (互联网业务运行费 …)


def test_cut_merges_print_their_label_on_each_page(demo_ws, registry):
    form = form_named(demo_ws, "互联网业务运行费", 2022)
    grid = build_grid(registry.get(form.definition_id), demo_ws, form)
    pages = grid.pages()
    assert len(pages) >= 2
    split = grid.split_at_pages(pages)
    label_parts = [c for c in split.cells if c.text == "绩效指标"]
    assert len(label_parts) == len(pages) - (1 if grid.repeat_rows[0] >= pages[0][1] else 0)
    assert sum(c.rowspan for c in label_parts) == [c for c in grid.cells if c.text == "绩效指标"][0].rowspan
    for start, _ in pages[1:]:
        # the first row of a continuation page has its 一级 and 二级 label
        assert split.cell_at(start, 1).text and split.cell_at(start, 2).text


def test_wrap_keeps_closing_marks_off_the_line_start():
    measure = lambda t: estimate_width(t, 9)  # noqa: E731
    width = estimate_width("一二三四五", 9)
    lines = wrap("一二三四五，六七八九十。", width, measure)
    assert lines[:2] == ["一二三四", "五，六七八"]  # the comma takes 五 to the next line
    assert all(not line.startswith(("，", "。")) for line in lines)
    assert wrap("上海\n下海", 100, measure) == ["上海", "下海"]
    long = wrap("12345678901234567890", estimate_width("12345", 9), measure)
    assert "".join(long) == "12345678901234567890" and len(long) == 4


def test_number_spelling():
    assert format_amount(Decimal("1297747.17")) == "1,297,747.17"
    assert format_amount(Decimal("863200")) == "863,200.00"
    assert format_amount(Decimal("-2")) == "-2.00"
    assert format_amount(None) == ""
    assert format_amount(Decimal("1234.5"), places=0, thousands=False) == "1235"
    assert format_percent(Decimal("0.681161")) == "68.12%"
    assert format_score(Decimal("4")) == "4" and format_score(Decimal("6.805")) == "6.81"


def test_number_columns_are_widened_from_the_text_columns(demo_ws, registry):
    from perfdesk.layout.forms import numbers_fit, scaled_widths
    from perfdesk.layout.grid import CellKind
    from perfdesk.layout.settings import settings_of

    form = form_named(demo_ws, "补充日常经费", 2022)
    definition = registry.get(form.definition_id)
    grid = build_grid(definition, demo_ws, form)
    before = scaled_widths(settings_of(definition))
    assert abs(sum(grid.widths) - sum(before)) < 1e-6  # still the printable width
    widest = estimate_width("999,999,999.99", 9) + 2 * grid.padding[0]
    for cell in grid.cells:
        if cell.kind is CellKind.AMOUNT and cell.colspan == 1:
            assert grid.widths[cell.col] >= widest, cell.where
        if cell.kind is CellKind.PERCENT:
            assert grid.widths[cell.col] >= estimate_width("100.00%", 9) + 2 * grid.padding[0]
    assert grid.widths[4] > before[4] and grid.widths[3] < before[3]  # E gains, D (三级指标) gives
    assert all(w >= 14.0 - 1e-6 for w in grid.widths if w < before[grid.widths.index(w)])
    # nothing to widen: unchanged
    assert numbers_fit([30.0, 40.0], []) == [30.0, 40.0]
