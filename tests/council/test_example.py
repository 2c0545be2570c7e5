"""The worked example at the end of council-rules.md, step by step."""

from tests.support import MAYOR, QUORUM, Run


def test_budget_item_of_the_example(opened: Run) -> None:
    # 15 in office, 11 present, 2 represented: 13 votants; 10 pour, 1 contre, 2 abst.
    taken = opened("take_up", item="p1")
    assert taken.event.payload["quorum"] == {
        "present": 11,
        "in_office": 15,
        "required": 8,
        "met": True,
        "excluded": [],
        "reconvened": False,
    }
    vote = opened("vote", item="p1", pour=10, contre=1, abstention=2).event.payload
    assert vote["vote"]["votants"] == 13
    assert len(vote["vote"]["present_voters"]) == 11
    assert vote["vote"]["represented"] == [["odumas", "mfabre"], ["eroche", "tlacroix"]]
    assert vote["vote"]["result"] == "adopte"
    assert vote["number"] == "2026-001"


def _to_compte_administratif(opened: Run) -> None:
    opened("take_up", item="p1")
    opened("vote", item="p1", unanimous=True)
    opened("elect_item_president", item="p2", member="brousseau")


def test_compte_administratif_of_the_example(opened: Run) -> None:
    _to_compte_administratif(opened)
    taken = opened("take_up", item="p2").event.payload
    assert taken["quorum"]["present"] == 10  # the mayor is not counted
    assert taken["quorum"]["met"] is True
    assert taken["quorum"]["excluded"] == [MAYOR]
    vote = opened("vote", item="p2", pour=6, contre=6).event.payload["vote"]
    assert vote["votants"] == 12  # 10 present + 2 represented
    assert vote["result"] == "adopte"
    assert "pas de majorité contre" in vote["reason"]
    assert dict(vote["set_aside"]) == {
        MAYOR: "le maire se retire pour le vote du compte administratif"
    }


def test_proxy_held_by_the_mayor_is_lost_on_the_compte_administratif(opened: Run) -> None:
    opened("revoke_proxy", giver="odumas", at="20:02")
    opened("proxy", giver="odumas", holder=MAYOR, signed_on="2026-11-28", at="20:03")
    _to_compte_administratif(opened)
    opened("take_up", item="p2")
    vote = opened("vote", item="p2", pour=6, contre=5).event.payload["vote"]
    assert vote["votants"] == 11  # 10 present + eroche by tlacroix; odumas's vote lost
    assert vote["represented"] == [["eroche", "tlacroix"]]
    assert "odumas" in dict(vote["set_aside"])


def test_notice_of_the_example_is_three_clear_days(run: Run) -> None:
    # Sent on the 24th for the 28th: 25, 26, 27 are three clear days.
    run("convene", id="s", date="2026-11-28", convened_on="2026-11-24", agenda=[])
    run("arrive", member=MAYOR)
    for member in QUORUM[1:]:
        run("arrive", member=member)
    opened = run("open").event.payload
    assert opened["notice"]["clear_days"] == 3
    assert opened["notice"]["required"] == 3
    assert opened["quorum"]["present"] == 8
