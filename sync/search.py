"""Full-text search over the document pages and the deliberation texts.

Both live in the store, in FTS5 indexes (migration 0003_search) with the
tokenizer ``unicode61 remove_diacritics 2``: case and accents are folded on
both sides, so "deliberation" finds "délibération" and "ECOLE" finds "école".
The œ ligature, which unicode61 keeps, is matched both ways too ("oeuvre"
finds "œuvre").

Queries
    The user types plain words. All words must match (AND); text between
    double quotes (or « ») is a phrase; a hyphenated word ("procès-verbal") is
    a phrase of its parts; French elisions and function words ("l'école" →
    "école", "le budget de la commune" → budget, commune) are dropped unless
    they are all the query has. The last word is completed as you type
    ("budg" finds budget, budgets, budgétaire) when it has at least 3
    letters and the query does not end with a space; "word*" asks for that
    anywhere. Any other character (``* " : ( ) - ^``, "NEAR(", "AND OR NOT")
    is a separator or a plain word: every word is quoted in the FTS5 query,
    which can therefore never be a syntax error. An empty query returns [].

Ranking: bm25, with a bound on the work for very common words
    Measured on 200,000 generated pages (bench/search_bench.py: 466 MB of
    text, a 176 MB index, 1.1 GB on disk), the cost is ranking, not finding:
    FTS5 counts the 193,000 pages holding "conseil" in 8 ms, but bm25 costs
    about 1 µs a row (each page's length is looked up), so ranking them all
    takes 150 to 220 ms; snippets cost ~0.2 ms each, made for the top rows
    only. Hence:

    * bm25 is computed over at most ``RANK_WINDOW`` (10,000) matching pages:
      the newest (highest rowid, i.e. indexed last), read from the index in
      rowid order, which stops there. A query matching fewer pages — any
      query with a rare word in it — is ranked exactly; one matching more
      gets its best pages among its 10,000 newest matches. For a word on most
      pages bm25 barely tells pages apart anyway (its idf is near 0), and at a
      council table a recent document is the better guess. bm25's idf still
      counts the whole index: FTS5 scans each term or phrase once for it
      (~6 ms for a term on every page, ~23 ms for the phrase "conseil
      municipal"), which is why phrases of common words are the slowest
      queries left (5 such words: ~80 ms).
    * the window is ranked first (rowid and score only); only the best
      ``limit`` pages are then joined to their documents and given a snippet.
    * the completion of the last word does not use FTS5 prefix queries: on a
      common stem they merge the whole doclist of every completion, twice
      (once more for bm25's idf), whatever the rowid bounds ("commun*": 82
      ms). ``search_terms`` (each indexed word and how many pages hold it,
      kept by ``index_content``) gives the ``COMPLETIONS`` commonest words
      starting with the prefix, searched as an OR (21 ms). Indexing pays for
      it: 0.27 → 0.64 ms a page (the words counted in Python).
    * ``detail=full`` stays: with ``detail=column`` or ``none`` (index 30% or
      75% smaller) FTS5 re-tokenizes every ranked page to count occurrences
      (140 to 160 ms for a common word even within the window), and phrases
      are impossible. FTS5's ``ORDER BY rank`` was slower than ``bm25()``
      sorted by SQLite (270 vs 175 ms uncapped); ``mmap_size``, a 64 MB
      cache and ``optimize`` after the build changed nothing measurable: the
      cost is CPU, not I/O.

    The benchmark's 230 queries (rare and common words, pairs, phrases,
    words being typed), p95 / median: 26 / 11 ms as built here; 140 / 12 ms
    without the window; 212 / 13 ms with FTS5 prefix queries.

Deliberation hits (from ``deliberation_texts_fts``) and page hits are merged
on their bm25 score; deliberations, from a far smaller index, tend to come
first. ``Hit.rank`` is that score: negative, the lower the better.

On a database other than SQLite there is no FTS5: the search falls back to
``LIKE`` (case folded, accents as typed, unranked).
"""

from __future__ import annotations

import contextlib
import html
import logging
import queue
import re
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, delete, insert, update
from sqlalchemy import text as sql
from sqlalchemy.engine import Connection

