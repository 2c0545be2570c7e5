"""Benchmarks of the full-text search (sync/search.py) on a 200,000-page archive.

The archive is generated: French-like pages of 250 to 400 words drawn with a
Zipf–Mandelbrot distribution (s = 1.05) over some 1,900 words, plurals and set
phrases of council documents (function words first, then conseil, budget,
délibération, école, voirie…) and a few hundred figures, with 6% of the
words drawn, with their own Zipf distribution, from 120,000 generated rare
words (the names, places and terms that make a page findable). So "de" is on
every page, "conseil" on 96%, "école" on half, "assainissement" on 5%, and
rare words on a handful to a few hundred. The pages are grouped into contents
of 1 to 19 pages filed as documents: 5% of the contents are old versions no
document shows any more, 2% of the documents are removed, 2% of the contents
are filed twice. 2,000 deliberation texts are added too.

Everything is written to a real SQLite file opened with ``open_database``
(WAL, ``synchronous=FULL``, the migrations) in the runner's temporary
directory (a real disk), and indexed through ``sync.search.index_content``
in transactions of about 2,000 pages, as an ingest would.

``search.latency_200k`` times ``search()`` (20 hits with snippets, pages and
deliberations) on 230 queries in five classes: 60 rare words, 45 common words
(the top council words among them), 50 pairs (common + rare, common + common),
30 phrases (the set phrases, and random pairs that rarely occur) and 45 words
being typed (prefixes). Spellings vary as users type: with or without
accents, in capitals. Each query runs once untimed first.
"""

from __future__ import annotations

import hashlib
import itertools
import random
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench.common import BenchContext, Result, benchmark, log, median, percentile, stopwatch
from sync.search import (
    RANK_WINDOW,
    STOP_WORDS,
    completions,
    fold,
    fts_query,
    index_content,
    index_deliberation,
    parse_query,
    search,
)
from table_app.store import Database, open_database


def _listed(block: str) -> list[str]:
    return block.split()


#: Function words, most frequent first (the head of the distribution).
FUNCTION_WORDS = _listed(
    """
de la le et les des à du en un une pour par au est sur dans qui que aux il ce avec son
sa ses plus ne pas a été sont ont cette être se ou leur leurs tout tous comme mais aussi
entre après sans dont lors ainsi même selon vers chez fait peut doit cet ces nous vous
ils elle elles y si très moins avant depuis pendant notamment afin lequel laquelle
lesquels auxquels celui celle ceux dit dite dits présent présente présents
"""
)

#: Council words and set phrases, roughly most frequent first.
COUNCIL_WORDS = _listed(
    """
conseil municipal commune maire délibération budget article montant euros séance
l'article code général collectivités territoriales vu considérant décide approuve
autorise travaux marché devis école voirie assainissement subvention commission
adjoint rapport projet l'entreprise entreprise offre HT TTC annexe primitif compte
administratif communauté communes département région État dotation fonds
investissement fonctionnement dépenses recettes section crédits chapitre gestion
trésorier emprunt taux intérêts taxe foncière habitation impôts fiscalité décision
modificative virement amortissement cimetière concession église mairie bâtiment
toiture chauffage rénovation énergétique éclairage public chemin rural route rue
place trottoir parking sécurité signalisation déneigement entretien espaces verts
fleurissement environnement déchets ordures ménagères collecte tri forêt bois coupe
agriculture agricole bibliothèque médiathèque culture sport stade gymnase jeunesse
personnes âgées logement locatif social sociale action numérique fibre internet site
téléphone assurance contentieux avocat acquisition cession vente achat prix
estimation domaines terrain bien immeuble bail loyer régie tarif participation
financement demande sollicite accorde attribue fixe adopte désigne délégué titulaire
suppléant représentant membres votants contre abstention quorum convocation ordre
jour questions diverses informations présentation étude diagnostic bureau maîtrise
d'œuvre architecte cabinet géomètre bornage lot attributaire candidatures critères
pondération technique financière analyse commande fourniture prestation service
mutualisation transfert compétence statuts modification règlement intérieur arrêté
préfet préfecture contrôle légalité transmission affichage publication registre
recours tribunal eau potable réseau station épuration lotissement parcelle cadastre
urbanisme plan local permis construire aménagement bourg salle fêtes location
association cantine scolaire périscolaire garderie enfants personnel agent emploi
poste recrutement rémunération indemnité élus convention contrat avenant syndicat
intercommunal l'école l'eau l'assainissement d'assainissement l'urbanisme
d'urbanisme l'offre l'État l'année l'ensemble l'exercice l'opération l'agent
l'association d'investissement d'entretien d'éclairage d'intérêt d'aménagement
exercice opération année ensemble unanimité vote scrutin secret procès-verbal
approbation adoption délibéré rapporteur secrétaire président présidence
conformément vertu application dispositions loi décret ordonnance circulaire
instruction comptable M57 M14 nomenclature imputation article budgétaire
nature fonction programme opération dépense recette réalisation reste restes
réaliser excédent déficit résultat reprise affectation report solde balance
trésorerie ligne crédit provision risque créance admission non-valeur titre
mandat émission annulation rattachement charges produits exceptionnels
personnel titulaire contractuel vacataire saisonnier apprenti stagiaire grade
échelon indice traitement prime régime indemnitaire RIFSEEP IFSE CIA temps
complet partiel heures supplémentaires astreinte congés formation
CNFPT centre gestion comité technique social territorial CST CAP avancement
promotion tableau effectifs création suppression vacance déclaration
"""
)

