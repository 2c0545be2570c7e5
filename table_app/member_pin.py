"""A member's personal code (``[[members]] pin``), which unlocks their private notes.

A seat is shared by two or three councillors: the code says which of them is
touching it. The file holds the code's scrypt hash, made by
``table-app pin MEMBRE`` (it asks the code twice and writes the hash with the
file's comments kept), so that reading the configuration does not give away
anyone's code. A code written in clear (``pin = "4821"``) is accepted, with a
warning from ``table-app check``: the quick way for a demonstration.

Checking a code costs one scrypt (about 75 ms, on purpose): ``PinChecker``
remembers a code it has accepted for a few minutes (a keyed digest, in memory
only) so that a seat saving stroke after stroke does not pay it each time, and
refuses every code for a member after ``MAX_FAILURES`` wrong ones in a row, for
``LOCKOUT_S`` seconds: a four-digit code cannot be tried out from a seat.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

#: The code typed at a seat: digits only (the seats have a keypad, no keyboard).
PIN_DIGITS = re.compile(r"^[0-9]{4,8}$")
_HASH = re.compile(
    r"^scrypt:(?P<n>[0-9]{4,7}):(?P<r>[0-9]{1,2}):(?P<p>[0-9]):"
    r"(?P<salt>[0-9a-f]{32}):(?P<digest>[0-9a-f]{64})$"
)
_N, _R, _P = 2**14, 8, 1
#: Wrong codes in a row for one member before every code is refused for a while.
MAX_FAILURES = 5
LOCKOUT_S = 300.0
#: How long an accepted code is remembered (it is asked again after that).
REMEMBER_S = 600.0

PIN_FIX = (
    "de 4 à 8 chiffres, écrits par la commande table-app pin MEMBRE (qui enregistre "
    'son empreinte) ou en clair entre guillemets : pin = "4821"'
)


def hash_pin(pin: str) -> str:
    """The scrypt hash of ``pin``, as the configuration file holds it."""
    if not PIN_DIGITS.match(pin):
        raise ValueError("un code personnel a de 4 à 8 chiffres")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode("ascii"), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt:{_N}:{_R}:{_P}:{salt.hex()}:{digest.hex()}"


def is_pin_hash(value: str) -> bool:
    return _HASH.match(value) is not None


def pin_matches(pin: str, stored: str) -> bool:
    """Whether the typed ``pin`` is the one ``stored`` (a hash, or a code in clear)."""
    if not PIN_DIGITS.match(pin):
        return False
    found = _HASH.match(stored)
    if found is None:
        return hmac.compare_digest(pin.encode("ascii"), stored.encode("ascii", "replace"))
    n, r, p = int(found["n"]), int(found["r"]), int(found["p"])
    if n & (n - 1) or not 2**10 <= n <= 2**20 or not 1 <= r <= 16:
        return False
    digest = hashlib.scrypt(
        pin.encode("ascii"), salt=bytes.fromhex(found["salt"]), n=n, r=r, p=p, dklen=32
    )
    return hmac.compare_digest(digest, bytes.fromhex(found["digest"]))


@dataclass(frozen=True)
class PinSettingProblem:
    """What is wrong with a ``pin`` of the file; ``severity`` as ``ConfigProblem``'s."""

    message: str
    fix: str
    severity: str


def check_pin_setting(raw: object, who: str) -> tuple[str | None, PinSettingProblem | None]:
    """A member's ``pin`` as read from the file: the value kept, and its problem if any."""
    if raw is None:
        return None, None
    if not isinstance(raw, str) or not (PIN_DIGITS.match(raw) or is_pin_hash(raw)):
        return None, PinSettingProblem(
            f"code personnel de {who} invalide", PIN_FIX, "erreur"
        )  # the value itself is never repeated: it may be a code
    if not is_pin_hash(raw):
        return raw, PinSettingProblem(
            f"le code personnel de {who} est écrit en clair dans le fichier",
            "remplacez-le par son empreinte : table-app pin MEMBRE (le code est demandé, "
            "seule son empreinte est écrite)",
            "attention",
        )
    return raw, None


class PinChecker:
    """Checks members' codes against what the configuration holds, with a brake.

    ``stored`` gives a member's ``pin`` setting (None: unknown member or no
    code). Thread-safe: the seat service checks codes on a worker thread.
    """

    def __init__(
        self,
        stored: Callable[[str], str | None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stored = stored
        self._clock = clock
        self._key = secrets.token_bytes(32)  # for the digests of accepted codes
        self._accepted: dict[str, tuple[bytes, float]] = {}
        self._failures: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def check(self, member: str, pin: str) -> str | None:
        """None when ``pin`` is ``member``'s code, else the refusal in French."""
        stored = self._stored(member)
        if stored is None:
            return (
                "Aucun code personnel n'est enregistré pour cet élu : la mairie le crée à "
                "l'écran du maire (Administration, « Codes des élus ») ou avec la commande "
                "table-app pin"
            )
        now = self._clock()
        tag = hmac.new(self._key, f"{member}\0{pin}\0{stored}".encode(), "sha256").digest()
        with self._lock:
            count, until = self._failures.get(member, (0, 0.0))
            if count >= MAX_FAILURES and now < until:
                minutes = max(1, round((until - now) / 60))
                return (
                    f"Trop de codes faux : les notes de cet élu restent fermées pendant "
                    f"{minutes} minute{'s' if minutes > 1 else ''}"
                )
            remembered = self._accepted.get(member)
            if (
                remembered is not None
                and now - remembered[1] < REMEMBER_S
                and hmac.compare_digest(remembered[0], tag)
            ):
                return None
        good = pin_matches(pin, stored)  # the slow part, outside the lock
        with self._lock:
            if good:
                self._failures.pop(member, None)
                self._accepted[member] = (tag, now)
                return None
            count, _until = self._failures.get(member, (0, 0.0))
            if count >= MAX_FAILURES:
                count = 0  # the pause is over: a fresh series
            self._failures[member] = (count + 1, now + LOCKOUT_S)
            self._accepted.pop(member, None)
            left = MAX_FAILURES - count - 1
        if left <= 0:
            return "Code faux. Trop d'essais : réessayez dans 5 minutes"
        return f"Code faux : ce n'est pas le code de cet élu (encore {left} essai{'s' if left > 1 else ''})"


__all__ = [
    "LOCKOUT_S",
    "MAX_FAILURES",
    "PIN_DIGITS",
    "PinChecker",
    "PinSettingProblem",
    "check_pin_setting",
    "hash_pin",
    "is_pin_hash",
    "pin_matches",
]
