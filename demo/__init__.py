"""The demo commune of Val-de-Sauve: a 15-member village council, its session
of 28 November 2026 and its documents (``demo.documents``).

Not council law: the domain (``table_app``) never imports it. The demo plays
the session script through the real engine; the screens' demo
(``screens.demo``) adds the documents and the seven views.
"""

from __future__ import annotations

import tempfile
import tomllib
from pathlib import Path

from table_app.config import Config, load_config
from table_app.council.engine import SessionEngine
from table_app.journal import Journal
from table_app.report import session_text
from table_app.script import ScriptError, play_file
from table_app.store import open_database

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
DEMO_CONFIG = RESOURCES / "demo" / "commune.toml"
DEMO_SCRIPT = RESOURCES / "demo" / "seance-2026-11-28.jsonl"


def demo_config(data_dir: Path) -> Config:
    """The demo commune, its data and documents kept under ``data_dir``."""
    (data_dir / "documents").mkdir(parents=True, exist_ok=True)
    target = data_dir / "config.toml"
    if not target.exists():
        target.write_text(DEMO_CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
    return load_config(target, env={"TABLE_APP_DATA_DIR": str(data_dir / "donnees")})


def run_demo(data_dir: Path | None = None) -> int:
    """Play the bundled session in a throw-away folder and print its result."""
    root = data_dir or Path(tempfile.mkdtemp(prefix="table-du-conseil-demo-"))
    config = demo_config(root)
    journal = Journal(open_database(config.database_url))
    engine = SessionEngine(journal, config)
    try:
        result = play_file(engine, DEMO_SCRIPT, author="president")
    except ScriptError as error:
        print(f"La séance de démonstration s'est arrêtée ligne {error.line_no} : {error.message}")
        return 1
    commune = tomllib.loads(DEMO_CONFIG.read_text(encoding="utf-8"))["commune"]
    print(
        f"Démonstration : conseil municipal de {commune['name']} ({commune['population']} habitants)"
    )
    print(
        f"{result.applied} commandes jouées par le moteur de séance, chacune enregistrée au journal.\n"
    )
    for session_id in result.sessions:
        print(session_text(engine.state.sessions[session_id]))
    problems = journal.verify()
    print()
    if problems:
        print(f"Journal ALTÉRÉ : {len(problems)} anomalie(s).")
        return 1
    print(f"Journal intact : {journal.last_seq()} événements chaînés.")
    print(f"Données de la démonstration : {root}")
    print(f"  table-app --config {root / 'config.toml'} session show {result.sessions[0]} --json")
    return 0
