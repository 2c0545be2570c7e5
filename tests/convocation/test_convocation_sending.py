"""Sending the convocation: a real SMTP server on loopback, real folders, the real journal.

The clock is the test's (``Ticking``): the convocation of the session of
28 November 2026 goes out on 23 November, whatever day the suite runs.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pymupdf
import pytest

from sync.session_documents import session_documents
from table_app.config import Config, SmtpSettings
from table_app.convocation.mail import SmtpMailer
from table_app.convocation.model import ConvocationError, ConvocationReport
from table_app.convocation.sending import member_folder, send_convocation
from table_app.council.engine import SessionEngine
from table_app.council.state import Session
from table_app.export.convocation_pdf import convened_items
from table_app.export.session_export import check_signatures
from table_app.journal import Event
from tests.convocation.support import BY_EMAIL, SESSION, Ticking
from tests.smtp_server import RecordingHandler, free_port
from tests.support import MEMBERS, cut_in_half, overwrite_signature_contents

SENDING = "2026-11-23T09:00:00+01:00"


def _send(
    engine: SessionEngine,
    session: Session,
    config: Config,
    *,
    clock: Ticking | None = None,
    mailer: SmtpMailer | None = None,
    **kwargs: Any,
) -> ConvocationReport:
    documents = session_documents(config.documents_folder, session.date)
    return send_convocation(
        session,
        config,
        documents,
        record=lambda command: engine.execute(command, author="secretaire"),
        clock=clock or Ticking(SENDING),
        mailer=mailer,
        **kwargs,
    )


def _events(engine: SessionEngine, kind: str) -> list[Event]:
    return [e for e in engine.journal.events() if e.type == kind]


def _fast(config: Config, sleeps: list[float] | None = None) -> SmtpMailer:
    """The real mailer, its pauses between attempts recorded instead of slept."""
    assert config.smtp is not None
    return SmtpMailer(
        config.smtp, backoff=0.5, sleep=(sleeps.append if sleeps is not None else lambda _s: None)
    )


def test_the_consenting_members_receive_the_signed_pdf_by_email(
    engine: SessionEngine,
    convened: Session,
    mail_config: Config,
    mail_server: tuple[RecordingHandler, int],
    session_folder: Path,
) -> None:
    handler, _port = mail_server
    report = _send(engine, convened, mail_config)
    assert report.failures == []
    # Exactly the members who asked for it, one message each.
    assert handler.recipients() == sorted(BY_EMAIL.values())
    assert len(handler.received) == len(BY_EMAIL)
    pdf = report.pdf.read_bytes()
    digest = hashlib.sha256(pdf).hexdigest()
    assert digest == report.sha256
    sent = {e.payload["member"]: e for e in _events(engine, "convocation.sent")}
    by_address = {address: member for member, address in BY_EMAIL.items()}
    for message in handler.received:
        (address,) = message.rcpt_tos
        member = by_address[address]
        name, attached = message.pdf()
        assert name == f"{SESSION}_convocation.pdf"
        assert attached == pdf
        assert message.mail_from == "mairie@val-de-sauve.example"
        headers = message.message
        assert headers["Subject"] == (
            "Convocation au conseil municipal du samedi 28 novembre 2026 à 20 h 00"
        )
        assert "Mairie de Val-de-Sauve" in str(headers["From"])
        body = headers.get_body(preferencelist=("plain",))
        assert body is not None
        text = body.get_content()
        assert "Décision modificative n° 2 du budget principal 2026" in text
        assert f"Empreinte SHA-256 de la convocation jointe : {digest}" in text
        # The journal's event for this mail: its PDF's SHA-256 and its Message-ID.
        mails = [
            e
            for e in _events(engine, "convocation.sent")
            if e.payload["member"] == member and e.payload["channel"] == "courriel"
        ]
        assert len(mails) == 1
        payload = mails[0].payload
        assert payload["sha256"] == hashlib.sha256(attached).hexdigest()
        assert payload["message_id"] == headers["Message-ID"]
        assert payload["address"] == address
        assert payload["at"].startswith("2026-11-23T09:")
        assert payload["attempts"] == 1
    assert set(sent) == set(MEMBERS)
    assert _events(engine, "convocation.failed") == []


def test_every_member_finds_it_in_their_folder(
    engine: SessionEngine,
    convened: Session,
    mail_config: Config,
    session_folder: Path,
) -> None:
    report = _send(engine, convened, mail_config)
    pdf = report.pdf.read_bytes()
    deposits = [
        e.payload for e in _events(engine, "convocation.sent") if e.payload["channel"] == "dossier"
    ]
    assert [p["member"] for p in deposits] == MEMBERS  # in the order of the tableau
    for member in mail_config.members:
        placed = member_folder(mail_config, member.name) / f"{SESSION}_convocation.pdf"
        assert placed.read_bytes() == pdf
        payload = next(p for p in deposits if p["member"] == member.id)
        assert payload["address"] == f"Élus/{member.name}/Convocations/{SESSION}_convocation.pdf"
        assert payload["sha256"] == report.sha256
    # Written atomically: no temporary file left behind.
    assert not list((mail_config.documents_folder / "Élus").rglob(".*"))


def test_a_refused_recipient_is_reported_and_recorded_as_failed_never_as_sent(
    engine: SessionEngine,
    convened: Session,
    mail_config: Config,
    mail_server: tuple[RecordingHandler, int],
    session_folder: Path,
) -> None:
    handler, _port = mail_server
    sylvie = BY_EMAIL["sgarnier"]
    handler.refuse[sylvie] = "550 5.1.1 Boîte aux lettres inconnue"
    sleeps: list[float] = []
    report = _send(engine, convened, mail_config, mailer=_fast(mail_config, sleeps))
    # Reported, with the member named and the server's words.
    (failure,) = report.failures
    assert (failure.member, failure.name, failure.channel) == (
        "sgarnier",
        "Sylvie Garnier",
        "courriel",
    )
    assert not failure.sent
    assert "550 5.1.1 Boîte aux lettres inconnue" in (failure.error or "")
    assert "Sylvie Garnier — courriel : ÉCHEC" in "\n".join(report.lines())
    assert "NON convoqué(e) par ce moyen" in failure.outcome
    # A permanent refusal is not retried; the others were delivered.
    assert handler.rcpt_attempts.count(sylvie) == 1
    assert sleeps == []
    assert handler.recipients() == sorted(a for a in BY_EMAIL.values() if a != sylvie)
    # Recorded as failed, never as sent.
    (failed,) = _events(engine, "convocation.failed")
    assert failed.payload["member"] == "sgarnier"
    assert failed.payload["channel"] == "courriel"
    assert "550" in failed.payload["error"]
    assert "message_id" not in failed.payload
    assert not [
        e
        for e in _events(engine, "convocation.sent")
        if e.payload["member"] == "sgarnier" and e.payload["channel"] == "courriel"
    ]
    # Fixed on the server's side, the next run sends only what is missing.
    del handler.refuse[sylvie]
    before = len(handler.received)
    again = _send(engine, convened, mail_config, clock=Ticking("2026-11-23T11:00:00+01:00"))
    assert again.failures == []
    assert [m.rcpt_tos for m in handler.received[before:]] == [[sylvie]]
    done = [d for d in again.deliveries if not d.skipped]
    assert [(d.member, d.channel) for d in done] == [("sgarnier", "courriel")]
    assert again.sha256 == report.sha256  # the same convocation, not a new one
    assert not again.signed


def test_a_temporary_refusal_is_retried_with_a_growing_pause(
    engine: SessionEngine,
    convened: Session,
    mail_config: Config,
    mail_server: tuple[RecordingHandler, int],
    session_folder: Path,
) -> None:
    handler, _port = mail_server
    emilie = BY_EMAIL["eroche"]
    handler.temporary[emilie] = ["451 4.7.1 Réessayez plus tard", "421 4.3.2 Service occupé"]
    sleeps: list[float] = []
    report = _send(engine, convened, mail_config, mailer=_fast(mail_config, sleeps))
    assert report.failures == []
    assert sleeps == [0.5, 1.0]
    mail = next(
        e.payload
        for e in _events(engine, "convocation.sent")
        if e.payload["member"] == "eroche" and e.payload["channel"] == "courriel"
    )
    assert mail["attempts"] == 3
    assert emilie in handler.recipients()


def test_an_unreachable_server_is_retried_then_reported_failed(
    engine: SessionEngine, convened: Session, config: Config, session_folder: Path
) -> None:
    nowhere = replace(
        config,
        smtp=SmtpSettings(
            "127.0.0.1", free_port(), "aucune", "mairie@val-de-sauve.example", timeout=5
        ),
    )
    sleeps: list[float] = []
    report = _send(engine, convened, nowhere, mailer=_fast(nowhere, sleeps))
    failed = _events(engine, "convocation.failed")
    assert sorted(e.payload["member"] for e in failed) == sorted(BY_EMAIL)
    assert all(e.payload["attempts"] == 3 for e in failed)
    assert all("serveur de courriel injoignable" in e.payload["error"] for e in failed)
    assert sleeps == [0.5, 1.0] * len(BY_EMAIL)
    assert sorted(d.member for d in report.failures) == sorted(BY_EMAIL)
    # Not one e-mail recorded as sent; the folders were still written.
    sent = _events(engine, "convocation.sent")
    assert {e.payload["channel"] for e in sent} == {"dossier"}
    assert len(sent) == len(MEMBERS)


@pytest.mark.parametrize(
    ("email", "problem"),
    [
        (None, "Sylvie Garnier (aucune adresse de courriel)"),
        ("sylvie.garnier@", "Sylvie Garnier (adresse de courriel invalide : « sylvie.garnier@ »)"),
    ],
)
def test_an_absent_or_invalid_address_stops_everything_before_sending(
    engine: SessionEngine,
    convened: Session,
    mail_config: Config,
    mail_server: tuple[RecordingHandler, int],
    session_folder: Path,
    email: str | None,
    problem: str,
) -> None:
    handler, _port = mail_server
    members = tuple(
        replace(m, email=email) if m.id == "sgarnier" else m for m in mail_config.members
    )
    broken = replace(mail_config, members=members)
    seq = engine.journal.last_seq()
    with pytest.raises(ConvocationError) as refused:
        _send(engine, convened, broken)
    assert problem in refused.value.message
    assert "Rien n'a été envoyé" in refused.value.message
    assert handler.received == []
    assert handler.rcpt_attempts == []
    assert engine.journal.last_seq() == seq
    assert not (mail_config.documents_folder / "Élus").exists()


def test_without_a_mail_server_nothing_is_sent(
    engine: SessionEngine, convened: Session, config: Config, session_folder: Path
) -> None:
    seq = engine.journal.last_seq()
    with pytest.raises(ConvocationError, match=r"Aucun serveur de courriel configuré \(\[smtp\]\)"):
        _send(engine, convened, config)
    assert engine.journal.last_seq() == seq


def test_too_late_for_the_notice_nothing_is_sent(
    engine: SessionEngine,
    convened: Session,
    mail_config: Config,
    mail_server: tuple[RecordingHandler, int],
    session_folder: Path,
) -> None:
    handler, _port = mail_server
    seq = engine.journal.last_seq()
    with pytest.raises(ConvocationError) as refused:
        _send(engine, convened, mail_config, clock=Ticking("2026-11-26T09:00:00+01:00"))
    assert refused.value.message.startswith(
        "Trop tard pour convoquer à la séance du 28/11/2026 : envoyée le 26/11/2026, la "
        "convocation laisserait 1 jour(s) franc(s) (3 jours francs pour une commune de 677 "
        "habitants, sauf urgence)"
    )
    assert handler.received == []
    assert engine.journal.last_seq() == seq


def test_a_second_run_sends_nothing_twice(
    engine: SessionEngine,
    convened: Session,
    mail_config: Config,
    mail_server: tuple[RecordingHandler, int],
    session_folder: Path,
) -> None:
    handler, _port = mail_server
    first = _send(engine, convened, mail_config)
    seq = engine.journal.last_seq()
    second = _send(engine, convened, mail_config, clock=Ticking("2026-11-24T09:00:00+01:00"))
    assert all(d.skipped for d in second.deliveries)
    assert len(second.deliveries) == len(first.deliveries)
    assert len(handler.received) == len(BY_EMAIL)
    assert engine.journal.last_seq() == seq
    assert second.sha256 == first.sha256


def test_a_changed_agenda_is_sent_again_to_everyone(
    engine: SessionEngine,
    convened: Session,
    mail_config: Config,
    mail_server: tuple[RecordingHandler, int],
    session_folder: Path,
) -> None:
    handler, _port = mail_server
    first = _send(engine, convened, mail_config)
    (session_folder / "Annexe ajoutée.pdf").write_bytes(b"%PDF-1.4 annexe")
    second = _send(engine, convened, mail_config, clock=Ticking("2026-11-24T09:00:00+01:00"))
    assert second.sha256 != first.sha256
    assert second.signed
    assert "La convocation a changé depuis l'envoi précédent" in "\n".join(second.notices)
    assert len(handler.received) == 2 * len(BY_EMAIL)
    assert not any(d.skipped for d in second.deliveries)


def test_a_point_added_after_the_sending_goes_out_as_a_complementary_convocation(
    engine: SessionEngine,
    convened: Session,
    mail_config: Config,
    mail_server: tuple[RecordingHandler, int],
    session_folder: Path,
) -> None:
    handler, _port = mail_server
    _send(engine, convened, mail_config, clock=Ticking("2026-11-21T09:00:00+01:00"))
    first_pdf = handler.received[0].pdf()[1]
    engine.execute(
        {
            "cmd": "add_item",
            "session": SESSION,
            "title": "Voirie communale",
            "at": "2026-11-22T09:00",
        }
    )
    session = engine.state.sessions[SESSION]
    second = _send(engine, session, mail_config, clock=Ticking("2026-11-23T09:00:00+01:00"))
    assert second.failures == []
    position = len(convened_items(session))  # added at the end of the ordre du jour
    mails = handler.received[len(BY_EMAIL) :]
    assert len(mails) == len(BY_EMAIL)
    for mail in mails:
        headers = mail.message
        assert headers["Subject"] == (
            "Convocation complémentaire au conseil municipal du samedi 28 novembre 2026 à 20 h 00"
        )
        body = headers.get_body(preferencelist=("plain",))
        assert body is not None
        text = body.get_content()
        assert "Vous trouverez ci-joint la convocation complémentaire, signée" in text
        assert (
            f"Elle complète la convocation du 21/11/2026 : elle y ajoute le point n° {position} "
            "de l'ordre du jour ci-dessous." in text
        )
        assert f"  {position}. Voirie communale (point ajouté)" in text
        assert text.count("(point ajouté)") == 1  # the points of the first one are not marked
    # The signed PDF itself says it, read back as a councillor would.
    with pymupdf.open(stream=mails[0].pdf()[1]) as pdf:
        words = " ".join(" ".join(page.get_text().split()) for page in pdf)
    assert (
        "Convocation complémentaire. Elle complète la convocation du 21/11/2026 : elle y "
        f"ajoute le point n° {position} de l'ordre du jour ci-dessous." in words
    )
    assert f"{position}. Voirie communale (point ajouté)" in words
    # The first convocation said nothing of the kind.
    with pymupdf.open(stream=first_pdf) as pdf:
        first_words = " ".join(" ".join(page.get_text().split()) for page in pdf)
    assert "complémentaire" not in first_words
    assert "point ajouté" not in first_words
    # Run again, nothing added since: the same file (the sendings recorded meanwhile
    # change nothing in it), sent to nobody twice.
    third = _send(engine, session, mail_config, clock=Ticking("2026-11-23T10:00:00+01:00"))
    assert third.sha256 == second.sha256


UNREADABLE = "la signature « Maire » est illisible : fichier tronqué ou modifié"


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda path: overwrite_signature_contents(path, b"0"), UNREADABLE),
        (lambda path: overwrite_signature_contents(path, b"5a3c9e17"), UNREADABLE),
        # Cut in the revision that signed it, after the convocation itself.
        (lambda path: cut_in_half(path, path.read_bytes().index(b"%%EOF")), UNREADABLE),
        # Cut in the convocation itself: nothing says it was signed, but it does not read.
        (cut_in_half, "est un PDF illisible ou endommagé"),
    ],
    ids=["signature-mise-à-zéro", "signature-quelconque", "coupée-dans-sa-signature", "coupée"],
)
def test_a_kept_convocation_whose_signature_cannot_be_checked_is_said_and_signed_again(
    engine: SessionEngine,
    convened: Session,
    mail_config: Config,
    mail_server: tuple[RecordingHandler, int],
    session_folder: Path,
    damage: Callable[[Path], None],
    reason: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    handler, _port = mail_server
    first = _send(engine, convened, mail_config)
    damage(first.pdf)
    with caplog.at_level(logging.WARNING, logger="table_app.convocation"):
        second = _send(engine, convened, mail_config, clock=Ticking("2026-11-24T09:00:00+01:00"))
    # Said to the secretary with its reason, and in the log: never passed over in silence.
    head = f"« {first.pdf.name} » : vérification de la signature impossible ({first.pdf.name} "
    [notice] = [n for n in second.notices if n.startswith(head)]
    assert reason in notice
    assert notice.endswith(") ; la convocation est produite et signée de nouveau.")
    [warning] = [r for r in caplog.records if r.name == "table_app.convocation"]
    assert warning.levelno == logging.WARNING
    assert reason in warning.getMessage()
    assert "produite et signée de nouveau" in warning.getMessage()
    # As before: made and signed again, and the new version sent to everyone.
    assert second.signed
    assert second.pdf == first.pdf
    assert second.sha256 != first.sha256
    assert check_signatures(second.pdf).ok(1)
    assert len(handler.received) == 2 * len(BY_EMAIL)
    assert not any(d.skipped for d in second.deliveries)


def test_a_kept_convocation_that_still_verifies_is_sent_as_it_is_without_a_word(
    engine: SessionEngine,
    convened: Session,
    mail_config: Config,
    session_folder: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    first = _send(engine, convened, mail_config)
    with caplog.at_level(logging.WARNING, logger="table_app.convocation"):
        second = _send(engine, convened, mail_config, clock=Ticking("2026-11-24T09:00:00+01:00"))
    assert not second.signed
    assert second.sha256 == first.sha256
    assert not any("vérification de la signature" in n for n in second.notices)
    assert not [r for r in caplog.records if r.name == "table_app.convocation"]


def test_the_notice_at_the_opening_counts_from_the_sending(
    engine: SessionEngine, mail_config: Config, session_folder: Path
) -> None:
    """Typed, 26/11 would leave one clear day; sent on 23/11, the opening is lawful."""
    engine.execute(
        {
            "cmd": "convene",
            "date": SESSION,
            "convened_on": "2026-11-26",
            "at": "2026-11-22T18:00",
            "agenda": [{"title": "Budget primitif 2027", "text": "Le conseil adopte le budget."}],
        }
    )
    session = engine.state.sessions[SESSION]
    report = _send(engine, session, mail_config)
    assert report.failures == []
    for member in MEMBERS[:9]:
        engine.execute({"cmd": "arrive", "session": SESSION, "member": member, "at": "19:55"})
    opened = engine.execute({"cmd": "open", "session": SESSION, "at": "20:03"})
    notice = opened.event.payload["notice"]
    assert (notice["convened_on"], notice["clear_days"], notice["sufficient"]) == (
        "2026-11-23",
        4,
        True,
    )
    # Once open, the convocation is no longer sent.
    with pytest.raises(ConvocationError, match="la convocation s'envoie avant l'ouverture"):
        _send(engine, session, mail_config, clock=Ticking("2026-11-28T20:10:00+01:00"))


def test_a_clock_behind_the_session_sends_nothing(
    engine: SessionEngine, convened: Session, mail_config: Config, session_folder: Path
) -> None:
    # Convened on 20/11 at 20 h 00 (the demo's line has no "at"): 20/11 at 9 h is before.
    with pytest.raises(ConvocationError, match="précède le dernier événement enregistré"):
        _send(engine, convened, mail_config, clock=Ticking("2026-11-20T09:00:00+01:00"))


def test_one_member_only(
    engine: SessionEngine,
    convened: Session,
    mail_config: Config,
    mail_server: tuple[RecordingHandler, int],
    session_folder: Path,
) -> None:
    handler, _port = mail_server
    report = _send(engine, convened, mail_config, members=["nbonnet"])
    assert [(d.member, d.channel) for d in report.deliveries] == [
        ("nbonnet", "dossier"),
        ("nbonnet", "courriel"),
    ]
    assert handler.recipients() == [BY_EMAIL["nbonnet"]]
    with pytest.raises(ConvocationError, match="« personne » : pas membre du conseil"):
        _send(engine, convened, mail_config, members=["personne"])
