"""Where templates, static files, fixtures and migrations are, in a checkout and in a wheel.

In a checkout they sit beside the package (templates/, static/, fixtures/); a wheel carries them
inside it (competition/templates, …), see pyproject.toml.
"""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    packaged = PACKAGE_DIR / name
    if packaged.is_dir():
        return packaged
    return PACKAGE_DIR.parent / name


MIGRATIONS_DIR = PACKAGE_DIR / "migrations"
