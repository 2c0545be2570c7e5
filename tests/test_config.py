"""The configuration file: every problem named with its key and its fix."""

from pathlib import Path

import pytest

from demo import DEMO_CONFIG
from table_app.cli import main
from table_app.config import ConfigError, check_config, load_config, xdg_data_dir
from table_app.signing import Pkcs11Key, Pkcs12Key


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


# --- [signing]: the commune's key and the secretary's -------------------------


def _demo_with(tmp_path: Path, signing: str) -> Path:
    return _write(tmp_path, DEMO_CONFIG.read_text(encoding="utf-8") + "\n" + signing)


def _module(tmp_path: Path) -> Path:
    """Any existing file: the configuration only checks that the module is there."""
    module = tmp_path / "libpilote-pkcs11.so"
    module.write_bytes(b"\x7fELF")
    return module


def test_no_signing_section_means_a_self_signed_certificate(tmp_path: Path) -> None:
    config, problems = check_config(_write(tmp_path, DEMO_CONFIG.read_text(encoding="utf-8")))
    assert config is not None
    assert config.signing_key is None
    assert config.secretary_key is None
    [warning] = [p for p in problems if p.key.startswith("signing")]
    assert warning.key == "signing.certificate"
    assert warning.severity == "attention"
    assert "auto-signé" in warning.fix


def test_a_pkcs12_file_with_its_password_from_the_environment(tmp_path: Path) -> None:
    (tmp_path / "signature.p12").write_bytes(b"p12")
    (tmp_path / "secretaire.p12").write_bytes(b"p12")
    path = _demo_with(
        tmp_path,
        '[signing]\ncertificate = "signature.p12"\n\n'
        '[signing.secretaire]\ncertificate = "secretaire.p12"\n',
    )
    env = {"TABLE_APP_SIGNING_PASSWORD": "mairie", "TABLE_APP_SECRETARY_PASSWORD": "secret"}
    config, problems = check_config(path, env=env)
    assert config is not None
    assert not [p for p in problems if p.key.startswith("signing")]
    assert config.signing_key == Pkcs12Key(tmp_path / "signature.p12", b"mairie")
    assert config.secretary_key == Pkcs12Key(tmp_path / "secretaire.p12", b"secret")
    assert "mairie" not in repr(config)
    assert "secret'" not in repr(config)
    config = load_config(path, env={})
    assert config.signing_key == Pkcs12Key(tmp_path / "signature.p12", None)


def test_a_token_with_its_pin_from_the_environment(tmp_path: Path) -> None:
    module = _module(tmp_path)
    path = _demo_with(
        tmp_path,
        f'[signing]\npkcs11_module = "{module}"\ntoken = "Mairie"\nkey = "signature"\n\n'
        f'[signing.secretaire]\npkcs11_module = "{module.name}"\ntoken = "Secretariat"\n'
        'key = "bernard"\ncertificate_label = "Certificat de Bernard"\n',
    )
    env = {"TABLE_APP_SIGNING_PIN": "482913", "TABLE_APP_SECRETARY_PIN": "137946"}
    config, problems = check_config(path, env=env)
    assert config is not None
    assert not [p for p in problems if p.key.startswith("signing")]
    assert config.signing_key == Pkcs11Key(module, "Mairie", "signature", None, "482913")
    assert config.secretary_key == Pkcs11Key(
        module, "Secretariat", "bernard", "Certificat de Bernard", "137946"
    )
    assert "482913" not in repr(config)
    assert "137946" not in repr(config)


def test_a_token_without_its_pin_is_a_warning_naming_the_variable(tmp_path: Path) -> None:
    module = _module(tmp_path)
    path = _demo_with(
        tmp_path, f'[signing]\npkcs11_module = "{module}"\ntoken = "Mairie"\nkey = "signature"\n'
    )
    config, problems = check_config(path, env={})
    assert config is not None
    assert config.signing_key == Pkcs11Key(module, "Mairie", "signature", None, None)
    [warning] = [p for p in problems if p.key.startswith("signing")]
    assert warning.key == "signing.token"
    assert warning.severity == "attention"
    assert "TABLE_APP_SIGNING_PIN" in warning.message
    assert "jamais dans ce fichier" in warning.fix


SIGNING_BROKEN = """
[signing]
certificate = "signature.p12"
pkcs11_module = "/usr/lib/absent/pilote.so"
jeton = "Mairie"

[signing.secretaire]
pkcs11_module = "/usr/lib/absent/pilote.so"
key = ""
"""


def test_each_signing_problem_names_its_key_and_its_fix(tmp_path: Path) -> None:
    config, problems = check_config(_demo_with(tmp_path, SIGNING_BROKEN), env={})
    assert config is None
    by_key = {p.key: p for p in problems if p.key.startswith("signing")}
    assert set(by_key) == {
        "signing.certificate",
        "signing.jeton",
        "signing.secretaire.pkcs11_module",
        "signing.secretaire.token",
        "signing.secretaire.key",
    }
    assert "ensemble" in by_key["signing.certificate"].message
    assert by_key["signing.jeton"].severity == "attention"
    assert "token" in by_key["signing.jeton"].fix
    assert "introuvable" in by_key["signing.secretaire.pkcs11_module"].message
    assert "opensc" in by_key["signing.secretaire.pkcs11_module"].fix
    assert by_key["signing.secretaire.token"].message == "nom du jeton non indiqué"
    assert 'token = "Mairie"' in by_key["signing.secretaire.token"].fix
    assert "nom de clé invalide" in by_key["signing.secretaire.key"].message
    for key in ("signing.certificate", "signing.secretaire.pkcs11_module"):
        assert by_key[key].severity == "erreur"


def test_a_token_section_without_its_module_and_a_secretary_that_is_not_a_table(
    tmp_path: Path,
) -> None:
    text = '[signing]\ntoken = "Mairie"\nkey = "signature"\nsecretaire = "Bernard"\n'
    _, problems = check_config(_demo_with(tmp_path, text), env={})
    by_key = {p.key: p for p in problems if p.key.startswith("signing")}
    assert set(by_key) == {"signing.pkcs11_module", "signing.secretaire"}
    assert "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so" in by_key["signing.pkcs11_module"].fix
    assert "[signing.secretaire]" in by_key["signing.secretaire"].fix


def test_check_command_shows_signing_problems_in_french(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(_demo_with(tmp_path, SIGNING_BROKEN))]) == 1
    out = capsys.readouterr().out
    assert "signing.secretaire.pkcs11_module : module PKCS#11 /usr/lib/absent/pilote.so" in out
    assert "un fichier PKCS#12 et un jeton PKCS#11 sont indiqués ensemble" in out
