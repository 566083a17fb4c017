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
    sys.exit(worker.main(sys.argv[1:]))
