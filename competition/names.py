"""How a competitor is named to the public (docs/people.md, "Privacy").

A championship's `public_names` ("full", "short", "code"; vocabulary.PublicNames) says how the
public sees competitors' names. A competitor under 18 on the first competition day
(`Championship.starts_on`, else today) is never shown in full unless their consent is recorded
(`Competitor.name_consent`): "Surname N." instead, or the code when the setting is "code".
Teams keep their name (a team's name is no person's). Staff pages, the competitor's own page
and certificates show the full name; this module is for what the public sees only, and every
public channel (board snapshots, results pages and sheets, the medal table, the participant's
page seen by others, hall screens) names competitors through it.

Pure functions over plain values, so the live standings compute every name once per snapshot.
"""

from __future__ import annotations

from datetime import date

from .lookup import expert_role

ADULT = 18  # years: from this age on the championship's setting alone decides


def age_on(birth_date: date | None, day: date) -> int | None:
    """Whole years of age on `day`; None when the birth date is unknown."""
    if birth_date is None:
        return None
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month,
                                                                  birth_date.day))


def first_day(championship) -> date:
    """The day ages are counted on: the championship's first day, else today."""
    return getattr(championship, "starts_on", None) or date.today()


def public_mode(setting: str | None, *, birth_date: date | None, consent: bool, team: bool,
                day: date) -> str:
    """"full", "short" or "code": how the public sees this competitor's name."""
    setting = setting if setting in ("full", "short", "code") else "full"
    if team:  # a team's name is no person's: kept, unless only codes are shown
        return "code" if setting == "code" else "full"
    if setting != "full" or consent:
        return setting
    age = age_on(birth_date, day)
    return "short" if age is not None and age < ADULT else "full"


def short_name(name: str) -> str:
    """"Surname N." from "Surname Name Patronymic" (Kazakh and Russian lists put the surname
    first); a single word stays as it is."""
    words = (name or "").split()
    if len(words) < 2:
        return " ".join(words)
    return f"{words[0]} {words[1][0].upper()}."


def public_name(name: str, mode: str, code: str) -> str:
    """One name as the public sees it in `mode` (public_mode); `code` is the competitor's code
    in the skill's results (never the personal results code, which opens /me/<code>)."""
    if mode == "code":
        return code
    if mode == "short":
        return short_name(name)
    return name


def public_names(competitor, championship, day: date | None = None) -> dict[str, str]:
    """The competitor's {ru, kk, en} names as the public sees them."""
    mode = public_mode(getattr(championship, "public_names", "full"),
                       birth_date=competitor.birth_date, consent=bool(competitor.name_consent),
                       team=bool(competitor.members), day=day or first_day(championship))
    return {locale: public_name(text, mode, competitor.code) if text or mode == "code" else ""
            for locale, text in competitor.names().items()}


def sees_confidential(user, skill_id: int) -> bool:
    """Who may read a competitor's confidential data (the Abilympics disability category and
    the health note): organizers, admins and the skill's chief expert (not the deputy)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.role in ("organizer", "admin"):
        return True
    role = expert_role(user, skill_id)
    return role is not None and role.role == "chief"
