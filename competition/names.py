"""How a competitor is named to the public (docs/people.md, "Privacy").

A championship's `public_names` ("full", "short", "code"; vocabulary.PublicNames) says how the
public sees competitors' names. A competitor under 18 on the first competition day
(`Championship.starts_on`, else today) is never shown in full unless their consent is recorded
(`Competitor.name_consent`): "Surname N." instead, or the code when the setting is "code".
Teams keep their name (a team's name is no person's). Staff pages, the competitor's own page
and certificates show the full name; this module is for what the public sees only, and every
public channel (board snapshots, results pages and sheets, the medal table, the participant's
page seen by others, hall screens) names competitors through it.

"Surname N." names the surname in every language, whichever order a name was typed in
(short_names: a comma, capitals, a patronymic, a surname ending, the person's other names, else
the language's convention; docs/people.md lists the rules).

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


# Where the surname is (short_names): the endings of Russian and Kazakh surnames, in Cyrillic
# and transliterated (not -ин/-ина: Марина, Kevin, Martin are given names); patronymics.
SURNAME = ("ов", "ев", "ёв", "ова", "ева", "ёва", "ский", "цкий", "ская", "цкая", "ской",
           "енко", "чук", "щук", "юк", "ых", "их", "ұлы", "улы", "қызы", "кызы",
           "ov", "ev", "yov", "ova", "eva", "yova", "sky", "skiy", "skii", "ski", "skaya",
           "enko", "chuk", "yuk", "ykh", "ikh", "uly", "kyzy", "kizi")
PATRONYMIC = ("вич", "вна", "ична", "vich", "vna", "ichna")
KAZAKH_PATRONYMIC = ("ұлы", "улы", "қызы", "кызы", "uly", "kyzy", "kizi")
PARTICLES = {"van", "von", "der", "den", "de", "del", "della", "da", "di", "du", "dos", "das",
             "la", "le", "ter", "ten", "bin", "binti", "ibn", "al", "el"}
# The language's convention when a name says nothing: ru and kk lists write the surname
# first, English ones (as WorldSkills International's) the given name first.
CONVENTION = {"ru": "first", "kk": "first", "en": "last"}
# The Latin letters a Cyrillic initial is transliterated to (Жумабаев → Zhumabayev).
LATIN = {"а": "a", "ә": "a", "б": "b", "в": "vw", "г": "gh", "ғ": "g", "д": "d", "е": "ey",
         "ё": "ey", "ж": "zj", "з": "z", "и": "iy", "і": "i", "й": "yi", "к": "kc", "қ": "kq",
         "л": "l", "м": "m", "н": "n", "ң": "n", "о": "o", "ө": "o", "п": "p", "р": "r",
         "с": "s", "т": "t", "у": "u", "ұ": "u", "ү": "u", "ф": "f", "х": "kh", "һ": "h",
         "ц": "tc", "ч": "c", "ш": "s", "щ": "s", "ы": "y", "э": "e", "ю": "yi", "я": "yi"}


def _letters(word: str) -> str:
    return "".join(ch for ch in word if ch.isalpha())


def _ends(word: str, endings: tuple[str, ...], shortest: int = 4) -> bool:
    """Whether the word, or a part of a hyphenated one, ends so ("Петрова-Водкина")."""
    return any(len(letters) >= shortest and letters.endswith(endings)
               for letters in (_letters(part).lower() for part in word.split("-")))


def _capitals(word: str) -> bool:
    """ZAITSEV: a surname as WorldSkills International lists write it."""
    letters = _letters(word)
    return len(letters) >= 2 and letters.isupper()


def _initials(word: str) -> str:
    """"S." from "Sergey", "А.-М." from "Анна-Мария"."""
    parts = [_letters(part)[:1].upper() for part in word.split("-")]
    return "-".join(f"{part}." for part in parts if part)


def _split(words: list[str], order: str) -> tuple[str, str]:
    """(surname, given name) of a name whose surname is its `order` ("first"/"last") word,
    with the lowercase particles that belong to it ("van Gogh", "de la Cruz")."""
    if order == "first":
        end = 0
        while end < len(words) - 2 and words[end] in PARTICLES:
            end += 1
        return " ".join(words[:end + 1]), words[end + 1]
    start = len(words) - 1
    while start > 1 and words[start - 1] in PARTICLES:
        start -= 1
    return " ".join(words[start:]), words[0]


def _order(words: list[str]) -> str | None:
    """Where the surname is ("first", "last") when the name itself says; None when not."""
    capitals = [_capitals(word) for word in words]
    if any(capitals) and not all(capitals) and capitals[0] != capitals[-1]:
        return "first" if capitals[0] else "last"
    if len(words) >= 3 and _ends(words[-1], PATRONYMIC + KAZAKH_PATRONYMIC):
        return "first"  # Surname Name Patronymic
    if len(words) == 3 and _ends(words[1], PATRONYMIC):
        return "last"  # Name Patronymic Surname
    first = _ends(_split(words, "first")[0].split()[-1], SURNAME)
    last = _ends(words[-1], SURNAME)
    if first != last:
        return "first" if first else "last"
    return None


def _initial(word: str) -> set[str]:
    """The Latin letter a word starts with (Cyrillic transliterated), to find the same surname
    in another language's name."""
    letter = _letters(word)[:1].lower()
    return set(LATIN.get(letter, letter))


