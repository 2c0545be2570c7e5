"""The "extrait du registre des délibérations": one A4 PDF per numbered deliberation.

Laid out as the extract a mairie prints and signs: header, attendance at the
time of the vote, object, text as adopted, vote, result, signature boxes.
Fonts (DejaVu Serif, from ``resources/fonts``) are embedded and subset; the
PDF/A-2b parts (output intent, XMP) and the provenance come from ``pdfa``.
"""

from __future__ import annotations

import functools
import hashlib
import io
import re
import unicodedata
from collections.abc import Mapping
from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any

import pymupdf

from table_app.council.state import Item, ItemKind, Presence, Session
from table_app.export.pdfa import JournalAnchor, Provenance, finish_pdf
from table_app.french import long_date, number_words, of, short_date
from table_app.handwriting import Handwriting, draw_handwriting, handwriting_digest

Handwritings = Mapping[str, Handwriting]

FONTS_DIR = Path(__file__).resolve().parents[2] / "resources" / "fonts"

PAGE = pymupdf.paper_rect("a4")  # 595 x 842 pt
MARGIN = 56.0  # about 2 cm
BODY = pymupdf.Rect(MARGIN, 48, PAGE.width - MARGIN, PAGE.height - 56)
SIGNATURE_TOP = 640.0  # the body must end above this on the page with the signatures
FOOTER = pymupdf.Rect(MARGIN, PAGE.height - 40, PAGE.width - MARGIN, PAGE.height - 20)
# Under the signature boxes, on the last page: the journal event the document
# was built from (see table_app.export.pdfa).
ANCHOR_LINE = pymupdf.Rect(MARGIN, 790, PAGE.width - MARGIN, 802)
ANCHOR_CSS = ".anchor {font-size: 6.5pt; color: #444444; text-align: center; margin: 0;}"
# The lower band of a signature box kept free of ink for the stamp of the
# electronic signature (two lines of 7 pt: see table_app.signing).
STAMP_BAND = 26.0
# Bumped when the layout changes, so that re-running an export rebuilds the files.
LAYOUT_VERSION = "2026-11-22.4"

# Rectangles (on the LAST page) left blank for a handwritten signature image or
# a PAdES signature field: the mayor on the left, the secretary on the right.
SIGNATURE_BOXES: dict[str, pymupdf.Rect] = {
    "maire": pymupdf.Rect(MARGIN, 702, MARGIN + 210, 788),
    "secretaire": pymupdf.Rect(PAGE.width - MARGIN - 210, 702, PAGE.width - MARGIN, 788),
}

CSS = """
@font-face {font-family: Registre; src: url(DejaVuSerif.ttf);}
@font-face {font-family: Registre; src: url(DejaVuSerif-Bold.ttf); font-weight: bold;}
@font-face {font-family: Registre; src: url(DejaVuSerif-Italic.ttf); font-style: italic;}
* {font-family: Registre; font-size: 10pt; line-height: 1.3; color: #000000;}
p {margin: 0 0 5pt 0; text-align: justify;}
td {vertical-align: top; padding: 0;}
.head td {font-size: 9.5pt;}
.rf {font-weight: bold; font-size: 11pt; letter-spacing: 1pt;}
.num {text-align: right; font-weight: bold; font-size: 11pt;}
h1 {font-size: 12.5pt; font-weight: bold; text-align: center; margin: 16pt 0 3pt 0;}
.seance {text-align: center; font-size: 11pt; margin: 0 0 10pt 0;}
.counts td {font-size: 9.5pt; padding: 1pt 8pt 1pt 0;}
.label {font-weight: bold;}
.att {text-align: left;}
.objet {font-weight: bold; font-size: 11pt; margin: 10pt 0 8pt 0;
        border-top: 0.8pt solid #000000; border-bottom: 0.8pt solid #000000;
        padding: 4pt 0 4pt 0;}
.texte p {margin: 0 0 6pt 0;}
.vote {margin: 8pt 0 4pt 0;}
.resultat {font-weight: bold; font-size: 11pt; margin: 6pt 0 6pt 0;}
.fin {font-style: italic; margin-top: 10pt;}
.small {font-size: 8.5pt;}
.right {text-align: right;}
.center {text-align: center;}
"""


def numbered_items(session: Session) -> list[Item]:
    """The items that carry a deliberation number, in agenda order."""
    return [i for i in session.agenda() if i.number is not None]


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def deliberation_filename(session: Session, item: Item) -> str:
    """ "2026-002_decision-modificative-n-2-du-budget-principal-2026.pdf" (≤ 80 chars)."""
    prefix = f"{item.number or session.id}_"
    room = 80 - len(prefix) - len(".pdf")
    slug = _slug(item.title)[:room].rstrip("-") or "deliberation"
    return f"{prefix}{slug}.pdf"


