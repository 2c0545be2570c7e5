"""Putting deliberations online, and preparing them for the prefecture.

Two outputs, both written atomically (hidden temporary file in the target
folder, fsync, ``os.replace``, fsync of the folder), so that the synced
cloud never carries a half-written file:

* :func:`publish` fills ``<public_root>/Délibérations/<année>/`` with the
  signed PDFs, the liste of the session, an ``index.html`` for citizens and
  the SCDL "Délibérations" CSV (open data). A small manifest,
  ``.publication.json``, keyed by deliberation number, remembers every act
  of the year and the date it was first put online (L2131-1), so that a
  re-run adds nothing twice, renumbers nothing and rewrites no file whose
  bytes would not change.
* :func:`transmission_package` prepares, per deliberation, a folder holding
  the PDF and an @CTES-style XML envelope that the secretary uploads to the
  prefecture's transmission platform.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

from table_app.atomic_files import atomic_write_bytes, fsync_dir
from table_app.french import long_date

PUBLIC_FOLDER = "Délibérations"
MANIFEST_NAME = ".publication.json"
INDEX_NAME = "index.html"
CSV_NAME = "deliberations.csv"
ENVELOPE_NAME = "enveloppe.xml"

RESULTS = {"adopte": "Adoptée", "rejete": "Rejetée"}

# The SCDL "Délibérations" schema (schema.data.gouv.fr, scdl/deliberations 2.x), in order.
SCDL_COLUMNS = (
    "COLL_NOM",
    "COLL_SIRET",
    "DELIB_ID",
    "DELIB_DATE",
    "DELIB_MATIERE_CODE",
    "DELIB_MATIERE_NOM",
    "DELIB_OBJET",
    "BUDGET_ANNEE",
    "BUDGET_NOM",
    "PREF_ID",
    "PREF_DATE",
    "VOTE_EFFECTIF",
    "VOTE_REEL",
    "VOTE_POUR",
    "VOTE_CONTRE",
    "VOTE_ABSTENTION",
    "DELIB_URL",
)

# First level of the @CTES subject classification (nomenclature des actes).
MATIERES = {
    "1": "Commande publique",
    "2": "Urbanisme",
    "3": "Domaine et patrimoine",
    "4": "Fonction publique",
    "5": "Institutions et vie politique",
    "6": "Libertés publiques et pouvoirs de police",
    "7": "Finances locales",
    "8": "Domaines de compétences par thèmes",
    "9": "Autres domaines de compétences",
}

NATURE_DELIBERATION = "1"
CLASSIFICATION_PATTERN = re.compile(r"[1-9](\.[0-9]{1,2}){0,4}")
INTERNAL_NUMBER_MAX = 15
NUMBER_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")  # also a folder and file name


class PublishError(Exception):
    """A publication or a transmission package that cannot be made; the message is French."""


@dataclass(frozen=True)
class PublishedAct:
    """One signed deliberation, as it goes online and to the prefecture."""

    number: str  # the register's number, "2026-002"
    date: str  # date of the session, AAAA-MM-JJ
    object: str
    result: str  # "adopte" or "rejete"
    pdf: Path  # the signed PDF, made elsewhere
    classification: str | None  # @CTES subject code, "7.1"
    votes: dict[str, Any] | None  # pour, contre, abstention, votants
    session_id: str

    @property
    def file_name(self) -> str:
        return f"{self.number}_{slug(self.object)}.pdf"

    @property
    def year(self) -> str:
        return self.date[:4]


@dataclass
class PublishReport:
    """What a publication did: files written, files already identical."""

    folders: list[Path] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)


# --- atomic files --------------------------------------------------------------


def atomic_copy(src: Path, dst: Path) -> None:
    """Copy ``src`` to ``dst`` atomically (see :func:`atomic_write_bytes`)."""
    atomic_write_bytes(dst, src.read_bytes())


def _write_if_changed(path: Path, data: bytes, report: PublishReport) -> None:
    if path.is_file() and path.read_bytes() == data:
        report.unchanged.append(path)
        return
    try:
        atomic_write_bytes(path, data)
    except OSError as exc:
        raise PublishError(
            f"Impossible d'écrire « {path.name} » dans « {path.parent} » : {exc.strerror or exc}. "
            "Les fichiers déjà en ligne n'ont pas été modifiés ; relancez la publication "
            "une fois le problème réglé."
        ) from exc
    report.written.append(path)


# --- names -----------------------------------------------------------------------


def slug(text: str, limit: int = 60) -> str:
    """A file-name-safe form of a title: "Vote du budget primitif" → "vote-du-budget-primitif"."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")
    return words[:limit].rstrip("-") or "deliberation"