from table_app.council.engine import SessionEngine
from table_app.council.events import EventType
from table_app.council.state import Item, Session
from table_app.journal import Event
from table_app.store import Database
from table_app.store.models import Content, Page

log = logging.getLogger("sync.search")

#: Private-use characters around each matched word of a snippet.
MARK_START = "\ue000"
MARK_END = "\ue001"
ELLIPSIS = "…"
#: Words per snippet (FTS5 allows up to 64).
SNIPPET_WORDS = 24

#: bm25 is computed over at most this many matching pages, the newest.
RANK_WINDOW = 10_000
#: How many completions of the last word are searched.
COMPLETIONS = 24
#: The last word is completed when it has at least this many letters.
MIN_PREFIX = 3

#: Elisions and function words dropped from a query that has other words.
_STOP_WORDS = """
    l d j m n s t c qu jusqu lorsqu puisqu quoiqu
    le la les un une des du de au aux a et ou en y ce cet cette ces se sa son ses
    leur leurs qui que quoi dont ne pas par pour sur sous dans avec sans est sont
    il ils elle elles on nous vous lui
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())

_WORD = re.compile(r"[^\W_]+")
# A query word: letters and digits, hyphenated parts kept together, maybe a star.
_QUERY_WORD = re.compile(r"[^\W_]+(?:[-‐‑][^\W_]+)*(\*)?")
_QUOTES = frozenset('"«»“”„')

DELIBERATION_EVENTS = frozenset(
    {
        EventType.SESSION_CONVENED,
        EventType.ITEM_ADDED,
        EventType.ITEM_PROPOSED,
        EventType.TEXT_EDITED,
        EventType.VOTE_RECORDED,
        EventType.NOMINATION_ROUND_RECORDED,
    }
)


# --- hits ------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    """One result: a page of a document, or a deliberation's text.

    ``snippet`` has ``MARK_START``/``MARK_END`` around each matched word;
    ``rank`` is the bm25 score (negative, the lower the better).
    """

    kind: str  # "document" | "deliberation"
    title: str
    snippet: str
    rank: float
    document_id: int | None = None
    path: str | None = None
    page: int | None = None
    session_id: str | None = None
    item_id: str | None = None
    number: str | None = None

    def snippet_text(self, start: str = "[", end: str = "]") -> str:
        return self.snippet.replace(MARK_START, start).replace(MARK_END, end)

    def snippet_html(self) -> str:
        escaped = html.escape(self.snippet, quote=False)
        return escaped.replace(MARK_START, "<b>").replace(MARK_END, "</b>")

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "title": self.title,
            "snippet": self.snippet_text(),
            "rank": self.rank,
            "document_id": self.document_id,
            "path": self.path,
            "page": self.page,
            "session_id": self.session_id,
            "item_id": self.item_id,
            "number": self.number,
        }


# --- words -----------------------------------------------------------------


@lru_cache(maxsize=65_536)
def fold(word: str) -> str:
    """A word as the index stores it: lower case, without diacritics."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(value: str) -> list[str]:
    """The folded words of ``value``, as unicode61 splits them (letters and digits)."""
    return [fold(w) for w in _WORD.findall(unicodedata.normalize("NFC", value))]


@dataclass(frozen=True)
class Term:
    """One unit of a query: a word (maybe completed) or a phrase."""

    words: tuple[str, ...]
    prefix: bool = False

    @property
    def is_stop_word(self) -> bool:
        return len(self.words) == 1 and self.words[0] in STOP_WORDS


def parse_query(query: str) -> list[Term]:
    """The terms of a query typed by a user (see the module doc); [] if none."""
    query = unicodedata.normalize("NFC", query)
    terms: list[Term] = []
    segment: list[str] = []
    in_phrase = False
    for char in query + '"':
        if char not in _QUOTES:
            segment.append(char)
            continue
        chunk = "".join(segment)
        segment = []
        if in_phrase:
            phrase = tuple(words(chunk))
            if phrase:
                terms.append(Term(phrase))
        elif chunk:
            terms.extend(_plain_terms(chunk))
        in_phrase = not in_phrase
    if in_phrase and segment:  # an unclosed quote: its words are plain words
        terms.extend(_plain_terms("".join(segment)))
    # The last word is completed while it is being typed.
    if terms and query[-1:].isalnum():
        last = terms[-1]
        if len(last.words) == 1 and len(last.words[0]) >= MIN_PREFIX:
            terms[-1] = Term(last.words, prefix=True)
    kept = [t for t in terms if not t.is_stop_word]
    return list(dict.fromkeys(kept or terms))


