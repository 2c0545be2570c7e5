"""Dates and words as the mairie writes them."""

from __future__ import annotations

from collections.abc import Sequence
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


_UNITS = [
    "zéro",
    "un",
    "deux",
    "trois",
    "quatre",
    "cinq",
    "six",
    "sept",
    "huit",
    "neuf",
    "dix",
    "onze",
    "douze",
    "treize",
    "quatorze",
    "quinze",
    "seize",
    "dix-sept",
    "dix-huit",
    "dix-neuf",
]
_TENS = ("", "", "vingt", "trente", "quarante", "cinquante", "soixante")


def points_by_number(numbers: Sequence[int], article: str = "le") -> str:
    """Points of the agenda by their numbers, with ``article`` ("le" or "du"):
    « le point n° 5 », « les points n° 5, 6 et 7 », « du point n° 5 », « des
    points n° 5 et 6 »."""
    listed = [str(n) for n in numbers]
    if len(listed) == 1:
        return f"{article} point n° {listed[0]}"
    plural = {"le": "les", "du": "des"}[article]
    return f"{plural} points n° {', '.join(listed[:-1])} et {listed[-1]}"


def number_words(n: int) -> str:
    """French words for 0 to 9999: "deux mille vingt-six", "vingt-huit"."""
    if n < 20:
        return _UNITS[n]
    if n < 100:
        tens, unit = divmod(n, 10)
        if tens in (7, 9):
            base = "soixante" if tens == 7 else "quatre-vingt"
            rest = 10 + unit
            joiner = " et " if tens == 7 and unit == 1 else "-"
            return f"{base}{joiner}{_UNITS[rest]}"
        if tens == 8:
            return "quatre-vingts" if unit == 0 else f"quatre-vingt-{_UNITS[unit]}"
        if unit == 0:
            return _TENS[tens]
        joiner = " et " if unit == 1 else "-"
        return f"{_TENS[tens]}{joiner}{_UNITS[unit]}"
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        head = "cent" if hundreds == 1 else f"{_UNITS[hundreds]} cent"
        if rest == 0:
            return head + ("s" if hundreds > 1 else "")
        return f"{head} {number_words(rest)}"
    thousands, rest = divmod(n, 1000)
    head = "mille" if thousands == 1 else f"{number_words(thousands)} mille"
    return head if rest == 0 else f"{head} {number_words(rest)}"
