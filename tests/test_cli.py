"""The command line: playing session scripts, showing a session, the demo."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from demo import DEMO_CONFIG, DEMO_SCRIPT
from table_app.cli import main


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(DEMO_CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
    return path


def test_play_then_show_the_demo_session(
    config_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", str(config_path), "session", "play", str(DEMO_SCRIPT)]) == 0
    assert "47 commande(s) enregistrée(s) ; séance(s) : 2026-11-28" in capsys.readouterr().out
    assert main(["--config", str(config_path), "session", "show", "2026-11-28", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["status"] == "close"
    assert shown["secretaries"] == [{"id": "arenaud", "name": "Aurélie Renaud"}]
    assert shown["opening"]["quorum"]["present"] == 11
    budget = shown["items"][1]
    assert (budget["number"], budget["result"]) == ("2026-002", "adopte")
    assert (budget["vote"]["pour"], budget["vote"]["contre"], budget["vote"]["abstention"]) == (
        10,
        1,
        2,
    )
    assert [i["status"] for i in shown["items"]][-1] == "ajourne"
    represented = {a["id"]: a["represented_by"] for a in shown["attendance"]}
    assert represented["odumas"] == {"id": "mfabre", "name": "Martine Fabre"}


def test_play_stops_at_the_first_refused_line_and_keeps_the_ones_before(
    config_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = DEMO_SCRIPT.read_text(encoding="utf-8").splitlines()
    open_line = next(n for n, line in enumerate(lines) if '"cmd": "open"' in line)
    # Only six arrive before the opening: the quorum is not reached.
    keep = ("hmarchand", "brousseau", "sgarnier", "plemoine", "arenaud", "tlacroix")
    script = [
        line
        for line in lines[: open_line + 1]
        if '"cmd": "arrive"' not in line or any(f'"member": "{m}"' in line for m in keep)
    ]
    path = tmp_path / "paper.jsonl"
    path.write_text("\n".join(script) + "\n", encoding="utf-8")
    code = main(["--config", str(config_path), "session", "play", str(path)])
    assert code == 1
    err = capsys.readouterr().err
    refused_at = len(script)
    assert (
        f"ligne {refused_at} : refusé — Quorum non atteint : 6 présents sur 15 membres en "
        "exercice, 8 requis" in err
    )
    assert main(["--config", str(config_path), "session", "show", "2026-11-28", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["status"] == "convoquee"  # the lines before were kept
    assert sum(a["status"] == "present" for a in shown["attendance"]) == 6


def test_a_broken_line_is_named(
    config_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(
        '# commentaire\n\n{"cmd": "convene", "date": "2026-11-28", '
        '"convened_on": "2026-11-20"}\n{"cmd": "arrive", member}\n',
        encoding="utf-8",
    )
    assert main(["--config", str(config_path), "session", "play", str(path)]) == 1
    err = capsys.readouterr().err
    assert "ligne 4 : refusé — JSON invalide" in err
    assert "1 commande(s) avant cette ligne ont été enregistrées" in err


def test_demo_command_runs_on_a_fresh_folder(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "screens.cli", "demo", "--text", "--dir", str(tmp_path / "demo")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Décision modificative n° 2 du budget principal 2026" in done.stdout
    assert "13 votants : 10 pour, 1 contre, 2 abstention(s)" in done.stdout
    assert "Journal intact : 47 événements chaînés." in done.stdout


def test_a_fixed_script_resumes_from_the_refused_line(
    config_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "paper.jsonl"
    lines = DEMO_SCRIPT.read_text(encoding="utf-8").splitlines()
    wrong = next(n for n, line in enumerate(lines) if '"pour": 10' in line)
    lines[wrong] = lines[wrong].replace('"pour": 10', '"pour": 11')  # 14 ≠ 13 votants
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["--config", str(config_path), "session", "play", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"ligne {wrong + 1} : refusé — Le décompte ne correspond pas : 11 pour" in err
    assert f"--from-line {wrong + 1}" in err
    # Playing the whole file again would convene the session twice: refused.
    assert main(["--config", str(config_path), "session", "play", str(path)]) == 1
    assert "La séance « 2026-11-28 » existe déjà" in capsys.readouterr().err
    lines[wrong] = lines[wrong].replace('"pour": 11', '"pour": 10')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    args = ["--config", str(config_path), "session", "play", str(path), "--from-line"]
    assert main([*args, str(wrong + 1)]) == 0
    assert "commande(s) enregistrée(s) ; séance(s) : 2026-11-28" in capsys.readouterr().out
    assert main(["--config", str(config_path), "session", "show", "2026-11-28", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["status"] == "close"
    assert [i["number"] for i in shown["items"][:6]] == [f"2026-00{n}" for n in range(1, 7)]
