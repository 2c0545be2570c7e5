"""Where the tests that show a screen put what it looks like.

With ``TABLE_APP_SCREENSHOTS`` set (``scripts/screenshots.sh`` sets it to
``docs/screenshots``), the README's pictures are made again from the tests
that bring each screen to the state it shows; otherwise they go beside the
test's own files (``tmp_path``), never to a fixed path two runs would share.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

#: Set to a folder, the README's screenshots are written there.
ENV = "TABLE_APP_SCREENSHOTS"


def screenshot_folder(tmp_path: Path) -> Path:
    """``$TABLE_APP_SCREENSHOTS`` when set, else ``tmp_path/captures``; made."""
    folder = Path(os.environ.get(ENV) or tmp_path / "captures")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_shot(widget: Any, tmp_path: Path, name: str) -> Path:
    """``widget`` as the screen shows it, saved as ``name``.png (``screenshot_folder``).

    The layouts a change just asked for are done first: the screen does them
    before it paints, ``grab`` does not (a label whose text just grew drawn
    squeezed into its old height). Without running the event loop, which an
    asyncio test may be inside."""
    from PySide6.QtCore import QCoreApplication, QEvent

    for _pass in range(3):  # a layout done may ask for its parent's
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest.value)
    path = screenshot_folder(tmp_path) / f"{name}.png"
    assert widget.grab().save(str(path))
    return path


def pdf_page_shot(pdf: Path, tmp_path: Path, name: str, dpi: int) -> Path:
    """Page 1 of ``pdf`` as a person looks at it (poppler's ``pdftoppm``, a
    renderer that is not ours), saved as ``name``.png."""
    stem = tmp_path / f"{name}-page"
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", "-singlefile", "-f", "1", "-l", "1", pdf, stem],
        check=True,
    )
    path = screenshot_folder(tmp_path) / f"{name}.png"
    path.write_bytes(stem.with_suffix(".png").read_bytes())
    return path
