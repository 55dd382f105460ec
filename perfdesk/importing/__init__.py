"""Importing layer: xlsx / docx forms back into documents (pure Python, no Qt).

    results = import_files(paths, registry)      # read and recognise; never raises for bad input
    plan = plan_import(workspace, results)        # match projects by name; nothing changes yet
    print(plan.summary())                         # the preview, in Chinese
    applied = apply_import(workspace, plan)       # one undoable step
    revert_import(workspace, applied)             # exactly undone
"""

from .importer import (
    ImportedForm,
    ImportPlan,
    ImportResult,
    PlannedForm,
    apply_import,
    import_file,
    import_files,
    plan_import,
    revert_import,
)
from .safety import ImportProblem, safe_open

__all__ = ["ImportPlan", "ImportProblem", "ImportResult", "ImportedForm", "PlannedForm", "apply_import",
           "import_file", "import_files", "plan_import", "revert_import", "safe_open"]
