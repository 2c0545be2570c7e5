"""Signing council PDFs (minutes, deliberations) and checking their signatures.

The mairie signs with a PAdES baseline B-B signature made by pyHanko, with a
``SigningKey``: a PKCS#12 file (``Pkcs12Key``) or a key on a PKCS#11 token, the
commune's RGS certificate on a USB key or a smart card (``Pkcs11Key``). A second
signature (the secretary's) is added as an incremental update and leaves the
first valid (``sign_register_pdf`` does both).

A signature may be visible: its widget is placed on a signature box of the last
page (where the handwritten signature is drawn by the page content), with a
small stamp « Signé électroniquement par … le … » in an embedded font (DejaVu
Serif, for PDF/A-2b) and no background, so the handwriting stays visible.

When the mairie has no qualified certificate, ``create_self_signed`` makes a
self-signed one. Such a signature proves that the file has not changed since it
was signed; it does not prove who signed it in the sense of the RGS or eIDAS
(see ``SELF_SIGNED_NOTICE``, shown to the users whenever it applies).

Opening a key is the slow part: a PKCS#12 file is read once per process (and
again when it changes); a PKCS#11 session is opened and logged in once for a
run of signatures and closed ``PKCS11_IDLE_SECONDS`` after the last one (or by
``close_signing_sessions``, and at exit).

``verify_pdf`` checks every signature of a file without any network access and
without revocation checking: each signer's own certificate is taken as its
trust root, so the check is about integrity and coverage, not identity.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import hashlib
import logging
import re
import threading
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any, Protocol, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from table_app.atomic_files import atomic_write_bytes

log = logging.getLogger("table_app.signing")

SELF_SIGNED_NOTICE = (
    "Attention : certificat auto-signé, non qualifié : il prouve que le fichier n'a pas "
    "changé, pas l'identité du signataire au sens du RGS / eIDAS."
)

VALIDITY = timedelta(days=3 * 365)
#: Room kept in the PDF for the CMS signature container, in hexadecimal digits
#: (16 KiB of DER). Without it pyHanko signs twice, the first time only to
#: measure (a third of the signing time); an RSA-4096 signature with a chain of
#: three certificates takes under 8 KiB. Should a container not fit, the
#: signature is made again with pyHanko's own estimate.
SIGNATURE_BYTES = 32 * 1024

#: The font of the visible stamp, embedded (subset) in the signed PDF.
STAMP_FONT = Path(__file__).resolve().parents[1] / "resources" / "fonts" / "DejaVuSerif.ttf"
STAMP_FONT_SIZE = 7
STAMP_TEXT = "Signé électroniquement par %(signer)s\nle %(quand)s"
#: Basic Latin, Latin-1, Latin Extended-A (œ, ł, ş…), typographic punctuation, €.
STAMP_CHARACTERS = [*range(0x20, 0x7F), *range(0xA0, 0x180), *range(0x2010, 0x2027), 0x20AC]

#: A PKCS#11 session stays open (and logged in) this long after its last signature.
PKCS11_IDLE_SECONDS = 30.0


class _Rect(Protocol):
    """What ``pymupdf.Rect`` offers."""

    @property
    def x0(self) -> float: ...
    @property
    def y0(self) -> float: ...
    @property
    def x1(self) -> float: ...
    @property
    def y1(self) -> float: ...


#: A rectangle in points, PyMuPDF's convention: origin at the top-left corner of
#: the page, y downwards: a ``pymupdf.Rect`` or a tuple (x0, y0, x1, y1).
Box = _Rect | tuple[float, float, float, float]


class SigningError(Exception):
    """A signing or verification problem, with a French message for the user."""


@dataclass(frozen=True)
class Pkcs12Key:
    """A key and its certificate in a PKCS#12 file (.p12 / .pfx)."""

    path: Path
    passphrase: bytes | None = field(default=None, repr=False)

    def __str__(self) -> str:
        return f"le certificat {self.path}"


@dataclass(frozen=True)
class Pkcs11Key:
    """A key on a PKCS#11 token (USB key, smart card, HSM).

    ``module`` is the token's PKCS#11 library, ``token_label`` the token's
    label, ``key_label`` the private key's label. The certificate is the one
    labelled ``cert_label``, else the one with the key's ID (CKA_ID), else the
    one labelled like the key. With no ``pin``, the reader's own PIN pad is
    used if it has one (protected authentication path).
    """

    module: Path
    token_label: str
    key_label: str
    cert_label: str | None = None
    pin: str | None = field(default=None, repr=False)

    def __str__(self) -> str:
        return f"la clé « {self.key_label} » du jeton « {self.token_label} »"


SigningKey = Pkcs12Key | Pkcs11Key


@dataclass(frozen=True)
class RegisterSigners:
    """Who signs an act of the register: the mayor (or the commune), then, when
    a key is configured for them, the secretary of the session."""

    mayor: SigningKey
    secretary: SigningKey | None = None


