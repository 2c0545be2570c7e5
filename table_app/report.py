"""What a session looks like from outside: JSON for programs, French text for people."""

from __future__ import annotations

from typing import Any

from table_app.council import rules
from table_app.council.decide import answer_text
from table_app.council.state import (
    ITEM_KIND_LABELS,
    ITEM_STATUS_LABELS,
    SESSION_STATUS_LABELS,
    Item,
    Presence,
    Session,
)
from table_app.french import short_date

PRESENCE_LABELS = {
    Presence.UNKNOWN: "non appelé",
    Presence.PRESENT: "présent",
    Presence.ABSENT: "absent",
    Presence.EXCUSED: "excusé",
    Presence.LEFT: "parti en cours de séance",
}


def _who(session: Session, member_id: str | None) -> dict[str, str] | None:
    if member_id is None:
        return None
    return {"id": member_id, "name": session.name(member_id)}


def session_json(session: Session) -> dict[str, Any]:
    """The projected state of a session (``table-app session show ID --json``)."""
    active = {p.giver: p.holder for p in session.proxies if p.active}
    present = session.present()
    attendance = []
    for member in sorted(session.members.values(), key=lambda m: m.rank):
        att = session.attendance[member.id]
        holder = active.get(member.id)
        represented = holder is not None and member.id not in present and holder in present
        attendance.append(
            {
                "id": member.id,
                "name": member.name,
                "role": member.role,
                "status": att.status.value,
                "status_label": PRESENCE_LABELS[att.status],
                "represented_by": _who(session, holder) if represented else None,
                "movements": att.movements,
            }
        )
    quorum = rules.quorum(session)
    return {
        "id": session.id,
        "title": session.title,
        "date": session.date,
        "time": session.time,
        "place": session.place,
        "status": session.status.value,
        "status_label": SESSION_STATUS_LABELS[session.status],
        "convened_on": session.convened_on,
        "convocations": [
            {
                "member": _who(session, c.member),
                "channel": c.channel,
                "sent": c.sent,
                "at": c.at,
                "sha256": c.sha256,
                "address": c.address,
                "message_id": c.message_id,
                "attempts": c.attempts,
                "error": c.error,
                "seq": c.seq,
            }
            for c in session.convocations
        ],
        "emergency": session.emergency,
        "emergency_accepted": session.emergency_accepted,
        "reconvened_of": session.reconvened_of,
        "opened_at": session.opened_at,
        "closed_at": session.closed_at,
        "suspensions": session.suspensions,
        "president": _who(session, session.president),
        "secretaries": [_who(session, m) for m in session.secretaries],
        "members_in_office": len(session.members),
        "attendance": attendance,
        "proxies": [
            {
                "giver": _who(session, p.giver),
                "holder": _who(session, p.holder),
                "signed_on": p.signed_on,
                "illness": p.illness,
                "given_at": p.given_at,
                "revoked_at": p.revoked_at,
            }
            for p in session.proxies
        ],
        "answers": [
            {
                "member": _who(session, a.member),
                "answer": a.answer.value,
                "holder": _who(session, a.holder),
                "signed_on": a.signed_on,
                "illness": a.illness,
                "source": a.source,
                "document": a.document,
                "at": a.at,
            }
            for a in session.answers
        ],
        "quorum": {**quorum.to_json(), "valid": quorum.valid},
        "opening": session.opening,
        "lack_of_quorum": session.lack_of_quorum,
        "current_item": session.current_item,
        "projection": session.projection,
        "items": [_item_json(session, i, n) for n, i in enumerate(session.agenda(), start=1)],
        "proposals": [
            _item_json(session, i, None) for i in session.items if i not in session.agenda()
        ],
        "warnings": session.warnings,
        "last_seq": session.last_seq,
    }


