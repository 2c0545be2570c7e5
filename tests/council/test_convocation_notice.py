"""The notice at the opening counts from the recorded sendings of the convocation.

Driven through the engine with explicit moments: ``record_convocation`` is the
command the sending records (table_app/convocation/sending.py); here the
sendings are written as the journal would hold them, so the law's arithmetic
is checked alone. The typed ``convened_on`` of each session is chosen to give
the opposite answer, so a test passes only if the recorded sending is used.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from demo import demo_config
from table_app.council.chronology import check_chronology
from table_app.council.engine import Accepted, SessionEngine
from table_app.council.errors import CommandRefused
from table_app.journal import Journal
from table_app.report import session_json
from tests.support import MEMBERS, Run

PDF = "3f" * 32  # the SHA-256 of the convocation sent (64 hex digits)


def _convene(run: Run, convened_on: str = "2026-11-20", **fields: object) -> None:
    run(
        "convene",
        id="s",
        date="2026-11-28",
        convened_on=convened_on,
        at="2026-11-19T18:00",
        agenda=[{"title": "Budget primitif 2027"}],
        **fields,
    )


def _send(run: Run, member: str, at: str, channel: str = "dossier", **fields: object) -> Accepted:
    extra = dict(fields)
    if channel == "courriel":
        extra.setdefault("address", f"{member}@val-de-sauve.example")
        if "error" not in extra:
            extra.setdefault("message_id", f"<{member}.convocation@val-de-sauve.example>")
    return run(
        "record_convocation",
        author="secretaire",
        member=member,
        channel=channel,
        sha256=PDF,
        at=at,
        **extra,
    )


def _everyone(run: Run, at: str, but: tuple[str, ...] = ()) -> None:
    for member in MEMBERS:
        if member not in but:
            _send(run, member, at)


def _quorum(run: Run) -> None:
    for member in MEMBERS[:9]:
        run("arrive", member=member, at="19:50")


def test_sent_four_clear_days_before_is_accepted_at_the_opening(
    run: Run, engine: SessionEngine
) -> None:
    # Typed alone, 26/11 would leave one clear day: refused. The sendings say 23/11.
    _convene(run, convened_on="2026-11-26")
    _everyone(run, "2026-11-23T10:00")
    _quorum(run)
    opened = run("open", at="20:02")
    notice = opened.event.payload["notice"]
    assert notice["convened_on"] == "2026-11-23"
    assert notice["clear_days"] == 4  # 24, 25, 26 and 27 November
    assert notice["required"] == 3
    assert notice["sufficient"] is True
    assert notice["recorded_sending"]["at"] == "2026-11-23T10:00:00+01:00"
    assert notice["recorded_sending"]["channel"] == "dossier"
    session = engine.state.sessions["s"]
    assert session.convocation_date() == "2026-11-23"
    assert not any("Convocation non parvenue" in w for w in opened.warnings)


def test_sent_two_clear_days_before_is_refused_under_3500_inhabitants(run: Run) -> None:
    # Typed alone, 20/11 would leave seven clear days: accepted. The sendings say 25/11.
    _convene(run, convened_on="2026-11-20")
    _everyone(run, "2026-11-25T09:30")
    _quorum(run)
    with pytest.raises(CommandRefused) as refused:
        run("open", at="20:02")
    message = refused.value.message
    assert message.startswith(
        "Délai de convocation insuffisant : 2 jour(s) franc(s) entre l'envoi le 25/11/2026 et "
        "la séance du 28/11/2026, 3 requis pour une commune de 677 habitants"
    )
    assert "d'après les envois enregistrés au journal" in message
    assert "le 25/11/2026 à 9 h 30" in message


def test_the_notice_counts_from_the_last_member_convened(run: Run) -> None:
    _convene(run)
    _everyone(run, "2026-11-23T10:00", but=("eroche",))
    _send(run, "eroche", "2026-11-25T08:00", channel="papier")
    _quorum(run)
    with pytest.raises(
        CommandRefused,
        match=r"le dernier élu convoqué, Émilie Roche, l'a été le 25/11/2026 à 8 h 00 \(papier",
    ):
        run("open", at="20:02")


def test_a_failed_sending_never_counts(run: Run, engine: SessionEngine) -> None:
    _convene(run)
    _everyone(run, "2026-11-23T10:00", but=("eroche",))
    failed = _send(
        run,
        "eroche",
        "2026-11-23T10:01",
        channel="courriel",
        error="adresse refusée par le serveur de courriel (550 5.1.1 inconnue)",
        attempts=1,
    )
    assert failed.event.type == "convocation.failed"
    # A late failure must not shorten the notice either.
    _send(
        run,
        "eroche",
        "2026-11-26T10:00",
        channel="courriel",
        error="serveur injoignable",
        attempts=3,
    )
    session = engine.state.sessions["s"]
    assert [(c.member, c.sent) for c in session.convocations if c.member == "eroche"] == [
        ("eroche", False),
        ("eroche", False),
    ]
    _quorum(run)
    opened = run("open", at="20:02")
    assert opened.event.payload["notice"]["convened_on"] == "2026-11-23"
    assert (
        "Convocation non parvenue d'après le journal (aucun envoi réussi enregistré) : Émilie Roche"
    ) in opened.warnings


def test_a_member_is_convened_by_the_first_sending_a_resend_changes_nothing(run: Run) -> None:
    _convene(run)
    _everyone(run, "2026-11-23T10:00")
    resent = _send(run, "sgarnier", "2026-11-26T11:00", channel="courriel")
    assert resent.warnings == []  # not a first sending: no warning about the notice
    _quorum(run)
    opened = run("open", at="20:02")
    assert opened.event.payload["notice"]["clear_days"] == 4


def test_a_late_first_sending_is_recorded_with_a_warning(run: Run) -> None:
    _convene(run)
    late = _send(run, "odumas", "2026-11-26T18:00")
    assert late.event.type == "convocation.sent"
    assert late.warnings == [
        "Convocation d'Olivier Dumas envoyée le 26/11/2026 : 1 jour(s) franc(s) avant la "
        "séance, 3 requis ; l'ouverture sera refusée sauf urgence déclarée"
    ]


def test_five_clear_days_from_3500_inhabitants(tmp_path, database) -> None:
    config = demo_config(tmp_path / "ville")
    config = replace(config, commune=replace(config.commune, population=4200))
    engine = SessionEngine(Journal(database), config)

    def run(cmd: str, **fields: object) -> Accepted:
        command = {"cmd": cmd, **fields}
        if cmd != "convene":
            command["session"] = "s"
        return engine.execute(command, author="secretaire")

    _convene(run, convened_on="2026-11-20")
    _everyone(run, "2026-11-23T10:00")  # four clear days: enough for a village, not here
    _quorum(run)
    with pytest.raises(
        CommandRefused, match=r"4 jour\(s\) franc\(s\).*5 requis pour une commune de 4200"
    ):
        run("open", at="20:02")


def test_what_a_sending_must_say(run: Run) -> None:
    _convene(run)
    with pytest.raises(CommandRefused, match="64 chiffres hexadécimaux"):
        run(
            "record_convocation",
            member="sgarnier",
            channel="dossier",
            sha256="abc",
            at="2026-11-23T10:00",
        )
    with pytest.raises(
        CommandRefused, match="« channel » doit valoir courriel ou dossier ou papier"
    ):
        _send(run, "sgarnier", "2026-11-23T10:00", channel="pigeon")
    with pytest.raises(CommandRefused, match="n'est pas membre du conseil"):
        _send(run, "inconnu", "2026-11-23T10:00")
    with pytest.raises(CommandRefused, match="sans l'identifiant du message"):
        _send(run, "sgarnier", "2026-11-23T10:00", channel="courriel", message_id=None)
    with pytest.raises(CommandRefused, match="après la séance du 28/11/2026"):
        _send(run, "sgarnier", "2026-11-29T10:00")
    with pytest.raises(CommandRefused, match="Heure refusée"):
        _send(run, "sgarnier", "2026-11-19T17:00")  # before the session was convened
    with pytest.raises(CommandRefused, match="réservé au président de séance ou au secrétariat"):
        run(
            "record_convocation",
            author="conseiller",
            member="sgarnier",
            channel="dossier",
            sha256=PDF,
            at="2026-11-23T10:00",
        )


def test_no_sending_is_recorded_once_the_session_is_open(run: Run) -> None:
    _convene(run)
    _everyone(run, "2026-11-23T10:00")
    _quorum(run)
    run("open", at="20:02")
    with pytest.raises(
        CommandRefused,
        match="Impossible de consigner l'envoi de la convocation : la séance est ouverte",
    ):
        _send(run, "eroche", "2026-11-28T20:03")


def test_the_sendings_replay_from_the_journal(run: Run, engine: SessionEngine, config) -> None:
    _convene(run)
    _everyone(run, "2026-11-23T10:00", but=("eroche",))
    _send(run, "eroche", "2026-11-23T10:05", channel="courriel", error="refusée (550)")
    _send(run, "eroche", "2026-11-24T08:00", channel="courriel")
    live = session_json(engine.state.sessions["s"])
    again = SessionEngine(engine.journal, config)
    assert session_json(again.state.sessions["s"]) == live
    assert [c["seq"] for c in live["convocations"]] == sorted(
        c["seq"] for c in live["convocations"]
    )
    assert live["convocations"][-1]["message_id"] == "<eroche.convocation@val-de-sauve.example>"
    assert check_chronology(engine.journal.events()) == []