@dataclass(frozen=True)
class SignatureReport:
    """What a user needs to know about one signature of a PDF."""

    field_name: str
    signer_name: str
    signing_time: datetime | None
    fingerprint: str  # SHA-256 of the certificate, "AB:CD:…"
    issuer: str
    self_signed: bool
    intact: bool  # the signed bytes have not changed
    valid: bool  # the signature is cryptographically sound
    covers_whole_file: bool
    modified_after: bool  # something other than a signature was added afterwards

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.covers_whole_file and not self.modified_after

    @property
    def summary(self) -> str:
        when = (
            self.signing_time.astimezone(UTC).strftime("le %d/%m/%Y à %H:%M:%S UTC")
            if self.signing_time
            else "à une date non indiquée"
        )
        head = f"Signature « {self.field_name} » de {self.signer_name}, {when}"
        if not self.intact:
            return f"{head} : INVALIDE — le contenu a changé après la signature."
        if not self.valid:
            return f"{head} : INVALIDE — la signature ne correspond pas au certificat."
        if self.modified_after or not self.covers_whole_file:
            return f"{head} : le fichier a été modifié après la signature."
        return f"{head} : valide, fichier inchangé depuis la signature."


def create_self_signed(commune: str, path: Path, password: bytes | None = None) -> Path:
    """Write a self-signed certificate and key for « Mairie de <commune> » as PKCS#12."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    commune = commune.strip()
    if not commune:
        raise SigningError("Le nom de la commune est vide : impossible de créer le certificat.")
    name = f"Mairie de {commune}"
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
        ]
    )
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # nonRepudiation
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    data = pkcs12.serialize_key_and_certificates(name.encode("utf-8"), key, cert, None, encryption)
    atomic_write_bytes(path, data, mode=0o600)  # a private key
    return path


# --- Signing ------------------------------------------------------------------


def sign_pdf(
    source: Path,
    target: Path,
    key: SigningKey,
    *,
    field_name: str,
    reason: str,
    location: str,
    signer_name: str,
    box: Box | None = None,
    timezone: str = "Europe/Paris",
) -> None:
    """Sign ``source`` (PAdES B-B, SHA-256) into ``target``, as an incremental update.

    With ``box`` (on the last page, PyMuPDF coordinates), the signature field is
    a visible widget on that box with a small stamp naming ``signer_name`` and
    the time of signing (in ``timezone``); without it, the signature is
    invisible. ``target`` is replaced atomically; it may be ``source`` itself.
    Signing an already signed file adds a signature and keeps the earlier ones
    valid.
    """
    data = _read(source)
    signed = _sign_bytes(
        data,
        source,
        key,
        field_name=field_name,
        reason=reason,
        location=location,
        signer_name=signer_name,
        box=box,
        timezone=timezone,
    )
    atomic_write_bytes(target, signed)


def sign_register_pdf(
    source: Path,
    target: Path,
    keys: RegisterSigners,
    *,
    reason: str,
    location: str,
    mayor_name: str,
    secretary_name: str | None = None,
    boxes: Mapping[str, Box] | None = None,
    timezone: str = "Europe/Paris",
) -> None:
    """Sign an act of the register: the mayor's signature (field « Maire »),
    then, when ``keys.secretary`` is set, the secretary's, incremental (field
    « Secretaire »), each visible on its box of ``boxes`` (keys « maire » and
    « secretaire », as ``SIGNATURE_BOXES``) when given.

    Both signatures are made in memory and ``target`` is written once,
    atomically: a failure of either leaves no half-signed file.
    """
    boxes = boxes or {}
    data = _sign_bytes(
        _read(source),
        source,
        keys.mayor,
        field_name="Maire",
        reason=reason,
        location=location,
        signer_name=mayor_name,
        box=boxes.get("maire"),
        timezone=timezone,
    )
    if keys.secretary is not None:
        data = _sign_bytes(
            data,
            source,
            keys.secretary,
            field_name="Secretaire",
            reason=reason,
            location=location,
            signer_name=secretary_name or "",
            box=boxes.get("secretaire"),
            timezone=timezone,
        )
    atomic_write_bytes(target, data)


def _read(source: Path) -> bytes:
    try:
        return source.read_bytes()
    except OSError as error:
        raise SigningError(f"Impossible de lire {source} : {error.strerror}") from error


@functools.cache
def _keep_xmp_prefixes() -> None:
    """pyHanko rewrites the XMP packet when it signs, with lxml: without a
    registered prefix our provenance properties would come out as « ns0: »,
    not the « tdc: » that the PDF/A extension schema declares."""
    from lxml import etree

    from table_app.export.pdfa import NAMESPACE

    etree.register_namespace("tdc", NAMESPACE)


def _sign_bytes(
    data: bytes,
    source: Path,
    key: SigningKey,
    *,
    field_name: str,
    reason: str,
    location: str,
    signer_name: str,
    box: Box | None,
    timezone: str,
) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    _keep_xmp_prefixes()
    if not isinstance(key, Pkcs12Key | Pkcs11Key):
        raise SigningError(f"Clé de signature non prise en charge : {key!r}")
    try:
        writer = IncrementalPdfFileWriter(BytesIO(data), strict=False)
        if writer.prev.encrypted:
            raise SigningError(f"{source} est chiffré : impossible de le signer.")
        existing = {sig.field_name for sig in writer.prev.embedded_signatures}
        if field_name in existing:
            raise SigningError(
                f"{source} porte déjà une signature « {field_name} » : choisissez un autre champ."
            )
        field_spec = None
        if box is not None:
            # pyHanko declares the box as ints; it writes any number.
            rect = cast(Any, _pdf_box(writer, box, source))
            field_spec = fields.SigFieldSpec(field_name, on_page=-1, box=rect)
    except SigningError:
        raise
    except Exception as error:  # hostile or broken PDFs raise all sorts of errors
        raise SigningError(
            f"{source} n'est pas un PDF lisible, impossible de le signer ({error})."
        ) from error
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        location=location,
        name=unicodedata.normalize("NFC", signer_name.strip()) or None,
    )
    style = _stamp_style() if box is not None else None
    text = {"quand": commune_now(timezone).strftime("%d/%m/%Y à %H:%M")}

    def sign(signer: Any) -> bytes:
        from pyhanko.sign.general import SigningError as TooLarge

        for reserved in (SIGNATURE_BYTES, None):
            # Each attempt works on its own writer: a failed one may have left objects.
            attempt = IncrementalPdfFileWriter(BytesIO(data), strict=False)
            output = BytesIO()
            pdf_signer = signers.PdfSigner(
                meta, signer=signer, stamp_style=style, new_field_spec=field_spec
            )
            try:
                pdf_signer.sign_pdf(
                    attempt, output=output, appearance_text_params=text, bytes_reserved=reserved
                )
            except TooLarge as error:
                if reserved is None or "larger than expected" not in str(error):
                    raise
                continue
            break
        return output.getvalue()

    try:
        if isinstance(key, Pkcs11Key):
            return _pkcs11_sign(key, sign)
        return sign(_load_signer(key.path, key.passphrase))
    except SigningError:
        raise
    except Exception as error:  # hostile or broken PDFs raise all sorts of errors
        raise SigningError(
            f"{source} n'est pas un PDF lisible, impossible de le signer ({error})."
        ) from error


def commune_now(timezone: str) -> datetime:
    """Now in the commune's zone (Paris if the zone is unknown)."""
    try:
        return datetime.now(ZoneInfo(timezone))
    except (ZoneInfoNotFoundError, ValueError):
        return datetime.now(ZoneInfo("Europe/Paris"))


