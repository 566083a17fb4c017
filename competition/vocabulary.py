"""The product's word lists, each defined once: the keys it stores and the words people read.

Every list is an enum of `Word`s. A member is the stored key itself (a `str`: it compares equal
to "published", goes into the database and JSON as it is) and carries its translated `label`;
some lists carry a second wording where one context needs it (what the public reads of a
visibility, how a results table notes a competitor's status). The models build their CHECK
constraints from these keys (`Visibility.keys()`), the forms their choices and the pages, sheets
and certificates their words (`Visibility.labels()`), so a chief expert or a category is named
the same way everywhere and in every language.

The scoring rules (competition/rules) keep their own tuples: they import nothing of the app.
tests/test_vocabulary.py checks that the rules' lists and these agree.
"""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class Word(StrEnum):
    """A key of a word list with its label (lazy: translated when it is shown)."""

    def __new__(cls, key: str, *_words):
        member = str.__new__(cls, key)
        member._value_ = key
        return member

    def __init__(self, _key: str, label, *_more):
        self.label = label

    @classmethod
    def keys(cls) -> tuple[str, ...]:
        """The stored keys, in the list's order (what a CHECK constraint allows)."""
        return tuple(member.value for member in cls)

    @classmethod
    def labels(cls) -> dict[str, object]:
        """key → label, in the list's order (a form's choices, a page's legend)."""
        return {member.value: member.label for member in cls}

    @classmethod
    def label_of(cls, key: str | None) -> str:
        """The translated label of `key`; the key itself when it is not on the list."""
        try:
            return str(cls(key).label)
        except ValueError:
            return key or ""


class ChampionshipKind(Word):
    WORLDSKILLS = "worldskills", _l("WorldSkills")
    ABILYMPICS = "abilympics", _l("Abilympics")


class Scale(Word):
    """How a skill's totals are shown (docs/rules.md): raw marks or a WorldSkills scale."""

    RAW = "raw", _l("Raw marks (0–100)")
    WS500 = "ws500", _l("WorldSkills scale, 500 centre")
    WS700 = "ws700", _l("WorldSkills scale, 700 centre")


class OrganizationKind(Word):
    COLLEGE = "college", _l("College")
    ENTERPRISE = "enterprise", _l("Enterprise")
    SCHOOL = "school", _l("School")
    UNIVERSITY = "university", _l("University")
    OTHER = "other", _l("Other")


class AbilympicsCategory(Word):
    SCHOOLCHILDREN = "schoolchildren", _l("Schoolchildren")
    STUDENTS = "students", _l("Students")
    SPECIALISTS = "specialists", _l("Specialists")


class Visibility(Word):
    """What the public may see of a skill: `label` for the organizer choosing, `public` for the
    hall and the results pages."""

    HIDDEN = ("hidden", _l("Hidden: only the skill's name"), _l("Not shown yet"))
    PROGRESS = ("progress", _l("Progress: how much is marked, no scores"),
                _l("Marking in progress"))
    LIVE = "live", _l("Live: provisional standings"), _l("Live standings")
    FROZEN = ("frozen", _l("Frozen: the standings as of now; later marks stay hidden"),
              _l("Standings frozen"))
    PUBLISHED = "published", _l("Published: final results with medals"), _l("Results published")

    def __init__(self, key: str, label, public):
        super().__init__(key, label)
        self.public = public


class CompetitorStatus(Word):
    """`label` for the forms; `note` is what a results table adds after the name."""

    ACTIVE = "active", _l("Active"), ""
    GUEST = "guest", _l("Guest (not ranked)"), _l("guest, not ranked")
    WITHDRAWN = "withdrawn", _l("Withdrawn"), _l("withdrawn")
    DISQUALIFIED = "disqualified", _l("Disqualified"), _l("disqualified")

    def __init__(self, key: str, label, note):
        super().__init__(key, label)
        self.note = note


class SanctionKind(Word):
    """What the chief expert or an organizer may decide against a competitor (docs/rules.md:
    a penalty is points off the total, a disqualification takes the competitor out of the
    ranking)."""

    PENALTY = "penalty", _l("Penalty")
    DISQUALIFICATION = "disqualification", _l("Disqualification")


class AppealState(Word):
    """Where an appeal stands: lodged and waiting for the commission, or decided."""

    OPEN = "open", _l("Under consideration")
    REJECTED = "rejected", _l("Rejected")
    UPHELD = "upheld", _l("Upheld")


