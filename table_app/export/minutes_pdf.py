"""The documents written after the session: procès-verbal, list of deliberations,
closing sheet of the register.

- ``proces_verbal_pdf``: the procès-verbal (article L2121-15 of the CGCT);
- ``liste_deliberations_pdf``: the list of the deliberations examined (L2121-25);
- ``closing_sheet_pdf``: the register's closing sheet for the session (R2121-9).

They share the layout, fonts, metadata and signature boxes of the register
extract (``deliberation_pdf``).
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from table_app.council.state import (
    ITEM_KIND_LABELS,
    ITEM_STATUS_LABELS,
    Item,
    ItemStatus,
    Presence,
    Session,
)
from table_app.export.deliberation_pdf import (
    CSS,
    Handwritings,
    _archive,
    _hour,
    _names,
    _present_at,
    _vote_html,
    finish_register_pages,
    flow_pages,
    journal_anchor,
    numbered_items,
    result_words,
    signed_by,
    source_digest,
)
from table_app.export.pdfa import Provenance, finish_pdf
from table_app.french import long_date, number_words, of, points_by_number, short_date

BLANK_DEBATE = "Synthèse des débats à compléter par le secrétaire de séance."

MINUTES_CSS = (
    CSS
    + """
h2 {font-size: 11pt; font-weight: bold; margin: 12pt 0 4pt 0;
    border-bottom: 0.6pt solid #000000; padding: 0 0 2pt 0;}
.blank {font-style: italic; color: #555555; border: 0.6pt dashed #777777;
        padding: 6pt 6pt 48pt 6pt; margin: 4pt 0 8pt 0;}
.meta {font-size: 9.5pt; margin: 0 0 3pt 0;}
table.list {width: 100%; border-collapse: collapse;}
table.list td, table.list th {border: 0.6pt solid #000000; padding: 3pt 4pt 3pt 4pt;
        font-size: 9.5pt; vertical-align: top;}
table.list th {font-weight: bold; text-align: left;}
"""
)


def _clock(moment: str | None) -> str:
    """ "20 h 25" from an ISO timestamp (or an "HH:MM" time)."""
    if not moment:
        return "…"
    return _hour(moment[11:16] if "T" in moment else moment[:5])


def _header(commune: str, department: str, right: str = "") -> str:
    return f"""
<table class="head" style="width:100%"><tr>
<td style="width:60%"><span class="rf">RÉPUBLIQUE FRANÇAISE</span><br/>
Département de {escape(department)}<br/>Commune de {escape(commune)}</td>
<td class="num" style="width:40%">{escape(right)}</td>
</tr></table>
"""


def _upper_date(session: Session) -> str:
    return long_date(session.date).upper()


def _president(session: Session) -> str:
    return session.president or session.mayor


def _ranked(session: Session) -> list[str]:
    return [m.id for m in sorted(session.members.values(), key=lambda m: m.rank)]


def _attended(session: Session) -> list[str]:
    """Members present at some moment of the session, in rank order."""
    return [
        m
        for m in _ranked(session)
        if any(move["kind"] == "arrivee" for move in session.attendance[m].movements)
    ]


def _opening_html(session: Session) -> str:
    day = datetime.fromisoformat(session.date)
    president = _president(session)
    president_role = ", maire" if president == session.mayor else ""
    opened = session.opened_at
    parts = [
        f"<p>L'an {number_words(day.year)}, le "
        f"{number_words(day.day) if day.day > 1 else 'premier'} "
        f"{long_date(session.date).split(' ')[1]}, le conseil municipal, légalement convoqué, "
        f"s'est réuni en séance publique ({escape(session.place)}) sous la présidence "
        f"{escape(of(session.name(president)))}{president_role}. La séance, convoquée pour "
        f"{_hour(session.time)}, est ouverte à {_clock(opened)}.</p>"
    ]
    notice = (session.opening or {}).get("notice") or {}
    convocation = f"Date de convocation : {short_date(session.convocation_date())}"
    if notice.get("recorded_sending"):
        convocation += " (d'après les envois de la convocation enregistrés au journal)"
    if notice:
        convocation += (
            f" ({notice.get('clear_days')} jours francs, {notice.get('required')} requis : "
            f"délai {'respecté' if notice.get('sufficient') else 'non respecté'})"
        )
    # The points a complementary convocation carried (each said again at its point).
    complementary: dict[str, list[int]] = {}
    for n, item in enumerate(session.agenda(), start=1):
        if item.convoked_on:
            complementary.setdefault(item.convoked_on, []).append(n)
    for sent_on, numbers in sorted(complementary.items()):
        convocation += (
            f". Convocation complémentaire du {short_date(sent_on)} pour l'examen "
            f"{points_by_number(numbers, 'du')}"
        )
    if session.emergency:
        accepted = {True: "reconnue", False: "non reconnue", None: "non statuée"}[
            session.emergency_accepted
        ]
        convocation += f". Convocation en urgence (urgence {accepted} par le conseil)"
    parts.append(f"<p class='meta'>{convocation}.</p>")
    parts.append(f"<p class='meta'>Membres en exercice : {len(session.members)}.</p>")

    present = _present_at(session, opened)
    when = datetime.fromisoformat(opened) if opened else None
    represented = [
        p
        for p in session.proxies
        if p.holder in present
        and p.giver not in present
        and (when is None or datetime.fromisoformat(p.given_at) <= when)
        and (
            p.revoked_at is None
            or (when is not None and datetime.fromisoformat(p.revoked_at) > when)
        )
    ]
    givers = {p.giver for p in represented}
    others = [m for m in _ranked(session) if m not in present and m not in givers]
    excused = [m for m in others if session.attendance[m].status is Presence.EXCUSED]
    absent = [m for m in others if m not in excused]
    rep = "; ".join(
        f"{escape(session.name(p.giver))} (pouvoir à {escape(session.name(p.holder))}, "
        f"du {short_date(p.signed_on)})"
        for p in represented
    )
    parts += [
        f"<p class='att'><span class='label'>Présents à l'ouverture ({len(present)}) :</span> "
        f"{_names(session, present)}.</p>",
        f"<p class='att'><span class='label'>Représentés :</span> {rep or 'néant'}.</p>",
        f"<p class='att'><span class='label'>Absents excusés :</span> "
        f"{_names(session, excused)}.</p>",
        f"<p class='att'><span class='label'>Absents à l'ouverture :</span> "
        f"{_names(session, absent)}.</p>",
    ]
    moves: list[tuple[str, str]] = []
    for member in _ranked(session):
        for move in session.attendance[member].movements:
            if when is not None and datetime.fromisoformat(move["at"]) > when:
                verb = "arrive" if move["kind"] == "arrivee" else "quitte la séance"
                moves.append(
                    (move["at"], f"{escape(session.name(member))} {verb} à {_clock(move['at'])}")
                )
    for proxy in session.proxies:
        if when is not None and datetime.fromisoformat(proxy.given_at) > when:
            moves.append(
                (
                    proxy.given_at,
                    f"{escape(session.name(proxy.giver))} donne pouvoir à "
                    f"{escape(session.name(proxy.holder))} à {_clock(proxy.given_at)}",
                )
            )
    if moves:
        moves.sort()
        parts.append(
            "<p class='att'><span class='label'>En cours de séance :</span> "
            + " ; ".join(text for _, text in moves)
            + ".</p>"
        )
    quorum = (session.opening or {}).get("quorum")
    if quorum:
        met = "atteint" if quorum.get("met") else "non atteint"
        parts.append(
            f"<p class='att'><span class='label'>Quorum :</span> {quorum['present']} présents "
            f"pour {quorum['required']} requis ({quorum['in_office']} membres en exercice) : "
            f"quorum {met} à l'ouverture.</p>"
        )
    parts.append(
        "<p class='att'><span class='label'>Secrétaire de séance :</span> "
        f"{_names(session, session.secretaries)}.</p>"
    )
    return "\n".join(parts)


def _item_html(session: Session, index: int, item: Item, debates: dict[str, str]) -> str:
    kind = ITEM_KIND_LABELS[item.kind]
    status = ITEM_STATUS_LABELS[item.status]
    if item.status not in (
        ItemStatus.VOTED,
        ItemStatus.PRESENTED,
        ItemStatus.WITHDRAWN,
        ItemStatus.DEFERRED,
    ):
        status = ITEM_STATUS_LABELS[ItemStatus.NOT_EXAMINED]
    parts = [f"<h2>Point n° {index} — {escape(item.title)}</h2>"]
    meta = [f"Nature : {kind}", f"suite donnée : {status}"]
    if item.number:
        meta.append(f"délibération n° {escape(item.number)}")
    if item.rapporteur:
        meta.append(f"rapporteur : {escape(session.name(item.rapporteur))}")
    if item.convoked_on:
        meta.append(
            "inscrit à l'ordre du jour par la convocation complémentaire du "
            f"{short_date(item.convoked_on)}"
        )
    if not item.from_convocation:
        proposer = (
            f" sur proposition {escape(of(session.name(item.proposed_by)))}"
            if item.proposed_by
            else ""
        )
        when = "en séance" if item.added_in_session else "après l'envoi de la convocation"
        meta.append(f"ajouté à l'ordre du jour {when}{proposer}")
    if item.taken_up_at:
        meta.append(f"examiné à {_clock(item.taken_up_at)}")
    line = "; ".join(meta)
    parts.append(f"<p class='meta'>{line[:1].upper()}{line[1:]}.</p>")
    if item.president:
        parts.append(
            f"<p class='att'>Présidence pour ce point : {escape(session.name(item.president))}.</p>"
        )
    for request in item.ballot_requests:
        mode = {"secret": "scrutin secret", "public": "scrutin public"}.get(
            str(request.get("mode")), str(request.get("mode"))
        )
        who = ", ".join(escape(session.name(m)) for m in request.get("members", []))
        parts.append(
            f"<p class='att'><span class='label'>Demande de {mode} :</span> présentée par {who}.</p>"
        )
    debate = debates.get(item.id) or item.debate
    if debate and debate.strip():
        paragraphs = [line for line in debate.splitlines() if line.strip()]
        parts.append(
            "<p><span class='label'>Débats :</span> "
            + escape(paragraphs[0])
            + "</p>"
            + "".join(f"<p>{escape(line)}</p>" for line in paragraphs[1:])
        )
    else:
        parts.append("<p><span class='label'>Débats :</span></p>")
        parts.append(f"<p class='blank'>« {BLANK_DEBATE} »</p>")
    if item.status is ItemStatus.VOTED and (item.vote is not None or item.rounds):
        parts.append(_vote_html(session, item))
    return "\n".join(parts)


def _minutes_html(session: Session, commune: str, department: str, debates: dict[str, str]) -> str:
    agenda = session.agenda()
    titles = "".join(
        f"<p class='att'>{n}. {escape(i.title)}</p>" for n, i in enumerate(agenda, start=1)
    )
    items = "\n".join(_item_html(session, n, i, debates) for n, i in enumerate(agenda, start=1))
    suspensions = "".join(
        f"<p class='att'>La séance est suspendue de {_clock(s.get('from'))} à "
        f"{_clock(s.get('to'))}.</p>"
        for s in session.suspensions
    )
    closing = (
        f"L'ordre du jour étant épuisé, la séance est levée à {_clock(session.closed_at)}."
        if session.closed_at
        else "La séance n'est pas close."
    )
    return f"""
{_header(commune, department)}
<h1>PROCÈS-VERBAL DE LA SÉANCE DU CONSEIL MUNICIPAL<br/>DU {_upper_date(session)}</h1>
<p class="seance">Article L2121-15 du code général des collectivités territoriales</p>
{_opening_html(session)}
<h2>Ordre du jour</h2>
{titles}
{items}
<h2>Suspensions et clôture</h2>
{suspensions or "<p class='att'>Aucune suspension de séance.</p>"}
<p>{closing}</p>
"""


def _liste_html(session: Session, commune: str, department: str) -> str:
    rows = []
    for item in numbered_items(session):
        if item.vote is not None:
            result = "Adoptée" if item.vote["result"] == "adopte" else "Rejetée"
            detail = result_words(item)
        else:
            elected = item.rounds[-1]["elected"] if item.rounds else None
            result = f"Désigné(e) : {session.name(elected)}" if elected else "Aucune désignation"
            detail = ""
        detail_html = f"<br/><span class='small'>{escape(detail)}</span>" if detail else ""
        rows.append(
            f"<tr><td>{escape(item.number or '')}</td><td>{escape(item.title)}</td>"
            f"<td>{escape(result)}{detail_html}</td></tr>"
        )
    table = "".join(rows) or "<tr><td></td><td>Aucune délibération.</td><td></td></tr>"
    return f"""
{_header(commune, department)}
<h1>LISTE DES DÉLIBÉRATIONS EXAMINÉES PAR LE CONSEIL MUNICIPAL<br/>
LORS DE SA SÉANCE DU {_upper_date(session)}</h1>
<p class="seance">Article L2121-25 du code général des collectivités territoriales</p>
<table class="list">
<tr><th style="width:16%">Numéro</th><th style="width:54%">Objet</th>
<th style="width:30%">Résultat</th></tr>
{table}
</table>
<p style="margin-top:14pt">Affichée le ………………………… et mise en ligne le …………………………</p>
"""


def deliberation_range(session: Session) -> str:
    """ "2026-001 à 2026-006" when consecutive, else the numbers separated by commas."""
    numbers = [i.number for i in numbered_items(session) if i.number]
    if not numbers:
        return "aucune délibération"
    if len(numbers) == 1:
        return numbers[0]
    try:
        values = [int(n.rsplit("-", 1)[1]) for n in numbers]
    except (IndexError, ValueError):
        values = []
    if values and values == list(range(values[0], values[0] + len(values))):
        return f"{numbers[0]} à {numbers[-1]}"
    return ", ".join(numbers)


def _closing_html(session: Session, commune: str, department: str) -> str:
    count = len(numbered_items(session))
    attended = _attended(session)
    return f"""
{_header(commune, department)}
<h1>REGISTRE DES DÉLIBÉRATIONS DU CONSEIL MUNICIPAL<br/>FEUILLET DE CLÔTURE</h1>
<p class="seance">Séance du {long_date(session.date)} — article R2121-9 du CGCT</p>
<p>Séance du conseil municipal du {long_date(session.date)}, ouverte à
{_clock(session.opened_at)} et levée à {_clock(session.closed_at)}, sous la présidence
{escape(of(session.name(_president(session))))}.</p>
<p><span class="label">Délibérations prises au cours de la séance ({count}) :</span>
n° {escape(deliberation_range(session))}.</p>
<p><span class="label">Membres présents ({len(attended)}) :</span>
{_names(session, attended)}.</p>
<p><span class="label">Secrétaire de séance :</span> {_names(session, session.secretaries)}.</p>
"""


def _render(
    session: Session,
    html: str,
    commune: str,
    label: str,
    title: str,
    subject: str,
    handwriting: Handwritings | None,
) -> bytes:
    archive = _archive()
    doc = flow_pages(html, MINUTES_CSS, archive)
    president = _president(session)
    signers = {
        "maire": (
            "Le maire" if president == session.mayor else "Le président de séance",
            session.name(president),
        ),
        "secretaire": (
            "Le secrétaire de séance",
            ", ".join(session.name(m) for m in session.secretaries),
        ),
    }
    drawn = signed_by(handwriting or {}, {"maire": [president], "secretaire": session.secretaries})
    anchor = journal_anchor(session)
    finish_register_pages(
        doc,
        place_line=f"À {commune}, le …………………………",
        signers=signers,
        handwriting=drawn,
        anchor=anchor,
        footer_label=f"Commune de {commune} — {label}",
        css=MINUTES_CSS,
        archive=archive,
    )
    author = f"Commune de {commune}"
    keywords = f"conseil municipal, {commune}, séance du {long_date(session.date)}"
    moment = session.closed_at or session.opened_at or f"{session.date}T{session.time}"
    created = datetime.fromisoformat(moment)
    provenance = Provenance(anchor, source_digest(html, signers, drawn))
    return finish_pdf(doc, title, author, subject, keywords, created, provenance)


def proces_verbal_pdf(
    session: Session,
    commune: str,
    department: str,
    debates: dict[str, str] | None = None,
    handwriting: Handwritings | None = None,
) -> bytes:
    """The procès-verbal of the session (L2121-15), as PDF bytes (A4).

    The summary of each debate is the one the secretary recorded in the journal
    (``record_debate``); ``debates`` (item id → text) overrides it. Items
    without one get a blank area to fill in by hand.
    """
    html = _minutes_html(session, commune, department, debates or {})
    day = long_date(session.date)
    return _render(
        session,
        html,
        commune,
        f"procès-verbal de la séance du {day}",
        f"Procès-verbal de la séance du conseil municipal du {day}",
        f"Procès-verbal de la séance du conseil municipal de {commune} du {day}",
        handwriting,
    )


def liste_deliberations_pdf(
    session: Session, commune: str, department: str, handwriting: Handwritings | None = None
) -> bytes:
    """The list of the deliberations examined at the session (L2121-25), as PDF bytes."""
    day = long_date(session.date)
    return _render(
        session,
        _liste_html(session, commune, department),
        commune,
        f"liste des délibérations, séance du {day}",
        f"Liste des délibérations de la séance du {day}",
        f"Liste des délibérations examinées par le conseil municipal de {commune} le {day}",
        handwriting,
    )


def closing_sheet_pdf(
    session: Session, commune: str, department: str, handwriting: Handwritings | None = None
) -> bytes:
    """The register's closing sheet for the session (R2121-9), as PDF bytes."""
    day = long_date(session.date)
    return _render(
        session,
        _closing_html(session, commune, department),
        commune,
        f"registre des délibérations, clôture de la séance du {day}",
        f"Feuillet de clôture de la séance du {day}",
        f"Feuillet de clôture du registre des délibérations de {commune}, séance du {day}",
        handwriting,
    )
