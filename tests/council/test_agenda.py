"""The agenda: add, reorder, withdraw, defer, proposals; texts; suspension and closing."""

import pytest

from table_app.council.engine import SessionEngine
from table_app.council.errors import CommandRefused
from table_app.council.state import ItemStatus, SessionStatus
from tests.support import Run


def _titles(engine: SessionEngine) -> list[str]:
    return [i.title for i in engine.state.sessions["s"].agenda()]


def test_add_and_reorder(convened: Run, engine: SessionEngine) -> None:
    added = convened("add_item", title="Voirie communale", position=2)
    assert added.warnings == []  # the convocation, still to be sent, will list it
    assert _titles(engine) == ["Point 1", "Voirie communale", "Point 2", "Point 3", "Point 4"]
    convened("move_item", item="p1", position=5)
    assert _titles(engine)[-1] == "Point 1"
    with pytest.raises(CommandRefused, match="Position 9 impossible : l'ordre du jour compte 5"):
        convened("move_item", item="p1", position=9)
    with pytest.raises(CommandRefused, match="Point inconnu : « p42 »"):
        convened("move_item", item="p42", position=1)


def test_withdraw_and_defer(opened: Run, engine: SessionEngine) -> None:
    opened("withdraw_item", item="p2")
    opened("take_up", item="p1")
    opened("defer_item", item="p1")  # deferred during its discussion
    session = engine.state.sessions["s"]
    assert session.item("p2").status is ItemStatus.WITHDRAWN  # type: ignore[union-attr]
    assert session.item("p1").status is ItemStatus.DEFERRED  # type: ignore[union-attr]
    assert session.current_item is None
    with pytest.raises(CommandRefused, match="il est retiré"):
        opened("take_up", item="p2")


def test_a_councillors_proposal_waits_for_the_mayor(opened: Run, engine: SessionEngine) -> None:
    proposed = opened(
        "propose_item", author="conseiller", member="nbonnet", title="Éclairage du terrain de sport"
    )
    item_id = proposed.event.payload["item"]["id"]
    assert "Éclairage du terrain de sport" not in _titles(engine)
    with pytest.raises(CommandRefused, match="réservé au président de séance"):
        opened("accept_proposal", author="conseiller", item=item_id)
    with pytest.raises(CommandRefused, match="il est proposé, en attente du maire"):
        opened("take_up", item=item_id)
    opened("accept_proposal", item=item_id, position=1)
    assert _titles(engine)[0] == "Éclairage du terrain de sport"
    other = opened("propose_item", author="conseiller", member="cmeunier", title="Autre")
    opened("refuse_proposal", item=other.event.payload["item"]["id"])
    assert "Autre" not in _titles(engine)


def test_councillors_may_only_propose(opened: Run) -> None:
    with pytest.raises(CommandRefused, match="réservé au président de séance"):
        opened("take_up", author="conseiller", item="p1")
    with pytest.raises(CommandRefused, match="Rôle inconnu"):
        opened("take_up", author="pirate", item="p1")


def test_each_version_of_the_text_is_kept_and_frozen_by_the_vote(
    opened: Run, engine: SessionEngine
) -> None:
    opened("edit_text", item="p1", text="Version 1")
    opened("take_up", item="p1")
    opened("edit_text", item="p1", text="Version 2, amendée en séance")
    with pytest.raises(CommandRefused, match="identique à la version 2"):
        opened("edit_text", item="p1", text="Version 2, amendée en séance")
    opened("vote", item="p1", unanimous=True)
    with pytest.raises(CommandRefused, match="il est voté"):
        opened("edit_text", item="p1", text="Version 3")
    item = engine.state.sessions["s"].item("p1")
    assert item is not None
    assert [(t.version, t.text) for t in item.texts] == [
        (1, "Version 1"),
        (2, "Version 2, amendée en séance"),
    ]
    assert item.text == "Version 2, amendée en séance"


def test_suspension_resumption_and_closing(opened: Run, engine: SessionEngine) -> None:
    opened("suspend", at="21:00")
    with pytest.raises(CommandRefused, match="la séance est suspendue"):
        opened("take_up", item="p1")
    opened("resume", at="21:10")
    opened("take_up", item="p1")
    with pytest.raises(CommandRefused, match="en discussion sans vote"):
        opened("close")
    opened("vote", item="p1", unanimous=True)
    closed = opened("close", at="22:00")
    assert closed.warnings == ["Points non examinés : Point 2, Point 3, Point 4"]
    session = engine.state.sessions["s"]
    assert session.status is SessionStatus.CLOSED
    assert session.suspensions == [
        {"from": "2026-11-28T21:00:00+01:00", "to": "2026-11-28T21:10:00+01:00"}
    ]
    assert session.item("p2").status is ItemStatus.NOT_EXAMINED  # type: ignore[union-attr]
    with pytest.raises(CommandRefused, match="la séance est close"):
        opened("arrive", member="jlperrin")


def test_unknown_command_and_field_are_refused(opened: Run) -> None:
    with pytest.raises(CommandRefused, match="Commande inconnue : 'voter'"):
        opened("voter", item="p1")
    with pytest.raises(CommandRefused, match="Champ inconnu pour « vote » : contr"):
        opened("vote", item="p1", contr=2)
    with pytest.raises(CommandRefused, match="Séance inconnue"):
        opened("take_up", session="nope", item="p1")


def test_the_secretary_records_the_debate_summary_for_the_minutes(
    opened: Run, engine: SessionEngine
) -> None:
    session = engine.state.sessions["s"]
    opened("record_debate", author="secretaire", item="p1", text="  Débat bref.  ")
    assert session.item("p1").debate == "Débat bref."  # type: ignore[union-attr]
    opened("close")
    # After the closing, while the procès-verbal is being written: replaced.
    opened("record_debate", author="secretaire", item="p1", text="Débat complet.")
    assert session.item("p1").debate == "Débat complet."  # type: ignore[union-attr]
    with pytest.raises(CommandRefused, match="identique"):
        opened("record_debate", author="secretaire", item="p1", text="Débat complet.")
    with pytest.raises(CommandRefused, match="trop longue"):
        opened("record_debate", author="secretaire", item="p1", text="x" * 20_001)
    with pytest.raises(CommandRefused, match="réservé"):
        opened("record_debate", author="conseiller", item="p1", text="Mon avis.")


def test_no_debate_summary_before_the_opening(convened: Run) -> None:
    with pytest.raises(CommandRefused, match="rédiger la synthèse des débats"):
        convened("record_debate", author="secretaire", item="p1", text="Trop tôt.")
