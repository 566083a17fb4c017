"""Lists as organizers have them (docs/imports.md, docs/people.md): organizations by name with
legal forms, quotes and any case; a `name` column; birth dates in several formats; the IIN;
errors that write nothing and eligibility warnings that do not stop the import."""

from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl
import pytest
import sqlalchemy as sa

from competition.extensions import db
from competition.models import Expert, Organization
from competition.registry.people.iin import make_iin
from competition.registry.people.orgnames import fold_name
from tests.registry.test_imports_people import (
    SAMPLES,
    WS,
    competitor,
    confirm,
    counts,
    sample,
    upload,
    xlsx,
)

HEADER = ["code", "name_ru", "organization", "birth_date"]


@pytest.mark.parametrize(("typed", "folded"), [
    ("ТОО «Восточно-Казахстанский политехнический колледж»",
     "восточно-казахстанский политехнический колледж"),
    ('КГКП "Семейский  политехнический колледж"', "семейский политехнический колледж"),
    ("гккп 'Риддерский аграрно-технический колледж'", "риддерский аграрно-технический колледж"),
    ("Semey Polytechnic College LLP", "semey polytechnic college"),
    ("JSC semey polytechnic college", "semey polytechnic college"),
    ("Усть-Каменогорский  колледж сервиса и питания",
     "усть-каменогорский колледж сервиса и питания"),
])
def test_names_fold_without_legal_forms_quotes_case_and_spacing(typed, folded):
    assert fold_name(typed) == folded


def test_competitors_by_organization_name_in_any_language_with_prefixes(demo_app, organizer):
    rows = [HEADER,
            ["501", "Бауыржан Ахметов", "ТОО «Восточно-Казахстанский политехнический колледж»",
             "31.12.2007"],
            ["502", "Ерлан Садыков", "кгкп \"СЕМЕЙСКИЙ ПОЛИТЕХНИЧЕСКИЙ   колледж\"", "31/12/2006"],
            ["503", "Мария Ким", "Семей политехникалық колледжі", "2005-12-31"],
            ["504", "Анна Ли", "ust-kamenogorsk college of service and catering",
             datetime(2006, 3, 1)],
            ["505", "Олег Пак", "UKSTK", date(2005, 1, 2)]]
    preview = upload(organizer, "competitors", "names.xlsx", xlsx(rows), skill="10")
    assert preview.status_code == 200, preview.get_data(as_text=True)
    assert confirm(organizer, preview).status_code == 303
    found = {code: competitor(demo_app, "10", code) for code in ("501", "502", "503", "504",
                                                                 "505")}
    assert {c: f.organization.code for c, f in found.items()} == {
        "501": "VKPTK", "502": "SPK", "503": "SPK", "504": "UKKSP", "505": "UKSTK"}
    assert {c: f.birth_date for c, f in found.items()} == {
        "501": date(2007, 12, 31), "502": date(2006, 12, 31), "503": date(2005, 12, 31),
        "504": date(2006, 3, 1), "505": date(2005, 1, 2)}
    again = upload(organizer, "competitors", "names.xlsx", xlsx(rows), skill="10")
    assert "create 0" in again.get_data(as_text=True)  # a name resolves to the stored code


def test_an_unknown_name_lists_the_three_closest(demo_app, organizer):
    before = counts(demo_app)
    rows = [HEADER, ["501", "Бауыржан Ахметов", "Семейский политехнически колледж", ""],
            ["502", "Ерлан Садыков", "Университет Марса", ""]]
    preview = upload(organizer, "competitors", "bad.xlsx", xlsx(rows), skill="10")
    html = preview.get_data(as_text=True)
    assert "No organization has the code or name" in html
    assert "the closest registered: Semey Polytechnic College (SPK)" in html
    assert html.count("the closest registered") == 2
    assert counts(demo_app) == before


@pytest.mark.parametrize(("cells", "fragment"), [
    (["601", "Будущий", "VKPTK", "01.01.2099", ""], "is in the future"),
    (["601", "Старый", "VKPTK", "31.12.1899", ""], "before 1900"),
    (["601", "Неверный", "VKPTK", "32.01.2007", ""], "A date such as 31.12.2007"),
    (["601", "Разные", "VKPTK", "31.12.2007", make_iin(date(2007, 12, 30))],
     "is of someone born on 30.12.2007, but the birth date is 31.12.2007"),
    (["601", "Короткий", "VKPTK", "", "12345"], "An IIN is 12 digits"),
])
def test_errors_in_personal_data_write_nothing(demo_app, organizer, cells, fragment):
    before = counts(demo_app)
    rows = [[*HEADER, "iin"], ["600", "Хороший", "VKPTK", "01.02.2006", ""], cells]
    preview = upload(organizer, "competitors", "bad.xlsx", xlsx(rows), skill="10")
    html = preview.get_data(as_text=True)
    assert "The file has errors" in html and fragment in html, html
    assert '<td class="num">3</td>' in html
    assert counts(demo_app) == before