def _pdf_box(writer: Any, box: Box, source: Path) -> tuple[float, float, float, float]:
    """``box`` (top-left origin, on the last page) in PDF user space (bottom-left)."""
    if isinstance(box, tuple):
        x0, y0, x1, y1 = (float(v) for v in box)
    else:
        x0, y0, x1, y1 = float(box.x0), float(box.y0), float(box.x1), float(box.y1)
    page_ref, _ = writer.find_page_for_modification(-1)
    page = page_ref.get_object()
    mediabox = None
    while page is not None and mediabox is None:
        mediabox = page.get("/MediaBox")
        parent = page.get("/Parent")
        page = parent.get_object() if parent is not None else None
    if mediabox is None:
        raise SigningError(f"{source} : dernière page sans dimensions (MediaBox absente).")
    left, bottom, right, top = (float(v) for v in mediabox)
    left, right = min(left, right), max(left, right)
    bottom, top = min(bottom, top), max(bottom, top)
    rect = (left + x0, top - y1, left + x1, top - y0)
    if not (x0 < x1 and y0 < y1) or rect[0] < left or rect[2] > right or rect[1] < bottom:
        raise SigningError(
            f"{source} : le cadre de signature {(x0, y0, x1, y1)} sort de la dernière page."
        )
    return rect


# --- Visible stamp -------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _stamp_font() -> bytes:
    """DejaVu Serif reduced to Latin letters and punctuation, scaled to 1000
    units per em.

    pyHanko's ``GlyphAccumulator`` writes the font's widths (/W) in the font's
    own units, which PDF readers take as thousandths of an em: right only for a
    1000-unit font (DejaVu has 2048: its stamp text came out twice as wide).
    A small font without layout tables (no kerning nor ligatures: a 7 pt stamp
    does not need them) also keeps pyHanko's subsetting at each signature
    cheap: about 2 ms, against 30 ms for the whole font."""
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.scaleUpem import scale_upem

    try:
        font = TTFont(str(STAMP_FONT))
    except OSError as error:
        raise SigningError(
            f"Police du tampon de signature introuvable : {STAMP_FONT} ({error.strerror})."
        ) from error
    options = subset.Options()
    options.layout_features = []
    options.name_IDs = ["*"]  # keep the copyright and licence notices
    options.hinting = False
    # FFTM: fontTools cannot subset it and says so at every signature.
    options.drop_tables += ["FFTM", "GSUB", "GPOS", "GDEF", "kern"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=STAMP_CHARACTERS)
    subsetter.subset(font)
    scale_upem(font, 1000)
    out = BytesIO()
    font.save(out)
    return out.getvalue()


