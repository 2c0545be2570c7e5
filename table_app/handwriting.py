"""The handwritten signatures of the mayor and the secretary, drawn on the master
screen and placed, as vector ink, in their boxes of the exported PDFs.

A signature is kept as strokes normalised to the pad it was drawn on (x and y
in 0..1, y downwards) with the pad's proportions, so that it can be drawn at
any size without being stretched. It is saved as a small JSON file per session
and role, written atomically, and drawn into a PDF page as plain paths: no
image and no transparency, as PDF/A-2b wants.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from table_app.atomic_files import atomic_write_bytes

if TYPE_CHECKING:  # imported where it draws: the kiosk starts without it
    import pymupdf

ROLES = ("maire", "secretaire")
ROLE_LABELS = {"maire": "du maire", "secretaire": "du secrétaire de séance"}

FORMAT = "table-du-conseil/signature-manuscrite"
FORMAT_VERSION = 1

#: A signature has far fewer points (a few hundred); more is a stuck pen or a forged file.
MAX_POINTS = 6000
MAX_STROKES = 300
#: The ink must span at least this share of the pad's height (one dot is no signature).
MIN_EXTENT = 0.04
#: Width / height of the pad: anything outside is no drawing surface.
MIN_ASPECT, MAX_ASPECT = 0.2, 20.0

#: Dark blue ink ("encre bleue foncée"), as RGB in 0..1; the pad draws with it too.
INK = (0.06, 0.13, 0.45)
#: Pen width in the PDF, in points: a fine ballpoint once printed.
PEN_WIDTH = 1.2
#: Room kept free at the bottom of a box for the stamp of the digital signature.
STAMP_HEIGHT = 18.0
BOX_MARGIN = 3.0

Stroke = tuple[tuple[float, float], ...]


class HandwritingError(Exception):
    """A handwritten signature is empty, absurd or unreadable; ``message`` says why, in French."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Handwriting:
    """One handwritten signature, checked when it is made.

    Attributes:
        role: "maire" or "secretaire".
        signer: the member id of who signed.
        signer_name: their name as printed ("Mme Anne Dupont").
        drawn_at: when it was drawn, ISO 8601.
        strokes: the pen strokes, each a run of (x, y) points in 0..1 of the
            pad's width and height, y downwards; a single point is a dot.
        aspect: the pad's width / height when drawn.
    """

    role: str
    signer: str
    signer_name: str
    drawn_at: str
    strokes: tuple[Stroke, ...]
    aspect: float

    def __post_init__(self) -> None:
        _check(self)

    @property
    def point_count(self) -> int:
        return sum(len(stroke) for stroke in self.strokes)


def _check(hw: Handwriting) -> None:
    if hw.role not in ROLES:
        raise HandwritingError(
            f"Rôle de signataire inconnu : « {hw.role} » (attendu : maire ou secretaire)."
        )
    if not hw.signer.strip():
        raise HandwritingError("Le signataire de la signature manuscrite n'est pas indiqué.")
    try:
        datetime.fromisoformat(hw.drawn_at)
    except ValueError:
        raise HandwritingError(f"Date de signature invalide : « {hw.drawn_at} ».") from None
    if not (math.isfinite(hw.aspect) and MIN_ASPECT <= hw.aspect <= MAX_ASPECT):
        raise HandwritingError(
            f"Proportions du cadre de signature invalides : {hw.aspect!r} "
            f"(largeur / hauteur entre {MIN_ASPECT} et {MAX_ASPECT})."
        )
    if not hw.strokes or not any(hw.strokes):
        raise HandwritingError("La signature est vide : signez dans le cadre avant de valider.")
    if len(hw.strokes) > MAX_STROKES:
        raise HandwritingError(
            f"La signature compte trop de traits ({len(hw.strokes)}, au plus {MAX_STROKES}) : "
            "effacez-la et signez à nouveau."
        )
    if hw.point_count > MAX_POINTS:
        raise HandwritingError(
            f"La signature compte trop de points ({hw.point_count}, au plus {MAX_POINTS}) : "
            "effacez-la et signez à nouveau."
        )
    for stroke in hw.strokes:
        for x, y in stroke:
            if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
                raise HandwritingError(f"Point de signature hors du cadre : ({x!r}, {y!r}).")
    left, top, right, bottom = _bounds(hw)
    if max((right - left) * hw.aspect, bottom - top) < MIN_EXTENT:
        raise HandwritingError(
            "La signature est trop petite pour être reconnue : effacez-la et signez en plus grand."
        )


