"""Property-based tests: vote arithmetic, and quorum and votants over random
histories of arrivals, departures and procurations, checked against a model
written independently of the engine."""

import itertools

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from table_app.council.engine import SessionEngine
from table_app.council.errors import CommandRefused
from table_app.council.rules import quorum, quorum_required, vote_outcome
from table_app.council.state import ItemKind
from tests.support import MEMBERS

counts = st.integers(min_value=0, max_value=40)


@given(
    pour=counts,
    contre=counts,
    mode=st.sampled_from(["ordinaire", "public", "secret"]),
    president=st.sampled_from([None, "pour", "contre", "abstention"]),
)
def test_majority_of_suffrages_exprimes(
    pour: int, contre: int, mode: str, president: str | None
) -> None:
    outcome = vote_outcome(ItemKind.DELIBERATION, mode, pour, contre, president)
    if pour != contre:
        assert outcome.adopted == (pour > contre)
        assert not outcome.casting_vote
    elif pour == 0 or mode == "secret" or president not in ("pour", "contre"):
        assert not outcome.adopted
    else:
        assert outcome.casting_vote
        assert outcome.adopted == (president == "pour")


@given(pour=counts, contre=counts, mode=st.sampled_from(["ordinaire", "public", "secret"]))
def test_compte_administratif_adopted_unless_a_majority_against(
    pour: int, contre: int, mode: str
) -> None:
    outcome = vote_outcome(ItemKind.COMPTE_ADMINISTRATIF, mode, pour, contre, None)
    assert outcome.adopted == (contre <= pour)


@given(st.integers(min_value=1, max_value=69))
def test_quorum_is_more_than_half_of_members_in_office(in_office: int) -> None:
    required = quorum_required(in_office)
    assert required > in_office / 2
    assert required - 1 <= in_office / 2


member = st.sampled_from(MEMBERS)
action = st.one_of(
    st.tuples(st.just("arrive"), member, st.none()),
    st.tuples(st.just("leave"), member, st.none()),
    st.tuples(st.just("proxy"), member, member),
    st.tuples(st.just("revoke_proxy"), member, st.none()),
)
_session_ids = itertools.count()


@pytest.mark.slow
@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(first=st.sets(member, min_size=5), history=st.lists(action, max_size=45))
def test_quorum_and_votants_follow_a_random_history(
    engine: SessionEngine, first: set[str], history: list
) -> None:
    sid = f"h{next(_session_ids)}"
    engine.execute(
        {
            "cmd": "convene",
            "id": sid,
            "date": "2026-11-28",
            "convened_on": "2026-11-20",
            "agenda": [{"title": "Budget"}],
        }
    )
    present: set[str] = set()
    proxies: dict[str, str] = {}  # giver -> holder, the model's own bookkeeping
    history = [("arrive", m, None) for m in sorted(first)] + history
    for kind, who, other in history:
        command = {"cmd": kind, "session": sid}
        if kind in ("arrive", "leave"):
            command["member"] = who
            lawful = (who not in present) if kind == "arrive" else (who in present)
        elif kind == "proxy":
            command.update(giver=who, holder=other)
            lawful = who != other and who not in proxies and other not in proxies.values()
        else:
            command["giver"] = who
            lawful = who in proxies
        seq_before = engine.state.last_seq
        try:
            engine.execute(command)
        except CommandRefused:
            assert not lawful, (command, present, proxies)
            assert engine.state.last_seq == seq_before  # a refusal records nothing
            continue
        assert lawful, (command, present, proxies)
        if kind == "arrive":
            present.add(who)
        elif kind == "leave":
            present.discard(who)
        elif kind == "proxy":
            proxies[who] = other
        else:
            del proxies[who]

    session = engine.state.sessions[sid]
    check = quorum(session)
    assert check.present == len(present)
    assert check.met == (len(present) >= 8)
    if not check.met or "hmarchand" not in present:
        event("no vote: quorum not met or no president")
        return
    event("vote checked")
    engine.execute({"cmd": "open", "session": sid})
    engine.execute({"cmd": "name_secretaries", "session": sid, "members": ["hmarchand"]})
    engine.execute({"cmd": "take_up", "session": sid, "item": "p1"})
    represented = {g for g, h in proxies.items() if g not in present and h in present}
    votants = len(present) + len(represented)
    with pytest.raises(CommandRefused, match=f"mais {votants} votants"):
        engine.execute({"cmd": "vote", "session": sid, "item": "p1", "pour": votants + 1})
    vote = engine.execute(
        {
            "cmd": "vote",
            "session": sid,
            "item": "p1",
            "pour": votants - 1,
            "contre": 1 if votants else 0,
        }
    ).event.payload["vote"]
    assert vote["votants"] == votants
    assert sorted(vote["present_voters"]) == sorted(present)
    assert {g for g, _ in vote["represented"]} == represented
