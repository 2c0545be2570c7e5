"""Answers before the session: présent, absent excusé, or a procuration checked
ahead by the same rules as the roll call; and proposals tied to their file."""

import pytest

from table_app.council import rules
from table_app.council.engine import SessionEngine
from table_app.council.errors import CommandRefused
from table_app.council.state import AnswerKind, Presence, Session, SessionStatus
from table_app.export.minutes_pdf import _opening_html
from table_app.report import session_json, session_text
from tests.support import QUORUM, Run


def _session(engine: SessionEngine) -> Session:
    return engine.state.sessions["s"]


def test_an_excuse_given_ahead_marks_the_member_excused(
    convened: Run, engine: SessionEngine
) -> None:
    convened("answer", member="cbarbier", answer="excuse", at="2026-11-24T09:12")
    session = _session(engine)
    assert session.attendance["cbarbier"].status is Presence.EXCUSED
    answer = session.answer_of("cbarbier")
    assert answer is not None
    assert (answer.answer, answer.source, answer.at) == (
        AnswerKind.EXCUSED,
        "secretariat",
        "2026-11-24T09:12:00+01:00",
    )
    # Excused ahead, she comes after all: the roll call takes her arrival.
    convened("arrive", member="cbarbier", at="19:58")
    assert _session(engine).present() >= {"cbarbier"}


def test_a_procuration_given_ahead_counts_from_the_opening(
    convened: Run, engine: SessionEngine
) -> None:
    convened(
        "answer",
        member="odumas",
        answer="procuration",
        holder="mfabre",
        signed_on="2026-11-25",
        at="2026-11-25T18:00",
    )
    for member in QUORUM:
        convened("arrive", member=member, at="19:55")
    convened("open", at="20:00")
    session = _session(engine)
    assert [(p.giver, p.holder, p.signed_on, p.active) for p in session.proxies] == [
        ("odumas", "mfabre", "2026-11-25", True)
    ]
    elect = rules.electorate(session, session.items[0])
    assert ("odumas", "mfabre") in elect.represented
    # The procès-verbal names the giver, the holder and the date of the proxy.
    assert "Olivier Dumas (pouvoir à Martine Fabre, du 25/11/2026)" in _opening_html(session)


def test_a_second_procuration_to_the_same_holder_is_refused_ahead(
    convened: Run, engine: SessionEngine
) -> None:
    convened(
        "answer", member="odumas", answer="procuration", holder="mfabre", signed_on="2026-11-25"
    )
    before = engine.journal.last_seq()
    with pytest.raises(CommandRefused) as refused:
        convened(
            "answer", member="eroche", answer="procuration", holder="mfabre", signed_on="2026-11-26"
        )
    assert refused.value.message == (
        "Martine Fabre détient déjà la procuration d'Olivier Dumas : un membre ne peut détenir "
        "qu'une seule procuration"
    )
    assert engine.journal.last_seq() == before  # nothing recorded
    session = _session(engine)
    assert session.answer_of("eroche") is None
    assert [p.giver for p in session.proxies if p.active] == ["odumas"]


def test_a_holder_known_to_be_away_is_refused_ahead(convened: Run) -> None:
    convened("answer", member="mfabre", answer="excuse")
    with pytest.raises(CommandRefused, match="Martine Fabre a répondu absent\\(e\\) excusé\\(e\\)"):
        convened(
            "answer", member="odumas", answer="procuration", holder="mfabre", signed_on="2026-11-25"
        )
    convened(
        "answer", member="eroche", answer="procuration", holder="tlacroix", signed_on="2026-11-25"
    )
    with pytest.raises(CommandRefused, match="Émilie Roche a lui-même donné procuration"):
        convened(
            "answer", member="odumas", answer="procuration", holder="eroche", signed_on="2026-11-25"
        )


def test_a_procuration_needs_its_signed_date_before_the_session(convened: Run) -> None:
    with pytest.raises(CommandRefused, match="indiquez la date à laquelle elle a été signée"):
        convened("answer", member="odumas", answer="procuration", holder="mfabre")
    with pytest.raises(CommandRefused, match="datée du 29/11/2026, après la séance"):
        convened(
            "answer", member="odumas", answer="procuration", holder="mfabre", signed_on="2026-11-29"
        )


