"""``table-app pin MEMBRE``: give a member their personal code for the private notes.

The code is asked twice (hidden), or read from the standard input when it is
not a terminal (a script); only its scrypt hash is written, into the member's
``[[members]]`` block, with the file's comments kept and the whole file
validated first (``table_app.config_edit``). The table reads it at its next
start.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import Any

from table_app.config import default_config_path, load_config
from table_app.config_edit import ConfigWriteError, edit_config, set_member_pin
from table_app.member_pin import PIN_DIGITS, hash_pin


def add_pin_command(sub: Any) -> None:
    """Declare ``pin`` among ``table-app``'s commands (``sub``: its subparsers)."""
    pin = sub.add_parser(
        "pin",
        help="donner à un élu son code personnel (notes privées aux sièges)",
        description="Demande le code (4 à 8 chiffres) deux fois et n'écrit que son empreinte "
        "dans le bloc [[members]] de l'élu.",
    )
    pin.add_argument("member", metavar="MEMBRE", help="l'identifiant de l'élu (id)")
    pin.set_defaults(func=cmd_pin)


def _ask() -> str | None:
    if not sys.stdin.isatty():
        return sys.stdin.readline().strip()
    first = getpass.getpass("Code personnel (4 à 8 chiffres) : ")
    again = getpass.getpass("Le même code, une seconde fois : ")
    return first if first == again else None


def cmd_pin(args: argparse.Namespace) -> int:
    path = Path(args.config) if args.config else default_config_path()
    config = load_config(path)
    member = next((m for m in config.members if m.id == args.member), None)
    if member is None:
        known = ", ".join(m.id for m in config.members)
        print(f"« {args.member} » n'est pas un élu du fichier (élus : {known}).", file=sys.stderr)
        return 1
    code = _ask()
    if code is None:
        print("Les deux codes tapés diffèrent : rien n'a été changé.", file=sys.stderr)
        return 1
    if not PIN_DIGITS.match(code):
        print("Un code personnel a de 4 à 8 chiffres : rien n'a été changé.", file=sys.stderr)
        return 1
    try:
        result = edit_config(path, set_member_pin(member.id, hash_pin(code)))
    except ConfigWriteError as error:
        print(error, file=sys.stderr)
        return 1
    if not result.saved:
        for problem in result.errors:
            print(problem, file=sys.stderr)
        return 1
    print(
        f"Code personnel de {member.name} enregistré dans {path} (son empreinte seulement). "
        "La table le prend en compte à son prochain démarrage."
    )
    return 0


__all__ = ["add_pin_command", "cmd_pin"]