#: Ordinary words of administrative French (verbs, adjectives, nouns).
GENERAL_WORDS = _listed(
    """
considérer prévoir prévu prévue prévus réaliser réalisé réalisée engager engagé engagée
signer signé signée autoriser autorisé autorisée approuver approuvé approuvée adopter
adopté adoptée valider validé validée charger chargé chargée confier confié confiée
proposer proposé proposée proposition présenter présenté présentée rappeler rappelle
indique indiqué précise précisé expose exposé informe informé souligne ajoute répond
demande demandé interroge explique propose estime rappelle remercie souhaite
nouveau nouvelle nouveaux nouvelles ancien ancienne anciens grand grande grands petit
petite petits premier première premiers second seconde dernier dernière prochain
prochaine suivant suivante suivants actuel actuelle actuels total totale global
globale annuel annuelle mensuel mensuelle communal communale communaux départemental
départementale régional régionale national nationale européen européenne public
publique publics privé privée privés important importante nécessaire nécessaires
possible possibles obligatoire urgent urgente certain certaine certains plusieurs
chaque aucun aucune autre autres différents différentes divers diverses nombreux
situation question dossier dossiers point points sujet objet objectif objectifs
besoin besoins moyen moyens cadre titre date délai délais durée période mois semaine
semaines janvier février mars avril mai juin juillet août septembre octobre novembre
décembre lundi mardi mercredi jeudi vendredi samedi dimanche matin soir heure heures
habitant habitants population famille familles usagers usager riverains riverain
propriétaire propriétaires locataire locataires particulier particuliers
professionnels commerçants artisans entreprises société sociétés bureau études
partenaire partenaires acteur acteurs élu élue conseillère conseiller conseillers
conseillères adjointe adjoints madame monsieur mesdames messieurs groupe majorité
opposition liste minorité débat débats discussion échange échanges remarque
remarques observation observations avis favorable défavorable réserve réserves
accord désaccord refus rejet retrait ajournement report suite suites réponse
réponses courrier courriers lettre mail réunion réunions rencontre visite
inauguration cérémonie manifestation manifestations événement animation
animations fête marché hebdomadaire foire brocante concert exposition spectacle
école maternelle élémentaire primaire collège lycée classe classes élèves enseignants
directeur directrice parents rentrée vacances transport transports ramassage car
bus navette circulation vitesse stationnement piétons cyclistes vélo piste cyclable
carrefour giratoire chaussée enrobé revêtement bordures caniveaux fossé fossés
curage élagage fauchage balayage nettoyage réparation réparations remplacement
installation installations équipement équipements matériel véhicule véhicules
tracteur camion outillage atelier local locaux hangar garage logement vacant
appartement maison maisons construction constructions extension démolition
réhabilitation accessibilité handicap mise conformité normes norme diagnostic
amiante plomb électricité gaz fioul pompe chaudière isolation menuiseries fenêtres
portes façade façades charpente couverture zinguerie tuiles ardoises peinture
sol sols carrelage plomberie sanitaires toilettes vestiaires douches cuisine
réfectoire restaurant repas repas denrées fournisseur fournisseurs facture factures
paiement paiements règlement acompte solde retenue garantie pénalités retard
délai exécution réception chantier chantiers ordre service démarrage achèvement
fin début phase phases tranche tranches ferme optionnelle variante options
"""
)


