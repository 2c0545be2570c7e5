"""The convocation of the council (L2121-10 to L2121-12) and its proof of sending, as PDF.

- ``convocation_pdf``: what each member receives: the date, time and place of
  the session, the agenda, for a commune of 3,500 inhabitants or more the
  explanatory note on each point (note de synthèse, L2121-12, from the
  points' texts), the list of the session's documents with their SHA-256,
  and the mayor's signature box, where the electronic signature goes;
- ``proof_pdf``: who was convened, when, how, with which file (its
  SHA-256) and which message, from the journal's ``convocation.*`` events.

Both share the register's layout, fonts (DejaVu Serif, embedded and subset)
and PDF/A-2b parts (``deliberation_pdf``, ``pdfa``), and are signed like
the exports (``table_app.signing``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from html import escape
from typing import Any

import pymupdf

from table_app.convocation.model import SessionDocument
from table_app.council import moments, rules
from table_app.council.state import (
    CONVOCATION_CHANNELS,
    CONVOCATION_DONE,
    ITEM_KIND_LABELS,
    ConvocationSending,
    Item,
    ItemKind,
    ItemStatus,
    Session,
)
from table_app.export.deliberation_pdf import (
    CSS,
    MARGIN,
    PAGE,
    SIGNATURE_TOP,
    _archive,
    _hour,
    _line,
    finish_pages,
    flow_pages,
)
from table_app.export.pdfa import JournalAnchor, Provenance, finish_pdf
from table_app.french import long_date, points_by_number, short_date

#: Bumped when the layout changes: a convocation already signed is then made again.
CONVOCATION_LAYOUT = "2026-11-23.1"

#: The mayor's signature box, on the last page (the electronic signature's
#: visible stamp goes in its lower band).
CONVOCATION_BOX = pymupdf.Rect(PAGE.width - MARGIN - 230, 702, PAGE.width - MARGIN, 788)

WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")

CONVOCATION_CSS = (
    CSS
    + """
