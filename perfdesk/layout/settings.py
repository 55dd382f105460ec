"""Layout layer: the `[layout]` table of a form definition, read with defaults.

Every visual variant — widths, fonts, which columns a section spans, whether empty fixed 二级
rows print — is a key here, so a new region's layout is a new TOML file, never an `if`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from perfdesk.domain.definition import FormDefinition, FormKind, SectionType

DEFAULT_LIST_TITLES = {
    FormKind.DECLARATION: "{unit}{year}年度项目绩效目标汇总表",
    FormKind.SELF_EVALUATION: "{unit}{year}年度项目支出绩效自评清单",
}


@dataclass(frozen=True)
class LayoutSettings:
    orientation: str = "portrait"
    paper: str = "A4"
    margins: tuple[float, float, float, float] = (15.0, 10.0, 15.0, 10.0)
    font: str = "宋体"
    title_font: str = "黑体"
    year_font: str = ""  # empty: the body font
    title_size: float = 16.0
    year_size: float = 11.0
    body_size: float = 9.0
    column_widths: tuple[float, ...] = ()
    min_row_height: float = 7.0  # mm; the official templates print no row lower than this
    # Header fields, row by row, and where each label/value pair starts (by pairs per row).
    header_rows: tuple[tuple[str, ...], ...] = ()
    header_pair_starts: dict[int, tuple[int, ...]] = field(default_factory=dict)
    # matrix (rows × columns) | halves (label/value per column) | pairs (a caption line, then
    # "label(unit): │ amount" pairs, funding_pairs_per_row to a line, as the 2020 form prints)
    funding_style: str = "matrix"
    funding_pairs_per_row: int = 2
    funding_label: str = "side"  # side: a label column merged down; above: a full-width line
    funding_spans: tuple[int, ...] = ()
    texts_style: str = "columns"  # columns: texts side by side under their labels | rows
    text_spans: tuple[int, ...] = ()
    indicator_spans: tuple[int, ...] = ()
    table_spans: tuple[int, ...] = ()  # a table section's columns, after its label column
    # side: the section label merged down a first column; above: a caption line over a table
    # that starts in the first column — indicator_caption, or the section label ("{year}" in
    # it becomes the form's year)
    indicator_label: str = "side"
    indicator_caption: str = ""
    empty_level2_rows: bool = True  # print a taxonomy's fixed 二级 even with no indicator
    amount_places: int = 2
    amount_thousands: bool = True
    dash: str = "—"  # what the 分值 column shows beside the 其中 rows of the funding block
    list_title: str = ""
    list_columns: tuple[dict[str, Any], ...] = ()
    list_widths: tuple[float, ...] = ()

    @property
    def columns(self) -> int:
        return len(self.column_widths)


def _tuple(value) -> tuple:
    return tuple(value) if value is not None else ()


def settings_of(definition: FormDefinition) -> LayoutSettings:
    raw = dict(definition.layout)
    defaults = LayoutSettings()
    widths = tuple(float(w) for w in raw.get("column_widths", ()))
    if not widths:
        widths = (20.0, 20.0, 20.0, 50.0, 40.0, 40.0)
    starts = {int(k): tuple(int(c) for c in v) for k, v in dict(raw.get("header_pair_starts", {})).items()}
    header_rows = tuple(tuple(row) for row in raw.get("header_rows", ()))
    if not header_rows:
        header = definition.section(SectionType.FIELDS)
        keys = [f.key for f in header.fields] if header else []
        header_rows = tuple(tuple(keys[i:i + 2]) for i in range(0, len(keys), 2))
    margins = tuple(float(m) for m in raw.get("margins_mm", defaults.margins))
    list_title = raw.get("list_title") or DEFAULT_LIST_TITLES[definition.kind]
    return LayoutSettings(
        orientation=str(raw.get("orientation", defaults.orientation)),
        paper=str(raw.get("paper", defaults.paper)),
        margins=margins if len(margins) == 4 else defaults.margins,  # type: ignore[arg-type]
        font=str(raw.get("font", defaults.font)),
        title_font=str(raw.get("title_font", defaults.title_font)),
        year_font=str(raw.get("year_font", "")),
        title_size=float(raw.get("title_size", defaults.title_size)),
        year_size=float(raw.get("year_size", defaults.year_size)),
        body_size=float(raw.get("body_size", defaults.body_size)),
        column_widths=widths,
        min_row_height=float(raw.get("min_row_height", defaults.min_row_height)),
        header_rows=header_rows,
        header_pair_starts=starts,
        funding_style=str(raw.get("funding_style", defaults.funding_style)),
        funding_pairs_per_row=max(1, int(raw.get("funding_pairs_per_row", defaults.funding_pairs_per_row))),
        funding_label=str(raw.get("funding_label", defaults.funding_label)),
        funding_spans=tuple(int(s) for s in raw.get("funding_spans", ())),
        texts_style=str(raw.get("texts_style", defaults.texts_style)),
        text_spans=tuple(int(s) for s in raw.get("text_spans", ())),
        indicator_spans=tuple(int(s) for s in raw.get("indicator_spans", ())),
        table_spans=tuple(int(s) for s in raw.get("table_spans", ())),
        indicator_label=str(raw.get("indicator_label", defaults.indicator_label)),
        indicator_caption=str(raw.get("indicator_caption", "")),
        empty_level2_rows=bool(raw.get("empty_level2_rows", defaults.empty_level2_rows)),
        amount_places=int(raw.get("amount_places", defaults.amount_places)),
        amount_thousands=bool(raw.get("amount_thousands", defaults.amount_thousands)),
        dash=str(raw.get("dash", defaults.dash)),
        list_title=str(list_title),
        list_columns=tuple(dict(c) for c in raw.get("list_columns", ())),
        list_widths=tuple(float(w) for w in raw.get("list_widths", ())),
    )
