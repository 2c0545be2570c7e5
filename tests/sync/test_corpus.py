"""Every file of the shared corpus of real-world PDFs (and their images) through the pool.

Each one becomes a Probe (pages and a thumbnail) or a Rejection that the
secretary can read; the one protected by a password is refused as such.  The
corpus lives beside the project (``../shared/corpus``) and is not copied in.
"""

import json
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest

from sync.extract import Probe
from sync.workers import ExtractionPool, Rejection

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "pdf-sample-files"
NOT_DOCUMENTS = {"LICENSE", "README.md", "files.json"}

if not CORPUS.is_dir():
    pytest.skip(f"corpus absent: {CORPUS}", allow_module_level=True)

FILES = sorted(
    path for path in CORPUS.rglob("*") if path.is_file() and path.name not in NOT_DOCUMENTS
)
FACTS = {entry["path"]: entry for entry in json.loads((CORPUS / "files.json").read_text())["data"]}
# Broken in a way MuPDF does not repair (its /Pages object is missing; poppler
# rebuilds 4 pages from the page objects it finds).
DAMAGED = {"017-unreadable-meta-data/unreadablemetadata.pdf"}


@pytest.fixture(scope="module")
def pool() -> Iterator[ExtractionPool]:
    with ExtractionPool(processes=2, timeout_s=30.0) as extraction:
        yield extraction


def name(path: Path) -> str:
    return path.relative_to(CORPUS).as_posix()


@pytest.mark.parametrize("path", FILES, ids=name)
def test_corpus_file(pool: ExtractionPool, path: Path, tmp_path: Path) -> None:
    facts = FACTS.get(name(path), {})

    result = pool.probe(path, tmp_path)

    if facts.get("encrypted"):
        assert isinstance(result, Rejection)
        assert result.code == "encrypted"
        assert "mot de passe" in result.reason
        return
    if name(path) in DAMAGED:
        assert isinstance(result, Rejection)
        assert result.code == "damaged"
        assert result.reason.startswith("PDF endommagé")
        return
    assert isinstance(result, Probe), result
    assert result.page_count >= 1
    if "pages" in facts:
        assert result.page_count == facts["pages"]
    assert result.thumbnail_png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", result.thumbnail_png[16:24])
    assert 300 <= max(width, height) <= 340
    texts = pool.texts(path)
    assert isinstance(texts, list)
    assert len(texts) == result.page_count
