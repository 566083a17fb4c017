""""Surname N." names the surname in every language (docs/people.md, "Privacy"; short_names in
competition/names.py): whichever order a name was typed in, its short form keeps the surname and
the initial of the given name, and the ru, kk and en short forms of one person agree."""

from __future__ import annotations

import pytest

from competition.names import short_name, short_names

from .test_public_names import anonymous, change, minor  # noqa: F401 (a fixture)

# --- the rule -------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "locale", "short"), [
    # the language's convention when the name says nothing: ru, kk surname first, en last
    ("Бауэр Виктор", "ru", "Бауэр В."),
    ("Ким Александр", "kk", "Ким А."),
    ("Viktor Bauer", "en", "Bauer V."),
    ("Mary Ann Smith", "en", "Smith M."),
    # a surname ending decides in any language, either order
    ("Нурлан Жумабаев", "ru", "Жумабаев Н."),
    ("Жумабаев Нурлан", "ru", "Жумабаев Н."),
    ("Nurlan Zhumabayev", "en", "Zhumabayev N."),
    ("Zhumabayev Nurlan", "en", "Zhumabayev N."),
    ("Иванова Анна", "ru", "Иванова А."),
    ("Anna Ivanova", "en", "Ivanova A."),
    ("Maxim Shevchenko", "en", "Shevchenko M."),
    ("Ернар Сапарұлы", "kk", "Сапарұлы Е."),
    ("Aigerim Nurlankyzy", "en", "Nurlankyzy A."),
    ("Марина Чернова", "ru", "Чернова М."),  # -ина is no surname ending: Марина is a name
    # a patronymic says where the surname is
    ("Иванов Иван Иванович", "ru", "Иванов И."),
    ("Иван Иванович Иванов", "ru", "Иванов И."),
    ("Жумабаев Нурлан Ерланұлы", "kk", "Жумабаев Н."),
    # capitals (as WorldSkills International writes surnames), or "Surname, Given"
    ("Viktor BAUER", "en", "BAUER V."),
    ("BAUER Viktor", "en", "BAUER V."),
    ("Bauer, Viktor", "en", "Bauer V."),
    ("Виктор, Бауэр", "ru", "Виктор Б."),  # the comma is the organizer's word
    ("de la Cruz, Maria", "en", "de la Cruz M."),
    # hyphens and particles
    ("Петрова-Водкина Анна", "ru", "Петрова-Водкина А."),
    ("Анна Петрова-Водкина", "ru", "Петрова-Водкина А."),
    ("Jean-Paul Sartre", "en", "Sartre J.-P."),
    ("Ким Анна-Мария", "ru", "Ким А.-М."),
    ("Ludwig van Beethoven", "en", "van Beethoven L."),
    ("van Gogh Vincent", "ru", "van Gogh V."),
    # one word stays; nothing is nothing
    ("Madonna", "en", "Madonna"),
    ("  Әбенов   әлихан ", "kk", "Әбенов Ә."),
    ("Zaitsev,", "en", "Zaitsev"),
    ("   ", "ru", ""),
    ("", "en", ""),
])
def test_the_short_form_keeps_the_surname(name, locale, short):
    assert short_name(name, locale) == short


def test_the_languages_of_one_person_agree():
    # the demo's names: given name first in every language
    assert short_names({"ru": "Сергей Зайцев", "kk": "Сергей Зайцев", "en": "Sergey Zaitsev"}) \
        == {"ru": "Зайцев С.", "kk": "Зайцев С.", "en": "Zaitsev S."}
    # the brief's: surname first in Russian and Kazakh, given name first in English
    assert short_names({"ru": "Зайцев Сергей", "kk": "Зайцев Сергей", "en": "Sergey Zaitsev"}) \
        == {"ru": "Зайцев С.", "kk": "Зайцев С.", "en": "Zaitsev S."}
    # a name that says nothing follows the one that does (the surname's initial, transliterated)
    assert short_names({"ru": "Виктор Бауэр", "kk": "Бауэр Виктор", "en": "Viktor BAUER"}) \
        == {"ru": "Бауэр В.", "kk": "Бауэр В.", "en": "BAUER V."}
    # a stray comma says nothing (and never keeps a name whole)
    assert short_names({"ru": "Хван Денис", "en": "Denis Hwang, "}) == {
        "ru": "Хван Д.", "en": "Hwang D."}
    assert short_names({"ru": "", "kk": "Мұқанов Қайрат", "en": ""}) == {
        "ru": "", "kk": "Мұқанов Қ.", "en": ""}


def test_an_ambiguous_name_falls_back_to_each_languages_convention():
    # both words start alike: the other language cannot tell which is the surname
    assert short_names({"ru": "Бакыт Бауэр", "en": "Bakyt Bauer"}) == {
        "ru": "Бакыт Б.", "en": "Bauer B."}


# --- the public pages ------------------------------------------------------------------------

TYPED = {"ru": "Зайцев Сергей", "kk": "Зайцев Сергей", "en": "Sergey Zaitsev"}


@pytest.mark.parametrize(("lang", "short", "wrong"), [
    ("en", "Zaitsev S.", "Sergey Z."), ("ru", "Зайцев С.", "Сергей З."),
    ("kk", "Зайцев С.", "Сергей З."),
])
def test_a_minors_short_name_on_the_results_page_is_the_surname(minor, lang, short,  # noqa: F811
                                                                 wrong):
    change(minor, name_en=TYPED["en"], name_ru=TYPED["ru"], name_kk=TYPED["kk"])
    public = anonymous(minor)
    public.get(f"/lang/{lang}")
    html = public.get("/results/10").get_data(as_text=True)
    assert short in html and wrong not in html
    assert TYPED["en"] not in html and TYPED["ru"] not in html
    snapshot = public.get("/board/10/snapshot.json").get_json()
    assert snapshot["competitors"]["101"]["name"] == {
        "ru": "Зайцев С.", "kk": "Зайцев С.", "en": "Zaitsev S."}
