"""The documents' child processes (started by the server, never by hand):

    python -m competition.workers render STATIC_FOLDER STATIC_PATH [ORIGIN]   (a sheet)
    python -m competition.workers batch BATCH_ID [--locale ru]               (certificates)
    python -m competition.workers preview CHAMPIONSHIP_ID KIND               (a template)

A process's entry point sits at the top of the package: it builds the app the documents work
in, so competition/documents never imports the app factory.
"""

import sys

from .documents import render, worker

if __name__ == "__main__":
    command = sys.argv[1:2]
    if command == ["render"]:
        sys.exit(render.main(sys.argv[2:]))
    from . import create_app

    sys.exit(worker.main(create_app(), sys.argv[1:]))
