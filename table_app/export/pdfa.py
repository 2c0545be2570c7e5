"""What makes an exported PDF an archival record: PDF/A-2b parts and provenance.

Every document the secretary takes away (register extracts, procès-verbal,
liste, closing sheet) is finished here:

- an sRGB ICC output intent (``resources/color/sRGB.icc``), which PDF/A
  requires as soon as a page uses device colours;
- the document information and an XMP packet declaring PDF/A-2b, whose
  custom properties are described by a PDF/A extension schema (PDF/A
  rejects undeclared XMP properties);
- its **provenance**: the journal event the document was built from (session,
  sequence number, hash) and a digest of its source.

The journal's hash chain proves that no recorded event was edited, removed
or moved, but it cannot see the last events cut off its end: the chain that
remains is still a sound chain. The anchor printed and embedded in a signed
export is held outside the database: ``check_anchor`` finds the truncation
as soon as the journal no longer holds the anchored event with that hash.

The source digest tells whether a document must be rebuilt: a signed file
whose digest equals that of a fresh build is kept as it is, so re-running an
export never re-signs nor re-dates anything that did not change.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pymupdf

ICC_PROFILE = Path(__file__).resolve().parents[2] / "resources" / "color" / "sRGB.icc"
OUTPUT_CONDITION = "sRGB IEC61966-2.1"
NAMESPACE = "urn:table-du-conseil:provenance:1"

log = logging.getLogger("table_app.export")

_PROPERTIES = {
    "JournalSession": "Identifiant de la séance dans le journal",
    "JournalEvent": "Numéro du dernier événement du journal pris en compte",
    "JournalHash": "Empreinte SHA-256 de cet événement dans la chaîne du journal",
    "SourceDigest": "Empreinte SHA-256 du contenu source du document",
}


@dataclass(frozen=True)
class JournalAnchor:
    """The journal event a document was built from."""

    session_id: str
    seq: int
    hash: str

    @property
    def line(self) -> str:
        """The sentence printed on the document (French, short)."""
        # In capitals: the serif font would join a printed "ff" into a ligature.
        digest = self.hash.upper()
        return (
            f"Établi d'après le journal de la séance, événement n° {self.seq}, "
            f"empreinte {digest[:16]}…{digest[-8:]}"
        )


@dataclass(frozen=True)
class Provenance:
    anchor: JournalAnchor | None
    source_digest: str


def _pdf_date(moment: datetime) -> str:
    offset = moment.strftime("%z") or "+0000"
    return moment.strftime("D:%Y%m%d%H%M%S") + f"{offset[:3]}'{offset[3:]}'"


def _extension_schema() -> str:
    properties = "".join(
        "<rdf:li rdf:parseType='Resource'>"
        f"<pdfaProperty:name>{name}</pdfaProperty:name>"
        "<pdfaProperty:valueType>Text</pdfaProperty:valueType>"
        "<pdfaProperty:category>internal</pdfaProperty:category>"
        f"<pdfaProperty:description>{escape(text)}</pdfaProperty:description>"
        "</rdf:li>"
        for name, text in _PROPERTIES.items()
    )
    return f"""  <rdf:Description rdf:about=""
    xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
    xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"
    xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
   <pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
    <pdfaSchema:schema>Provenance des actes de la Table du conseil</pdfaSchema:schema>
    <pdfaSchema:namespaceURI>{NAMESPACE}</pdfaSchema:namespaceURI>
    <pdfaSchema:prefix>tdc</pdfaSchema:prefix>
    <pdfaSchema:property><rdf:Seq>{properties}</rdf:Seq></pdfaSchema:property>
   </rdf:li></rdf:Bag></pdfaExtension:schemas>
  </rdf:Description>
"""


def _xmp(
    title: str,
    author: str,
    subject: str,
    keywords: str,
    created: datetime,
    provenance: Provenance,
) -> str:
    iso = created.isoformat()
    anchor = provenance.anchor
    journal = (
        f"""   <tdc:JournalSession>{escape(anchor.session_id)}</tdc:JournalSession>
   <tdc:JournalEvent>{anchor.seq}</tdc:JournalEvent>
   <tdc:JournalHash>{escape(anchor.hash)}</tdc:JournalHash>
