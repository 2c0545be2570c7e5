"""Benchmark of the end of a session: 30 deliberations built, signed, published.

The session is played through the real engine (30 points, each voted), then
``export_session`` builds each extract of the register, signs it with pyHanko
(PAdES B-B, RSA-3072, the commune's self-signed certificate), publishes and
packages it, with the procès-verbal, the liste des délibérations and the
closing sheet.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from bench.common import BenchContext, Result, benchmark, log
from table_app.council.engine import SessionEngine
from table_app.demo import demo_config
from table_app.export.session_export import export_session, signing_certificate
from table_app.journal import Journal
from table_app.signing import sign_pdf
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
    start = time.perf_counter()
    report = export_session(session, config, root / "out")
    total = time.perf_counter() - start
    if len(report.signed) != count + 3:
        raise RuntimeError(f"signed {len(report.signed)} of {count}")
    certificate, secret, _ = signing_certificate(config)
    per_doc: list[float] = []
    for path in report.signed:
        t0 = time.perf_counter()
        sign_pdf(
            path,
            path,
            certificate,
            secret,
            field_name="Secretaire",
            reason="Secrétaire",
            location=config.commune.name,
            signer_name="Bernard Rousseau",
        )
        per_doc.append((time.perf_counter() - t0) * 1000)
    second = sum(per_doc) / 1000
    extra = {
        "deliberations": count,
        "per_document_second_signature_median_ms": round(statistics.median(per_doc), 1),
        "with_two_signatures_s": round(total + second, 2),
        "documents": len(report.signed),
    }
    summary = (
        f"{count} deliberations built, signed, published: {total:.2f} s; a second "
        f"signature each: +{second:.2f} s (median {extra['per_document_second_signature_median_ms']} ms)"
    )
    return Result("export.sign_30_deliberations", total, "s", 5, "lower", extra, summary)
