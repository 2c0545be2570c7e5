"""Participation statistics of the demo commune over two sessions, counted by hand.

The demo session of 28 November 2026 is played as the demo plays it; then
Céline Barbier leaves the council, Lucie Girard takes her seat, and a second
session is held on 16 January 2027 with a member absent excused, one absent
unexcused, a procuration, two late arrivals and a departure. Every figure of
``table-app stats`` is checked against a count made by reading the two
scripts, written below.
"""

import csv
import dataclasses
import io
import json
from pathlib import Path

import pytest

from demo import DEMO_SCRIPT
from table_app.cli import main
from table_app.config import Config, Member
from table_app.council.engine import SessionEngine
from table_app.journal import Journal
from table_app.script import play_file, play_lines
from table_app.stats import (
    CACHE_FILE,
    MEMBER_CSV_COLUMNS,
    SESSION_CSV_COLUMNS,
    Statistics,
    SummaryCache,
    statistics,
)
from table_app.store import Database, open_database
from tests.support import QUORUM, Run

SECOND_SESSION = """
{"cmd": "convene", "date": "2027-01-16", "time": "20:00", "convened_on": "2027-01-08", "agenda": [{"title": "Approbation du procès-verbal de la séance du 28 novembre 2026"}, {"title": "Subvention au comité des fêtes"}, {"title": "Point sur les travaux de l'école", "kind": "information"}]}
{"cmd": "arrive", "member": "hmarchand", "at": "19:50"}
{"cmd": "arrive", "member": "brousseau", "at": "19:51"}
{"cmd": "arrive", "member": "sgarnier", "at": "19:52"}
{"cmd": "arrive", "member": "plemoine", "at": "19:52"}
{"cmd": "arrive", "member": "mfabre", "at": "19:53"}
{"cmd": "arrive", "member": "jlperrin", "at": "19:54"}
{"cmd": "arrive", "member": "nbonnet", "at": "19:55"}
{"cmd": "arrive", "member": "cmeunier", "at": "19:56"}
{"cmd": "arrive", "member": "arenaud", "at": "19:57"}
{"cmd": "arrive", "member": "lgirard", "at": "19:58"}
{"cmd": "absent", "member": "odumas", "excused": true}
{"cmd": "absent", "member": "eroche", "excused": true}
{"cmd": "proxy", "giver": "eroche", "holder": "plemoine", "signed_on": "2027-01-14", "at": "19:59"}
{"cmd": "absent", "member": "dvidal", "excused": false}
{"cmd": "open", "at": "20:03"}
{"cmd": "name_secretaries", "members": ["arenaud"]}
{"cmd": "take_up", "item": "p1", "at": "20:05"}
{"cmd": "vote", "item": "p1", "unanimous": true, "at": "20:10"}
{"cmd": "arrive", "member": "tlacroix", "at": "20:20"}
{"cmd": "take_up", "item": "p2", "at": "20:22"}
{"cmd": "vote", "item": "p2", "pour": 9, "contre": 2, "abstention": 1, "at": "20:30"}
{"cmd": "leave", "member": "nbonnet", "at": "20:35"}
{"cmd": "arrive", "member": "icolin", "at": "20:40"}
{"cmd": "take_up", "item": "p3", "at": "20:42"}
{"cmd": "close", "at": "20:55"}
"""

