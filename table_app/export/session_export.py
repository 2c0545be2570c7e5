"""Everything the secretary takes away from a closed session, built from the journal.

``export_session`` writes, for each numbered deliberation, the extract of the
register as PDF, then the procès-verbal (its debates still to be completed by
the secretary), the liste des délibérations and the register's closing sheet,
with the handwritten signatures drawn on the master screen in their boxes;
signs each (PAdES, pyHanko) with the commune's certificate and prepares the
prefecture's transmission package. ``publish_session`` then publishes the
signed files into the synced public folder (a separate step: the secretary
checks and prints before publishing).

It can be run again at any time: a signed file built from the same source
(same journal facts, same drawn signatures) that still verifies is kept as
it is (no new signature, no new bytes); a changed one (a debate summary
recorded, a signature drawn) is rebuilt and signed again. The publication
rewrites nothing identical, and numbers come from the engine, so nothing is
ever renumbered.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from table_app.config import Config
from table_app.council.state import Session, SessionStatus
from table_app.export.deliberation_pdf import (
    SIGNATURE_BOXES,
    deliberation_filename,
    deliberation_pdf,
    numbered_items,
)
from table_app.export.minutes_pdf import (
    closing_sheet_pdf,
    liste_deliberations_pdf,
    proces_verbal_pdf,
)
from table_app.export.pdfa import read_provenance
from table_app.export.publish import (
    PUBLIC_FOLDER,
    PublishedAct,
    PublishError,
    atomic_write_bytes,
    publish,
    transmission_package,
)
from table_app.handwriting import (
    Handwriting,
    HandwritingError,
    handwriting_path,
    load_handwriting,
)
from table_app.signing import (
    SELF_SIGNED_NOTICE,
    Pkcs12Key,
    RegisterSigners,
    SignatureReport,
    SigningError,
    SigningKey,
    commune_now,
    create_self_signed,
    self_signed_path,
    sign_register_pdf,
    verify_pdf,
)

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


def signing_certificate(config: Config) -> tuple[SigningKey, list[str]]:
    """The commune's configured key (PKCS#12 file or PKCS#11 token), or its
    self-signed PKCS#12 (made once), with the notices to show."""
    if config.signing_key is not None:
        return config.signing_key, []
    own = self_signed_path(config.data_dir)
    if not own.exists():
        own.parent.mkdir(parents=True, exist_ok=True)
        create_self_signed(config.commune.name, own)
        log.info("Certificat auto-signé créé pour %s : %s", config.commune.name, own)
    return Pkcs12Key(own), [SELF_SIGNED_NOTICE]


@dataclass(frozen=True)
class SignatureCheck:
    """The signatures of a signed file, checked now: ``reports`` (none when
    the file bears no signature), or ``error`` when the check itself failed
    (unreadable file, malformed signature, a fault of the verifier), saying
    what failed, in French: such a file is neither « signed » nor « unsigned »."""

    path: Path
    reports: tuple[SignatureReport, ...] = ()
    error: str | None = None

    def ok(self, signatures: int | None = None) -> bool:
        """Every signature verifies (and there are ``signatures`` of them)."""
        if self.error is not None or not self.reports:
            return False
        if signatures is not None and len(self.reports) != signatures:
            return False
        return all(r.ok for r in self.reports)


def check_signatures(path: Path) -> SignatureCheck:
    """Every signature of ``path`` verified, or why that could not be done."""
    try:
        reports = verify_pdf(path)
    except SigningError as error:  # the file: unreadable, not a PDF, a malformed signature
        log.warning("Vérification de la signature impossible : %s", error)
        return SignatureCheck(path, error=str(error).replace(str(path), path.name))
    except Exception as error:  # the verifier itself: kept in full, never taken for « unsigned »
        log.exception("Vérification de la signature de %s impossible", path)
        return SignatureCheck(
            path, error=f"erreur inattendue du vérificateur ({type(error).__name__} : {error})"
        )
    return SignatureCheck(path, tuple(reports))