#: More words of the council's business: town planning, roads, water, schools, staff, law.
MORE_WORDS = _listed(
    """
    zonage zone constructible naturelle agricole urbaine emplacement réservé servitude
    alignement voie impasse chemin sentier lieu-dit hameau village quartier secteur
    périmètre lotisseur aménageur promoteur bailleur office habitat résidence pavillon
    mitoyen clôture haie arbre arbres plantation abattage paysage patrimoine monument
    classé inscrit architecte bâtiments france ABF déclaration préalable certificat
    instruction pétitionnaire affichage recours gracieux contentieux annulation sursis
    conduite canalisation branchement compteur abonnement redevance consommation
    facturation relève fuite captage forage réservoir château pression qualité analyses
    potabilité chlore traitement boues filière épandage lagunage raccordement SPANC
    contrôle vidange fosse septique pluvial ruissellement inondation crue rivière ruisseau
    berge digue barrage étang lac mare zone humide biodiversité faune flore espèce
    protégée natura sentier randonnée balisage tourisme gîte camping hébergement
    restauration commerce épicerie boulangerie café bar tabac multiple rural dernier
    pharmacie médecin cabinet médical maison santé infirmier kinésithérapeute dentiste
    ambulance pompiers SDIS caserne incendie hydrant poteau défense extérieure secours
    gendarmerie police municipale garde champêtre vidéoprotection caméras délinquance
    prévention tranquillité nuisances bruit aboiements divagation chiens chats fourrière
    errance stérilisation identification vétérinaire refuge animaux élevage exploitation
    exploitant fermier ferme bergerie troupeau pâturage prairie culture céréales vigne
    vignoble viticulteur cave coopérative récolte vendanges irrigation drainage remembrement
    échange amiable bornage géomètre expert division parcellaire numéro section lieu
    électeurs élection élections scrutin bureau vote urne isoloir dépouillement assesseur
    scrutateur procuration liste électorale inscription radiation commission contrôle
    recensement population agent recenseur questionnaire INSEE statistique démographie
    naissance naissances décès mariage mariages PACS état civil acte actes livret
    famille funéraire inhumation crémation caveau ossuaire reprise concessions
    abandonnées columbarium jardin souvenir dispersion cendres
    enseignement maternelle RPI regroupement pédagogique intercommunal effectif ouverture
    fermeture poste enseignant ATSEM animatrice animateur accueil loisirs mercredi
    centre aéré séjour colonie restauration scolaire menu repas bio circuit court
    producteurs locaux gaspillage alimentaire tarification quotient familial CAF
    convention territoriale globale petite enfance crèche micro-crèche assistante
    maternelle relais RAM RPE ludothèque jeunes conseil municipal jeunes CMJ
    budget participatif concertation consultation enquête publique commissaire
    enquêteur rapport conclusions motivées avis favorable réserves recommandations
    registre observations dématérialisé permanence mairie annexe secrétariat
    secrétaire générale directeur général services DGS attaché rédacteur adjoint
    administratif technique ingénieur technicien agent maîtrise polyvalent entretien
    espaces voirie bâtiments régie directe prestataire sous-traitant marché public
    procédure adaptée MAPA appel offres ouvert restreint négocié concurrence
    dématérialisation profil acheteur plateforme dépôt pli plis ouverture commission
    CAO analyse offres classement notification attribution rejet information candidats
    délai standstill signature ordre service OS décompte général définitif DGD
    révision actualisation prix indices BT01 TP01 avance retenue garantie caution
    sous-traitance déclaration DC1 DC2 DC4 DUME attestation fiscale sociale URSSAF
    assurances dommages-ouvrage décennale responsabilité civile sinistre expertise
    indemnisation franchise déclaration sinistre tempête grêle neige verglas gel
    sécheresse catastrophe naturelle arrêté interministériel fissures argile
    """
)


