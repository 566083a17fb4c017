"""The product's documentation lives in the product: every document it cites exists.

Scanned: the package (docstrings, comments and strings alike), templates, our scripts and styles
under static/, tests, bench, docs/*.md, the READMEs, Makefile and pyproject.toml. Two kinds of
reference are checked:

- a path ending in `.md` written in the text, with an optional `#anchor`: `docs/rules.md`,
  `docs/api.md#socketio`. Outside markdown it is read from the repository's root; in a markdown
  page from the root or from the page's own folder. A bare name of a document that is not in
  the repository fails. In code, a string literal that is nothing but a file name
  (`root / "docs" / "imports.md"`) is the code's data, not a citation, and is left alone.
- a markdown link `[text](target)` in a markdown page: its target (any file or folder, not only
  `.md`) is read from the page's folder, as GitHub and editors do; `http(s):` and `mailto:`
  links are not followed.

Where a reference names a part of a `.md` document, the part must exist too: an `#anchor` must be
the GitHub anchor of one of its headings, `docs/api.md, "Judging"` must name one of its headings
(backticks, a leading "N." and a trailing "(…)" aside), and `docs/rules.md section 5` (or
"sections 4–7", "sections 1 and 5") must be a numbered heading.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Where to look, and which files: (folder or file, suffixes). Third-party code and packages
# installed for the tests are left out.
SCANNED = (
    ("competition", (".py", ".html", ".js", ".md")),
    ("templates", (".html", ".css", ".js", ".txt")),
    ("static", (".js", ".css", ".md")),
    ("tests", (".py", ".js", ".md")),
    ("bench", (".py", ".js", ".md")),
    ("docs", (".md",)),
    ("fixtures", (".md",)),
    ("README.md", ()),
    ("Makefile", ()),
    ("pyproject.toml", ()),
    ("hatch_build.py", ()),
)
SKIPPED_FOLDERS = {"node_modules", "__pycache__", ".pytest_cache", ".ruff_cache"}
SKIPPED_FILES = {"static/vendor/socket.io/socket.io.esm.min.js"}

URL = re.compile(r"\b[a-z][a-z0-9+.-]*://\S+", re.IGNORECASE)
# A path ending in .md, not part of a longer path or word; an optional #anchor.
REFERENCE = re.compile(r"(?<![\w./-])((?:[\w.-]+/)*[\w-][\w.-]*\.md)(?![\w-])(#[\w-]+)?")
LINK = re.compile(r"\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
# What may follow a reference to name a part of it, once line breaks and comment marks are gone.
TITLE = re.compile(r"^`?(?:,\s*|\s+)\"([^\"]{1,100})\"")
SECTIONS = re.compile(r"^`?(?:,\s*|\s+)sections?\s+(\d+(?:\s*(?:–|-|,|and|to)\s*\d+)*)")
CONTINUATION = re.compile(r"[ \t]*\n[ \t]*(?:#+|//|\*)?[ \t]*")
HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$")


def scanned_files() -> list[Path]:
    found = []
    for name, suffixes in SCANNED:
        path = ROOT / name
        if path.is_file():
            found.append(path)
            continue
        for candidate in sorted(path.rglob("*")):
            relative = candidate.relative_to(ROOT)
            if SKIPPED_FOLDERS & set(relative.parts) or relative.as_posix() in SKIPPED_FILES:
                continue
            if candidate.is_file() and candidate.suffix in suffixes:
                found.append(candidate)
    return found


# --- the headings of a markdown page --------------------------------------------------------------

def headings(text: str) -> list[str]:
    """The headings of a markdown page, outside fenced code blocks."""
    found, fenced = [], False
    for line in text.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        match = None if fenced else HEADING.match(line)
        if match:
            found.append(match.group(2))
    return found


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(text: str) -> set[str]:
    found, seen = set(), {}
    for heading in headings(text):
        anchor = github_anchor(heading)
        count = seen.get(anchor, 0)
        seen[anchor] = count + 1
        found.add(anchor if count == 0 else f"{anchor}-{count}")
    return found


def plain_title(text: str) -> str:
    text = text.replace("`", "").strip()
    text = re.sub(r"^\d+\.\s+", "", text)
    text = re.sub(r"\s+\([^()]*\)$", "", text)
    return " ".join(text.split()).casefold()


def numbered_sections(text: str) -> set[int]:
    return {int(match.group(1)) for heading in headings(text)
            if (match := re.match(r"(\d+)\.\s", heading))}


def section_numbers(text: str) -> list[int]:
    numbers, parts = [], re.split(r"\s*(?:,|and)\s*", text)
    for part in parts:
        bounds = [int(n) for n in re.split(r"\s*(?:–|-|to)\s*", part) if n]
        numbers.extend(range(bounds[0], bounds[-1] + 1))
    return numbers


# --- the checks -----------------------------------------------------------------------------------

def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _blank(match: re.Match) -> str:
    return re.sub(r"\S", " ", match.group(0))  # keeps offsets and line numbers


def _resolve(candidates: list[Path]) -> Path | None:
    for candidate in candidates:
        if candidate.exists():
            return candidate
    return None


def _part_problems(target: Path, anchor: str | None, following: str,
                   text: str | None = None) -> list[str]:
    """What is wrong with the part of `target` a reference names (an anchor, a quoted title,
    section numbers). `text`: the target's content, when it is the page being read."""
    if target.suffix != ".md":
        return []
    if text is None:
        if not target.is_file():
            return []
        text = target.read_text(encoding="utf-8")
    name = target.relative_to(ROOT).as_posix()
    problems = []
    if anchor and anchor not in anchors(text):
        problems.append(f"{name} has no heading with the anchor #{anchor}")
    following = CONTINUATION.sub(" ", following)
    title = TITLE.match(following)
    if title and re.match(r"[`\w]", title.group(1)) and "/" not in title.group(1):
        wanted = plain_title(title.group(1))
        if wanted not in {plain_title(h) for h in headings(text)}:
            problems.append(f'{name} has no heading "{title.group(1)}"')
    sections = SECTIONS.match(following)
    if sections:
        missing = [n for n in section_numbers(sections.group(1))
                   if n not in numbered_sections(text)]
        if missing:
            problems.append(f"{name} has no section {', '.join(map(str, missing))}")
    return problems