@functools.lru_cache(maxsize=1)
def _stamp_style() -> Any:
    """Text in the lower part of the box, no background, no border."""
    from pyhanko.pdf_utils import layout
    from pyhanko.pdf_utils.font.api import FontEngineFactory
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulator
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.stamp import TextStampStyle

    font_data = _stamp_font()

    class StampFont(FontEngineFactory):
        """``GlyphAccumulatorFactory`` for a font held in memory."""

        def create_font_engine(self, writer: Any, obj_stream: Any = None) -> Any:
            if obj_stream is None and writer.stream_xrefs:
                obj_stream = writer.prepare_object_stream()
            return GlyphAccumulator(
                writer=writer,
                font_handle=BytesIO(font_data),
                font_size=STAMP_FONT_SIZE,
                bcp47_lang_code="fr-FR",
                obj_stream=obj_stream,
            )

    return TextStampStyle(
        stamp_text=STAMP_TEXT,
        text_box_style=TextBoxStyle(
            font=StampFont(), font_size=STAMP_FONT_SIZE, leading=STAMP_FONT_SIZE + 2
        ),
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID,
            y_align=layout.AxisAlignment.ALIGN_MIN,
            margins=layout.Margins(left=4, right=4, top=4, bottom=3),
            inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT,
        ),
        border_width=0,
        background=None,
    )


# --- PKCS#12 -------------------------------------------------------------------


def _load_signer(pkcs12_path: Path, passphrase: bytes | None) -> Any:
    if not pkcs12_path.is_file():
        raise SigningError(f"Certificat de signature introuvable : {pkcs12_path}")
    info = pkcs12_path.stat()
    return _cached_signer(str(pkcs12_path.resolve()), info.st_mtime_ns, info.st_size, passphrase)


@functools.lru_cache(maxsize=4)
def _cached_signer(path: str, _mtime_ns: int, _size: int, passphrase: bytes | None) -> Any:
    """Opening a PKCS#12 checks its RSA key (about 0.1 s for 3072 bits, several
    times per file in pyHanko): one signing session opens it once. The cache key
    includes the file's time and size, so a replaced certificate is re-read."""
    from pyhanko.sign import signers

    pkcs12_path = Path(path)
    try:
        signer = signers.SimpleSigner.load_pkcs12(pkcs12_path, passphrase=passphrase)
    except Exception as error:
        raise SigningError(
            f"Impossible d'ouvrir le certificat {pkcs12_path} : mot de passe incorrect "
            f"ou fichier PKCS#12 invalide ({error})."
        ) from error
    if signer is None:
        raise SigningError(
            f"Impossible d'ouvrir le certificat {pkcs12_path} : mot de passe incorrect "
            "ou fichier PKCS#12 invalide."
        )
    _keep_key_loaded(signer)
    return signer