# The count by hand, reading the two scripts.
#
# 28/11/2026: 15 in office. Present (at any moment): the 11 who arrived before
# the opening at 20:05, and Jean-Luc Perrin at 20:25 (late). Represented:
# Olivier Dumas (by Martine Fabre) and Émilie Roche (by Thierry Lacroix).
# Excused: Céline Barbier. Seven scrutins: p1, p2, p3 (Didier Vidal withdrawn,
# interested), p4 (compte administratif: the mayor withdraws), the two rounds
# of the nomination p5, p6 (public: Isabelle Colin left at 21:35, her voice
# cast by Christophe Meunier). Six numbered deliberations. Quorum at the
# opening: 11 present, 8 required: +3.
#
# 16/01/2027: 15 in office (Lucie Girard instead of Céline Barbier). Present:
# the 10 who arrived before the opening at 20:03, Thierry Lacroix (20:20) and
# Isabelle Colin (20:40), both late; Nathalie Bonnet left at 20:35, present
# still. Represented: Émilie Roche (by Patrick Lemoine). Excused: Olivier
# Dumas. Unexcused: Didier Vidal. Two scrutins: p1 (the 10, Roche by proxy),
# p2 (the 10 and Lacroix, Roche by proxy); Colin came after both. Quorum: 10
# present, 8 required: +2.
#
# Per member over both: (sessions, present, represented, excused, unexcused,
# late, votes in person, votes by procuration, voices carried for a
# colleague, scrutins of their sessions).
HAND_COUNT = {
    "hmarchand": (2, 2, 0, 0, 0, 0, 6 + 2, 0, 0, 9),
    "brousseau": (2, 2, 0, 0, 0, 0, 7 + 2, 0, 0, 9),
    "sgarnier": (2, 2, 0, 0, 0, 0, 7 + 2, 0, 0, 9),
    "plemoine": (2, 2, 0, 0, 0, 0, 7 + 2, 0, 0 + 2, 9),
    "mfabre": (2, 2, 0, 0, 0, 0, 7 + 2, 0, 7 + 0, 9),
    "jlperrin": (2, 2, 0, 0, 0, 1, 5 + 2, 0, 0, 9),
    "nbonnet": (2, 2, 0, 0, 0, 0, 7 + 2, 0, 0, 9),
    "cmeunier": (2, 2, 0, 0, 0, 0, 7 + 2, 0, 1 + 0, 9),
    "icolin": (2, 2, 0, 0, 0, 1, 6 + 0, 1 + 0, 0, 9),
    "dvidal": (2, 1, 0, 0, 1, 0, 6 + 0, 0, 0, 9),
    "arenaud": (2, 2, 0, 0, 0, 0, 7 + 2, 0, 0, 9),
    "tlacroix": (2, 2, 0, 0, 0, 1, 7 + 1, 0, 7 + 0, 9),
    "odumas": (2, 0, 1, 1, 0, 0, 0, 7 + 0, 0, 9),
    "eroche": (2, 0, 2, 0, 0, 0, 0, 7 + 2, 0, 9),
    "lgirard": (1, 1, 0, 0, 0, 0, 2, 0, 0, 2),
    "cbarbier": (1, 0, 0, 1, 0, 0, 0, 0, 0, 7),
}
# Per session: (present, represented, excused, unexcused, late, present at the
# opening, quorum required, margin, deliberations, scrutins).
SESSIONS_BY_HAND = {
    "2026-11-28": (12, 2, 1, 0, 1, 11, 8, 3, 6, 7),
    "2027-01-16": (12, 1, 1, 1, 2, 10, 8, 2, 2, 2),
}


def member_figures(stats: Statistics) -> dict[str, tuple[int, ...]]:
    return {
        m.id: (
            m.sessions,
            m.present,
            m.represented,
            m.excused,
            m.unexcused,
            m.late,
            m.votes_in_person,
            m.votes_by_proxy,
            m.votes_as_holder,
            m.scrutins,
        )
        for m in stats.members
    }


def session_figures(stats: Statistics) -> dict[str, tuple[int | None, ...]]:
    return {
        s.id: (
            s.count("present"),
            s.count("represente"),
            s.count("excuse"),
            s.count("absent"),
            sum(m.late for m in s.members),
            s.opening_present,
            s.quorum_required,
            s.quorum_margin,
            s.deliberations,
            s.scrutins,
        )
        for s in stats.sessions
    }


def after_barbier_left(config: Config) -> Config:
    """The council after Céline Barbier's resignation: Lucie Girard, next on the
    list, takes the last rank of the tableau."""
    members = [m for m in config.members if m.id != "cbarbier"]
    members = [dataclasses.replace(m, rank=n) for n, m in enumerate(members, start=1)]
    members.append(Member("lgirard", "Lucie Girard", "conseiller", len(members) + 1))
    return dataclasses.replace(config, members=tuple(members), _by_id={})


def play_two_sessions(database: Database, config: Config) -> None:
    play_file(SessionEngine(Journal(database), config), DEMO_SCRIPT, author="president")
    later = SessionEngine(Journal(database), after_barbier_left(config))
    play_lines(later, SECOND_SESSION.strip().splitlines(), author="president")