def _record(item: Item) -> dict[str, Any]:
    """The vote, or the deciding round of a nomination."""
    if item.vote is not None:
        return item.vote
    if item.rounds:
        return item.rounds[-1]
    raise ValueError(f"le point {item.id} n'a pas été voté")


def _present_at(session: Session, moment: str | None) -> list[str]:
    """Members in the room at ``moment`` (from their arrivals and departures)."""
    ranked = sorted(session.members.values(), key=lambda m: m.rank)
    if moment is None:
        present = session.present()
        return [m.id for m in ranked if m.id in present]
    when = datetime.fromisoformat(moment)
    result = []
    for member in ranked:
        inside = False
        for move in session.attendance[member.id].movements:
            if datetime.fromisoformat(move["at"]) <= when:
                inside = move["kind"] == "arrivee"
        if inside:
            result.append(member.id)
    return result


def _hour(moment: str) -> str:
    return f"{moment[:2]} h {moment[3:5]}" if len(moment) == 5 else moment


def _names(session: Session, members: list[str]) -> str:
    return ", ".join(escape(session.name(m)) for m in members) or "néant"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n > 1 else ''}"


def result_words(item: Item) -> str:
    """ "Adoptée à l'unanimité", "Adoptée par 10 voix pour, 1 contre et 2 abstentions"."""
    vote = item.vote
    if vote is None:
        return ""
    pour, contre, abst = vote["pour"], vote["contre"], vote["abstention"]
    blank = "bulletin(s) blanc(s) ou nul(s)" if vote["mode"] == "secret" else None
    abst_words = f"{abst} {blank}" if blank else _plural(abst, "abstention")
    adopted = vote["result"] == "adopte"
    if adopted and contre == 0 and abst == 0:
        return "Adoptée à l'unanimité"
    if adopted and contre == 0:
        return f"Adoptée à l'unanimité des suffrages exprimés ({pour} voix pour, {abst_words})"
    verb = "Adoptée" if adopted else "Rejetée"
    text = f"{verb} par {pour} voix pour, {contre} contre"
    text += f" et {abst_words}" if abst else ""
    if vote.get("casting_vote"):
        text += ", la voix du président étant prépondérante"
    elif item.kind is ItemKind.COMPTE_ADMINISTRATIF and pour == contre:
        text += " (pas de majorité contre le compte administratif, article L1612-12 du CGCT)"
    return text


def _attendance_html(session: Session, item: Item, record: dict[str, Any]) -> tuple[str, int]:
    present = _present_at(session, record.get("at"))
    represented: list[tuple[str, str]] = [(g, h) for g, h in record.get("represented", [])]
    active = {p.giver: p for p in session.proxies if p.active}
    for member, _why in record.get("set_aside", []):
        proxy = active.get(member)
        if member not in present and proxy and proxy.holder in present:
            represented.append((member, proxy.holder))
    givers = {g for g, _ in represented}
    rank = {m.id: m.rank for m in session.members.values()}
    represented.sort(key=lambda gh: rank.get(gh[0], 0))
    rep_texts = []
    for giver, holder in represented:
        signed = active[giver].signed_on if giver in active else None
        date = f", du {short_date(signed)}" if signed else ""
        rep_texts.append(
            f"{escape(session.name(giver))} (pouvoir à {escape(session.name(holder))}{date})"
        )
    others = [
        m.id
        for m in sorted(session.members.values(), key=lambda m: m.rank)
        if m.id not in present and m.id not in givers
    ]
    excused = [m for m in others if session.attendance[m].status is Presence.EXCUSED]
    absent = [m for m in others if m not in excused]
    rows = [
        f"<p class='att'><span class='label'>Présents :</span> {_names(session, present)}.</p>",
        f"<p class='att'><span class='label'>Représentés :</span> {'; '.join(rep_texts) or 'néant'}.</p>",
        f"<p class='att'><span class='label'>Absents excusés :</span> {_names(session, excused)}.</p>",
    ]
    if absent:
        rows.append(
            f"<p class='att'><span class='label'>Absents :</span> {_names(session, absent)}.</p>"
        )
    rows.append(
        "<p class='att'><span class='label'>Secrétaire de séance :</span> "
        f"{_names(session, session.secretaries)}.</p>"
    )
    return "\n".join(rows), len(present)


