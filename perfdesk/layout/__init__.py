"""Layout layer: form definition + document → a print grid (cells, spans, styles, page breaks).

Plain Python, no Qt. One grid, three renderers: `perfdesk.export` draws what this builds.
"""

from .forms import build_grid
from .grid import Cell, CellKind, PrintGrid, Row, Style, measure_rows, paginate
from .lists import build_list_grid
from .settings import LayoutSettings, settings_of

__all__ = ["Cell", "CellKind", "LayoutSettings", "PrintGrid", "Row", "Style", "build_grid",
           "build_list_grid", "measure_rows", "paginate", "settings_of"]
