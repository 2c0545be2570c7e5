"""Votes (L2121-20, L2121-21): counts, majority, casting vote, modes, nominations."""

import pytest

from table_app.council.engine import SessionEngine
from table_app.council.errors import CommandRefused
from tests.support import MAYOR, QUORUM, Run

# The 13 voters of the ``opened`` fixture: 11 present, then 2 represented.
PRESENT = [
    "hmarchand",
    "brousseau",
    "sgarnier",
    "plemoine",
    "mfabre",
    "nbonnet",
    "cmeunier",
    "icolin",
    "dvidal",
    "arenaud",
    "tlacroix",
]
VOTERS = [*PRESENT, "odumas", "eroche"]


def _ballots(pour: int, contre: int, first: str | None = None) -> dict[str, str]:
    order = ([first] if first else []) + [m for m in VOTERS if m != first]
    choices = ["pour"] * pour + ["contre"] * contre
    choices += ["abstention"] * (len(order) - len(choices))
    return dict(zip(order, choices, strict=True))


def test_counts_must_add_up_to_the_votants(opened: Run) -> None:
    opened("take_up", item="p1")
    with pytest.raises(CommandRefused) as refused:
        opened("vote", item="p1", pour=10, contre=1, abstention=1)
    assert refused.value.message == (
        "Le décompte ne correspond pas : 10 pour + 1 contre + 1 abstention(s) = 12, mais "
        "13 votants (11 présents, 2 représentés)"
    )


def test_members_not_taking_part_are_recorded_by_name(opened: Run) -> None:
    opened("take_up", item="p1")
    vote = opened(
        "vote", item="p1", pour=9, contre=2, abstention=0, not_taking_part=["icolin", "odumas"]
    ).event.payload["vote"]
    assert vote["votants"] == 11
    assert vote["not_taking_part"] == ["icolin", "odumas"]
    assert "icolin" not in vote["present_voters"]
    assert ["odumas", "mfabre"] not in vote["represented"]


def test_absolute_majority_of_suffrages_exprimes(opened: Run) -> None:
    opened("take_up", item="p1")
    vote = opened("vote", item="p1", pour=3, contre=2, abstention=8).event.payload["vote"]
    assert vote["result"] == "adopte"  # abstentions do not count
    assert vote["exprimes"] == 5


def test_rejected_when_more_against(opened: Run) -> None:
    opened("take_up", item="p1")
    vote = opened("vote", item="p1", pour=4, contre=6, abstention=3).event.payload
    assert vote["vote"]["result"] == "rejete"
    assert vote["number"] == "2026-001"  # a rejected deliberation is still registered


def test_tie_in_a_show_of_hands_asks_for_the_presidents_vote(opened: Run) -> None:
    opened("take_up", item="p1")
    with pytest.raises(CommandRefused) as refused:
        opened("vote", item="p1", pour=6, contre=6, abstention=1)
    assert refused.value.message == (
        "Égalité des voix (6 pour, 6 contre) : indiquez le vote du président (Hélène Marchand), "
        "dont la voix est prépondérante"
    )
    vote = opened(
        "vote", item="p1", pour=6, contre=6, abstention=1, president_vote="pour"
    ).event.payload["vote"]
    assert vote["result"] == "adopte"
    assert vote["casting_vote"] is True


def test_tie_with_the_president_against_rejects(opened: Run) -> None:
    opened("take_up", item="p1")
    vote = opened(
        "vote", item="p1", pour=6, contre=6, abstention=1, president_vote="contre"
    ).event.payload["vote"]
    assert vote["result"] == "rejete"