def internal_number(number: str) -> str:
    """The @CTES internal number (NumeroInterne) of a deliberation.

    @CTES accepts at most 15 characters among upper-case letters, digits and
    underscore. Letters are upper-cased (accents dropped) and each run of any
    other character becomes one underscore: "2026-002" → "2026_002". A number
    still longer than 15 characters is refused rather than cut, since cutting
    could give two acts the same number.
    """
    plain = unicodedata.normalize("NFKD", number).encode("ascii", "ignore").decode("ascii")
    value = re.sub(r"[^A-Z0-9_]+", "_", plain.upper()).strip("_")
    if not value:
        raise PublishError(f"Le numéro « {number} » ne peut pas servir de numéro interne @CTES")
    if len(value) > INTERNAL_NUMBER_MAX:
        raise PublishError(
            f"Le numéro interne @CTES « {value} » (délibération {number}) dépasse "
            f"{INTERNAL_NUMBER_MAX} caractères"
        )
    return value


def _check_act(act: PublishedAct) -> None:
    if not NUMBER_PATTERN.fullmatch(act.number):
        raise PublishError(f"Numéro de délibération invalide : « {act.number} » (« {act.object} »)")
    try:
        date.fromisoformat(act.date)
    except ValueError:
        raise PublishError(
            f"Date de séance invalide pour la délibération {act.number} : « {act.date} » "
            "(attendu AAAA-MM-JJ)"
        ) from None
    if act.result not in RESULTS:
        raise PublishError(f"Résultat inconnu pour la délibération {act.number} : « {act.result} »")
    if not act.pdf.is_file():
        raise PublishError(
            f"Le PDF signé de la délibération {act.number} est introuvable : « {act.pdf} ». "
            "Rien n'a été publié ; produisez ce PDF puis relancez la publication."
        )


# --- publication -----------------------------------------------------------------


def _read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST_NAME
    if not path.is_file():
        return {"version": 1, "acts": {}, "listes": {}}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PublishError(
            f"Le registre de publication « {path} » est illisible ; "
            "rien n'a été modifié, faites appel au support."
        ) from exc
    data.setdefault("acts", {})
    data.setdefault("listes", {})
    return dict(data)