def test_a_later_answer_replaces_the_earlier_one(convened: Run, engine: SessionEngine) -> None:
    convened(
        "answer", member="odumas", answer="procuration", holder="mfabre", signed_on="2026-11-25"
    )
    convened("answer", member="odumas", answer="present")
    session = _session(engine)
    assert [p.active for p in session.proxies] == [False]
    # The holder is free again: another member may give her a procuration.
    convened(
        "answer", member="eroche", answer="procuration", holder="mfabre", signed_on="2026-11-26"
    )
    convened("answer", member="cbarbier", answer="excuse")
    convened("answer", member="cbarbier", answer="present")
    assert session.attendance["cbarbier"].status is Presence.UNKNOWN
    with pytest.raises(CommandRefused, match="La réponse de Céline Barbier est déjà enregistrée"):
        convened("answer", member="cbarbier", answer="present")
    assert [a.member for a in session.answers] == [
        "odumas",
        "odumas",
        "eroche",
        "cbarbier",
        "cbarbier",
    ]


def test_the_same_answer_with_its_signed_form_attaches_the_file(
    convened: Run, engine: SessionEngine
) -> None:
    fields = {"member": "odumas", "answer": "procuration", "holder": "mfabre"}
    convened("answer", signed_on="2026-11-25", **fields)
    form = {"id": 7, "path": "Élus/Olivier Dumas/procuration Martine Fabre.pdf", "hash": "ab" * 32}
    convened("answer", signed_on="2026-11-25", source="dossier", document=form, **fields)
    session = _session(engine)
    answer = session.answer_of("odumas")
    assert answer is not None
    assert (answer.document, answer.source) == (form, "dossier")
    assert [(p.holder, p.active) for p in session.proxies] == [("mfabre", False), ("mfabre", True)]


def test_a_holder_who_answers_absent_is_warned_about(convened: Run) -> None:
    convened(
        "answer", member="odumas", answer="procuration", holder="mfabre", signed_on="2026-11-25"
    )
    accepted = convened("answer", member="mfabre", answer="excuse")
    assert accepted.warnings == [
        "Martine Fabre détient la procuration d'Olivier Dumas : absent(e), il ou elle ne pourra "
        "pas voter à sa place ; Olivier Dumas doit choisir un autre mandataire"
    ]


def test_answers_are_taken_until_the_opening_only(convened: Run, engine: SessionEngine) -> None:
    convened("arrive", member="hmarchand", at="19:50")
    with pytest.raises(CommandRefused, match="déjà présent\\(e\\) dans la salle"):
        convened("answer", member="hmarchand", answer="excuse")
    for member in QUORUM[1:]:
        convened("arrive", member=member, at="19:55")
    convened("open", at="20:00")
    assert _session(engine).status is SessionStatus.OPEN
    with pytest.raises(CommandRefused, match="les réponses avant la séance ne sont plus reçues"):
        convened("answer", member="odumas", answer="excuse")


def test_an_answer_without_a_moment_takes_the_sessions_last_one(
    convened: Run, engine: SessionEngine
) -> None:
    """No hidden clock: the same facts on any day the test runs."""
    convened("answer", member="odumas", answer="excuse")
    answer = _session(engine).answer_of("odumas")
    assert answer is not None
    assert answer.at == "2026-11-20T20:00:00+01:00"  # the convocation's moment


def test_a_proposal_from_a_file_is_tied_to_it_and_recorded_once(
    convened: Run, engine: SessionEngine
) -> None:
    document = {
        "id": 3,
        "path": "Séances/2026-11-28/Propositions/Dumas - Aire de jeux.pdf",
        "hash": "cd" * 32,
    }
    convened(
        "propose_item",
        author="conseiller",
        member="odumas",
        title="Aire de jeux",
        document=document,
    )
    session = _session(engine)
    proposal = session.items[-1]
    assert (proposal.proposed_by, proposal.documents) == ("odumas", [document])
    with pytest.raises(CommandRefused, match="est déjà proposé : point « Aire de jeux »"):
        convened(
            "propose_item",
            author="conseiller",
            member="odumas",
            title="Aire de jeux",
            document={**document, "hash": "ef" * 32},
        )
    convened("accept_proposal", item=proposal.id)
    assert proposal in session.agenda()


def test_session_show_lists_the_answers(convened: Run, engine: SessionEngine) -> None:
    convened("answer", member="cbarbier", answer="excuse")
    convened(
        "answer", member="eroche", answer="procuration", holder="tlacroix", signed_on="2026-11-25"
    )
    text = session_text(_session(engine))
    assert (
        "Réponses avant la séance :\n"
        "  Céline Barbier : absent excusé\n"
        "  Émilie Roche : procuration à Thierry Lacroix, signée le 25/11/2026\n"
    ) in text
    answers = session_json(_session(engine))["answers"]
    assert [(a["member"]["id"], a["answer"]) for a in answers] == [
        ("cbarbier", "excuse"),
        ("eroche", "procuration"),
    ]