def test_public_ballot_needs_a_quarter_of_the_present(opened: Run) -> None:
    with pytest.raises(CommandRefused) as refused:
        opened("request_ballot", item="p1", mode="public", members=["nbonnet", "cmeunier"])
    assert refused.value.message == (
        "Scrutin public non demandé valablement : 2 demandeur(s), il en faut 3 (le quart des 11 "
        "membres présents)"
    )
    opened("request_ballot", item="p1", mode="public", members=["nbonnet", "cmeunier", "icolin"])
    opened("take_up", item="p1")
    with pytest.raises(CommandRefused, match="Le vote doit être public"):
        opened("vote", item="p1", mode="ordinaire", pour=13)
    with pytest.raises(CommandRefused, match="indiquez le vote de chaque membre"):
        opened("vote", item="p1", pour=13)
    with pytest.raises(CommandRefused, match="il manque le vote d'Olivier Dumas, Émilie Roche$"):
        opened("vote", item="p1", ballots=dict.fromkeys(PRESENT, "pour"))
    vote = opened("vote", item="p1", ballots=_ballots(6, 6, first=MAYOR)).event.payload["vote"]
    assert vote["mode"] == "public"
    assert vote["ballots"]["odumas"] == "contre"
    assert vote["president_vote"] == "pour"
    assert vote["result"] == "adopte"  # the president's casting vote
    assert vote["casting_vote"] is True


def test_secret_ballot_wins_and_a_tie_rejects(opened: Run) -> None:
    opened("request_ballot", item="p1", mode="public", members=["nbonnet", "cmeunier", "icolin"])
    with pytest.raises(CommandRefused, match="il en faut 4 \\(le tiers des 11"):
        opened(
            "request_ballot", item="p1", mode="secret", members=["nbonnet", "cmeunier", "icolin"]
        )
    opened(
        "request_ballot",
        item="p1",
        mode="secret",
        members=["nbonnet", "cmeunier", "icolin", "dvidal"],
    )
    opened("take_up", item="p1")
    with pytest.raises(CommandRefused, match="Le vote doit être secret"):
        opened("vote", item="p1", mode="public", ballots=_ballots(7, 6))
    vote = opened("vote", item="p1", pour=6, contre=6, abstention=1).event.payload["vote"]
    assert vote["mode"] == "secret"
    assert vote["result"] == "rejete"
    assert vote["ballots"] == {}


def test_compte_administratif_needs_its_president_and_ties_adopt(opened: Run) -> None:
    opened("take_up", item="p1")
    opened("vote", item="p1", unanimous=True)
    with pytest.raises(CommandRefused, match="Le maire ne peut présider"):
        opened("elect_item_president", item="p2", member=MAYOR)
    opened("take_up", item="p2")
    with pytest.raises(CommandRefused, match="doit d'abord élire le président"):
        opened("vote", item="p2", pour=12)
    opened("elect_item_president", item="p2", member="brousseau")
    with pytest.raises(CommandRefused, match="12 votants"):
        opened("vote", item="p2", pour=13)  # the mayor withdraws for the vote
    vote = opened("vote", item="p2", pour=5, contre=6, abstention=1).event.payload["vote"]
    assert vote["result"] == "rejete"
    assert vote["president"] == "brousseau"


def test_compte_administratif_tie_adopts_even_in_a_secret_ballot(opened: Run) -> None:
    opened("take_up", item="p1")
    opened("vote", item="p1", unanimous=True)
    opened("elect_item_president", item="p2", member="brousseau")
    opened(
        "request_ballot",
        item="p2",
        mode="secret",
        members=["nbonnet", "cmeunier", "icolin", "dvidal"],
    )
    opened("take_up", item="p2")
    vote = opened("vote", item="p2", pour=6, contre=6).event.payload["vote"]
    assert (vote["mode"], vote["result"]) == ("secret", "adopte")


def _to_nomination(opened: Run) -> None:
    opened("take_up", item="p1")
    opened("vote", item="p1", unanimous=True)
    opened("withdraw_item", item="p2")
    opened("take_up", item="p3")


def test_nomination_by_secret_ballot_in_three_rounds(opened: Run) -> None:
    _to_nomination(opened)
    with pytest.raises(CommandRefused, match="se vote par tours"):
        opened("vote", item="p3", pour=13)
    first = opened(
        "nomination_round",
        item="p3",
        votes={"sgarnier": 5, "nbonnet": 5, "plemoine": 1},
        blank_or_null=2,
    ).event.payload
    assert first["round"]["elected"] is None
    assert first["round"]["mode"] == "secret"
    assert "number" not in first
    second = opened(
        "nomination_round", item="p3", votes={"sgarnier": 6, "nbonnet": 6}, blank_or_null=1
    ).event.payload
    assert second["round"]["elected"] is None
    third = opened(
        "nomination_round", item="p3", votes={"sgarnier": 7, "nbonnet": 5}, blank_or_null=1
    ).event.payload
    assert third["round"]["elected"] == "sgarnier"
    assert third["round"]["reason"] == "majorité relative au 3e tour (7 voix)"
    assert third["number"] == "2026-002"