@pytest.fixture
def two_sessions(database: Database, config: Config) -> Journal:
    play_two_sessions(database, config)
    return Journal(database)


def test_two_sessions_of_the_demo_commune_match_the_hand_count(two_sessions: Journal) -> None:
    stats = statistics(two_sessions)
    assert stats.year is None
    assert stats.years == (2026, 2027)
    assert stats.commune == "Val-de-Sauve"
    assert member_figures(stats) == HAND_COUNT
    assert session_figures(stats) == SESSIONS_BY_HAND
    assert stats.deliberations == 8
    # The tableau of the latest session, then the member who left: her history stays.
    assert [m.id for m in stats.members][-4:] == ["odumas", "eroche", "lgirard", "cbarbier"]
    left = {m.id: m.in_office_now for m in stats.members}
    assert not left["cbarbier"]
    assert all(now for mid, now in left.items() if mid != "cbarbier")
    for m in stats.members:  # the four classes share every session
        assert m.present + m.represented + m.excused + m.unexcused == m.sessions


def test_a_year_keeps_its_own_sessions_and_members(two_sessions: Journal) -> None:
    only_2026 = statistics(two_sessions, 2026)
    assert [s.id for s in only_2026.sessions] == ["2026-11-28"]
    assert "lgirard" not in member_figures(only_2026)
    assert member_figures(only_2026)["cbarbier"] == (1, 0, 0, 1, 0, 0, 0, 0, 0, 7)
    assert member_figures(only_2026)["eroche"] == (1, 0, 1, 0, 0, 0, 0, 7, 0, 7)
    only_2027 = statistics(two_sessions, 2027)
    assert [s.id for s in only_2027.sessions] == ["2027-01-16"]
    assert "cbarbier" not in member_figures(only_2027)
    assert member_figures(only_2027)["icolin"] == (1, 1, 0, 0, 0, 1, 0, 0, 0, 2)
    assert member_figures(only_2027)["dvidal"] == (1, 0, 0, 0, 1, 0, 0, 0, 0, 2)
    nothing = statistics(two_sessions, 2025)
    assert (nothing.sessions, nothing.members, nothing.years) == ((), (), (2026, 2027))


def test_a_lack_of_quorum_counts_a_revoked_proxy_does_not_and_a_session_to_come_is_left_out(
    convened: Run, engine: SessionEngine
) -> None:
    for member in ("hmarchand", "brousseau", "sgarnier", "plemoine", "mfabre"):
        convened("arrive", member=member, at="19:55")
    convened("absent", member="cbarbier", excused=True)
    convened("proxy", giver="cbarbier", holder="mfabre", signed_on="2026-11-25", at="19:56")
    convened("proxy", giver="odumas", holder="brousseau", signed_on="2026-11-25", at="19:56")
    convened("revoke_proxy", giver="cbarbier", at="19:58")
    convened("record_lack_of_quorum", at="20:15")
    engine.execute(
        {"cmd": "convene", "id": "later", "date": "2026-12-02", "convened_on": "2026-11-28"}
    )
    stats = statistics(engine.journal)
    assert [s.id for s in stats.sessions] == ["s"]  # the session to come is not held yet
    carence = stats.sessions[0]
    assert (carence.state, carence.opening_present, carence.quorum_required) == ("carence", 5, 8)
    assert carence.quorum_margin == -3
    assert (carence.deliberations, carence.scrutins) == (0, 0)
    by_id = {m.id: m for m in stats.members}
    assert (by_id["cbarbier"].excused, by_id["cbarbier"].represented) == (1, 0)
    assert by_id["odumas"].represented == 1
    assert by_id["eroche"].unexcused == 1  # never called: absent, not excused
    assert sum(m.late for m in stats.members) == 0  # no opening, nobody late