def _plain_terms(chunk: str) -> list[Term]:
    terms = []
    for match in _QUERY_WORD.finditer(chunk):
        parts = tuple(words(match.group(0)))
        if parts:
            star = match.group(1) is not None and len(parts) == 1
            terms.append(Term(parts, prefix=star))
    return terms


def _spellings(value: str) -> list[str]:
    """``value`` and its œ/oe spellings (unicode61 keeps the ligature)."""
    return list(dict.fromkeys([value, value.replace("oe", "œ"), value.replace("œ", "oe")]))


def _any(alternatives: Iterable[str]) -> str:
    unique = list(dict.fromkeys(alternatives))
    return unique[0] if len(unique) == 1 else "(" + " OR ".join(unique) + ")"


def fts_query(terms: Sequence[Term], complete: Callable[[str], list[str]] | None = None) -> str:
    """The FTS5 MATCH expression of ``terms``: every word quoted, never an operator.

    A completed word becomes the OR of the words ``complete`` gives for it, or,
    without ``complete`` (or if it knows none), an FTS5 prefix query.
    """
    parts = []
    for term in terms:
        spellings = [f'"{s}"' for s in _spellings(" ".join(term.words))]
        if term.prefix:
            found = [
                w for s in _spellings(term.words[0]) for w in (complete(s) if complete else [])
            ]
            if found:
                spellings += [f'"{w}"' for w in found]
            else:
                spellings = [s + "*" for s in spellings]
        parts.append(_any(spellings))
    return " AND ".join(parts)


# --- indexing --------------------------------------------------------------


def index_content(conn: Connection, content_hash: str, texts: list[str]) -> None:
    """Store the page texts of one content (page_no from 1) and index them.

    Idempotent: the content's pages, if any, are replaced. The FTS5 rows follow
    the ``pages`` rows through the migration's triggers; ``search_terms``
    (the words offered as completions) is kept here. Marks the content
    ``text_indexed``. Runs in the caller's transaction.
    """
    texts = [_unmarked(t) for t in texts]
    fts = conn.dialect.name == "sqlite"
    if fts:
        old = conn.execute(
            sql("SELECT text FROM pages WHERE hash = :hash"), {"hash": content_hash}
        ).scalars()
        _count_terms(conn, list(old), -1)
    conn.execute(delete(Page).where(Page.hash == content_hash))
    if texts:
        conn.execute(
            insert(Page),
            [{"hash": content_hash, "page_no": n, "text": t} for n, t in enumerate(texts, 1)],
        )
        if fts:
            _count_terms(conn, texts, +1)
    conn.execute(update(Content).where(Content.hash == content_hash).values(text_indexed=True))


def _unmarked(value: str) -> str:
    """``value`` without the snippet markers (which would fake a highlight)."""
    if MARK_START in value or MARK_END in value:
        return value.replace(MARK_START, "").replace(MARK_END, "")
    return value


@lru_cache(maxsize=65_536)
def _chunk_terms(chunk: str) -> tuple[str, ...]:
    return tuple(words(chunk))


def _page_terms(page: str) -> set[str]:
    """The distinct folded words of a page.

    Split on spaces first: most chunks recur from page to page, and their
    words are cached (a regex over every page costs 1.5 times more).
    """
    terms: set[str] = set()
    for chunk in set(page.split()):
        if chunk.isalnum():
            terms.add(fold(chunk))
        else:
            terms.update(_chunk_terms(chunk))
    return terms


def _count_terms(conn: Connection, texts: list[str], sign: int) -> None:
    """Add (or take away) each page's distinct words to ``search_terms``."""
    if not texts:
        return
    counts: Counter[str] = Counter()
    for page in texts:
        counts.update(_page_terms(page))
    if not counts:
        return
    conn.exec_driver_sql(
        "INSERT INTO search_terms (term, pages) VALUES (?, ?) "
        "ON CONFLICT (term) DO UPDATE SET pages = pages + excluded.pages",
        [(term, sign * n) for term, n in counts.items()],
    )
    if sign < 0:
        conn.exec_driver_sql("DELETE FROM search_terms WHERE pages <= 0")


