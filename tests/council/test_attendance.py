"""Members in office, arrivals and departures, procurations (L2121-20)."""

import pytest

from table_app.council.engine import SessionEngine
from table_app.council.errors import CommandRefused
from table_app.council.rules import electorate
from tests.support import MAYOR, MEMBERS, Run


def test_arrivals_and_departures_are_timed_in_the_communes_time(
    convened: Run, engine: SessionEngine
) -> None:
    convened("arrive", member="mfabre", at="20:12")
    convened("leave", member="mfabre", at="21:40")
    convened("arrive", member="mfabre", at="2026-11-28T21:55")
    att = engine.state.sessions["s"].attendance["mfabre"]
    assert att.movements == [
        {"at": "2026-11-28T20:12:00+01:00", "kind": "arrivee"},
        {"at": "2026-11-28T21:40:00+01:00", "kind": "depart"},
        {"at": "2026-11-28T21:55:00+01:00", "kind": "arrivee"},
    ]


def test_arriving_twice_or_leaving_unseen_is_refused(convened: Run) -> None:
    convened("arrive", member="mfabre")
    with pytest.raises(CommandRefused, match="Martine Fabre est déjà présent"):
        convened("arrive", member="mfabre")
    with pytest.raises(CommandRefused, match="Nathalie Bonnet n'est pas présent"):
        convened("leave", member="nbonnet")
    with pytest.raises(CommandRefused, match="« inconnu » n'est pas membre du conseil en exercice"):
        convened("arrive", member="inconnu")
    with pytest.raises(CommandRefused, match="est présent\\(e\\) : enregistrez son départ"):
        convened("absent", member="mfabre")


def test_one_proxy_per_holder(convened: Run) -> None:
    convened("proxy", giver="odumas", holder="mfabre")
    with pytest.raises(
        CommandRefused, match="Martine Fabre détient déjà la procuration d'Olivier Dumas"
    ):
        convened("proxy", giver="eroche", holder="mfabre")


def test_one_proxy_per_giver_and_revocation(convened: Run) -> None:
    convened("proxy", giver="odumas", holder="mfabre")
    with pytest.raises(CommandRefused, match="a déjà donné procuration à Martine Fabre"):
        convened("proxy", giver="odumas", holder="nbonnet")
    convened("revoke_proxy", giver="odumas")
    convened("proxy", giver="odumas", holder="nbonnet")
    with pytest.raises(CommandRefused, match="lui-même"):
        convened("proxy", giver="eroche", holder="eroche")
    with pytest.raises(CommandRefused, match="n'a pas donné de procuration"):
        convened("revoke_proxy", giver="eroche")


def test_proxy_does_not_count_while_its_giver_is_present(
    opened: Run, engine: SessionEngine
) -> None:
    session = engine.state.sessions["s"]
    item = session.item("p1")
    assert item is not None
    assert ("odumas", "mfabre") in electorate(session, item).represented
    opened("arrive", member="odumas")
    elect = electorate(session, item)
    assert "odumas" in elect.present
    assert ("odumas", "mfabre") not in elect.represented
    opened("leave", member="odumas")
    assert ("odumas", "mfabre") in electorate(session, item).represented


def test_proxy_given_while_present_is_accepted_with_a_warning(opened: Run) -> None:
    accepted = opened("proxy", giver="icolin", holder="cmeunier")
    assert accepted.warnings == [
        "Isabelle Colin est présent(e) : la procuration ne compte qu'à partir de son départ"
    ]


def test_proxy_counts_only_while_its_holder_is_present(opened: Run, engine: SessionEngine) -> None:
    session = engine.state.sessions["s"]
    item = session.item("p1")
    assert item is not None
    opened("leave", member="mfabre")
    elect = electorate(session, item)
    assert [g for g, _ in elect.represented] == ["eroche"]


def _play_session(
    run: Run, session_id: str, day: str, signed_on: str, illness: bool = False
) -> list[str]:
    run("convene", id=session_id, date=day, convened_on="2026-01-02", agenda=[])
    return run(
        "proxy",
        session=session_id,
        giver="odumas",
        holder="mfabre",
        signed_on=signed_on,
        illness=illness,
    ).warnings


def test_warning_when_a_proxy_serves_a_fourth_consecutive_session(run: Run) -> None:
    days = ["2026-01-15", "2026-02-15", "2026-03-15"]
    for n, day in enumerate(days):
        assert _play_session(run, f"s{n}", day, "2026-01-10") == []
    warnings = _play_session(run, "s3", "2026-04-15", "2026-01-10")
    assert warnings == [
        "Procuration d'Olivier Dumas à Martine Fabre du 10/01/2026 utilisée pour la 4e séance "
        "consécutive : elle n'est valable que pour 3 séances, sauf maladie"
    ]


def test_no_warning_for_illness_or_a_new_proxy(run: Run) -> None:
    for n, day in enumerate(["2026-01-15", "2026-02-15", "2026-03-15"]):
        _play_session(run, f"s{n}", day, "2026-01-10", illness=True)
    assert _play_session(run, "s3", "2026-04-15", "2026-01-10", illness=True) == []
    assert _play_session(run, "s4", "2026-05-15", "2026-05-01") == []


def test_the_mayor_absent_needs_a_president(convened: Run) -> None:
    for member in MEMBERS[1:9]:
        convened("arrive", member=member)
    with pytest.raises(
        CommandRefused, match="Le président de séance \\(Hélène Marchand\\) n'est pas présent"
    ):
        convened("open")
    with pytest.raises(CommandRefused, match="n'est pas présent"):
        convened("set_president", member=MAYOR)
    convened("set_president", member="brousseau")
    assert convened("open").event.payload["president"] == "brousseau"
