"""Items put on the agenda after the convening (a point added, a councillor's
proposal accepted): on the convocation only when a convocation sent in time
carries them (L2121-10 to L2121-12: the council deliberates on the affairs of
the convocation, sent three clear days before under 3,500 inhabitants).

Driven through the engine with explicit moments, the sendings recorded as
``record_convocation`` records them; the procès-verbal read back from its PDF.
"""

from __future__ import annotations

import pymupdf
import pytest

from table_app.config import Config
from table_app.convocation.proof import proof_text
from table_app.council.engine import Accepted, SessionEngine
from table_app.council.errors import CommandRefused
from table_app.council.state import Item, Session
from table_app.export.convocation_pdf import proof_pdf
from table_app.export.minutes_pdf import proces_verbal_pdf
from table_app.journal import Journal
from table_app.store import Database
from tests.council.test_convocation_notice import PDF, _convene, _everyone
from tests.support import MEMBERS, Run

LATE = (
    "Le point « Voirie communale », ajouté à l'ordre du jour après la convocation, a été "
    "envoyé aux élus le 25/11/2026 : 2 jour(s) franc(s) avant la séance du 28/11/2026, "
    "3 requis. Retirez-le ou ajournez-le avant d'ouvrir la séance (sauf convocation en "
    "urgence, un jour franc au moins)"
)


def _add(run: Run, at: str, kind: str = "deliberation") -> Accepted:
    return run("add_item", title="Voirie communale", kind=kind, at=at)


def _open(run: Run) -> Accepted:
    for member in MEMBERS[:9]:
        run("arrive", member=member, at="19:50")
    return run("open", at="20:02")


def _session(engine: SessionEngine) -> Session:
    return engine.state.sessions["s"]


def _voirie(engine: SessionEngine) -> Item:
    return next(i for i in _session(engine).items if i.title == "Voirie communale")


def _minutes_text(session: Session) -> str:
    with pymupdf.open(stream=proces_verbal_pdf(session, "Val-de-Sauve", "Hérault")) as pdf:
        return " ".join(" ".join(page.get_text().split()) for page in pdf)


def test_points_added_before_the_sending_are_on_the_convocation(
    run: Run, engine: SessionEngine
) -> None:
    _convene(run)
    added = _add(run, "2026-11-20T09:00")
    assert added.warnings == []  # the convocation, still to be sent, will list it
    run(
        "propose_item",
        author="conseiller",
        member="odumas",
        title="Éclairage du stade",
        at="2026-11-20T09:30",
    )
    proposal = next(i for i in _session(engine).items if i.title == "Éclairage du stade")
    assert run("accept_proposal", item=proposal.id, at="2026-11-20T10:00").warnings == []
    _everyone(run, "2026-11-21T10:00")
    opened = _open(run)
    assert opened.event.payload["convoked"] == [{"item": _voirie(engine).id}, {"item": proposal.id}]
    assert not any("après l'envoi de la convocation" in w for w in opened.warnings)
    assert _voirie(engine).from_convocation
    assert proposal.from_convocation
    minutes = _minutes_text(_session(engine))
    assert "Voirie communale" in minutes
    assert "ajouté à l'ordre du jour" not in minutes  # on the convocation, as it was


def test_a_point_added_after_the_sending_and_sent_again_in_time(
    run: Run, engine: SessionEngine
) -> None:
    _convene(run)
    _everyone(run, "2026-11-20T10:00")
    added = _add(run, "2026-11-21T09:00")
    assert added.warnings == [
        "Le point « Voirie communale » ne figurait pas sur la convocation déjà envoyée : "
        "envoyez-la de nouveau à tous les élus, 3 jours francs au moins avant la séance, "
        "pour que le conseil puisse en délibérer"
    ]
    _everyone(run, "2026-11-23T10:00")  # four clear days: 24, 25, 26 and 27
    opened = _open(run)
    assert opened.event.payload["convoked"] == [
        {"item": _voirie(engine).id, "complementary_on": "2026-11-23"}
    ]
    # The session's notice still counts from the first sending of each member.
    assert opened.event.payload["notice"]["convened_on"] == "2026-11-20"
    assert _voirie(engine).from_convocation
    minutes = _minutes_text(_session(engine))
    assert "inscrit à l'ordre du jour par la convocation complémentaire du 23/11/2026" in minutes
    assert "ajouté à l'ordre du jour" not in minutes
    # The opening's « Date de convocation » names the complementary one too.
    position = [i.id for i in _session(engine).agenda()].index(_voirie(engine).id) + 1
    assert (
        "Date de convocation : 20/11/2026 (d'après les envois de la convocation enregistrés au "
        "journal) (7 jours francs, 3 requis : délai respecté). Convocation complémentaire du "
        f"23/11/2026 pour l'examen du point n° {position}."
    ) in minutes


def test_a_point_added_too_late_to_be_sent_in_time_is_said_at_once(run: Run) -> None:
    _convene(run)
    _everyone(run, "2026-11-20T10:00")
    assert _add(run, "2026-11-26T09:00").warnings == [
        "Le point « Voirie communale » ne figurait pas sur la convocation, et il est trop "
        "tard pour l'envoyer aux élus 3 jours francs avant la séance : sauf convocation en "
        "urgence, le conseil ne pourra en délibérer qu'à une séance suivante"
    ]


