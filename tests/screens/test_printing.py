"""Printing for the register: a real cupsd with a cups-pdf queue, real PDFs, no mocks.

The ``cups`` fixture starts its own cupsd (Debian's cups and
printer-driver-cups-pdf) in a temporary folder: its own cupsd.conf and
cups-files.conf, listening only on a domain socket there, no browsing, logs
there.  The cups-pdf backend reads its settings from /etc/cups/cups-pdf.conf
(compiled in), so cupsd runs in a private mount namespace where a
temporary cups-pdf.conf is bound over that file: the printed PDFs land in the
temporary folder and nothing of the machine's CUPS is touched.  Clients
(lpadmin, lpstat, libcups in Qt's print plugin) find it through CUPS_SERVER.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import itertools
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pymupdf
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtPrintSupport import QPrinter
from pytestqt.qtbot import QtBot

from screens.printing import (
    CANCELLED_MESSAGE,
    NO_PRINTER_MESSAGE,
    PrintCancelled,
    PrinterChooser,
    PrintError,
    PrintJob,
    make_printer,
    print_pdfs,
)

QUEUE = "Registre"
CUPS_PDF_BACKEND = Path("/usr/lib/cups/backend/cups-pdf")
CUPS_PDF_PPD = Path("/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd")
# cupsd, in its own mount namespace, sees our cups-pdf.conf in place of the machine's.
_START_CUPSD = 'mount --bind "$1" /etc/cups/cups-pdf.conf && exec "$2" -f -c "$3" -s "$4"'


# --- a real cupsd -----------------------------------------------------------------------------


def _reset_libcups() -> None:
    """Make libcups read CUPS_SERVER again on this thread (it keeps the server per thread)."""
    name = ctypes.util.find_library("cups")
    if name:
        ctypes.CDLL(name).cupsSetServer(None)


@contextlib.contextmanager
def cups_server(address: str) -> Iterator[None]:
    """Point libcups (lp*, Qt's print plugin) at ``address`` for the duration."""
    old = os.environ.get("CUPS_SERVER")
    os.environ["CUPS_SERVER"] = address
    _reset_libcups()
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("CUPS_SERVER", None)
        else:
            os.environ["CUPS_SERVER"] = old
        _reset_libcups()


@dataclass
class Cups:
    root: Path
    socket: Path
    out: Path
    process: subprocess.Popen[bytes]

    def run(self, *args: str) -> str:
        env = {**os.environ, "CUPS_SERVER": str(self.socket), "LC_ALL": "C"}
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=60)
        if done.returncode:
            raise AssertionError(f"{' '.join(args)}: {done.stderr or done.stdout}")
        return done.stdout

    def outputs(self) -> set[Path]:
        return set(self.out.glob("*.pdf"))

    def jobs(self) -> list[str]:
        """Every job the queue has had (completed or not)."""
        return self.run("lpstat", "-W", "all", "-o", QUEUE).splitlines()

    def idle(self) -> bool:
        return not self.run("lpstat", "-o", QUEUE).strip()

    def log(self, name: str = "error_log") -> str:
        path = self.root / "log" / name
        return path.read_text(errors="replace") if path.exists() else ""


