"""``table-app``: the domain's command line plus the commands that open screens.

``table_app.cli`` holds every command that needs no display (check, session,
journal, ingest, search) and imports no Qt; this module adds ``run`` and the
demo table, and is the console script's entry point. Qt is imported only
when one of those commands runs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from table_app import cli as domain


def cmd_demo(args: argparse.Namespace) -> int:
    if args.text:
        return domain.cmd_demo(args)
    from screens.demo import run_demo

    return run_demo(
        Path(args.dir) if args.dir else None, Path(args.screenshots) if args.screenshots else None
    )


def cmd_run(args: argparse.Namespace) -> int:
    from screens.table import run_table

    return run_table(args)


def build_parser() -> argparse.ArgumentParser:
    parser = domain.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    demo = sub.choices["demo"]
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
    run.set_defaults(func=cmd_run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    return domain.main(argv, parser=build_parser())


if __name__ == "__main__":
    sys.exit(main())