def _bounds(hw: Handwriting) -> tuple[float, float, float, float]:
    """The ink's bounding box, in the normalised coordinates."""
    xs = [x for stroke in hw.strokes for x, _ in stroke]
    ys = [y for stroke in hw.strokes for _, y in stroke]
    return min(xs), min(ys), max(xs), max(ys)


# --- files ---------------------------------------------------------------------


def handwriting_path(data_dir: Path, session_id: str, role: str) -> Path:
    """Where the signature of ``role`` for a session is kept:
    ``data_dir/signatures/<session_id>/<role>.json``."""
    if role not in ROLES:
        raise HandwritingError(
            f"Rôle de signataire inconnu : « {role} » (attendu : maire ou secretaire)."
        )
    if (
        not session_id
        or session_id in (".", "..")
        or any(c in session_id for c in ("/", "\\", "\0"))
    ):
        raise HandwritingError(f"Identifiant de séance invalide : « {session_id} ».")
    return data_dir / "signatures" / session_id / f"{role}.json"


def _to_json(hw: Handwriting) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "role": hw.role,
        "signer": hw.signer,
        "signer_name": hw.signer_name,
        "drawn_at": hw.drawn_at,
        "aspect": hw.aspect,
        "strokes": [[[x, y] for x, y in stroke] for stroke in hw.strokes],
    }


def save_handwriting(path: Path, hw: Handwriting) -> None:
    """Write ``hw`` to ``path`` as JSON; readers see the old file or the new one, never half."""
    data = json.dumps(_to_json(hw), ensure_ascii=False, separators=(",", ":"))
    atomic_write_bytes(path, data.encode("utf-8"))


def _number(value: object) -> float:
    # bool is an int to Python, but never a coordinate
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"nombre attendu, pas {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"nombre fini attendu, pas {value!r}")
    return number


def _text(data: dict[str, Any], key: str) -> str:
    value = data[key]
    if not isinstance(value, str):
        raise TypeError(f"« {key} » doit être un texte")
    return value


def _point(value: object) -> tuple[float, float]:
    if not isinstance(value, list) or len(value) != 2:
        raise TypeError(f"point attendu, pas {value!r}")
    return _number(value[0]), _number(value[1])


def _from_json(data: object) -> Handwriting:
    if not isinstance(data, dict):
        raise TypeError("un objet JSON est attendu")
    if data.get("format") != FORMAT or data.get("version") != FORMAT_VERSION:
        raise ValueError("ce n'est pas une signature manuscrite de la table du conseil")
    raw = data["strokes"]
    if not isinstance(raw, list) or not all(isinstance(stroke, list) for stroke in raw):
        raise TypeError("« strokes » doit être une liste de traits")
    return Handwriting(
        role=_text(data, "role"),
        signer=_text(data, "signer"),
        signer_name=_text(data, "signer_name"),
        drawn_at=_text(data, "drawn_at"),
        strokes=tuple(tuple(_point(p) for p in stroke) for stroke in raw),
        aspect=_number(data["aspect"]),
    )