#: Set phrases, drawn as one unit (so that phrase queries find real adjacencies).
SET_PHRASES = [
    "conseil municipal",
    "après en avoir délibéré",
    "code général des collectivités territoriales",
    "budget primitif",
    "décision modificative",
    "maîtrise d'œuvre",
    "taxe foncière",
    "eau potable",
    "ordures ménagères",
    "salle des fêtes",
    "plan local d'urbanisme",
    "compte administratif",
    "dotation globale de fonctionnement",
    "station d'épuration",
    "éclairage public",
    "à l'unanimité",
    "restes à réaliser",
    "communauté de communes",
]

PLURAL_ENDINGS = ("s", "x", "z")
SYLLABLES = _listed(
    """
ba be bi bo bu ca ce ci co cu da de di do du fa fe fi fo ga gi go la le li lo lu ma me
mi mo mu na ne ni no nu pa pe pi po pu ra re ri ro ru sa se si so su ta te ti to tu va
ve vi vo vau ker lan gon mar ville court mont val roc bru chal fon gue lin mir nor pel
quen sol tar ven zac beau champ pré bois
"""
)


def vocabulary(rare: int, seed: int = 7) -> tuple[list[str], list[str]]:
    """The head (real words, set phrases, plurals, figures) and the tail (rare words)."""
    rnd = random.Random(seed)
    head: list[str] = []
    seen: set[str] = set()

    def add(word: str) -> None:
        if word not in seen:
            seen.add(word)
            head.append(word)

    for word in FUNCTION_WORDS[:12]:
        add(word)
    council = list(dict.fromkeys(COUNCIL_WORDS))
    # The first council words are among the most frequent; the rest are shuffled
    # with the remaining function words and the set phrases.
    for word in council[:20]:
        add(word)
    rest: list[str] = FUNCTION_WORDS[12:] + council[20:] + GENERAL_WORDS + MORE_WORDS + SET_PHRASES
    plurals = [
        w + "s"
        for w in council + GENERAL_WORDS + MORE_WORDS
        if w.isalpha() and w.islower() and not w.endswith(PLURAL_ENDINGS) and len(w) > 3
    ]
    rnd.shuffle(rest)
    rnd.shuffle(plurals)
    for word in rest:
        add(word)
    for word in plurals:
        add(word)
    for _ in range(300):  # amounts, years, article numbers
        add(
            rnd.choice(
                (
                    f"{rnd.randint(1, 999)} {rnd.randint(0, 999):03d}",
                    f"L{rnd.randint(1000, 9999)}-{rnd.randint(1, 30)}",
                    str(rnd.randint(1990, 2030)),
                )
            )
        )
    tail: list[str] = []
    seen_tail: set[str] = set()
    while len(tail) < rare:
        word = "".join(rnd.choice(SYLLABLES) for _ in range(rnd.randint(3, 4)))
        if word not in seen and word not in seen_tail:
            seen_tail.add(word)
            tail.append(word)
    return head, tail


def zipf_weights(n: int, offset: int = 0, s: float = 1.05, q: float = 2.7) -> list[float]:
    return [1.0 / (rank + q) ** s for rank in range(offset, offset + n)]


