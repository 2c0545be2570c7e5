"""Quorum at the opening and when each item is taken up (L2121-17)."""

import pytest

from table_app.council.engine import SessionEngine
from table_app.council.errors import CommandRefused
from table_app.council.state import SessionStatus
from tests.support import MEMBERS, Run


def _arrive(run: Run, members: list[str]) -> None:
    for member in members:
        run("arrive", member=member)


def test_opening_refused_without_quorum_with_the_numbers(convened: Run) -> None:
    _arrive(convened, MEMBERS[:7])
    # Proxies never count for the quorum, even handed in before the opening.
    convened("proxy", giver="odumas", holder="mfabre", signed_on="2026-11-25", at="19:59")
    with pytest.raises(CommandRefused) as refused:
        convened("open")
    assert refused.value.message.startswith(
        "Quorum non atteint : 7 présents sur 15 membres en exercice, 8 requis"
    )


def test_lack_of_quorum_is_recorded_and_the_session_reconvened(
    run: Run, engine: SessionEngine
) -> None:
    run(
        "convene",
        id="s",
        date="2026-11-28",
        convened_on="2026-11-20",
        agenda=[{"title": "Budget"}, {"title": "Voirie"}],
    )
    _arrive(run, MEMBERS[:5])
    carence = run("record_lack_of_quorum", at="20:30").event.payload
    assert carence["quorum"]["present"] == 5
    assert engine.state.sessions["s"].status is SessionStatus.NO_QUORUM
    with pytest.raises(CommandRefused, match="trois jours au moins"):
        run("convene", id="r", date="2026-11-30", convened_on="2026-11-28", reconvened_of="s")
    with pytest.raises(CommandRefused, match="ne figurait pas à l'ordre du jour"):
        run(
            "convene",
            id="r",
            date="2026-12-02",
            convened_on="2026-11-28",
            reconvened_of="s",
            agenda=[{"title": "Nouveau point"}],
        )
    run("convene", id="r", date="2026-12-02", convened_on="2026-11-28", reconvened_of="s")
    reconvened = engine.state.sessions["r"]
    assert [i.title for i in reconvened.items] == ["Budget", "Voirie"]
    for member in MEMBERS[:3]:
        run("arrive", session="r", member=member)
    opened = run("open", session="r")
    assert opened.event.payload["quorum"]["met"] is False
    assert opened.event.payload["quorum"]["reconvened"] is True
    run("name_secretaries", session="r", members=[MEMBERS[1]])
    run("take_up", session="r", item="p1")
    vote = run("vote", session="r", item="p1", pour=3).event.payload
    assert vote["vote"]["result"] == "adopte"


def test_a_reconvened_session_needs_quorum_for_an_added_item(run: Run) -> None:
    run("convene", id="s", date="2026-11-28", convened_on="2026-11-20", agenda=[{"title": "A"}])
    run("record_lack_of_quorum")
    run("convene", id="r", date="2026-12-05", convened_on="2026-12-01", reconvened_of="s")
    for member in MEMBERS[:3]:
        run("arrive", session="r", member=member)
    run("open", session="r")
    run("name_secretaries", session="r", members=[MEMBERS[1]])
    run("add_item", session="r", title="Point nouveau")
    with pytest.raises(CommandRefused, match="Quorum non atteint : 3 présents"):
        run("take_up", session="r", item="p2")


def test_carence_refused_when_quorum_is_met_and_reconvene_only_after_carence(
    convened: Run,
) -> None:
    _arrive(convened, MEMBERS[:8])
    with pytest.raises(CommandRefused, match="Le quorum est atteint \\(8 présents, 8 requis\\)"):
        convened("record_lack_of_quorum")
    with pytest.raises(CommandRefused, match="n'a pas été close pour défaut de quorum"):
        convened("convene", id="r", date="2026-12-10", convened_on="2026-12-01", reconvened_of="s")


def test_quorum_checked_again_when_each_item_is_taken_up(opened: Run) -> None:
    for member in ["plemoine", "nbonnet", "cmeunier", "icolin"]:
        opened("leave", member=member)
    with pytest.raises(CommandRefused) as refused:
        opened("take_up", item="p1")
    assert refused.value.message == (
        "Quorum non atteint : 7 présents sur 15 membres en exercice, 8 requis, "
        "pour le point « Point 1 »"
    )


def test_members_with_an_interest_are_not_counted(opened: Run) -> None:
    for member in ["plemoine", "nbonnet", "cmeunier"]:
        opened("leave", member=member)
    opened("declare_interest", item="p1", member="dvidal")  # 8 present, 7 counted
    with pytest.raises(CommandRefused) as refused:
        opened("take_up", item="p1")
    assert refused.value.message == (
        "Quorum non atteint : 7 présents sur 15 membres en exercice, 8 requis "
        "(non comptés pour ce point : Didier Vidal), pour le point « Point 1 »"
    )


def test_quorum_lost_during_the_debate_blocks_the_vote(opened: Run) -> None:
    opened("take_up", item="p1")
    for member in ["plemoine", "nbonnet", "cmeunier", "icolin"]:
        opened("leave", member=member)
    with pytest.raises(CommandRefused, match="Quorum non atteint : 7 présents"):
        opened("vote", item="p1", unanimous=True)


def test_quorum_uses_members_in_office_from_the_configuration(
    run: Run, engine: SessionEngine
) -> None:
    run("convene", id="s", date="2026-11-28", convened_on="2026-11-20", agenda=[])
    assert len(engine.state.sessions["s"].members) == 15
