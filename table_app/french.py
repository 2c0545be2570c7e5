"""Dates and words as the mairie writes them."""

from __future__ import annotations

from datetime import date

MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def _day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value[:10])


def short_date(value: date | str) -> str:
    """ "28/11/2026"."""
    return _day(value).strftime("%d/%m/%Y")


def long_date(value: date | str) -> str:
    """ "28 novembre 2026" ("1er" for the first of the month)."""
    day = _day(value)
    number = "1er" if day.day == 1 else str(day.day)
    return f"{number} {MONTHS[day.month - 1]} {day.year}"


def of(name: str) -> str:
    """French "de", elided before a vowel: "d'Olivier Dumas", "de Martine Fabre"."""
    return f"d'{name}" if name[:1].lower() in "aeiouyéèêëàâîïôöûü" else f"de {name}"