def _unchanged(signed: Path, draft: bytes, signatures: int, notices: list[str]) -> bool:
    """The signed file was built from the same source as ``draft``, bears the
    signatures expected now (the secretary's certificate may have been added
    since) and still verifies: keeping it avoids re-signing (and re-dating) an
    unchanged act. A check that fails is said in ``notices`` (the file is then
    made and signed again)."""
    if not signed.exists():
        return False
    # The signature first: a damaged file (cut in half, say) is said, and never
    # handed to the provenance reader, which cannot parse it.
    check = check_signatures(signed)
    if check.error is not None:
        notices.append(
            f"« {signed.name} » : vérification de la signature impossible ({check.error}) ; "
            "le document est produit et signé de nouveau."
        )
        return False
    new = read_provenance(draft)
    old = read_provenance(signed)
    if new is None or old is None or new.source_digest != old.source_digest:
        return False
    return check.ok(signatures)


def session_handwriting(
    config: Config, session: Session
) -> tuple[dict[str, Handwriting], list[str]]:
    """The signatures drawn on the master screen for ``session``, and notices
    for those missing or unreadable (the box then stays blank)."""
    drawn: dict[str, Handwriting] = {}
    notices: list[str] = []
    for role, who in (("maire", "du maire"), ("secretaire", "du secrétaire de séance")):
        try:
            found = load_handwriting(handwriting_path(config.data_dir, session.id, role))
        except HandwritingError as error:
            notices.append(f"Signature manuscrite {who} illisible, cadre laissé vide : {error}")
            continue
        if found is None:
            notices.append(
                f"Signature manuscrite {who} non dessinée : son cadre reste vide "
                "(la signature électronique suffit ; elle peut être dessinée puis l'export relancé)."
            )
        else:
            drawn[role] = found
    return drawn, notices


Progress = Callable[[int, int, str], None]


def _acts(session: Session, signed_dir: Path) -> list[PublishedAct]:
    acts: list[PublishedAct] = []
    for item in numbered_items(session):
        vote = item.vote or {}
        result = vote.get("result", "adopte" if item.rounds else "rejete")
        acts.append(
            PublishedAct(
                number=str(item.number),
                date=session.date,
                object=item.title,
                result=str(result),
                pdf=signed_dir / deliberation_filename(session, item),
                classification=item.classification,
                votes={k: vote[k] for k in ("pour", "contre", "abstention", "votants") if k in vote}
                or None,
                session_id=session.id,
            )
        )
    return acts


def export_session(
    session: Session,
    config: Config,
    out_dir: Path,
    *,
    publish_online: bool = False,
    progress: Progress | None = None,
) -> ExportReport:
    """Build, sign and package the deliberations of a closed session (and
    publish them when ``publish_online``; otherwise ``publish_session`` does)."""
    if session.status is not SessionStatus.CLOSED:
        raise ExportError(
            f"La séance « {session.id} » n'est pas close : les délibérations ne sont exportées "
            "qu'après la clôture"
        )
    items = numbered_items(session)
    if not items:
        raise ExportError(f"La séance « {session.id} » n'a aucune délibération numérotée")
    certificate, notices = signing_certificate(config)
    handwriting, drawn_notices = session_handwriting(config, session)
    report = ExportReport(out_dir, notices=[*notices, *drawn_notices])
    unsigned_dir = out_dir / "non-signées"
    signed_dir = out_dir / "signées"
    unsigned_dir.mkdir(parents=True, exist_ok=True)
    signed_dir.mkdir(parents=True, exist_ok=True)
    mayor = session.name(session.mayor)
    commune, department = config.commune.name, config.commune.department
    day = session.date
    documents: list[tuple[str, str, Callable[[], bytes]]] = [
        (
            deliberation_filename(session, item),
            f"Délibération n° {item.number}",
            functools.partial(deliberation_pdf, session, item, commune, department, handwriting),
        )
        for item in items
    ]
    documents += [
        (
            f"{day}_proces-verbal.pdf",
            "Procès-verbal",
            lambda: proces_verbal_pdf(session, commune, department, handwriting=handwriting),
        ),
        (
            f"{day}_liste-des-deliberations.pdf",
            "Liste des délibérations",
            lambda: liste_deliberations_pdf(session, commune, department, handwriting),
        ),
        (
            f"{day}_feuillet-de-cloture.pdf",
            "Feuillet de clôture",
            lambda: closing_sheet_pdf(session, commune, department, handwriting),
        ),
    ]
    for done, (name, label, build) in enumerate(documents):
        if progress is not None:
            progress(done, len(documents), label)
        signed = signed_dir / name
        data = build()
        if _unchanged(signed, data, 2 if config.secretary_key is not None else 1, report.notices):
            report.kept.append(signed)
            continue
        draft = unsigned_dir / name
        atomic_write_bytes(draft, data)
        sign_register_pdf(
            draft,
            signed,
            RegisterSigners(certificate, config.secretary_key),
            reason=label,
            location=config.commune.name,
            mayor_name=mayor,
            secretary_name=", ".join(session.name(m) for m in session.secretaries),
            boxes=SIGNATURE_BOXES,
            timezone=config.commune.timezone,
        )
        report.signed.append(signed)
    acts = _acts(session, signed_dir)
    try:
        ready = [a for a in acts if a.classification]
        missing = [a.number for a in acts if not a.classification]
        if ready:
            report.transmission = transmission_package(
                ready, out_dir / "transmission-prefecture", None, config.commune.department
            )
        if missing:
            report.notices.append(
                "Attention : classification @CTES manquante, délibération(s) non préparée(s) "
                "pour la préfecture : " + ", ".join(missing)
            )
    except PublishError as error:
        raise ExportError(str(error)) from None
    if publish_online:
        report.published = publish_session(session, config, out_dir)
    if progress is not None:
        progress(len(documents), len(documents), "Terminé")
    return report


