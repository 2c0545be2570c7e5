"""The rules applied to a command: refuse it, or say which event it becomes.

``decide`` never changes the state. It returns a ``Decision``: the event type
and a payload that carries every fact the projection needs (the quorum as
counted, the vote's result, the register number), so the journal alone tells
what happened and why it was lawful. Refusals raise ``CommandRefused`` with a
French message that gives the numbers when numbers are the reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from table_app.config import Config
from table_app.council import moments, rules
from table_app.council.arguments import Arguments
from table_app.council.errors import CommandRefused
from table_app.council.events import EventType
from table_app.council.state import (
    ANSWER_LABELS,
    ANSWER_SOURCES,
    CONVOCATION_CHANNELS,
    ITEM_STATUS_LABELS,
    SESSION_STATUS_LABELS,
    Answer,
    AnswerKind,
    CouncilState,
    Item,
    ItemKind,
    ItemStatus,
    Presence,
    Session,
    SessionStatus,
)
from table_app.french import of, short_date

#: Who may send commands: the master screen (whoever presides), the
#: secretariat entering a session held on paper, and a councillor's seat.
AUTHOR_ROLES = ("president", "secretaire", "conseiller")
BALLOT_CHOICES = ("pour", "contre", "abstention")
_LIVE = (SessionStatus.OPEN, SessionStatus.SUSPENDED)
_NOT_ENDED = (SessionStatus.CONVENED, SessionStatus.OPEN, SessionStatus.SUSPENDED)
#: The only command a session still takes once it has ended: the secretary
#: writes the summary of the debates afterwards, dated when it is written.
_AFTER_THE_END = frozenset({"record_debate"})


@dataclass
class Context:
    state: CouncilState
    config: Config
    author: str
    #: the table's clock (aware), or None: a command without ``at`` then takes
    #: the session's last recorded moment (scripts, tests, replays).
    now: datetime | None
    #: the command's moment in the commune's time, resolved by ``decide``
    #: before the handler runs (moments.py says how)
    moment: str = ""


@dataclass
class Decision:
    session_id: str
    type: EventType
    payload: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


Handler = Callable[[Context, Arguments, Session | None], Decision]


@dataclass(frozen=True)
class CommandSpec:
    handler: Handler
    fields: frozenset[str]
    needs_session: bool = True
    roles: tuple[str, ...] = ("president", "secretaire")


COMMANDS: dict[str, CommandSpec] = {}


def _command(
    name: str, fields: str = "", needs_session: bool = True, roles: tuple[str, ...] | None = None
) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        COMMANDS[name] = CommandSpec(
            fn, frozenset(fields.split()), needs_session, roles or ("president", "secretaire")
        )
        return fn

    return register


def decide(ctx: Context, command: Mapping[str, Any]) -> Decision:
    """Check ``command`` against the rules and the current state."""
    if not isinstance(command, Mapping):
        raise CommandRefused('Une commande doit être un objet JSON {"cmd": …}')
    name = command.get("cmd")
    spec = COMMANDS.get(str(name))
    if spec is None:
        raise CommandRefused(
            f"Commande inconnue : {name!r}. Commandes possibles : {', '.join(sorted(COMMANDS))}"
        )
    if ctx.author not in AUTHOR_ROLES:
        raise CommandRefused(f"Rôle inconnu : {ctx.author!r} ({', '.join(AUTHOR_ROLES)})")
    if ctx.author not in spec.roles:
        raise CommandRefused(f"« {name} » est réservé au président de séance ou au secrétariat")
    # Every command may say when it happened (moments.py).
    args = Arguments(str(name), command, set(spec.fields) | {"at"})
    session: Session | None = None
    if spec.needs_session:
        session_id = command.get("session")
        if not session_id:
            raise CommandRefused(f"« {name} » : indiquez la séance (champ « session »)")
        session = ctx.state.sessions.get(str(session_id))
        if session is None:
            raise CommandRefused(f"Séance inconnue : « {session_id} »")
        ctx.moment = _session_moment(ctx, session, args)
    else:
        ctx.moment = _convocation_moment(ctx, args)
    decision = spec.handler(ctx, args, session)
    if session is not None and session.status not in _NOT_ENDED and name not in _AFTER_THE_END:
        ended = (
            f" le {moments.label(session.closed_at, session.timezone)}" if session.closed_at else ""
        )
        raise CommandRefused(
            f"La séance est {SESSION_STATUS_LABELS[session.status]}{ended} : plus rien ne peut y "
            "être enregistré, sauf la synthèse des débats"
        )
    decision.payload.setdefault("at", ctx.moment)
    if decision.warnings:
        decision.payload["warnings"] = decision.warnings
    return decision


# --- helpers ---------------------------------------------------------------


def _at(ctx: Context, _session: Session, _args: Arguments) -> str:
    """The moment the command's fact happened (resolved once by ``decide``)."""
    return ctx.moment


def _given_moment(args: Arguments, day: str, timezone: str) -> str | None:
    """The command's own ``at``: "HH:MM" on ``day``, or a full ISO date-time."""
    raw = args.raw.get("at")
    if raw is None:
        return None
    tz = ZoneInfo(timezone)
    text = str(raw).strip()
    if len(text) <= 5:
        return _local(day, args.clock("at", text), timezone)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise CommandRefused(
            f"Heure invalide : {text!r} (écrire HH:MM ou AAAA-MM-JJTHH:MM)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.isoformat(timespec="seconds")


def _session_moment(ctx: Context, session: Session, args: Arguments) -> str:
    """When the command's fact happened; never before the session's last event."""
    tz = session.timezone
    given = _given_moment(args, session.date, tz)
    if given is not None:
        moment = given
    elif ctx.now is not None:
        moment = moments.stamp(ctx.now, tz)
    elif session.last_at is not None:
        moment = session.last_at
    else:  # a journal written before events carried their moment
        moment = _local(session.date, session.time, tz)
    last = session.last_at
    if last is not None and moments.earlier(moment, last):
        fix = (
            "indiquez l'heure réelle du fait, ou jouez les lignes dans l'ordre où les faits se "
            "sont produits"
            if given is not None
            else "l'horloge de la table retarde : faites-la remettre à l'heure"
        )
        raise CommandRefused(
            f"Heure refusée : {moments.label(moment, tz)} précède le dernier événement "
            f"enregistré de la séance ({moments.label(last, tz)}) ; les faits d'une séance "
            f"s'enregistrent dans l'ordre où ils se produisent : {fix}"
        )
    return moment


def _convocation_moment(ctx: Context, args: Arguments) -> str:
    """When the session was convened: its own ``at``, the table's clock, or else
    the day the convocation was sent at the session's hour."""
    tz = ctx.config.commune.timezone
    sent = args.day("convened_on")
    given = _given_moment(args, sent, tz)
    if given is not None:
        return given
    if ctx.now is not None:
        return moments.stamp(ctx.now, tz)
    return _local(sent, args.clock("time", "20:00"), tz)


def _local(day: str, hhmm: str, timezone: str) -> str:
    moment = datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=ZoneInfo(timezone))
    return moment.isoformat(timespec="seconds")


def _member(session: Session, member_id: str) -> str:
    if member_id not in session.members:
        raise CommandRefused(f"« {member_id} » n'est pas membre du conseil en exercice")
    return member_id


