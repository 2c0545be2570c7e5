"""`table-app export`: the closed demo session's deliberations built, signed,
published and packaged, checked by an independent verifier and run twice."""

import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from demo import DEMO_CONFIG, DEMO_SCRIPT
from table_app.cli import main
from table_app.signing import create_self_signed


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(DEMO_CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "documents").mkdir()
    return path


def test_export_signs_publishes_and_packages_the_closed_session(
    config_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--config", str(config_path)]
    assert main([*args, "session", "play", str(DEMO_SCRIPT)]) == 0
    out = tmp_path / "export"
    assert main([*args, "export", "2026-11-28", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "9 signée(s), 0 déjà signée(s)" in printed  # 6 deliberations, PV, liste, closing
    assert "certificat auto-signé, non qualifié" in printed
    signed = sorted((out / "signées").glob("2026-0*.pdf"))
    assert [p.name[:8] for p in signed] == [f"2026-00{n}" for n in range(1, 7)]
    minutes = sorted((out / "signées").glob("2026-11-28_*.pdf"))
    assert [p.name for p in minutes] == [
        "2026-11-28_feuillet-de-cloture.pdf",
        "2026-11-28_liste-des-deliberations.pdf",
        "2026-11-28_proces-verbal.pdf",
    ]
    assert main(["verify", *map(str, minutes)]) == 0
    pdfsig = subprocess.run(
        ["pdfsig", str(signed[1])], capture_output=True, text=True, check=False
    ).stdout
    assert "Signature is Valid" in pdfsig
    assert "Total document signed" in pdfsig
    assert main(["verify", *map(str, signed)]) == 0
    public = tmp_path / "documents" / "Public" / "Délibérations" / "2026"
    assert (public / "index.html").read_text(encoding="utf-8").count("2026-00") >= 6
    assert (public / "deliberations.csv").exists()
    assert (out / "transmission-prefecture" / "2026-002" / "enveloppe.xml").exists()
    before = {p.name: p.read_bytes() for p in signed}
    capsys.readouterr()
    # Run again: nothing re-signed, nothing renumbered, the same bytes.
    assert main([*args, "export", "2026-11-28", "--out", str(out)]) == 0
    assert "0 signée(s), 9 déjà signée(s) et inchangée(s)" in capsys.readouterr().out
    assert {p.name: p.read_bytes() for p in sorted((out / "signées").glob("2026-0*.pdf"))} == before


def test_an_open_session_is_not_exported(
    config_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--config", str(config_path)]
    lines = DEMO_SCRIPT.read_text(encoding="utf-8").splitlines()
    open_session = tmp_path / "open.jsonl"
    open_session.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")  # not closed
    assert main([*args, "session", "play", str(open_session)]) == 0
    assert main([*args, "export", "2026-11-28"]) == 1
    assert "n'est pas close" in capsys.readouterr().err


def test_the_secretarys_certificate_added_later_signs_every_document_again(
    config_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    args = ["--config", str(config_path)]
    assert main([*args, "session", "play", str(DEMO_SCRIPT)]) == 0
    out = tmp_path / "export"
    assert main([*args, "export", "2026-11-28", "--out", str(out), "--no-publish"]) == 0
    secretary = create_self_signed(
        "Val-de-Sauve, secrétariat", tmp_path / "secretaire.p12", b"s3cret"
    )
    with config_path.open("a", encoding="utf-8") as config:
        config.write(f'\n[signing.secretaire]\ncertificate = "{secretary}"\n')
    monkeypatch.setenv("TABLE_APP_SECRETARY_PASSWORD", "s3cret")
    capsys.readouterr()
    assert main([*args, "export", "2026-11-28", "--out", str(out), "--no-publish"]) == 0
    assert "9 signée(s), 0 déjà signée(s)" in capsys.readouterr().out
    budget = next((out / "signées").glob("2026-002_*.pdf"))
    assert main(["verify", str(budget)]) == 0
    printed = capsys.readouterr().out
    assert "Signature « Maire »" in printed
    assert "Signature « Secretaire »" in printed
    assert "2 signature(s) valide(s)" in printed
    # Nothing changed since: both signatures kept as they are.
    assert main([*args, "export", "2026-11-28", "--out", str(out), "--no-publish"]) == 0
    assert "0 signée(s), 9 déjà signée(s)" in capsys.readouterr().out


def test_every_exported_file_passes_the_independent_verifiers(
    config_path: Path, tmp_path: Path
) -> None:
    args = ["--config", str(config_path)]
    assert main([*args, "session", "play", str(DEMO_SCRIPT)]) == 0
    out = tmp_path / "export"
    assert main([*args, "export", "2026-11-28", "--out", str(out), "--no-publish"]) == 0
    p12 = next(tmp_path.rglob("mairie-autosignee.p12"))
    _key, certificate, _others = pkcs12.load_key_and_certificates(p12.read_bytes(), None)
    assert certificate is not None
    pem = tmp_path / "mairie.pem"
    pem.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    files = sorted((out / "signées").glob("*.pdf"))
    assert len(files) == 9
    for path in files:
        pdfsig = subprocess.run(
            ["pdfsig", str(path)], capture_output=True, text=True, check=False
        ).stdout
        assert "Signature is Valid" in pdfsig, path.name
        assert "Total document signed" in pdfsig, path.name
        validated = subprocess.run(
            [
                str(Path(sys.executable).parent / "pyhanko"),
                "sign",
                "validate",
                "--no-revocation-check",
                "--executive-summary",
                "--trust-replace",
                "--trust",
                str(pem),
                str(path),
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert validated.returncode == 0, validated.stdout + validated.stderr
        assert ":VALID" in validated.stdout, (path.name, validated.stdout)
