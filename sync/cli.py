"""``table-app ingest``, ``search`` and ``status``: the document folder's commands.

They need the domain (the journal, for the deliberation texts) and the folder
(``sync``; ``status`` also reads the paired seats), so they live here, above the domain, and extend its parser
(``table_app.cli``); ``screens.cli`` extends this one in turn.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from table_app import cli as domain
from table_app.cli import config_of, config_or_placeholder, database_url
from table_app.config import Config, default_config_path, xdg_data_dir
from table_app.convocation.cli import set_document_lister
from table_app.convocation.model import SessionDocument
from table_app.council.engine import SessionEngine
from table_app.journal import Journal
from table_app.store import Database, open_database


def _data_dir(args: argparse.Namespace) -> Path:
    path = Path(args.config) if args.config else default_config_path()
    if path.exists():
        return config_of(args).data_dir
    return Path(os.environ.get("TABLE_APP_DATA_DIR") or xdg_data_dir())


def cmd_ingest(args: argparse.Namespace) -> int:
    # Imported here: the other commands start without MuPDF and the workers.
    from sync.library import DocumentLibrary
    from sync.workers import ExtractionPool

    folder = Path(args.folder) if args.folder else config_of(args).documents_folder
    if not folder.is_dir():
        print(f"Dossier introuvable : {folder}", file=sys.stderr)
        return 1
    db = open_database(database_url(args))
    data_dir = _data_dir(args)
    with ExtractionPool(office_profile_dir=data_dir / "libreoffice-profile") as pool:
        library = DocumentLibrary(db, folder, data_dir, pool)
        report = library.reconcile()
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
        return 0
    print(
        f"{folder} : {len(report.added)} ajouté(s), {len(report.updated)} modifié(s), "
        f"{len(report.removed)} retiré(s), {len(report.rejected)} refusé(s), "
        f"{report.unchanged} inchangé(s) ; texte indexé pour {report.indexed} fichier(s)."
    )
    for label, changes in (
        ("Ajouté", report.added),
        ("Modifié", report.updated),
        ("Retiré", report.removed),
    ):
        for change in changes:
            print(f"  {label} : {change.path}")
    for change in report.rejected:
        print(f"  Refusé : {change.path} — {change.reason}")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from sync.search import DeliberationIndexer, search

    db = open_database(database_url(args))
    try:
        # Bring the deliberation texts up to date with the journal first.
        engine = SessionEngine(Journal(db), config_or_placeholder(args))
        indexer = DeliberationIndexer(db, engine)
        indexer.start()
        indexer.stop()
        hits = search(db, args.query, limit=args.limit)
    finally:
        db.dispose()
    if args.json:
        print(json.dumps([hit.to_json() for hit in hits], ensure_ascii=False, indent=2))
        return 0
    if not hits:
        print(f"Aucun résultat pour « {args.query} ».")
        return 0
    for n, hit in enumerate(hits, start=1):
        if hit.kind == "document":
            where = f"page {hit.page} — {hit.path}"
        elif hit.number:
            where = f"délibération n° {hit.number} — séance {hit.session_id}"
        else:
            where = f"délibération non numérotée — séance {hit.session_id}"
        print(f"{n}. {hit.title} — {where}")
        print(f"   {hit.snippet_text()}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from sync.status import table_status

    report = table_status(config_of(args), database_url(args))
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        print(report.text())
    return 0 if report.ok else 1


def _session_documents(config: Config, session_date: str, db: Database) -> list[SessionDocument]:
    """``convocation send``: the files of the session's folder (sync/session_documents.py)."""
    from sync.session_documents import session_documents

    return session_documents(config.documents_folder, session_date, db)


def build_parser() -> argparse.ArgumentParser:
    parser = domain.build_parser()
    set_document_lister(parser, _session_documents)
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    ingest = sub.add_parser("ingest", help="parcourir le dossier des documents une fois")
    ingest.add_argument(
        "folder",
        nargs="?",
        metavar="DOSSIER",
        help="dossier à parcourir (défaut : celui de la configuration)",
    )
    ingest.add_argument("--json", action="store_true")
    ingest.set_defaults(func=cmd_ingest)

    find = sub.add_parser("search", help="rechercher dans les documents et les délibérations")
    find.add_argument("query", metavar="RECHERCHE", help='mots cherchés ("…" : expression exacte)')
    find.add_argument("--json", action="store_true")
    find.add_argument(
        "--limit", type=int, default=20, metavar="N", help="nombre de résultats (défaut : 20)"
    )
    find.set_defaults(func=cmd_search)

    status = sub.add_parser(
        "status",
        help="l'état de la table : base, documents, certificat, sauvegarde, sièges, écrans",
    )
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=cmd_status)

    return parser


def main(argv: Sequence[str] | None = None) -> int:
    return domain.main(argv, parser=build_parser())


if __name__ == "__main__":
    sys.exit(main())