def _present(session: Session, member_id: str, what: str) -> str:
    _member(session, member_id)
    if session.attendance[member_id].status is not Presence.PRESENT:
        raise CommandRefused(f"{session.name(member_id)} n'est pas présent(e) : {what}")
    return member_id


def _status(session: Session, allowed: tuple[SessionStatus, ...], action: str) -> None:
    if session.status not in allowed:
        label = SESSION_STATUS_LABELS[session.status]
        raise CommandRefused(f"Impossible de {action} : la séance est {label}")


def _item(session: Session, args: Arguments) -> Item:
    ref = args.text("item")
    item = session.item(ref)
    if item is None:
        known = ", ".join(f"{i.id} ({i.title})" for i in session.agenda()) or "aucun"
        raise CommandRefused(f"Point inconnu : « {ref} ». Points : {known}")
    return item


def _item_status(item: Item, allowed: tuple[ItemStatus, ...], action: str) -> None:
    if item.status not in allowed:
        raise CommandRefused(
            f"Impossible de {action} le point « {item.title} » : il est "
            f"{ITEM_STATUS_LABELS[item.status]}"
        )


def _decision(
    session: Session, type_: EventType, payload: dict[str, Any], warnings: list[str] | None = None
) -> Decision:
    return Decision(session.id, type_, payload, warnings or [])


def _agenda_entry(
    ctx: Context,
    session: Session | None,
    raw: Mapping[str, Any],
    item_id: str,
    members: Mapping[str, Any],
    at: str,
) -> dict[str, Any]:
    args = Arguments("point", raw, {"title", "kind", "rapporteur", "text", "classification"})
    kind = args.choice("kind", tuple(k.value for k in ItemKind), ItemKind.DELIBERATION.value)
    rapporteur = args.optional_text("rapporteur")
    if rapporteur is not None and rapporteur not in members:
        raise CommandRefused(f"Rapporteur « {rapporteur} » : ce n'est pas un membre du conseil")
    entry: dict[str, Any] = {
        "id": item_id,
        "title": args.text("title"),
        "kind": kind,
        "rapporteur": rapporteur,
        "classification": args.optional_text("classification"),
    }
    if args.has("text"):
        entry["text"] = args.raw_text("text")
        entry["at"] = at
        entry["author"] = ctx.author
    return entry


# --- convocation -----------------------------------------------------------


@_command(
    "convene",
    "id date time place title convened_on emergency reconvened_of agenda",
    needs_session=False,
)
def _convene(ctx: Context, args: Arguments, _session: Session | None) -> Decision:
    held = args.day("date")
    sent = args.day("convened_on")
    if sent > held:
        raise CommandRefused(
            f"La convocation ({short_date(sent)}) ne peut être envoyée après la séance "
            f"({short_date(held)})"
        )
    session_id = args.optional_text("id") or held
    if session_id in ctx.state.sessions:
        hint = (
            ""
            if args.has("id")
            else " : pour une seconde séance le même jour, donnez-lui un « id » (ex. "
            f"{held}-2) ; pour reprendre un script, utilisez --from-line"
        )
        raise CommandRefused(f"La séance « {session_id} » existe déjà{hint}")
    members = [
        {
            "id": m.id,
            "name": m.name,
            "role": m.role,
            "rank": m.rank,
            "birth_date": m.birth_date.isoformat() if m.birth_date else None,
        }
        for m in ctx.config.members
    ]
    by_id = {str(m["id"]): m for m in members}
    raw_agenda = args.raw.get("agenda") or []
    if not isinstance(raw_agenda, list):
        raise CommandRefused("« convene » : « agenda » doit être une liste de points")
    warnings: list[str] = []
    reconvened_of = args.optional_text("reconvened_of")
    if reconvened_of is not None:
        raw_agenda = _reconvened_agenda(ctx, reconvened_of, held, raw_agenda)
    at = ctx.moment
    agenda = [
        _agenda_entry(ctx, None, raw, f"p{i}", by_id, at)
        for i, raw in enumerate(raw_agenda, start=1)
    ]
    population = ctx.config.commune.population
    required = rules.notice_required(population)
    days = rules.clear_days(date.fromisoformat(sent), date.fromisoformat(held))
    emergency = args.flag("emergency")
    if days < required and not emergency:
        warnings.append(
            f"Délai de convocation court : {days} jour(s) franc(s), {required} requis pour "
            f"{population} habitants ; l'ouverture sera refusée sauf urgence déclarée"
        )
    return Decision(
        session_id,
        EventType.SESSION_CONVENED,
        {
            "session_id": session_id,
            "title": args.optional_text("title")
            or f"Séance du conseil municipal du {short_date(held)}",
            "date": held,
            "time": args.clock("time", "20:00"),
            "place": args.optional_text("place") or "Salle du conseil municipal",
            "convened_on": sent,
            "emergency": emergency,
            "reconvened_of": reconvened_of,
            "population": population,
            "timezone": ctx.config.commune.timezone,
            "commune": ctx.config.commune.name,
            "members": members,
            "agenda": agenda,
        },
        warnings,
    )


def _reconvened_agenda(ctx: Context, first_id: str, held: str, raw_agenda: list[Any]) -> list[Any]:
    """A reconvened session deliberates without quorum on the first agenda only."""
    first = ctx.state.sessions.get(first_id)
    if first is None:
        raise CommandRefused(f"Séance reconvoquée : la séance « {first_id} » est inconnue")
    if first.status is not SessionStatus.NO_QUORUM:
        raise CommandRefused(
            f"La séance du {short_date(first.date)} n'a pas été close pour défaut de quorum : "
            "seule une telle séance peut être reconvoquée sans condition de quorum"
        )
    gap = (date.fromisoformat(held) - date.fromisoformat(first.date)).days
    if gap < rules.RECONVENE_MIN_DAYS:
        raise CommandRefused(
            f"La nouvelle séance doit se tenir trois jours au moins après celle du "
            f"{short_date(first.date)} ({gap} jour(s) seulement)"
        )
    original = {i.title: i for i in first.agenda()}
    if not raw_agenda:
        return [
            {
                "title": i.title,
                "kind": i.kind.value,
                "rapporteur": i.rapporteur,
                "text": i.text or None,
                "classification": i.classification,
            }
            for i in original.values()
        ]
    for raw in raw_agenda:
        title = raw.get("title") if isinstance(raw, dict) else None
        if title not in original:
            raise CommandRefused(
                f"Le point « {title} » ne figurait pas à l'ordre du jour de la séance du "
                f"{short_date(first.date)} : une séance reconvoquée ne traite que ces points"
            )
    return raw_agenda


