"""Handwritten signatures: checked when made, saved atomically, read back or
refused in French, and drawn as vector ink into a real PDF page."""

import json
import math
from pathlib import Path

import pymupdf
import pytest

from table_app.handwriting import (
    MAX_POINTS,
    STAMP_HEIGHT,
    Handwriting,
    HandwritingError,
    Stroke,
    draw_handwriting,
    handwriting_digest,
    handwriting_path,
    ink_area,
    load_handwriting,
    save_handwriting,
)

#: The mayor's box of the export (A4, points, top-left origin).
BOX = pymupdf.Rect(56, 702, 266, 788)


def signature_strokes() -> tuple[Stroke, ...]:
    """A cursive-looking signature on a 3:1 pad: loops, an underline, a dot."""
    loops = []
    for n in range(241):
        t = n / 240 * 7 * math.pi
        x = 0.08 + 0.75 * (t / (7 * math.pi)) - 0.06 * math.sin(t)
        y = 0.5 - 0.22 * math.cos(t) * (1 - 0.4 * t / (7 * math.pi))
        loops.append((round(x, 5), round(y, 5)))
    underline = tuple(
        (round(0.12 + 0.78 * s / 40, 5), round(0.8 - 0.06 * math.sin(math.pi * s / 40), 5))
        for s in range(41)
    )
    return (tuple(loops), underline, ((0.55, 0.18),))


def handwriting(**changes: object) -> Handwriting:
    fields: dict[str, object] = {
        "role": "maire",
        "signer": "hmarchand",
        "signer_name": "M. Hervé Marchand",
        "drawn_at": "2026-11-28T22:14:05+01:00",
        "strokes": signature_strokes(),
        "aspect": 3.0,
    }
    fields.update(changes)
    return Handwriting(**fields)  # type: ignore[arg-type]


def dark_pixels(pix: pymupdf.Pixmap) -> list[tuple[int, int]]:
    """The pixels where ink shows (well darker than paper), as (x, y)."""
    samples, n = pix.samples, pix.n
    found = []
    for index in range(0, len(samples), n):
        if samples[index] + samples[index + 1] + samples[index + 2] < 450:
            pixel = index // n
            found.append((pixel % pix.width, pixel // pix.width))
    return found


# --- checked when made ---------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"strokes": ()}, "La signature est vide"),
        ({"strokes": ((),)}, "La signature est vide"),
        ({"strokes": (((0.5, 0.5),),)}, "trop petite"),
        ({"strokes": (((0.5, 0.5), (0.505, 0.51)),)}, "trop petite"),
        (
            {"strokes": (tuple((0.1 + i / 10_000, 0.5) for i in range(MAX_POINTS + 1)),)},
            "trop de points",
        ),
        ({"strokes": (((0.1, 0.5), (1.2, 0.5)),)}, "hors du cadre"),
        ({"strokes": (((0.1, 0.5), (math.nan, 0.5)),)}, "hors du cadre"),
        ({"role": "adjoint"}, "Rôle de signataire inconnu"),
        ({"signer": " "}, "signataire"),
        ({"drawn_at": "hier soir"}, "Date de signature invalide"),
        ({"aspect": 0.0}, "Proportions du cadre"),
        ({"aspect": math.inf}, "Proportions du cadre"),
    ],
)
def test_empty_or_absurd_signatures_are_refused_in_french(
    changes: dict[str, object], message: str
) -> None:
    with pytest.raises(HandwritingError, match=message):
        handwriting(**changes)


def test_a_dot_after_the_name_is_kept() -> None:
    hw = handwriting()
    assert hw.strokes[-1] == ((0.55, 0.18),)
    assert hw.point_count == 241 + 41 + 1


# --- files ---------------------------------------------------------------------


def test_path_per_session_and_role(tmp_path: Path) -> None:
    assert handwriting_path(tmp_path, "s-2026-11-28", "secretaire") == (
        tmp_path / "signatures" / "s-2026-11-28" / "secretaire.json"
    )
    with pytest.raises(HandwritingError, match="Identifiant de séance invalide"):
        handwriting_path(tmp_path, "../etc", "maire")
    with pytest.raises(HandwritingError, match="Rôle de signataire inconnu"):
        handwriting_path(tmp_path, "s", "president")