def _vote_html(session: Session, item: Item) -> str:
    parts: list[str] = []
    if item.vote is not None:
        vote = item.vote
        abst_label = "Blancs ou nuls" if vote["mode"] == "secret" else "Abstentions"
        mode = {"secret": "au scrutin secret", "public": "au scrutin public"}.get(
            vote["mode"], "à main levée"
        )
        parts.append(
            f"<p class='vote'><span class='label'>Vote {mode} :</span> "
            f"votants {vote['votants']}, suffrages exprimés {vote['exprimes']} — "
            f"pour {vote['pour']}, contre {vote['contre']}, "
            f"{abst_label.lower()} {vote['abstention']}.</p>"
        )
        if vote["mode"] == "public" and vote["ballots"]:
            proxies = {g for g, _ in vote.get("represented", [])}
            rank = {m.id: m.rank for m in session.members.values()}
            for choice, label in (
                ("pour", "Ont voté pour"),
                ("contre", "Ont voté contre"),
                ("abstention", "Se sont abstenus"),
            ):
                who = sorted(
                    (m for m, c in vote["ballots"].items() if c == choice),
                    key=lambda m: rank.get(m, 0),
                )
                if who:
                    names = ", ".join(
                        escape(session.name(m)) + (" (par procuration)" if m in proxies else "")
                        for m in who
                    )
                    parts.append(
                        f"<p class='att'><span class='label'>{label} :</span> {names}.</p>"
                    )
    for rnd in item.rounds:
        ordinal = "1er" if rnd["round"] == 1 else f"{rnd['round']}e"
        votes = ", ".join(
            f"{escape(session.name(c))} : {n} voix"
            for c, n in sorted(rnd["votes"].items(), key=lambda cn: -cn[1])
        )
        parts.append(
            f"<p class='vote'><span class='label'>{ordinal} tour (scrutin secret) :</span> "
            f"votants {rnd['votants']}, blancs ou nuls {rnd['blank_or_null']}, "
            f"suffrages exprimés {rnd['exprimes']} — {votes}. "
            f"<i>{escape(rnd['reason'])}.</i></p>"
        )
    if item.rounds and item.rounds[-1]["elected"]:
        last = item.rounds[-1]
        elected = last["elected"]
        ordinal = "1er" if last["round"] == 1 else f"{last['round']}e"
        parts.append(
            f"<p class='resultat'>Est désigné(e) : {escape(session.name(elected))}, "
            f"avec {last['votes'].get(elected, 0)} voix au {ordinal} tour.</p>"
        )
    record = _record(item)
    for member, why in record.get("set_aside", []):
        parts.append(
            f"<p class='att'><span class='label'>Ne prend pas part au vote :</span> "
            f"{escape(session.name(member))} ({escape(why)}).</p>"
        )
    for member in record.get("not_taking_part", []):
        parts.append(
            f"<p class='att'><span class='label'>Ne prend pas part au vote :</span> "
            f"{escape(session.name(member))} (à sa demande).</p>"
        )
    if item.vote is not None:
        parts.append(f"<p class='resultat'>{escape(result_words(item))}.</p>")
    return "\n".join(parts)


def _body_html(session: Session, item: Item, commune: str, department: str) -> str:
    record = _record(item)
    attendance, present_count = _attendance_html(session, item, record)
    day = datetime.fromisoformat(session.date)
    mayor = session.mayor
    president = session.president or mayor
    president_role = ", maire" if president == mayor else ""
    opening = (
        f"L'an {number_words(day.year)}, le {number_words(day.day) if day.day > 1 else 'premier'} "
        f"{long_date(session.date).split(' ')[1]} à {_hour(session.time)}, le conseil municipal "
        f"de la commune de {escape(commune)}, légalement convoqué, s'est réuni en séance "
        f"publique au lieu habituel de ses séances ({escape(session.place)}), sous la "
        f"présidence {escape(of(session.name(president)))}{president_role}."
    )
    if item.kind is ItemKind.COMPTE_ADMINISTRATIF and item.president:
        opening += (
            f"</p><p>Pour l'examen du compte administratif, le conseil a élu "
            f"{escape(session.name(item.president))} pour présider la séance ; "
            f"{escape(session.name(mayor))}, maire, s'est retiré(e) au moment du vote "
            "(article L2121-14 du CGCT)."
        )
    classification = (
        f"<br/><span class='small'>Nomenclature : {escape(item.classification)}</span>"
        if item.classification
        else ""
    )
    text = item.text.strip()
    if not text and item.kind is ItemKind.NOMINATION:
        text = (
            "Le conseil municipal procède, au scrutin secret, à la désignation objet de la "
            "présente délibération."
        )
    paragraphs = "".join(f"<p>{escape(line)}</p>" for line in text.splitlines() if line.strip())
    return f"""
<table class="head" style="width:100%"><tr>
<td style="width:60%"><span class="rf">RÉPUBLIQUE FRANÇAISE</span><br/>
Département de {escape(department)}<br/>Commune de {escape(commune)}</td>
<td class="num" style="width:40%">Délibération n° {escape(item.number or "")}{classification}</td>
</tr></table>
<h1>EXTRAIT DU REGISTRE DES DÉLIBÉRATIONS<br/>DU CONSEIL MUNICIPAL</h1>
<p class="seance">Séance du {long_date(session.date)}</p>
<table class="counts"><tr>
<td>Date de convocation : {short_date(session.convocation_date())}</td>
<td>Membres en exercice : {len(session.members)}</td>
<td>Présents : {present_count}</td>
<td>Votants : {record["votants"]}</td>
</tr></table>
<p style="margin-top:8pt">{opening}</p>
{attendance}
<p class="objet">Objet : {escape(item.title)}</p>
<div class="texte">{paragraphs}</div>
{_vote_html(session, item)}
<p class="fin">Fait et délibéré les jour, mois et an susdits.</p>
"""


