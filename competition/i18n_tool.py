"""For developers: keep the translation catalogs in step with the code.

    python -m competition.i18n_tool update            # extract strings, merge into ru/kk/en
    python -m competition.i18n_tool fill FILE.json    # {"msgid": {"ru": …, "kk": …}, …}

Both take a lock, so several people (or tools) working in one tree do not overwrite each
other's catalogs. `make messages` runs `update`.
"""

from __future__ import annotations

import fcntl
import json
import sys
from contextlib import contextmanager
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = Path(__file__).resolve().parent / "translations"
LOCALES = ("ru", "kk", "en")
METHODS = [("**.py", "python"), ("**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


@contextmanager
def _locked():
    CATALOGS.mkdir(exist_ok=True)
    with (CATALOGS / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _path(locale: str) -> Path:
    return CATALOGS / locale / "LC_MESSAGES" / "messages.po"


def _read(locale: str) -> Catalog:
    path = _path(locale)
    if not path.exists():
        return Catalog(locale=locale, project="competition")
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def _write(catalog: Catalog, locale: str) -> None:
    path = _path(locale)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, sort_output=True, no_location=True, width=100)


def extract() -> Catalog:
    template = Catalog(project="competition")
    for folder in ("competition", "templates"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, METHODS, keywords=KEYWORDS
        ):
            template.add(message)
    return template


def update() -> None:
    template = extract()
    with _locked():
        for locale in LOCALES:
            catalog = _read(locale)
            catalog.update(template, no_fuzzy_matching=True)
            catalog.obsolete.clear()
            _write(catalog, locale)


def fill(path: str) -> list[str]:
    """Add translations from a JSON file; returns the msgids that are still untranslated."""
    wanted = json.loads(Path(path).read_text(encoding="utf-8"))
    update()
    missing = []
    with _locked():
        for locale in ("ru", "kk"):
            catalog = _read(locale)
            for message in catalog:
                if not message.id:
                    continue
                key = message.id if isinstance(message.id, str) else message.id[0]
                given = wanted.get(key, {}).get(locale)
                if given:
                    message.string = given
                    message.flags.discard("fuzzy")
                elif not message.string:
                    missing.append(f"{locale}: {key}")
            _write(catalog, locale)
    return missing


def main(argv: list[str]) -> int:
    if argv[:1] == ["update"]:
        update()
        return 0
    if len(argv) == 2 and argv[0] == "fill":
        missing = fill(argv[1])
        for line in missing:
            print(f"untranslated {line}")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