def test_save_and_load_give_the_same_signature(tmp_path: Path) -> None:
    path = handwriting_path(tmp_path, "s", "maire")
    assert load_handwriting(path) is None  # nothing drawn yet
    hw = handwriting()
    save_handwriting(path, hw)
    assert load_handwriting(path) == hw
    again = handwriting(signer_name="Hervé Marchand", strokes=signature_strokes()[:2])
    save_handwriting(path, again)  # over the first one
    assert load_handwriting(path) == again
    assert [p.name for p in path.parent.iterdir()] == ["maire.json"]  # no temporary file left
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == "table-du-conseil/signature-manuscrite"
    assert data["signer_name"] == "Hervé Marchand"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"format": "table-du-conseil/signature-manuscrite", "version": 1, "rol', "endommagée"),
        (b"\xff\xfe\x00garbage", "endommagée"),
        (b"[1, 2, 3]", "endommagée"),
        (b'{"format": "autre chose", "version": 1}', "endommagée"),
    ],
)
def test_a_damaged_file_is_refused_in_french(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "maire.json"
    path.write_bytes(content)
    with pytest.raises(HandwritingError, match=message) as caught:
        load_handwriting(path)
    assert "faites-la dessiner à nouveau" in caught.value.message
    assert str(path) in caught.value.message


def test_a_file_with_wrong_values_is_refused_in_french(tmp_path: Path) -> None:
    path = tmp_path / "maire.json"
    save_handwriting(path, handwriting())
    data = json.loads(path.read_text(encoding="utf-8"))
    data["strokes"] = [[[0.5, 0.5]]]  # edited down to one dot
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(HandwritingError, match="est refusée : La signature est trop petite"):
        load_handwriting(path)
    data["strokes"] = [[["0.1", 0.5], [0.9, 0.5]]]  # a coordinate as text
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(HandwritingError, match="endommagée"):
        load_handwriting(path)


def test_digest_follows_the_ink_not_the_name_or_the_time(tmp_path: Path) -> None:
    hw = handwriting()
    digest = handwriting_digest(hw)
    assert len(digest) == 64
    assert int(digest, 16) >= 0
    path = tmp_path / "maire.json"
    save_handwriting(path, hw)
    loaded = load_handwriting(path)
    assert loaded is not None
    assert handwriting_digest(loaded) == digest
    assert handwriting_digest(handwriting(signer_name="Autre", drawn_at="2026-12-01")) == digest
    moved = ((*signature_strokes()[0][:-1], (0.84, 0.4)), *signature_strokes()[1:])
    assert handwriting_digest(handwriting(strokes=moved)) != digest
    assert handwriting_digest(handwriting(role="secretaire")) != digest
    assert handwriting_digest(handwriting(signer="brousseau")) != digest


# --- drawing into a PDF --------------------------------------------------------


def test_drawn_as_vector_ink_inside_the_box_only(tmp_path: Path) -> None:
    doc = pymupdf.open()
    doc.new_page(width=595, height=842)
    draw_handwriting(doc[0], BOX, handwriting())
    path = tmp_path / "signed.pdf"
    doc.save(path)
    doc.close()

    with pymupdf.open(path) as reopened:
        page = reopened[0]
        assert page.get_images() == []  # vector paths, no picture
        drawings = page.get_drawings()
        assert drawings
        area = ink_area(BOX)
        for drawing in drawings:
            assert drawing["rect"] in BOX
            assert drawing.get("stroke_opacity") in (None, 1.0)
            assert drawing.get("fill_opacity") in (None, 1.0)
            if drawing["type"] == "s":
                assert drawing["lineCap"][0] == 1  # round caps
                assert drawing["color"] == pytest.approx((0.06, 0.13, 0.45), abs=0.01)
        assert "/ExtGState" not in reopened.xref_object(page.xref)  # no transparency group
        pix = page.get_pixmap(dpi=72)  # one pixel per point

    dark = dark_pixels(pix)
    assert len(dark) > 300  # real ink, not a hairline
    stamp = pymupdf.Rect(BOX.x0, BOX.y1 - STAMP_HEIGHT, BOX.x1, BOX.y1)
    around = pymupdf.Rect(area.x0 - 1, area.y0 - 1, area.x1 + 1, area.y1 + 1)
    for x, y in dark:
        centre = pymupdf.Point(x + 0.5, y + 0.5)
        assert centre in around, centre  # inside the box, within its margin
        assert centre not in stamp, centre  # the stamp's room stays free
    index = dark[len(dark) // 2][1] * pix.width + dark[len(dark) // 2][0]
    red, _, blue = pix.samples[index * pix.n : index * pix.n + 3]
    assert blue > red  # blue ink


def test_fitted_centred_and_proportions_kept() -> None:
    # A tall, narrow mark (straight strokes, so each path's rect is exact).
    strokes = (((0.45, 0.1), (0.55, 0.9)), ((0.55, 0.1), (0.45, 0.9)))
    hw = handwriting(strokes=strokes, aspect=1.0)
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    draw_handwriting(page, BOX, hw, stamp_height=0, margin=0, pen_width=1.0)
    rect = pymupdf.Rect()
    for drawing in page.get_drawings():
        rect |= drawing["rect"]
    inner = ink_area(BOX, 0, 0.5)
    assert rect.height == pytest.approx(inner.height, abs=0.01)  # fills the height
    assert rect.width / rect.height == pytest.approx(0.1 / 0.8, rel=0.01)  # not stretched
    assert (rect.x0 + rect.x1) / 2 == pytest.approx((BOX.x0 + BOX.x1) / 2, abs=0.01)
    doc.close()


def test_a_box_too_small_for_the_stamp_gets_the_ink_anyway() -> None:
    low = pymupdf.Rect(100, 100, 300, 130)
    assert ink_area(low).y1 == low.y1 - 3  # no room kept for the stamp
    doc = pymupdf.open()
    page = doc.new_page()
    draw_handwriting(page, low, handwriting())
    assert all(d["rect"] in low for d in page.get_drawings())
    doc.close()