def _archive() -> pymupdf.Archive:
    return pymupdf.Archive(str(FONTS_DIR))


def _isolate_contents(doc: Any, page: Any) -> None:
    """Wrap what the layout drew in q … Q: it leaves its flip of the y axis
    (a bare "cm") in force, which would turn upside down anything drawn after."""
    streams = page.get_contents()
    if streams:
        doc.update_stream(streams[0], b"q\n" + doc.xref_stream(streams[0]))
        doc.update_stream(streams[-1], doc.xref_stream(streams[-1]) + b"\nQ\n")


def flow_pages(html: str, css: str, archive: Any) -> Any:
    """Lay ``html`` out on as many A4 pages as it needs, and make sure the last
    page has room for the signature boxes (a page is added when it has not)."""
    story = pymupdf.Story(html, user_css=css, archive=archive)
    buffer = io.BytesIO()
    writer = pymupdf.DocumentWriter(buffer)
    more, bottom = 1, 0.0
    while more:
        device = writer.begin_page(PAGE)
        more, filled = story.place(BODY)
        story.draw(device)
        writer.end_page()
        bottom = pymupdf.Rect(filled).y1
    writer.close()
    doc = pymupdf.open("pdf", buffer.getvalue())
    for number in range(doc.page_count):
        _isolate_contents(doc, doc[number])
    if bottom > SIGNATURE_TOP:
        doc.new_page(width=PAGE.width, height=PAGE.height)
    return doc


def source_digest(
    html: str, signers: Mapping[str, tuple[str, str]], handwriting: Handwritings
) -> str:
    """What a document is built from, as a digest: equal digests, same document."""
    parts = [LAYOUT_VERSION, html]
    for role in sorted(signers):
        parts.extend(signers[role])
        drawn = handwriting.get(role)
        parts.append(handwriting_digest(drawn) if drawn else "")
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def signed_by(
    handwriting: Handwritings, signer_ids: Mapping[str, list[str]]
) -> dict[str, Handwriting]:
    """The drawn signatures whose signer is the one the box is for (the mayor's
    drawing does not go in the box of another president of session)."""
    return {
        role: drawn
        for role, drawn in handwriting.items()
        if drawn.signer in signer_ids.get(role, [])
    }


def journal_anchor(session: Session) -> JournalAnchor | None:
    return (
        JournalAnchor(session.id, session.last_seq, session.last_hash)
        if session.last_hash
        else None
    )


_FONT_FILES = {False: FONTS_DIR / "DejaVuSerif.ttf", True: FONTS_DIR / "DejaVuSerif-Bold.ttf"}


@functools.cache
def _font(bold: bool) -> Any:
    return pymupdf.Font(fontfile=str(_FONT_FILES[bold]))


def _line(
    page: Any,
    rect: pymupdf.Rect,
    text: str,
    *,
    size: float = 10,
    bold: bool = False,
    align: int = pymupdf.TEXT_ALIGN_LEFT,
    color: tuple[float, float, float] = (0, 0, 0),
) -> bool:
    """Short text in the register's font, straight on the page (an HTML box
    costs a whole layout and an embedded copy of the font: 8 ms each, five a
    document); False if it does not fit in ``rect``."""
    writer = pymupdf.TextWriter(page.rect)
    try:
        writer.fill_textbox(rect, text, font=_font(bold), fontsize=size, align=align, warn=False)
    except ValueError:  # pymupdf: "text does not fit"
        return False
    writer.write_text(page, color=color)
    return True