_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@_command("record_convocation", "member channel sha256 address message_id attempts error")
def _record_convocation(ctx: Context, args: Arguments, session: Session | None) -> Decision:
    """One sending of the convocation to one member (L2121-10): by e-mail, into
    the member's folder of the synced cloud, or on paper; or its failure
    (``error``), recorded as such and never counted as a convocation. The
    notice at the opening counts from these sendings (rules.notice_check)."""
    assert session is not None
    _status(session, (SessionStatus.CONVENED,), "consigner l'envoi de la convocation")
    member = _member(session, args.text("member"))
    channel = args.choice("channel", tuple(CONVOCATION_CHANNELS))
    digest = args.text("sha256").lower()
    if not _SHA256.match(digest):
        raise CommandRefused(
            "« record_convocation » : « sha256 » doit être l'empreinte SHA-256 du PDF de la "
            "convocation (64 chiffres hexadécimaux)"
        )
    name = session.name(member)
    day = rules.sending_day(ctx.moment, session.timezone)
    if day > session.date:
        raise CommandRefused(
            f"La convocation {of(name)} ne peut être envoyée le {short_date(day)}, après la "
            f"séance du {short_date(session.date)}"
        )
    error = args.optional_text("error")
    address = args.optional_text("address")
    message_id = args.optional_text("message_id")
    if channel == "courriel" and address is None:
        raise CommandRefused(f"Envoi par courriel à {name} : indiquez l'adresse (« address »)")
    if channel == "courriel" and error is None and message_id is None:
        raise CommandRefused(
            f"Envoi par courriel à {name} : sans l'identifiant du message accepté par le "
            "serveur (« message_id »), l'envoi ne peut être enregistré comme fait"
        )
    attempts = args.count("attempts", 1)
    if attempts < 1:
        raise CommandRefused("« record_convocation » : « attempts » vaut 1 au moins")
    payload: dict[str, Any] = {
        "member": member,
        "channel": channel,
        "sha256": digest,
        "attempts": attempts,
    }
    for key, value in (("address", address), ("message_id", message_id), ("error", error)):
        if value is not None:
            payload[key] = value
    warnings: list[str] = []
    if error is None and member not in rules.first_sendings(session):
        days = rules.clear_days(date.fromisoformat(day), date.fromisoformat(session.date))
        required = rules.notice_required(session.population)
        if days < required:
            warnings.append(
                f"Convocation {of(name)} envoyée le {short_date(day)} : {days} jour(s) franc(s) "
                f"avant la séance, {required} requis ; l'ouverture sera refusée sauf urgence "
                "déclarée"
            )
    return _decision(
        session,
        EventType.CONVOCATION_FAILED if error else EventType.CONVOCATION_SENT,
        payload,
        warnings,
    )


# --- attendance and proxies ------------------------------------------------


@_command("arrive", "member at")
def _arrive(ctx: Context, args: Arguments, session: Session | None) -> Decision:
    assert session is not None
    _status(session, _NOT_ENDED, "enregistrer une arrivée")
    member = _member(session, args.text("member"))
    if session.attendance[member].status is Presence.PRESENT:
        raise CommandRefused(f"{session.name(member)} est déjà présent(e)")
    return _decision(
        session, EventType.MEMBER_ARRIVED, {"member": member, "at": _at(ctx, session, args)}
    )


@_command("leave", "member at")
def _leave(ctx: Context, args: Arguments, session: Session | None) -> Decision:
    assert session is not None
    _status(session, _NOT_ENDED, "enregistrer un départ")
    member = _present(session, args.text("member"), "son départ ne peut être enregistré")
    warnings = []
    if member == session.president and session.status in _LIVE:
        warnings.append(
            f"Le président de séance ({session.name(member)}) est parti : "
            "désignez qui préside avant de poursuivre"
        )
    return _decision(
        session, EventType.MEMBER_LEFT, {"member": member, "at": _at(ctx, session, args)}, warnings
    )


@_command("absent", "member excused")
def _absent(ctx: Context, args: Arguments, session: Session | None) -> Decision:
    assert session is not None
    _status(session, _NOT_ENDED, "noter une absence")
    member = _member(session, args.text("member"))
    if session.attendance[member].status is Presence.PRESENT:
        raise CommandRefused(f"{session.name(member)} est présent(e) : enregistrez son départ")
    return _decision(
        session, EventType.MEMBER_MARKED_ABSENT, {"member": member, "excused": args.flag("excused")}
    )


def _consecutive_uses(
    ctx: Context, session: Session, giver: str, holder: str, signed_on: str
) -> int:
    """Sessions in a row, up to this one, that use the same procuration."""
    earlier = sorted(
        (s for s in ctx.state.sessions.values() if (s.date, s.id) < (session.date, session.id)),
        key=lambda s: (s.date, s.id),
        reverse=True,
    )
    count = 1
    for other in earlier:
        if any(
            p.giver == giver and p.holder == holder and p.signed_on == signed_on
            for p in other.proxies
        ):
            count += 1
        else:
            break
    return count


def _proxy_facts(
    ctx: Context,
    session: Session,
    giver: str,
    holder: str,
    signed_on: str,
    illness: bool,
    *,
    replacing: bool = False,
) -> tuple[dict[str, Any], list[str]]:
    """The law's checks on one procuration (L2121-20), shared by the roll call's
    ``proxy`` and the answer given ahead (``answer``); ``replacing``: the
    giver's active procuration, if any, is revoked by this one."""
    if giver == holder:
        raise CommandRefused("Un membre ne peut pas se donner procuration à lui-même")
    for proxy in session.proxies:
        if not proxy.active:
            continue
        if proxy.giver == giver:
            if replacing:
                continue
            raise CommandRefused(
                f"{session.name(giver)} a déjà donné procuration à {session.name(proxy.holder)} : "
                "révoquez-la d'abord"
            )
        if proxy.holder == holder:
            raise CommandRefused(
                f"{session.name(holder)} détient déjà la procuration {of(session.name(proxy.giver))}"
                " : un membre ne peut détenir qu'une seule procuration"
            )
    if signed_on > session.date:
        raise CommandRefused(
            f"La procuration est datée du {short_date(signed_on)}, après la séance"
        )
    warnings = []
    if session.attendance[giver].status is Presence.PRESENT:
        warnings.append(
            f"{session.name(giver)} est présent(e) : la procuration ne compte qu'à "
            "partir de son départ"
        )
    uses = _consecutive_uses(ctx, session, giver, holder, signed_on)
    if uses > rules.PROXY_MAX_SESSIONS and not illness:
        warnings.append(
            f"Procuration {of(session.name(giver))} à {session.name(holder)} du "
            f"{short_date(signed_on)} utilisée pour la {uses}e séance consécutive : elle n'est "
            f"valable que pour {rules.PROXY_MAX_SESSIONS} séances, sauf maladie"
        )
    facts = {
        "giver": giver,
        "holder": holder,
        "signed_on": signed_on,
        "illness": illness,
        "consecutive_sessions": uses,
    }
    return facts, warnings


@_command("proxy", "giver holder signed_on illness at")
def _proxy(ctx: Context, args: Arguments, session: Session | None) -> Decision:
    assert session is not None
    _status(session, _NOT_ENDED, "enregistrer une procuration")
    giver = _member(session, args.text("giver"))
    holder = _member(session, args.text("holder"))
    facts, warnings = _proxy_facts(
        ctx, session, giver, holder, args.day("signed_on", session.date), args.flag("illness")
    )
    return _decision(
        session, EventType.PROXY_GIVEN, {**facts, "at": _at(ctx, session, args)}, warnings
    )


# --- answers before the session ---------------------------------------------


def _document_ref(args: Arguments) -> dict[str, Any] | None:
    """A file of the document library a command refers to: {"id", "path", "hash"}."""
    if not args.has("document"):
        return None
    raw = args.mapping("document")
    doc_id, path, digest = raw.get("id"), raw.get("path"), raw.get("hash")
    if (
        isinstance(doc_id, bool)
        or not isinstance(doc_id, int)
        or not isinstance(path, str)
        or not path
        or not isinstance(digest, str)
        or not digest
    ):
        raise CommandRefused(
            f"« {args.name} » : « document » doit donner l'identifiant (id), le chemin (path) "
            "et l'empreinte (hash) du fichier"
        )
    return {"id": doc_id, "path": path, "hash": digest}


