"""The convocation's settings: each member's address and consent, the [smtp] server."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from demo import DEMO_CONFIG
from table_app.config import Config, ConfigProblem, check_config_text, email_problem

SMTP = """
[smtp]
host = "smtp.val-de-sauve.example"
security = "{security}"
user = "mairie@val-de-sauve.example"
sender = "mairie@val-de-sauve.example"
"""


def _check(
    tmp_path: Path,
    extra: str = "",
    replace: tuple[str, str] | None = None,
    env: dict[str, str] | None = None,
) -> tuple[Config | None, dict[str, ConfigProblem]]:
    text = DEMO_CONFIG.read_text(encoding="utf-8")
    if replace is not None:
        assert replace[0] in text
        text = text.replace(*replace)
    config, problems = check_config_text(text + extra, tmp_path / "config.toml", env=env or {})
    return config, {p.key: p for p in problems}


def test_the_demo_members_say_who_wants_the_convocation_by_email(tmp_path: Path) -> None:
    config, problems = _check(tmp_path)
    assert config is not None
    members = {m.id: m for m in config.members}
    assert members["sgarnier"].email == "sylvie.garnier@val-de-sauve.example"
    assert members["sgarnier"].electronic_convocation == date(2026, 1, 15)
    assert members["mfabre"].email == "martine.fabre@val-de-sauve.example"
    assert members["mfabre"].electronic_convocation is None  # on paper
    assert members["plemoine"].email is None
    assert sum(1 for m in config.members if m.electronic_convocation) == 6
    assert config.smtp is None
    assert not [k for k in problems if k.startswith(("members", "smtp"))]


@pytest.mark.parametrize(("security", "port"), [("starttls", 587), ("ssl", 465), ("aucune", 25)])
def test_smtp_ports_by_default_and_the_password_from_the_environment(
    tmp_path: Path, security: str, port: int
) -> None:
    config, problems = _check(
        tmp_path, SMTP.format(security=security), env={"TABLE_APP_SMTP_PASSWORD": "s3cret"}
    )
    assert config is not None
    smtp = config.smtp
    assert smtp is not None
    assert (smtp.host, smtp.port, smtp.security) == ("smtp.val-de-sauve.example", port, security)
    assert smtp.user == "mairie@val-de-sauve.example"
    assert smtp.sender == "mairie@val-de-sauve.example"
    assert smtp.password == "s3cret"
    assert "s3cret" not in repr(smtp)
    assert not [k for k in problems if k.startswith("smtp")]


def test_a_missing_password_is_a_warning(tmp_path: Path) -> None:
    config, problems = _check(tmp_path, SMTP.format(security="starttls"))
    assert config is not None
    assert problems["smtp.user"].severity == "attention"
    assert "TABLE_APP_SMTP_PASSWORD" in problems["smtp.user"].message


def test_smtp_errors_name_their_key(tmp_path: Path) -> None:
    broken = """
[smtp]
host = "smtp exemple"
security = "tls"
port = 70000
sender = "mairie"
password = "jamais ici"
"""
    config, problems = _check(tmp_path, broken)
    assert config is None
    assert problems["smtp.host"].severity == "erreur"
    assert "serveur invalide" in problems["smtp.host"].message
    assert problems["smtp.security"].message == "protection de la connexion inconnue : 'tls'"
    assert "starttls" in problems["smtp.security"].fix
    assert problems["smtp.port"].message == "port invalide : 70000"
    assert problems["smtp.sender"].message == "adresse de courriel invalide : « mairie »"
    assert problems["smtp.password"].severity == "attention"
    assert "le mot de passe ne s'écrit jamais ici" in problems["smtp.password"].message
    assert "TABLE_APP_SMTP_PASSWORD" in problems["smtp.password"].fix


def test_member_problems_are_warnings_naming_the_member(tmp_path: Path) -> None:
    config, problems = _check(
        tmp_path,
        replace=(
            'email = "sylvie.garnier@val-de-sauve.example"\nconvocation_electronique = 2026-01-15',
            'email = "sylvie.garnier@"\nconvocation_electronique = "15/01/2026"',
        ),
    )
    assert config is not None  # the table still starts: only the sending refuses
    email = problems["members[3].email"]
    assert email.severity == "attention"
    assert email.message == "adresse de courriel invalide : « sylvie.garnier@ » (Sylvie Garnier)"
    consent = problems["members[3].convocation_electronique"]
    assert consent.severity == "attention"
    assert "Sylvie Garnier" in consent.message
    assert "convocation_electronique = 2026-01-15" in consent.fix


def test_consent_without_an_address_is_a_warning(tmp_path: Path) -> None:
    _config, problems = _check(
        tmp_path,
        replace=('email = "emilie.roche@val-de-sauve.example"\n', ""),
    )
    problem = problems["members[15].email"]
    assert problem.severity == "attention"
    assert problem.message.startswith("Émilie Roche a accepté la convocation électronique")


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("sylvie.garnier@val-de-sauve.example", None),
        ("s.garnier+conseil@mairie.fr", None),
        (None, "aucune adresse de courriel"),
        ("  ", "aucune adresse de courriel"),
        ("sylvie", "adresse de courriel invalide : « sylvie »"),
        ("sylvie@mairie", "adresse de courriel invalide : « sylvie@mairie »"),
        ("sylvie garnier@mairie.fr", "adresse de courriel invalide : « sylvie garnier@mairie.fr »"),
        (
            "sylvie..garnier@mairie.fr",
            "adresse de courriel invalide : « sylvie..garnier@mairie.fr »",
        ),
        (
            "élu@mairie.fr",
            "adresse de courriel avec des lettres accentuées, refusée par la plupart des serveurs : « élu@mairie.fr »",
        ),
    ],
)
def test_email_problem(address: str | None, problem: str | None) -> None:
    assert email_problem(address) == problem