def _cupsd_configuration(root: Path) -> None:
    for name in ("etc", "spool", "cache", "state", "log", "out", "cups-pdf-spool"):
        (root / name).mkdir()
    (root / "tmp").mkdir(mode=0o1777)
    (root / "tmp").chmod(0o1777)  # filters run as lp
    root.chmod(0o755)
    (root / "etc" / "cups-files.conf").write_text(
        f"ServerRoot {root}/etc\n"
        f"RequestRoot {root}/spool\n"
        f"CacheDir {root}/cache\n"
        f"StateDir {root}/state\n"
        f"TempDir {root}/tmp\n"
        f"ErrorLog {root}/log/error_log\n"
        f"AccessLog {root}/log/access_log\n"
        f"PageLog {root}/log/page_log\n"
        f"Printcap {root}/printcap\n"
        "SystemGroup root\n"
        "FileDevice No\n"
    )
    (root / "etc" / "cupsd.conf").write_text(
        "LogLevel info\n"
        f"Listen {root}/cups.sock\n"
        "Browsing No\n"
        "BrowseLocalProtocols none\n"
        "DefaultAuthType None\n"
        "WebInterface No\n"
        "<Location />\n  Order allow,deny\n  Allow all\n</Location>\n"
        "<Policy default>\n"
        "  JobPrivateAccess all\n  JobPrivateValues none\n"
        "  SubscriptionPrivateAccess all\n  SubscriptionPrivateValues none\n"
        "  <Limit All>\n    Order deny,allow\n  </Limit>\n"
        "</Policy>\n"
    )
    (root / "cups-pdf.conf").write_text(
        f"Out {root}/out\n"
        f"AnonDirName {root}/out\n"
        f"Spool {root}/cups-pdf-spool\n"
        f"Log {root}/log\n"
        "LogType 3\n"
        "Grp root\n"
        "UserUMask 0022\n"
    )


