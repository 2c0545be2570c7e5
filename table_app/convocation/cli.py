"""``table-app convocation send|proof SESSION``: the convocation from the command line.

``send`` makes, signs, places and e-mails the convocation of a convened
session (``table_app.convocation.sending``), each sending recorded in the
journal; ``proof`` prints the proof of sending per member and writes it as a
signed PDF. The list of the session's documents needs the document folder:
``sync.cli`` gives the parser its lister (``list_documents``); the domain's
own parser lists none.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from table_app.config import Config
from table_app.convocation.model import ConvocationError, SessionDocument
from table_app.council.engine import SessionEngine
from table_app.council.moments import wall_clock
from table_app.journal import Journal
from table_app.store import Database, open_database

#: ``(config, session_date, database) -> documents``: set by ``sync.cli``.
DocumentLister = Callable[[Config, str, Database], list[SessionDocument]]


def _engine(args: argparse.Namespace) -> tuple[SessionEngine, Config, Database]:
    from table_app.cli import config_of

    config = config_of(args)
    db = open_database(args.database or config.database_url)
    return SessionEngine(Journal(db), config), config, db


def _session(engine: SessionEngine, session_id: str) -> Any:
    session = engine.state.sessions.get(session_id)
    if session is None:
        known = ", ".join(engine.state.sessions) or "aucune"
        print(f"Séance inconnue : « {session_id} ». Séances : {known}", file=sys.stderr)
    return session


def cmd_convocation_send(args: argparse.Namespace) -> int:
    from table_app.convocation.sending import send_convocation

    engine, config, db = _engine(args)
    session = _session(engine, args.session)
    if session is None:
        return 1
    lister: DocumentLister | None = getattr(args, "list_documents", None)
    documents = lister(config, session.date, db) if lister is not None else []

    def record(command: dict[str, Any]) -> object:
        return engine.execute(command, author="secretaire")

    try:
        report = send_convocation(
            session,
            config,
            documents,
            record=record,
            clock=wall_clock,
            members=args.member,
        )
    except ConvocationError as error:
        print(error.message, file=sys.stderr)
        return 1
    if args.json:
        print(
            json.dumps(
                {
                    "session": report.session_id,
                    "pdf": str(report.pdf),
                    "sha256": report.sha256,
                    "signed_now": report.signed,
                    "deliveries": [
                        {
                            "member": d.member,
                            "name": d.name,
                            "channel": d.channel,
                            "sent": d.sent,
                            "skipped": d.skipped,
                            "recorded": d.recorded,
                            "address": d.address,
                            "at": d.at,
                            "message_id": d.message_id,
                            "attempts": d.attempts,
                            "error": d.error,
                        }
                        for d in report.deliveries
                    ],
                    "notices": report.notices,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return 1 if report.failures else 0
    made = "signée" if report.signed else "déjà signée, inchangée"
    print(f"Convocation de la séance {session.id} ({made}) : {report.pdf}")
    print(f"Empreinte SHA-256 : {report.sha256}")
    print(f"Documents de la séance listés : {len(documents)}")
    for line in report.lines():
        print(f"  {line}")
    sent = [d for d in report.deliveries if d.sent and not d.skipped and d.recorded]
    print(
        f"{len(sent)} envoi(s) fait(s) et enregistré(s), "
        f"{sum(1 for d in report.deliveries if d.skipped)} déjà fait(s), "
        f"{len(report.failures)} échec(s)."
    )
    for notice in report.notices:
        print(notice)
    if report.failures:
        print(
            "Échecs : " + ", ".join(f"{d.name} ({d.channel})" for d in report.failures),
            file=sys.stderr,
        )
        print(
            f"Relancez « table-app convocation send {session.id} » une fois la cause corrigée : "
            "seuls les envois manquants seront faits.",
            file=sys.stderr,
        )
    print(f"Preuve d'envoi : table-app convocation proof {session.id}")
    return 1 if report.failures else 0


def cmd_convocation_proof(args: argparse.Namespace) -> int:
    from table_app.convocation.proof import proof_text, signed_proof

    engine, config, _db = _engine(args)
    session = _session(engine, args.session)
    if session is None:
        return 1
    if args.member is not None and args.member not in session.members:
        print(f"« {args.member} » n'est pas membre du conseil pour cette séance.", file=sys.stderr)
        return 1
    print(proof_text(session, args.member))
    path, notices = signed_proof(session, config, Path(args.out) if args.out else None, args.member)
    print(f"\nPreuve d'envoi signée, à imprimer : {path}")
    for notice in notices:
        print(notice)
    return 0


def add_convocation_command(sub: Any) -> argparse.ArgumentParser:
    """``table-app convocation send|proof``, on the parser's subcommands."""
    convocation = sub.add_parser(
        "convocation", help="envoyer la convocation d'une séance et en prouver l'envoi"
    )
    actions = convocation.add_subparsers(
        dest="convocation_command", required=True, metavar="ACTION"
    )
    send = actions.add_parser(
        "send",
        help="produire, signer, déposer dans le dossier de chaque élu et envoyer par courriel "
        "la convocation",
    )
    send.add_argument("session", metavar="SEANCE")
    send.add_argument(
        "--member",
        action="append",
        metavar="IDENTIFIANT",
        help="seulement cet élu (répétable ; défaut : tous les membres)",
    )
    send.add_argument("--json", action="store_true")
    send.set_defaults(func=cmd_convocation_send)
    proof = actions.add_parser(
        "proof", help="la preuve d'envoi de la convocation, par élu (texte et PDF signé)"
    )
    proof.add_argument("session", metavar="SEANCE")
    proof.add_argument("--member", metavar="IDENTIFIANT", help="la preuve d'un seul élu")
    proof.add_argument("--out", metavar="FICHIER", help="où écrire le PDF signé")
    proof.set_defaults(func=cmd_convocation_proof)
    return convocation


def set_document_lister(parser: argparse.ArgumentParser, lister: DocumentLister) -> None:
    """Give ``convocation send`` its list of the session's documents (``sync.cli``)."""
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    convocation = sub.choices["convocation"]
    actions = next(a for a in convocation._actions if isinstance(a, argparse._SubParsersAction))
    actions.choices["send"].set_defaults(list_documents=lister)


__all__ = ["add_convocation_command", "set_document_lister"]
