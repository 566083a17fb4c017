"""The word lists are defined once (competition/vocabulary.py) and everything else uses them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from flask_babel import force_locale

from competition import rules, vocabulary
from competition.models import documents, event, people
from competition.vocabulary import CompetitorStatus, DocumentKind, Medal, Visibility, Word

PACKAGE = Path(vocabulary.__file__).parent
LISTS = [cls for cls in vars(vocabulary).values()
         if isinstance(cls, type) and issubclass(cls, Word) and cls is not Word]
GETTEXT = {"_", "_l", "gettext", "lazy_gettext"}


def test_the_rules_and_the_vocabulary_agree():
    # The rules import nothing of the app, so they keep their own tuples: the same words.
    assert rules.model.SCALES == vocabulary.Scale.keys()
    assert rules.model.STATUSES == CompetitorStatus.keys()
    assert rules.model.MEDALS == Medal.keys()[:3]


def test_the_models_allow_exactly_the_listed_keys():
    assert event.VISIBILITIES == ("hidden", "progress", "live", "frozen", "published")
    assert people.EXPERT_ROLES == ("chief", "deputy", "expert", "independent")
    assert documents.DOCUMENT_KINDS == DocumentKind.keys()
    assert event.ABILYMPICS_CATEGORIES == vocabulary.AbilympicsCategory.keys()


def test_a_member_is_its_stored_key_and_reads_in_the_language_asked(app):
    assert Visibility.PUBLISHED == "published"
    assert f"{Visibility.LIVE}" == "live"
    with app.test_request_context():
        with force_locale("en"):
            assert str(Visibility.PUBLISHED.public) == "Results published"
            assert Visibility.label_of("nonsense") == "nonsense"
            assert str(CompetitorStatus.GUEST.note) == "guest, not ranked"
        with force_locale("ru"):
            assert str(Visibility.PUBLISHED.public) != "Results published"
            assert str(DocumentKind.GOLD.reason) != "first place, gold medal"


@pytest.mark.parametrize("words", LISTS, ids=lambda cls: cls.__name__)
def test_every_word_has_a_label(words):
    for member in words:
        assert str(member.label).strip(), member


def _label_maps(path: Path):
    """Dict literals outside vocabulary.py that map the keys of one word list to translated
    strings: a second copy of that list's labels."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Dict) or len(node.keys) < 2:
            continue
        keys = [k.value for k in node.keys if isinstance(k, ast.Constant)]
        if len(keys) != len(node.keys):
            continue
        translated = all(isinstance(v, ast.Call) and getattr(v.func, "id", None) in GETTEXT
                         for v in node.values)
        if not translated:
            continue
        for words in LISTS:
            if set(keys) <= set(words.keys()):
                yield node.lineno, words.__name__


def test_no_module_keeps_its_own_copy_of_a_word_list():
    copies = [f"{path.relative_to(PACKAGE.parent)}:{line} labels {name} again"
              for path in sorted(PACKAGE.rglob("*.py")) if path.name != "vocabulary.py"
              for line, name in _label_maps(path)]
    assert not copies, "use competition/vocabulary.py instead:\n" + "\n".join(copies)


def test_the_certificate_groups_are_the_listed_ones():
    from competition.documents.certificates.kinds import GROUPS

    assert tuple(GROUPS) == vocabulary.CertificateGroup.keys()
    assert {kind for kinds in GROUPS.values() for kind in kinds} == set(DocumentKind.keys())
