"""Full-text search: document pages and deliberations, in the real SQLite store."""

import hashlib
import json

import pytest
from alembic import command
from sqlalchemy import inspect, text

from demo import DEMO_SCRIPT
from sync.cli import main
from sync.search import (
    MARK_END,
    MARK_START,
    DeliberationIndexer,
    Hit,
    _search_like,
    completions,
    index_content,
    parse_query,
    search,
)
from table_app.config import Config
from table_app.council.engine import SessionEngine
from table_app.journal import Journal
from table_app.script import play_file, play_lines
from table_app.store import Database, open_database
from table_app.store.database import alembic_config

NOW = "2026-11-29T10:00:00+00:00"
FILLER = "le conseil municipal examine le dossier présenté par le rapporteur"


def digest(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def add_content(db: Database, name: str, pages: list[str]) -> str:
    """A content row and its indexed pages; returns its hash."""
    content_hash = digest(name)
    with db.writing() as conn:
        conn.execute(
            text(
                "INSERT INTO contents (hash, size, kind, mime, status, page_count, created_at) "
                "VALUES (:h, 100, 'pdf', 'application/pdf', 'viewable', :n, :now)"
            ),
            {"h": content_hash, "n": len(pages), "now": NOW},
        )
        index_content(conn, content_hash, pages)
    return content_hash


def add_document(
    db: Database, path: str, content_hash: str, status: str = "viewable", title: str = ""
) -> int:
    with db.writing() as conn:
        conn.execute(
            text(
                "INSERT INTO documents (path, category, title, status, current_hash, "
                "created_at, updated_at) VALUES (:p, 'autre', :t, :s, :h, :now, :now)"
            ),
            {"p": path, "t": title or path, "s": status, "h": content_hash, "now": NOW},
        )
        return int(
            conn.execute(text("SELECT id FROM documents WHERE path = :p"), {"p": path}).scalar_one()
        )


def file_document(db: Database, path: str, pages: list[str], status: str = "viewable") -> int:
    return add_document(db, path, add_content(db, path, pages), status)


# --- folding, ranking, snippets --------------------------------------------


def test_accents_and_case_are_folded_both_ways(database: Database) -> None:
    accented = file_document(database, "a.pdf", ["La délibération sur l'école du bourg."])
    plain = file_document(database, "b.pdf", ["DELIBERATION SUR L'ECOLE DU BOURG."])
    for query in ("deliberation", "délibération", "DÉLIBÉRATION", "ECOLE", "école", "Ecole"):
        found = {h.document_id for h in search(database, query)}
        assert found == {accented, plain}, query


def test_the_page_with_more_occurrences_ranks_first(database: Database) -> None:
    once = file_document(database, "once.pdf", [f"voirie {FILLER} {FILLER} {FILLER}"])
    often = file_document(
        database, "often.pdf", [f"voirie {FILLER} voirie {FILLER} voirie voirie {FILLER}"]
    )
    hits = search(database, "voirie ")
    assert [h.document_id for h in hits] == [often, once]
    assert hits[0].rank < hits[1].rank


def test_the_snippet_marks_the_matched_word_on_the_right_page(database: Database) -> None:
    doc = file_document(
        database,
        "devis.pdf",
        [
            "Page de garde du dossier de consultation.",
            "Travaux <urgents> & réfection de la toiture de l'école communale.",
            "Conditions générales de vente.",
        ],
    )
    [hit] = search(database, "ecole")
    assert (hit.kind, hit.document_id, hit.page, hit.path) == ("document", doc, 2, "devis.pdf")
    assert f"{MARK_START}école{MARK_END}" in hit.snippet  # the text as written, accent kept
    assert "[école]" in hit.snippet_text()
    assert "<<école>>" in hit.snippet_text("<<", ">>")
    html = hit.snippet_html()
    assert "&lt;urgents&gt; &amp; réfection" in html
    assert "<b>école</b>" in html


def test_a_phrase_needs_its_words_together(database: Database) -> None:
    together = file_document(database, "a.pdf", ["réfection de la toiture de l'école"])
    apart = file_document(database, "b.pdf", ["la toiture du gymnase et l'école de musique"])
    hits = search(database, '"toiture de l\'école"')
    assert [h.document_id for h in hits] == [together]
    assert {h.document_id for h in search(database, "toiture école")} == {together, apart}


def test_the_last_word_is_completed_as_it_is_typed(database: Database) -> None:
    doc = file_document(database, "a.pdf", ["Décision modificative budgétaire n° 2"])
    assert [h.document_id for h in search(database, "budg")] == [doc]
    assert [h.document_id for h in search(database, "modificative BUDGÉ")] == [doc]
    assert search(database, "budg ") == []  # a finished word is not completed
    assert search(database, "budg modificative") == []  # only the last word is
    assert [h.document_id for h in search(database, "budg* modificative")] == [doc]


def test_elisions_and_function_words_do_not_have_to_match(database: Database) -> None:
    doc = file_document(database, "a.pdf", ["Rapport sur l'assainissement collectif"])
    assert [h.document_id for h in search(database, "l'assainissement")] == [doc]
    assert [h.document_id for h in search(database, "le rapport de l'assainissement")] == [doc]


def test_oe_and_the_ligature_find_each_other(database: Database) -> None:
    ligature = file_document(database, "a.pdf", ["Contrat de maîtrise d'œuvre"])
    spelled = file_document(database, "b.pdf", ["Contrat de maitrise d'oeuvre"])
    for query in ("oeuvre ", "œuvre ", "maîtrise d'œuvre", '"maitrise d oeuvre"'):
        assert {h.document_id for h in search(database, query)} == {ligature, spelled}, query


def test_pages_without_text_are_stored_and_found_by_nothing(database: Database) -> None:
    doc = file_document(database, "scan.pdf", ["", "   ", "Le plan du cadastre"])
    assert [(h.document_id, h.page) for h in search(database, "cadastre")] == [(doc, 3)]
    with database.writing() as conn:
        index_content(conn, digest("scan.pdf"), ["", ""])
    assert search(database, "cadastre") == []


# --- which documents --------------------------------------------------------


def test_removed_documents_and_old_versions_are_not_found(database: Database) -> None:
    file_document(database, "retire.pdf", ["Le columbarium du cimetière"], status="removed")
    assert search(database, "columbarium") == []
    old = add_content(database, "v1", ["Ancienne version : lavoir communal"])
    new = add_content(database, "v2", ["Nouvelle version : fontaine communale"])
    doc = add_document(database, "lavoir.pdf", new)
    assert old != new
    assert search(database, "lavoir") == []
    assert [h.document_id for h in search(database, "fontaine")] == [doc]


def test_two_documents_sharing_a_content_are_each_found(database: Database) -> None:
    shared = add_content(database, "shared", ["Sommaire", "Plan de la station d'épuration"])
    first = add_document(database, "2026/epuration.pdf", shared)
    second = add_document(database, "copie/epuration.pdf", shared)
    hits = search(database, "épuration")
    assert sorted((h.document_id, h.path, h.page) for h in hits) == [
        (first, "2026/epuration.pdf", 2),
        (second, "copie/epuration.pdf", 2),
    ]
    assert all(f"{MARK_START}épuration{MARK_END}" in h.snippet for h in hits)


def test_indexing_a_content_again_replaces_its_pages(database: Database) -> None:
    content = add_content(database, "c", ["Le préau de l'école", "La cantine"])
    doc = add_document(database, "ecole.pdf", content)
    with database.engine.connect() as conn:
        assert completions(conn, "prea") == ["preau"]
    with database.writing() as conn:
        index_content(conn, content, ["Le gymnase"])
        index_content(conn, content, ["Le gymnase"])  # idempotent
    assert search(database, "préau") == []
    assert search(database, "cantine") == []
    assert [(h.document_id, h.page) for h in search(database, "gymnase")] == [(doc, 1)]
    with database.engine.connect() as conn:
        pages = conn.execute(
            text("SELECT page_no, text FROM pages WHERE hash = :h"), {"h": content}
        )
        assert [tuple(r) for r in pages] == [(1, "Le gymnase")]
        assert completions(conn, "prea") == []
        assert completions(conn, "gymn") == ["gymnase"]
        assert conn.execute(
            text("SELECT text_indexed FROM contents WHERE hash = :h"), {"h": content}
        ).scalar_one()


def test_pages_stored_before_the_search_tables_are_indexed_by_the_migration(
    database: Database,
) -> None:
    with database.writing() as conn:
        command.downgrade(alembic_config(conn), "0002_documents")
    assert "pages_fts" not in inspect(database.engine).get_table_names()
    content = digest("ancien")
    with database.writing() as conn:
        conn.execute(
            text(
                "INSERT INTO contents (hash, size, kind, mime, status, page_count, created_at) "
                "VALUES (:h, 1, 'pdf', 'application/pdf', 'viewable', 1, :now)"
            ),
            {"h": content, "now": NOW},
        )
        conn.execute(
            text("INSERT INTO pages (hash, page_no, text) VALUES (:h, 1, 'Le lavoir restauré')"),
            {"h": content},
        )
    doc = add_document(database, "lavoir.pdf", content)
    database.dispose()
    upgraded = open_database(database.url)
    try:
        assert [h.document_id for h in search(upgraded, "restaure ")] == [doc]
        assert [h.document_id for h in search(upgraded, "lav")] == [doc]
        with upgraded.engine.connect() as conn:
            assert completions(conn, "lav") == ["lavoir"]
    finally:
        upgraded.dispose()


# --- queries ----------------------------------------------------------------

HOSTILE = [
    '"',
    '""',
    "*",
    "NEAR(",
    "NEAR(a b)",
    "-",
    "a:b",
    "text:école",
    "l'école",
    "AND OR NOT",
    "AND",
    "((",
    "))",
    "^école",
    'école"',
    '"école',
    "budget -école",
    "col*umn* *",
    "{a b}",
    "+",
    "école AND",
    "\\",
    "'",
    "«",
    "« conseil",
    "x" * 500,
    "NOT école",
    "\x00école",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_raise(database: Database, query: str) -> None:
    file_document(database, "a.pdf", ["L'école et le budget : AND, OR, NOT (a:b) ^ - *"])
    hits = search(database, query)
    assert isinstance(hits, list)


@pytest.mark.parametrize("query", ["", "   ", "?!", "*", '" "', "- : ( ) ^", "«»"])
def test_an_empty_or_punctuation_only_query_returns_nothing(database: Database, query: str) -> None:
    file_document(database, "a.pdf", ["Tout le conseil"])
    assert parse_query(query) == []
    assert search(database, query) == []


def test_hostile_words_are_searched_as_words(database: Database) -> None:
    doc = file_document(database, "a.pdf", ["Réunion NEAR la mairie : ordre du jour"])
    assert [h.document_id for h in search(database, "NEAR(")] == [doc]
    assert [h.document_id for h in search(database, '"ordre du jour"')] == [doc]
    assert [h.document_id for h in search(database, 'ordre "du jour')] == [doc]


def test_the_like_fallback_finds_words_without_fts(database: Database) -> None:
    doc = file_document(database, "a.pdf", ["Une Toiture neuve", "Le clocher"])
    with database.engine.connect() as conn:
        [hit] = _search_like(conn, parse_query("toiture"), 10)
    assert (hit.document_id, hit.page) == (doc, 1)
    assert hit.snippet_text() == "Une [Toiture] neuve"


# --- deliberations ----------------------------------------------------------


def _script_lines() -> list[str]:
    return DEMO_SCRIPT.read_text(encoding="utf-8").splitlines()


def _deliberation(hits: list[Hit], item_id: str) -> Hit | None:
    return next((h for h in hits if h.kind == "deliberation" and h.item_id == item_id), None)


def test_deliberations_follow_the_session(database: Database, engine: SessionEngine) -> None:
    indexer = DeliberationIndexer(database, engine)
    indexer.start()
    lines = _script_lines()
    edit = next(n for n, line in enumerate(lines, 1) if '"cmd": "edit_text"' in line)
    play_lines(engine, lines[: edit - 1])
    assert indexer.wait_idle()

    # Convened: the items are found, not numbered yet.
    hit = _deliberation(search(database, "toiture ecole"), "p3")
    assert hit is not None
    assert hit.title == "Réfection de la toiture de l'école : choix de l'entreprise"
    assert (hit.session_id, hit.number) == ("2026-11-28", None)
    before = '"Vidal et Fils pour un montant"'  # broken up by the edit
    assert _deliberation(search(database, before), "p3") is not None
    assert _deliberation(search(database, "economiquement"), "p3") is None

    play_lines(engine, lines, from_line=edit)
    assert indexer.wait_idle()
    session = engine.state.sessions["2026-11-28"]

    # Edited: the new version replaced the old one; voted: the number appears.
    assert _deliberation(search(database, before), "p3") is None
    hit = _deliberation(search(database, "economiquement"), "p3")
    assert hit is not None
    assert hit.number == session.item("p3").number == "2026-003"  # type: ignore[union-attr]
    assert f"{MARK_START}économiquement{MARK_END}" in hit.snippet
    with database.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT text FROM deliberation_texts WHERE session_id = :s AND item_id = 'p3'"),
            {"s": "2026-11-28"},
        ).all()
    assert [r[0] for r in rows] == [session.item("p3").text]  # type: ignore[union-attr]

    # A nomination is numbered when a round elects someone.
    nomination = _deliberation(search(database, "syndicat intercommunal"), "p5")
    assert nomination is not None
    assert nomination.number == session.item("p5").number is not None  # type: ignore[union-attr]
    # A proposal accepted during the session is indexed too.
    assert _deliberation(search(database, "illuminations"), "p9") is not None

    indexer.stop()
    with database.writing() as conn:
        conn.execute(text("DELETE FROM deliberation_texts"))
    assert _deliberation(search(database, "economiquement"), "p3") is None


def test_the_indexer_indexes_every_session_at_start(
    database: Database, engine: SessionEngine, config: Config
) -> None:
    play_file(engine, DEMO_SCRIPT)
    assert search(database, "toiture") == []  # no indexer was running
    restarted = SessionEngine(Journal(database), config)
    indexer = DeliberationIndexer(database, restarted)
    indexer.start()
    assert indexer.wait_idle()
    hits = search(database, "toiture")
    assert [(h.kind, h.item_id, h.number) for h in hits] == [("deliberation", "p3", "2026-003")]
    with database.engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM deliberation_texts")).scalar_one()
    assert count == len(restarted.state.sessions["2026-11-28"].items)
    indexer.stop()


# --- command line -----------------------------------------------------------


def test_the_command_line_search(
    database: Database, engine: SessionEngine, config: Config, capsys: pytest.CaptureFixture[str]
) -> None:
    file_document(database, "travaux/devis-toiture.pdf", ["Sommaire", "Devis de la toiture"])
    play_file(engine, DEMO_SCRIPT)  # no indexer running: the command catches up
    url = config.database_url
    assert main(["--database", url, "search", "toiture"]) == 0
    out = capsys.readouterr().out
    assert "travaux/devis-toiture.pdf — page 2" in out
    assert "[toiture]" in out
    assert "délibération n° 2026-003 — séance 2026-11-28" in out

    assert main(["--database", url, "search", "devis toiture", "--json", "--limit", "5"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert (row["kind"], row["page"], row["path"]) == ("document", 2, "travaux/devis-toiture.pdf")
    assert "[toiture]" in row["snippet"]

    assert main(["--database", url, "search", "clocher"]) == 0
    assert capsys.readouterr().out.strip() == "Aucun résultat pour « clocher »."
