"""The table's one configuration file (TOML), read and validated once.

Every problem names the key it is about and how to fix it, in French, so the
person setting up the table in the mairie can act on it without a developer.
Each setting is declared once below with its type, default and description;
``TABLE_APP_*`` environment variables override the file (see ``ENV_OVERRIDES``).
Secrets (certificate passwords, token PINs) are never written in the file: they
come from the environment only (see ``SECRET_VARIABLES``).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from table_app.member_pin import check_pin_setting
from table_app.signing import Pkcs11Key, Pkcs12Key, SigningKey

APP_DIR_NAME = "table-du-conseil"
ROLES = ("maire", "adjoint", "conseiller")
_MEMBER_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,39}$")

#: The default backup folder, inside the document folder (the table never
#: ingests it: sync/classify.py), and how many backups are kept by default.
BACKUP_FOLDER_NAME = "Sauvegardes"
DEFAULT_BACKUP_KEEP = 14

#: Environment variables that override a key of the file (for the kiosk unit,
#: tests and a quick try on a laptop).
ENV_OVERRIDES: Mapping[str, str] = {
    "TABLE_APP_DATABASE_URL": "database.url",
    "TABLE_APP_DOCUMENTS_FOLDER": "documents.folder",
    "TABLE_APP_DATA_DIR": "data.folder",
}

#: The secrets of the signing keys, read from the environment only.
SECRET_VARIABLES: Mapping[str, str] = {
    "TABLE_APP_SIGNING_PASSWORD": "mot de passe du certificat de la commune ([signing] certificate)",
    "TABLE_APP_SIGNING_PIN": "code PIN du jeton de la commune ([signing] token)",
    "TABLE_APP_SECRETARY_PASSWORD": "mot de passe du certificat du secrétaire ([signing.secretaire] certificate)",
    "TABLE_APP_SECRETARY_PIN": "code PIN du jeton du secrétaire ([signing.secretaire] token)",
    "TABLE_APP_SMTP_PASSWORD": "mot de passe du serveur de courriel ([smtp] user)",
}


def xdg_data_dir() -> Path:
    """Where the table keeps its data when the file says nothing."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / APP_DIR_NAME


def default_config_path() -> Path:
    """``$TABLE_APP_CONFIG``, else ``$XDG_CONFIG_HOME/table-du-conseil/config.toml``."""
    explicit = os.environ.get("TABLE_APP_CONFIG")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / APP_DIR_NAME / "config.toml"


@dataclass(frozen=True)
class Member:
    """A member of the council in office, in the order of the tableau.

    ``email`` is kept as written (``email_problem`` says what is wrong with
    it): a bad address must not stop the table, only the convocation's
    sending, which names the member. ``electronic_convocation`` is the day
    the member agreed to be convened by e-mail (L2121-10); None: on paper.
    """

    id: str
    name: str
    role: str
    rank: int
    birth_date: date | None = None
    email: str | None = None
    electronic_convocation: date | None = None
    #: the personal code that unlocks the member's private notes at a seat:
    #: its scrypt hash, or the code in clear (see ``table_app.member_pin``)
    pin: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Seat:
    """A seat screen: the display it is on and who sits there."""

    name: str
    display: str
    members: tuple[str, ...]


@dataclass(frozen=True)
class Commune:
    name: str
    department: str
    population: int
    timezone: str = "Europe/Paris"
    insee: str | None = None


#: How the connection to the mail server is protected ([smtp] security).
SMTP_SECURITY = ("starttls", "ssl", "aucune")
_SMTP_DEFAULT_PORT = {"starttls": 587, "ssl": 465, "aucune": 25}


@dataclass(frozen=True)
class SmtpSettings:
    """The mairie's mail server, for the convocations ([smtp]).

    ``password`` comes from ``TABLE_APP_SMTP_PASSWORD`` only, never the file.
    """

    host: str
    port: int
    security: str  # one of SMTP_SECURITY
    sender: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0


