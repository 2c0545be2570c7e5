"""The README's first command with no display: the demo table plays its session
offscreen and writes screenshots of the seven views at four moments."""

import os
import subprocess
import sys
from pathlib import Path

import pymupdf
from PySide6.QtGui import QImage

from table_app.export.deliberation_pdf import SIGNATURE_BOXES


def test_the_offscreen_demo_writes_screenshots_of_every_view(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    done = subprocess.run(
        [sys.executable, "-m", "screens.cli", "demo", "--dir", str(tmp_path / "demo")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    shots = tmp_path / "demo" / "captures"
    assert f"captures d'écran des vues dans {shots}" in done.stdout
    assert "Documents signés (9" in done.stdout
    exports = tmp_path / "demo" / "donnees" / "exports" / "2026-11-28" / "signées"
    # The summaries written in the debates dialog are in the procès-verbal.
    with pymupdf.open(exports / "2026-11-28_proces-verbal.pdf") as doc:
        flags = pymupdf.TEXTFLAGS_TEXT & ~pymupdf.TEXT_PRESERVE_LIGATURES
        minutes = " ".join(" ".join(page.get_text(flags=flags).split()) for page in doc)
    assert "Trois entreprises ont répondu à la consultation." in minutes
    # The signatures drawn on the pad are in the boxes, as vector ink.
    with pymupdf.open(exports / "2026-11-28_liste-des-deliberations.pdf") as doc:
        drawings = doc[-1].get_drawings()
    for box in SIGNATURE_BOXES.values():
        assert any(box.contains(d["rect"]) and d["rect"] != box for d in drawings)
    files = sorted(shots.glob("*.png"))
    # 4 moments × 7 views; the debates, the mayor's signature pad, the secretary's panel.
    assert len(files) == 31
    moments = {f.name.split("-")[0] for f in files}
    assert moments == {"1", "2", "3", "4", "5"}
    for path in files:
        image = QImage(str(path))
        assert (image.width(), image.height()) == (1920, 1080), path.name
    # The seat following the mayor shows the projected budget page, not a blank area.
    seat = QImage(str(shots / "2-point-en-discussion-siege-1.png"))
    dark = sum(
        1
        for x in range(900, 1800, 9)
        for y in range(250, 850, 9)
        if seat.pixelColor(x, y).lightness() < 100
    )
    assert dark > 50
