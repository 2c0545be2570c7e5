"""The README's first command with no display: the demo table plays its session
offscreen and writes screenshots of the seven views at four moments."""

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage


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
    files = sorted(shots.glob("*.png"))
    assert len(files) == 29  # 4 moments × 7 views, and the secretary's panel
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