def _unavailable_holder(session: Session, holder: str) -> str | None:
    """Why ``holder`` will not be there to vote for a colleague, when known ahead."""
    if any(p.active and p.giver == holder for p in session.proxies):
        return "a lui-même donné procuration"
    answer = session.answer_of(holder)
    if answer is not None and answer.answer is AnswerKind.EXCUSED:
        return "a répondu absent(e) excusé(e)"
    if session.attendance[holder].status in (Presence.EXCUSED, Presence.ABSENT):
        return "est noté(e) absent(e)"
    return None


def answer_text(session: Session, answer: Answer) -> str:
    """An answer in words: "procuration à Martine Fabre, signée le 25/11/2026"."""
    if answer.answer is AnswerKind.PROXY and answer.holder:
        text = f"procuration à {session.name(answer.holder)}"
        if answer.signed_on:
            text += f", signée le {short_date(answer.signed_on)}"
        return text + (" (maladie)" if answer.illness else "")
    return ANSWER_LABELS[answer.answer]


@_command("answer", "member answer holder signed_on illness source document at")
def _answer(ctx: Context, args: Arguments, session: Session | None) -> Decision:
    """A member's answer before the session: présent, absent excusé, or a
    procuration to a colleague with its signed date. Received from the
    convocation until the opening; a later answer replaces the earlier one
    (its procuration is revoked). A procuration is checked now, as the roll
    call would check it, so an unlawful one is refused before the evening."""
    assert session is not None
    if session.status is not SessionStatus.CONVENED:
        raise CommandRefused(
            f"La séance est {SESSION_STATUS_LABELS[session.status]} : les réponses avant la "
            "séance ne sont plus reçues ; notez la présence, l'absence ou la procuration à l'appel"
        )
    member = _member(session, args.text("member"))
    name = session.name(member)
    if session.attendance[member].status is Presence.PRESENT:
        raise CommandRefused(
            f"{name} est déjà présent(e) dans la salle : sa réponse avant la séance n'a plus "
            "lieu d'être"
        )
    answer = AnswerKind(args.choice("answer", tuple(k.value for k in AnswerKind)))
    source = args.choice("source", tuple(ANSWER_SOURCES), "secretariat")
    document = _document_ref(args)
    replaced = next((p for p in session.proxies if p.active and p.giver == member), None)
    payload: dict[str, Any] = {
        "member": member,
        "answer": answer.value,
        "source": source,
        "document": document,
        "revoked_holder": replaced.holder if replaced else None,
        "at": _at(ctx, session, args),
    }
    warnings: list[str] = []
    holder: str | None = None
    signed_on: str | None = None
    illness = args.flag("illness")
    if answer is AnswerKind.PROXY:
        holder = _member(session, args.text("holder"))
        if not args.has("signed_on"):
            raise CommandRefused(
                f"Procuration {of(name)} : indiquez la date à laquelle elle a été signée"
            )
        signed_on = args.day("signed_on")
        why = _unavailable_holder(session, holder) if holder != member else None
        if why is not None:
            raise CommandRefused(
                f"{session.name(holder)} {why} : un mandataire doit être présent pour voter à "
                f"la place {of(name)} ; choisissez un autre membre"
            )
        facts, warnings = _proxy_facts(
            ctx, session, member, holder, signed_on, illness, replacing=True
        )
        payload.update(
            holder=holder,
            signed_on=signed_on,
            illness=illness,
            consecutive_sessions=facts["consecutive_sessions"],
        )
    elif args.has("holder") or args.has("signed_on") or illness:
        raise CommandRefused(
            f"Un mandataire, une date de signature ou la maladie ne concernent qu'une "
            f"procuration (réponse : {ANSWER_LABELS[answer]})"
        )
    previous = session.answer_of(member)
    same = previous is not None and (
        previous.answer,
        previous.holder,
        previous.signed_on,
        previous.illness,
    ) == (answer, holder, signed_on, illness)
    if same and previous is not None:
        known = (previous.document or {}).get("hash")
        if document is None or document["hash"] == known:
            raise CommandRefused(
                f"La réponse {of(name)} est déjà enregistrée : {answer_text(session, previous)}"
            )
    if answer is not AnswerKind.PRESENT:
        for proxy in session.proxies:
            if proxy.active and proxy.holder == member:
                giver = session.name(proxy.giver)
                warnings.append(
                    f"{name} détient la procuration {of(giver)} : absent(e), il ou elle ne "
                    f"pourra pas voter à sa place ; {giver} doit choisir un autre mandataire"
                )
    return _decision(session, EventType.ANSWER_RECORDED, payload, warnings)


@_command("revoke_proxy", "giver at")
def _revoke_proxy(ctx: Context, args: Arguments, session: Session | None) -> Decision:
    assert session is not None
    _status(session, _NOT_ENDED, "révoquer une procuration")
    giver = _member(session, args.text("giver"))
    if not any(p.active and p.giver == giver for p in session.proxies):
        raise CommandRefused(
            f"{session.name(giver)} n'a pas donné de procuration pour cette séance"
        )
    return _decision(
        session, EventType.PROXY_REVOKED, {"giver": giver, "at": _at(ctx, session, args)}
    )


@_command("set_president", "member")
def _set_president(ctx: Context, args: Arguments, session: Session | None) -> Decision:
    assert session is not None
    _status(session, _NOT_ENDED, "désigner le président")
    member = _present(session, args.text("member"), "il faut un président présent")
    return _decision(session, EventType.PRESIDENT_SET, {"member": member})


# --- opening ---------------------------------------------------------------


def _require_president(session: Session) -> None:
    president = session.president
    if president is None or session.attendance[president].status is not Presence.PRESENT:
        name = session.name(president) if president else "personne"
        raise CommandRefused(
            f"Le président de séance ({name}) n'est pas présent : désignez qui préside "
            "(le maire, ou un adjoint dans l'ordre du tableau)"
        )


@_command("open", "at")
def _open(ctx: Context, args: Arguments, session: Session | None) -> Decision:
    assert session is not None
    _status(session, (SessionStatus.CONVENED,), "ouvrir la séance")
    _require_president(session)
    notice = rules.notice_check(session)
    if not notice.acceptable:
        raise CommandRefused(notice.message())
    added = rules.added_items(session)
    for late in added:
        if late.convoked and not late.acceptable and _voted(session, late.item):
            raise CommandRefused(late.late_message(session.date))
    check = rules.quorum(session)
    if not check.valid:
        raise CommandRefused(
            f"{check.message()}. Constatez l'absence de quorum (carence) et convoquez à nouveau "
            "le conseil, trois jours au moins plus tard"
        )
    warnings = []
    if not notice.sufficient:
        warnings.append(
            f"Convocation en urgence ({notice.clear_days} jour(s) franc(s)) : le "
            "conseil doit se prononcer sur l'urgence avant tout autre point"
        )
    unreached = rules.unreached_members(session)
    if unreached:
        warnings.append(
            "Convocation non parvenue d'après le journal (aucun envoi réussi enregistré) : "
            + ", ".join(session.name(m) for m in unreached)
        )
    if session.reconvened and not check.met:
        warnings.append(
            f"Séance reconvoquée : le conseil délibère valablement sans quorum "
            f"({check.present} présents sur {check.in_office})"
        )
    missing = [a.title for a in added if not a.convoked and _voted(session, a.item)]
    if missing:
        warnings.append(
            "Ajouté(s) à l'ordre du jour après l'envoi de la convocation, qui ne le(s) porte "
            "pas : " + ", ".join(f"« {title} »" for title in missing) + " ; le conseil ne "
            "peut délibérer que sur les affaires inscrites à la convocation"
        )
    payload: dict[str, Any] = {
        "at": _at(ctx, session, args),
        "quorum": check.to_json(),
        "notice": notice.to_json(),
        "president": session.president,
    }
    convoked = [
        {"item": a.item, **({"complementary_on": a.sent_on} if a.complementary else {})}
        for a in added
        if a.acceptable
    ]
    if convoked:  # on a convocation after all: the procès-verbal says which
        payload["convoked"] = convoked
    return _decision(session, EventType.SESSION_OPENED, payload, warnings)