def index_deliberation(
    conn: Connection,
    session_id: str,
    item_id: str,
    number: str | None,
    title: str,
    text: str,
) -> None:
    """Insert or update the current text of one item (unchanged: nothing written)."""
    conn.execute(
        sql(
            "INSERT INTO deliberation_texts "
            "(session_id, item_id, number, title, text, updated_at) "
            "VALUES (:session_id, :item_id, :number, :title, :text, :now) "
            "ON CONFLICT (session_id, item_id) DO UPDATE SET "
            "number = excluded.number, title = excluded.title, text = excluded.text, "
            "updated_at = excluded.updated_at "
            "WHERE coalesce(deliberation_texts.number, '') <> coalesce(excluded.number, '') "
            "OR deliberation_texts.title <> excluded.title "
            "OR deliberation_texts.text <> excluded.text"
        ),
        {
            "session_id": session_id,
            "item_id": item_id,
            "number": number,
            "title": _unmarked(title),
            "text": _unmarked(text),
            "now": datetime.now(UTC).isoformat(timespec="seconds"),
        },
    )


#: One item's text to index: (session, item, number, title, text).
_ItemText = tuple[str, str, str | None, str, str]


class DeliberationIndexer:
    """Keeps ``deliberation_texts`` equal to the items of the engine's sessions.

    ``start()`` indexes every item of every session (the current version of
    its text, its title and number), then follows the session feed: each
    event that creates an item or changes its text or number re-indexes it.

    The texts are read from the engine's state on its thread (the GUI's, in
    the kiosk) and written by a thread of the indexer's own, in order: a
    write waits for the disk (``synchronous=FULL``), which the mayor's edit
    must not. ``wait_idle`` waits for what is queued (tests, command line);
    ``stop`` writes what is left, then stops.
    """

    def __init__(self, db: Database, engine: SessionEngine) -> None:
        self.db = db
        self.engine = engine
        self._unsubscribe: Callable[[], None] | None = None
        self._queue: queue.Queue[list[_ItemText] | None] = queue.Queue()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        # Subscribed first: an item changed meanwhile is indexed twice, not missed.
        self._unsubscribe = self.engine.subscribe(self.on_event)
        self._thread = threading.Thread(
            target=self._write_loop, name="deliberation-index", daemon=True
        )
        self._thread.start()
        self._queue.put(
            [
                _item_text(session, item)
                for session in list(self.engine.state.sessions.values())
                for item in session.items
            ]
        )

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=30)
            self._thread = None

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until every text queued is written."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.005)
        return True

    def on_event(self, event: Event) -> None:
        if event.type not in DELIBERATION_EVENTS:
            return
        session = self.engine.state.sessions.get(event.session_id)
        if session is None:
            return
        if event.type == EventType.SESSION_CONVENED:
            items = list(session.items)
        else:
            raw = event.payload.get("item")
            item = session.item(str(raw["id"] if isinstance(raw, dict) else raw))
            items = [item] if item is not None else []
        if items:
            self._queue.put([_item_text(session, item) for item in items])

    def _write_loop(self) -> None:
        while True:
            batch = self._queue.get()
            try:
                if batch is None:
                    return
                # What queued up meanwhile goes in the same transaction.
                with contextlib.suppress(queue.Empty):
                    while self._queue.unfinished_tasks > 1:
                        more = self._queue.get_nowait()
                        self._queue.task_done()
                        if more is None:
                            self._queue.put(None)  # stop after this write
                            break
                        batch += more
                with self.db.writing() as conn:
                    for texts in batch:
                        index_deliberation(conn, *texts)
            except Exception:  # the search index is not the legal record: go on
                log.exception("Textes des délibérations non indexés pour la recherche")
            finally:
                self._queue.task_done()


def _item_text(session: Session, item: Item) -> _ItemText:
    return (session.id, item.id, item.number, item.title, item.text)


# --- searching -------------------------------------------------------------