def _keep_key_loaded(signer: Any) -> None:
    """pyHanko's SimpleSigner decodes (and re-checks) its private key on every
    signature, 0.1 s for RSA-3072; decode it once and sign with that object for
    the usual mechanisms (RSA PKCS#1 v1.5, ECDSA), pyHanko's code otherwise."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, EllipticCurvePrivateKey
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from pyhanko.sign.general import get_pyca_cryptography_hash

    key = serialization.load_der_private_key(signer.signing_key.dump(), password=None)
    generic = signer.sign_raw

    def sign_raw(data: bytes, digest_algorithm: str) -> bytes:
        mechanism = signer.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        hash_algo = get_pyca_cryptography_hash(digest_algorithm)
        if mechanism == "rsassa_pkcs1v15" and isinstance(key, RSAPrivateKey):
            return key.sign(data, PKCS1v15(), hash_algo)
        if mechanism == "ecdsa" and isinstance(key, EllipticCurvePrivateKey):
            return key.sign(data, ECDSA(hash_algo))
        return bytes(generic(data, digest_algorithm))

    signer.sign_raw = sign_raw


# --- PKCS#11 -------------------------------------------------------------------


@dataclass
class _OpenToken:
    """A logged-in session on one token, and the signers made on it."""

    session: Any
    pin: str | None
    signers: dict[Pkcs11Key, Any] = field(default_factory=dict)


_pkcs11_lock = threading.RLock()
_pkcs11_open: dict[tuple[Path, str], _OpenToken] = {}  # by (module, token label)
_pkcs11_timer: threading.Timer | None = None


def close_signing_sessions() -> None:
    """Close (and log out of) every PKCS#11 session kept open for signing.

    Harmless when none is open; the next signature opens a new one."""
    global _pkcs11_timer
    with _pkcs11_lock:
        if _pkcs11_timer is not None:
            _pkcs11_timer.cancel()
            _pkcs11_timer = None
        for token in list(_pkcs11_open):
            _drop_token(token)


atexit.register(close_signing_sessions)


def _pkcs11_sign(key: Pkcs11Key, sign: Any) -> bytes:
    """Run ``sign(signer)`` with the token's signer, opening its session if
    needed; a session lost meanwhile (token pulled out and put back) is opened
    again once."""
    import pkcs11.exceptions as p11

    lost = (
        p11.SessionHandleInvalid,
        p11.SessionClosed,
        p11.DeviceRemoved,
        p11.TokenNotPresent,
        p11.UserNotLoggedIn,
        p11.ObjectHandleInvalid,
        p11.KeyHandleInvalid,
        p11.DeviceError,
    )
    token = (key.module, key.token_label)
    with _pkcs11_lock:
        for attempt in range(2):
            signer = _pkcs11_signer(key)
            try:
                result: bytes = sign(signer)
            except lost as error:
                _drop_token(token)
                if attempt == 0:
                    continue
                raise SigningError(
                    f"Le jeton « {key.token_label} » ne répond plus ({type(error).__name__}) : "
                    "vérifiez que la clé USB ou la carte est bien insérée, puis recommencez."
                ) from error
            except p11.PKCS11Error as error:
                _drop_token(token)
                raise SigningError(
                    f"Le jeton « {key.token_label} » a refusé de signer avec {key} "
                    f"({type(error).__name__} {error})."
                ) from error
            _schedule_close()
            return result
    raise AssertionError("unreachable")  # pragma: no cover


def _pkcs11_signer(key: Pkcs11Key) -> Any:
    """The signer for ``key`` on its token's open session (opened if needed).

    A token has one login per application: keys of the same token share its
    session, and a key with another PIN closes it first (so that a wrong PIN
    is never hidden by an earlier login)."""
    token = (key.module, key.token_label)
    opened = _pkcs11_open.get(token)
    if opened is not None and opened.pin != key.pin:
        _drop_token(token)
        opened = None
    if opened is None:
        opened = _OpenToken(_open_session(key), key.pin)
        _pkcs11_open[token] = opened
    signer = opened.signers.get(key)
    if signer is None:
        try:
            signer = _token_signer(opened.session, key)
        except BaseException:
            if not opened.signers:
                _drop_token(token)
            raise
        opened.signers[key] = signer
    return signer


def _drop_token(token: tuple[Path, str]) -> None:
    opened = _pkcs11_open.pop(token, None)
    if opened is not None:
        try:
            opened.session.close()
        except Exception as error:  # a token pulled out: its session is gone anyway
            log.debug("Fermeture de session PKCS#11 : %s", error)


def _schedule_close() -> None:
    global _pkcs11_timer
    if _pkcs11_timer is not None:
        _pkcs11_timer.cancel()
    _pkcs11_timer = threading.Timer(PKCS11_IDLE_SECONDS, close_signing_sessions)
    _pkcs11_timer.daemon = True
    _pkcs11_timer.start()


def _open_session(key: Pkcs11Key) -> Any:
    import pkcs11
    import pkcs11.exceptions as p11
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign.pkcs11 import open_pkcs11_session

    module = str(key.module)
    if not key.module.is_file():
        raise SigningError(
            f"Module PKCS#11 introuvable : {module}. Installez le pilote de la clé USB ou du "
            "lecteur de carte (par exemple le paquet opensc), ou corrigez [signing] pkcs11_module."
        )
    try:
        library = pkcs11.lib(module)
    except Exception as error:  # not a shared library, or not a PKCS#11 one
        raise SigningError(f"{module} n'est pas un module PKCS#11 utilisable ({error}).") from error
    criteria = TokenCriteria(label=key.token_label)
    pin: Any = key.pin if key.pin else pkcs11.PROTECTED_AUTH
    for attempt in range(2):
        try:
            return open_pkcs11_session(module, token_criteria=criteria, user_pin=pin)
        except p11.PinIncorrect as error:
            raise SigningError(
                f"Code PIN incorrect pour le jeton « {key.token_label} ». Vérifiez le code "
                "configuré : après quelques essais erronés, le jeton se bloque."
            ) from error
        except p11.PinLocked as error:
            raise SigningError(
                f"Le jeton « {key.token_label} » est bloqué (trop de codes PIN erronés) : "
                "débloquez-le avec l'outil de son fournisseur (code PUK)."
            ) from error
        except (p11.PinExpired, p11.PinInvalid, p11.PinLenRange) as error:
            raise SigningError(
                f"Code PIN refusé par le jeton « {key.token_label} » "
                f"({type(error).__name__}) : vérifiez le code configuré."
            ) from error
        except p11.ArgumentsBad as error:
            raise SigningError(
                f"Aucun code PIN fourni pour le jeton « {key.token_label} », qui n'a pas de "
                "clavier : définissez la variable TABLE_APP_SIGNING_PIN (ou "
                "TABLE_APP_SECRETARY_PIN pour le jeton du secrétaire)."
            ) from error
        except p11.PKCS11Error as error:
            if "No token" in str(error) and attempt == 0 and not _module_in_use(key.module):
                # A token plugged in after the module was loaded: look again.
                with contextlib.suppress(p11.PKCS11Error):
                    library.reinitialize()
                continue
            if "No token" in str(error):
                raise SigningError(
                    f"Jeton « {key.token_label} » introuvable : branchez la clé USB ou insérez "
                    f"la carte de la mairie, ou corrigez [signing] token{_labels(library)}."
                ) from error
            raise SigningError(
                f"Impossible d'ouvrir le jeton « {key.token_label} » "
                f"({type(error).__name__} {error})."
            ) from error
    raise AssertionError("unreachable")  # pragma: no cover


def _module_in_use(module: Path) -> bool:
    return any(opened_module == module for opened_module, _ in _pkcs11_open)


def _labels(library: Any) -> str:
    try:
        labels = [slot.get_token().label for slot in library.get_slots(token_present=True)]
    except Exception:  # only a hint for the message
        return ""
    if not labels:
        return " (aucun jeton n'est présent)"
    return " (jetons présents : " + ", ".join(f"« {label} »" for label in labels) + ")"


def _token_signer(session: Any, key: Pkcs11Key) -> Any:
    """pyHanko's PKCS11Signer for ``key``, with its key and certificate found."""
    import pkcs11.exceptions as p11
    from pkcs11 import Attribute, ObjectClass
    from pyhanko.sign.pkcs11 import PKCS11Signer

    private = list(
        session.get_objects(
            {Attribute.CLASS: ObjectClass.PRIVATE_KEY, Attribute.LABEL: key.key_label}
        )
    )
    if len(private) != 1:
        present = sorted(
            str(obj[Attribute.LABEL])
            for obj in session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY})
        )
        what = "absente du" if not private else "présente plusieurs fois sur le"
        raise SigningError(
            f"La clé « {key.key_label} » est {what} jeton « {key.token_label} » "
            f"(clés présentes : {', '.join(present) or 'aucune'}) : corrigez [signing] key."
        )
    try:
        key_id = bytes(private[0][Attribute.ID])
    except p11.PKCS11Error:
        key_id = b""
    if key.cert_label is not None:
        signer = PKCS11Signer(session, cert_label=key.cert_label, key_label=key.key_label)
    elif key_id:
        signer = PKCS11Signer(session, cert_id=key_id, key_label=key.key_label)
    else:
        signer = PKCS11Signer(session, cert_label=key.key_label, key_label=key.key_label)
    try:
        signer.signing_cert  # noqa: B018 (loads the certificate and the key handle)
    except p11.PKCS11Error as error:
        which = f"« {key.cert_label} »" if key.cert_label else f"de la clé « {key.key_label} »"
        raise SigningError(
            f"Certificat {which} introuvable sur le jeton « {key.token_label} » ({error})."
        ) from error
    return signer


