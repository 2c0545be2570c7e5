"""A signature check that fails says what failed: such a file is never taken
for an unsigned one, kept as it is, nor published."""

import json
import logging
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pyhanko.sign.validation
import pymupdf
import pytest

from demo import DEMO_SCRIPT
from table_app.config import Config
from table_app.council.engine import SessionEngine
from table_app.export.session_export import (
    ExportError,
    check_signatures,
    export_session,
    publish_session,
)
from table_app.script import play_file
from table_app.signing import Pkcs12Key, create_self_signed, sign_pdf
from tests.support import cut_in_half, malform_byte_range, overwrite_signature_contents


def test_a_malformed_signature_is_said_never_published_and_signed_again(
    engine: SessionEngine, config: Config, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    result = play_file(engine, DEMO_SCRIPT, author="president")
    session = engine.state.sessions[result.sessions[0]]
    out = tmp_path / "export"
    assert len(export_session(session, config, out).signed) == 9
    budget = next((out / "signées").glob("2026-002_*.pdf"))
    malform_byte_range(budget)

    with caplog.at_level(logging.WARNING, logger="table_app.export"):
        check = check_signatures(budget)
    assert check.reports == ()
    assert not check.ok()
    assert check.error is not None
    assert "la signature « Maire » est illisible" in check.error
    assert check.error.startswith(budget.name)  # its name, not the whole path
    assert any("Vérification de la signature impossible" in r.message for r in caplog.records)
    # Not the same thing as a file that bears no signature at all.
    unsigned = check_signatures(out / "non-signées" / budget.name)
    assert unsigned.error is None
    assert unsigned.reports == ()
    assert not unsigned.ok()

    with pytest.raises(ExportError) as refused:
        publish_session(session, config, out)
    assert refused.value.message.startswith(f"« {budget.name} » n'est pas publié")
    assert "vérification de la signature impossible" in refused.value.message
    assert "la signature « Maire » est illisible" in refused.value.message

    # Exported again: the file is made and signed again, and the secretary is told why.
    again = export_session(session, config, out, publish_online=True)
    assert again.signed == [budget]
    assert len(again.kept) == 8
    [notice] = [n for n in again.notices if budget.name in n]
    assert "vérification de la signature impossible" in notice
    assert "la signature « Maire » est illisible" in notice
    assert notice.endswith("le document est produit et signé de nouveau.")
    assert check_signatures(budget).ok(1)
    assert again.published is not None


def test_a_verifier_that_breaks_is_said_in_full_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No real file is known to make the verifier fail otherwise than with its
    # own French message (the test above): pyHanko's validator is made to break.
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "Procès-verbal")
    doc.save(tmp_path / "pv.pdf")
    doc.close()
    key = Pkcs12Key(create_self_signed("Val-de-Sauve", tmp_path / "mairie.p12"))
    signed = tmp_path / "pv-signe.pdf"
    sign_pdf(
        tmp_path / "pv.pdf",
        signed,
        key,
        field_name="Maire",
        reason="Procès-verbal",
        location="Val-de-Sauve",
        signer_name="Le maire",
    )
    assert check_signatures(signed).ok(1)

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("état interne incohérent")

    monkeypatch.setattr(pyhanko.sign.validation, "validate_pdf_signature", broken)
    with caplog.at_level(logging.ERROR, logger="table_app.export"):
        check = check_signatures(signed)
    assert (
        check.error == "erreur inattendue du vérificateur (RuntimeError : état interne incohérent)"
    )
    assert check.reports == ()
    assert not check.ok()
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert record.exc_info is not None  # the traceback is in the log


UNREADABLE = {
    "coupé en deux": cut_in_half,
    "signature mise à zéro": lambda path: overwrite_signature_contents(path, b"0"),
    "signature quelconque": lambda path: overwrite_signature_contents(path, b"5a3c9e17"),
}


@pytest.mark.parametrize("damage", UNREADABLE.values(), ids=UNREADABLE.keys())
def test_a_signature_pyhanko_cannot_read_is_a_failed_check_never_an_unsigned_file(
    tmp_path: Path, damage: Callable[[Path], None], caplog: pytest.LogCaptureFixture
) -> None:
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "Délibération n° 2026-07")
    doc.save(tmp_path / "deliberation.pdf")
    doc.close()
    key = Pkcs12Key(create_self_signed("Val-de-Sauve", tmp_path / "mairie.p12"))
    signed = tmp_path / "deliberation-signee.pdf"
    sign_pdf(
        tmp_path / "deliberation.pdf",
        signed,
        key,
        field_name="Maire",
        reason="Délibération",
        location="Val-de-Sauve",
        signer_name="Le maire",
    )
    assert check_signatures(signed).ok(1)
    unsigned = check_signatures(tmp_path / "deliberation.pdf")
    assert (unsigned.error, unsigned.reports) == (None, ())

    damage(signed)
    with caplog.at_level(logging.WARNING, logger="table_app.export"):
        check = check_signatures(signed)
    assert check.error == (
        f"{signed.name} : la signature « Maire » est illisible : fichier tronqué ou modifié."
    )
    assert check.reports == ()
    assert not check.ok()
    assert any("Vérification de la signature impossible" in r.message for r in caplog.records)


def test_a_signed_act_cut_in_half_is_made_and_signed_again(
    engine: SessionEngine, config: Config, tmp_path: Path
) -> None:
    result = play_file(engine, DEMO_SCRIPT, author="president")
    session = engine.state.sessions[result.sessions[0]]
    out = tmp_path / "export"
    export_session(session, config, out)
    budget = next((out / "signées").glob("2026-002_*.pdf"))
    cut_in_half(budget)

    again = export_session(session, config, out)  # no crash on the damaged file
    assert again.signed == [budget]
    [notice] = [n for n in again.notices if budget.name in n]
    assert "vérification de la signature impossible" in notice
    assert check_signatures(budget).ok(1)


def test_the_acts_go_online_on_the_communes_date_whatever_the_computers_zone(
    engine: SessionEngine, config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The date online (L2131-1) is the commune's: a table whose system clock
    runs in another zone must not date the acts the day before or after. Of
    the two zones, 13 hours behind and 13 hours ahead of Paris, one is on
    another date than Paris at any hour of the day."""
    result = play_file(engine, DEMO_SCRIPT, author="president")
    session = engine.state.sessions[result.sessions[0]]
    out = tmp_path / "export"
    export_session(session, config, out)
    paris = ZoneInfo(config.commune.timezone)
    try:
        for zone in ("Etc/GMT+12", "Pacific/Kiritimati"):
            monkeypatch.setenv("TZ", zone)
            time.tzset()
            before = datetime.now(paris).date().isoformat()
            year = publish_session(session, config, out)
            after = datetime.now(paris).date().isoformat()
            manifest = json.loads((year / ".publication.json").read_text(encoding="utf-8"))
            (year / ".publication.json").unlink()  # the next zone dates them afresh
            assert {e["online"] for e in manifest["acts"].values()} <= {before, after}
    finally:
        monkeypatch.undo()
        time.tzset()