def test_an_iin_gives_the_birth_date_and_consent_words(demo_app, organizer):
    rows = [["code", "name_ru", "iin", "consent", "disability", "health_note"],
            ["701", "Алия Нурланова", make_iin(date(2008, 5, 4), "female"), "да", "", ""],
            ["702", "Айдос Серик", "", "жоқ", "III группа", "Астма"]]
    preview = upload(organizer, "competitors", "iin.xlsx", xlsx(rows), skill="10")
    assert preview.status_code == 200, preview.get_data(as_text=True)
    confirm(organizer, preview)
    first, second = competitor(demo_app, "10", "701"), competitor(demo_app, "10", "702")
    assert (first.birth_date, first.name_consent) == (date(2008, 5, 4), True)
    assert (second.name_consent, second.disability, second.health_note) == (
        False, "III группа", "Астма")
    bad = upload(organizer, "competitors", "iin.xlsx",
                 xlsx([["code", "name_ru", "consent"], ["703", "Икс", "может быть"]]), skill="10")
    assert "yes or no" in bad.get_data(as_text=True)


def test_ineligible_competitors_are_warnings_with_row_numbers_and_are_imported(
        demo_app, organizer):
    rows = [HEADER, ["801", "Молодой", "VKPTK", "01.02.2006"],
            ["802", "Старший", "VKPTK", "15.06.2002"],  # 24 on 31.12.2026
            ["803", "Ещё", "VKPTK", "2001-01-01"]]
    preview = upload(organizer, "competitors", "ages.xlsx", xlsx(rows), skill="10")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200, html
    assert "Warnings" in html
    assert "row 3, column birth_date, value &#39;15.06.2002&#39;: Not eligible by age: 24 on " \
        "31.12.2026" in html
    assert "row 4" in html and "row 2," not in html
    assert confirm(organizer, preview).status_code == 303
    assert competitor(demo_app, "10", "802").birth_date == date(2002, 6, 15)


def test_a_name_column_is_the_championships_first_language(demo_app, organizer):
    # no certificate settings in the demo: the installation's default language (ru)
    rows = [["code", "name", "organization"], ["901", "Жанар Алиева", "VKPTK"]]
    preview = upload(organizer, "competitors", "name.xlsx", xlsx(rows), skill="10")
    assert preview.status_code == 200, preview.get_data(as_text=True)
    confirm(organizer, preview)
    assert competitor(demo_app, "10", "901").name_ru == "Жанар Алиева"


def test_experts_by_organization_name(demo_app, organizer):
    rows = [["code", "name_ru", "organization", "skill", "role"],
            ["E90", "Эксперт Новый", "НАО «Семейский политехнический колледж»", "10", "expert"],
            ["E90", "", "SPK", "18", "expert"]]
    preview = upload(organizer, "experts", "experts.xlsx", xlsx(rows))
    assert preview.status_code == 200, preview.get_data(as_text=True)
    confirm(organizer, preview)
    with demo_app.app_context():
        expert = db.session.execute(sa.select(Expert).where(Expert.code == "E90")).scalar_one()
        assert expert.organization.code == "SPK"
        assert db.session.execute(sa.select(sa.func.count()).select_from(Organization)
                                  ).scalar_one() > 0


def test_the_names_sample_imports_with_its_warnings(demo_app, organizer):
    preview = upload(organizer, "competitors", "competitors-names.xlsx",
                     sample("competitors-names.xlsx"), skill="10")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200, html
    assert "Not eligible by age" in html
    assert confirm(organizer, preview).status_code == 303


@pytest.mark.parametrize(("name", "fragment"), [
    ("bad-future-birth-date.xlsx", "is in the future"),
    ("bad-iin-mismatch.xlsx", "but the birth date is"),
])
def test_the_bad_personal_data_samples_are_refused(demo_app, organizer, name, fragment):
    assert (SAMPLES / name).is_file()
    before = counts(demo_app)
    preview = upload(organizer, "competitors", name, sample(name), skill="10")
    html = preview.get_data(as_text=True)
    assert "The file has errors" in html and fragment in html
    assert counts(demo_app) == before


def test_an_export_imports_back_unchanged_with_personal_data(demo_app, organizer):
    rows = [["code", "name_ru", "birth_date", "iin", "consent", "disability", "health_note"],
            ["950", "Данияр Омаров", "04.05.2008", make_iin(date(2008, 5, 4)), "да",
             "II группа", "Диабет"]]
    confirm(organizer, upload(organizer, "competitors", "p.xlsx", xlsx(rows), skill="10"))
    export = organizer.get(f"/manage/import/export?export-kind=competitors"
                           f"&export-championship={WS}&export-skill={WS}/10"
                           "&export-format=xlsx")
    assert export.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(export.data))
    header = [c.value for c in book.worksheets[0][1]]
    assert {"birth_date", "iin", "name_consent", "disability", "health_note"} <= set(header)
    line = next(dict(zip(header, (c.value for c in row), strict=True))
                for row in book.worksheets[0].iter_rows(min_row=2) if row[0].value == "950")
    assert (line["birth_date"], line["name_consent"]) == ("2008-05-04", "yes")
    preview = upload(organizer, "competitors", "export.xlsx", export.data, skill="10")
    html = preview.get_data(as_text=True)
    assert "create 0" in html and "update 0" in html, html