def _fingerprint(cert: Any) -> str:
    digest = hashlib.sha256(cert.dump()).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


#: A signature dictionary's byte range, as written in a file's bytes: a file
#: that has one bears a signature, whether or not it can still be read.
_BYTE_RANGE = re.compile(rb"/ByteRange\s*\[")
#: A signature dictionary's type (``/DocTimeStamp`` for a document timestamp).
_SIGNATURE_TYPE = re.compile(rb"/Type\s*/(?:Sig|DocTimeStamp)\b")
#: A signature field, with its value: the reference to its signature dictionary.
_SIGNATURE_FIELD = re.compile(rb"/FT\s*/Sig\b")
_FIELD_VALUE = re.compile(rb"/V\s+\d+\s+\d+\s+R\b")
#: A field's name, as a plain literal string (``/T (Maire)``).
_FIELD_NAME = re.compile(rb"/T\s*\(([ -'*-\[\]-~]{1,64})\)")
#: What pyHanko and asn1crypto raise on a signature dictionary or a CMS
#: container that is cut, zeroed or garbage (its own checks are assertions).
_UNREADABLE_SIGNATURE = (ValueError, KeyError, TypeError, IndexError, AssertionError)


def verify_pdf(path: Path) -> list[SignatureReport]:
    """Check every signature of ``path``, oldest first; [] when it has none.

    Raises ``SigningError`` (French message) for an unreadable or non-PDF file,
    and for a signature that cannot be read: a signature field with a value, or
    a signature's /ByteRange in the file's bytes, from which no signature can be
    read (a file cut short, a signature container zeroed or replaced) is a
    broken signature, never an unsigned file.
    """
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.pdf_embedded import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        data = path.read_bytes()
    except OSError as error:
        raise SigningError(f"Impossible de lire {path} : {error.strerror}") from error
    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise SigningError(f"{path} n'est pas un fichier PDF.")
    trailing_junk = False
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        fields = _filled_signature_fields(reader)
    except Exception as error:  # broken files raise all sorts of errors
        # Bytes appended after the last « %%EOF » hide the cross-reference table:
        # read the file as it was before them and report them as a modification.
        reader, fields, end = _read_before_trailing_bytes(data)
        if reader is None:
            if _bears_signature(data):
                raise SigningError(_unreadable(path, data)) from error
            raise SigningError(f"{path} est un PDF illisible ou endommagé ({error}).") from error
        if _bears_signature(data[end:]):
            # The bytes that could not be read hold a signature: a file cut short
            # in its last signature, or a signature whose revision was damaged.
            raise SigningError(_unreadable(path, data[end:])) from error
        trailing_junk = True
    signatures = _embedded_signatures(reader, fields, path)
    if not signatures and _bears_signature(data):
        # A signature in the bytes that no signature field of the file leads to.
        raise SigningError(_unreadable(path, data))

    harmless = {
        ModificationLevel.NONE,
        ModificationLevel.LTA_UPDATES,
        ModificationLevel.FORM_FILLING,
    }
    reports: list[SignatureReport] = []
    last = len(signatures) - 1
    for index, sig in enumerate(signatures):
        try:
            cert = sig.signer_cert
            context = ValidationContext(
                trust_roots=[cert], allow_fetching=False, revocation_mode="soft-fail"
            )
            status = validate_pdf_signature(sig, signer_validation_context=context)
        except (SignatureValidationError, ValueError, KeyError, TypeError) as error:
            raise SigningError(
                f"{path} : la signature « {sig.field_name} » est illisible ({error})."
            ) from error
        coverage = status.coverage
        level = status.modification_level
        if index == last:
            whole = coverage == SignatureCoverageLevel.ENTIRE_FILE
            modified = not whole or (level is not None and level not in harmless)
        else:
            whole = coverage in (
                SignatureCoverageLevel.ENTIRE_FILE,
                SignatureCoverageLevel.ENTIRE_REVISION,
            )
            modified = level is not None and level not in harmless
        subject = cert.subject.native
        reports.append(
            SignatureReport(
                field_name=sig.field_name,
                signer_name=str(subject.get("common_name") or cert.subject.human_friendly),
                signing_time=status.signer_reported_dt,
                fingerprint=_fingerprint(cert),
                issuer=cert.issuer.human_friendly,
                self_signed=cert.self_signed != "no",
                intact=bool(status.intact),
                valid=bool(status.valid),
                covers_whole_file=whole,
                modified_after=modified,
            )
        )
    # Anything appended after the last signature concerns every signature.
    if reports and (trailing_junk or reports[-1].modified_after):
        reports = [_replace_modified(r) for r in reports]
    return reports


