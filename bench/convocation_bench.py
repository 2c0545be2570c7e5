"""Benchmark of the convocation: 15 members, the session's documents with the
120-page budget, generated, signed and placed.

The demo commune's documents are built (not timed) and the session convened
with the demo's agenda. Each run times what the secretary waits for when she
touches « Envoyer la convocation »: the session's folder listed and hashed
(the 120-page budget among its files), the convocation laid out as PDF/A,
signed (PAdES B-B, RSA-3072, visible stamp), written atomically into the 15
members' folders of the synced cloud, and the 15 deposits recorded in the
journal (synchronous=FULL). Comparison figures: the same with the e-mails to
the members who asked for them (a real SMTP server on loopback, aiosmtpd),
and for a commune of 3,500 inhabitants or more (the note de synthèse).
"""

from __future__ import annotations

import itertools
import json
import socket
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from bench.common import BenchContext, Result, benchmark, log
from demo import DEMO_SCRIPT, demo_config
from demo.documents import build_demo_documents
from sync.session_documents import session_documents
from table_app.config import Config, SmtpSettings
from table_app.convocation.sending import send_convocation
from table_app.council.engine import SessionEngine
from table_app.export.session_export import signing_certificate
from table_app.journal import Journal
from table_app.store import open_database

#: The convocation of the demo (convened on 20 November, at the session's hour) goes
#: out the next morning.
SENT = datetime.fromisoformat("2026-11-21T09:00:00+01:00")


def _convene_line() -> dict[str, Any]:
    for line in DEMO_SCRIPT.read_text(encoding="utf-8").splitlines():
        if line.startswith("{") and '"convene"' in line:
            return dict(json.loads(line))
    raise RuntimeError("the demo script convenes no session")


def _clock() -> Callable[[], datetime]:
    ticks = itertools.count()
    return lambda: SENT + timedelta(milliseconds=next(ticks))


@contextmanager
def _smtp_server() -> Iterator[int | None]:
    """A real SMTP server on loopback, if aiosmtpd (a test extra) is installed."""
    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        yield None
        return

    class Sink:
        async def handle_DATA(self, _server: Any, _session: Any, _envelope: Any) -> str:  # noqa: N802 (aiosmtpd's hook name)
            return "250 OK"

    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = int(probe.getsockname()[1])
    probe.close()
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def _run(engine: SessionEngine, config: Config, session_id: str) -> tuple[float, int, int]:
    """One convocation, timed: (seconds, deliveries done, documents listed)."""
    command = {**_convene_line(), "id": session_id}
    engine.execute(command)
    session = engine.state.sessions[session_id]
    start = time.perf_counter()
    documents = session_documents(config.documents_folder, session.date, engine.journal.db)
    report = send_convocation(
        session,
        config,
        documents,
        record=lambda c: engine.execute(c, author="secretaire"),
        clock=_clock(),
    )
    elapsed = time.perf_counter() - start
    if report.failures:
        raise RuntimeError(f"convocation failed: {report.lines()}")
    return elapsed, len(report.deliveries), len(documents)


@benchmark("convocation.sign_and_place_15_members")
def convocation_15(ctx: BenchContext) -> Result:
    runs = 2 if ctx.quick else 5
    root = ctx.workdir("convocation")
    demo = demo_config(root)
    build_demo_documents(demo.documents_folder)
    signing_certificate(demo)  # the commune's certificate exists before any convocation
    # Everyone on paper: the PDF goes to the 15 folders, no e-mail.
    paper = replace(
        demo,
        members=tuple(replace(m, electronic_convocation=None) for m in demo.members),
    )
    engine = SessionEngine(Journal(open_database(paper.database_url)), paper)
    log(f"  {runs} convocations of 15 members, documents with the 120-page budget…")
    placed = [_run(engine, paper, f"place-{n}") for n in range(runs)]
    times = [t for t, _, _ in placed]
    deliveries, documents = placed[0][1], placed[0][2]

    extra: dict[str, Any] = {
        "members": len(demo.members),
        "documents": documents,
        "runs": runs,
        "min_s": round(min(times), 3),
        "max_s": round(max(times), 3),
        # pyHanko's import, the stamp's font subset and the key's loading, once a process.
        "first_run_cold_s": round(times[0], 3),
    }
    large = replace(paper, commune=replace(paper.commune, population=4200))
    large_engine = SessionEngine(Journal(open_database(large.database_url)), large)
    note = [_run(large_engine, large, f"note-{n}")[0] for n in range(max(1, runs // 2))]
    extra["with_note_de_synthese_s"] = round(statistics.median(note), 3)
    with _smtp_server() as port:
        if port is not None:
            mailing = replace(
                demo, smtp=SmtpSettings("127.0.0.1", port, "aucune", "mairie@val-de-sauve.example")
            )
            mail_engine = SessionEngine(Journal(open_database(mailing.database_url)), mailing)
            mailed = [_run(mail_engine, mailing, f"mail-{n}") for n in range(max(1, runs // 2))]
            extra["with_emails_s"] = round(statistics.median(t for t, _, _ in mailed), 3)
            extra["emails"] = sum(1 for m in demo.members if m.electronic_convocation)
    value = statistics.median(times)
    summary = (
        f"convocation of {len(demo.members)} members ({documents} documents listed and "
        f"hashed, 120-page budget among them) generated, signed, placed in "
        f"{deliveries} folders and recorded: {value:.2f} s median "
        f"({extra['min_s']:.2f}–{extra['max_s']:.2f} s; the first, cold: "
        f"{extra['first_run_cold_s']:.2f} s); with the note de synthèse "
        f"(≥ 3,500 inhabitants): {extra['with_note_de_synthese_s']:.2f} s"
        + (
            f"; with the {extra['emails']} e-mails on loopback SMTP: {extra['with_emails_s']:.2f} s"
            if "with_emails_s" in extra
            else ""
        )
    )
    return Result("convocation.sign_and_place_15_members", value, "s", 3, "lower", extra, summary)
