"""Where a file of the commune's folder belongs, from its path alone.

The folder convention (documented in the README):

    Séances/2026-11-28/03 - Budget primitif/devis.pdf   point 3 of that session
    Séances/2026-11-28/convocation.pdf                    the session as a whole
    Archives/2025/2025-03-14/délibération.pdf             archive, by year and date
    Archives/2025/rapport annuel.pdf                      archive, by year
    Commissions/Finances/note.pdf                         a commission's space
    anything else                                         "Autres documents"

Folder names are matched without regard to case or accents ("Seances",
"SÉANCES", "séance"); a date may be written 2026-11-28, 28-11-2026 or
28.11.2026; a point may be "03 - Budget", "3_Budget", "Point 3 : Budget".

Temporary and lock files of the cloud clients, office suites and scanners are
never documents (``is_ignored``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from fnmatch import fnmatchcase
from pathlib import PurePosixPath

from table_app.french import short_date

#: Names no document has: partial downloads, locks, sync clients' own files.
IGNORED_PATTERNS = (
    "*.part",
    "*.partial",
    "*.crdownload",
    "*.tmp",
    "*.temp",
    "*.swp",
    "*~",
    "~$*",
    ".~lock.*#",
    ".~*",
    ".syncthing.*",
    "*.nextcloud",
    ".owncloudsync.log",
    "*.owncloud",
    "thumbs.db",
    "desktop.ini",
    # The table's own backups (table-app backup), wherever [backup] folder puts them.
    "table-du-conseil-*.sqlite3",
)

_DATE_PATTERNS = (
    (re.compile(r"^(\d{4})-(\d{2})-(\d{2})\b"), ("y", "m", "d")),
    (re.compile(r"^(\d{2})[-.](\d{2})[-.](\d{4})\b"), ("d", "m", "y")),
)
_ITEM = re.compile(r"^(?:point\s*)?(\d{1,2})\s*(?:[-–—_.):]\s*|\s+)(.*)$", re.IGNORECASE)


def fold(text: str) -> str:
    """Lower case without accents: "Séances" → "seances"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


#: The table's own output lives in the synced folder too and is not a document
#: to ingest: the publication for citizens (``Public/``) and the backups of its
#: database (``Sauvegardes/``, table-app backup's default folder).
PUBLIC_FOLDER = "public"
OWN_FOLDERS = (PUBLIC_FOLDER, "sauvegardes")


#: A member's private notes, exported from a seat (``Élus/<nom>/Notes/``,
#: table_app/notes.py): theirs alone, never a document shown at every seat.
MEMBERS_FOLDER = "elus"
MEMBER_NOTES_FOLDER = "notes"


def is_ignored(rel: PurePosixPath) -> bool:
    """Hidden, temporary and lock names, anything inside a hidden folder, the
    table's own folders (``Public/``, ``Sauvegardes/``) and the members'
    private notes (``Élus/<nom>/Notes/``)."""
    if len(rel.parts) > 1 and fold(rel.parts[0]) in OWN_FOLDERS:
        return True
    if (
        len(rel.parts) > 3
        and fold(rel.parts[0]) == MEMBERS_FOLDER
        and fold(rel.parts[2]) == MEMBER_NOTES_FOLDER
    ):
        return True
    for part in rel.parts:
        if part.startswith("."):
            return True
    name = rel.name.casefold()
    return any(fnmatchcase(name, pattern) for pattern in IGNORED_PATTERNS)


@dataclass(frozen=True)
class Placement:
    """Where a document belongs; ``label`` says it in French for the seats."""

    category: str  # "seance", "archive", "commission", "elu", "autre"
    label: str
    session_date: str | None = None
    item_position: int | None = None
    item_title: str | None = None
    archive_year: int | None = None
    archive_date: str | None = None
    commission: str | None = None


OTHER = Placement("autre", "Autres documents")

#: ``Élus/<nom>/``: each member's folder of the synced cloud (folded names).
MEMBER_FOLDERS = ("elus", "elu", "elues")
#: ``Séances/<date>/Propositions/``: the points councillors propose (sync/inbox.py).
PROPOSALS_FOLDERS = ("propositions", "proposition")


def parse_date(text: str) -> date | None:
    for pattern, order in _DATE_PATTERNS:
        match = pattern.match(text.strip())
        if match:
            parts = dict(zip(order, (int(g) for g in match.groups()), strict=True))
            try:
                return date(parts["y"], parts["m"], parts["d"])
            except ValueError:
                return None
    return None


def classify(rel: PurePosixPath) -> Placement:
    """Place the file at ``rel`` (relative to the documents folder)."""
    folders = rel.parts[:-1]
    if not folders:
        return OTHER
    top = fold(folders[0])
    if top in ("seances", "seance") and len(folders) >= 2:
        return _session(folders[1:])
    if top in ("archives", "archive") and len(folders) >= 2:
        return _archive(folders[1:])
    if top in ("commissions", "commission") and len(folders) >= 2:
        name = folders[1].strip()
        return Placement("commission", f"Commission {name}", commission=name)
    if top in MEMBER_FOLDERS and len(folders) >= 2:
        # A member's own folder (answers, proxy forms, convocations): not a
        # document of the seats' library (sync/inbox.py reads the answers).
        return Placement("elu", f"Dossier de l'élu : {folders[1].strip()}")
    return OTHER


def _session(folders: tuple[str, ...]) -> Placement:
    day = parse_date(folders[0])
    if day is None:
        return OTHER
    label = f"Séance du {short_date(day)}"
    if len(folders) >= 2 and fold(folders[1].strip()) in PROPOSALS_FOLDERS:
        return Placement(
            "seance", f"{label} — propositions des conseillers", session_date=day.isoformat()
        )
    if len(folders) >= 2:
        match = _ITEM.match(folders[1].strip())
        if match:
            position = int(match.group(1))
            title = match.group(2).strip() or None
            item_label = f"{label} — point {position}" + (f" : {title}" if title else "")
            return Placement(
                "seance",
                item_label,
                session_date=day.isoformat(),
                item_position=position,
                item_title=title,
            )
    return Placement("seance", label, session_date=day.isoformat())


def _archive(folders: tuple[str, ...]) -> Placement:
    first = folders[0].strip()
    day = parse_date(first)
    if day is not None:
        return Placement(
            "archive",
            f"Archives {day.year} — {short_date(day)}",
            archive_year=day.year,
            archive_date=day.isoformat(),
        )
    if not re.fullmatch(r"\d{4}", first):
        return Placement("archive", "Archives")
    year = int(first)
    if len(folders) >= 2:
        day = parse_date(folders[1])
        if day is not None:
            return Placement(
                "archive",
                f"Archives {year} — {short_date(day)}",
                archive_year=year,
                archive_date=day.isoformat(),
            )
    return Placement("archive", f"Archives {year}", archive_year=year)
