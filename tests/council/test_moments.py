"""Time in a session: moments never run backwards, and no hidden clock.

Played on 4 December 2026, the demo's procurations (no ``at``) were once
stamped with the wall clock, after the opening of 28 November: the
procès-verbal read "Représentés : néant". These tests move the real clock
with time-machine and check that nothing recorded depends on it.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pymupdf
import pytest
import time_machine

from demo import DEMO_CONFIG, DEMO_SCRIPT, demo_config
from table_app.cli import main
from table_app.config import Config
from table_app.council.chronology import EVENT_LABELS, check_chronology
from table_app.council.engine import SessionEngine
from table_app.council.errors import CommandRefused
from table_app.council.moments import wall_clock
from table_app.council.projection import EVENT_TYPES
from table_app.export.minutes_pdf import proces_verbal_pdf
from table_app.journal import Journal
from table_app.script import play_file, play_lines
from table_app.store import open_database
from tests.support import Run

FLAGS = pymupdf.TEXTFLAGS_TEXT & ~pymupdf.TEXT_PRESERVE_LIGATURES
A_WEEK_LATER = datetime(2026, 12, 5, 17, 53, tzinfo=UTC)  # 18 h 53 in Paris

#: A session entered from paper: the procuration line says no time.
PAPER_SESSION = [
    {
        "cmd": "convene",
        "date": "2026-11-28",
        "convened_on": "2026-11-20",
        "agenda": [{"title": "Budget primitif 2027", "text": "Le conseil adopte le budget."}],
    },
    *(
        {"cmd": "arrive", "member": m, "at": "19:55"}
        for m in ("hmarchand", "brousseau", "sgarnier", "plemoine", "mfabre", "jlperrin")
    ),
    *(
        {"cmd": "arrive", "member": m, "at": "19:58"}
        for m in ("nbonnet", "cmeunier", "icolin", "dvidal", "arenaud")
    ),
    {"cmd": "absent", "member": "odumas", "excused": True},
    {"cmd": "proxy", "giver": "odumas", "holder": "mfabre", "signed_on": "2026-11-25"},
    {"cmd": "open", "at": "20:05"},
    {"cmd": "name_secretaries", "members": ["arenaud"]},
    {"cmd": "take_up", "item": "p1", "at": "20:07"},
    {"cmd": "vote", "item": "p1", "pour": 10, "contre": 1, "abstention": 1},
    {"cmd": "close", "at": "20:30"},
]


def _lines() -> list[str]:
    return [json.dumps(command, ensure_ascii=False) for command in PAPER_SESSION]


def _pv_text(engine: SessionEngine, session_id: str = "2026-11-28") -> str:
    data = proces_verbal_pdf(engine.state.sessions[session_id], "Val-de-Sauve", "Creuse")
    with pymupdf.open("pdf", data) as doc:
        return " ".join(" ".join(page.get_text(flags=FLAGS).split()) for page in doc)


@pytest.mark.parametrize("clock", [None, wall_clock], ids=["script-engine", "kiosk-engine"])
def test_a_proxy_without_time_played_a_week_later_is_represented_in_the_pv(
    tmp_path: Path, clock: object
) -> None:
    config = demo_config(tmp_path / "table")
    with time_machine.travel(A_WEEK_LATER, tick=False):
        engine = SessionEngine(
            Journal(open_database(config.database_url)),
            config,
            clock=clock,  # type: ignore[arg-type]
        )
        play_lines(engine, _lines())
    session = engine.state.sessions["2026-11-28"]
    (proxy,) = session.proxies
    assert proxy.given_at == "2026-11-28T19:58:00+01:00"  # the line before it, not the wall clock
    assert session.opened_at == "2026-11-28T20:05:00+01:00"
    text = _pv_text(engine)
    assert "Olivier Dumas (pouvoir à Martine Fabre, du 25/11/2026)" in text
    assert "Représentés : néant" not in text


def test_the_command_line_plays_a_script_without_the_wall_clock(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config_path = tmp_path / "config.toml"
    config_path.write_text(DEMO_CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
    script = tmp_path / "seance.jsonl"
    script.write_text("\n".join(_lines()) + "\n", encoding="utf-8")
    with time_machine.travel(A_WEEK_LATER, tick=False):
        assert main(["--config", str(config_path), "session", "play", str(script)]) == 0
    capsys.readouterr()
    assert main(["--config", str(config_path), "session", "show", "2026-11-28", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    represented = {a["id"]: a["represented_by"] for a in shown["attendance"]}
    assert represented["odumas"] == {"id": "mfabre", "name": "Martine Fabre"}


def test_lines_without_time_take_the_previous_moment_of_their_session(
    engine: SessionEngine,
) -> None:
    result = play_lines(engine, _lines())
    by_type = {a.event.type: a.event.payload["at"] for a in result.accepted}
    # The convocation: the day it was sent, at the session's hour.
    assert by_type["session.convened"] == "2026-11-20T20:00:00+01:00"
    assert by_type["member.marked_absent"] == "2026-11-28T19:58:00+01:00"
    assert by_type["secretaries.named"] == "2026-11-28T20:05:00+01:00"
    assert by_type["vote.recorded"] == "2026-11-28T20:07:00+01:00"
    moments = [a.event.payload["at"] for a in result.accepted]
    assert moments == sorted(moments)


def test_a_command_dated_before_the_last_event_is_refused_and_the_journal_unchanged(
    opened: Run, engine: SessionEngine
) -> None:
    before = engine.journal.events()
    with pytest.raises(CommandRefused) as refused:
        opened("arrive", member="jlperrin", at="19:58")
    assert refused.value.message.startswith(
        "Heure refusée : 28/11/2026 à 19 h 58 précède le dernier événement enregistré de la "
        "séance (28/11/2026 à 20 h 00)"
    )
    assert engine.journal.events() == before
    assert engine.state.sessions["s"].attendance["jlperrin"].movements == []
    opened("arrive", member="jlperrin", at="20:00")  # the same minute is not earlier


def test_a_table_clock_behind_the_session_is_refused_with_its_reason(
    config: Config, engine: SessionEngine, opened: Run
) -> None:
    behind = SessionEngine(
        engine.journal, config, clock=lambda: datetime(2026, 11, 28, 18, 0, tzinfo=UTC)
    )
    with pytest.raises(CommandRefused, match="l'horloge de la table retarde"):
        behind.execute({"cmd": "take_up", "item": "p1", "session": "s"})


def test_the_kiosk_stamps_live_commands_with_its_clock(
    config: Config, engine: SessionEngine, opened: Run
) -> None:
    kiosk = SessionEngine(engine.journal, config, clock=wall_clock)
    with time_machine.travel(datetime(2026, 11, 28, 19, 12, 30, tzinfo=UTC), tick=False):
        accepted = kiosk.execute({"cmd": "take_up", "item": "p1", "session": "s"})
    assert accepted.event.payload["at"] == "2026-11-28T20:12:30+01:00"


def test_nothing_but_the_debates_is_recorded_after_the_closing(
    opened: Run, engine: SessionEngine
) -> None:
    opened("take_up", item="p1", at="20:10")
    opened("vote", item="p1", pour=13, contre=0, abstention=0, at="20:20")
    opened("close", at="22:00")
    with pytest.raises(CommandRefused, match="la séance est close"):
        opened("arrive", member="jlperrin")
    with pytest.raises(CommandRefused, match="la séance est close"):
        opened("project", document=1, title="Budget", page=2)
    with pytest.raises(CommandRefused, match="Heure refusée"):
        opened("record_debate", item="p1", text="Débat bref.", at="21:00")
    debate = opened("record_debate", item="p1", text="Débat bref.", at="2026-12-02T10:15")
    assert debate.event.payload["at"] == "2026-12-02T10:15:00+01:00"
    assert check_chronology(engine.journal.events()) == []


def test_every_event_has_a_name_in_french() -> None:
    assert set(EVENT_TYPES) <= set(EVENT_LABELS)


def _journal_as_the_wall_clock_once_wrote_it(tmp_path: Path) -> str:
    """The demo played on 4 December by the old engine: its procurations stamped
    with the wall clock, after the opening. Written event by event, as it was."""
    config = demo_config(tmp_path / "table")
    good = SessionEngine(Journal(open_database(config.database_url)), config)
    play_file(good, DEMO_SCRIPT)
    url = f"sqlite:///{tmp_path / 'ancien.sqlite3'}"
    old = Journal(open_database(url))
    with old.writing() as writer:
        for event in good.journal.events():
            payload = dict(event.payload)
            if event.type == "proxy.given" and payload["giver"] in ("odumas", "eroche"):
                payload["at"] = "2026-12-04T18:53:00+01:00"
            writer.append(event.session_id, event.author, event.type, payload)
    return url


def test_journal_verify_warns_of_facts_recorded_out_of_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = _journal_as_the_wall_clock_once_wrote_it(tmp_path)
    assert main(["--database", url, "journal", "verify", "--against", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Attention : 1 fait(s) enregistré(s) hors de l'ordre chronologique" in out
    assert (
        "séance 2026-11-28 : événement n° 18 (ouverture de la séance) daté du 28/11/2026 à "
        "20 h 05, avant l'événement n° 17 (procuration) daté du 04/12/2026 à 18 h 53"
    ) in out
    assert "Journal intact" in out  # the chain is whole: a warning, not an alteration
    assert main(["--database", url, "journal", "verify", "--json", "--against", str(tmp_path)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True
    assert [w["seq"] for w in report["warnings"]] == [18]
    # Never silently reordered: replayed as written, the proxies still come late.
    replayed = SessionEngine(Journal(open_database(url)), demo_config(tmp_path / "table"))
    session = replayed.state.sessions["2026-11-28"]
    assert [p.given_at for p in session.proxies[:2]] == ["2026-12-04T18:53:00+01:00"] * 2


@pytest.mark.parametrize("day", ["2026-12-04", "2031-06-15", "2026-01-01"])
def test_the_demo_pv_is_the_same_document_on_any_day(tmp_path: Path, day: str) -> None:
    """The procès-verbal says the same on any day the demo is played. Only the
    journal's fingerprint differs: it seals when the journal was written."""
    texts = []
    for n, when in enumerate(("2026-11-29 09:00", f"{day} 15:30")):
        config = demo_config(tmp_path / f"table-{n}")
        with time_machine.travel(datetime.fromisoformat(f"{when}+01:00"), tick=False):
            engine = SessionEngine(Journal(open_database(config.database_url)), config)
            play_file(engine, DEMO_SCRIPT, author="president")
            text = _pv_text(engine)
        texts.append(re.sub(r"empreinte [0-9A-F]+…[0-9A-F]+", "empreinte …", text))
    assert texts[0] == texts[1]
    assert "Olivier Dumas (pouvoir à Martine Fabre, du 25/11/2026)" in texts[1]
    assert "Émilie Roche (pouvoir à Thierry Lacroix, du 26/11/2026)" in texts[1]