def test_a_point_sent_again_too_late_holds_the_opening_until_withdrawn(
    run: Run, engine: SessionEngine
) -> None:
    _convene(run)
    _everyone(run, "2026-11-20T10:00")
    _add(run, "2026-11-24T09:00")
    _everyone(run, "2026-11-25T09:00")  # two clear days: 26 and 27
    with pytest.raises(CommandRefused) as refused:
        _open(run)
    assert refused.value.message == LATE
    run("withdraw_item", item=_voirie(engine).id, at="20:03")
    opened = run("open", at="20:04")
    assert "convoked" not in opened.event.payload


def test_a_point_not_sent_again_to_every_member_is_not_on_the_convocation(
    run: Run, engine: SessionEngine
) -> None:
    _convene(run)
    _everyone(run, "2026-11-20T10:00")
    _add(run, "2026-11-21T09:00")
    _everyone(run, "2026-11-22T10:00", but=("eroche",))  # one member never got it
    opened = _open(run)
    assert opened.warnings[-1] == (
        "Ajouté(s) à l'ordre du jour après l'envoi de la convocation, qui ne le(s) porte pas : "
        "« Voirie communale » ; le conseil ne peut délibérer que sur les affaires inscrites "
        "à la convocation"
    )
    assert not _voirie(engine).from_convocation
    minutes = _minutes_text(_session(engine))
    assert "ajouté à l'ordre du jour après l'envoi de la convocation" in minutes
    assert "ajouté à l'ordre du jour en séance" not in minutes


def test_a_point_added_in_session_says_so_in_the_minutes(run: Run, engine: SessionEngine) -> None:
    _convene(run)
    _everyone(run, "2026-11-20T10:00")
    _open(run)
    added = _add(run, "2026-11-28T20:10")
    assert added.warnings == [
        "Le point « Voirie communale » ne figurait pas sur la convocation : "
        "le conseil ne peut délibérer que sur les affaires inscrites"
    ]
    assert _voirie(engine).added_in_session
    assert "ajouté à l'ordre du jour en séance" in _minutes_text(_session(engine))


def test_an_information_point_added_late_does_not_hold_the_opening(run: Run) -> None:
    """No vote, no deliberation: the notice of the affairs does not bind it."""
    _convene(run)
    _everyone(run, "2026-11-20T10:00")
    assert _add(run, "2026-11-24T09:00", kind="information").warnings == []
    _everyone(run, "2026-11-25T09:00")
    assert _open(run).event.type == "session.opened"


def test_on_paper_a_point_added_by_the_day_of_the_convocation_is_on_it(
    run: Run, engine: SessionEngine
) -> None:
    """No sending recorded (a convocation on paper, outside the table): the day
    typed at the convening is the convocation's."""
    _convene(run)
    assert _add(run, "2026-11-20T08:00").warnings == []
    later = run("add_item", title="Columbarium", at="2026-11-22T08:00")
    assert later.warnings == [
        "Le point « Columbarium » ne figurait pas sur la convocation datée du 20/11/2026 : "
        "si elle est déjà partie, envoyez-la de nouveau à tous les élus, 3 jours francs au "
        "moins avant la séance, pour que le conseil puisse en délibérer"
    ]
    opened = _open(run)
    assert opened.event.payload["convoked"] == [{"item": _voirie(engine).id}]
    assert "« Columbarium »" in opened.warnings[-1]


def test_the_journal_replays_what_the_opening_found(
    run: Run, engine: SessionEngine, database: Database, config: Config
) -> None:
    _convene(run)
    _everyone(run, "2026-11-20T10:00")
    _add(run, "2026-11-21T09:00")
    _everyone(run, "2026-11-22T10:00")
    _open(run)
    replayed = SessionEngine(Journal(database), config)
    item = next(i for i in replayed.state.sessions["s"].items if i.title == "Voirie communale")
    assert item.from_convocation
    assert item.convoked_on == "2026-11-22"
    assert item.added_at == "2026-11-21T09:00:00+01:00"
    assert not item.added_in_session


def test_the_proof_of_sending_gives_each_added_point_its_convocation(
    run: Run, engine: SessionEngine
) -> None:
    _convene(run)
    _everyone(run, "2026-11-20T10:00")
    _add(run, "2026-11-21T09:00")
    run("add_item", title="Columbarium", at="2026-11-22T08:00")
    _everyone(run, "2026-11-23T10:00", but=("eroche",))
    voirie = (
        "Point ajouté à l'ordre du jour le 21/11/2026 à 9 h 00 : « Voirie communale » — "
        "la convocation qui le porte n'a pas été envoyée à tous les élus."
    )
    assert voirie in proof_text(_session(engine))
    run(
        "record_convocation",
        author="secretaire",
        member="eroche",
        channel="papier",
        sha256=PDF,
        at="2026-11-24T11:00",
    )
    sent = (
        "« Voirie communale » — convocation complémentaire du 24/11/2026 ; 3 jour(s) franc(s) "
        "avant la séance, 3 requis (délai respecté)."
    )
    text = proof_text(_session(engine))
    assert sent in text
    assert "« Columbarium » — convocation complémentaire du 24/11/2026" in text
    with pymupdf.open(stream=proof_pdf(_session(engine), "Val-de-Sauve", "Hérault")) as pdf:
        printed = " ".join(" ".join(page.get_text().split()) for page in pdf)
    assert sent in printed
