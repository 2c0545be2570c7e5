"""``table-app``: the command line of the council table, the domain's part.

Every command that needs neither the document folder nor a screen: check,
session, journal, export, verify, backup, restore, stats. ``sync.cli`` adds the document folder's
commands (ingest, search) and ``screens.cli`` the table and its demo: each
layer extends the parser of the one below, never the other way round.

Messages are in French (the users are the mairie's staff); exit codes are
0 for success, 1 for a refusal or a failed check, 2 for a usage error.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from table_app.config import (
    Config,
    ConfigError,
    check_config,
    default_config_path,
    load_config,
    placeholder_config,
    xdg_data_dir,
)
from table_app.convocation.cli import add_convocation_command
from table_app.council.engine import SessionEngine
from table_app.journal import Journal
from table_app.logs import configure_logging
from table_app.pin_command import add_pin_command
from table_app.report import session_json, session_text
from table_app.script import ScriptError, play_file
from table_app.store import open_database

log = logging.getLogger("table_app.cli")


def config_of(args: argparse.Namespace) -> Config:
    return load_config(Path(args.config) if args.config else None)


def database_url(args: argparse.Namespace) -> str:
    """The store to read: --database, else the config's, else the default one."""
    if args.database:
        return str(args.database)
    if os.environ.get("TABLE_APP_DATABASE_URL"):
        return os.environ["TABLE_APP_DATABASE_URL"]
    path = Path(args.config) if args.config else default_config_path()
    if path.exists():
        return config_of(args).database_url
    return f"sqlite:///{xdg_data_dir() / 'conseil.sqlite3'}"


def data_dir_of(args: argparse.Namespace) -> Path:
    """The data folder: the configuration's, else ``$TABLE_APP_DATA_DIR``, else XDG's."""
    path = Path(args.config) if args.config else default_config_path()
    if path.exists():
        return config_of(args).data_dir
    return Path(os.environ.get("TABLE_APP_DATA_DIR") or xdg_data_dir())


def _engine(args: argparse.Namespace) -> SessionEngine:
    config = config_of(args)
    url = args.database or config.database_url
    return SessionEngine(Journal(open_database(url)), config)


def cmd_check(args: argparse.Namespace) -> int:
    path = Path(args.file) if args.file else (Path(args.config) if args.config else None)
    config, problems = check_config(path)
    where = path or default_config_path()
    errors = [p for p in problems if p.severity == "erreur"]
    for problem in problems:
        print(f"{problem.severity.upper()} {problem}")
    if config is None or errors:
        print(f"\n{where} : {len(errors)} erreur(s) à corriger.")
        return 1
    print(
        f"{where} : configuration valide — {config.commune.name} ({config.commune.population} "
        f"habitants), {len(config.members)} membres en exercice, {len(config.seats)} sièges."
    )
    print(f"Base de données : {config.database_url}")
    return 0


def cmd_session_play(args: argparse.Namespace) -> int:
    engine = _engine(args)
    try:
        result = play_file(
            engine,
            Path(args.file),
            session=args.session,
            author=args.author,
            from_line=args.from_line,
        )
    except ScriptError as error:
        print(f"{args.file}, ligne {error.line_no} : refusé — {error.message}", file=sys.stderr)
        print(
            f"{error.applied} commande(s) avant cette ligne ont été enregistrées. Corrigez la "
            f"ligne {error.line_no}, puis reprenez avec : --from-line {error.line_no}",
            file=sys.stderr,
        )
        return 1
    except OSError as error:
        print(f"Impossible de lire {args.file} : {error.strerror}", file=sys.stderr)
        return 1
    for line_no, warning in result.warnings:
        print(f"ligne {line_no} : attention — {warning}")
    sessions = ", ".join(result.sessions) or "aucune"
    print(f"{result.applied} commande(s) enregistrée(s) ; séance(s) : {sessions}")
    return 0