h2 {font-size: 11pt; font-weight: bold; margin: 12pt 0 4pt 0;
    border-bottom: 0.6pt solid #000000; padding: 0 0 2pt 0;}
h3 {font-size: 10pt; font-weight: bold; margin: 8pt 0 3pt 0;}
.point {margin: 0 0 3pt 0; text-align: left;}
.meta {font-size: 9pt; color: #333333; margin: 0 0 3pt 0; text-align: left;}
.blank {font-style: italic; color: #555555;}
.sha {font-size: 6.5pt; color: #333333;}
.doc {font-size: 9pt; margin: 0 0 3pt 0; text-align: left;}
.member {font-weight: bold; margin: 8pt 0 2pt 0; text-align: left;}
.sending {font-size: 9pt; margin: 0 0 2pt 12pt; text-align: left;}
.failed {font-weight: bold;}
"""
)


def weekday_date(day: str | date) -> str:
    """ "samedi 28 novembre 2026"."""
    value = day if isinstance(day, date) else date.fromisoformat(day[:10])
    return f"{WEEKDAYS[value.weekday()]} {long_date(value)}"


def convocation_filename(session: Session) -> str:
    """ "2026-11-28_convocation.pdf" (the session's id: two sessions a day differ)."""
    return f"{session.id}_convocation.pdf"


def proof_filename(session: Session, member: str | None = None) -> str:
    suffix = f"_{member}" if member else ""
    return f"{session.id}_preuve-envoi-convocation{suffix}.pdf"


def convened_items(session: Session) -> list[Item]:
    """The points the convocation lists: the agenda as it stands, without the
    withdrawn or deferred ones (proposals still waiting are not on it)."""
    return [
        i for i in session.agenda() if i.status not in (ItemStatus.WITHDRAWN, ItemStatus.DEFERRED)
    ]


@dataclass(frozen=True)
class Complement:
    """A convocation sent after points were added to the agenda of one already
    sent to members: a complementary convocation. It lists the whole agenda
    again and says which points it adds, so that a councillor holding both
    sees at once what is new (the proof of sending and the procès-verbal say
    the same: ``rules.added_items``).

    ``first_on``: the day the first convocation went out (the commune's
    calendar); ``added``: the added points' numbers on this convocation.
    """

    first_on: str
    added: tuple[int, ...]

    def sentence(self) -> str:
        return (
            f"Elle complète la convocation du {short_date(self.first_on)} : elle y ajoute "
            f"{points_by_number(self.added)} de l'ordre du jour ci-dessous."
        )


def complement(session: Session, items: Sequence[Item] | None = None) -> Complement | None:
    """What a convocation of ``items`` (``convened_items`` by default) adds to the
    first one sent, None when no convocation has gone out yet or it adds no
    point (a sending again to a member the first one missed). A point is added
    when it came onto the agenda after a member was sent the convocation."""
    sent = [s for s in session.convocations if s.sent]
    if not sent:
        return None
    first = min(sent, key=lambda s: s.seq)
    listed = convened_items(session) if items is None else items
    added = tuple(
        n for n, item in enumerate(listed, start=1) if rules.added_after_a_sending(session, item)
    )
    if not added:
        return None
    return Complement(rules.sending_day(first.at, session.timezone), added)


def needs_explanatory_note(session: Session) -> bool:
    """From 3,500 inhabitants, an explanatory note on each point (L2121-12)."""
    return session.population >= rules.NOTICE_POPULATION_THRESHOLD


def _size(size: int) -> str:
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} Ko"
    return f"{size / (1024 * 1024):.1f} Mo".replace(".", ",")


def _header(commune: str, department: str, right: str) -> str:
    return f"""
<table class="head" style="width:100%"><tr>
<td style="width:60%"><span class="rf">RÉPUBLIQUE FRANÇAISE</span><br/>
Département de {escape(department)}<br/>Commune de {escape(commune)}</td>
<td class="num" style="width:40%">{escape(right)}</td>
</tr></table>
"""


def _when(session: Session) -> str:
    return f"{weekday_date(session.date)} à {_hour(session.time)}"


def _agenda_html(session: Session, items: Sequence[Item], added: Sequence[int] = ()) -> str:
    rows = []
    for n, item in enumerate(items, start=1):
        extra = ["point ajouté"] if n in added else []
        if item.kind is not ItemKind.DELIBERATION:
            extra.append(ITEM_KIND_LABELS[item.kind])
        if item.rapporteur:
            extra.append(f"rapporteur : {session.name(item.rapporteur)}")
        tail = f" <i>({escape(', '.join(extra))})</i>" if extra else ""
        rows.append(f"<p class='point'><b>{n}.</b> {escape(item.title)}{tail}</p>")
    if not rows:
        rows.append("<p class='point blank'>Aucun point inscrit.</p>")
    return "\n".join(rows)


def _note_html(items: Sequence[Item]) -> str:
    parts = [
        "<h2>Note explicative de synthèse (article L2121-12 du CGCT)</h2>",
        "<p class='meta'>Sur chacun des points soumis à délibération, les éléments "
        "d'information et le projet présentés au conseil.</p>",
    ]
    for n, item in enumerate(items, start=1):
        parts.append(f"<h3>{n}. {escape(item.title)}</h3>")
        text = item.text.strip()
        if text:
            parts.extend(f"<p>{escape(line)}</p>" for line in text.splitlines() if line.strip())
        else:
            parts.append(
                "<p class='blank'>Note à compléter : ce point n'a pas encore de texte.</p>"
            )
    return "\n".join(parts)


def _documents_html(session: Session, documents: Sequence[SessionDocument]) -> str:
    folder = f"Séances/{session.date}"
    if not documents:
        return (
            "<h2>Documents de la séance</h2>"
            f"<p>Aucun document déposé dans le dossier partagé « {escape(folder)} » à la date "
            "de la convocation ; les documents préparatoires sont consultables en mairie.</p>"
        )
    rows = []
    for doc in sorted(documents, key=lambda d: (d.item_position or 0, d.path)):
        point = f"Point {doc.item_position}" if doc.item_position else "Séance"
        shown = doc.path.split("/", 2)[-1] if doc.path.count("/") >= 2 else doc.path
        facts = [f"{doc.pages} page{'s' if doc.pages > 1 else ''}"] if doc.pages else []
        facts.append(_size(doc.size))
        rows.append(
            f"<p class='doc'><b>{point}</b> — {escape(shown)} ({', '.join(facts)})<br/>"
            f"<span class='sha'>SHA-256 : {doc.sha256.upper()}</span></p>"
        )
    return (
        "<h2>Documents de la séance</h2>"
        f"<p>Joints à la présente convocation, dans le dossier partagé « {escape(folder)} » "
        "(et consultables en mairie aux heures d'ouverture). L'empreinte SHA-256 de chaque "
        "fichier permet de vérifier que la version consultée est celle qui a été adressée.</p>"
        + "".join(rows)
    )


def convocation_html(
    session: Session, commune: str, department: str, documents: Sequence[SessionDocument]
) -> str:
    """The body of the convocation (everything but its date and signature)."""
    items = convened_items(session)
    more = complement(session, items)
    parts = [
        _header(commune, department, "Convocation"),
        "<h1>CONVOCATION DU CONSEIL MUNICIPAL</h1>",
        f"<p class='seance'>Séance du {_when(session)}</p>",
        "<p>Madame la conseillère municipale, Monsieur le conseiller municipal,</p>",
        "<p>En application des articles L2121-10 à L2121-12 du code général des collectivités "
        "territoriales, j'ai l'honneur de vous convoquer à la séance du conseil municipal qui "
        f"se tiendra le <b>{_when(session)}</b>, {escape(session.place)}.</p>",
    ]
    if more is not None:
        parts.append(f"<p><b>Convocation complémentaire.</b> {escape(more.sentence())}</p>")
    if session.emergency:
        parts.append(
            "<p><b>Convocation en urgence.</b> Le délai de convocation est abrégé (un jour "
            "franc au moins) ; dès l'ouverture, le conseil se prononcera sur l'urgence.</p>"
        )
    if session.reconvened_of:
        parts.append(
            "<p><b>Nouvelle convocation.</b> Le quorum n'ayant pas été atteint lors de la "
            "séance précédente, le conseil délibérera valablement sans condition de quorum sur "
            "les points de son ordre du jour (article L2121-17).</p>"
        )
    added = more.added if more is not None else ()
    parts += ["<h2>Ordre du jour</h2>", _agenda_html(session, items, added)]
    if needs_explanatory_note(session):
        parts.append(_note_html(items))
    parts.append(_documents_html(session, documents))
    parts += [
        "<p style='margin-top:8pt'>En cas d'empêchement, vous pouvez donner pouvoir écrit de "
        "voter en votre nom à un collègue de votre choix ; un conseiller ne peut détenir "
        "qu'un seul pouvoir (article L2121-20).</p>",
        "<p>Je vous prie d'agréer, Madame la conseillère municipale, Monsieur le conseiller "
        "municipal, l'expression de mes salutations distinguées.</p>",
    ]
    return "\n".join(parts)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join([CONVOCATION_LAYOUT, *parts]).encode()).hexdigest()


def convocation_digest(
    session: Session, commune: str, department: str, documents: Sequence[SessionDocument]
) -> str:
    """What the convocation says, as a digest: the same digest, the same
    convocation (its date and signature aside): a second run re-sends the
    same file rather than a new one."""
    html = convocation_html(session, commune, department, documents)
    return _digest(html, session.name(session.mayor))


def _finish(
    doc: Any,
    *,
    place_line: str,
    label: str,
    name: str,
    anchor: JournalAnchor | None,
    footer_label: str,
) -> None:
    """Place and date, the mayor's box, the journal anchor, the page footers."""
    last = doc[-1]
    place = pymupdf.Rect(MARGIN, SIGNATURE_TOP + 4, PAGE.width - MARGIN, SIGNATURE_TOP + 24)
    _line(last, place, place_line, align=pymupdf.TEXT_ALIGN_RIGHT)
    box = CONVOCATION_BOX
    center = pymupdf.TEXT_ALIGN_CENTER
    _line(
        last, pymupdf.Rect(box.x0, box.y0 - 34, box.x1, box.y0 - 19), label, bold=True, align=center
    )
    _line(last, pymupdf.Rect(box.x0, box.y0 - 20, box.x1, box.y0), name, align=center)
    last.draw_rect(box, color=(0.45, 0.45, 0.45), width=0.6)
    finish_pages(doc, last, footer_label, anchor)


def convocation_pdf(
    session: Session,
    commune: str,
    department: str,
    documents: Sequence[SessionDocument],
    dated: datetime,
    anchor: JournalAnchor | None = None,
) -> bytes:
    """The convocation as PDF/A-2b bytes, dated ``dated`` (the day it is made
    and sent, in the commune's time), unsigned: ``table_app.signing`` signs it
    in ``CONVOCATION_BOX``."""
    html = convocation_html(session, commune, department, documents)
    archive = _archive()
    doc = flow_pages(html, CONVOCATION_CSS, archive)
    mayor = session.name(session.mayor)
    _finish(
        doc,
        place_line=f"À {commune}, le {long_date(dated.date())}.",
        label="Le maire,",
        name=mayor,
        anchor=anchor,
        footer_label=f"Commune de {commune} — convocation du conseil municipal du "
        f"{short_date(session.date)}",
    )
    title = f"Convocation du conseil municipal du {long_date(session.date)}"
    subject = (
        f"Convocation à la séance du conseil municipal de {commune} du {_when(session)}, "
        f"adressée le {long_date(dated.date())}"
    )
    keywords = f"convocation, conseil municipal, {commune}, {session.date}"
    provenance = Provenance(anchor, _digest(html, mayor))
    return finish_pdf(doc, title, f"Commune de {commune}", subject, keywords, dated, provenance)


# --- the proof of sending ----------------------------------------------------


def _sending_html(session: Session, sending: ConvocationSending) -> str:
    how = CONVOCATION_CHANNELS.get(sending.channel, sending.channel)
    when = moments.label(sending.at, session.timezone)
    where = f" — {escape(sending.address)}" if sending.address else ""
    tries = f" ({sending.attempts} tentatives)" if sending.attempts > 1 else ""
    if sending.sent:
        done = CONVOCATION_DONE.get(sending.channel, "envoyé")
        head = f"<b>{escape(how.capitalize())}</b>{where} : {done} le {when}{tries}."
        cls = "sending"
    else:
        head = (
            f"<b>{escape(how.capitalize())}</b>{where} : ÉCHEC le {when}{tries} — "
            f"{escape(sending.error or '')}. Non convoqué(e) par ce moyen."
        )
        cls = "sending failed"
    details = [f"convocation : SHA-256 {sending.sha256.upper()}"]
    if sending.message_id:
        details.append(f"message {escape(sending.message_id)}")
    details.append(f"journal, événement n° {sending.seq}")
    return f"<p class='{cls}'>{head}<br/><span class='sha'>{' ; '.join(details)}</span></p>"


def proof_html(session: Session, commune: str, department: str, member: str | None = None) -> str:
    """Who was convened, when, how: from the journal's convocation events."""
    ranked = sorted(session.members.values(), key=lambda m: m.rank)
    if member is not None:
        ranked = [m for m in ranked if m.id == member]
    notice = rules.notice_check(session)
    first = rules.first_sendings(session)
    parts = [
        _header(commune, department, "Preuve d'envoi"),
        "<h1>PREUVE D'ENVOI DE LA CONVOCATION</h1>",
        f"<p class='seance'>Séance du conseil municipal du {_when(session)}</p>",
        "<p>Établie d'après le journal de la séance : chaque envoi de la convocation y est "
        "enregistré au moment où il a été fait, avec l'empreinte SHA-256 du fichier PDF "
        "adressé et, pour un courriel, l'identifiant du message accepté par le serveur.</p>",
    ]
    if notice.recorded is not None:
        verdict = "délai respecté" if notice.sufficient else "délai NON respecté"
        parts.append(
            f"<p><b>Délai de convocation :</b> le dernier élu convoqué ({escape(notice.recorded.name)}) "
            f"l'a été le {moments.label(notice.recorded.at, session.timezone)} : "
            f"{notice.clear_days} jour(s) franc(s) avant la séance, {notice.required} requis "
            f"pour une commune de {notice.population} habitants ({verdict}).</p>"
        )
    else:
        parts.append("<p><b>Aucun envoi enregistré au journal pour cette séance.</b></p>")
    for added in rules.added_items(session, all_of_them=True):
        parts.append(f"<p>{escape(added.sentence(session.timezone))}</p>")
    for info in ranked:
        sendings = [s for s in session.convocations if s.member == info.id]
        reached = first.get(info.id)
        state = (
            f"convoqué(e) le {moments.label(reached.at, session.timezone)}"
            if reached
            else "AUCUN ENVOI RÉUSSI ENREGISTRÉ"
        )
        parts.append(f"<p class='member'>{escape(info.name)} — {state}</p>")
        if not sendings:
            parts.append("<p class='sending blank'>Aucun envoi enregistré.</p>")
        parts.extend(_sending_html(session, s) for s in sendings)
    return "\n".join(parts)


def proof_pdf(
    session: Session,
    commune: str,
    department: str,
    anchor: JournalAnchor | None = None,
    member: str | None = None,
) -> bytes:
    """The printable proof of sending, as PDF/A-2b bytes (unsigned), dated by
    the last sending it reports (nothing in it depends on the day it is printed)."""
    html = proof_html(session, commune, department, member)
    archive = _archive()
    doc = flow_pages(html, CONVOCATION_CSS, archive)
    seen = [moments.parse(s.at) for s in session.convocations]
    if not seen and session.last_at:
        seen.append(moments.parse(session.last_at))
    dated = max(seen) if seen else datetime.fromisoformat(f"{session.date}T00:00:00+00:00")
    _finish(
        doc,
        place_line=f"Certifié exact, à {commune}, d'après le journal au {long_date(dated.date())}.",
        label="Le maire,",
        name=session.name(session.mayor),
        anchor=anchor,
        footer_label=f"Commune de {commune} — preuve d'envoi de la convocation du "
        f"{short_date(session.date)}",
    )
    who = f" — {session.name(member)}" if member else ""
    title = f"Preuve d'envoi de la convocation du {long_date(session.date)}{who}"
    subject = f"Envois de la convocation à la séance du conseil municipal de {commune}"
    keywords = f"convocation, preuve d'envoi, {commune}, {session.date}"
    provenance = Provenance(anchor, _digest(html))
    return finish_pdf(doc, title, f"Commune de {commune}", subject, keywords, dated, provenance)


__all__ = [
    "CONVOCATION_BOX",
    "Complement",
    "complement",
    "convened_items",
    "convocation_digest",
    "convocation_filename",
    "convocation_html",
    "convocation_pdf",
    "needs_explanatory_note",
    "proof_filename",
    "proof_html",
    "proof_pdf",
    "weekday_date",
]
