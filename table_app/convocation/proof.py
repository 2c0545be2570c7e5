"""The proof of sending of a convocation, from the journal alone.

For each member: every sending recorded (``convocation.sent``) and every
failure (``convocation.failed``): how, to which address or file, when, the
SHA-256 of the PDF, the message's identifier. As French text for the
terminal, and as a signed PDF to print and keep (``proof_pdf``).
"""

from __future__ import annotations

from pathlib import Path

from table_app.config import Config
from table_app.convocation.sending import convocation_store
from table_app.council import moments, rules
from table_app.council.state import CONVOCATION_CHANNELS, CONVOCATION_DONE, Session
from table_app.export.convocation_pdf import CONVOCATION_BOX, proof_filename, proof_pdf
from table_app.export.deliberation_pdf import journal_anchor
from table_app.export.session_export import signing_certificate
from table_app.french import short_date
from table_app.signing import sign_pdf


def proof_text(session: Session, member: str | None = None) -> str:
    """Who was convened, when, how, with which file: one block per member."""
    tz = session.timezone
    lines = [f"Preuve d'envoi de la convocation — {session.title}"]
    notice = rules.notice_check(session)
    if notice.recorded is not None:
        verdict = "délai respecté" if notice.sufficient else "délai NON respecté"
        lines.append(
            f"Délai : le dernier élu convoqué ({notice.recorded.name}) l'a été le "
            f"{moments.label(notice.recorded.at, tz)} ; {notice.clear_days} jour(s) franc(s) "
            f"avant la séance du {short_date(session.date)}, {notice.required} requis "
            f"({verdict})."
        )
    else:
        lines.append(
            "Aucun envoi enregistré au journal : le délai se compte de la date saisie à la "
            f"convocation ({short_date(session.convened_on)})."
        )
    for added in rules.added_items(session, all_of_them=True):
        lines.append(added.sentence(tz))
    first = rules.first_sendings(session)
    for info in sorted(session.members.values(), key=lambda m: m.rank):
        if member is not None and info.id != member:
            continue
        reached = first.get(info.id)
        state = (
            f"convoqué(e) le {moments.label(reached.at, tz)}"
            if reached
            else "AUCUN ENVOI RÉUSSI ENREGISTRÉ"
        )
        lines.append(f"{info.name} — {state}")
        sendings = [s for s in session.convocations if s.member == info.id]
        if not sendings:
            lines.append("    aucun envoi enregistré")
        for s in sendings:
            how = CONVOCATION_CHANNELS.get(s.channel, s.channel)
            where = f" ({s.address})" if s.address else ""
            tries = f", {s.attempts} tentatives" if s.attempts > 1 else ""
            if s.sent:
                done = CONVOCATION_DONE.get(s.channel, "envoyé")
                lines.append(f"    {how}{where} : {done} le {moments.label(s.at, tz)}{tries}")
            else:
                lines.append(
                    f"    {how}{where} : ÉCHEC le {moments.label(s.at, tz)}{tries} — {s.error}"
                )
            detail = f"      SHA-256 {s.sha256}"
            if s.message_id:
                detail += f" ; message {s.message_id}"
            lines.append(detail + f" ; journal n° {s.seq}")
    return "\n".join(lines)


def signed_proof(
    session: Session, config: Config, out: Path | None = None, member: str | None = None
) -> tuple[Path, list[str]]:
    """The proof of sending as a signed PDF/A (the commune's key, like the
    exports); returns its path and the signing notices."""
    target = out or convocation_store(config, session) / proof_filename(session, member)
    draft = target.with_name(f".{target.stem}.non-signé.pdf")
    data = proof_pdf(
        session,
        config.commune.name,
        config.commune.department,
        journal_anchor(session),
        member,
    )
    draft.parent.mkdir(parents=True, exist_ok=True)
    draft.write_bytes(data)
    key, notices = signing_certificate(config)
    try:
        sign_pdf(
            draft,
            target,
            key,
            field_name="Maire",
            reason="Preuve d'envoi de la convocation",
            location=config.commune.name,
            signer_name=session.name(session.mayor),
            box=CONVOCATION_BOX,
            timezone=config.commune.timezone,
        )
    finally:
        draft.unlink(missing_ok=True)
    return target, notices


__all__ = ["proof_text", "signed_proof"]
