"""The configuration file: every problem named with its key and its fix."""

from pathlib import Path

import pytest

from table_app.cli import main
from table_app.config import ConfigError, check_config, load_config, xdg_data_dir
from table_app.demo import DEMO_CONFIG


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_demo_configuration_is_valid(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, DEMO_CONFIG.read_text(encoding="utf-8")))
    assert config.commune.population == 677
    assert len(config.members) == 15
    assert config.mayor.id == "hmarchand"
    assert [m.rank for m in config.members] == list(range(1, 16))
    assert len(config.seats) == 6
    assert config.documents_folder == tmp_path / "documents"
    assert config.database_url == f"sqlite:///{tmp_path / 'donnees' / 'conseil.sqlite3'}"


def test_database_defaults_to_sqlite_in_the_xdg_data_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    text = DEMO_CONFIG.read_text(encoding="utf-8").replace("[data]\n", "[unused]\n")
    config = load_config(_write(tmp_path, text))
    assert xdg_data_dir() == tmp_path / "xdg" / "table-du-conseil"
    assert (
        config.database_url
        == f"sqlite:///{tmp_path / 'xdg' / 'table-du-conseil' / 'conseil.sqlite3'}"
    )


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path, DEMO_CONFIG.read_text(encoding="utf-8"))
    config = load_config(path, env={"TABLE_APP_DATABASE_URL": "sqlite:////srv/conseil.db"})
    assert config.database_url == "sqlite:////srv/conseil.db"


BROKEN = """
[commune]
name = "Val-de-Sauve"
population = "six cents"

[[members]]
id = "jmartin"
name = "Jeanne Martin"
role = "mairesse"

[[members]]
id = "jmartin"
name = "Paul Durand"
role = "conseiller"
birth_date = "12 mars 1960"

[master]
display = "DP-1"

[[seats]]
display = "DP-1"
members = ["pdurand"]

[documents]
folder = "introuvable"

[signing]
certificate = "absent.p12"
"""


def test_each_problem_names_its_key_and_its_fix(tmp_path: Path) -> None:
    config, problems = check_config(_write(tmp_path, BROKEN))
    assert config is None
    by_key = {p.key: p for p in problems}
    assert set(by_key) >= {
        "commune.department",
        "commune.population",
        "members[1].role",
        "members[2].id",
        "members[2].birth_date",
        "members",
        "seats[1].display",
        "seats[1].members",
        "documents.folder",
        "signing.certificate",
    }
    assert "population = 677" in by_key["commune.population"].fix
    assert "maire" in by_key["members[1].role"].fix
    assert by_key["members"].message == '0 membre(s) avec role = "maire"'
    assert by_key["documents.folder"].severity == "attention"
    assert "déjà utilisé" in by_key["seats[1].display"].message


def test_invalid_toml_says_where(tmp_path: Path) -> None:
    _, problems = check_config(_write(tmp_path, "[commune\nname = 1"))
    assert "n'est pas du TOML valide" in problems[0].message


def test_load_config_raises_with_every_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as error:
        load_config(_write(tmp_path, BROKEN))
    assert "members[1].role" in str(error.value)
    assert "commune.population" in str(error.value)


def test_check_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = _write(tmp_path, DEMO_CONFIG.read_text(encoding="utf-8"))
    assert main(["check", str(good)]) == 0
    out = capsys.readouterr().out
    assert "configuration valide — Val-de-Sauve (677 habitants), 15 membres en exercice" in out
    assert "signing.certificate" in out  # a warning: exports will not be signed
    bad = tmp_path / "bad"
    bad.mkdir()
    assert main(["check", str(_write(bad, BROKEN))]) == 1
    out = capsys.readouterr().out
    assert "ERREUR members[1].role : rôle 'mairesse' inconnu" in out
    assert "erreur(s) à corriger" in out
    assert main(["check", str(tmp_path / "nope.toml")]) == 1
    assert "fichier de configuration introuvable" in capsys.readouterr().out
