"""Shared column types and mixins of the models."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from flask_babel import get_locale
from sqlalchemy import DateTime, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from ..config import DEFAULT_LOCALE, LOCALES

# Marks and maxima are exact decimals: up to 4 places, never floats in Python.
MarkValue = Numeric(10, 4, asdecimal=True)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A moment, stored in UTC: aware datetimes in, aware UTC datetimes out, on every database
    (SQLite keeps no zone and would hand back naive ones). A naive datetime given to it is
    taken as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def iso(moment: datetime | None) -> str | None:
    """A moment as every answer, event and export writes it (docs/api.md): ISO 8601 in UTC with
    microseconds, `2026-11-26T09:15:02.120000Z`."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def current_locale() -> str:
    try:
        locale = get_locale()
    except (RuntimeError, KeyError):  # outside a request or before Babel is set up
        return DEFAULT_LOCALE
    return str(locale) if locale is not None else DEFAULT_LOCALE


def pick_translation(values: dict[str, str | None], locale: str | None = None) -> str:
    """The text in `locale`, else in the first language that has one (ru, kk, en)."""
    locale = locale or current_locale()
    if values.get(locale):
        return values[locale]
    for other in LOCALES:
        if values.get(other):
            return values[other]
    return ""


class Named:
    """A thing named in Russian, Kazakh and English (`name_ru`, `name_kk`, `name_en`)."""

    name_ru: Mapped[str] = mapped_column(String(500), default="")
    name_kk: Mapped[str] = mapped_column(String(500), default="")
    name_en: Mapped[str] = mapped_column(String(500), default="")

    def names(self) -> dict[str, str]:
        return {"ru": self.name_ru, "kk": self.name_kk, "en": self.name_en}

    def set_names(self, names: dict[str, str | None]) -> None:
        for locale in LOCALES:
            setattr(self, f"name_{locale}", (names.get(locale) or "").strip())

    def name(self, locale: str | None = None) -> str:
        return pick_translation(self.names(), locale)


def as_decimal(value) -> Decimal | None:
    return None if value is None else Decimal(value)


def decimal_text(value: Decimal) -> str:
    """A stored decimal as text: at least 2 decimals, no trailing zeros beyond them."""
    text = format(value.normalize(), "f")
    whole, _, fraction = text.partition(".")
    return f"{whole}.{fraction.ljust(2, '0')}"