@dataclass
class PageGenerator:
    """Draws pages word by word: Zipf–Mandelbrot over the head, and over the tail.

    Pure Python is too slow to draw 65 million words one at a time, so the
    head is a table of 65,536 slots (each word taking slots in proportion to
    its probability) indexed in C by random 16-bit integers; then a share
    ``tail_share`` of the words of a page are replaced by words drawn from the
    tail with its own Zipf distribution.
    """

    head: list[str]
    tail: list[str]
    tail_share: float = 0.06
    seed: int = 11

    def __post_init__(self) -> None:
        weights = zipf_weights(len(self.head))
        total = sum(weights)
        slots = 1 << 16
        table: list[str] = []
        for word, weight in zip(self.head, weights, strict=True):
            table.extend([word] * max(1, round(weight / total * slots)))
        # Exactly 2**16 slots: trim the rarest words' excess, or pad with the commonest.
        self._table = (table + [self.head[0]] * slots)[:slots]
        self._tail_cum = list(itertools.accumulate(zipf_weights(len(self.tail))))
        self._rnd = random.Random(self.seed)

    def page(self) -> str:
        rnd = self._rnd
        n = rnd.randint(250, 400)
        words = list(itemgetter(*array("H", rnd.randbytes(2 * n)))(self._table))
        rare = int(n * self.tail_share + rnd.random())
        for position, word in zip(
            rnd.sample(range(n), rare),
            rnd.choices(self.tail, cum_weights=self._tail_cum, k=rare),
            strict=True,
        ):
            words[position] = word
        return " ".join(words)

    def pages(self, n: int) -> Iterator[str]:
        for _ in range(n):
            yield self.page()


# --- the archive -----------------------------------------------------------

FULL_PAGES = 200_000
QUICK_PAGES = 20_000
RARE_WORDS = 120_000
NOW = "2026-11-29T10:00:00+00:00"
#: Pages per write transaction while building (as an ingest would commit).
BATCH_PAGES = 2_000
DELIBERATIONS = 2_000


@dataclass
class Archive:
    db: Database
    path: Path
    pages: int
    contents: int
    documents: int
    build_s: float
    generate_s: float
    head: list[str]
    tail: list[str]


def _digest(n: int) -> str:
    return hashlib.sha256(f"contenu-{n}".encode()).hexdigest()


def build_archive(directory: Path, pages: int) -> Archive:
    """Generate ``pages`` pages into a fresh store and index them with ``index_content``.

    Contents have 1 to 19 pages (10 on average). Documents: one per content,
    except that 5% of the contents are old versions (no document points at
    them any more), 2% of the documents are removed, and 2% of the contents
    are also filed under a second name.
    """
    path = directory / "archive.sqlite3"
    db = open_database(f"sqlite:///{path}")
    head, tail = vocabulary(RARE_WORDS)
    generator = PageGenerator(head, tail)
    rnd = random.Random(5)
    build_ns = generate_ns = 0
    done = n_contents = 0
    batch: list[tuple[str, list[str]]] = []

    def flush() -> None:
        nonlocal build_ns
        with stopwatch() as t, db.writing() as conn:
            for digest, texts in batch:
                conn.execute(
                    text(
                        "INSERT INTO contents (hash, size, kind, mime, status, page_count, "
                        "created_at) VALUES (:hash, :size, 'pdf', 'application/pdf', "
                        "'viewable', :pages, :now)"
                    ),
                    {"hash": digest, "size": 40_000 * len(texts), "pages": len(texts), "now": NOW},
                )
                index_content(conn, digest, texts)
        build_ns += t[0]
        batch.clear()

    batched = 0
    while done < pages:
        count = min(pages - done, rnd.randint(1, 19))
        with stopwatch() as t:
            texts = list(generator.pages(count))
        generate_ns += t[0]
        batch.append((_digest(n_contents), texts))
        n_contents += 1
        done += count
        batched += count
        if batched >= BATCH_PAGES:
            flush()
            batched = 0
            if done % 20_000 < BATCH_PAGES:
                log(f"  {done} pages indexed…")
    if batch:
        flush()
    documents = _file_documents(db, n_contents, rnd)
    _add_deliberations(db, generator, rnd)
    return Archive(
        db, path, pages, n_contents, documents, build_ns / 1e9, generate_ns / 1e9, head, tail
    )


