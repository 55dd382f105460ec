"""Importing layer: xlsx / docx forms back into documents (pure Python, no Qt).

    results = import_files(paths, registry)      # read and recognise; never raises for bad input
    plan = plan_import(workspace, results)        # match projects by name; nothing changes yet
    print(plan.summary())                         # the preview, in Chinese
    applied = apply_import(workspace, plan)       # one undoable step
    revert_import(workspace, applied)             # exactly undone
"""

# The reader (and through it openpyxl, python-docx) loads when one of its names is first used:
# the other commands only register `import`.
_IMPORTER = ("ImportPlan", "ImportResult", "ImportedForm", "PlannedForm", "apply_import", "import_file",
             "import_files", "plan_import", "revert_import")
_SAFETY = ("ImportProblem", "safe_open")


def __getattr__(name: str):
    if name in _IMPORTER:
        from . import importer

        return getattr(importer, name)
    if name in _SAFETY:
        from . import safety

        return getattr(safety, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["ImportPlan", "ImportProblem", "ImportResult", "ImportedForm", "PlannedForm", "apply_import",
           "import_file", "import_files", "plan_import", "revert_import", "safe_open"]