def test_the_cache_reads_only_what_is_new_and_distrusts_a_journal_gone_another_way(
    two_sessions: Journal, database: Database, config: Config, tmp_path: Path
) -> None:
    path = tmp_path / CACHE_FILE
    cache = SummaryCache(path)
    expected = statistics(two_sessions)
    assert statistics(two_sessions, cache=cache) == expected
    assert cache.last.kind == "complet"
    assert path.exists()

    again = SummaryCache(path)  # a later run: the summaries from the file
    assert statistics(two_sessions, cache=again) == expected
    assert (again.last.kind, again.last.loaded_from_file) == ("à jour", True)

    # The secretary writes a debate's summary after the closing: an event no
    # summary reads, so nothing is summarised again.
    engine = SessionEngine(two_sessions, after_barbier_left(config))
    engine.execute({"cmd": "record_debate", "session": "2026-11-28", "item": "p2", "text": "…"})
    assert statistics(two_sessions, cache=again) == expected
    assert (again.last.kind, again.last.recomputed) == ("incrémental", [])

    # A third session convened, its roll call begun: summarised from the new events
    # alone; then opened: read again whole (the fold starts at its convocation).
    engine.execute(
        {"cmd": "convene", "id": "fevrier", "date": "2027-02-20", "convened_on": "2027-02-10"}
    )
    for member in QUORUM:
        engine.execute({"cmd": "arrive", "session": "fevrier", "member": member, "at": "19:55"})
    statistics(two_sessions, cache=again)
    assert (again.last.kind, again.last.recomputed) == ("incrémental", ["fevrier"])
    engine.execute({"cmd": "arrive", "session": "fevrier", "member": "icolin", "at": "20:10"})
    engine.execute({"cmd": "open", "session": "fevrier", "at": "20:10"})
    engine.execute({"cmd": "arrive", "session": "fevrier", "member": "dvidal", "at": "20:20"})
    held = statistics(two_sessions, cache=again)
    assert (again.last.kind, again.last.recomputed) == ("incrémental", ["fevrier"])
    assert held == statistics(two_sessions)  # the same as read in full
    february = held.sessions[-1]
    assert (february.id, february.opening_present, february.count("present")) == ("fevrier", 9, 10)
    assert [m.id for m in february.members if m.late] == ["dvidal"]
    expected = held

    # A stored hash that no longer matches: everything is read again.
    raw = json.loads(path.read_text(encoding="utf-8"))
    raw["journal"]["hash"] = "0" * 64
    path.write_text(json.dumps(raw), encoding="utf-8")
    third = SummaryCache(path)
    assert statistics(two_sessions, cache=third) == expected
    assert third.last.kind == "complet"

    # The database replaced by one holding only the first session (an older
    # backup restored): the cache's last event is gone, so it is not trusted.
    database.dispose()
    sqlite = Path(config.database_url.removeprefix("sqlite:///"))
    for leftover in sqlite.parent.glob(sqlite.name + "*"):
        leftover.unlink()
    restored = open_database(config.database_url)
    try:
        play_file(SessionEngine(Journal(restored), config), DEMO_SCRIPT, author="president")
        fourth = SummaryCache(path)
        only_first = statistics(Journal(restored), cache=fourth)
        assert fourth.last.kind == "complet"
        assert [s.id for s in only_first.sessions] == ["2026-11-28"]
        assert only_first == statistics(Journal(restored))
    finally:
        restored.dispose()


# --- the command line -------------------------------------------------------------


@pytest.fixture
def config_path(two_sessions: Journal, config: Config) -> str:
    assert config.source is not None
    return str(config.source)


def test_the_command_prints_the_tables_in_french(
    config_path: str, config: Config, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", config_path, "stats"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Statistiques de participation — Val-de-Sauve, toutes les années\n")
    assert "2 séances tenues, 8 délibérations." in out
    assert "\nPar élu\n" in out
    assert "\nPar séance\n" in out
    lines = out.splitlines()
    header = next(line for line in lines if line.startswith("Élu"))
    assert header.split() == [
        "Élu",
        "Séances",
        "Présent",
        "Représenté",
        "Excusé",
        "Non",
        "excusé",
        "Retards",
        "Présence",
        "Votes",
        "dont",
        "procur.",
        "Scrutins",
    ]
    # Hélène Marchand: 2 sessions, present at both, 8 votes of 9 (the compte administratif).
    marchand = next(line for line in lines if line.startswith("Hélène Marchand (maire)"))
    assert marchand.split()[3:] == ["2", "2", "0", "0", "0", "0", "100", "%", "8", "0", "9"]
    barbier = next(line for line in lines if line.startswith("Céline Barbier"))
    assert barbier.startswith("Céline Barbier (a quitté le conseil)")
    assert barbier.split()[-11:] == ["1", "0", "0", "1", "0", "0", "0", "%", "0", "0", "7"]
    roche = next(line for line in lines if line.startswith("Émilie Roche"))
    assert roche.split()[2:] == ["2", "0", "2", "0", "0", "0", "0", "%", "9", "9", "9"]
    january = next(line for line in lines if line.startswith("16/01/2027"))
    assert january.split() == [
        "16/01/2027",
        "2027-01-16",
        "12",
        "1",
        "1",
        "1",
        "2",
        "10",
        "présents",
        "/",
        "8",
        "requis",
        "+2",
        "2",
    ]
    assert "Marge : présents à l'ouverture moins le quorum requis" in out
    assert (config.data_dir / CACHE_FILE).exists()  # the next run reads only what is new