def _file_documents(db: Database, contents: int, rnd: random.Random) -> int:
    rows: list[dict[str, Any]] = []
    for n in range(contents):
        if rnd.random() < 0.05:
            continue  # an old version: its document now shows a newer content
        status = "removed" if rnd.random() < 0.02 else "viewable"
        year = 1995 + n * 31 // max(contents, 1)
        names = [f"archives/{year}/document-{n:06d}.pdf"]
        if rnd.random() < 0.02:
            names.append(f"archives/{year}/copie-{n:06d}.pdf")
        for name in names:
            rows.append(
                {
                    "path": name,
                    "title": f"Document {n} ({year})",
                    "status": status,
                    "hash": _digest(n),
                    "year": year,
                    "removed": NOW if status == "removed" else None,
                    "now": NOW,
                }
            )
    with db.writing() as conn:
        conn.execute(
            text(
                "INSERT INTO documents (path, category, title, status, current_hash, "
                "archive_year, created_at, updated_at, removed_at) VALUES "
                "(:path, 'archive', :title, :status, :hash, :year, :now, :now, :removed)"
            ),
            rows,
        )
    return len(rows)


def _add_deliberations(db: Database, generator: PageGenerator, rnd: random.Random) -> None:
    """Twenty years of a small council: 2,000 items with a title and a text."""
    with db.writing() as conn:
        for n in range(DELIBERATIONS):
            year = 2006 + n // 100
            words = generator.page().split()
            title = " ".join(words[: rnd.randint(4, 9)]).capitalize()
            body = " ".join(words[: rnd.randint(60, 150)])
            number = f"{year}-{n % 100 + 1:03d}"
            index_deliberation(
                conn, f"{year}-s{n // 10:03d}", f"p{n % 10 + 1}", number, title, body
            )


# --- the queries -----------------------------------------------------------


def _spell(rnd: random.Random, word: str) -> str:
    """As a user types it: mostly as written, sometimes without accents or in capitals."""
    roll = rnd.random()
    if roll < 0.2:
        return word.upper()
    if roll < 0.4:
        return fold(word)
    return word