def _filled_signature_fields(reader: Any) -> list[tuple[str, Any, Any]]:
    """The signature fields of the AcroForm that have a value (/V): each one's
    full name, value and reference."""
    from pyhanko.sign.fields import enumerate_sig_fields

    return list(enumerate_sig_fields(reader, filled_status=True))


def _embedded_signatures(reader: Any, fields: list[tuple[str, Any, Any]], path: Path) -> list[Any]:
    """Every filled signature field as pyHanko's ``EmbeddedPdfSignature``, in
    signing order. Unlike pyHanko's ``embedded_signatures``, which quietly
    leaves out a signature it cannot read or whose type it does not know, such
    a field raises ``SigningError``."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.sign.fields import SigSeedSubFilter
    from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

    known = {subfilter.value for subfilter in SigSeedSubFilter}
    signatures = []
    for name, value, field_ref in fields:
        try:
            sig_object = value.get_object()
            if not isinstance(sig_object, generic.DictionaryObject):
                raise TypeError(f"/V is a {type(sig_object).__name__}, not a dictionary")
            subfilter = sig_object.get("/SubFilter")
            if subfilter is not None and subfilter not in known:
                raise SigningError(
                    f"{path} : la signature « {name} » est d'un type non pris en charge "
                    f"({subfilter}) : elle ne peut pas être vérifiée."
                )
            signatures.append(EmbeddedPdfSignature(reader, field_ref, name))
        except (PdfError, *_UNREADABLE_SIGNATURE) as error:
            log.info("Signature « %s » de %s illisible : %r", name, path, error)
            raise SigningError(
                f"{path} : la signature « {name} » est illisible : fichier tronqué ou modifié."
            ) from error
    return sorted(signatures, key=lambda sig: sig.signed_revision)


def _filled_fields_in(data: bytes) -> list[str]:
    """The names of the signature fields with a value found in the raw bytes
    ``data`` (objects in plain text, as signing tools write them)."""
    names: list[str] = []
    for chunk in re.split(rb"\bendobj\b", data):
        if _SIGNATURE_FIELD.search(chunk) and _FIELD_VALUE.search(chunk):
            named = _FIELD_NAME.search(chunk)
            name = named.group(1).decode("ascii") if named else ""
            if name not in names:
                names.append(name)
    return names


def _bears_signature(data: bytes) -> bool:
    """Whether the raw bytes ``data`` hold a signature, readable or not: a
    signature dictionary (its /ByteRange, its type) or a signature field with a
    value."""
    return bool(_BYTE_RANGE.search(data) or _SIGNATURE_TYPE.search(data) or _filled_fields_in(data))


def _unreadable(path: Path, data: bytes) -> str:
    """Why a file whose bytes ``data`` hold a signature has none that can be
    read, naming the signature fields found in them when their names can be read."""
    names = [name for name in _filled_fields_in(data) if name]
    if len(names) == 1:
        which = f"la signature « {names[0]} » est illisible"
    elif names:
        which = "les signatures " + ", ".join(f"« {n} »" for n in names) + " sont illisibles"
    else:
        which = "une signature est illisible"
    return f"{path} : {which} : fichier tronqué ou modifié."


def _replace_modified(report: SignatureReport) -> SignatureReport:
    from dataclasses import replace

    return replace(report, modified_after=True)


def _read_before_trailing_bytes(data: bytes) -> tuple[Any, list[tuple[str, Any, Any]], int]:
    """The file up to one of its last few « %%EOF » markers, if that part reads:
    its reader, its filled signature fields, and where that part ends."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    end = len(data.rstrip())
    for _attempt in range(4):
        end = data.rfind(b"%%EOF", 0, end)
        if end < 0:
            break
        try:
            reader = PdfFileReader(BytesIO(data[: end + 5] + b"\n"), strict=False)
            return reader, _filled_signature_fields(reader), end + 5
        except Exception:  # not this one: try the marker before
            continue
    return None, [], len(data)


