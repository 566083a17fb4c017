"""The one progress bar of the `competition` command.

Every long command shows the same bar: click's, on standard error (standard output stays the
command's result), reduced by click to its label alone when standard error is not a terminal.
`bar` makes it; the services report progress in one of three shapes, and each has its adapter
here, all counting onto that bar:

- a bar to advance (`bar(length, label)`, a context manager with `update(n)` and a `length`
  that may grow): `backup` and `restore` (which ask for it only once the work takes more than
  a moment, competition/backup/write.py), `simulate`;
- the items to go through (`each(items, label)`, an iterator; `over`, the same as a context
  manager): `import` (`import_rows`: files of `IMPORT_FROM` rows or more), `demo` (the skills
  of each championship it loads);
- the steps of a batch (`Steps`, a callback `(done, total, label)`): `certificates`.

The web pages show the same progress over Socket.IO (competition/progress.py).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

IMPORT_FROM = 300  # rows: below this a progress bar is only noise


def bar(length: int, label: str) -> ProgressBar:
    """The bar: `with bar(length, label) as shown: … shown.update(n)`."""
    return click.progressbar(length=length, label=label, file=sys.stderr)


def each(items: Iterable, label: str, at_least: int = 0) -> Iterator:
    """The items, one by one, counted on a bar when there are `at_least` of them."""
    items = list(items)
    if len(items) < at_least:
        yield from items
        return
    with bar(len(items), label) as shown:
        for item in items:
            yield item
            shown.update(1)
        shown.finish()  # as click's own iteration ends: the bar full, without an estimate
        shown.render_progress()


@contextmanager
def over(items: Iterable, label: str) -> Iterator[Iterator]:
    """`with over(items, label) as counted: for item in counted: …` (each item counted)."""
    yield each(items, label)


def import_rows(items: Iterable, label: str) -> Iterator:
    """An import's rows: a bar only for a file of `IMPORT_FROM` rows or more."""
    return each(items, label, at_least=IMPORT_FROM)


class Steps:
    """`progress(done, total, label)` of a batch, as a context manager: the bar appears at the
    first step of more than one item, with that step's label, and follows `done`."""

    def __init__(self) -> None:
        self.shown: ProgressBar | None = None

    def __call__(self, done: int, total: int, label: str) -> None:
        if self.shown is None and total > 1:
            self.shown = bar(total, label)
            self.shown.__enter__()
        if self.shown is not None:
            self.shown.update(done - self.shown.pos)

    def __enter__(self) -> Steps:
        return self

    def __exit__(self, *_exc) -> None:
        if self.shown is not None:
            self.shown.__exit__(None, None, None)
