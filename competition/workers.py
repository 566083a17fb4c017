"""The child processes the server starts (never by hand):

    python -m competition.workers render STATIC_FOLDER STATIC_PATH [ORIGIN]   (a sheet)
    python -m competition.workers batch BATCH_ID [--locale ru]               (certificates)
    python -m competition.workers preview CHAMPIONSHIP_ID KIND               (a template)
    python -m competition.workers import JOB_ID [--locale ru]                (an import)
    python -m competition.workers forks                                      (competition/forks.py)

A process's entry point sits at the top of the package: it builds the app the child works in,
so neither competition/documents nor competition/registry imports the app factory. Each child
imports only what its work needs (an import's never loads WeasyPrint). The fork server imports
them once (`prepare`) and forks batches and imports, which then `run` as a spawned child would.
"""

import sys


def prepare() -> None:
    """Import what the forked commands need (the fork server, once, as it starts)."""
    from . import create_app  # noqa: F401
    from .documents import worker  # noqa: F401
    from .registry.imports import jobs  # noqa: F401


def run(argv: list[str]) -> int:
    """Do what `argv` says; the process's exit code."""
    command = argv[:1]
    if command == ["render"]:
        from .documents import render

        return render.main(argv[1:])
    if command == ["forks"]:
        from . import forks

        return forks.serve(prepare, run)
    from . import create_app

    if command == ["import"]:
        from .registry.imports import jobs

        return jobs.main(create_app(), argv[1:])
    from .documents import worker

    return worker.main(create_app(), argv)


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