def test_the_csv_parses_and_holds_the_hand_count(
    config_path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", config_path, "stats", "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out), delimiter=";"))
    assert tuple(rows[0]) == MEMBER_CSV_COLUMNS
    by_id = {r["id"]: r for r in rows}
    assert set(by_id) == set(HAND_COUNT)
    for member_id, figures in HAND_COUNT.items():
        row = by_id[member_id]
        assert tuple(int(row[c]) for c in MEMBER_CSV_COLUMNS[4:]) == figures, member_id
    assert (by_id["cbarbier"]["nom"], by_id["cbarbier"]["en_exercice"]) == ("Céline Barbier", "non")
    assert by_id["lgirard"]["en_exercice"] == "oui"

    assert main(["--config", config_path, "stats", "--csv", "--sessions", "--year", "2027"]) == 0
    sessions = list(csv.DictReader(io.StringIO(capsys.readouterr().out), delimiter=";"))
    assert [tuple(r) for r in sessions] == [SESSION_CSV_COLUMNS]
    (january,) = sessions
    assert (january["seance"], january["etat"], january["marge_quorum"]) == (
        "2027-01-16",
        "close",
        "2",
    )
    assert (
        tuple(
            int(january[c])
            for c in (
                "presents",
                "representes",
                "absents_excuses",
                "absents_non_excuses",
                "retards",
                "presents_a_l_ouverture",
                "quorum_requis",
                "marge_quorum",
                "deliberations",
                "scrutins",
            )
        )
        == SESSIONS_BY_HAND["2027-01-16"]
    )


def test_the_json_and_a_year_without_sessions(
    config_path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", config_path, "stats", "--year", "2026", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["year"], shown["years"]) == (2026, [2026, 2027])
    assert [s["id"] for s in shown["sessions"]] == ["2026-11-28"]
    assert shown["sessions"][0]["quorum_margin"] == 3
    assert "procuration" in shown["definitions"]["votes_par_procuration"]
    mayor = shown["members"][0]
    assert (mayor["name"], mayor["votes_in_person"], mayor["scrutins"]) == (
        "Hélène Marchand",
        6,
        7,
    )

    assert main(["--config", config_path, "stats", "--year", "2025"]) == 0
    out = capsys.readouterr().out
    assert "Aucune séance tenue sur cette période (années avec des séances : 2026, 2027)." in out


def test_answers_before_the_session_count_like_the_roll_call(
    convened: Run, engine: SessionEngine
) -> None:
    convened("answer", member="cbarbier", answer="excuse")
    convened(
        "answer", member="odumas", answer="procuration", holder="mfabre", signed_on="2026-11-25"
    )
    # Émilie Roche first gives a procuration, then says she will come, and does not.
    convened(
        "answer", member="eroche", answer="procuration", holder="tlacroix", signed_on="2026-11-24"
    )
    convened("answer", member="eroche", answer="present")
    for member in [*QUORUM, "tlacroix"]:
        convened("arrive", member=member, at="19:55")
    convened("open", at="20:00")
    by_id = {m.id: m for m in statistics(engine.journal).members}
    assert (by_id["cbarbier"].excused, by_id["cbarbier"].represented) == (1, 0)
    assert by_id["odumas"].represented == 1
    assert (by_id["eroche"].represented, by_id["eroche"].unexcused) == (0, 1)
