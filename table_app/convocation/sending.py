"""Sending the convocation of a convened session, every sending in the journal.

``send_convocation`` checks everything before it sends anything (the session
still convened, the table's clock not behind the session's last event, an
address for every member who asked for the e-mail, a mail server when one is
needed, still time enough for the notice), then:

1. makes the convocation PDF (``table_app.export.convocation_pdf``), PDF/A,
   signed like the exports (``table_app.signing``), kept in the data folder;
   a second run with the same session and documents re-sends that same file;
2. writes it atomically into each member's folder of the synced cloud,
   ``Élus/<nom>/Convocations/``, and records each deposit;
3. sends it by e-mail to each member who agreed to the electronic convocation
   (``[[members]] convocation_electronique``), and records each sending, or
   its failure after the retries, never the other way round.

Each sending is one ``record_convocation`` command, dated by the caller's
clock at the moment it was made: the domain reads no clock of its own.
A second run sends only what is not done yet with the same PDF: a failed
e-mail is tried again, a delivered one is not sent twice.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from table_app.atomic_files import atomic_write_bytes
from table_app.config import Config, SmtpSettings, email_problem
from table_app.convocation.mail import SmtpMailer, convocation_message
from table_app.convocation.model import (
    ConvocationError,
    ConvocationReport,
    Delivery,
    SessionDocument,
)
from table_app.council import moments, rules
from table_app.council.errors import CommandRefused
from table_app.council.state import SESSION_STATUS_LABELS, Session, SessionStatus
from table_app.export.convocation_pdf import (
    CONVOCATION_BOX,
    complement,
    convened_items,
    convocation_digest,
    convocation_filename,
    convocation_pdf,
    weekday_date,
)
from table_app.export.deliberation_pdf import _hour, journal_anchor
from table_app.export.pdfa import read_provenance
from table_app.export.session_export import check_signatures, signing_certificate
from table_app.french import short_date
from table_app.signing import SigningError, sign_pdf

log = logging.getLogger("table_app.convocation")

#: In the synced cloud folder: one folder per member, and in it the convocations.
MEMBERS_FOLDER = "Élus"
CONVOCATIONS_FOLDER = "Convocations"

#: ``engine.execute(command, author="secretaire")``, or the screen's way to it.
Record = Callable[[dict[str, Any]], object]
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Recipient:
    """A member of the session and how they are convened (from the configuration)."""

    member: str
    name: str
    email: str | None
    consent: date | None  # the day they asked for the electronic convocation

    @property
    def by_email(self) -> bool:
        return self.consent is not None


def folder_name(name: str) -> str:
    """A member's name as a folder name: as written, without path separators."""
    cleaned = "".join(" " if c in "/\\\x00" else c for c in name).strip().lstrip(".")
    return " ".join(cleaned.split()) or "sans nom"


def member_folder(config: Config, name: str) -> Path:
    """``<documents>/Élus/<nom>/Convocations``."""
    return config.documents_folder / MEMBERS_FOLDER / folder_name(name) / CONVOCATIONS_FOLDER


def convocation_store(config: Config, session: Session) -> Path:
    """Where the signed convocation and its proof are kept: the data folder."""
    return config.data_dir / "convocations" / session.id


def recipients(session: Session, config: Config) -> list[Recipient]:
    """The session's members (frozen at its convocation), in the order of the
    tableau, with their address and consent from the configuration."""
    known = {m.id: m for m in config.members}
    found = []
    for info in sorted(session.members.values(), key=lambda m: m.rank):
        member = known.get(info.id)
        found.append(
            Recipient(
                info.id,
                info.name,
                member.email if member else None,
                member.electronic_convocation if member else None,
            )
        )
    return found


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _still_signed(path: Path, notices: list[str]) -> bool:
    """The kept convocation still bears signatures that all verify. Otherwise
    the reason (a check that could not be made, a signature that no longer
    verifies) is logged and said in ``notices``: the convocation is then made
    and signed again."""
    check = check_signatures(path)
    if check.ok():
        return True
    if check.error is not None:
        why = f"vérification de la signature impossible ({check.error.rstrip('.')})"
    elif not check.reports:
        why = "la convocation conservée ne porte plus de signature"
    else:
        why = "signature non valide (" + " ".join(r.summary for r in check.reports) + ")"
    log.warning("Convocation %s : %s ; elle est produite et signée de nouveau.", path, why)
    notices.append(f"« {path.name} » : {why} ; la convocation est produite et signée de nouveau.")
    return False