@dataclass(frozen=True)
class _Index:
    fts: str  # the FTS5 table
    column: int  # the snippet's column (-1: the best one)


_PAGES = _Index("pages_fts", 0)
_DELIBERATIONS = _Index("deliberation_texts_fts", -1)


def search(db: Database, query: str, limit: int = 20) -> list[Hit]:
    """The best ``limit`` hits for ``query``, documents' pages and deliberations."""
    terms = parse_query(query)
    if not terms or limit <= 0:
        return []
    with db.engine.connect() as conn:
        if not db.is_sqlite:
            return _search_like(conn, terms, limit)
        pages_match = fts_query(terms, lambda prefix: completions(conn, prefix))
        hits = _search_pages(conn, pages_match, limit)
        hits += _search_deliberations(conn, fts_query(terms), limit)
    hits.sort(key=lambda h: (h.rank, h.kind, h.title, h.page or 0))
    return hits[:limit]


def completions(conn: Connection, prefix: str) -> list[str]:
    """The ``COMPLETIONS`` commonest indexed words starting with ``prefix`` (folded)."""
    rows = conn.execute(
        sql(
            "SELECT term FROM search_terms WHERE term >= :low AND term < :high "
            "ORDER BY pages DESC, term LIMIT :n"
        ),
        {"low": prefix, "high": prefix + "\U0010ffff", "n": COMPLETIONS},
    )
    return list(rows.scalars())


def _ranked(conn: Connection, index: _Index, match: str, k: int) -> list[tuple[int, float]]:
    """The ``k`` best (rowid, bm25) among the ``RANK_WINDOW`` newest matches."""
    rows = conn.execute(
        sql(
            f"SELECT id, score FROM ("
            f"SELECT rowid AS id, bm25({index.fts}) AS score FROM {index.fts} "
            f"WHERE {index.fts} MATCH :match ORDER BY rowid DESC LIMIT :window"
            f") ORDER BY score, id DESC LIMIT :k"
        ),
        {"match": match, "window": RANK_WINDOW, "k": k},
    )
    return [(int(r[0]), float(r[1])) for r in rows]


def _snippets(conn: Connection, index: _Index, match: str, ids: Iterable[int]) -> dict[int, str]:
    statement = sql(
        f"SELECT rowid, snippet({index.fts}, {index.column}, :start, :end, :dots, :words) "
        f"FROM {index.fts} WHERE {index.fts} MATCH :match AND rowid IN :ids"
    ).bindparams(bindparam("ids", expanding=True))
    rows = conn.execute(
        statement,
        {
            "start": MARK_START,
            "end": MARK_END,
            "dots": ELLIPSIS,
            "words": SNIPPET_WORDS,
            "match": match,
            "ids": sorted(set(ids)),
        },
    )
    # One line: page texts are full of line breaks.
    return {int(r[0]): " ".join(str(r[1] or "").split()) for r in rows}


def _search_pages(conn: Connection, match: str, limit: int) -> list[Hit]:
    # Overfetch: some of the best pages may belong to no current document
    # (an old version, a removed file); fetch more only when that left too few.
    k = limit * 2 + 10
    while True:
        ranked = _ranked(conn, _PAGES, match, k)
        hits = _document_hits(conn, ranked, limit)
        if len(hits) >= limit or len(ranked) < k or k >= RANK_WINDOW:
            break
        k = min(k * 8, RANK_WINDOW)
    snippets = _snippets(conn, _PAGES, match, (page_id for page_id, _ in hits))
    return [Hit(**{**fields, "snippet": snippets.get(page_id, "")}) for page_id, fields in hits][
        :limit
    ]