@pytest.fixture(scope="module")
def cups() -> Iterator[Cups]:
    """A cupsd of our own with one cups-pdf queue, "Registre", the default printer."""
    cupsd = shutil.which("cupsd") or shutil.which("cupsd", path="/usr/sbin")
    if cupsd is None:
        pytest.skip("cupsd is not installed (Debian package cups)")
    assert os.geteuid() == 0, "cups-pdf runs only from a cupsd started as root"
    assert CUPS_PDF_BACKEND.exists(), "the cups-pdf backend is missing (printer-driver-cups-pdf)"
    # A domain socket path is at most 107 bytes: a short folder right under /tmp.
    root = Path(tempfile.mkdtemp(prefix="cups-", dir="/tmp"))
    _cupsd_configuration(root)
    log = (root / "log" / "cupsd.out").open("wb")
    try:
        process = subprocess.Popen(
            [
                "unshare",
                "--mount",
                "--propagation",
                "private",
                "--",
                "sh",
                "-c",
                _START_CUPSD,
                "sh",
                str(root / "cups-pdf.conf"),
                cupsd,
                str(root / "etc" / "cupsd.conf"),
                str(root / "etc" / "cups-files.conf"),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    finally:
        log.close()
    server = Cups(root, root / "cups.sock", root / "out", process)
    try:
        deadline = time.monotonic() + 30
        while not server.socket.exists():
            if process.poll() is not None:
                output = (root / "log" / "cupsd.out").read_text(errors="replace")
                if "mount" in output or "unshare" in output:
                    pytest.skip(f"cannot give cupsd its own cups-pdf.conf: {output.strip()}")
                raise AssertionError(f"cupsd stopped: {output}\n{server.log()}")
            assert time.monotonic() < deadline, f"cupsd did not start:\n{server.log()}"
            time.sleep(0.05)
        models = server.run("lpinfo", "-m")
        model = next(
            (line.split()[0] for line in models.splitlines() if line.endswith("(w/ options)")),
            None,
        )
        driver = ["-m", model] if model else ["-P", str(CUPS_PDF_PPD)]
        server.run("lpadmin", "-p", QUEUE, "-E", "-v", "cups-pdf:/", *driver)
        server.run("lpadmin", "-d", QUEUE)
        with cups_server(str(server.socket)):
            yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        shutil.rmtree(root, ignore_errors=True)


# --- documents -----------------------------------------------------------------------------


def deliberation(path: Path, number: str, pages: int, landscape_last: bool = False) -> Path:
    """A signed-looking extract of the register: text on every page, a signature box."""
    doc = pymupdf.open()
    for page_number in range(1, pages + 1):
        landscape = landscape_last and page_number == pages
        page = doc.new_page(width=842 if landscape else 595, height=595 if landscape else 842)
        page.insert_text((72, 80), "RÉPUBLIQUE FRANÇAISE", fontsize=14)
        page.insert_text((72, 110), f"Extrait du registre des délibérations n° {number}")
        text = (
            "Le conseil municipal, après en avoir délibéré, adopte à l'unanimité "
            "le budget primitif de l'exercice. "
        ) * 12
        page.insert_textbox(pymupdf.Rect(72, 140, page.rect.width - 72, 600), text, fontsize=11)
        page.insert_text((72, page.rect.height - 60), f"Page {page_number} / {pages}")
        if page_number == pages:
            box = pymupdf.Rect(330, page.rect.height - 200, 540, page.rect.height - 90)
            page.draw_rect(box, color=(0, 0, 0.6), width=1.5)
            page.insert_text((340, box.y0 + 25), "Le maire", fontsize=11)
            page.draw_bezier(
                (350, box.y1 - 20), (400, box.y0 + 20), (450, box.y1), (520, box.y0 + 40)
            )
    doc.save(path)
    doc.close()
    return path


@pytest.fixture
def documents(tmp_path: Path) -> list[Path]:
    """Two deliberations: 3 pages (the last in landscape) and 2 pages."""
    return [
        deliberation(tmp_path / "2026-041.pdf", "2026-041", 3, landscape_last=True),
        deliberation(tmp_path / "2026-042.pdf", "2026-042", 2),
    ]


def ink(page: pymupdf.Page) -> float:
    """The share of a page's pixels that are not white."""
    pix = page.get_pixmap(dpi=40, colorspace=pymupdf.csGRAY)
    samples = pix.samples
    return sum(1 for value in samples if value < 200) / len(samples)


def pdf_printer(path: Path) -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    return printer


class Outcome:
    """What a PrintJob said, and how many times the GUI thread ran meanwhile."""

    def __init__(self, job: PrintJob) -> None:
        self.ticks = 0
        self.ticks_at_progress: list[int] = []
        self.progress: list[tuple[int, int]] = []
        self.result: tuple[str, object] | None = None
        job.progressed.connect(self._on_job_progressed)
        job.finished.connect(lambda pages: self._end("finished", pages))
        job.failed.connect(lambda message: self._end("failed", message))
        job.cancelled.connect(lambda message: self._end("cancelled", message))
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._on_timer_timeout)
        self.timer.start()

    def _on_timer_timeout(self) -> None:
        self.ticks += 1

    def _on_job_progressed(self, done: int, total: int) -> None:
        self.progress.append((done, total))
        self.ticks_at_progress.append(self.ticks)

    def _end(self, kind: str, payload: object) -> None:
        self.timer.stop()
        self.result = (kind, payload)


def run_job(qtbot: QtBot, job: PrintJob, *, cancel_after: int | None = None) -> Outcome:
    outcome = Outcome(job)
    if cancel_after is not None:

        def cancel(done: int, _total: int) -> None:
            if done >= cancel_after:
                job.cancel()

        job.progressed.connect(cancel)
    job.start()
    qtbot.waitUntil(lambda: outcome.result is not None, timeout=180_000)
    assert job.wait(10_000)
    return outcome


# --- printing to the CUPS queue ----------------------------------------------------------------


def test_two_pdfs_print_as_one_job_to_the_cups_queue_without_stalling_the_gui(
    qtbot: QtBot, cups: Cups, documents: list[Path]
) -> None:
    before = cups.outputs()
    jobs_before = len(cups.jobs())
    printer = make_printer(QUEUE)
    assert printer.outputFormat() == QPrinter.OutputFormat.NativeFormat
    assert printer.printerName() == QUEUE
    job = PrintJob(documents, printer)  # 300 dpi, as for the register

    outcome = run_job(qtbot, job)

    assert outcome.result == ("finished", 5), outcome.result
    assert outcome.progress == [(n, 5) for n in range(1, 6)]
    # The GUI thread ran between every two pages (the timer ticked), however long they took.
    ticks = outcome.ticks_at_progress
    assert all(b > a for a, b in itertools.pairwise(ticks)), ticks
    assert ticks[0] > 0
    assert len(cups.jobs()) == jobs_before + 1  # one job for both files

    qtbot.waitUntil(lambda: bool(cups.outputs() - before) and cups.idle(), timeout=180_000)
    (output,) = cups.outputs() - before
    with pymupdf.open(output) as printed:
        assert printed.page_count == 5
        for page in printed:
            assert page.rect.width < page.rect.height  # A4 portrait, the landscape page turned
            assert round(page.rect.width) in (595, 596)
            assert ink(page) > 0.01, f"page {page.number + 1} came out blank"


def test_the_chooser_lists_the_cups_queues_default_first_and_counts_copies(
    qtbot: QtBot, cups: Cups
) -> None:
    cups.run("lpadmin", "-p", "Accueil", "-E", "-v", "cups-pdf:/", "-P", str(CUPS_PDF_PPD))
    try:
        chooser = PrinterChooser("2 documents, 5 pages")
        qtbot.addWidget(chooser)
        chooser.resize(1100, 760)
        chooser.show()

        assert chooser.printer_names() == [QUEUE, "Accueil"]  # the default first
        assert chooser.selected_printer() == QUEUE
        first = chooser._buttons[QUEUE]
        assert "par défaut" in first.text()
        assert "prête" in first.text()
        assert "par défaut" not in chooser._buttons["Accueil"].text()
        assert not chooser.message.isVisible()
        touch_targets = [
            *chooser._buttons.values(),
            chooser.minus_button,
            chooser.plus_button,
            chooser.cancel_button,
            chooser.print_button,
        ]
        assert all(b.height() >= 64 and b.width() >= 64 for b in touch_targets)

        assert chooser.copies() == 1
        assert not chooser.minus_button.isEnabled()
        qtbot.mouseClick(chooser.plus_button, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(chooser.plus_button, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(chooser.minus_button, Qt.MouseButton.LeftButton)
        assert chooser.copies() == 2
        assert chooser.copies_label.text() == "2"
        chooser.set_copies(99)
        assert chooser.copies() == 20
        assert not chooser.plus_button.isEnabled()
        chooser.set_copies(2)

        qtbot.mouseClick(chooser._buttons["Accueil"], Qt.MouseButton.LeftButton)
        assert chooser.selected_printer() == "Accueil"
        printer = chooser.printer()
        assert printer is not None
        assert printer.printerName() == "Accueil"
        assert printer.copyCount() == 2
        assert printer.duplex() == QPrinter.DuplexMode.DuplexNone
        assert printer.pageLayout().pageSize().id().name == "A4"
    finally:
        cups.run("lpadmin", "-x", "Accueil")


def test_cancel_in_the_middle_sends_nothing_to_the_printer(
    qtbot: QtBot, cups: Cups, documents: list[Path]
) -> None:
    jobs_before = len(cups.jobs())
    printer = make_printer(QUEUE, copies=2)
    job = PrintJob(documents * 2, printer, dpi=150)

    outcome = run_job(qtbot, job, cancel_after=2)

    assert outcome.result == ("cancelled", CANCELLED_MESSAGE)
    assert outcome.progress[-1][0] < 10
    # cupsd refused the cancelled job before creating it: no job, nothing printed.
    assert len(cups.jobs()) == jobs_before
    refused = [line for line in cups.log("access_log").splitlines() if "Create-Job" in line]
    assert refused, cups.log("access_log")
    assert refused[-1].endswith("client-error-attributes-or-values-not-supported"), refused
    assert printer.copyCount() == 2  # the printer is as the secretary set it


def test_a_queue_that_refuses_jobs_is_reported_in_french(
    qtbot: QtBot, cups: Cups, documents: list[Path]
) -> None:
    jobs_before = len(cups.jobs())
    cups.run("cupsreject", QUEUE)
    try:
        job = PrintJob(documents, make_printer(QUEUE), dpi=100)
        outcome = run_job(qtbot, job)
    finally:
        cups.run("cupsaccept", QUEUE)
    assert outcome.result is not None
    kind, message = outcome.result
    assert kind == "failed"
    assert message == (
        f"L'imprimante « {QUEUE} » a refusé le travail : elle n'accepte plus de travaux "
        "(suspendue dans CUPS). Rien n'a été imprimé ; vérifiez l'imprimante puis recommencez."
    )
    assert len(cups.jobs()) == jobs_before


def test_the_chooser_says_so_when_no_printer_is_installed(qtbot: QtBot, tmp_path: Path) -> None:
    with cups_server(str(tmp_path / "nobody-listens.sock")):
        chooser = PrinterChooser()
        qtbot.addWidget(chooser)
        chooser.show()
        assert chooser.printer_names() == []
        assert chooser.message.isVisible()
        assert chooser.message.text() == NO_PRINTER_MESSAGE
        assert chooser.message.text().startswith(
            "Aucune imprimante n'est installée sur la table : "
        )
        assert not chooser.print_button.isEnabled()
        assert not chooser.plus_button.isVisible()
        assert chooser.printer() is None


# --- errors, and printing to a PDF file (where no CUPS can run) ---------------------------------


def test_print_pdfs_to_a_file_fits_every_page_on_a4(tmp_path: Path, documents: list[Path]) -> None:
    out = tmp_path / "registre.pdf"
    printer = pdf_printer(out)
    printer.setColorMode(QPrinter.ColorMode.GrayScale)
    progress: list[tuple[int, int]] = []

    pages = print_pdfs(documents, printer, dpi=100, progress=lambda *p: progress.append(p))

    assert pages == 5
    assert progress[-1] == (5, 5)
    with pymupdf.open(out) as printed:
        assert printed.page_count == 5
        for page in printed:
            assert page.rect.width < page.rect.height
            assert ink(page) > 0.01


def test_an_unreadable_pdf_stops_the_job_before_anything_is_printed(
    qtbot: QtBot, tmp_path: Path, documents: list[Path]
) -> None:
    broken = tmp_path / "2026-043.pdf"
    broken.write_bytes(documents[0].read_bytes()[:700])  # cut short by a bad copy
    missing = tmp_path / "2026-044.pdf"
    garbage = tmp_path / "2026-045.pdf"
    garbage.write_text("Ceci n'est pas un PDF.")
    out = tmp_path / "registre.pdf"
    job = PrintJob([documents[0], broken, missing, garbage], pdf_printer(out), dpi=100)

    outcome = run_job(qtbot, job)

    assert outcome.result == (
        "failed",
        "Impression impossible, rien n'a été envoyé à l'imprimante. "
        "« 2026-043.pdf » : il est abîmé ou incomplet (copie interrompue ?) ; "
        "« 2026-044.pdf » : le fichier est introuvable ; "
        "« 2026-045.pdf » : ce n'est pas un PDF lisible. "
        "Vérifiez ce qui est signalé, puis recommencez.",
    )
    assert outcome.progress == []
    assert not out.exists()


@pytest.mark.qt_log_ignore("QPainter::begin")
def test_a_printer_that_cannot_be_opened_is_reported_in_french(
    qtbot: QtBot, tmp_path: Path, documents: list[Path]
) -> None:
    printer = pdf_printer(tmp_path / "no such folder" / "registre.pdf")
    job = PrintJob(documents, printer, dpi=100)

    outcome = run_job(qtbot, job)

    assert outcome.result == (
        "failed",
        "L'imprimante « registre.pdf » n'a pas pu être ouverte : rien n'a été imprimé. "
        "Vérifiez qu'elle est allumée et branchée, puis recommencez.",
    )
    with pytest.raises(PrintError, match="n'a pas pu être ouverte"):
        print_pdfs(documents, printer, dpi=100)


def test_print_pdfs_cancelled_leaves_no_file(tmp_path: Path, documents: list[Path]) -> None:
    out = tmp_path / "registre.pdf"
    stop = threading.Event()

    def progress(done: int, total: int) -> None:
        if done == 2:
            stop.set()

    with pytest.raises(PrintCancelled, match="rien n'a été envoyé"):
        print_pdfs(documents, pdf_printer(out), dpi=100, progress=progress, cancelled=stop)
    assert not out.exists()