class ExpertRole(Word):
    CHIEF = "chief", _l("Chief expert")
    DEPUTY = "deputy", _l("Deputy chief expert")
    EXPERT = "expert", _l("Expert")
    INDEPENDENT = "independent", _l("Independent expert")


class Medal(Word):
    """What a results table awards; the rules award the first three, the medallion follows."""

    GOLD = "gold", _l("Gold")
    SILVER = "silver", _l("Silver")
    BRONZE = "bronze", _l("Bronze")
    MEDALLION = "medallion", _l("Medallion for Excellence")


class DocumentKind(Word):
    """The kinds of certificate the product prints: `label` for the organizer's lists; the
    certificate itself reads `heading` and, under the name, `reason`."""

    GOLD = ("gold", _l("Gold medal"), _l("Diploma"), _l("first place, gold medal"))
    SILVER = ("silver", _l("Silver medal"), _l("Diploma"), _l("second place, silver medal"))
    BRONZE = ("bronze", _l("Bronze medal"), _l("Diploma"), _l("third place, bronze medal"))
    MEDALLION = ("medallion", _l("Medallion for Excellence"), _l("Diploma"),
                 _l("Medallion for Excellence"))
    PARTICIPATION = ("participation", _l("Participation certificate"), _l("Certificate"),
                     _l("for taking part in the championship"))
    EXPERT = ("expert", _l("Expert certificate"), _l("Certificate"),
              _l("for the work of an expert at the championship"))
    AWARD = "award", _l("Award certificate"), _l("Diploma"), _l("Diploma of a nomination")

    def __init__(self, key: str, label, heading, reason):
        super().__init__(key, label)
        self.heading = heading
        self.reason = reason


class CertificateGroup(Word):
    """What an organizer picks for a batch of certificates (each a set of DocumentKinds)."""

    MEDALS = "medals", _l("Medals and Medallions for Excellence")
    PARTICIPATION = "participation", _l("Participation certificates")
    EXPERT = "expert", _l("Expert certificates")
    AWARD = "award", _l("Awards")


class UserRole(Word):
    """What an account is (competition/auth/access.py decides what each may do)."""

    ADMIN = "admin", _l("Administrator")
    ORGANIZER = "organizer", _l("Organizer")
    CHIEF = "chief", _l("Chief expert")
    EXPERT = "expert", _l("Expert")
    COMPETITOR = "competitor", _l("Competitor")


class ImportKind(Word):
    """The lists an organizer can import (and download as a template): `label` for the choice,
    `noun` inside a sentence ("File x.xlsx: competitors")."""

    ORGANIZATIONS = "organizations", _l("Organizations"), _l("organizations")
    COMPETITORS = "competitors", _l("Competitors (of one skill)"), _l("competitors")
    EXPERTS = "experts", _l("Experts (of one championship)"), _l("experts")
    SCHEME = "scheme", _l("Marking scheme (of one skill)"), _l("marking scheme")

    def __init__(self, key: str, label, noun):
        super().__init__(key, label)
        self.noun = noun



class AspectKind(Word):
    """How an expert enters a measurement (M) aspect's mark (docs/scheme.md); every judgement
    aspect is "marks". Each kind still stores its allowed marks (docs/rules.md is unchanged)."""

    MARKS = "marks", _l("List of marks")
    DEDUCTION = "deduction", _l("Deduction per error")
    DISCRETE = "discrete", _l("Levels")
    BINARY = "binary", _l("Yes / no")


class PublicNames(Word):
    """How public screens name competitors (docs/people.md): a championship's setting; a
    competitor under 18 without recorded consent is never shown in full."""

    FULL = "full", _l("Full name")
    SHORT = "short", _l("Surname and initial (Surname N.)")
    CODE = "code", _l("Results code only")


# What each visibility does, for the organizer choosing it (the championship page).
VISIBILITY_HELP = {
    "hidden": _l("The hall, the results pages and the API show the skill's name only. Staff "
                 "see everything."),
    "progress": _l("How much of each competitor is marked, without any score."),
    "live": _l("Provisional standings with scores, moving with every mark; no medals."),
    "frozen": _l("The standings as of the moment of freezing; later marks stay on the server "
                 "until you set live or publish."),
    "published": _l("Final results with medals, certificates and the appeal window; only when "
                    "every competitor is marked, no dispute is open and every sub-criterion is "
                    "signed off."),
}
