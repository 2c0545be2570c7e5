"""Benchmark of the end of a session: 30 deliberations built, signed, published.

The session is played through the real engine (30 points, each voted), then
``export_session`` builds each extract of the register, signs it with pyHanko
(PAdES B-B, RSA-3072, the commune's self-signed certificate, a visible stamp
on the mayor's box in an embedded font), publishes and packages it, with the
procès-verbal, the liste des délibérations and the closing sheet. Then the
same export again with a secretary's certificate configured: two signatures
(the second incremental) on every document.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import replace
from typing import Any

from bench.common import BenchContext, Result, benchmark, log
from demo import demo_config
from table_app.council.engine import SessionEngine
from table_app.export.deliberation_pdf import SIGNATURE_BOXES
from table_app.export.session_export import export_session, signing_certificate
from table_app.journal import Journal
from table_app.signing import Pkcs12Key, create_self_signed, sign_pdf
from table_app.store import open_database

QUORUM = [
    "hmarchand",
    "brousseau",
    "sgarnier",
    "plemoine",
    "mfabre",
    "jlperrin",
    "nbonnet",
    "cmeunier",
    "icolin",
]


def _session(engine: SessionEngine, count: int) -> None:
    agenda = [
        {
            "title": f"Délibération de test n° {n}",
            "classification": "7.1",
            "text": "Le conseil municipal, après en avoir délibéré, décide. " * 12,
        }
        for n in range(1, count + 1)
    ]
    commands: list[dict[str, Any]] = [
        {
            "cmd": "convene",
            "id": "s",
            "date": "2026-12-18",
            "convened_on": "2026-12-10",
            "agenda": agenda,
        },
        *({"cmd": "arrive", "session": "s", "member": m} for m in QUORUM),
        {"cmd": "open", "session": "s"},
        {"cmd": "name_secretaries", "session": "s", "members": ["brousseau"]},
    ]
    for n in range(1, count + 1):
        commands.append({"cmd": "take_up", "session": "s", "item": f"p{n}"})
        commands.append({"cmd": "vote", "session": "s", "item": f"p{n}", "unanimous": True})
    commands.append({"cmd": "close", "session": "s"})
    for command in commands:
        engine.execute(command)


@benchmark("export.sign_30_deliberations")
def sign_30(ctx: BenchContext) -> Result:
    count = 10 if ctx.quick else 30
    root = ctx.workdir("export")
    config = demo_config(root)
    engine = SessionEngine(Journal(open_database(config.database_url)), config)
    _session(engine, count)
    signing_certificate(config)  # the commune's certificate exists before the session ends
    session = engine.state.sessions["s"]
    log(f"  exporting {count} deliberations…")
    start, cpu = time.perf_counter(), time.process_time()
    report = export_session(session, config, root / "out")
    total, total_cpu = time.perf_counter() - start, time.process_time() - cpu
    if len(report.signed) != count + 3:
        raise RuntimeError(f"signed {len(report.signed)} of {count}")
    key, _ = signing_certificate(config)
    per_doc: list[float] = []
    for path in report.signed:
        t0 = time.perf_counter()
        sign_pdf(
            path,
            path,
            key,
            field_name="Secretaire",
            reason="Secrétaire",
            location=config.commune.name,
            signer_name="Bernard Rousseau",
            box=SIGNATURE_BOXES["secretaire"],
        )
        per_doc.append((time.perf_counter() - t0) * 1000)
    second = sum(per_doc) / 1000

    # The real flow with a secretary's certificate: both signatures in the export.
    secretary = create_self_signed(f"{config.commune.name}, secrétariat", root / "sec.p12")
    with_secretary = replace(config, secretary_key=Pkcs12Key(secretary))
    log(f"  exporting {count} deliberations, mayor and secretary signing…")
    start, cpu = time.perf_counter(), time.process_time()
    both = export_session(session, with_secretary, root / "out-2")
    total_two, total_two_cpu = time.perf_counter() - start, time.process_time() - cpu
    if len(both.signed) != count + 3:
        raise RuntimeError(f"signed {len(both.signed)} of {count} with two signatures")
    extra = {
        "deliberations": count,
        "per_document_ms": round(total * 1000 / len(report.signed), 1),
        # CPU time of this process: the shared machine's load does not count in it.
        "cpu_s": round(total_cpu, 2),
        "with_two_signatures_cpu_s": round(total_two_cpu, 2),
        "per_document_second_signature_median_ms": round(statistics.median(per_doc), 1),
        "with_two_signatures_s": round(total_two, 2),
        "documents": len(report.signed),
    }
    summary = (
        f"{count} deliberations built, signed, published: {total:.2f} s "
        f"({extra['per_document_ms']} ms a document, CPU {total_cpu:.2f} s); a second signature each: "
        f"+{second:.2f} s (median {extra['per_document_second_signature_median_ms']} ms); "
        f"exported with both signatures: {total_two:.2f} s (CPU {total_two_cpu:.2f} s)"
    )
    return Result("export.sign_30_deliberations", total, "s", 5, "lower", extra, summary)
