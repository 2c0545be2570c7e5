"""Everything the secretary takes away from a closed session, built from the journal.

``export_session`` writes, for each numbered deliberation, the extract of the
register as PDF, then the procès-verbal (its debates still to be completed by
the secretary), the liste des délibérations and the register's closing sheet;
signs each (PAdES, pyHanko) with the commune's certificate,
publishes the signed files into the synced public folder and prepares the
prefecture's transmission package. It can be run again at any time: a
signed file that still verifies is kept as it is (no new signature, no new
bytes), the publication rewrites nothing identical, and numbers come from the
engine, so nothing is ever renumbered.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from table_app.config import Config
from table_app.council.state import Session, SessionStatus
from table_app.export.deliberation_pdf import (
    deliberation_filename,
    deliberation_pdf,
    numbered_items,
)
from table_app.export.minutes_pdf import (
    closing_sheet_pdf,
    liste_deliberations_pdf,
    proces_verbal_pdf,
)
from table_app.export.publish import (
    PublishedAct,
    PublishError,
    atomic_write_bytes,
    publish,
    transmission_package,
)
from table_app.signing import SELF_SIGNED_NOTICE, create_self_signed, sign_pdf, verify_pdf

log = logging.getLogger("table_app.export")


class ExportError(Exception):
    """The export cannot be made; ``message`` says why, in French."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class ExportReport:
    folder: Path
    signed: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)
    published: Path | None = None
    transmission: list[Path] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


def signing_certificate(config: Config) -> tuple[Path, bytes | None, list[str]]:
    """The configured PKCS#12, or the commune's self-signed one (made once)."""
    password = os.environ.get("TABLE_APP_SIGNING_PASSWORD")
    secret = password.encode() if password else None
    if config.signing_certificate is not None:
        return config.signing_certificate, secret, []
    own = config.data_dir / "signature" / "mairie-autosignee.p12"
    if not own.exists():
        own.parent.mkdir(parents=True, exist_ok=True)
        create_self_signed(config.commune.name, own)
        log.info("Certificat auto-signé créé pour %s : %s", config.commune.name, own)
    return own, None, [SELF_SIGNED_NOTICE]


def _still_signed(path: Path) -> bool:
    try:
        reports = verify_pdf(path)
    except Exception:
        return False
    return bool(reports) and all(r.ok for r in reports)


Progress = Callable[[int, int, str], None]


def export_session(
    session: Session,
    config: Config,
    out_dir: Path,
    *,
    publish_online: bool = True,
    progress: Progress | None = None,
) -> ExportReport:
    """Build, sign, publish and package the deliberations of a closed session."""
    if session.status is not SessionStatus.CLOSED:
        raise ExportError(
            f"La séance « {session.id} » n'est pas close : les délibérations ne sont exportées "
            "qu'après la clôture"
        )
    items = numbered_items(session)
    if not items:
        raise ExportError(f"La séance « {session.id} » n'a aucune délibération numérotée")
    certificate, secret, notices = signing_certificate(config)
    report = ExportReport(out_dir, notices=list(notices))
    unsigned_dir = out_dir / "non-signées"
    signed_dir = out_dir / "signées"
    unsigned_dir.mkdir(parents=True, exist_ok=True)
    signed_dir.mkdir(parents=True, exist_ok=True)
    mayor = session.name(session.mayor)
    acts: list[PublishedAct] = []
    for done, item in enumerate(items):
        name = deliberation_filename(session, item)
        if progress is not None:
            progress(done, len(items), f"Délibération n° {item.number}")
        signed = signed_dir / name
        if signed.exists() and _still_signed(signed):
            report.kept.append(signed)
        else:
            draft = unsigned_dir / name
            atomic_write_bytes(
                draft,
                deliberation_pdf(session, item, config.commune.name, config.commune.department),
            )
            sign_pdf(
                draft,
                signed,
                certificate,
                secret,
                field_name="Maire",
                reason=f"Délibération n° {item.number}",
                location=config.commune.name,
                signer_name=mayor,
            )
            report.signed.append(signed)
        vote = item.vote or {}
        result = vote.get("result", "adopte" if item.rounds else "rejete")
        acts.append(
            PublishedAct(
                number=str(item.number),
                date=session.date,
                object=item.title,
                result=str(result),
                pdf=signed,
                classification=item.classification,
                votes={k: vote[k] for k in ("pour", "contre", "abstention", "votants") if k in vote}
                or None,
                session_id=session.id,
            )
        )
    minutes = {
        f"{session.date}_proces-verbal.pdf": proces_verbal_pdf(
            session, config.commune.name, config.commune.department
        ),
        f"{session.date}_liste-des-deliberations.pdf": liste_deliberations_pdf(
            session, config.commune.name, config.commune.department
        ),
        f"{session.date}_feuillet-de-cloture.pdf": closing_sheet_pdf(
            session, config.commune.name, config.commune.department
        ),
    }
    for name, data in minutes.items():
        signed = signed_dir / name
        if signed.exists() and _still_signed(signed):
            report.kept.append(signed)
            continue
        draft = unsigned_dir / name
        atomic_write_bytes(draft, data)
        sign_pdf(
            draft,
            signed,
            certificate,
            secret,
            field_name="Maire",
            reason=name.split("_", 1)[1].removesuffix(".pdf").replace("-", " "),
            location=config.commune.name,
            signer_name=mayor,
        )
        report.signed.append(signed)
    liste = signed_dir / f"{session.date}_liste-des-deliberations.pdf"
    try:
        if publish_online:
            public_root = config.documents_folder / "Public"
            publish(acts, public_root, config.commune.name, config.commune.insee, liste)
            report.published = public_root / "Délibérations" / session.date[:4]
        ready = [a for a in acts if a.classification]
        missing = [a.number for a in acts if not a.classification]
        if ready:
            report.transmission = transmission_package(
                ready, out_dir / "transmission-prefecture", None, config.commune.department
            )
        if missing:
            report.notices.append(
                "Attention : classification @CTES manquante, délibération(s) non préparée(s) "
                "pour la "
                "préfecture : " + ", ".join(missing)
            )
    except PublishError as error:
        raise ExportError(str(error)) from None
    if progress is not None:
        progress(len(items), len(items), "Terminé")
    return report