def finish_register_pages(
    doc: Any,
    *,
    place_line: str,
    signers: Mapping[str, tuple[str, str]],
    handwriting: Handwritings,
    anchor: JournalAnchor | None,
    footer_label: str,
    css: str,
    archive: Any,
) -> None:
    """The closing of every register document: place and date, the signature
    boxes (with the handwritten signatures drawn on the master screen), the
    journal anchor and the page footers."""
    last = doc[-1]
    place = pymupdf.Rect(MARGIN, SIGNATURE_TOP + 4, PAGE.width - MARGIN, SIGNATURE_TOP + 24)
    if not _line(last, place, place_line, align=pymupdf.TEXT_ALIGN_RIGHT):
        last.insert_htmlbox(
            place, f"<p class='right'>{escape(place_line)}</p>", css=css, archive=archive
        )
    for role, box in SIGNATURE_BOXES.items():
        label, name = signers[role]
        head = pymupdf.Rect(box.x0, box.y0 - 34, box.x1, box.y0 - 2)
        title = pymupdf.Rect(head.x0, head.y0, head.x1, head.y0 + 15)
        names = pymupdf.Rect(head.x0, head.y0 + 14, head.x1, head.y1 + 2)
        center = pymupdf.TEXT_ALIGN_CENTER
        if not (
            _line(last, title, label, bold=True, align=center)
            and _line(last, names, name, align=center)
        ):
            last.draw_rect(head, color=None, fill=(1, 1, 1))  # what did fit, hidden
            last.insert_htmlbox(
                head,
                f"<p class='center'><b>{escape(label)}</b><br/>{escape(name)}</p>",
                css=css,
                archive=archive,
            )
        last.draw_rect(box, color=(0.45, 0.45, 0.45), width=0.6)
        drawn = handwriting.get(role)
        if drawn is not None:
            draw_handwriting(last, box, drawn, stamp_height=STAMP_BAND)
    finish_pages(doc, last, footer_label, anchor)


def finish_pages(
    doc: pymupdf.Document, last: pymupdf.Page, footer_label: str, anchor: JournalAnchor | None
) -> None:
    """The journal's anchor under the last page's signatures, and every page's
    footer with its number (the acts and the convocation alike)."""
    if anchor is not None:
        _line(
            last,
            ANCHOR_LINE,
            anchor.line,
            size=6.5,
            align=pymupdf.TEXT_ALIGN_CENTER,
            color=(0.27, 0.27, 0.27),
        )
    total = doc.page_count
    for index in range(total):
        page = doc[index]
        _line(page, FOOTER, footer_label, size=8.5)
        _line(page, FOOTER, f"page {index + 1} / {total}", size=8.5, align=pymupdf.TEXT_ALIGN_RIGHT)


def deliberation_pdf(
    session: Session,
    item: Item,
    commune: str,
    department: str,
    handwriting: Handwritings | None = None,
) -> bytes:
    """The register extract of one numbered deliberation, as PDF bytes (A4).

    ``handwriting`` maps "maire" / "secretaire" to the signature drawn on the
    master screen, placed in its box.
    """
    if item.number is None:
        raise ValueError(f"le point {item.id} n'a pas de numéro de délibération")
    drawn = signed_by(
        handwriting or {}, {"maire": [session.mayor], "secretaire": session.secretaries}
    )
    archive = _archive()
    html = _body_html(session, item, commune, department)
    doc = flow_pages(html, CSS, archive)
    signers = {
        "maire": ("Le maire", session.name(session.mayor)),
        "secretaire": (
            "Le secrétaire de séance",
            ", ".join(session.name(m) for m in session.secretaries),
        ),
    }
    anchor = journal_anchor(session)
    finish_register_pages(
        doc,
        place_line=(f"Pour extrait conforme, à {escape(commune)}, le {long_date(session.date)}."),
        signers=signers,
        handwriting=drawn,
        anchor=anchor,
        footer_label=f"Commune de {commune} — délibération n° {item.number}",
        css=CSS,
        archive=archive,
    )
    title = f"Délibération n° {item.number} — {item.title}"
    author = f"Commune de {commune}"
    subject = (
        f"Extrait du registre des délibérations du conseil municipal de {commune}, "
        f"séance du {long_date(session.date)}"
    )
    keywords = f"délibération, {item.number}, conseil municipal, {commune}"
    created = datetime.fromisoformat(session.closed_at or _record(item)["at"])
    provenance = Provenance(anchor, source_digest(html, signers, drawn))
    return finish_pdf(doc, title, author, subject, keywords, created, provenance)
