"""``table-app convocation send|proof``: the console entry point, a real mail server.

The command line reads the computer's clock: the session is put ten days
after today (in the commune's time), so the test says the same on any day.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from demo import DEMO_CONFIG
from screens.cli import main
from table_app.signing import verify_pdf
from tests.convocation.support import BY_EMAIL
from tests.smtp_server import RecordingHandler


def _today() -> datetime:
    return datetime.now(ZoneInfo("Europe/Paris"))


@pytest.fixture
def setup(tmp_path: Path, mail_server: tuple[RecordingHandler, int]) -> tuple[Path, str]:
    """A configuration file with its [smtp] section, and a session convened yesterday."""
    _handler, port = mail_server
    config = tmp_path / "config.toml"
    config.write_text(
        DEMO_CONFIG.read_text(encoding="utf-8")
        + f'\n[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "aucune"\n'
        'sender = "mairie@val-de-sauve.example"\ntimeout = 10\n',
        encoding="utf-8",
    )
    (tmp_path / "documents").mkdir()
    today = _today().date()
    held = (today + timedelta(days=10)).isoformat()
    script = tmp_path / "convocation.jsonl"
    script.write_text(
        json.dumps(
            {
                "cmd": "convene",
                "date": held,
                "convened_on": (today - timedelta(days=1)).isoformat(),
                "time": "18:30",
                "agenda": [
                    {"title": "Budget primitif", "text": "Le conseil adopte le budget."},
                    {"title": "Tarifs de la cantine"},
                ],
            },
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    assert main(["--config", str(config), "session", "play", str(script)]) == 0
    folder = tmp_path / "documents" / "Séances" / held / "01 - Budget primitif"
    folder.mkdir(parents=True)
    (folder / "budget.pdf").write_bytes(b"%PDF-1.4 budget")
    return config, held


def test_send_then_send_again_then_print_the_proof(
    setup: tuple[Path, str],
    mail_server: tuple[RecordingHandler, int],
    capsys: pytest.CaptureFixture[str],
) -> None:
    config, held = setup
    handler, _port = mail_server
    capsys.readouterr()
    assert main(["--config", str(config), "convocation", "send", held]) == 0
    out = capsys.readouterr().out
    assert f"Convocation de la séance {held} (signée)" in out
    assert "Documents de la séance listés : 1" in out
    assert "Sylvie Garnier — courriel (sylvie.garnier@val-de-sauve.example) : envoyé" in out
    assert (
        "Patrick Lemoine — dépôt dans le dossier de l'élu (Élus/Patrick Lemoine/Convocations/"
        f"{held}_convocation.pdf) : déposé"
    ) in out
    assert "21 envoi(s) fait(s) et enregistré(s), 0 déjà fait(s), 0 échec(s)." in out
    assert handler.recipients() == sorted(BY_EMAIL.values())

    assert main(["--config", str(config), "convocation", "send", held]) == 0
    again = capsys.readouterr().out
    assert "(déjà signée, inchangée)" in again
    assert "0 envoi(s) fait(s) et enregistré(s), 21 déjà fait(s), 0 échec(s)." in again
    assert len(handler.received) == len(BY_EMAIL)

    assert main(["--config", str(config), "convocation", "proof", held]) == 0
    proof = capsys.readouterr().out
    assert "Preuve d'envoi de la convocation — Séance du conseil municipal du" in proof
    assert "délai respecté" in proof
    assert "Bernard Rousseau — convoqué(e) le" in proof
    path = Path(proof.split("Preuve d'envoi signée, à imprimer : ")[1].splitlines()[0])
    (signature,) = verify_pdf(path)
    assert signature.ok

    assert main(["--config", str(config), "session", "show", held, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert len(shown["convocations"]) == 21
    assert {c["channel"] for c in shown["convocations"]} == {"dossier", "courriel"}


def test_a_bad_address_is_refused_with_the_member_named(
    setup: tuple[Path, str],
    mail_server: tuple[RecordingHandler, int],
    capsys: pytest.CaptureFixture[str],
) -> None:
    config, held = setup
    handler, _port = mail_server
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            'email = "nathalie.bonnet@val-de-sauve.example"', 'email = "nathalie.bonnet"'
        ),
        encoding="utf-8",
    )
    assert main(["check", str(config)]) == 0  # a warning: the table still starts
    checked = capsys.readouterr().out
    assert (
        "ATTENTION members[7].email : adresse de courriel invalide : « nathalie.bonnet » "
        "(Nathalie Bonnet)"
    ) in checked
    assert main(["--config", str(config), "convocation", "send", held]) == 1
    err = capsys.readouterr().err
    assert (
        "Convocation non envoyée : adresse de courriel absente ou invalide pour Nathalie Bonnet "
        "(adresse de courriel invalide : « nathalie.bonnet »)"
    ) in err
    assert "Rien n'a été envoyé." in err
    assert handler.received == []


def test_an_unknown_session(setup: tuple[Path, str], capsys: pytest.CaptureFixture[str]) -> None:
    config, _held = setup
    assert main(["--config", str(config), "convocation", "send", "1999-01-01"]) == 1
    assert "Séance inconnue : « 1999-01-01 »" in capsys.readouterr().err