def cmd_session_show(args: argparse.Namespace) -> int:
    engine = SessionEngine(Journal(open_database(database_url(args))), config_or_placeholder(args))
    session = engine.state.sessions.get(args.id)
    if session is None:
        known = ", ".join(engine.state.sessions) or "aucune"
        print(f"Séance inconnue : « {args.id} ». Séances : {known}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(session_json(session), ensure_ascii=False, indent=2))
    else:
        print(session_text(session))
    return 0


def cmd_session_list(args: argparse.Namespace) -> int:
    engine = SessionEngine(Journal(open_database(database_url(args))), config_or_placeholder(args))
    sessions = sorted(engine.state.sessions.values(), key=lambda s: (s.date, s.id))
    if args.json:
        rows = [
            {"id": s.id, "date": s.date, "title": s.title, "status": s.status.value}
            for s in sessions
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for s in sessions:
        print(f"{s.id}\t{s.title}\t{s.status.value}")
    if not sessions:
        print("Aucune séance enregistrée.")
    return 0


def config_or_placeholder(args: argparse.Namespace) -> Config:
    """Reading the journal needs no valid configuration: a placeholder serves."""
    try:
        return config_of(args)
    except ConfigError:
        return placeholder_config()


def _anchor_places(args: argparse.Namespace) -> list[Path]:
    """Where signed exports are: the paths given, else the configured export and
    public folders (when a configuration is there)."""
    if args.against:
        return [Path(p) for p in args.against]
    try:
        config = config_of(args)
    except ConfigError:
        return []
    return [config.data_dir / "exports", config.documents_folder / "Public" / "Délibérations"]


def cmd_journal_verify(args: argparse.Namespace) -> int:
    from table_app.council.chronology import check_chronology
    from table_app.export.anchors import check_anchors, find_anchored

    url = database_url(args)
    journal = Journal(open_database(url))
    problems = journal.verify()
    count = journal.last_seq()
    anchored = find_anchored(_anchor_places(args))
    problems.extend(check_anchors(journal, anchored))
    # Facts recorded out of order are reported, never reordered: the chain is
    # intact, but a procès-verbal written from them may be wrong.
    disorder = check_chronology(journal.events())
    if args.json:
        print(
            json.dumps(
                {
                    "ok": not problems,
                    "events": count,
                    "anchored_files": len(anchored),
                    "problems": [
                        {"seq": p.seq, "kind": p.kind, "message": p.message} for p in problems
                    ],
                    "warnings": [w.to_json() for w in disorder],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return 1 if problems else 0
    if disorder:
        print(
            f"Attention : {len(disorder)} fait(s) enregistré(s) hors de l'ordre chronologique "
            "(vérifiez le procès-verbal de ces séances) :"
        )
        for warning in disorder:
            print(f"  - {warning.message}")
    if not problems:
        print(f"Journal intact : {count} événement(s), chaîne d'empreintes vérifiée.")
        if anchored:
            highest = max(a.anchor.seq for a in anchored)
            print(
                f"Ancrage vérifié : {len(anchored)} fichier(s) signé(s) établi(s) d'après le "
                f"journal (jusqu'à l'événement n° {highest}), tous retrouvés à l'identique."
            )
        return 0
    print(
        f"Journal ALTÉRÉ : {len(problems)} anomalie(s) sur {count} événement(s).", file=sys.stderr
    )
    for problem in problems:
        print(
            f"  - événement n° {problem.seq} ({problem.kind}) : {problem.message}", file=sys.stderr
        )
    return 1


def cmd_verify(args: argparse.Namespace) -> int:
    from table_app.signing import SELF_SIGNED_NOTICE, SigningError, verify_pdf

    if not args.verbose:  # pyHanko logs its diff analysis of altered files at length
        logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    failures = 0
    for name in args.files:
        print(f"{name} :")
        try:
            reports = verify_pdf(Path(name))
        except SigningError as error:
            print(f"  ÉCHEC — {error}")
            failures += 1
            continue
        if not reports:
            print("  ÉCHEC — aucune signature dans ce fichier.")
            failures += 1
            continue
        for report in reports:
            print(f"  {report.summary}")
            print(f"    signataire : {report.signer_name}")
            print(f"    certificat : empreinte SHA-256 {report.fingerprint}")
            print(f"    émis par : {report.issuer}")
            if report.self_signed:
                print(f"    {SELF_SIGNED_NOTICE}")
        if all(report.ok for report in reports):
            print(
                f"  Résultat : {len(reports)} signature(s) valide(s), aucune modification après signature."
            )
        elif not all(report.intact and report.valid for report in reports):
            print("  Résultat : ÉCHEC — le contenu signé a changé après la signature.")
            failures += 1
        else:
            print("  Résultat : ÉCHEC — le fichier a été modifié après la signature.")
            failures += 1
    return 1 if failures else 0


def cmd_export(args: argparse.Namespace) -> int:
    from table_app.export.session_export import ExportError, export_session

    config = config_of(args)
    engine = SessionEngine(Journal(open_database(args.database or config.database_url)), config)
    session = engine.state.sessions.get(args.session)
    if session is None:
        known = ", ".join(engine.state.sessions) or "aucune"
        print(f"Séance inconnue : « {args.session} ». Séances : {known}", file=sys.stderr)
        return 1
    out = Path(args.out) if args.out else config.data_dir / "exports" / session.id
    try:
        report = export_session(session, config, out, publish_online=not args.no_publish)
    except ExportError as error:
        print(error.message, file=sys.stderr)
        return 1
    print(
        f"Délibérations de la séance {session.id} : {len(report.signed)} signée(s), "
        f"{len(report.kept)} déjà signée(s) et inchangée(s)."
    )
    print(f"Dossier de l'export : {report.folder}")
    if report.published is not None:
        print(f"Publiées dans : {report.published}")
    if report.transmission:
        print(f"Paquet pour la préfecture : {report.folder / 'transmission-prefecture'}")
    for notice in report.notices:
        print(notice)
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from table_app.stats import (
        CACHE_FILE,
        SummaryCache,
        statistics,
        stats_csv,
        stats_json,
        stats_text,
    )

    journal = Journal(open_database(database_url(args)))
    try:  # the summaries kept from the last run: only what is new is read again
        cache = SummaryCache(data_dir_of(args) / CACHE_FILE)
    except ConfigError:  # reading the journal needs no valid configuration
        cache = SummaryCache()
    stats = statistics(journal, args.year, cache)
    if args.json:
        print(json.dumps(stats_json(stats), ensure_ascii=False, indent=2))
    elif args.csv:
        sys.stdout.write(stats_csv(stats, sessions=args.sessions))
    else:
        print(stats_text(stats))
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from table_app.backup import (
        BackupError,
        local_text,
        size_text,
        sqlite_path,
        take_backup,
        write_status,
    )

    config = config_of(args)
    folder = Path(args.to) if args.to else config.backups
    keep = config.backup_keep if args.keep is None else args.keep
    if keep < 1:
        print("--keep : indiquez un nombre de sauvegardes d'au moins 1.", file=sys.stderr)
        return 2
    try:
        result = take_backup(sqlite_path(args.database or config.database_url), folder, keep)
    except BackupError as error:
        write_status(config.data_dir, None, error.message)
        print(f"ÉCHEC de la sauvegarde : {error.message}", file=sys.stderr)
        return 1
    write_status(config.data_dir, result)
    print(
        f"Sauvegarde écrite : {result.path} ({size_text(result.size)}, "
        f"{result.check.events} événement(s), intégrité et chaîne d'empreintes vérifiées)."
    )
    print(
        f"Prise le {local_text(result.taken_at, config.commune.timezone)} (heure de la "
        "commune ; le nom du fichier est en heure UTC)."
    )
    if result.removed:
        names = ", ".join(p.name for p in result.removed)
        print(
            f"{len(result.removed)} sauvegarde(s) plus ancienne(s) supprimée(s) (on en garde "
            f"{keep}) : {names}"
        )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from table_app.backup import (
        BackupError,
        check_backup,
        restore_backup,
        sqlite_path,
    )
    from table_app.heartbeat import HEARTBEAT_FILE, read_heartbeat, try_table_lock

    try:
        config: Config | None = config_of(args)
    except ConfigError:
        config = None
    timezone = config.commune.timezone if config else "Europe/Paris"
    data_dir = data_dir_of(args) if config is None else config.data_dir
    backup = Path(args.file)
    try:
        database = sqlite_path(database_url(args))
    except BackupError as error:
        print(error.message, file=sys.stderr)
        return 1
    check = check_backup(backup)
    if not check.ok:
        print(f"Sauvegarde REFUSÉE : {backup}", file=sys.stderr)
        for problem in check.problems:
            print(f"  - {problem}", file=sys.stderr)
        print(f"La base actuelle ({database}) n'a pas été modifiée.", file=sys.stderr)
        return 1
    print(f"Sauvegarde {backup} : intègre.")
    for line in check.describe(timezone):
        print(f"  {line}")
    lock = try_table_lock(data_dir)
    if lock is None:
        print(
            "La table est ouverte : arrêtez-la d'abord (quittez-la depuis l'écran du maire, "
            "ou sudo systemctl stop table-du-conseil), puis recommencez. Rien n'a été modifié.",
            file=sys.stderr,
        )
        return 1
    with lock:
        heartbeat = read_heartbeat(data_dir / HEARTBEAT_FILE)
        if heartbeat is not None and heartbeat.alive(datetime.now(UTC)):
            print(
                f"La table semble ouverte (signe de vie il y a "
                f"{max(0, round(heartbeat.age(datetime.now(UTC))))} s, processus "
                f"{heartbeat.pid}) : arrêtez-la d'abord, puis recommencez dans 30 secondes. "
                "Rien n'a été modifié.",
                file=sys.stderr,
            )
            return 1
        if not args.yes:
            print(
                f"Remplacer la base actuelle ({database}) par cette sauvegarde ? Une copie de "
                "la base actuelle sera gardée à côté d'elle. [o/N] ",
                end="",
                flush=True,
            )
            answer = sys.stdin.readline().strip().casefold()
            if answer not in ("o", "oui"):
                print(
                    "\nRestauration abandonnée : rien n'a été modifié (--yes pour ne pas "
                    "être interrogé)."
                )
                return 1
        try:
            result = restore_backup(backup, database)
        except BackupError as error:
            print(f"ÉCHEC de la restauration : {error.message}", file=sys.stderr)
            return 1
    print(f"Base restaurée : {database} ({result.check.events} événement(s)).")
    if result.kept_copy is not None:
        print(f"La base d'avant est gardée dans : {result.kept_copy}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="table-app",
        description="Table du conseil : séances du conseil municipal.",
    )
    parser.add_argument(
        "--config",
        help="fichier de configuration TOML (défaut : $TABLE_APP_CONFIG "
        "ou ~/.config/table-du-conseil/config.toml)",
    )
    parser.add_argument(
        "--database", help="URL SQLAlchemy de la base (remplace celle de la configuration)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="journal détaillé")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMANDE")

    check = sub.add_parser("check", help="vérifier le fichier de configuration")
    check.add_argument("file", nargs="?", metavar="CONFIG")
    check.set_defaults(func=cmd_check)

    session = sub.add_parser("session", help="jouer ou afficher une séance")
    session_sub = session.add_subparsers(dest="session_command", required=True, metavar="ACTION")
    play = session_sub.add_parser("play", help="appliquer un script de séance (JSON Lines)")
    play.add_argument("file", metavar="FICHIER")
    play.add_argument("--session", help="séance visée quand le script ne la convoque pas")
    play.add_argument(
        "--author",
        default="secretaire",
        choices=("president", "secretaire", "conseiller"),
        help="rôle de l'auteur des commandes (défaut : secretaire)",
    )
    play.add_argument(
        "--from-line",
        type=int,
        default=1,
        metavar="N",
        help="reprendre à la ligne N (les lignes avant sont déjà enregistrées)",
    )
    play.set_defaults(func=cmd_session_play)
    show = session_sub.add_parser("show", help="afficher l'état d'une séance")
    show.add_argument("id", metavar="ID")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=cmd_session_show)
    listing = session_sub.add_parser("list", help="lister les séances")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_session_list)

    journal = sub.add_parser("journal", help="contrôler le journal")
    journal_sub = journal.add_subparsers(dest="journal_command", required=True, metavar="ACTION")
    verify = journal_sub.add_parser("verify", help="vérifier la chaîne d'empreintes du journal")
    verify.add_argument("--json", action="store_true")
    verify.add_argument(
        "--against",
        nargs="+",
        metavar="PDF_OU_DOSSIER",
        help="exports signés à confronter au journal (défaut : dossiers d'export et de publication)",
    )
    verify.set_defaults(func=cmd_journal_verify)

    verify_pdfs = sub.add_parser("verify", help="vérifier les signatures de fichiers PDF")
    verify_pdfs.add_argument("files", nargs="+", metavar="FICHIER")
    verify_pdfs.set_defaults(func=cmd_verify)

    export = sub.add_parser(
        "export", help="produire, signer et publier les délibérations d'une séance close"
    )
    export.add_argument("session", metavar="SEANCE")
    export.add_argument("--out", metavar="DOSSIER", help="dossier de l'export")
    export.add_argument(
        "--no-publish",
        action="store_true",
        help="ne pas publier dans le dossier public synchronisé",
    )
    export.set_defaults(func=cmd_export)

    add_convocation_command(sub)  # table-app convocation send|proof SEANCE

    backup = sub.add_parser(
        "backup", help="sauvegarder la base (même table ouverte) dans le dossier synchronisé"
    )
    backup.add_argument(
        "--keep",
        type=int,
        metavar="N",
        help="garder les N dernières sauvegardes (défaut : [backup] keep, 14)",
    )
    backup.add_argument(
        "--to",
        metavar="DOSSIER",
        help="dossier des sauvegardes (défaut : [backup] folder, ou Sauvegardes dans le "
        "dossier des documents)",
    )
    backup.set_defaults(func=cmd_backup)

    add_pin_command(sub)  # table-app pin MEMBRE: a member's code for their private notes

    restore = sub.add_parser(
        "restore", help="vérifier une sauvegarde et remettre la base dans son état"
    )
    restore.add_argument("file", metavar="FICHIER", help="la sauvegarde (.sqlite3)")
    restore.add_argument("--yes", action="store_true", help="ne pas demander de confirmation")
    restore.set_defaults(func=cmd_restore)

    stats = sub.add_parser(
        "stats", help="statistiques de participation des élus, d'après le journal"
    )
    stats.add_argument("--year", type=int, metavar="ANNÉE", help="une année (défaut : toutes)")
    stats_format = stats.add_mutually_exclusive_group()
    stats_format.add_argument("--json", action="store_true")
    stats_format.add_argument(
        "--csv", action="store_true", help="tableau des élus en CSV (séparateur point-virgule)"
    )
    stats.add_argument(
        "--sessions", action="store_true", help="avec --csv : le tableau des séances"
    )
    stats.set_defaults(func=cmd_stats)

    return parser


def main(argv: Sequence[str] | None = None, parser: argparse.ArgumentParser | None = None) -> int:
    parser = parser or build_parser()
    args = parser.parse_args(argv)
    configure_logging(args.verbose)
    try:
        return int(args.func(args))
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