# --- The certificate's facts (table-app status) --------------------------------


def self_signed_path(data_dir: Path) -> Path:
    """Where the commune's self-signed PKCS#12 is made when none is configured."""
    return data_dir / "signature" / "mairie-autosignee.p12"


@dataclass(frozen=True)
class CertificateFacts:
    """Who a signing certificate names and until when it is valid."""

    subject: str
    issuer: str
    not_after: datetime
    self_signed: bool

    def days_left(self, now: datetime) -> int:
        """Whole days until it expires (negative once expired)."""
        return (self.not_after - now).days


def certificate_facts(key: SigningKey) -> CertificateFacts:
    """Read the certificate of ``key`` without signing anything: from the
    PKCS#12 file (with its password), or from the token without logging in
    (certificates are public objects). Raises ``SigningError`` in French."""
    from cryptography import x509

    if isinstance(key, Pkcs12Key):
        from cryptography.hazmat.primitives.serialization.pkcs12 import (
            load_key_and_certificates,
        )

        try:
            data = key.path.read_bytes()
        except OSError as error:
            raise SigningError(f"Certificat illisible : {key.path} ({error.strerror}).") from error
        try:
            _private, cert, _chain = load_key_and_certificates(data, key.passphrase)
        except ValueError as error:
            hint = (
                "mot de passe absent (TABLE_APP_SIGNING_PASSWORD)"
                if key.passphrase is None
                else "mot de passe erroné ou fichier endommagé"
            )
            raise SigningError(f"Certificat illisible : {key.path} ({hint}).") from error
        if cert is None:
            raise SigningError(f"Le fichier {key.path} ne contient aucun certificat.")
        return _facts(cert)
    return _facts(x509.load_der_x509_certificate(_token_certificate(key)))


def _facts(cert: Any) -> CertificateFacts:
    from cryptography.x509.oid import NameOID

    def name(of: Any) -> str:
        common = of.get_attributes_for_oid(NameOID.COMMON_NAME)
        return str(common[0].value) if common else str(of.rfc4514_string())

    return CertificateFacts(
        subject=name(cert.subject),
        issuer=name(cert.issuer),
        not_after=cert.not_valid_after_utc,
        self_signed=cert.subject == cert.issuer,
    )


def _token_certificate(key: Pkcs11Key) -> bytes:
    """The DER certificate of ``key`` on its token, read without a PIN: the one
    labelled ``cert_label``, else the one labelled like the key, else the
    token's only certificate."""
    import pkcs11
    from pkcs11 import Attribute, ObjectClass

    if not key.module.is_file():
        raise SigningError(f"Module PKCS#11 introuvable : {key.module}.")
    try:
        token = pkcs11.lib(str(key.module)).get_token(token_label=key.token_label)
        with token.open() as session:
            certificates = {
                str(obj[Attribute.LABEL]): bytes(obj[Attribute.VALUE])
                for obj in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE})
            }
    except pkcs11.exceptions.NoSuchToken as error:
        raise SigningError(
            f"Jeton « {key.token_label} » absent : branchez la clé USB ou insérez la carte."
        ) from error
    except pkcs11.exceptions.PKCS11Error as error:
        raise SigningError(
            f"Jeton « {key.token_label} » illisible ({type(error).__name__})."
        ) from error
    for label in (key.cert_label, key.key_label):
        if label is not None and label in certificates:
            return certificates[label]
    if len(certificates) == 1:
        return next(iter(certificates.values()))
    raise SigningError(
        f"Certificat introuvable sur le jeton « {key.token_label} » (certificats : "
        + (", ".join(f"« {c} »" for c in certificates) or "aucun")
        + ")."
    )
