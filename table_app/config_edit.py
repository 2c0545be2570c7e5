"""Changing the configuration file from the table itself, safely.

The master screen's Administration changes a few keys (the displays, who sits
at each seat, the document folder, the certificate, the printer). Every change
goes the same way:

1. the file is read again (another change may have been saved since) and
   parsed with tomlkit, which keeps its comments, blank lines and order;
2. the change is made on that tree and the candidate text produced;
3. the candidate is validated exactly as ``table-app check`` validates a file
   (``check_config_text``): if anything is an error, nothing is written and
   every problem is returned, with its key and its fix, in French;
4. otherwise it replaces the file atomically (``atomic_write_bytes``: readers
   see the old file or the new one, never half), with the file's permissions.

No secret is ever written here: certificate passwords and token PINs stay in
the service's environment (``SECRET_VARIABLES``).
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import tomlkit
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import AoT, Table
from tomlkit.toml_document import TOMLDocument

from table_app.atomic_files import atomic_write_bytes
from table_app.config import Config, ConfigProblem, check_config_text

log = logging.getLogger("table_app.config")

#: The keys of a PKCS#11 token, dropped when a PKCS#12 file is chosen instead
#: (the two together are refused by the check).
_TOKEN_KEYS = ("pkcs11_module", "token", "key", "certificate_label")


class ConfigWriteError(Exception):
    """The file could not be read or written; the message says why, in French."""


@dataclass(frozen=True)
class SaveResult:
    """What became of a change.

    Attributes:
        saved: the file was rewritten.
        config: the configuration as the file now reads (or would read); None
            when the candidate is unusable.
        problems: the errors that refused the change, or, when saved, the
            warnings ``table-app check`` would print.
        unchanged: the change asked for is what the file already says.
    """

    saved: bool
    config: Config | None
    problems: list[ConfigProblem] = field(default_factory=list)
    unchanged: bool = False

    @property
    def errors(self) -> list[ConfigProblem]:
        return [p for p in self.problems if p.severity == "erreur"]


def read_document(path: Path) -> TOMLDocument:
    """The file as an editable tree; ``ConfigWriteError`` if unreadable."""
    try:
        return tomlkit.parse(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigWriteError(
            f"Le fichier de configuration {path} est illisible ({error.strerror})."
        ) from error
    except (TOMLKitError, UnicodeDecodeError) as error:
        raise ConfigWriteError(
            f"Le fichier de configuration {path} n'est pas du TOML valide ({error}) : "
            "corrigez-le (table-app check le montre) avant de le changer ici."
        ) from error


def edit_config(
    path: Path,
    change: Callable[[TOMLDocument], None],
    *,
    env: Mapping[str, str] | None = None,
) -> SaveResult:
    """Apply ``change`` to the file at ``path``, validate, and write it if valid.

    Raises ``ConfigWriteError`` (in French) when the file cannot be read or
    written; a refused change raises nothing and writes nothing.
    """
    env = os.environ if env is None else env
    document = read_document(path)
    before = document.as_string()
    change(document)
    candidate = document.as_string()
    if before.endswith("\n"):  # a section removed from the end leaves its blank line
        candidate = candidate.rstrip("\n") + "\n"
    config, problems = check_config_text(candidate, path, env=env)
    errors = [p for p in problems if p.severity == "erreur"]
    if config is None or errors:
        log.info("Configuration : changement refusé (%d erreur(s))", len(errors))
        return SaveResult(False, config, problems)
    if candidate == before:
        return SaveResult(False, config, problems, unchanged=True)
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        atomic_write_bytes(path, candidate.encode("utf-8"), mode=mode)
    except OSError as error:
        raise ConfigWriteError(_write_failure(path, error)) from error
    log.warning("Configuration modifiée depuis l'écran du maire : %s", path)
    return SaveResult(True, config, problems)


def _write_failure(path: Path, error: OSError) -> str:
    reason = error.strerror or str(error)
    return (
        f"Impossible d'écrire {path} ({reason}) : rien n'a été changé. La table doit "
        f"pouvoir écrire dans le dossier {path.parent} (droits du compte de la table ; "
        "avec kiosk.service, ce dossier doit figurer dans ReadWritePaths)."
    )


# --- the changes --------------------------------------------------------------


def _section(document: TOMLDocument, name: str) -> Table:
    """The table ``[name]``, added at the end of the file if absent."""
    if name not in document:
        document.add(name, tomlkit.table())
    section = document[name]
    if not isinstance(section, Table):
        raise ConfigWriteError(f"[{name}] n'est pas une section dans le fichier de configuration.")
    return section


def _seats(document: TOMLDocument) -> AoT:
    seats = document.get("seats")
    if not isinstance(seats, AoT):
        raise ConfigWriteError("Le fichier de configuration n'a pas de blocs [[seats]].")
    return seats


def _set(table: Table, key: str, value: str) -> None:
    """Set a text only if it differs: an unchanged key keeps its exact spelling."""
    if table.get(key) != value:
        table[key] = value


def set_displays(master: str, seats: Sequence[str]) -> Callable[[TOMLDocument], None]:
    """The connector of the mayor's screen and of each seat, in file order."""

    def change(document: TOMLDocument) -> None:
        _set(_section(document, "master"), "display", master)
        blocks = _seats(document)
        if len(blocks) != len(seats):
            raise ConfigWriteError(
                "Les sièges du fichier ont changé depuis l'ouverture de l'administration : "
                "fermez-la et rouvrez-la."
            )
        for block, display in zip(blocks, seats, strict=True):
            _set(block, "display", display)

    return change


