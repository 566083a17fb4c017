"""The child processes the server starts (never by hand):

    python -m competition.workers render STATIC_FOLDER STATIC_PATH [ORIGIN]   (a sheet)
    python -m competition.workers batch BATCH_ID [--locale ru]               (certificates)
    python -m competition.workers preview CHAMPIONSHIP_ID KIND               (a template)
    python -m competition.workers import JOB_ID [--locale ru]                (an import)

A process's entry point sits at the top of the package: it builds the app the child works in,
so neither competition/documents nor competition/registry imports the app factory. Each child
imports only what its work needs (an import's never loads WeasyPrint).
"""

import sys

if __name__ == "__main__":
    command = sys.argv[1:2]
    if command == ["render"]:
        from .documents import render

        sys.exit(render.main(sys.argv[2:]))
    from . import create_app

    if command == ["import"]:
        from .registry.imports import jobs

        sys.exit(jobs.main(create_app(), sys.argv[2:]))
    from .documents import worker

    sys.exit(worker.main(create_app(), sys.argv[1:]))