def _item_json(session: Session, item: Item, position: int | None) -> dict[str, Any]:
    return {
        "position": position,
        "id": item.id,
        "title": item.title,
        "kind": item.kind.value,
        "kind_label": ITEM_KIND_LABELS[item.kind],
        "status": item.status.value,
        "status_label": ITEM_STATUS_LABELS[item.status],
        "number": item.number,
        "rapporteur": _who(session, item.rapporteur),
        "from_convocation": item.from_convocation,
        "complementary_convocation_on": item.convoked_on,
        "added_in_session": item.added_in_session,
        "proposed_by": _who(session, item.proposed_by),
        "documents": item.documents,
        "classification": item.classification,
        "text": item.text,
        "text_versions": [
            {"version": t.version, "at": t.at, "author": t.author, "text": t.text}
            for t in item.texts
        ],
        "interested": [_who(session, m) for m in item.interested],
        "president": _who(session, item.president),
        "ballot_requests": item.ballot_requests,
        "taken_up_at": item.taken_up_at,
        "quorum_at_take_up": item.quorum_at_take_up,
        "vote": item.vote,
        "rounds": item.rounds,
        "result": _result(item),
    }


def _result(item: Item) -> str | None:
    if item.vote is not None:
        return str(item.vote["result"])
    if item.rounds and item.rounds[-1]["elected"] is not None:
        return "elu"
    return None


def session_text(session: Session) -> str:
    """A French summary for the terminal: attendance, quorum, each item and its vote."""
    data = session_json(session)
    lines = [
        f"{session.title} — {data['status_label']}",
        f"{session.place}, convoquée le {short_date(session.convocation_date())}",
    ]
    if session.convocations:
        sent = sum(1 for c in session.convocations if c.sent)
        failed = len(session.convocations) - sent
        lines.append(
            f"Convocation : {sent} envoi(s) enregistré(s)"
            + (f", {failed} échec(s)" if failed else "")
            + f" (preuve : table-app convocation proof {session.id})"
        )
    if data["president"]:
        lines.append(f"Président de séance : {data['president']['name']}")
    if data["secretaries"]:
        lines.append(
            "Secrétaire(s) de séance : " + ", ".join(s["name"] for s in data["secretaries"])
        )
    by_status: dict[str, list[str]] = {}
    for a in data["attendance"]:
        label = a["status_label"]
        if a["represented_by"]:
            label = "représenté"
            by_status.setdefault(label, []).append(
                f"{a['name']} (par {a['represented_by']['name']})"
            )
        else:
            by_status.setdefault(label, []).append(a["name"])
    lines.append(f"Membres en exercice : {data['members_in_office']}")
    for label, names in by_status.items():
        lines.append(f"  {label.capitalize()} ({len(names)}) : {', '.join(names)}")
    latest = [a for a in (session.answer_of(m) for m in session.members) if a is not None]
    if latest:
        lines.append("Réponses avant la séance :")
        for answer in sorted(latest, key=lambda a: session.members[a.member].rank):
            source = " (dossier de l'élu)" if answer.source == "dossier" else ""
            lines.append(
                f"  {session.name(answer.member)} : {answer_text(session, answer)}{source}"
            )
    if session.opening:
        q = session.opening["quorum"]
        lines.append(
            f"Quorum à l'ouverture : {q['present']} présents, {q['required']} requis — "
            f"{'atteint' if q['met'] else 'non atteint (séance reconvoquée)'}"
        )
    lines.append("")
    lines.append("Ordre du jour :")
    for item in data["items"]:
        number = f" — délibération n° {item['number']}" if item["number"] else ""
        lines.append(
            f"  {item['position']}. {item['title']} [{item['kind_label']}] : {item['status_label']}{number}"
        )
        vote = item["vote"]
        if vote:
            abst = "blancs ou nuls" if vote["mode"] == "secret" else "abstention(s)"
            lines.append(
                f"     {vote['votants']} votants : {vote['pour']} pour, {vote['contre']} contre, "
                f"{vote['abstention']} {abst} — {vote['reason']}"
            )
            for member, why in vote["set_aside"]:
                lines.append(f"     Ne prend pas part au vote : {session.name(member)} ({why})")
            if vote["mode"] == "public":
                ranked = sorted(vote["ballots"].items(), key=lambda mc: session.members[mc[0]].rank)
                for member, choice in ranked:
                    lines.append(f"       {session.name(member)} : {choice}")
        for rnd in item["rounds"]:
            votes = ", ".join(f"{session.name(c)} {n}" for c, n in rnd["votes"].items())
            lines.append(
                f"     Tour {rnd['round']} : {votes}, {rnd['blank_or_null']} blancs ou nuls — {rnd['reason']}"
            )
    if data["warnings"]:
        lines.append("")
        lines.append("Avertissements :")
        lines.extend(f"  - {w}" for w in data["warnings"])
    return "\n".join(lines)
