"""Checking the journal against the anchors held by the signed exports.

Each exported PDF carries the journal event it was built from (session,
sequence number, hash: see ``pdfa``). The files live outside the database
(the export folder, the published folder of the synced cloud, the printed
register), so they witness how far the journal went: if the journal no
longer holds an anchored event with that very hash, its end was cut off or
it was rewritten, which the hash chain alone cannot tell.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from table_app.export.pdfa import JournalAnchor, read_provenance
from table_app.journal import ChainProblem, Journal


@dataclass(frozen=True)
class AnchoredFile:
    path: Path
    anchor: JournalAnchor


def find_anchored(places: Iterable[Path]) -> list[AnchoredFile]:
    """The signed PDFs under ``places`` (files or folders) that carry a journal
    anchor (drafts not yet signed prove nothing: they are left out)."""
    found: list[AnchoredFile] = []
    seen: set[Path] = set()
    for place in places:
        candidates = (
            sorted(place.rglob("*.pdf")) if place.is_dir() else [place] if place.is_file() else []
        )
        for path in candidates:
            resolved = path.resolve()
            if resolved in seen or path.name.startswith("."):
                continue
            seen.add(resolved)
            try:
                data = path.read_bytes()
            except OSError:
                continue
            if b"/ByteRange" not in data:  # not signed
                continue
            provenance = read_provenance(data)
            if provenance is not None and provenance.anchor is not None:
                found.append(AnchoredFile(path, provenance.anchor))
    return found


def check_anchors(journal: Journal, anchored: Iterable[AnchoredFile]) -> list[ChainProblem]:
    """One problem per anchored event that the journal no longer holds as it was."""
    problems: list[ChainProblem] = []
    last = journal.last_seq()
    checked: dict[tuple[int, str], ChainProblem | None] = {}
    for entry in sorted(anchored, key=lambda a: (a.anchor.seq, str(a.path))):
        anchor = entry.anchor
        key = (anchor.seq, anchor.hash)
        if key in checked:
            continue
        event = journal.event_at(anchor.seq)
        problem: ChainProblem | None = None
        if event is None and anchor.seq > last:
            problem = ChainProblem(
                anchor.seq,
                "tronqué",
                f"le fichier signé « {entry.path.name} » a été établi d'après l'événement "
                f"n° {anchor.seq}, mais le journal s'arrête à l'événement n° {last} : "
                "les derniers événements ont été retirés du journal",
            )
        elif event is None:
            problem = ChainProblem(
                anchor.seq,
                "supprimé",
                f"l'événement n° {anchor.seq}, sur lequel repose le fichier signé "
                f"« {entry.path.name} », n'est plus dans le journal",
            )
        elif event.hash != anchor.hash or event.session_id != anchor.session_id:
            problem = ChainProblem(
                anchor.seq,
                "réécrit",
                f"l'événement n° {anchor.seq} du journal n'est plus celui d'après lequel le "
                f"fichier signé « {entry.path.name} » a été établi : le journal a été réécrit",
            )
        checked[key] = problem
        if problem is not None:
            problems.append(problem)
    return problems