def problems_in(path: Path, text: str) -> list[str]:
    """Every reference of `text` (the content of `path`, in the repository) that does not
    resolve, as "path:line: reference: what is wrong"."""
    relative = path.relative_to(ROOT).as_posix()
    folder = path.parent
    markdown = path.suffix == ".md"
    problems = []

    def report(offset: int, reference: str, what: str) -> None:
        problems.append(f"{relative}:{_line(text, offset)}: {reference}: {what}")

    text_without_urls = URL.sub(_blank, text)
    scan = text_without_urls
    if markdown:
        for link in LINK.finditer(text_without_urls):
            target = link.group(1)
            if re.match(r"[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):
                continue  # mailto:, or a URL the blanking left
            file_part, _hash, anchor = target.partition("#")
            if not file_part:  # a heading of this page
                for what in _part_problems(path, anchor, "", text):
                    report(link.start(1), target, what)
                continue
            base = ROOT if file_part.startswith("/") else folder
            resolved = _resolve([base / file_part.lstrip("/")])
            if resolved is None:
                report(link.start(1), target, "no such file or folder (links are read from "
                                              f"{folder.relative_to(ROOT).as_posix()}/)")
                continue
            for what in _part_problems(resolved, anchor or None, ""):
                report(link.start(1), target, what)
        # The link targets are checked; what is left is bare text.
        scan = LINK.sub(_blank, text_without_urls)

    for match in REFERENCE.finditer(scan):
        reference, anchor = match.group(1), (match.group(2) or "#")[1:]
        before, after = scan[match.start() - 1:match.start()], scan[match.end():match.end() + 1]
        if not markdown and before in ("'", '"') and after == before:
            continue  # a string that is only a file name: data of the code, not a citation
        candidates = [ROOT / reference]
        if markdown:
            candidates.append(folder / reference)
        resolved = _resolve(candidates)
        if resolved is None:
            where = "the repository's root" + (" or " + folder.relative_to(ROOT).as_posix()
                                                + "/" if markdown else "")
            report(match.start(1), reference, f"not a file of the repository (read from "
                                              f"{where})")
            continue
        following = scan[match.end():match.end() + 240]
        for what in _part_problems(resolved, anchor or None, following):
            report(match.start(1), match.group(0), what)
    return problems


# --- tests ----------------------------------------------------------------------------------------

def test_every_cited_document_exists():
    problems = []
    for path in scanned_files():
        problems.extend(problems_in(path, path.read_text(encoding="utf-8")))
    assert not problems, "references to documents that are not in the repository:\n" + \
        "\n".join(problems)


def test_the_scan_reaches_the_sources():
    scanned = {path.relative_to(ROOT).as_posix() for path in scanned_files()}
    for expected in ("competition/database.py", "competition/rules/__init__.py",
                     "templates/base.html", "static/js/tablet.js", "tests/test_docs.py",
                     "bench/bench_live.py", "docs/design.md", "docs/rules.md", "README.md",
                     "fixtures/demo/README.md", "Makefile"):
        assert expected in scanned, expected
    assert not any("node_modules" in name for name in scanned)


# The bad examples below are built with MD so that this file itself cites nothing missing.
MD = ".md"


def _problems(name: str, text: str) -> list[str]:
    return problems_in(ROOT / name, text)


def test_a_document_not_in_the_repository_is_caught():
    for text in (f'"""The live path of DESIGN{MD}."""\n', f"# see RULES{MD} section 2\n",
                 f"x = 1  # STYLE{MD}\n", f"see docs/glossary{MD}#words\n"):
        assert len(_problems("competition/example.py", text)) == 1, text
    assert len(_problems("competition/example.py", f'print("see docs/glossary{MD}")\n')) == 1
    assert _problems("static/js/example.js", f"// docs/api{MD}, \"Judging\"\n") == []
    assert _problems("competition/example.py", f'path = ROOT / "docs" / "glossary{MD}"\n') == []
    # Outside markdown a path is read from the root only.
    assert len(_problems("docs/example.py", f"# rules{MD}\n")) == 1


def test_a_missing_part_of_a_document_is_caught():
    caught = _problems("competition/example.py", (
        f"# docs/rules{MD} section 42\n"
        f"# docs/rules{MD} sections 4–7 and 10\n"
        f"# docs/api{MD}, \"No such section\"\n"
        f"# docs/api{MD}#no-such-anchor\n"
        f"# (docs/design{MD}, \"gevent and\n#     Postgres\")\n"
    ))
    assert [line.split(": ", 2)[2] for line in caught] == [
        "docs/rules.md has no section 42", "docs/rules.md has no section 10",
        'docs/api.md has no heading "No such section"',
        "docs/api.md has no heading with the anchor #no-such-anchor",
        'docs/design.md has no heading "gevent and Postgres"',
    ]
    assert _problems("competition/example.py", (
        f"# docs/rules{MD} sections 1 and 5, docs/rules{MD} sections 2–3 and 7\n"
        f"# docs/api{MD}, \"Judging\"; docs/deployment{MD}, \"Why gevent, and why no\n"
        f"#   per-message compression\"; docs/api{MD}#boards-and-their-snapshots-version-1\n"
        f'files = ["docs/rules{MD}", "docs/api{MD}"]\n'
    )) == []


def test_markdown_links_are_read_from_the_page():
    assert _problems(f"docs/example{MD}", (
        f"[rules](rules{MD}#5-scores), [tests](../tests/), [top](#a-heading), "
        f"[site](https://example.org/x{MD}), bare docs/api{MD} and api{MD}\n\n## A heading\n"
    )) == []
    caught = _problems(f"docs/example{MD}", (
        f"[a](docs/rules{MD}) [b](missing{MD}) [c](rules{MD}#no-such) [d](#nowhere) "
        "![e](screenshots/none.png)\n"
    ))
    assert [line.split(": ", 1)[1].split(":")[0] for line in caught] == [
        f"docs/rules{MD}", f"missing{MD}", f"rules{MD}#no-such", "#nowhere",
        "screenshots/none.png",
    ]


# --- source files named in the text ------------------------------------------------------------

# A path of one of our source files with at least one folder: competition/judging/service.py,
# judging/signoff.py (read from the package), static/js/tablet/sync.js, board/home.html (a
# template), read from the root, the package, templates/, static/ or the citing file's folder.
SOURCE = re.compile(r"(?<![\w./-])((?:[\w-]+/)+[\w-]+\.(?:py|js|html|css))(?![\w-])")


def source_problems(path: Path, text: str) -> list[str]:
    found = []
    for match in SOURCE.finditer(URL.sub(_blank, text)):
        cited = match.group(1)
        here = path.parent
        candidates = [ROOT / cited, ROOT / "competition" / cited, ROOT / "templates" / cited,
                      ROOT / "static" / cited, here / cited]
        if not any(candidate.exists() for candidate in candidates):
            found.append(f"{path.relative_to(ROOT)}:{_line(text, match.start())}: {cited}")
    return found


# The tests of this check (examples) and of the wheel (paths inside it) name other paths.
NOT_CITATIONS = {"tests/test_docs.py", "tests/test_packaging.py"}


def test_every_cited_source_file_exists():
    problems = [problem for path in scanned_files()
                if path.relative_to(ROOT).as_posix() not in NOT_CITATIONS
                for problem in source_problems(path, path.read_text(encoding="utf-8"))]
    assert not problems, "references to source files that are not in the repository:\n" + \
        "\n".join(problems)


def test_a_source_file_not_in_the_repository_is_caught():
    here = ROOT / "docs" / "example.md"
    assert source_problems(here, "see competition/judging/signoff.py and judging/service.py") == []
    assert len(source_problems(here, "see competition/board/screens.py")) == 1
