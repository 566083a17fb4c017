"""The house stays as docs/design.md draws it: no import circles, no grab-bag modules.

The layers themselves are import-linter contracts (pyproject.toml, `lint-imports` in make test);
these checks cover what a contract cannot say.
"""

from __future__ import annotations

from pathlib import Path

import grimp

import competition

PACKAGE = Path(competition.__file__).parent
MAX_LINES = 400
# Modules allowed past MAX_LINES because each is one thing that reads best whole.
ONE_THING = {
    "migrations/versions/0001_initial_schema.py": "the first schema, as it was shipped",
}


def _circles(graph) -> list[list[str]]:
    """The strongly connected groups of modules (Tarjan), each of more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_module_imports_itself_in_a_circle():
    # Imports inside functions count: a lazy import that hides a circle is still a circle.
    graph = grimp.build_graph("competition", exclude_type_checking_imports=True)
    circles = _circles(graph)
    assert not circles, "import circles:\n" + "\n".join(" ↔ ".join(c) for c in circles)


def test_the_checker_finds_a_circle():
    # The check above can fail: two modules that import each other are one circle.
    graph = grimp.ImportGraph()
    for module in ("a", "a.b", "a.c"):
        graph.add_module(module)
    graph.add_import(importer="a.b", imported="a.c")
    graph.add_import(importer="a.c", imported="a.b")
    assert _circles(graph) == [["a.b", "a.c"]]


def test_no_module_is_a_grab_bag():
    long = {str(path.relative_to(PACKAGE)): len(path.read_text(encoding="utf-8").splitlines())
            for path in PACKAGE.rglob("*.py")}
    over = {name: lines for name, lines in long.items()
            if lines > MAX_LINES and name not in ONE_THING}
    assert not over, f"split these by responsibility (at most {MAX_LINES} lines): {over}"
