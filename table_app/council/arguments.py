"""Typed reading of a command's fields, refusing bad input in French."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from table_app.council.errors import CommandRefused

_TIME = re.compile(r"^([01]?\d|2[0-3])[:h]([0-5]\d)$")


class Arguments:
    """The fields of one command. Unknown fields are refused (a typo in a
    script must not silently drop a fact from the record)."""

    def __init__(self, name: str, raw: Mapping[str, Any], allowed: set[str]) -> None:
        self.name = name
        self.raw = raw
        unknown = sorted(set(raw) - allowed - {"cmd", "session", "by", "author"})
        if unknown:
            raise CommandRefused(
                f"Champ inconnu pour « {name} » : {', '.join(unknown)} "
                f"(champs possibles : {', '.join(sorted(allowed)) or 'aucun'})"
            )

    def has(self, key: str) -> bool:
        return self.raw.get(key) is not None

    def text(self, key: str, default: str | None = None) -> str:
        value = self.raw.get(key, default)
        if value is None:
            raise CommandRefused(f"« {self.name} » : le champ « {key} » est obligatoire")
        if not isinstance(value, str) or not value.strip():
            raise CommandRefused(f"« {self.name} » : « {key} » doit être un texte non vide")
        return value.strip()

    def optional_text(self, key: str) -> str | None:
        return self.text(key) if self.has(key) else None

    def raw_text(self, key: str) -> str:
        """A text kept exactly as typed (a deliberation's body)."""
        value = self.raw.get(key)
        if not isinstance(value, str):
            raise CommandRefused(f"« {self.name} » : le champ « {key} » (texte) est obligatoire")
        return value

    def count(self, key: str, default: int = 0) -> int:
        value = self.raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise CommandRefused(
                f"« {self.name} » : « {key} » doit être un nombre entier positif ou nul "
                f"(reçu : {value!r})"
            )
        return value

    def optional_count(self, key: str) -> int | None:
        return self.count(key) if self.has(key) else None

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.raw.get(key, default)
        if not isinstance(value, bool):
            raise CommandRefused(f"« {self.name} » : « {key} » doit valoir true ou false")
        return value

    def day(self, key: str, default: str | None = None) -> str:
        value = self.raw.get(key, default)
        if value is None:
            raise CommandRefused(
                f"« {self.name} » : la date « {key} » est obligatoire (AAAA-MM-JJ)"
            )
        try:
            return date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise CommandRefused(
                f"« {self.name} » : « {key} » n'est pas une date valide : {value!r} "
                f"(écrire AAAA-MM-JJ, par exemple 2026-11-28)"
            ) from None

    def clock(self, key: str, default: str) -> str:
        value = str(self.raw.get(key, default))
        match = _TIME.match(value.strip())
        if not match:
            raise CommandRefused(f"« {self.name} » : heure invalide {value!r} (écrire HH:MM)")
        return f"{int(match.group(1)):02d}:{match.group(2)}"

    def text_list(self, key: str, required: bool = True) -> list[str]:
        value = self.raw.get(key)
        if value is None and not required:
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise CommandRefused(f"« {self.name} » : « {key} » doit être une liste d'identifiants")
        if required and not value:
            raise CommandRefused(f"« {self.name} » : « {key} » ne peut pas être vide")
        if len(set(value)) != len(value):
            raise CommandRefused(f"« {self.name} » : « {key} » cite deux fois le même membre")
        return list(value)

    def mapping(self, key: str) -> dict[str, Any]:
        value = self.raw.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise CommandRefused(f"« {self.name} » : « {key} » doit être un objet {{clé: valeur}}")
        return dict(value)

    def choice(self, key: str, choices: tuple[str, ...], default: str | None = None) -> str:
        value = self.raw.get(key, default)
        if value not in choices:
            raise CommandRefused(
                f"« {self.name} » : « {key} » doit valoir {' ou '.join(choices)} (reçu : {value!r})"
            )
        return str(value)