def _voted(session: Session, item_id: str) -> bool:
    item = session.item(item_id)
    return item is not None and item.is_voted_kind


@_command("record_lack_of_quorum", "at")
def _lack_of_quorum(ctx: Context, args: Arguments, session: Session | None) -> Decision:
    assert session is not None
    _status(session, (SessionStatus.CONVENED,), "constater l'absence de quorum")
    check = rules.quorum(session)
    if session.reconvened:
        raise CommandRefused(
            "Séance reconvoquée : elle délibère valablement quel que soit le "
            "nombre de présents, ouvrez-la"
        )
    if check.met:
        raise CommandRefused(
            f"Le quorum est atteint ({check.present} présents, {check.required} "
            "requis) : ouvrez la séance"
        )
    return _decision(
        session,
        EventType.SESSION_LACKED_QUORUM,
        {"at": _at(ctx, session, args), "quorum": check.to_json()},
    )


@_command("rule_emergency", "accepted")
def _rule_emergency(ctx: Context, args: Arguments, session: Session | None) -> Decision:
    assert session is not None
    _status(session, _LIVE, "statuer sur l'urgence")
    if not session.emergency:
        raise CommandRefused("La convocation n'a pas été faite en urgence")
    if session.emergency_accepted is not None:
        raise CommandRefused("Le conseil s'est déjà prononcé sur l'urgence")
    return _decision(session, EventType.EMERGENCY_RULED, {"accepted": args.flag("accepted")})


@_command("name_secretaries", "members")
def _name_secretaries(ctx: Context, args: Arguments, session: Session | None) -> Decision:
    assert session is not None
    _status(session, _LIVE, "nommer le secrétaire de séance")
    members = [
        _present(session, m, "un secrétaire de séance doit être présent")
        for m in args.text_list("members")
    ]
    return _decision(session, EventType.SECRETARIES_NAMED, {"members": members})


# --- agenda ----------------------------------------------------------------


def _position(args: Arguments, session: Session, extra: int) -> int | None:
    position = args.optional_count("position")
    size = len(session.agenda()) + extra
    if position is not None and not 1 <= position <= size:
        raise CommandRefused(
            f"Position {position} impossible : l'ordre du jour compte {size} point(s)"
        )
    return position


@_command("add_item", "title kind rapporteur text classification position")
def _add_item(ctx: Context, args: Arguments, session: Session | None) -> Decision:
    assert session is not None
    _status(session, _NOT_ENDED, "ajouter un point")
    fields = {
        k: v
        for k, v in args.raw.items()
        if k in ("title", "kind", "rapporteur", "text", "classification")
    }
    at = _at(ctx, session, args)
    entry = _agenda_entry(ctx, session, fields, f"p{session.next_item_number}", session.members, at)
    warnings = []
    if entry["kind"] != ItemKind.INFORMATION.value:
        warnings.extend(_not_on_the_convocation(session, entry["title"], at))
    return _decision(
        session,
        EventType.ITEM_ADDED,
        {"item": entry, "position": _position(args, session, 1), "at": at},
        warnings,
    )


def _not_on_the_convocation(session: Session, title: str, at: str) -> list[str]:
    """What to say of a deliberation put on the agenda at ``at``: nothing while
    the convocation is still to be sent (it will list it); once sent, that it
    must be sent again in time; in session, that it was not on it."""
    if session.status is SessionStatus.CONVENED:
        required = rules.notice_required(session.population)
        again = (
            f"envoyez-la de nouveau à tous les élus, {required} jours francs au moins avant "
            "la séance, pour que le conseil puisse en délibérer"
        )
        today = rules.sending_day(at, session.timezone)
        sent = bool(rules.first_sendings(session))
        if not sent and today <= session.convened_on:
            return []  # the convocation, still to be sent, will list it
        days = rules.clear_days(date.fromisoformat(today), date.fromisoformat(session.date))
        if days < required:
            return [
                f"Le point « {title} » ne figurait pas sur la convocation, et il est trop tard "
                f"pour l'envoyer aux élus {required} jours francs avant la séance : sauf "
                "convocation en urgence, le conseil ne pourra en délibérer qu'à une séance "
                "suivante"
            ]
        if sent:
            return [
                f"Le point « {title} » ne figurait pas sur la convocation déjà envoyée : {again}"
            ]
        return [  # no sending recorded: sent outside the table, on paper?
            f"Le point « {title} » ne figurait pas sur la convocation datée du "
            f"{short_date(session.convened_on)} : si elle est déjà partie, {again}"
        ]
    return [
        f"Le point « {title} » ne figurait pas sur la convocation : "
        "le conseil ne peut délibérer que sur les affaires inscrites"
    ]


@_command(
    "propose_item",
    "title kind text member document",
    roles=("president", "secretaire", "conseiller"),
)
def _propose_item(ctx: Context, args: Arguments, session: Session | None) -> Decision:
    assert session is not None
    _status(session, _NOT_ENDED, "proposer un point")
    member = _member(session, args.text("member"))
    document = _document_ref(args)  # a file dropped in the folder's Propositions/
    if document is not None:
        for other in session.items:
            if any(d["id"] == document["id"] for d in other.documents):
                raise CommandRefused(
                    f"Le fichier « {document['path']} » est déjà proposé : point « {other.title} »"
                    f" ({ITEM_STATUS_LABELS[other.status]})"
                )
    fields = {k: v for k, v in args.raw.items() if k in ("title", "kind", "text")}
    entry = _agenda_entry(
        ctx,
        session,
        fields,
        f"p{session.next_item_number}",
        session.members,
        _at(ctx, session, args),
    )
    entry["proposed_by"] = member
    if document is not None:
        entry["documents"] = [document]
    return _decision(session, EventType.ITEM_PROPOSED, {"item": entry, "member": member})


@_command("accept_proposal", "item position")
def _accept_proposal(ctx: Context, args: Arguments, session: Session | None) -> Decision:
    assert session is not None
    _status(session, _NOT_ENDED, "accepter une proposition")
    item = _item(session, args)
    _item_status(item, (ItemStatus.PROPOSED,), "accepter")
    at = _at(ctx, session, args)
    warnings = []
    if item.is_voted_kind and session.status is SessionStatus.CONVENED:
        warnings = _not_on_the_convocation(session, item.title, at)
    return _decision(
        session,
        EventType.PROPOSAL_ACCEPTED,
        {"item": item.id, "position": _position(args, session, 1), "at": at},
        warnings,
    )


