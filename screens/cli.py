"""``table-app``: the whole command line, the console script's entry point.

``table_app.cli`` holds the domain's commands (check, session, journal,
export, verify), ``sync.cli`` adds the document folder's (ingest, search);
this module adds ``run`` and the demo table. Qt is imported only when one of
those runs: ``demo --text`` needs none.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from sync import cli as below
from table_app import cli as domain


def cmd_demo(args: argparse.Namespace) -> int:
    if args.text:
        from demo import run_demo as run_text_demo

        return run_text_demo(Path(args.dir) if args.dir else None)
    from screens.demo import run_demo

    return run_demo(
        Path(args.dir) if args.dir else None,
        Path(args.screenshots) if args.screenshots else None,
        seats_port=args.seats,
    )


def cmd_run(args: argparse.Namespace) -> int:
    from screens.table import run_table

    return run_table(args)


def cmd_seat(args: argparse.Namespace) -> int:
    from screens.remote_seat import run_seat

    return run_seat(args)


def build_parser() -> argparse.ArgumentParser:
    parser = below.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    demo = sub.add_parser("demo", help="la table de démonstration d'une commune de 677 habitants")
    demo.add_argument("--dir", help="dossier de données (défaut : un dossier temporaire)")
    demo.add_argument(
        "--text",
        action="store_true",
        help="sans écran : jouer la séance et afficher son résultat en texte",
    )
    demo.add_argument(
        "--screenshots",
        metavar="DOSSIER",
        help="dossier des captures d'écran (sans écran ; défaut : DIR/captures)",
    )
    demo.add_argument(
        "--seats",
        nargs="?",
        type=int,
        const=8443,
        default=None,
        metavar="PORT",
        help="servir la séance aux sièges en réseau (table-app seat ; port 8443 par défaut)",
    )
    demo.set_defaults(func=cmd_demo)
    run = sub.add_parser("run", help="ouvrir la table : une vue par écran configuré")
    run.add_argument(
        "--windowed",
        action="store_true",
        help="les sept vues en fenêtres sur un seul écran (ordinateur portable)",
    )
    run.add_argument(
        "--list-screens",
        action="store_true",
        help="afficher les noms des écrans branchés et quitter",
    )
    run.add_argument(
        "--seats",
        action="store_true",
        help="servir la séance aux sièges en réseau (ordinateurs des écrans, tablettes appairées)",
    )
    run.add_argument(
        "--seats-port",
        type=int,
        default=8443,
        metavar="PORT",
        help="port du fil des sièges (défaut : 8443)",
    )
    run.set_defaults(func=cmd_run)
    seat = sub.add_parser(
        "seat",
        help="un siège sur son propre ordinateur ou une tablette : suit la table par le réseau",
    )
    seat.add_argument(
        "--dir",
        help="dossier du siège : son identité, la table appairée, les documents reçus "
        "(défaut : ~/.local/share/table-du-conseil/siege)",
    )
    seat.add_argument("--name", help="nom de l'appareil, affiché sur l'écran du maire")
    seat.add_argument(
        "--master",
        metavar="HÔTE:PORT",
        help="adresse de la table (défaut : la trouver sur le réseau, zeroconf)",
    )
    seat.add_argument(
        "--code",
        help="appairer sans écran tactile avec le code affiché sur l'écran du maire",
    )
    seat.add_argument(
        "--member",
        action="append",
        metavar="IDENTIFIANT",
        help="élu assis à ce siège (répétable ; défaut : tous les membres du conseil)",
    )
    seat.add_argument("--windowed", action="store_true", help="en fenêtre, pas en plein écran")
    seat.add_argument(
        "--no-browse", action="store_true", help="ne pas chercher les tables sur le réseau"
    )
    seat.add_argument(
        "--state-file",
        metavar="FICHIER",
        help="écrire dans FICHIER (JSON) ce que le siège détient et affiche, à chaque changement",
    )
    seat.add_argument(
        "--report",
        action="store_true",
        help="écrire une ligne JSON par événement affiché (mesures)",
    )
    seat.set_defaults(func=cmd_seat)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    return domain.main(argv, parser=build_parser())


if __name__ == "__main__":
    sys.exit(main())
