"""The notice of convocation (L2121-11, L2121-12) and the emergency procedure."""

from datetime import date

import pytest

from table_app.council.engine import SessionEngine
from table_app.council.errors import CommandRefused
from table_app.council.rules import clear_days, notice_required
from tests.support import MEMBERS, Run


def _quorum(run: Run) -> None:
    for member in MEMBERS[:9]:
        run("arrive", member=member)


def test_clear_days_exclude_the_day_of_sending_and_the_day_of_the_session() -> None:
    assert clear_days(date(2026, 11, 24), date(2026, 11, 28)) == 3
    assert clear_days(date(2026, 11, 25), date(2026, 11, 28)) == 2
    assert clear_days(date(2026, 11, 28), date(2026, 11, 28)) == 0
    assert notice_required(677) == 3
    assert notice_required(3499) == 3
    assert notice_required(3500) == 5


def test_short_notice_is_refused_at_the_opening(run: Run) -> None:
    convened = run("convene", id="s", date="2026-11-28", convened_on="2026-11-25", agenda=[])
    assert "Délai de convocation court : 2 jour(s) franc(s), 3 requis" in convened.warnings[0]
    _quorum(run)
    with pytest.raises(CommandRefused) as refused:
        run("open")
    assert refused.value.message == (
        "Délai de convocation insuffisant : 2 jour(s) franc(s) entre l'envoi le 25/11/2026 et la "
        "séance du 28/11/2026, 3 requis pour une commune de 677 habitants (sauf urgence déclarée "
        "dans la convocation, un jour franc au moins)"
    )


def test_emergency_allows_one_clear_day_and_must_be_confirmed(
    run: Run, engine: SessionEngine
) -> None:
    run(
        "convene",
        id="s",
        date="2026-11-28",
        convened_on="2026-11-26",
        emergency=True,
        agenda=[{"title": "Réparation urgente du pont"}],
    )
    _quorum(run)
    opened = run("open")
    assert opened.event.payload["notice"] == {
        "convened_on": "2026-11-26",
        "session_date": "2026-11-28",
        "clear_days": 1,
        "required": 3,
        "population": 677,
        "emergency": True,
        "sufficient": False,
    }
    assert "le conseil doit se prononcer sur l'urgence" in opened.warnings[0]
    run("name_secretaries", members=[MEMBERS[1]])
    with pytest.raises(CommandRefused, match="doit d'abord se prononcer sur l'urgence"):
        run("take_up", item="p1")
    run("rule_emergency", accepted=True)
    run("take_up", item="p1")
    assert engine.state.sessions["s"].emergency_accepted is True


def test_emergency_below_one_clear_day_is_refused(run: Run) -> None:
    run("convene", id="s", date="2026-11-28", convened_on="2026-11-27", emergency=True, agenda=[])
    _quorum(run)
    with pytest.raises(CommandRefused, match="ne peut être inférieur à un jour franc"):
        run("open")


def test_emergency_rejected_by_the_council_stops_the_agenda(run: Run) -> None:
    run(
        "convene",
        id="s",
        date="2026-11-28",
        convened_on="2026-11-26",
        emergency=True,
        agenda=[{"title": "Pont"}],
    )
    _quorum(run)
    run("open")
    run("name_secretaries", members=[MEMBERS[1]])
    run("rule_emergency", accepted=False)
    with pytest.raises(CommandRefused, match="Le conseil a refusé l'urgence"):
        run("take_up", item="p1")
    with pytest.raises(CommandRefused, match="déjà prononcé"):
        run("rule_emergency", accepted=True)
    run("close")


def test_five_clear_days_from_3500_inhabitants(tmp_path, database) -> None:
    from dataclasses import replace

    from demo import demo_config
    from table_app.journal import Journal

    config = demo_config(tmp_path / "grande")
    config = replace(config, commune=replace(config.commune, population=4200))
    engine = SessionEngine(Journal(database), config)
    engine.execute(
        {
            "cmd": "convene",
            "id": "s",
            "date": "2026-11-28",
            "convened_on": "2026-11-23",
            "agenda": [],
        }
    )
    for member in MEMBERS[:9]:
        engine.execute({"cmd": "arrive", "session": "s", "member": member})
    with pytest.raises(
        CommandRefused,
        match="4 jour\\(s\\) franc\\(s\\).*5 requis pour une commune de 4200 habitants",
    ):
        engine.execute({"cmd": "open", "session": "s"})


def test_convocation_after_the_session_is_refused(run: Run) -> None:
    with pytest.raises(CommandRefused, match="ne peut être envoyée après la séance"):
        run("convene", date="2026-11-28", convened_on="2026-11-29")
    with pytest.raises(CommandRefused, match="n'est pas une date valide"):
        run("convene", date="28/11/2026", convened_on="2026-11-20")