@_command("refuse_proposal", "item")
def _refuse_proposal(ctx: Context, args: Arguments, session: Session | None) -> Decision:
    assert session is not None
    item = _item(session, args)
    _item_status(item, (ItemStatus.PROPOSED,), "refuser")
    return _decision(session, EventType.PROPOSAL_REFUSED, {"item": item.id})


@_command("move_item", "item position")
def _move_item(ctx: Context, args: Arguments, session: Session | None) -> Decision:
    assert session is not None
    _status(session, _NOT_ENDED, "réordonner l'ordre du jour")
    item = _item(session, args)
    if item not in session.agenda():
        raise CommandRefused(f"Le point « {item.title} » n'est pas à l'ordre du jour")
    position = _position(args, session, 0)
    if position is None:
        raise CommandRefused("« move_item » : indiquez la nouvelle position")
    return _decision(session, EventType.ITEM_MOVED, {"item": item.id, "position": position})


@_command("withdraw_item", "item")
def _withdraw_item(ctx: Context, args: Arguments, session: Session | None) -> Decision:
    assert session is not None
    _status(session, _NOT_ENDED, "retirer un point")
    item = _item(session, args)
    _item_status(item, (ItemStatus.PENDING, ItemStatus.UNDER_DISCUSSION), "retirer")
    return _decision(session, EventType.ITEM_WITHDRAWN, {"item": item.id})


@_command("defer_item", "item")
def _defer_item(ctx: Context, args: Arguments, session: Session | None) -> Decision:
    assert session is not None
    _status(session, _NOT_ENDED, "ajourner un point")
    item = _item(session, args)
    _item_status(item, (ItemStatus.PENDING, ItemStatus.UNDER_DISCUSSION), "ajourner")
    return _decision(session, EventType.ITEM_DEFERRED, {"item": item.id})


# --- items -----------------------------------------------------------------


def _may_deliberate(session: Session, item: Item, moment: str) -> dict[str, Any]:
    """Everything required before the council deals with an item; returns the quorum."""
    _status(session, (SessionStatus.OPEN,), moment)
    if not session.secretaries:
        raise CommandRefused(
            "Nommez d'abord le ou les secrétaires de séance : aucune affaire "
            "ne peut être examinée avant"
        )
    if session.emergency and rules.notice_check(session).sufficient is False:
        if session.emergency_accepted is None:
            raise CommandRefused(
                "Convocation en urgence : le conseil doit d'abord se prononcer sur l'urgence"
            )
        if session.emergency_accepted is False:
            raise CommandRefused(
                "Le conseil a refusé l'urgence : aucune affaire ne peut être "
                "examinée, la séance doit être close"
            )
    _require_president(session)
    check = rules.quorum(session, item)
    if not check.valid:
        detail = ""
        if check.excluded:
            names = ", ".join(session.name(m) for m in check.excluded)
            detail = f" (non comptés pour ce point : {names})"
        raise CommandRefused(f"{check.message()}{detail}, pour le point « {item.title} »")
    return check.to_json()


@_command("take_up", "item at")
def _take_up(ctx: Context, args: Arguments, session: Session | None) -> Decision:
    assert session is not None
    item = _item(session, args)
    _item_status(item, (ItemStatus.PENDING,), "mettre en discussion")
    current = session.item(session.current_item) if session.current_item else None
    if current is not None and current.status is ItemStatus.UNDER_DISCUSSION:
        raise CommandRefused(
            f"Le point « {current.title} » est encore en discussion : votez-le, "
            "ajournez-le ou retirez-le d'abord"
        )
    quorum = _may_deliberate(session, item, "mettre un point en discussion")
    return _decision(
        session,
        EventType.ITEM_TAKEN_UP,
        {"item": item.id, "at": _at(ctx, session, args), "quorum": quorum},
    )


@_command("declare_interest", "item member")
def _declare_interest(ctx: Context, args: Arguments, session: Session | None) -> Decision:
    assert session is not None
    item = _item(session, args)
    _item_status(item, (ItemStatus.PENDING, ItemStatus.UNDER_DISCUSSION), "déclarer un intérêt sur")
    member = _member(session, args.text("member"))
    if member in item.interested:
        raise CommandRefused(f"{session.name(member)} est déjà déclaré(e) intéressé(e)")
    return _decision(session, EventType.INTEREST_DECLARED, {"item": item.id, "member": member})


@_command("elect_item_president", "item member")
def _elect_item_president(ctx: Context, args: Arguments, session: Session | None) -> Decision:
    assert session is not None
    item = _item(session, args)
    if item.kind is not ItemKind.COMPTE_ADMINISTRATIF:
        raise CommandRefused("Un président n'est élu que pour le compte administratif")
    _item_status(item, (ItemStatus.PENDING, ItemStatus.UNDER_DISCUSSION), "élire le président de")
    member = _present(session, args.text("member"), "il ne peut présider")
    if member == session.mayor:
        raise CommandRefused(
            "Le maire ne peut présider la séance où le compte administratif est débattu (L2121-14)"
        )
    return _decision(session, EventType.ITEM_PRESIDENT_ELECTED, {"item": item.id, "member": member})


@_command("request_ballot", "item mode members")
def _request_ballot(ctx: Context, args: Arguments, session: Session | None) -> Decision:
    assert session is not None
    item = _item(session, args)
    _item_status(
        item, (ItemStatus.PENDING, ItemStatus.UNDER_DISCUSSION), "demander un scrutin pour"
    )
    mode = args.choice("mode", ("public", "secret"))
    members = [
        _present(session, m, "seuls les présents demandent un scrutin")
        for m in args.text_list("members")
    ]
    present = len(session.present())
    needed = rules.ballot_request_threshold(mode, present)
    if len(members) < needed:
        share = "le quart" if mode == "public" else "le tiers"
        raise CommandRefused(
            f"Scrutin {mode} non demandé valablement : {len(members)} demandeur(s), il en faut "
            f"{needed} ({share} des {present} membres présents)"
        )
    return _decision(
        session, EventType.BALLOT_REQUESTED, {"item": item.id, "mode": mode, "members": members}
    )


@_command("decide_open_vote", "item")
def _decide_open_vote(ctx: Context, args: Arguments, session: Session | None) -> Decision:
    assert session is not None
    item = _item(session, args)
    if item.kind is not ItemKind.NOMINATION:
        raise CommandRefused("Ce choix ne concerne que les nominations")
    _item_status(item, (ItemStatus.PENDING, ItemStatus.UNDER_DISCUSSION), "décider du mode de")
    return _decision(session, EventType.OPEN_VOTE_DECIDED, {"item": item.id})


@_command("edit_text", "item text at")
def _edit_text(ctx: Context, args: Arguments, session: Session | None) -> Decision:
    assert session is not None
    _status(session, _NOT_ENDED, "modifier un texte")
    item = _item(session, args)
    if not item.is_voted_kind:
        raise CommandRefused("Un point d'information n'a pas de texte de délibération")
    _item_status(
        item,
        (ItemStatus.PENDING, ItemStatus.UNDER_DISCUSSION, ItemStatus.PROPOSED),
        "modifier le texte du",
    )
    text = args.raw_text("text")
    if item.texts and item.text == text:
        raise CommandRefused(f"Le texte est identique à la version {item.texts[-1].version}")
    return _decision(
        session,
        EventType.TEXT_EDITED,
        {
            "item": item.id,
            "text": text,
            "version": len(item.texts) + 1,
            "at": _at(ctx, session, args),
        },
    )


