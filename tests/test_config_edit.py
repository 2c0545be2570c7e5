"""Changing the configuration file from the table: validated like ``table-app
check``, written whole or not at all, its comments and layout kept."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from table_app import config_edit
from table_app.config import Config, check_config, check_config_text, load_config
from table_app.config_edit import (
    ConfigWriteError,
    edit_config,
    set_printer,
    set_seat_members,
    set_signing_certificate,
)

PRINTING = '\n[printing]\nprinter = "{}"\n'


def _source(config: Config) -> Path:
    assert config.source is not None
    return config.source


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("Registre", True),
        ("Imprimante_Mairie", True),
        ("HP-LaserJet-M404@salle", True),
        ("Imprimante salle", False),
        ("salle/registre", False),
        ("registre#2", False),
        ("", False),
    ],
)
def test_the_printer_is_a_cups_queue_name(config: Config, name: str, valid: bool) -> None:
    path = _source(config)
    text = path.read_text(encoding="utf-8") + PRINTING.format(name)
    checked, problems = check_config_text(text, path)
    errors = [p for p in problems if p.severity == "erreur"]
    if valid:
        assert checked is not None
        assert checked.printer == name
        assert errors == []
    else:
        assert checked is None
        assert [p.key for p in errors] == ["printing.printer"]
        assert errors[0].message == f"nom d'imprimante invalide : {name!r}"
        assert "lpstat -p" in errors[0].fix


def test_check_config_text_says_what_check_config_says_of_the_file(config: Config) -> None:
    path = _source(config)
    assert check_config_text(path.read_text(encoding="utf-8"), path) == check_config(path)
    broken, problems = check_config_text("[commune\nname = 1", path)
    assert broken is None
    assert problems[0].message.startswith("le fichier n'est pas du TOML valide")


def test_a_refused_change_writes_nothing_and_says_every_problem(config: Config) -> None:
    path = _source(config)
    before = path.read_bytes()
    members = [list(s.members) for s in config.seats]
    members[1].append("brousseau")  # already at seat 1
    members[2].append("inconnu")
    result = edit_config(path, set_seat_members(members))
    assert not result.saved
    assert [(p.key, p.message) for p in result.errors] == [
        ("seats[2].members", "« brousseau » est déjà assis à « Siège 1 »"),
        ("seats[3].members", "« inconnu » n'est pas un membre déclaré"),
    ]
    assert path.read_bytes() == before
    assert not [f for f in path.parent.iterdir() if f.name.startswith(".config.toml.tmp")]


def test_a_change_keeps_the_comments_the_layout_and_the_permissions(config: Config) -> None:
    path = _source(config)
    path.chmod(0o640)
    before = path.read_text(encoding="utf-8")
    result = edit_config(path, set_printer("Registre"))
    assert result.saved
    assert result.config is not None
    assert result.config.printer == "Registre"
    after = path.read_text(encoding="utf-8")
    assert after == before + PRINTING.format("Registre")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert load_config(path).printer == "Registre"
    # The same again: nothing to write.
    again = edit_config(path, set_printer("Registre"))
    assert again.unchanged
    assert not again.saved
    # Back to CUPS's default: the section goes as it came.
    assert edit_config(path, set_printer(None)).saved
    assert path.read_text(encoding="utf-8") == before


def test_a_p12_replaces_a_token(config: Config, tmp_path: Path) -> None:
    path = _source(config)
    module = tmp_path / "opensc-pkcs11.so"
    module.write_bytes(b"\x7fELF")
    with path.open("a", encoding="utf-8") as out:
        out.write(
            f'\n[signing]\npkcs11_module = "{module}"  # le pilote\ntoken = "Mairie"\n'
            'key = "signature"\n'
        )
    p12 = tmp_path / "signature.p12"
    p12.write_bytes(b"0")
    result = edit_config(path, set_signing_certificate(str(p12)), env={})
    assert result.saved, result.errors
    section = path.read_text(encoding="utf-8").split("\n[signing]\n")[-1]
    assert section == f'certificate = "{p12}"\n'  # the token's keys gone
    assert load_config(path, env={}).signing_key is not None


def test_a_file_that_cannot_be_written_is_said_in_french(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under kiosk.service, ProtectSystem=strict makes /etc read-only to the table."""
    path = _source(config)
    before = path.read_bytes()

    def read_only(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(config_edit, "atomic_write_bytes", read_only)
    with pytest.raises(ConfigWriteError) as refused:
        edit_config(path, set_printer("Registre"))
    assert str(refused.value) == (
        f"Impossible d'écrire {path} (Read-only file system) : rien n'a été changé. La table "
        f"doit pouvoir écrire dans le dossier {path.parent} (droits du compte de la table ; "
        "avec kiosk.service, ce dossier doit figurer dans ReadWritePaths)."
    )
    assert path.read_bytes() == before


def test_a_file_that_is_not_toml_is_not_touched(config: Config) -> None:
    path = _source(config)
    path.write_text("[commune\n", encoding="utf-8")
    with pytest.raises(ConfigWriteError, match="n'est pas du TOML valide"):
        edit_config(path, set_printer("Registre"))
    assert path.read_text(encoding="utf-8") == "[commune\n"