def signed_convocation(
    session: Session,
    config: Config,
    documents: Sequence[SessionDocument],
    now: datetime,
) -> tuple[Path, bytes, bool, list[str]]:
    """The signed convocation: the one already made if the session and its
    documents say the same and it still verifies, else a new one dated
    ``now`` and signed with the commune's key. Returns its path, its bytes,
    whether it was made now, and notices (a self-signed certificate, a kept
    convocation whose signature no longer verifies, and why)."""
    commune, department = config.commune.name, config.commune.department
    folder = convocation_store(config, session)
    signed = folder / convocation_filename(session)
    digest = convocation_digest(session, commune, department, documents)
    key, notices = signing_certificate(config)
    notices = list(notices)
    # Its signatures first: a file cut short may not even yield its provenance.
    if signed.exists() and _still_signed(signed, notices):
        old = read_provenance(signed)
        if old is not None and old.source_digest == digest:
            return signed, signed.read_bytes(), False, notices
    local = now.astimezone(ZoneInfo(config.commune.timezone))
    data = convocation_pdf(session, commune, department, documents, local, journal_anchor(session))
    draft = folder / "non-signée" / signed.name
    atomic_write_bytes(draft, data)
    try:
        sign_pdf(
            draft,
            signed,
            key,
            field_name="Maire",
            reason="Convocation du conseil municipal",
            location=commune,
            signer_name=session.name(session.mayor),
            box=CONVOCATION_BOX,
            timezone=config.commune.timezone,
        )
    except SigningError as error:
        raise ConvocationError(
            f"La convocation n'a pas pu être signée : {error}. Rien n'a été envoyé."
        ) from error
    return signed, signed.read_bytes(), True, notices


def mail_subject(session: Session) -> str:
    which = "Convocation complémentaire" if complement(session) else "Convocation"
    return f"{which} au conseil municipal du {weekday_date(session.date)} à {_hour(session.time)}"


def mail_body(
    session: Session,
    config: Config,
    recipient: Recipient,
    sha256: str,
    documents: Sequence[SessionDocument],
) -> str:
    """The e-mail's text: what, when, where, the agenda, the documents, the proof."""
    commune = config.commune.name
    items = convened_items(session)
    more = complement(session, items)
    which = "la convocation complémentaire" if more else "la convocation"
    lines = [
        "Madame la conseillère municipale, Monsieur le conseiller municipal,",
        "",
        f"Vous trouverez ci-joint {which}, signée électroniquement, à la séance du "
        f"conseil municipal de {commune} qui se tiendra le {weekday_date(session.date)} à "
        f"{_hour(session.time)}, {session.place}.",
    ]
    if more is not None:
        lines.append(more.sentence())
    lines += ["", "Ordre du jour :"]
    added = more.added if more is not None else ()
    lines += [
        f"  {n}. {item.title}" + (" (point ajouté)" if n in added else "")
        for n, item in enumerate(items, start=1)
    ]
    lines.append("")
    if documents:
        lines.append(
            f"Les documents de la séance ({len(documents)} fichier(s)) sont dans le dossier "
            f"partagé « Séances/{session.date} » et consultables en mairie."
        )
    else:
        lines.append("Les documents préparatoires sont consultables en mairie.")
    lines += [
        "",
        f"Empreinte SHA-256 de la convocation jointe : {sha256}",
    ]
    if recipient.consent is not None:
        lines.append(
            f"Elle vous est adressée par courriel comme vous l'avez demandé le "
            f"{short_date(recipient.consent)} (article L2121-10 du CGCT) ; une copie est "
            f"déposée dans votre dossier « {MEMBERS_FOLDER}/{folder_name(recipient.name)}/"
            f"{CONVOCATIONS_FOLDER} »."
        )
    lines += ["", f"Le maire, {session.name(session.mayor)}", f"Mairie de {commune}"]
    return "\n".join(lines) + "\n"


def _done(session: Session, member: str, channel: str, sha256: str) -> bool:
    return any(
        s.sent and s.member == member and s.channel == channel and s.sha256 == sha256
        for s in session.convocations
    )