def query_set(db: Database, head: list[str], seed: int = 13) -> dict[str, list[str]]:
    """230 queries in five classes, from the words' real page counts in the archive."""
    rnd = random.Random(seed)
    with db.engine.connect() as conn:
        counts: dict[str, int] = {
            str(t): int(n) for t, n in conn.execute(text("SELECT term, pages FROM search_terms"))
        }
        total = conn.execute(text("SELECT count(*) FROM pages")).scalar_one()

    def pages_of(word: str) -> int:
        return int(counts.get(fold(word), 0))

    singles = [w for w in head if w.isalpha() and fold(w) not in STOP_WORDS and len(w) > 3]
    common = [w for w in singles if pages_of(w) > total * 0.2]
    medium = [w for w in singles if total * 0.01 < pages_of(w) <= total * 0.2]
    rare = sorted(t for t, n in counts.items() if 1 <= n <= max(3, total // 1000) and t.isalpha())
    rnd.shuffle(rare)
    top = ["conseil", "commune", "budget", "délibération", "école", "voirie"]
    queries: dict[str, list[str]] = {
        "rare": [_spell(rnd, w) for w in rare[:60]],
        "common": top + [_spell(rnd, w) for w in rnd.sample(common, min(39, len(common)))],
        "mixed": [f"{_spell(rnd, rnd.choice(common))} {rnd.choice(rare[60:])}" for _ in range(25)]
        + [f"{_spell(rnd, rnd.choice(common))} {rnd.choice(medium + common)}" for _ in range(25)],
        "phrase": [f'"{p}"' for p in SET_PHRASES]
        + [f'"{rnd.choice(medium)} {rnd.choice(common)}"' for _ in range(12)],
        "prefix": ["budg", "délib", "commun", "conseil", "assain", "subv", "écol", "trav"]
        + [w[: rnd.randint(4, max(4, len(w) - 1))] for w in rnd.sample(common + medium, 22)]
        + [f"{rnd.choice(common)} {w[:5]}" for w in rare[100:115]],
    }
    return queries


@dataclass
class Timed:
    query: str
    ms: float
    hits: int


def run_queries(db: Database, queries: dict[str, list[str]]) -> dict[str, list[Timed]]:
    every = [q for qs in queries.values() for q in qs]
    for q in every:  # warm the page cache and the statement cache once
        search(db, q)
    timed: dict[str, list[Timed]] = {}
    for name, qs in queries.items():
        for q in qs:
            with stopwatch() as t:
                hits = search(db, q)
            timed.setdefault(name, []).append(Timed(q, t[0] / 1e6, len(hits)))
    return timed


def capped_queries(db: Database, queries: list[str]) -> int:
    """How many queries match more pages than ``RANK_WINDOW`` (ranked in the window)."""
    capped = 0
    with db.engine.connect() as conn:
        for q in queries:
            terms = parse_query(q)
            if not terms:
                continue
            match = fts_query(terms, lambda p: completions(conn, p))
            n = conn.execute(
                text(
                    "SELECT count(*) FROM (SELECT rowid FROM pages_fts "
                    "WHERE pages_fts MATCH :m LIMIT :w)"
                ),
                {"m": match, "w": RANK_WINDOW + 1},
            ).scalar_one()
            capped += n > RANK_WINDOW
    return capped


def _file_mb(path: Path) -> float:
    wal = path.with_name(path.name + "-wal")
    return (path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)) / 1e6


def _archive(ctx: BenchContext) -> Archive:
    cached = ctx.cache.get("search_archive")
    if isinstance(cached, Archive):
        return cached
    pages = QUICK_PAGES if ctx.quick else FULL_PAGES
    log(f"  generating and indexing {pages} pages…")
    archive = build_archive(ctx.workdir("search"), pages)
    ctx.cache["search_archive"] = archive
    return archive


@benchmark("search.index_build")
def index_build(ctx: BenchContext) -> Result:
    """Indexing the archive through ``index_content`` (text generation not counted).

    Target: 1 ms a page, the order of what extracting the text costs in the
    first place (sync/extract.py ``page_texts``, PyMuPDF: 0.8 ms for a page of
    2.5 kB of text here), so that indexing never dominates an ingest.
    """
    archive = _archive(ctx)
    per_page_ms = archive.build_s * 1000 / archive.pages
    return Result(
        name="search.index_build",
        value=archive.build_s,
        unit="s",
        target=archive.pages / 1000,
        better="lower",
        extra={
            "pages": archive.pages,
            "contents": archive.contents,
            "documents": archive.documents,
            "per_page_ms": per_page_ms,
            "db_mb": _file_mb(archive.path),
            "generate_s": archive.generate_s,
        },
        summary=f"{archive.pages} pages in {archive.build_s:.1f} s ({per_page_ms:.2f} ms a page)",
    )


@benchmark("search.latency_200k")
def latency_200k(ctx: BenchContext) -> Result:
    """``search()`` (20 hits, snippets, documents and deliberations) on the archive: p95."""
    archive = _archive(ctx)
    queries = query_set(archive.db, archive.head)
    timed = run_queries(archive.db, queries)
    every = [t.ms for ts in timed.values() for t in ts]
    extra: dict[str, Any] = {
        "median_ms": median(every),
        "n": len(every),
        "pages": archive.pages,
        "max_ms": max(every),
    }
    for name, ts in timed.items():
        ms = [t.ms for t in ts]
        extra[f"{name}_n"] = len(ms)
        extra[f"{name}_median_ms"] = median(ms)
        extra[f"{name}_p95_ms"] = percentile(ms, 95)
        extra[f"{name}_no_hit"] = sum(1 for t in ts if t.hits == 0)
    extra["capped_queries"] = capped_queries(archive.db, [q for qs in queries.values() for q in qs])
    slowest = sorted((t for ts in timed.values() for t in ts), key=lambda t: -t.ms)[:5]
    extra["slowest"] = [f"{t.query} {t.ms:.1f} ms" for t in slowest]
    p95 = percentile(every, 95)
    archive.db.dispose()
    return Result(
        name="search.latency_200k",
        value=p95,
        unit="ms",
        target=50.0,
        better="lower",
        extra=extra,
        summary=f"p95 {p95:.1f} ms, median {median(every):.1f} ms over {len(every)} queries",
    )