def load_handwriting(path: Path) -> Handwriting | None:
    """The signature saved at ``path``, or None if there is none.

    Raises:
        HandwritingError: the file cannot be read or is damaged.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise HandwritingError(
            f"La signature manuscrite {path} ne peut pas être lue ({error.strerror}) : "
            "faites-la dessiner à nouveau."
        ) from error
    try:
        return _from_json(json.loads(raw.decode("utf-8")))
    except HandwritingError as error:
        raise HandwritingError(
            f"La signature manuscrite {path} est refusée : {error.message} "
            "Faites-la dessiner à nouveau."
        ) from error
    except (ValueError, TypeError, KeyError) as error:  # UnicodeDecodeError and JSON errors too
        raise HandwritingError(
            f"La signature manuscrite {path} est endommagée ({error}) : "
            "faites-la dessiner à nouveau."
        ) from error


def handwriting_digest(hw: Handwriting) -> str:
    """A sha256 (hex) over the role, the signer, the pad's proportions and the strokes:
    when it changes, the PDFs that carry the signature must be made again. The
    name and the time are left out: they do not change the ink."""
    canonical = json.dumps(
        {
            "role": hw.role,
            "signer": hw.signer,
            "aspect": hw.aspect,
            "strokes": [[[x, y] for x, y in stroke] for stroke in hw.strokes],
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# --- drawing -------------------------------------------------------------------


def ink_area(
    box: pymupdf.Rect, stamp_height: float = STAMP_HEIGHT, margin: float = BOX_MARGIN
) -> pymupdf.Rect:
    """The part of ``box`` the ink may cover: inside a margin, above the stamp
    room at the bottom (given up when the box is too low to keep both)."""
    import pymupdf

    area = pymupdf.Rect(box.x0 + margin, box.y0 + margin, box.x1 - margin, box.y1 - margin)
    if area.height - stamp_height >= 20:
        area.y1 -= stamp_height
    return area


Segment = tuple["pymupdf.Point", "pymupdf.Point", "pymupdf.Point", "pymupdf.Point"]


def _catmull_rom(points: Sequence[pymupdf.Point]) -> list[Segment]:
    """Cubic Bézier segments (start, control, control, end) of the Catmull-Rom
    spline through ``points``: the curve passes by every point the pen gave."""
    segments: list[Segment] = []
    last = len(points) - 1
    for i in range(last):
        p0 = points[max(i - 1, 0)]
        p1, p2 = points[i], points[i + 1]
        p3 = points[min(i + 2, last)]
        segments.append((p1, p1 + (p2 - p0) / 6, p2 - (p3 - p1) / 6, p2))
    return segments


def draw_handwriting(
    page: pymupdf.Page,
    box: pymupdf.Rect,
    hw: Handwriting,
    *,
    stamp_height: float = STAMP_HEIGHT,
    margin: float = BOX_MARGIN,
    pen_width: float = PEN_WIDTH,
) -> None:
    """Draw ``hw`` in ``box`` of ``page`` as vector ink: fitted, proportions kept,
    centred, the lower ``stamp_height`` points of the box left free."""
    import pymupdf

    area = ink_area(box, stamp_height, margin + pen_width / 2)
    if area.is_empty:
        raise HandwritingError("Le cadre de signature est trop petit pour y placer la signature.")
    left, top, right, bottom = _bounds(hw)
    width, height = (right - left) * hw.aspect, bottom - top
    scale = min(
        area.width / width if width > 0 else math.inf,
        area.height / height if height > 0 else math.inf,
    )
    origin_x = area.x0 + (area.width - width * scale) / 2
    origin_y = area.y0 + (area.height - height * scale) / 2

    def place(x: float, y: float) -> pymupdf.Point:
        return pymupdf.Point(
            origin_x + (x - left) * hw.aspect * scale, origin_y + (y - top) * scale
        )

    shape = page.new_shape()
    dots = []
    for stroke in hw.strokes:
        points = [place(x, y) for x, y in stroke]
        if len(points) == 1 or all(p == points[0] for p in points):
            dots.append(points[0])
        elif len(points) == 2:
            shape.draw_line(points[0], points[1])
        else:
            for start, c1, c2, end in _catmull_rom(points):
                shape.draw_bezier(start, c1, c2, end)
    shape.finish(width=pen_width, color=INK, lineCap=1, lineJoin=1, closePath=False)
    for dot in dots:
        shape.draw_circle(dot, pen_width * 0.75)
    if dots:
        shape.finish(width=0, color=None, fill=INK, closePath=True)
    shape.commit()