def short_names(names: dict[str, str]) -> dict[str, str]:
    """Every language's "Surname N." of one person's {locale: name}, the same surname in all.

    Where the surname is: "Surname, Given" says it; a word in CAPITALS is the surname; a
    patronymic puts it ("Surname Name Patronymic", "Name Patronymic Surname"); a surname ending
    (-ов, -ева, -енко, -ский, -ұлы…, -ov, -eva, -sky, -uly…) on the first or last word only.
    A name that says nothing follows the person's other names (the word of the same initial
    as the surname found there), else its language's convention: ru and kk surname first, en
    given name first. One word stays as it is."""
    parsed: dict[str, tuple[list[str], str | None]] = {}
    for locale, name in names.items():
        surname, comma, given = (name or "").partition(",")
        if comma and surname.strip() and given.replace(",", " ").strip():  # "Surname, Given"
            parsed[locale] = ([" ".join(surname.split())] + given.replace(",", " ").split(),
                              "first")
        else:
            words = (name or "").replace(",", " ").split()
            parsed[locale] = (words, _order(words) if len(words) > 1 else None)
    known = set().union(*(_initial(_split(words, order)[0].split()[-1])
                          for words, order in parsed.values() if order and len(words) > 1))
    result = {}
    for locale, (words, order) in parsed.items():
        if len(words) < 2:
            result[locale] = " ".join(words)
            continue
        if order is None:
            matches = [side for side, word in (("first", _split(words, "first")[0].split()[-1]),
                                                ("last", words[-1]))
                       if _initial(word) & known]
            order = matches[0] if len(matches) == 1 else CONVENTION.get(locale, "first")
        surname, given = _split(words, order)
        result[locale] = f"{surname} {_initials(given)}".strip()
    return result


def short_name(name: str, locale: str = "ru") -> str:
    """"Surname N." of one name in `locale` (short_names with no other language to follow)."""
    return short_names({locale: name})[locale]


def public_name(name: str, mode: str, code: str, locale: str = "ru") -> str:
    """One name as the public sees it in `mode` (public_mode); `code` is the competitor's code
    in the skill's results (never the personal results code, which opens /me/<code>)."""
    if mode == "code":
        return code
    if mode == "short":
        return short_name(name, locale)
    return name


def public_names(competitor, championship, day: date | None = None) -> dict[str, str]:
    """The competitor's {ru, kk, en} names as the public sees them (short: the same surname in
    every language, short_names)."""
    mode = public_mode(getattr(championship, "public_names", "full"),
                       birth_date=competitor.birth_date, consent=bool(competitor.name_consent),
                       team=bool(competitor.members), day=day or first_day(championship))
    names = competitor.names()
    shown = short_names(names) if mode == "short" else names
    return {locale: (competitor.code if mode == "code" else shown[locale])
            if text or mode == "code" else ""
            for locale, text in names.items()}


def sees_confidential(user, skill_id: int) -> bool:
    """Who may read a competitor's confidential data (the Abilympics disability category and
    the health note): organizers, admins and the skill's chief expert (not the deputy)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.role in ("organizer", "admin"):
        return True
    role = expert_role(user, skill_id)
    return role is not None and role.role == "chief"