def _document_hits(
    conn: Connection, ranked: list[tuple[int, float]], limit: int
) -> list[tuple[int, dict[str, Any]]]:
    """Each ranked page in every current, not removed document holding it."""
    if not ranked:
        return []
    statement = sql(
        "SELECT p.id, p.page_no, d.id, d.path, COALESCE(c.title, d.title) FROM pages p "
        "JOIN documents d ON d.current_hash = p.hash AND d.status <> 'removed' "
        "AND d.category <> 'elu' "  # a member's own folder (Élus/<nom>/) is theirs
        "JOIN contents c ON c.hash = p.hash "
        "WHERE p.id IN :ids ORDER BY d.id"
    ).bindparams(bindparam("ids", expanding=True))
    by_page: dict[int, list[Any]] = {}
    for row in conn.execute(statement, {"ids": [page_id for page_id, _ in ranked]}):
        by_page.setdefault(int(row[0]), []).append(row)
    hits = []
    for page_id, score in ranked:
        for _, page_no, document_id, path, title in by_page.get(page_id, []):
            fields = {
                "kind": "document",
                "title": title,
                "rank": score,
                "document_id": document_id,
                "path": path,
                "page": page_no,
            }
            hits.append((page_id, fields))
    return hits[:limit]


def _search_deliberations(conn: Connection, match: str, limit: int) -> list[Hit]:
    ranked = _ranked(conn, _DELIBERATIONS, match, limit)
    if not ranked:
        return []
    statement = sql(
        "SELECT id, session_id, item_id, number, title FROM deliberation_texts WHERE id IN :ids"
    ).bindparams(bindparam("ids", expanding=True))
    rows = {int(r[0]): r for r in conn.execute(statement, {"ids": [i for i, _ in ranked]})}
    snippets = _snippets(conn, _DELIBERATIONS, match, rows)
    hits = []
    for row_id, score in ranked:
        row = rows.get(row_id)
        if row is None:
            continue
        hits.append(
            Hit(
                kind="deliberation",
                title=row[4],
                snippet=snippets.get(row_id, ""),
                rank=score,
                session_id=row[1],
                item_id=row[2],
                number=row[3],
            )
        )
    return hits


# --- without FTS5 ----------------------------------------------------------


def _search_like(conn: Connection, terms: Sequence[Term], limit: int) -> list[Hit]:
    """Backends without FTS5: every term as a case-insensitive ``LIKE``, unranked.

    Accents are compared as stored (no folding), phrases as their words
    separated by one space, completions as a plain substring.
    """
    needles = [" ".join(t.words) for t in terms]
    params: dict[str, Any] = {"limit": limit}
    conditions_pages, conditions_delib = [], []
    for n, needle in enumerate(needles):
        params[f"w{n}"] = f"%{needle}%"
        conditions_pages.append(f"lower(p.text) LIKE :w{n}")
        conditions_delib.append(f"lower(t.title || ' ' || t.text) LIKE :w{n}")
    hits = [
        Hit("document", r[3], _plain_snippet(r[4], needles), 0.0, r[1], r[2], r[0])
        for r in conn.execute(
            sql(
                "SELECT p.page_no, d.id, d.path, COALESCE(c.title, d.title), p.text FROM pages p "
                "JOIN documents d ON d.current_hash = p.hash AND d.status <> 'removed' "
                "AND d.category <> 'elu' "
                "JOIN contents c ON c.hash = p.hash "
                f"WHERE {' AND '.join(conditions_pages)} ORDER BY d.id, p.page_no LIMIT :limit"
            ),
            params,
        )
    ]
    hits += [
        Hit(
            "deliberation",
            r[3],
            _plain_snippet(f"{r[3]} {r[4]}", needles),
            0.0,
            session_id=r[0],
            item_id=r[1],
            number=r[2],
        )
        for r in conn.execute(
            sql(
                "SELECT t.session_id, t.item_id, t.number, t.title, t.text "
                "FROM deliberation_texts t "
                f"WHERE {' AND '.join(conditions_delib)} ORDER BY t.id DESC LIMIT :limit"
            ),
            params,
        )
    ]
    return hits[:limit]


def _plain_snippet(value: str, needles: Sequence[str], width: int = 80) -> str:
    lowered = value.lower()
    first = min((i for i in (lowered.find(n) for n in needles) if i >= 0), default=0)
    start, end = max(0, first - width), min(len(value), first + width)
    excerpt = " ".join(value[start:end].split())
    pattern = re.compile("|".join(re.escape(n) for n in needles), re.IGNORECASE)
    marked = pattern.sub(lambda m: f"{MARK_START}{m.group(0)}{MARK_END}", excerpt)
    return (ELLIPSIS if start else "") + marked + (ELLIPSIS if end < len(value) else "")