DEBATE_MAX_CHARS = 20_000


@_command("record_debate", "item text", roles=("secretaire", "president"))
def _record_debate(ctx: Context, args: Arguments, session: Session | None) -> Decision:
    """The secretary's summary of the debate on a point, for the procès-verbal
    (L2121-15). Written during the session or after its closing, until the
    procès-verbal is produced; each new summary replaces the previous one."""
    assert session is not None
    _status(session, (*_LIVE, SessionStatus.CLOSED), "rédiger la synthèse des débats")
    item = _item(session, args)
    if item.status in (ItemStatus.PROPOSED, ItemStatus.PROPOSAL_REFUSED):
        raise CommandRefused(
            f"Le point « {item.title} » n'est pas à l'ordre du jour : pas de débat à résumer"
        )
    text = args.raw_text("text").strip()
    if len(text) > DEBATE_MAX_CHARS:
        raise CommandRefused(
            f"La synthèse des débats est trop longue ({len(text)} caractères, "
            f"{DEBATE_MAX_CHARS} au plus) : résumez, le procès-verbal n'est pas un verbatim"
        )
    if text == item.debate:
        raise CommandRefused("La synthèse des débats est identique à celle déjà enregistrée")
    return _decision(session, EventType.DEBATE_RECORDED, {"item": item.id, "text": text})


# --- votes -----------------------------------------------------------------


def _required_mode(item: Item) -> str:
    modes = {r["mode"] for r in item.ballot_requests}
    if "secret" in modes:
        return "secret"
    if item.kind is ItemKind.NOMINATION and not item.open_vote_decided:
        return "secret"
    if "public" in modes:
        return "public"
    return "ordinaire"


_MODE_REASONS = {
    "secret": "un scrutin secret a été demandé (ou il s'agit d'une nomination)",
    "public": "un scrutin public a été demandé par le quart des présents",
    "ordinaire": "aucun scrutin public ni secret n'a été demandé",
}


def _vote_mode(args: Arguments, item: Item) -> str:
    required = _required_mode(item)
    mode = args.choice("mode", ("ordinaire", "public", "secret"), required)
    if mode != required:
        raise CommandRefused(
            f"Le vote doit être {required if required != 'ordinaire' else 'à main levée'}"
            f" : {_MODE_REASONS[required]}"
        )
    return mode


def _ready_to_vote(session: Session, item: Item) -> tuple[dict[str, Any], rules.Electorate]:
    if session.current_item != item.id or item.status is not ItemStatus.UNDER_DISCUSSION:
        raise CommandRefused(
            f"Le point « {item.title} » n'est pas en discussion : mettez-le en "
            "discussion avant le vote"
        )
    quorum = _may_deliberate(session, item, "voter")
    if item.kind is ItemKind.COMPTE_ADMINISTRATIF and item.president is None:
        raise CommandRefused(
            "Compte administratif : le conseil doit d'abord élire le président "
            "de séance pour ce point (le maire se retire pour le vote)"
        )
    return quorum, rules.electorate(session, item)


def _not_taking_part(args: Arguments, session: Session, voters: tuple[str, ...]) -> list[str]:
    members = args.text_list("not_taking_part", required=False)
    for m in members:
        _member(session, m)
        if m not in voters:
            raise CommandRefused(
                f"{session.name(m)} ne peut pas voter sur ce point : inutile de "
                "l'indiquer comme ne prenant pas part au vote"
            )
    return members


def _breakdown(elect: rules.Electorate, not_taking: list[str]) -> str:
    present = len([m for m in elect.present if m not in not_taking])
    represented = len([g for g, _ in elect.represented if g not in not_taking])
    return (
        f"{present} présent{'s' if present > 1 else ''}, {represented} représenté"
        f"{'s' if represented > 1 else ''}"
    )


@_command(
    "vote", "item mode pour contre abstention ballots not_taking_part president_vote unanimous at"
)
def _vote(ctx: Context, args: Arguments, session: Session | None) -> Decision:
    assert session is not None
    item = _item(session, args)
    if item.kind is ItemKind.INFORMATION:
        raise CommandRefused("Un point d'information ne fait pas l'objet d'un vote")
    if item.kind is ItemKind.NOMINATION:
        raise CommandRefused("Une nomination se vote par tours : utilisez « nomination_round »")
    quorum, elect = _ready_to_vote(session, item)
    mode = _vote_mode(args, item)
    not_taking = _not_taking_part(args, session, elect.voters)
    votants = len(elect.voters) - len(not_taking)
    ballots: dict[str, str] = {}
    if mode == "public":
        ballots = _public_ballots(args, session, elect, not_taking)
        pour, contre, abstention = (
            sum(1 for b in ballots.values() if b == choice) for choice in BALLOT_CHOICES
        )
    elif args.flag("unanimous"):
        if any(args.has(k) for k in ("pour", "contre", "abstention")):
            raise CommandRefused("Unanimité : ne donnez pas de décompte en plus")
        pour, contre, abstention = votants, 0, 0
    else:
        pour, contre, abstention = (args.count(k) for k in BALLOT_CHOICES)
    total = pour + contre + abstention
    if total != votants:
        abst_label = "blancs ou nuls" if mode == "secret" else "abstention(s)"
        raise CommandRefused(
            f"Le décompte ne correspond pas : {pour} pour + {contre} contre + {abstention} "
            f"{abst_label} = {total}, mais {votants} votants ({_breakdown(elect, not_taking)}"
            f"{', ' + str(len(not_taking)) + ' ne prenant pas part au vote' if not_taking else ''})"
        )
    president = item.president if item.kind is ItemKind.COMPTE_ADMINISTRATIF else session.president
    president_vote = _president_vote(
        args, session, mode, ballots, president, elect, not_taking, pour, contre, item
    )
    outcome = rules.vote_outcome(item.kind, mode, pour, contre, president_vote)
    return _numbered(
        ctx,
        session,
        item,
        EventType.VOTE_RECORDED,
        {
            "vote": {
                "mode": mode,
                "pour": pour,
                "contre": contre,
                "abstention": abstention,
                "votants": votants,
                "exprimes": pour + contre,
                "present_voters": [m for m in elect.present if m not in not_taking],
                "represented": [[g, h] for g, h in elect.represented if g not in not_taking],
                "not_taking_part": not_taking,
                "set_aside": [[m, why] for m, why in elect.set_aside],
                "ballots": ballots,
                "president": president,
                "president_vote": president_vote,
                "result": "adopte" if outcome.adopted else "rejete",
                "casting_vote": outcome.casting_vote,
                "reason": outcome.reason,
                "unanimous": pour == votants and votants > 0,
                "quorum": quorum,
                "at": _at(ctx, session, args),
            }
        },
    )