def publish_session(
    session: Session, config: Config, out_dir: Path, *, today: date | None = None
) -> Path:
    """Publish the signed acts of an export into the synced public folder;
    returns the folder of the year. Every act must be there, signed and valid:
    nothing unsigned or altered ever reaches the citizens.

    ``today`` is the date the acts are put online (L2131-1: from it they are
    enforceable): by default the commune's date (``commune.timezone``), not
    the computer's. A table whose system clock runs in UTC, published at
    00:30 in Paris, gave the acts the day before as their date online.
    """
    signed_dir = out_dir / "signées"
    acts = _acts(session, signed_dir)
    liste = signed_dir / f"{session.date}_liste-des-deliberations.pdf"
    for path in [*(a.pdf for a in acts), liste]:
        if not path.exists():
            raise ExportError(
                f"« {path.name} » n'a pas encore été produit : produisez et signez avant de publier"
            )
        check = check_signatures(path)
        if check.error is not None:
            raise ExportError(
                f"« {path.name} » n'est pas publié : vérification de la signature impossible "
                f"({check.error})"
            )
        if not check.ok():
            raise ExportError(
                f"« {path.name} » n'a pas une signature valide : il n'est pas publié "
                "(produisez et signez de nouveau)"
            )
    public_root = config.documents_folder / "Public"
    try:
        publish(
            acts,
            public_root,
            config.commune.name,
            config.commune.insee,
            liste,
            today=today or commune_now(config.commune.timezone).date(),
        )
    except PublishError as error:
        raise ExportError(str(error)) from None
    return public_root / PUBLIC_FOLDER / session.date[:4]


def publication_state(session: Session, config: Config, out_dir: Path) -> dict[Path, bool]:
    """For each signed file that is published (the acts and the liste): whether
    the public folder holds it as it is now (False: to publish, or again)."""
    signed_dir = out_dir / "signées"
    folder = config.documents_folder / "Public" / PUBLIC_FOLDER / session.date[:4]
    pairs = [(act.pdf, folder / act.file_name) for act in _acts(session, signed_dir)]
    pairs.append(
        (
            signed_dir / f"{session.date}_liste-des-deliberations.pdf",
            folder / f"{session.date}_liste_des_deliberations.pdf",
        )
    )
    state: dict[Path, bool] = {}
    for signed, public in pairs:
        try:
            state[signed] = public.read_bytes() == signed.read_bytes()
        except OSError:
            state[signed] = False
    return state