def _manifest_bytes(manifest: dict[str, Any]) -> bytes:
    return (json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


def _number_key(number: str) -> tuple[str, int, str]:
    """Sort "2026-002" before "2026-010"."""
    match = re.fullmatch(r"(.*?)(\d+)", number)
    if match:
        return (match.group(1), int(match.group(2)), number)
    return (number, 0, number)


def _votes_entry(votes: dict[str, Any] | None) -> dict[str, int] | None:
    if votes is None:
        return None
    return {k: int(votes[k]) for k in ("pour", "contre", "abstention", "votants") if k in votes}


def publish(
    acts: list[PublishedAct],
    public_root: Path,
    commune: str,
    insee: str | None,
    liste_pdf: Path | None = None,
    *,
    siret: str | None = None,
    base_url: str | None = None,
    today: date,
) -> PublishReport:
    """Put ``acts`` online in ``public_root/Délibérations/<année>/`` and return what was done.

    Per year of the acts' session dates, the folder receives:

    * each signed PDF as ``<numéro>_<objet-en-slug>.pdf``;
    * the liste of the session (``liste_pdf``), as
      ``<AAAA-MM-JJ>_liste_des_deliberations.pdf``: the acts must then all come
      from one session date;
    * ``.publication.json``, the manifest of every act published that year,
      keyed by number, with the date each was first put online (``today``,
      the commune's date, given by the caller: no clock is read here; kept
      across re-runs);
    * ``index.html`` and ``deliberations.csv``, both rebuilt from the
      manifest, so they list every act of the year, not only this run's.

    Every source PDF is checked before anything is written. A file whose
    bytes would not change is not rewritten; a number already published for
    another session is refused.

    The CSV follows the SCDL "Délibérations" schema (UTF-8, comma, header
    row, columns in the schema's order). Filled: COLL_NOM (``commune``),
    COLL_SIRET (``siret`` when given: the INSEE code is no SIRET and is not
    used there), DELIB_ID (number), DELIB_DATE, DELIB_MATIERE_CODE
    (classification), DELIB_MATIERE_NOM (first level of the @CTES
    nomenclature), DELIB_OBJET, VOTE_REEL (votants), VOTE_POUR, VOTE_CONTRE,
    VOTE_ABSTENTION, DELIB_URL (``base_url`` + file name when a public address
    of the folder is given). Left empty, as we do not know them: BUDGET_ANNEE,
    BUDGET_NOM, PREF_ID, PREF_DATE (the prefecture's receipt comes later),
    VOTE_EFFECTIF.
    """
    online = today.isoformat()
    for act in acts:
        _check_act(act)
    numbers = [a.number for a in acts]
    duplicates = sorted({n for n in numbers if numbers.count(n) > 1})
    if duplicates:
        raise PublishError(
            f"Numéro présent deux fois dans la publication : {', '.join(duplicates)}"
        )
    if liste_pdf is not None:
        if not acts:
            raise PublishError(
                "Une liste des délibérations se publie avec les délibérations de sa séance"
            )
        if len({a.date for a in acts}) != 1:
            raise PublishError(
                "La liste des délibérations vaut pour une séance : publiez-la avec les "
                "délibérations de cette seule séance"
            )
        if not liste_pdf.is_file():
            raise PublishError(f"La liste des délibérations est introuvable : « {liste_pdf} »")

    report = PublishReport()
    by_year: dict[str, list[PublishedAct]] = {}
    for act in acts:
        by_year.setdefault(act.year, []).append(act)

    for year, year_acts in sorted(by_year.items()):
        folder = public_root / PUBLIC_FOLDER / year
        folder.mkdir(parents=True, exist_ok=True)
        report.folders.append(folder)
        manifest = _read_manifest(folder)
        entries: dict[str, Any] = manifest["acts"]
        for act in year_acts:
            previous = entries.get(act.number)
            if previous is not None and previous.get("session_id") != act.session_id:
                raise PublishError(
                    f"La délibération {act.number} est déjà en ligne pour une autre séance "
                    f"(« {previous.get('object', '')} ») : un numéro ne se réutilise pas"
                )
        stale: list[Path] = []
        for act in year_acts:
            try:
                data = act.pdf.read_bytes()
            except OSError as exc:
                raise PublishError(
                    f"Le PDF signé de la délibération {act.number} est illisible : « {act.pdf} »"
                ) from exc
            _write_if_changed(folder / act.file_name, data, report)
            previous = entries.get(act.number)
            if previous is not None and previous.get("file") != act.file_name:
                stale.append(folder / str(previous["file"]))
            entries[act.number] = {
                "number": act.number,
                "date": act.date,
                "object": act.object,
                "result": act.result,
                "file": act.file_name,
                "classification": act.classification,
                "votes": _votes_entry(act.votes),
                "session_id": act.session_id,
                "online": previous["online"] if previous else online,
            }
        if liste_pdf is not None:
            session_date = year_acts[0].date
            name = f"{session_date}_liste_des_deliberations.pdf"
            _write_if_changed(folder / name, liste_pdf.read_bytes(), report)
            listes: dict[str, Any] = manifest["listes"]
            kept = listes.get(session_date)
            listes[session_date] = {
                "file": name,
                "online": kept["online"] if kept else online,
            }
        _write_if_changed(folder / MANIFEST_NAME, _manifest_bytes(manifest), report)
        _write_if_changed(
            folder / CSV_NAME, scdl_csv(entries.values(), commune, siret, base_url), report
        )
        _write_if_changed(folder / INDEX_NAME, index_html(manifest, year, commune, insee), report)
        for old in stale:
            if old.is_file():
                old.unlink()
                report.removed.append(old)
        if stale:
            fsync_dir(folder)
    return report


def scdl_csv(
    entries: Iterable[dict[str, Any]], commune: str, siret: str | None, base_url: str | None
) -> bytes:
    """The SCDL "Délibérations" CSV of manifest entries, in number order."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SCDL_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for entry in sorted(entries, key=lambda e: _number_key(e["number"])):
        votes = entry.get("votes") or {}
        code = entry.get("classification") or ""
        url = ""
        if base_url:
            url = f"{base_url.rstrip('/')}/{quote(entry['file'])}"
        writer.writerow(
            {
                "COLL_NOM": commune,
                "COLL_SIRET": siret or "",
                "DELIB_ID": entry["number"],
                "DELIB_DATE": entry["date"],
                "DELIB_MATIERE_CODE": code,
                "DELIB_MATIERE_NOM": MATIERES.get(code.split(".")[0], "") if code else "",
                "DELIB_OBJET": entry["object"],
                "BUDGET_ANNEE": "",
                "BUDGET_NOM": "",
                "PREF_ID": "",
                "PREF_DATE": "",
                "VOTE_EFFECTIF": "",
                "VOTE_REEL": votes.get("votants", ""),
                "VOTE_POUR": votes.get("pour", ""),
                "VOTE_CONTRE": votes.get("contre", ""),
                "VOTE_ABSTENTION": votes.get("abstention", ""),
                "DELIB_URL": url,
            }
        )
    return buffer.getvalue().encode("utf-8")


_CSS = """\
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto;
       padding: 0 1rem; color: #1b1b1b; line-height: 1.5; }
h1 { font-size: 1.6rem; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; font-weight: bold; padding: .5rem 0; }
th, td { border: 1px solid #8a8a8a; padding: .4rem .6rem; text-align: left;
         vertical-align: top; }
th { background: #ececec; }
a { color: #0b4f9c; }
a:focus { outline: 3px solid #f5a623; }
.adoptee { color: #1d6b2f; font-weight: bold; }
.rejetee { color: #a11d1d; font-weight: bold; }
"""


def index_html(manifest: dict[str, Any], year: str, commune: str, insee: str | None) -> bytes:
    """The citizens' page of a year: every act of the manifest, with its PDF and online date."""
    e = html.escape
    title = f"Délibérations {year} – {commune}"
    entries = sorted(manifest["acts"].values(), key=lambda x: _number_key(x["number"]))
    lines = [
        "<!DOCTYPE html>",
        '<html lang="fr">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(title)}</title>",
        f"<style>\n{_CSS}</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{e(title)}</h1>",
        f"<p>Actes publiés par la commune de {e(commune)}"
        + (f" (code INSEE {e(insee)})" if insee else "")
        + ", auteur des délibérations, en application de l'article L2131-1 du code "
        "général des collectivités territoriales. Chaque document est au format PDF, "
        "téléchargeable et non modifiable.</p>",
    ]
    if entries:
        lines += [
            "<table>",
            f"<caption>Délibérations du conseil municipal, année {e(year)}</caption>",
            "<thead><tr>"
            '<th scope="col">Numéro</th>'
            '<th scope="col">Objet</th>'
            '<th scope="col">Date de la séance</th>'
            '<th scope="col">Résultat</th>'
            '<th scope="col">Mise en ligne le</th>'
            '<th scope="col">Document</th>'
            "</tr></thead>",
            "<tbody>",
        ]
        for entry in entries:
            result = RESULTS.get(entry["result"], entry["result"])
            css = "adoptee" if entry["result"] == "adopte" else "rejetee"
            lines.append(
                "<tr>"
                f'<th scope="row">{e(entry["number"])}</th>'
                f"<td>{e(entry['object'])}</td>"
                f'<td><time datetime="{e(entry["date"])}">{e(long_date(entry["date"]))}</time></td>'
                f'<td class="{css}">{e(result)}</td>'
                f'<td><time datetime="{e(entry["online"])}">{e(long_date(entry["online"]))}</time></td>'
                f'<td><a href="{e(quote(entry["file"]))}">Délibération n° {e(entry["number"])} '
                "(PDF)</a></td>"
                "</tr>"
            )
        lines += ["</tbody>", "</table>"]
    else:
        lines.append("<p>Aucune délibération publiée pour cette année.</p>")
    listes = sorted(manifest.get("listes", {}).items())
    if listes:
        lines += ["<h2>Listes des délibérations par séance</h2>", "<ul>"]
        for session_date, liste in listes:
            lines.append(
                f'<li><a href="{e(quote(liste["file"]))}">Liste des délibérations de la séance '
                f"du {e(long_date(session_date))} (PDF)</a>, mise en ligne le "
                f"{e(long_date(liste['online']))}</li>"
            )
        lines.append("</ul>")
    lines += ["</main>", "</body>", "</html>", ""]
    return "\n".join(lines).encode("utf-8")


# --- transmission to the prefecture ------------------------------------------------


def _classification(act: PublishedAct) -> str:
    code = (act.classification or "").strip()
    if not code:
        raise PublishError(
            f"Classification @CTES manquante pour la délibération {act.number} : "
            "choisissez-la sur le point avant la transmission"
        )
    if not CLASSIFICATION_PATTERN.fullmatch(code):
        raise PublishError(
            f"Classification @CTES invalide pour la délibération {act.number} : « {code} » "
            "(attendu par exemple 7.1)"
        )
    return code


def envelope_xml(act: PublishedAct, siren: str | None, department: str) -> bytes:
    """The @CTES-style XML envelope of one deliberation.

    It carries what @CTES asks of an act (nature code 1 = délibération, the
    subject classification split into its levels, the internal number of at
    most 15 characters, the object, the date of the decision) and the PDF's
    name and SHA-256. The structure is namespace-free and only follows the
    spirit of the @CTES envelope: it is not a certified S²LOW / FAST
    connector format, and the platform used by the secretary remains the
    place where the act is actually filed.
    """
    code = _classification(act)
    root = ET.Element("EnveloppeActe", {"style": "@CTES", "version": "1"})
    sender = ET.SubElement(root, "Emetteur")
    ET.SubElement(sender, "SIREN").text = siren or ""
    ET.SubElement(sender, "Departement").text = department
    acte = ET.SubElement(
        root,
        "Acte",
        {
            "CodeNatureActe": NATURE_DELIBERATION,
            "Date": act.date,
            "NumeroInterne": internal_number(act.number),
        },
    )
    ET.SubElement(acte, "NatureActe").text = "Délibération"
    ET.SubElement(acte, "NumeroRegistre").text = act.number
    ET.SubElement(acte, "Classification").text = code
    for level, part in enumerate(code.split("."), start=1):
        ET.SubElement(acte, f"CodeMatiere{level}", {"CodeMatiere": part})
    ET.SubElement(acte, "Objet").text = act.object
    document = ET.SubElement(acte, "Document")
    ET.SubElement(document, "NomFichier").text = act.file_name
    ET.SubElement(document, "Empreinte", {"algorithme": "SHA-256"}).text = hashlib.sha256(
        act.pdf.read_bytes()
    ).hexdigest()
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def transmission_package(
    acts: list[PublishedAct], out_dir: Path, siren: str | None, department: str
) -> list[Path]:
    """Prepare one folder per deliberation, ``out_dir/<numéro>/``, for the prefecture.

    Each folder holds the signed PDF and ``enveloppe.xml`` (see
    :func:`envelope_xml`). Every act is checked (PDF present, classification
    chosen, internal number valid) before anything is written, and each file
    is written atomically; a re-run rewrites nothing that is already
    identical. Returns the folders, in the order of ``acts``.
    """
    if siren is not None and not re.fullmatch(r"\d{9}", siren):
        raise PublishError(f"Le SIREN « {siren} » doit compter 9 chiffres")
    if not department.strip():
        raise PublishError("Le département est requis pour la transmission en préfecture")
    envelopes: list[tuple[PublishedAct, bytes]] = []
    for act in acts:
        _check_act(act)
        envelopes.append((act, envelope_xml(act, siren, department.strip())))
    report = PublishReport()
    folders: list[Path] = []
    for act, envelope in envelopes:
        folder = out_dir / act.number
        _write_if_changed(folder / act.file_name, act.pdf.read_bytes(), report)
        _write_if_changed(folder / ENVELOPE_NAME, envelope, report)
        folders.append(folder)
    return folders