def test_third_round_tie_elects_the_oldest(opened: Run) -> None:
    _to_nomination(opened)
    opened("nomination_round", item="p3", votes={"sgarnier": 6, "nbonnet": 6}, blank_or_null=1)
    opened("nomination_round", item="p3", votes={"sgarnier": 6, "nbonnet": 6}, blank_or_null=1)
    third = opened(
        "nomination_round", item="p3", votes={"sgarnier": 6, "nbonnet": 6}, blank_or_null=1
    ).event.payload["round"]
    assert third["elected"] == "sgarnier"  # born 1970, Nathalie Bonnet 1981
    assert "le plus âgé est élu" in third["reason"]


def test_nomination_by_open_vote_when_the_council_decides_it(opened: Run) -> None:
    opened("decide_open_vote", item="p3")
    _to_nomination(opened)
    first = opened("nomination_round", item="p3", votes={"plemoine": 13}).event.payload
    assert first["round"]["mode"] == "ordinaire"
    assert first["round"]["elected"] == "plemoine"


def test_information_items_are_not_voted(opened: Run, engine: SessionEngine) -> None:
    opened("take_up", item="p4")
    with pytest.raises(CommandRefused, match="ne fait pas l'objet d'un vote"):
        opened("vote", item="p4", unanimous=True)
    # the next item may be taken up right away
    opened("take_up", item="p1")
    assert engine.state.sessions["s"].current_item == "p1"


def test_no_deliberation_before_the_secretary_is_named(convened: Run) -> None:
    for member in QUORUM:
        convened("arrive", member=member)
    convened("open")
    with pytest.raises(CommandRefused, match="Nommez d'abord le ou les secrétaires"):
        convened("take_up", item="p1")
    with pytest.raises(CommandRefused, match="Céline Barbier n'est pas présent"):
        convened("name_secretaries", members=["cbarbier"])
    convened("name_secretaries", members=["nbonnet", "cmeunier"])
    convened("take_up", item="p1")


def test_vote_only_on_the_item_under_discussion(opened: Run) -> None:
    with pytest.raises(CommandRefused, match="n'est pas en discussion"):
        opened("vote", item="p1", unanimous=True)
    opened("take_up", item="p1")
    with pytest.raises(CommandRefused, match="est encore en discussion"):
        opened("take_up", item="p2")
    opened("vote", item="p1", unanimous=True)
    with pytest.raises(CommandRefused, match="il est voté"):
        opened("take_up", item="p1")


def test_numbering_per_year_across_sessions_never_reused(run: Run, engine: SessionEngine) -> None:
    def session(session_id: str, day: str, votes: int) -> list[str]:
        run(
            "convene",
            id=session_id,
            date=day,
            convened_on="2000-01-01",
            agenda=[{"title": f"Point {n}"} for n in range(votes)],
        )
        for member in QUORUM:
            run("arrive", session=session_id, member=member)
        run("open", session=session_id)
        run("name_secretaries", session=session_id, members=["brousseau"])
        numbers = []
        for n in range(1, votes + 1):
            run("take_up", session=session_id, item=f"p{n}")
            numbers.append(
                run("vote", session=session_id, item=f"p{n}", unanimous=True).event.payload[
                    "number"
                ]
            )
        return numbers

    assert session("a", "2026-10-20", 2) == ["2026-001", "2026-002"]
    assert session("b", "2026-11-28", 3) == ["2026-003", "2026-004", "2026-005"]
    assert session("c", "2027-01-15", 1) == ["2027-001"]
    # A fresh engine on the same journal continues the same numbering.
    fresh = SessionEngine(engine.journal, engine.config)
    assert fresh.state.last_number == {2026: 5, 2027: 1}