def _preflight(
    session: Session,
    config: Config,
    now: datetime,
    scope: list[Recipient],
) -> None:
    """Everything that would stop the sending, checked before anything is sent."""
    if session.status is not SessionStatus.CONVENED:
        raise ConvocationError(
            f"La séance du {short_date(session.date)} est "
            f"{SESSION_STATUS_LABELS[session.status]} : la convocation s'envoie avant "
            "l'ouverture. Rien n'a été envoyé."
        )
    tz = session.timezone
    moment = moments.stamp(now, tz)
    if session.last_at is not None and moments.earlier(moment, session.last_at):
        raise ConvocationError(
            f"Maintenant ({moments.label(moment, tz)}, horloge de l'ordinateur) précède le "
            f"dernier événement enregistré de la séance ({moments.label(session.last_at, tz)}) : "
            "les faits d'une séance s'enregistrent dans l'ordre. Vérifiez l'heure de "
            "l'ordinateur, ou le moment donné à la convocation de la séance (« at », sinon "
            "« convened_on » à l'heure de la séance). Rien n'a été envoyé."
        )
    problems = [
        f"{r.name} ({email_problem(r.email)})"
        for r in scope
        if r.by_email and email_problem(r.email) is not None
    ]
    if problems:
        raise ConvocationError(
            "Convocation non envoyée : adresse de courriel absente ou invalide pour "
            + ", ".join(problems)
            + ". Corrigez « email » dans son bloc [[members]] de la configuration (table-app "
            "check la vérifie). Rien n'a été envoyé."
        )
    wanting = [r.name for r in scope if r.by_email]
    if wanting and config.smtp is None:
        raise ConvocationError(
            f"Aucun serveur de courriel configuré ([smtp]) alors que {len(wanting)} élu(s) ont "
            f"demandé la convocation électronique ({', '.join(wanting)}) : ajoutez la section "
            "[smtp] à la configuration. Rien n'a été envoyé."
        )


def _too_late(session: Session, now: datetime, pending: list[Recipient]) -> None:
    """Refuse a first sending that would leave less notice than the law's minimum:
    the opening would be refused anyway."""
    reached = rules.first_sendings(session)
    first_time = [r for r in pending if r.member not in reached]
    if not first_time:
        return
    today = rules.sending_day(moments.stamp(now, session.timezone), session.timezone)
    days = rules.clear_days(date.fromisoformat(today), date.fromisoformat(session.date))
    required = rules.notice_required(session.population)
    minimum = 1 if session.emergency else required
    if days < minimum:
        law = (
            "un jour franc au moins en urgence"
            if session.emergency
            else f"{required} jours francs pour une commune de {session.population} habitants, "
            "sauf urgence"
        )
        raise ConvocationError(
            f"Trop tard pour convoquer à la séance du {short_date(session.date)} : envoyée le "
            f"{short_date(today)}, la convocation laisserait {days} jour(s) franc(s) ({law}). "
            "Convoquez le conseil à une autre date. Rien n'a été envoyé."
        )


def send_convocation(
    session: Session,
    config: Config,
    documents: Sequence[SessionDocument],
    *,
    record: Record,
    clock: Callable[[], datetime],
    mailer: SmtpMailer | None = None,
    members: Sequence[str] | None = None,
    progress: Progress | None = None,
) -> ConvocationReport:
    """Make, sign, place and send the convocation of ``session``; record each
    sending with ``record``. ``members`` limits the run to some members.
    Raises ``ConvocationError`` (nothing sent) when something stops it."""
    everyone = recipients(session, config)
    if members is not None:
        unknown = [m for m in members if m not in session.members]
        if unknown:
            raise ConvocationError(
                f"« {', '.join(unknown)} » : pas membre du conseil pour cette séance. Rien n'a "
                "été envoyé."
            )
        scope = [r for r in everyone if r.member in members]
    else:
        scope = everyone
    now = clock()
    _preflight(session, config, now, scope)
    pdf_path, pdf, made, notices = signed_convocation(session, config, documents, now)
    digest = _sha256(pdf)
    filename = convocation_filename(session)
    report = ConvocationReport(session.id, pdf_path, digest, made, notices=list(notices))
    earlier = {s.sha256 for s in session.convocations if s.sent}
    if earlier and digest not in earlier:
        report.notices.append(
            "La convocation a changé depuis l'envoi précédent (ordre du jour ou documents de "
            "la séance) : la nouvelle version est adressée à chacun."
        )
    known = {m.id for m in config.members}
    strangers = [r.name for r in scope if r.member not in known]
    if strangers:
        report.notices.append(
            "Membre(s) de la séance absent(s) de la configuration, convoqué(s) dans leur "
            "dossier seulement : " + ", ".join(strangers)
        )

    folder_jobs: list[tuple[Recipient, Path]] = []
    for r in scope:
        target = member_folder(config, r.name) / filename
        on_disk = target.exists() and _sha256(target.read_bytes()) == digest
        if on_disk and _done(session, r.member, "dossier", digest):
            report.deliveries.append(
                Delivery(r.member, r.name, "dossier", True, _relative(config, target), skipped=True)
            )
        else:
            folder_jobs.append((r, target))
    mail_jobs = [
        r for r in scope if r.by_email and not _done(session, r.member, "courriel", digest)
    ]
    for r in scope:
        if r.by_email and r not in mail_jobs:
            report.deliveries.append(
                Delivery(r.member, r.name, "courriel", True, r.email, skipped=True)
            )
    pending = [r for r, _ in folder_jobs] + mail_jobs
    _too_late(session, now, pending)

    total, done = len(folder_jobs) + len(mail_jobs), 0
    tz = session.timezone
    for r, target in folder_jobs:
        if progress is not None:
            progress(done, total, f"Dossier de {r.name}")
        where = _relative(config, target)
        try:
            atomic_write_bytes(target, pdf)
        except OSError as error:
            failure = f"écriture impossible dans le dossier ({error.strerror or error})"
            report.deliveries.append(
                _record(
                    record,
                    session,
                    r,
                    "dossier",
                    digest,
                    moments.stamp(clock(), tz),
                    address=where,
                    error=failure,
                )
            )
        else:
            report.deliveries.append(
                _record(
                    record, session, r, "dossier", digest, moments.stamp(clock(), tz), address=where
                )
            )
        done += 1
    if mail_jobs:
        settings = config.smtp
        assert settings is not None  # checked by _preflight
        with mailer or SmtpMailer(settings) as smtp:
            for r in mail_jobs:
                if progress is not None:
                    progress(done, total, f"Courriel à {r.name}")
                report.deliveries.append(
                    _mail(smtp, settings, session, config, r, pdf, digest, documents, record, clock)
                )
                done += 1
    if progress is not None:
        progress(total, total, "Terminé")
    order = {r.member: n for n, r in enumerate(everyone)}
    report.deliveries.sort(key=lambda d: (order.get(d.member, 0), d.channel != "dossier"))
    return report


