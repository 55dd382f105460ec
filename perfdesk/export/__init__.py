"""Export layer: Word, Excel and PDF files in the official layouts, one form or a whole year,
plus the unit-level lists. Plain Python, no Qt: the renderers draw `perfdesk.layout` grids.

    export_forms(workspace, forms, registry, "pdf", out_dir, one_file=False, with_list=True,
                 overwrite=False, progress=None, cancelled=None) -> [Path]
    target_paths(...same arguments...) -> [Path]   # what it would write, to ask before overwriting

Missing glyphs: a PDF export raises `MissingGlyphs` (an `ExportError`) before writing anything
when a character cannot be drawn by any embeddable font; `.glyphs` lists each character with
the form and cell it is in. Word and Excel leave font fallback to the office program.
"""

from .errors import ExportCancelled, ExportError, ExportTargetsExist, MissingGlyph, MissingGlyphs
from .names import FORMATS, safe_stem

# The batch (and through it the layouts, openpyxl, python-docx, reportlab) loads when one of
# its names is first used: `perfdesk check` and the other commands only register `export`.
_BATCH = ("export_forms", "form_stem", "plan", "target_paths", "validation_errors")


def __getattr__(name: str):
    if name in _BATCH:
        from . import batch

        return getattr(batch, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = ["FORMATS", "ExportCancelled", "ExportError", "ExportTargetsExist", "MissingGlyph", "MissingGlyphs",
           "export_forms", "form_stem", "plan", "safe_stem", "target_paths", "validation_errors"]