def _public_ballots(
    args: Arguments, session: Session, elect: rules.Electorate, not_taking: list[str]
) -> dict[str, str]:
    for key in BALLOT_CHOICES:
        if args.has(key) or args.has("unanimous"):
            raise CommandRefused(
                "Scrutin public : indiquez le vote de chaque membre (« ballots »), le décompte "
                "s'en déduit"
            )
    raw = args.mapping("ballots")
    expected = [m for m in elect.voters if m not in not_taking]
    missing = [m for m in expected if m not in raw]
    extra = [m for m in raw if m not in expected]
    if extra:
        raise CommandRefused(
            "Scrutin public : ne peuvent pas voter ici : "
            + ", ".join(session.name(m) for m in extra)
        )
    if missing:
        raise CommandRefused(
            "Scrutin public : il manque le vote " + of(", ".join(session.name(m) for m in missing))
        )
    for member, choice in raw.items():
        if choice not in BALLOT_CHOICES:
            raise CommandRefused(
                f"Vote de {session.name(member)} : « {choice} » (écrire pour, contre ou abstention)"
            )
    return {m: str(raw[m]) for m in expected}


def _president_vote(
    args: Arguments,
    session: Session,
    mode: str,
    ballots: dict[str, str],
    president: str | None,
    elect: rules.Electorate,
    not_taking: list[str],
    pour: int,
    contre: int,
    item: Item,
) -> str | None:
    votes_here = (
        president is not None and president in elect.present and president not in not_taking
    )
    if mode == "public":
        return ballots.get(president) if president else None
    if mode == "secret" or not votes_here:
        if args.has("president_vote"):
            raise CommandRefused("Le vote du président n'a pas à être indiqué ici")
        return None
    if args.has("president_vote"):
        return args.choice("president_vote", BALLOT_CHOICES)
    tie = pour == contre and pour > 0 and item.kind is not ItemKind.COMPTE_ADMINISTRATIF
    if tie:
        raise CommandRefused(
            f"Égalité des voix ({pour} pour, {contre} contre) : indiquez le vote du président "
            f"({session.name(president or '')}), dont la voix est prépondérante"
        )
    return None


def _numbered(
    ctx: Context, session: Session, item: Item, type_: EventType, payload: dict[str, Any]
) -> Decision:
    """Give the deliberation its register number: per calendar year, never reused."""
    year = int(session.date[:4])
    number = ctx.state.last_number.get(year, 0) + 1
    payload.update(
        {
            "item": item.id,
            "number": f"{year}-{number:03d}",
            "number_year": year,
            "number_seq": number,
        }
    )
    return _decision(session, type_, payload)


@_command("nomination_round", "item votes blank_or_null not_taking_part at")
def _nomination_round(ctx: Context, args: Arguments, session: Session | None) -> Decision:
    assert session is not None
    item = _item(session, args)
    if item.kind is not ItemKind.NOMINATION:
        raise CommandRefused("« nomination_round » ne concerne que les points de nomination")
    quorum, elect = _ready_to_vote(session, item)
    mode = _required_mode(item)
    round_no = len(item.rounds) + 1
    if round_no > 3:
        raise CommandRefused("Une nomination se fait en trois tours au plus")
    not_taking = _not_taking_part(args, session, elect.voters)
    votants = len(elect.voters) - len(not_taking)
    raw_votes = args.mapping("votes")
    if not raw_votes:
        raise CommandRefused("Indiquez les voix de chaque candidat (« votes »)")
    votes: dict[str, int] = {}
    for candidate, n in raw_votes.items():
        _member(session, candidate)
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise CommandRefused(f"Voix de {session.name(candidate)} : nombre invalide {n!r}")
        votes[candidate] = n
    blank = args.count("blank_or_null")
    total = sum(votes.values()) + blank
    if total != votants:
        raise CommandRefused(
            f"Le décompte ne correspond pas : {sum(votes.values())} voix + {blank} blancs ou nuls "
            f"= {total}, mais {votants} votants ({_breakdown(elect, not_taking)})"
        )
    births = {c: session.members[c].birth_date for c in votes}
    try:
        outcome = rules.nomination_round_outcome(round_no, votes, births)
    except ValueError as exc:
        names = ", ".join(session.name(c) for c in exc.args[0])
        raise CommandRefused(
            f"Égalité au 3e tour : le plus âgé est élu, mais la date de "
            f"naissance de {names} manque dans la configuration"
        ) from None
    payload: dict[str, Any] = {
        "round": {
            "round": round_no,
            "mode": mode,
            "votes": votes,
            "blank_or_null": blank,
            "votants": votants,
            "exprimes": sum(votes.values()),
            "not_taking_part": not_taking,
            "represented": [[g, h] for g, h in elect.represented if g not in not_taking],
            "elected": outcome.elected,
            "reason": outcome.reason,
            "quorum": quorum,
            "at": _at(ctx, session, args),
        }
    }
    if outcome.elected is None:
        payload["item"] = item.id
        return _decision(session, EventType.NOMINATION_ROUND_RECORDED, payload)
    return _numbered(ctx, session, item, EventType.NOMINATION_ROUND_RECORDED, payload)


# --- projection ------------------------------------------------------------


@_command("project", "document title page hash")
def _project(ctx: Context, args: Arguments, session: Session | None) -> Decision:
    """The mayor shows a document page on every seat that follows him."""
    assert session is not None
    _status(session, _LIVE, "projeter un document")
    page = args.count("page", 1)
    if page < 1:
        raise CommandRefused("« project » : la page commence à 1")
    document = args.count("document")
    return _decision(
        session,
        EventType.DOCUMENT_PROJECTED,
        {
            "document": document,
            "title": args.text("title"),
            "page": page,
            "hash": args.optional_text("hash"),
        },
    )


@_command("stop_projection", "")
def _stop_projection(ctx: Context, args: Arguments, session: Session | None) -> Decision:
    assert session is not None
    if session.projection is None:
        raise CommandRefused("Aucun document n'est projeté")
    return _decision(session, EventType.PROJECTION_STOPPED, {})


# --- suspension and closing ------------------------------------------------


@_command("suspend", "at")
def _suspend(ctx: Context, args: Arguments, session: Session | None) -> Decision:
    assert session is not None
    _status(session, (SessionStatus.OPEN,), "suspendre la séance")
    return _decision(session, EventType.SESSION_SUSPENDED, {"at": _at(ctx, session, args)})


@_command("resume", "at")
def _resume(ctx: Context, args: Arguments, session: Session | None) -> Decision:
    assert session is not None
    _status(session, (SessionStatus.SUSPENDED,), "reprendre la séance")
    return _decision(session, EventType.SESSION_RESUMED, {"at": _at(ctx, session, args)})


@_command("close", "at")
def _close(ctx: Context, args: Arguments, session: Session | None) -> Decision:
    assert session is not None
    _status(session, _LIVE, "clore la séance")
    current = session.item(session.current_item) if session.current_item else None
    if current is not None and current.status is ItemStatus.UNDER_DISCUSSION:
        raise CommandRefused(
            f"Le point « {current.title} » est en discussion sans vote : "
            "votez-le, ajournez-le ou retirez-le avant de clore"
        )
    pending = [i for i in session.agenda() if i.status is ItemStatus.PENDING]
    warnings = []
    if pending:
        warnings.append("Points non examinés : " + ", ".join(i.title for i in pending))
    return _decision(session, EventType.SESSION_CLOSED, {"at": _at(ctx, session, args)}, warnings)


__all__ = ["AUTHOR_ROLES", "COMMANDS", "Context", "Decision", "decide"]