def _relative(config: Config, path: Path) -> str:
    try:
        return path.relative_to(config.documents_folder).as_posix()
    except ValueError:
        return str(path)


def _mail(
    smtp: SmtpMailer,
    settings: SmtpSettings,
    session: Session,
    config: Config,
    r: Recipient,
    pdf: bytes,
    digest: str,
    documents: Sequence[SessionDocument],
    record: Record,
    clock: Callable[[], datetime],
) -> Delivery:
    assert r.email is not None  # checked by _preflight
    message = convocation_message(
        settings,
        commune=config.commune.name,
        to_name=r.name,
        to_address=r.email,
        subject=mail_subject(session),
        body=mail_body(session, config, r, digest, documents),
        pdf=pdf,
        filename=convocation_filename(session),
        when=clock(),
    )
    result = smtp.send(message)
    # Dated when the server answered: the moment the convocation left the mairie.
    at = moments.stamp(clock(), session.timezone)
    return _record(
        record,
        session,
        r,
        "courriel",
        digest,
        at,
        address=r.email,
        message_id=result.message_id if result.accepted else None,
        attempts=result.attempts,
        error=result.error,
    )


def _record(
    record: Record,
    session: Session,
    r: Recipient,
    channel: str,
    digest: str,
    at: str,
    *,
    address: str | None = None,
    message_id: str | None = None,
    attempts: int = 1,
    error: str | None = None,
) -> Delivery:
    """Record one sending (or its failure) in the journal; the delivery says
    what was done, and whether the journal took it."""
    command: dict[str, Any] = {
        "cmd": "record_convocation",
        "session": session.id,
        "member": r.member,
        "channel": channel,
        "sha256": digest,
        "attempts": attempts,
        "at": at,
    }
    for key, value in (("address", address), ("message_id", message_id), ("error", error)):
        if value is not None:
            command[key] = value
    delivery = Delivery(
        r.member,
        r.name,
        channel,
        error is None,
        address,
        at,
        message_id,
        attempts,
        error,
    )
    try:
        record(command)
    except CommandRefused as refused:
        log.error(
            "Envoi de la convocation à %s (%s) non enregistré au journal : %s",
            r.name,
            channel,
            refused.message,
        )
        return Delivery(
            r.member,
            r.name,
            channel,
            error is None,
            address,
            at,
            message_id,
            attempts,
            f"{error} ; non enregistré au journal : {refused.message}"
            if error
            else refused.message,
            recorded=False,
        )
    return delivery


__all__ = [
    "CONVOCATIONS_FOLDER",
    "MEMBERS_FOLDER",
    "Recipient",
    "convocation_store",
    "folder_name",
    "mail_body",
    "mail_subject",
    "member_folder",
    "recipients",
    "send_convocation",
    "signed_convocation",
]