"""
        if anchor
        else ""
    )
    return f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
    xmlns:tdc="{NAMESPACE}">
   <pdfaid:part>2</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(title)}</rdf:li></rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>{escape(author)}</rdf:li></rdf:Seq></dc:creator>
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{escape(subject)}</rdf:li></rdf:Alt></dc:description>
   <pdf:Keywords>{escape(keywords)}</pdf:Keywords>
   <pdf:Producer>Table du conseil</pdf:Producer>
   <xmp:CreatorTool>Table du conseil</xmp:CreatorTool>
   <xmp:CreateDate>{iso}</xmp:CreateDate>
   <xmp:ModifyDate>{iso}</xmp:ModifyDate>
{journal}   <tdc:SourceDigest>{escape(provenance.source_digest)}</tdc:SourceDigest>
  </rdf:Description>
{_extension_schema()} </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""


def add_output_intent(doc: Any) -> None:
    """Attach the sRGB output intent (PDF/A's GTS_PDFA1 subtype, used by PDF/A-2 too)."""
    profile = ICC_PROFILE.read_bytes()
    icc = doc.get_new_xref()
    doc.update_object(icc, "<< /N 3 >>")
    doc.update_stream(icc, profile)
    intent = doc.get_new_xref()
    doc.update_object(
        intent,
        f"<< /Type /OutputIntent /S /GTS_PDFA1 /OutputConditionIdentifier "
        f"({OUTPUT_CONDITION}) /Info ({OUTPUT_CONDITION}) /DestOutputProfile {icc} 0 R >>",
    )
    doc.xref_set_key(doc.pdf_catalog(), "OutputIntents", f"[{intent} 0 R]")


def finish_pdf(
    doc: Any,
    title: str,
    author: str,
    subject: str,
    keywords: str,
    created: datetime,
    provenance: Provenance,
) -> bytes:
    """Document information, XMP, output intent, fonts subset; the bytes."""
    doc.set_metadata(
        {
            "title": title,
            "author": author,
            "subject": subject,
            "keywords": keywords,
            "creator": "Table du conseil",
            "producer": "Table du conseil",
            "creationDate": _pdf_date(created),
            "modDate": _pdf_date(created),
        }
    )
    doc.set_xml_metadata(_xmp(title, author, subject, keywords, created, provenance))
    add_output_intent(doc)
    doc.subset_fonts()
    data: bytes = doc.tobytes(garbage=3, deflate=True, no_new_id=False)
    doc.close()
    return data


def _provenance_values(xmp: str) -> dict[str, str]:
    """Our properties, by name, whatever their prefix and form: we write them
    as elements, pyHanko rewrites the packet when it signs (as attributes,
    with a prefix of its own), so they are found by namespace."""
    start, end = xmp.find("<x:xmpmeta"), xmp.rfind("</x:xmpmeta>")
    if start < 0 or end < 0:
        return {}
    try:
        root = ElementTree.fromstring(xmp[start : end + len("</x:xmpmeta>")])
    except ElementTree.ParseError:
        return {}
    prefix = "{" + NAMESPACE + "}"
    values: dict[str, str] = {}
    for element in root.iter():
        if element.tag.startswith(prefix):
            values[element.tag[len(prefix) :]] = (element.text or "").strip()
        for key, value in element.attrib.items():
            if key.startswith(prefix):
                values[key[len(prefix) :]] = value.strip()
    return values


def read_provenance(source: Path | bytes) -> Provenance | None:
    """The provenance embedded in an exported PDF, or None (not one of ours,
    not a PDF MuPDF can open, or built before provenance was recorded). Any
    other failure is not hidden as « no provenance »: it propagates."""
    try:
        doc = pymupdf.open(source) if isinstance(source, Path) else pymupdf.open("pdf", source)
    except (pymupdf.FileDataError, pymupdf.FileNotFoundError) as error:
        where = source if isinstance(source, Path) else f"{len(source)} octets"
        log.warning("Provenance illisible (%s) : %s", where, error)
        return None
    try:
        xmp = doc.get_xml_metadata() or ""
    finally:
        doc.close()
    values = _provenance_values(xmp)
    digest = values.get("SourceDigest")
    if not digest:
        return None
    session_id = values.get("JournalSession")
    seq = values.get("JournalEvent")
    hash_ = values.get("JournalHash")
    anchor = (
        JournalAnchor(session_id, int(seq), hash_)
        if session_id and seq and seq.isdigit() and hash_
        else None
    )
    return Provenance(anchor, digest)
