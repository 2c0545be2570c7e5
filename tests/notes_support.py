"""What the private notes' tests share: members with their codes, a real document."""

from __future__ import annotations

import dataclasses
from functools import cache
from pathlib import Path

import pymupdf

from sync.library import DocumentLibrary
from sync.workers import ExtractionPool
from table_app.config import Config
from table_app.member_pin import hash_pin
from table_app.store import Database

#: Two councillors sharing Siège 1 of the demo commune, and their codes (the
#: demo's own, resources/demo/commune.toml).
MEMBER_A, MEMBER_B = "brousseau", "sgarnier"
PINS = {MEMBER_A: "2580", MEMBER_B: "1379", "plemoine": "4711"}


@cache
def _hashed(pin: str) -> str:
    return hash_pin(pin)


def with_pins(config: Config) -> Config:
    """The demo commune with the codes of ``PINS`` (as the file holds them: hashed)."""
    members = tuple(
        dataclasses.replace(m, pin=_hashed(PINS[m.id])) if m.id in PINS else m
        for m in config.members
    )
    return dataclasses.replace(config, members=members, _by_id={})


def budget_pdf(path: Path, pages: int = 4) -> Path:
    """A small budget: a line of text on each page; the last one is a portrait
    page turned a quarter (/Rotate 90), shown in landscape."""
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = pymupdf.open()
    for n in range(pages):
        page = doc.new_page()
        page.insert_text((72, 90), f"Budget primitif 2027, page {n + 1}", fontsize=20)
        page.insert_text((72, 140), "Chapitre 011 : charges à caractère général", fontsize=14)
        page.insert_text(
            (72, 170), "Article 60612 : énergie, électricité 15 400 euros", fontsize=14
        )
        if n == pages - 1:
            page.set_rotation(90)
    doc.save(path)
    doc.close()
    return path


def ingest(database: Database, config: Config, *paths: Path) -> DocumentLibrary:
    """The library of the documents folder, with ``paths`` in it, ingested."""
    with ExtractionPool(processes=1) as pool:
        library = DocumentLibrary(database, config.documents_folder, config.data_dir, pool)
        library.reconcile(index_texts=False)
    return library


def content_hash(library: DocumentLibrary, name: str) -> str:
    doc = next(d for d in library.documents() if Path(d["path"]).name == name)
    return str(doc["hash"])
