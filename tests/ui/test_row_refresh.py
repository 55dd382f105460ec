"""A paste that adds many rows is one step: the table's merged cells, row heights and frozen
part catch up once at its end, and each row is measured once — not once per added row."""

from __future__ import annotations

from perfdesk.ui import indicator_view

from .conftest import open_form


def test_a_long_paste_refreshes_the_table_once(window, monkeypatch):
    open_form(window, "补充日常经费")
    view = window.editor.indicator_panel.view
    model = window.editor.indicator_model
    before = model.rowCount()
    spans, measured = [], []
    real_spans, real_fit = indicator_view.IndicatorView.refresh_spans, indicator_view.IndicatorView.fit_rows
    monkeypatch.setattr(indicator_view.IndicatorView, "refresh_spans",
                        lambda self, *a: (spans.append(1), real_spans(self, *a))[1])
    monkeypatch.setattr(indicator_view.IndicatorView, "fit_rows",
                        lambda self, rows: (measured.extend(rows), real_fit(self, list(rows)))[1])
    view.selectionModel().clear()  # no selection: the rows are appended
    text = "".join(f"新增指标{n}\t=1 个\r\n" for n in range(40))
    assert view.paste_clipboard(text) > 0
    assert model.rowCount() == before + 40
    assert len(spans) <= 2, len(spans)
    assert len(measured) == len(set(measured)), "a row was measured twice"
    assert set(range(before, before + 40)) <= set(measured)
    # The frozen part has every new row, at the table's heights.
    frozen = view.frozen
    assert frozen.model().rowCount() == model.rowCount()
    assert all(frozen.rowHeight(r) == view.rowHeight(r) for r in range(model.rowCount()))


def test_a_form_switch_measures_each_row_once(window, qtbot, monkeypatch):
    """Setting the columns' widths on a new form asks for a re-fit; the fit right after has
    measured at those widths, so none follows (it was a second pass over every row, 50 ms
    later, on every switch and at start)."""
    view = window.editor.indicator_panel.view
    measured = []
    real_fit = indicator_view.IndicatorView.fit_rows
    monkeypatch.setattr(indicator_view.IndicatorView, "fit_rows",
                        lambda self, rows: (measured.extend(rows), real_fit(self, list(rows)))[1])
    open_form(window, "补充日常经费")
    rows = window.editor.indicator_model.rowCount()
    assert not view._refit.isActive()
    qtbot.wait(120)  # past the re-fit's 50 ms
    assert sorted(measured) == list(range(rows)), measured


def test_a_level_name_over_one_row_wraps_there_and_a_merged_one_does_not_grow_rows(window):
    """A 一级 / 二级 of a row's own is measured with the row (服务对象满意度指标 over one row used
    to be cut short); merged over several rows it is not, and a row that joins or leaves a
    merged cell gets its height again."""
    open_form(window, "补充日常经费")
    view = window.editor.indicator_panel.view
    model = window.editor.indicator_model
    last = model.rowCount() - 1
    long_name = "服务对象满意度指标（含第三方测评与投诉处理）"
    plain = [(last - 1, "level3", "甲"), (last - 1, "actual", "1"), (last - 1, "reason", ""),
             (last, "level3", "乙"), (last, "actual", "1"), (last, "reason", "")]
    assert model.set_cells(plain + [(last - 1, "level1", "满意度指标"), (last - 1, "level2", "短"),
                                    (last, "level1", "满意度指标"), (last, "level2", long_name)], "准备") > 0
    one_line = view.row_height()
    assert view.rowHeight(last - 1) == one_line
    assert view.rowHeight(last) > one_line  # its own 二级 wraps within the row
    assert view.frozen.rowHeight(last) == view.rowHeight(last)
    # the row above joins its group: one merged 二级 over two rows, and neither row grows for it
    assert model.set_cells([(last - 1, "level2", long_name)], "并组") == 1
    assert view.rowSpan(last - 1, model.column_of("level2")) == 2
    assert view.rowHeight(last - 1) == one_line and view.rowHeight(last) == one_line
    window.session.undo()  # the row above leaves again: the last row's own 二级 wraps again
    assert view.rowHeight(last) > one_line and view.rowHeight(last - 1) == one_line