def set_seat_members(members: Sequence[Sequence[str]]) -> Callable[[TOMLDocument], None]:
    """Who sits at each seat (member ids), in file order."""

    def change(document: TOMLDocument) -> None:
        blocks = _seats(document)
        if len(blocks) != len(members):
            raise ConfigWriteError(
                "Les sièges du fichier ont changé depuis l'ouverture de l'administration : "
                "fermez-la et rouvrez-la."
            )
        for block, sitting in zip(blocks, members, strict=True):
            if list(block.get("members", [])) != list(sitting):
                array = tomlkit.array()
                array.extend(sitting)
                block["members"] = array

    return change


def set_documents_folder(folder: str) -> Callable[[TOMLDocument], None]:
    def change(document: TOMLDocument) -> None:
        _set(_section(document, "documents"), "folder", folder)

    return change


def set_signing_certificate(certificate: str) -> Callable[[TOMLDocument], None]:
    """The commune's PKCS#12 file; a token configured instead is dropped."""

    def change(document: TOMLDocument) -> None:
        signing = _section(document, "signing")
        for key in _TOKEN_KEYS:
            if key in signing:
                del signing[key]
        _set(signing, "certificate", certificate)

    return change


def set_printer(printer: str | None) -> Callable[[TOMLDocument], None]:
    """The table's printer, or ``None`` for CUPS's default (the key removed)."""

    def change(document: TOMLDocument) -> None:
        if printer is not None:
            _set(_section(document, "printing"), "printer", printer)
            return
        section = document.get("printing")
        if isinstance(section, Table) and "printer" in section:
            del section["printer"]
            if not section:
                del document["printing"]

    return change


def set_member_pin(member_id: str, pin_hash: str) -> Callable[[TOMLDocument], None]:
    """A member's personal code (``[[members]] pin``), as its hash (``hash_pin``)."""

    def change(document: TOMLDocument) -> None:
        members = document.get("members")
        blocks = list(members) if isinstance(members, AoT) else []
        block = next((b for b in blocks if b.get("id") == member_id), None)
        if block is None:
            raise ConfigWriteError(
                f"Aucun bloc [[members]] n'a id = « {member_id} » dans le fichier de configuration."
            )
        block["pin"] = pin_hash

    return change


__all__ = [
    "ConfigWriteError",
    "SaveResult",
    "edit_config",
    "read_document",
    "set_displays",
    "set_documents_folder",
    "set_member_pin",
    "set_printer",
    "set_seat_members",
    "set_signing_certificate",
]
