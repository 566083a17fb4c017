"""Every user-facing string is translatable, and translated into Russian and Kazakh."""

from __future__ import annotations

import pytest
from babel.messages.pofile import read_po

from competition.i18n_tool import ROOT, _path, extract


@pytest.mark.parametrize("locale", ["ru", "kk"])
def test_every_message_is_translated(locale):
    path = _path(locale)
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalog
        if m.id and (m.string if isinstance(m.string, str) else all(m.string))
        and not m.fuzzy
    }
    in_source = {m.id if isinstance(m.id, str) else m.id[0] for m in extract() if m.id}
    missing = sorted(in_source - translated)
    assert not missing, (
        f"{len(missing)} message(s) have no {locale} translation; run `make messages` and "
        f"translate them in {path.relative_to(ROOT)}: {missing[:10]}"
    )
