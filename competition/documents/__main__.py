"""The documents' child processes (started by the server, never by hand):

    python -m competition.documents render STATIC_FOLDER STATIC_PATH [ORIGIN]   (a sheet)
    python -m competition.documents batch BATCH_ID [--locale ru]               (certificates)
    python -m competition.documents preview CHAMPIONSHIP_ID KIND               (a template)
"""

import sys

from . import render, worker

if __name__ == "__main__":
    command = sys.argv[1:2]
    if command == ["render"]:
        sys.exit(render.main(sys.argv[2:]))
    from .. import create_app  # this process's top: the one place that builds the app

    sys.exit(worker.main(create_app(), sys.argv[1:]))