@dataclass(frozen=True)
class Config:
    """The whole validated configuration.

    Attributes:
        commune: name, department, population (the notice period depends on it).
        members: the members in office, in the order of the tableau.
        master_display: connector name of the mayor's screen (``QScreen.name()``).
        seats: the seat screens.
        documents_folder: the folder the cloud client or the scanner fills.
        data_dir: where the database, exports and caches go.
        database_url: any SQLAlchemy URL; SQLite in ``data_dir`` by default.
        signing_key: the commune's key (PKCS#12 file or PKCS#11 token) that signs
            the exported deliberations; ``None``: a self-signed one is made.
        secretary_key: the secretary's own key, for a second signature; or ``None``.
        admin_pin: the code that lets an administrator leave the kiosk.
        backup_folder: where ``table-app backup`` writes (``[backup] folder``;
            default: ``Sauvegardes`` inside the document folder, the one folder
            the cloud client is known to carry off the table's PC).
        backup_keep: how many backups are kept (``[backup] keep``, default 14).
        printer: the CUPS queue the table prints on (``[printing] printer``);
            ``None``: CUPS's default printer is offered first.
        smtp: the mail server the convocations are sent through (``[smtp]``),
            or ``None``: no e-mail (the convocation only goes to the folders).
        source: the file this was read from, if any.
    """

    commune: Commune
    members: tuple[Member, ...]
    master_display: str
    seats: tuple[Seat, ...]
    documents_folder: Path
    data_dir: Path
    database_url: str
    signing_key: SigningKey | None = None
    secretary_key: SigningKey | None = None
    admin_pin: str | None = None
    backup_folder: Path | None = None
    backup_keep: int = DEFAULT_BACKUP_KEEP
    printer: str | None = None
    smtp: SmtpSettings | None = None
    source: Path | None = None
    _by_id: dict[str, Member] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_id.update({m.id: m for m in self.members})

    def member(self, member_id: str) -> Member:
        return self._by_id[member_id]

    @property
    def mayor(self) -> Member:
        return next(m for m in self.members if m.role == "maire")

    @property
    def backups(self) -> Path:
        """The backup folder: ``[backup] folder``, else ``<documents>/Sauvegardes``."""
        if self.backup_folder is not None:
            return self.backup_folder
        return self.documents_folder / BACKUP_FOLDER_NAME


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong in the file: the key, what is wrong, how to fix it."""

    key: str
    message: str
    fix: str
    severity: str = "erreur"  # or "attention": the table still starts

    def __str__(self) -> str:
        return f"{self.key} : {self.message}\n    → {self.fix}"


class ConfigError(Exception):
    """The file cannot be used; ``problems`` says every reason at once."""

    def __init__(self, path: Path | None, problems: list[ConfigProblem]) -> None:
        self.path = path
        self.problems = problems
        where = f" ({path})" if path else ""
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"Configuration invalide{where} :\n{lines}")


class _Reader:
    """Collects problems while reading typed values out of the TOML tree."""

    def __init__(self, base_dir: Path) -> None:
        self.base_dir = base_dir
        self.problems: list[ConfigProblem] = []

    def error(self, key: str, message: str, fix: str) -> None:
        self.problems.append(ConfigProblem(key, message, fix))

    def warn(self, key: str, message: str, fix: str) -> None:
        self.problems.append(ConfigProblem(key, message, fix, "attention"))

    def table(self, data: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any]:
        value = data.get(key)
        if value is None:
            self.error(path, "section absente", f"ajoutez une section [{path}] au fichier")
            return {}
        if not isinstance(value, dict):
            self.error(path, "doit être une section", f"écrivez-la sous la forme [{path}]")
            return {}
        return value

    def text(
        self, data: Mapping[str, Any], key: str, path: str, fix: str, default: str | None = None
    ) -> str:
        value = data.get(key, default)
        if value is None:
            self.error(path, "valeur manquante", fix)
            return ""
        if not isinstance(value, str) or not value.strip():
            self.error(path, f"doit être un texte non vide (trouvé : {value!r})", fix)
            return ""
        return value.strip()

    def path(self, raw: str) -> Path:
        p = Path(os.path.expandvars(raw)).expanduser()
        return p if p.is_absolute() else (self.base_dir / p)


def load_config(path: Path | None = None, *, env: Mapping[str, str] | None = None) -> Config:
    """Read and validate the file; raise ``ConfigError`` listing every error."""
    config, problems = check_config(path, env=env)
    errors = [p for p in problems if p.severity == "erreur"]
    if config is None or errors:
        raise ConfigError(path, errors)
    return config


def check_config(
    path: Path | None = None, *, env: Mapping[str, str] | None = None
) -> tuple[Config | None, list[ConfigProblem]]:
    """Validate the file and return the config (if usable) and all problems."""
    path = path or default_config_path()
    env = os.environ if env is None else env
    if not path.exists():
        return None, [
            ConfigProblem(
                str(path),
                "fichier de configuration introuvable",
                "créez-le à partir de resources/demo/commune.toml, ou indiquez son chemin "
                "(table-app check CHEMIN, ou la variable TABLE_APP_CONFIG)",
            )
        ]
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return None, [
            ConfigProblem(
                str(path),
                f"le fichier n'est pas du TOML valide ({exc})",
                "corrigez la ligne indiquée (guillemets, crochets, signe =)",
            )
        ]
    return check_config_text(text, path, env=env)


def check_config_text(
    text: str, path: Path, *, env: Mapping[str, str] | None = None
) -> tuple[Config | None, list[ConfigProblem]]:
    """Validate ``text`` as if it were the file at ``path`` (relative paths are
    read from its folder): what ``check_config`` says of a file about to be
    written, before it is (the master screen's Administration)."""
    env = os.environ if env is None else env
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return None, [
            ConfigProblem(
                str(path),
                f"le fichier n'est pas du TOML valide ({exc})",
                "corrigez la ligne indiquée (guillemets, crochets, signe =)",
            )
        ]
    return parse_config(data, base_dir=path.parent, source=path, env=env)


def parse_config(
    data: Mapping[str, Any],
    *,
    base_dir: Path,
    source: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> tuple[Config | None, list[ConfigProblem]]:
    """Validate an already parsed TOML tree (see ``check_config``).

    Relative paths are read from ``base_dir`` made absolute: a configuration
    named from its own folder (``--config config.toml``) gave relative data
    folder and database paths, and ``table-app ingest`` then refused every
    document as « introuvable ».
    """
    env = os.environ if env is None else env
    base_dir = base_dir.absolute()
    r = _Reader(base_dir)
    commune = _read_commune(r, r.table(data, "commune", "commune"))
    members = _read_members(r, data.get("members"))
    member_ids = {m.id for m in members}
    master_display, seats = _read_displays(r, data, member_ids)

    documents = data.get("documents", {})
    folder_raw = env.get("TABLE_APP_DOCUMENTS_FOLDER") or (
        documents.get("folder") if isinstance(documents, dict) else None
    )
    if not isinstance(folder_raw, str) or not folder_raw.strip():
        r.error(
            "documents.folder",
            "dossier des documents non indiqué",
            'ajoutez [documents] folder = "/chemin/du/dossier/synchronisé"',
        )
        documents_folder = base_dir
    else:
        documents_folder = r.path(folder_raw)
        if not documents_folder.is_dir():
            r.warn(
                "documents.folder",
                f"le dossier {documents_folder} n'existe pas (encore)",
                "vérifiez le chemin, ou lancez le client de synchronisation qui le crée",
            )

    data_section = data.get("data", {})
    data_raw = env.get("TABLE_APP_DATA_DIR") or (
        data_section.get("folder") if isinstance(data_section, dict) else None
    )
    data_dir = r.path(data_raw) if isinstance(data_raw, str) and data_raw else xdg_data_dir()

    database = data.get("database", {})
    url = env.get("TABLE_APP_DATABASE_URL") or (
        database.get("url") if isinstance(database, dict) else None
    )
    if url is None:
        url = f"sqlite:///{data_dir / 'conseil.sqlite3'}"
    elif not isinstance(url, str) or "://" not in url:
        r.error(
            "database.url",
            f"adresse de base de données invalide : {url!r}",
            'laissez la clé vide pour SQLite, ou écrivez une URL SQLAlchemy : "sqlite:////chemin/conseil.sqlite3"',
        )
        url = f"sqlite:///{data_dir / 'conseil.sqlite3'}"

    signing_key, secretary_key = _read_signing(r, data.get("signing"), env)
    kiosk = data.get("kiosk", {})
    pin = kiosk.get("admin_pin") if isinstance(kiosk, dict) else None
    if pin is not None and (not isinstance(pin, str) or not re.fullmatch(r"[0-9]{4,12}", pin)):
        r.error(
            "kiosk.admin_pin",
            "code administrateur invalide",
            'de 4 à 12 chiffres entre guillemets : admin_pin = "482913"',
        )
        pin = None
    backup_folder, backup_keep = _read_backup(r, data.get("backup"), data_dir)
    printer = _read_printing(r, data.get("printing"))
    smtp = _read_smtp(r, data.get("smtp"), env)

    if r.problems and any(p.severity == "erreur" for p in r.problems):
        return None, r.problems
    config = Config(
        commune=commune,
        members=tuple(members),
        master_display=master_display,
        seats=tuple(seats),
        documents_folder=documents_folder,
        data_dir=data_dir,
        database_url=url,
        signing_key=signing_key,
        secretary_key=secretary_key,
        admin_pin=pin,
        backup_folder=backup_folder,
        backup_keep=backup_keep,
        printer=printer,
        smtp=smtp,
        source=source,
    )
    return config, r.problems


_BACKUP_KEYS = ("folder", "keep")


def _read_backup(r: _Reader, raw: object, data_dir: Path) -> tuple[Path | None, int]:
    """[backup] folder, keep: where the nightly backups go and how many are kept."""
    if raw is None:
        return None, DEFAULT_BACKUP_KEEP
    if not isinstance(raw, dict):
        r.error(
            "backup",
            "doit être une section",
            'écrivez-la sous la forme [backup] puis folder = "/chemin/synchronisé/Sauvegardes"',
        )
        return None, DEFAULT_BACKUP_KEEP
    for name in raw:
        if name not in _BACKUP_KEYS:
            r.warn(
                f"backup.{name}",
                "clé inconnue, ignorée",
                "clés possibles : folder (dossier des sauvegardes) et keep (nombre gardé)",
            )
    folder: Path | None = None
    folder_raw = raw.get("folder")
    if folder_raw is not None:
        if not isinstance(folder_raw, str) or not folder_raw.strip():
            r.error(
                "backup.folder",
                f"doit être un chemin de dossier (trouvé : {folder_raw!r})",
                'folder = "/home/conseil/Nextcloud/Sauvegardes", ou supprimez la clé pour '
                "le dossier Sauvegardes du dossier des documents",
            )
        else:
            folder = r.path(folder_raw.strip())
            if folder.exists() and not folder.is_dir():
                r.error(
                    "backup.folder",
                    f"{folder} existe mais n'est pas un dossier",
                    "indiquez un dossier (il est créé s'il n'existe pas)",
                )
            elif folder == data_dir or data_dir in folder.parents:
                r.warn(
                    "backup.folder",
                    f"le dossier des sauvegardes {folder} est dans le dossier de données de "
                    "la table : une panne du disque les perdrait avec la base",
                    "choisissez un dossier synchronisé par le client cloud (par défaut : "
                    "Sauvegardes dans le dossier des documents)",
                )
    keep = raw.get("keep", DEFAULT_BACKUP_KEEP)
    if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
        r.error(
            "backup.keep",
            f"nombre de sauvegardes gardées invalide : {keep!r}",
            f"un nombre entier d'au moins 1, sans guillemets : keep = {DEFAULT_BACKUP_KEEP} "
            "(les plus anciennes au-delà sont supprimées)",
        )
        keep = DEFAULT_BACKUP_KEEP
    return folder, keep


#: What CUPS refuses in a queue's name (lpadmin(8)): spaces, "/", "#", and control characters.
_CUPS_QUEUE = re.compile(r"^[^\s/#\x00-\x1f\x7f]{1,127}$")


def _read_printing(r: _Reader, raw: object) -> str | None:
    """[printing] printer: the CUPS queue the table prints on."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        r.error(
            "printing",
            "doit être une section",
            'écrivez-la sous la forme [printing] puis printer = "Imprimante_Mairie"',
        )
        return None
    for name in raw:
        if name != "printer":
            r.warn(
                f"printing.{name}",
                "clé inconnue, ignorée",
                "clé possible : printer (le nom de l'imprimante dans CUPS)",
            )
    printer = raw.get("printer")
    if printer is None:
        return None
    if not isinstance(printer, str) or not _CUPS_QUEUE.match(printer.strip()):
        r.error(
            "printing.printer",
            f"nom d'imprimante invalide : {printer!r}",
            "le nom de la file d'impression dans CUPS, sans espace, « / » ni « # » "
            '(lpstat -p les affiche) : printer = "Imprimante_Mairie", ou supprimez la clé '
            "pour l'imprimante par défaut",
        )
        return None
    return printer.strip()


_EMAIL = re.compile(r"^[^@\s<>(),;:\"\[\]\\]+@[^@\s<>(),;:\"\[\]\\]+\.[^@\s<>(),;:\"\[\]\\.]{2,}$")


def email_problem(address: str | None) -> str | None:
    """What is wrong with an e-mail address, in French, or None when it will do."""
    if address is None or not address.strip():
        return "aucune adresse de courriel"
    text = address.strip()
    if not _EMAIL.match(text) or ".." in text or text.startswith(".") or ".@" in text:
        return f"adresse de courriel invalide : « {text} »"
    if not text.isascii():
        return f"adresse de courriel avec des lettres accentuées, refusée par la plupart des serveurs : « {text} »"
    return None


def _read_convocation(
    r: _Reader, entry: Mapping[str, Any], key: str, who: str
) -> tuple[str | None, date | None]:
    """A member's e-mail and the day they agreed to the electronic convocation.

    Problems are warnings: the table still starts, and the convocation's
    sending refuses, naming the member, until they are fixed."""
    raw = entry.get("email")
    email: str | None = None
    if raw is not None:
        if not isinstance(raw, str):
            r.warn(
                f"{key}.email",
                f"adresse de courriel de {who} invalide : {raw!r}",
                'écrivez-la entre guillemets : email = "jeanne.martin@exemple.fr"',
            )
        else:
            email = raw.strip() or None
            problem = email_problem(email) if email else None
            if problem is not None:
                r.warn(
                    f"{key}.email",
                    f"{problem} ({who})",
                    'corrigez-la : email = "jeanne.martin@exemple.fr" ; tant qu\'elle est '
                    "fausse, la convocation n'est envoyée à personne",
                )
    raw_consent = entry.get("convocation_electronique")
    consent: date | None = None
    if isinstance(raw_consent, date) and not isinstance(raw_consent, datetime):
        consent = raw_consent
    elif raw_consent is not None:
        r.warn(
            f"{key}.convocation_electronique",
            f"date de l'accord de {who} pour la convocation électronique invalide : "
            f"{raw_consent!r}",
            "écrivez la date de sa demande, sans guillemets : convocation_electronique = "
            "2026-01-15 ; supprimez la clé pour une convocation sur papier",
        )
    if consent is not None and email is None:
        r.warn(
            f"{key}.email",
            f"{who} a accepté la convocation électronique (convocation_electronique) mais "
            "n'a pas d'adresse de courriel",
            'ajoutez email = "…" à son bloc [[members]] ; sans elle, la convocation n\'est '
            "envoyée à personne",
        )
    return email, consent


def _read_smtp(r: _Reader, raw: object, env: Mapping[str, str]) -> SmtpSettings | None:
    """[smtp] host, port, security, user, sender (password: TABLE_APP_SMTP_PASSWORD)."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        r.error(
            "smtp",
            "doit être une section",
            'écrivez-la sous la forme [smtp] puis host = "smtp.exemple.fr"',
        )
        return None
    known = ("host", "port", "security", "user", "sender", "timeout")
    for name in raw:
        if name not in known:
            r.warn(
                f"smtp.{name}",
                "clé inconnue, ignorée"
                + (" (le mot de passe ne s'écrit jamais ici)" if "pass" in name else ""),
                "clés possibles : host, port, security (starttls, ssl ou aucune), user, sender, "
                "timeout ; le mot de passe va dans la variable TABLE_APP_SMTP_PASSWORD",
            )
    ok = True
    host = raw.get("host")
    if not isinstance(host, str) or not host.strip() or any(c.isspace() for c in host.strip()):
        r.error(
            "smtp.host",
            "serveur de courriel non indiqué" if host is None else f"serveur invalide : {host!r}",
            'le nom du serveur d\'envoi de la messagerie de la mairie : host = "smtp.exemple.fr"',
        )
        ok = False
    security = raw.get("security", "starttls")
    if security not in SMTP_SECURITY:
        r.error(
            "smtp.security",
            f"protection de la connexion inconnue : {security!r}",
            'security = "starttls" (port 587), "ssl" (port 465) ou "aucune" (réseau de la '
            "mairie seulement)",
        )
        ok = False
        security = "starttls"
    port = raw.get("port", _SMTP_DEFAULT_PORT[str(security)])
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        r.error(
            "smtp.port",
            f"port invalide : {port!r}",
            "un nombre sans guillemets : port = 587 (starttls), 465 (ssl) ou 25",
        )
        ok = False
    sender = raw.get("sender")
    problem = email_problem(sender if isinstance(sender, str) else None)
    if problem is not None:
        r.error(
            "smtp.sender",
            "adresse de l'expéditeur manquante" if sender is None else problem,
            'l\'adresse de la mairie qui envoie les convocations : sender = "mairie@exemple.fr"',
        )
        ok = False
    user = raw.get("user")
    if user is not None and (not isinstance(user, str) or not user.strip()):
        r.error(
            "smtp.user",
            f"identifiant invalide : {user!r}",
            "l'identifiant du compte d'envoi : user = \"mairie@exemple.fr\", ou supprimez la clé",
        )
        ok = False
    timeout = raw.get("timeout", 30)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        r.error(
            "smtp.timeout",
            f"délai invalide : {timeout!r}",
            "un nombre de secondes : timeout = 30",
        )
        ok = False
    password = env.get("TABLE_APP_SMTP_PASSWORD") or None
    if ok and isinstance(user, str) and password is None:
        r.warn(
            "smtp.user",
            "mot de passe du serveur de courriel absent (variable TABLE_APP_SMTP_PASSWORD)",
            "définissez TABLE_APP_SMTP_PASSWORD dans l'environnement du service (jamais dans "
            "ce fichier)",
        )
    if not ok:
        return None
    assert isinstance(host, str)
    assert isinstance(sender, str)
    assert isinstance(port, int)
    return SmtpSettings(
        host=host.strip(),
        port=port,
        security=str(security),
        sender=sender.strip(),
        user=user.strip() if isinstance(user, str) else None,
        password=password,
        timeout=float(timeout),
    )


def _read_commune(r: _Reader, section: Mapping[str, Any]) -> Commune:
    name = r.text(section, "name", "commune.name", 'écrivez le nom : name = "Saint-Martin"')
    department = r.text(
        section,
        "department",
        "commune.department",
        'écrivez le département : department = "Creuse"',
    )
    population = section.get("population")
    if isinstance(population, bool) or not isinstance(population, int) or population <= 0:
        r.error(
            "commune.population",
            f"population invalide : {population!r}",
            "écrivez le nombre d'habitants (population municipale), par exemple population = 677 ;"
            " il fixe le délai de convocation (3 ou 5 jours francs)",
        )
        population = 1
    tz = section.get("timezone", "Europe/Paris")
    try:
        ZoneInfo(str(tz))
    except (ZoneInfoNotFoundError, ValueError):
        r.error(
            "commune.timezone",
            f"fuseau horaire inconnu : {tz!r}",
            'écrivez par exemple timezone = "Europe/Paris" (ou "America/Cayenne" outre-mer)',
        )
        tz = "Europe/Paris"
    insee = section.get("insee")
    if insee is not None and (not isinstance(insee, str) or not re.fullmatch(r"[0-9AB]{5}", insee)):
        r.error(
            "commune.insee", f"code INSEE invalide : {insee!r}", 'cinq caractères : insee = "23176"'
        )
        insee = None
    return Commune(name, department, population, str(tz), insee)


def _read_members(r: _Reader, raw: object) -> list[Member]:
    if not isinstance(raw, list) or not raw:
        r.error(
            "members",
            "aucun membre en exercice",
            'ajoutez un bloc [[members]] par élu : id = "jmartin", name = "Jeanne Martin", role = "maire"',
        )
        return []
    members: list[Member] = []
    seen: set[str] = set()
    for index, entry in enumerate(raw):
        key = f"members[{index + 1}]"
        if not isinstance(entry, dict):
            r.error(
                key, "doit être un bloc [[members]]", "écrivez chaque élu dans un bloc [[members]]"
            )
            continue
        member_id = r.text(entry, "id", f"{key}.id", 'un identifiant court : id = "jmartin"')
        if member_id and not _MEMBER_ID.match(member_id):
            r.error(
                f"{key}.id",
                f"identifiant « {member_id} » invalide",
                "minuscules sans accent, chiffres, point, tiret ou souligné (ex. « jmartin »)",
            )
        if member_id in seen:
            r.error(
                f"{key}.id",
                f"identifiant « {member_id} » en double",
                "donnez un id unique à chaque élu",
            )
        seen.add(member_id)
        name = r.text(entry, "name", f"{key}.name", 'le nom affiché : name = "Jeanne Martin"')
        role = entry.get("role")
        if role not in ROLES:
            r.error(
                f"{key}.role",
                f"rôle {role!r} inconnu",
                'écrivez role = "maire", "adjoint" ou "conseiller"',
            )
            role = "conseiller"
        birth = entry.get("birth_date")
        birth_date: date | None = None
        if isinstance(birth, date):
            birth_date = birth
        elif birth is not None:
            r.error(
                f"{key}.birth_date",
                f"date de naissance invalide : {birth!r}",
                "écrivez-la sans guillemets : birth_date = 1961-03-14 (sert à départager une nomination)",
            )
        email, consent = _read_convocation(r, entry, key, name or member_id)
        pin, pin_problem = check_pin_setting(entry.get("pin"), name or member_id)
        if pin_problem is not None:
            r.problems.append(
                ConfigProblem(
                    f"{key}.pin", pin_problem.message, pin_problem.fix, pin_problem.severity
                )
            )
        members.append(
            Member(member_id, name, str(role), index + 1, birth_date, email, consent, pin=pin)
        )
    mayors = [m for m in members if m.role == "maire"]
    if len(mayors) != 1:
        r.error(
            "members",
            f'{len(mayors)} membre(s) avec role = "maire"',
            "indiquez exactement un maire parmi les membres",
        )
    return members


def _read_displays(
    r: _Reader, data: Mapping[str, Any], member_ids: set[str]
) -> tuple[str, list[Seat]]:
    master = data.get("master", {})
    master_display = ""
    if isinstance(master, dict) and isinstance(master.get("display"), str):
        master_display = master["display"]
    else:
        r.error(
            "master.display",
            "écran du maire non indiqué",
            'ajoutez [master] display = "DP-1" (nom du connecteur, voir table-app run --list-screens)',
        )
    raw = data.get("seats", [])
    seats: list[Seat] = []
    if not isinstance(raw, list):
        r.error(
            "seats", "doit être une liste de blocs [[seats]]", "écrivez un bloc [[seats]] par écran"
        )
        return master_display, seats
    displays = {master_display} if master_display else set()
    placed: dict[str, str] = {}
    for index, entry in enumerate(raw):
        key = f"seats[{index + 1}]"
        if not isinstance(entry, dict):
            r.error(
                key, "doit être un bloc [[seats]]", "écrivez chaque écran dans un bloc [[seats]]"
            )
            continue
        name = str(entry.get("name") or f"Siège {index + 1}")
        display = r.text(
            entry, "display", f"{key}.display", 'le connecteur de l\'écran : display = "HDMI-A-1"'
        )
        if display and display in displays:
            r.error(
                f"{key}.display",
                f"l'écran « {display} » est déjà utilisé",
                "un connecteur par écran",
            )
        displays.add(display)
        sitting = entry.get("members", [])
        if not isinstance(sitting, list) or not all(isinstance(m, str) for m in sitting):
            r.error(
                f"{key}.members",
                "doit être une liste d'identifiants",
                'members = ["jmartin", "pdurand"]',
            )
            sitting = []
        for member_id in sitting:
            if member_id not in member_ids:
                r.error(
                    f"{key}.members",
                    f"« {member_id} » n'est pas un membre déclaré",
                    "utilisez l'id d'un bloc [[members]]",
                )
            elif member_id in placed:
                r.error(
                    f"{key}.members",
                    f"« {member_id} » est déjà assis à « {placed[member_id]} »",
                    "un élu n'a qu'une place",
                )
            placed[member_id] = name
        seats.append(Seat(name, display, tuple(sitting)))
    return master_display, seats


_SIGNING_KEYS = ("certificate", "pkcs11_module", "token", "key", "certificate_label")
_TOKEN_KEYS = ("pkcs11_module", "token", "key", "certificate_label")


@dataclass(frozen=True)
class _Signer:
    """What differs between the commune's key and the secretary's."""

    section: str  # "signing" or "signing.secretaire"
    password_variable: str
    pin_variable: str
    example_certificate: str


_COMMUNE = _Signer(
    "signing", "TABLE_APP_SIGNING_PASSWORD", "TABLE_APP_SIGNING_PIN", "signature.p12"
)
_SECRETARY = _Signer(
    "signing.secretaire",
    "TABLE_APP_SECRETARY_PASSWORD",
    "TABLE_APP_SECRETARY_PIN",
    "secretaire.p12",
)


def _read_signing(
    r: _Reader, raw: object, env: Mapping[str, str]
) -> tuple[SigningKey | None, SigningKey | None]:
    """[signing]: the commune's key, and [signing.secretaire]: the secretary's."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        r.error(
            "signing",
            "doit être une section",
            'écrivez-la sous la forme [signing] puis certificate = "signature.p12"',
        )
        return None, None
    for name in raw:
        if name not in (*_SIGNING_KEYS, "secretaire"):
            r.warn(
                f"signing.{name}",
                "clé inconnue, ignorée",
                "clés possibles : certificate (fichier PKCS#12), ou pkcs11_module, token, key "
                "et certificate_label (jeton PKCS#11), et la section [signing.secretaire]",
            )
    commune: SigningKey | None = None
    if any(name in raw for name in _SIGNING_KEYS):
        commune = _read_key(r, raw, _COMMUNE, env)
    else:
        r.warn(
            "signing.certificate",
            "aucun certificat de signature",
            "un certificat auto-signé, non qualifié, sera créé pour la commune : pour signer avec "
            'le certificat RGS de la mairie, ajoutez [signing] certificate = "signature.p12", ou '
            'pour une clé USB ou une carte : pkcs11_module = "…", token = "…", key = "…"',
        )
    secretary: SigningKey | None = None
    section = raw.get("secretaire")
    if section is not None:
        if not isinstance(section, dict):
            r.error(
                "signing.secretaire",
                "doit être une section",
                'écrivez-la sous la forme [signing.secretaire] puis certificate = "secretaire.p12"',
            )
        else:
            for name in section:
                if name not in _SIGNING_KEYS:
                    r.warn(
                        f"signing.secretaire.{name}",
                        "clé inconnue, ignorée",
                        "clés possibles : certificate, ou pkcs11_module, token, key et "
                        "certificate_label",
                    )
            secretary = _read_key(r, section, _SECRETARY, env)
    return commune, secretary


def _read_key(
    r: _Reader, section: Mapping[str, Any], who: _Signer, env: Mapping[str, str]
) -> SigningKey | None:
    """One key: a PKCS#12 file (certificate) or a token (pkcs11_module, token, key)."""
    prefix = who.section
    has_file = "certificate" in section
    has_token = any(name in section for name in _TOKEN_KEYS)
    if has_file and has_token:
        r.error(
            f"{prefix}.certificate",
            "un fichier PKCS#12 et un jeton PKCS#11 sont indiqués ensemble",
            f'gardez soit certificate = "{who.example_certificate}", soit pkcs11_module, '
            "token et key (clé USB ou carte)",
        )
        return None
    if not has_file and not has_token:
        r.error(
            prefix,
            "section vide",
            f'indiquez certificate = "{who.example_certificate}", ou pkcs11_module, token et key',
        )
        return None
    if has_file:
        raw = section.get("certificate")
        if not isinstance(raw, str) or not raw.strip():
            r.error(
                f"{prefix}.certificate",
                "doit être un chemin de fichier",
                f'certificate = "{who.example_certificate}"',
            )
            return None
        cert = r.path(raw.strip())
        if not cert.is_file():
            r.error(
                f"{prefix}.certificate",
                f"fichier {cert} introuvable",
                "copiez le certificat PKCS#12 (.p12) à cet endroit, ou corrigez le chemin",
            )
        password = env.get(who.password_variable)
        return Pkcs12Key(cert, password.encode("utf-8") if password else None)
    return _read_token(r, section, who, env)


def _read_token(
    r: _Reader, section: Mapping[str, Any], who: _Signer, env: Mapping[str, str]
) -> Pkcs11Key | None:
    prefix = who.section
    ok = True
    module_raw = section.get("pkcs11_module")
    module = Path()
    if not isinstance(module_raw, str) or not module_raw.strip():
        r.error(
            f"{prefix}.pkcs11_module",
            "module PKCS#11 non indiqué",
            "le pilote de la clé USB ou du lecteur de carte, par exemple "
            'pkcs11_module = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so" (paquet opensc)',
        )
        ok = False
    else:
        module = r.path(module_raw.strip())
        if not module.is_file():
            r.error(
                f"{prefix}.pkcs11_module",
                f"module PKCS#11 {module} introuvable",
                "installez le pilote fourni avec la clé ou la carte (souvent le paquet opensc), "
                "ou corrigez le chemin",
            )
    token = section.get("token")
    if not isinstance(token, str) or not token.strip():
        r.error(
            f"{prefix}.token",
            "nom du jeton non indiqué" if token is None else f"nom de jeton invalide : {token!r}",
            'le nom (label) de la clé USB ou de la carte : token = "Mairie" '
            "(pkcs11-tool --list-slots l'affiche)",
        )
        ok = False
    key = section.get("key")
    if not isinstance(key, str) or not key.strip():
        r.error(
            f"{prefix}.key",
            "nom de la clé non indiqué" if key is None else f"nom de clé invalide : {key!r}",
            'le nom (label) de la clé privée sur le jeton : key = "signature" '
            "(pkcs11-tool --list-objects --login l'affiche)",
        )
        ok = False
    label = section.get("certificate_label")
    if label is not None and (not isinstance(label, str) or not label.strip()):
        r.error(
            f"{prefix}.certificate_label",
            f"nom de certificat invalide : {label!r}",
            "supprimez la clé (le certificat de même identifiant que la clé est pris) ou "
            'écrivez certificate_label = "Certificat de signature"',
        )
        ok = False
    pin = env.get(who.pin_variable) or None
    if ok and pin is None:
        r.warn(
            f"{prefix}.token",
            f"code PIN du jeton absent (variable {who.pin_variable})",
            f"définissez {who.pin_variable} dans l'environnement du service (jamais dans ce "
            "fichier), sauf si le lecteur a son propre clavier pour le code",
        )
    if not ok:
        return None
    assert isinstance(token, str)
    assert isinstance(key, str)
    return Pkcs11Key(
        module=module,
        token_label=token.strip(),
        key_label=key.strip(),
        cert_label=label.strip() if isinstance(label, str) else None,
        pin=pin,
    )


def placeholder_config() -> Config:
    """A minimal configuration for reading a journal when none is installed."""
    return Config(
        commune=Commune("(commune)", "", 1),
        members=(Member("maire", "Maire", "maire", 1),),
        master_display="",
        seats=(),
        documents_folder=Path("."),
        data_dir=Path("."),
        database_url="sqlite://",
    )
