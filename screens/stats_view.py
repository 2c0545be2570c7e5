"""Statistiques: who came to the council's sessions, on the mayor's screen.

« Statistiques » is a button of the master screen between sessions (hidden
while a session is open: the bottom row is the session's then), opening this
panel over the whole window. A bar per member, read at arm's length: present,
represented, absent excused and absent unexcused stacked in that order, each
part with a pattern of its own besides its colour (solid, stripes, dots,
grid), so that a colour-blind reader tells them apart, and its count written
on it when the part is wide enough to still show its pattern around it; the
legend says each in words. The year is chosen with big buttons; the sessions
of the period are listed beside, with their quorum margin.

The figures come from ``table_app.stats`` (the journal's events only), read
on a worker thread: the first reading of a long journal takes a moment, the
next ones only read the sessions that changed (``SummaryCache``, kept by the
dialog and in the data folder). Each opening reads again, and so does each
event of the master screen's session while the panel is shown.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QFrame,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from screens.session_model import SessionModel
from screens.widgets import cover_parent_window, label
from table_app.french import long_date
from table_app.journal import Journal
from table_app.stats import (
    EXCUSED,
    PRESENT,
    REPRESENTED,
    UNEXCUSED,
    MemberStats,
    SessionSummary,
    Statistics,
    SummaryCache,
    aggregate,
    signed,
)

log = logging.getLogger("screens")

_TILE = 24  # the patterns' period, in pixels: coarse enough to be seen at arm's length


@dataclass(frozen=True)
class Part:
    """One part of a bar: what it counts, its words, its colour and pattern."""

    key: str
    legend: str
    colour: str
    pattern: str  # "solid", "stripes", "dots", "grid"

    def count(self, member: MemberStats) -> int:
        return {
            PRESENT: member.present,
            REPRESENTED: member.represented,
            EXCUSED: member.excused,
            UNEXCUSED: member.unexcused,
        }[self.key]


#: Dark to light and back to dark, each with its own pattern (Okabe-Ito hues:
#: told apart by the commonest colour blindnesses, and by luminance in grey).
PARTS = (
    Part(PRESENT, "Présent", "#1d4f91", "solid"),
    Part(REPRESENTED, "Représenté (procuration)", "#56b4e9", "stripes"),
    Part(EXCUSED, "Absent excusé", "#e69f00", "dots"),
    Part(UNEXCUSED, "Absent non excusé", "#a8321e", "grid"),
)


def pattern_brush(part: Part) -> QBrush:
    """The part's colour with its pattern drawn in white, as a tiling texture."""
    tile = QPixmap(_TILE, _TILE)
    tile.fill(QColor(part.colour))
    if part.pattern != "solid":
        painter = QPainter(tile)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        white = QColor("#ffffff")
        if part.pattern == "stripes":  # lines x + y = 24 k: seamless from tile to tile
            painter.setPen(QPen(white, 5))
            for k in (0, 1, 2):
                painter.drawLine(QPointF(k * _TILE - _TILE, _TILE), QPointF(k * _TILE, 0))
        elif part.pattern == "dots":
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(white)
            for x, y in ((6, 6), (18, 18)):
                painter.drawEllipse(QPointF(x, y), 4, 4)
        elif part.pattern == "grid":
            painter.setPen(QPen(white, 4))
            painter.drawLine(QPointF(_TILE / 2, 0), QPointF(_TILE / 2, _TILE))
            painter.drawLine(QPointF(0, _TILE / 2), QPointF(_TILE, _TILE / 2))
        painter.end()
    return QBrush(tile)


def _font(px: int, bold: bool = False, italic: bool = False) -> QFont:
    font = QFont("DejaVu Sans")
    font.setPixelSize(px)
    font.setBold(bold)
    font.setItalic(italic)
    return font


def chart_name(member: MemberStats) -> tuple[str, str | None]:
    """The name as the chart writes it, and the note under it for a member who
    has left: only the mayor's role is said, to leave the bars their room."""
    name = f"{member.name} (maire)" if member.role == "maire" else member.name
    return name, None if member.in_office_now else "a quitté le conseil"


def member_figures(member: MemberStats) -> str:
    """What follows the bar: "2 sur 2 · 1 retard"."""
    text = f"{member.present} sur {member.sessions}"
    if member.late:
        text += f" · {member.late} retard{'s' if member.late > 1 else ''}"
    return text


class AttendanceChart(QWidget):
    """The members' bars, drawn with QPainter (PySide6-Essentials has no QtCharts).

    Under a header row, one row a member: the name, then their sessions as a
    bar (one unit a session held during their mandate) in four parts, each
    part's count on a white label when the part is wide enough for it, then
    "N sur M" (present at N of the M sessions) and the late arrivals.
    """

    NAME_PX = 26
    COUNT_PX = 22
    NOTE_PX = 18
    HEADER_PX = 22
    HEADER = 40
    ROW_MIN = 46
    ROW_MAX = 64
    HEADINGS = ("Élu", "Séances tenues pendant son mandat", "Présent")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.stats: Statistics | None = None
        self._brushes = {part.key: pattern_brush(part) for part in PARTS}

    def set_statistics(self, stats: Statistics | None) -> None:
        self.stats = stats
        rows = len(stats.members) if stats else 0
        self.setMinimumHeight(self.HEADER + rows * self.ROW_MIN + 4 if rows else 0)
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        rows = len(self.stats.members) if self.stats else 10
        return QSize(1100, self.HEADER + rows * self.ROW_MAX)

    def row_rects(self) -> list[tuple[MemberStats, QRectF]]:
        """Each member's bar as drawn (for the tests)."""
        if not self.stats or not self.stats.members:
            return []
        g = self._geometry()
        return [
            (member, QRectF(g.bar_left, g.top(n), member.sessions * g.unit, g.bar))
            for n, member in enumerate(self.stats.members)
        ]

    @dataclass(frozen=True)
    class _Geometry:
        name_width: float
        bar_left: float
        bar_width: float
        figures_left: float
        header: float
        row: float
        bar: float
        unit: float

        def row_top(self, n: int) -> float:
            return self.header + n * self.row

        def top(self, n: int) -> float:
            return self.row_top(n) + (self.row - self.bar) / 2

    def _geometry(self) -> AttendanceChart._Geometry:
        assert self.stats is not None
        members = self.stats.members
        names = QFontMetrics(_font(self.NAME_PX, bold=True))
        figures = QFontMetrics(_font(self.NAME_PX))
        headings = QFontMetrics(_font(self.HEADER_PX, bold=True))
        name_width = min(
            max(names.horizontalAdvance(chart_name(m)[0]) for m in members) + 24.0,
            self.width() * 0.42,
        )
        figures_width = (
            max(
                headings.horizontalAdvance(self.HEADINGS[2]),
                *(figures.horizontalAdvance(member_figures(m)) for m in members),
            )
            + 40.0
        )
        row = max(self.ROW_MIN, min(self.ROW_MAX, (self.height() - self.HEADER) / len(members)))
        bar_width = max(self.width() - name_width - figures_width, 100.0)
        longest = max(max(m.sessions for m in members), 1)
        return self._Geometry(
            name_width=name_width,
            bar_left=name_width,
            bar_width=bar_width,
            figures_left=name_width + bar_width + 20,
            header=self.HEADER,
            row=row,
            bar=row * 0.72,
            unit=bar_width / longest,
        )

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("#ffffff"))
        if not self.stats or not self.stats.members:
            painter.end()
            return
        g = self._geometry()
        self._paint_headings(painter, g)
        for n, member in enumerate(self.stats.members):
            self._paint_row(painter, g, n, member)
        painter.end()

    def _paint_headings(self, painter: QPainter, g: AttendanceChart._Geometry) -> None:
        painter.setFont(_font(self.HEADER_PX, bold=True))
        painter.setPen(QColor("#000091"))
        left, middle, right = self.HEADINGS
        align = Qt.AlignmentFlag.AlignVCenter
        painter.drawText(
            QRectF(8, 0, g.name_width - 20, g.header),
            int(align | Qt.AlignmentFlag.AlignRight),
            left,
        )
        painter.drawText(
            QRectF(g.bar_left, 0, g.bar_width, g.header),
            int(align | Qt.AlignmentFlag.AlignLeft),
            middle,
        )
        painter.drawText(
            QRectF(g.figures_left, 0, self.width() - g.figures_left, g.header),
            int(align | Qt.AlignmentFlag.AlignLeft),
            right,
        )
        painter.setPen(QPen(QColor("#929292"), 1))
        painter.drawLine(QPointF(0, g.header - 1), QPointF(self.width(), g.header - 1))

    def _paint_row(
        self, painter: QPainter, g: AttendanceChart._Geometry, n: int, member: MemberStats
    ) -> None:
        top, y = g.row_top(n), g.top(n)
        if n % 2:  # every other row shaded, to follow a row across
            painter.fillRect(QRectF(0, top, self.width(), g.row), QColor("#f0f0f6"))
        name, note = chart_name(member)
        painter.setFont(_font(self.NAME_PX, bold=note is None))
        painter.setPen(QColor("#161616" if note is None else "#3a3a3a"))
        name_rect = QRectF(8, top, g.name_width - 20, g.row if note is None else g.row * 0.58)
        right = Qt.AlignmentFlag.AlignRight
        painter.drawText(
            name_rect,
            int(
                (Qt.AlignmentFlag.AlignVCenter if note is None else Qt.AlignmentFlag.AlignBottom)
                | right
            ),
            QFontMetrics(painter.font()).elidedText(
                name, Qt.TextElideMode.ElideRight, int(name_rect.width())
            ),
        )
        if note is not None:  # under the name, smaller: a former member's history stays
            painter.setFont(_font(self.NOTE_PX, italic=True))
            painter.drawText(
                QRectF(8, top + g.row * 0.58, g.name_width - 20, g.row * 0.42),
                int(Qt.AlignmentFlag.AlignTop | right),
                note,
            )
        count_font = _font(self.COUNT_PX, bold=True)
        counts = QFontMetrics(count_font)
        x = g.bar_left
        for part in PARTS:
            value = part.count(member)
            if not value:
                continue
            rect = QRectF(x, y, value * g.unit, g.bar)
            painter.setBrushOrigin(QPointF(x, y))
            painter.fillRect(rect, self._brushes[part.key])
            if x > g.bar_left:  # a white gap between two parts
                painter.setPen(QPen(QColor("#ffffff"), 3))
                painter.drawLine(QPointF(x, y), QPointF(x, y + g.bar))
            text = str(value)
            chip_w = counts.horizontalAdvance(text) + 10
            chip_h = counts.height() + 2
            # The count only where the part's pattern still shows around it.
            if rect.width() >= chip_w + 20 and rect.height() >= chip_h:
                chip = QRectF(
                    rect.center().x() - chip_w / 2, rect.center().y() - chip_h / 2, chip_w, chip_h
                )
                painter.setPen(QPen(QColor("#161616"), 1.5))
                painter.setBrush(QColor("#ffffff"))
                painter.drawRoundedRect(chip, 6, 6)
                painter.setFont(count_font)
                painter.drawText(chip, int(Qt.AlignmentFlag.AlignCenter), text)
            x += rect.width()
        painter.setPen(QPen(QColor("#161616"), 1.5))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(QRectF(g.bar_left, y, member.sessions * g.unit, g.bar))
        painter.setFont(_font(self.NAME_PX))
        painter.setPen(QColor("#161616"))
        painter.drawText(
            QRectF(g.figures_left, top, self.width() - g.figures_left, g.row),
            int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
            member_figures(member),
        )


class LegendSwatch(QWidget):
    """One part of the legend: its pattern in a big square, then its words."""

    def __init__(self, part: Part, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.part = part
        self._brush = pattern_brush(part)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(64, 0, 0, 0)  # room for the square
        layout.addWidget(label(part.legend))

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        square = QRectF(4, (self.height() - 44) / 2, 52, 44)
        painter.setBrushOrigin(square.topLeft())
        painter.fillRect(square, self._brush)
        painter.setPen(QPen(QColor("#161616"), 1.5))
        painter.drawRect(square)
        painter.end()


class _Bridge(QObject):
    """Brings the worker thread's result to the GUI thread (a queued signal)."""

    finished = Signal(object)
    failed = Signal(str)


class StatsPanel(QWidget):
    """The content of « Statistiques »: year buttons, legend, bars, sessions.

    Attributes:
        year: the year shown (None: every year); the latest one at first.
        stats: what is shown.
        chart: the members' bars; sessions: the year's sessions.
        year_buttons: one big button per year with a session held, then
            "Toutes les années".

    Signals:
        updated(): new figures are on screen (the tests wait for it).
    """

    updated = Signal()

    def __init__(
        self,
        model: SessionModel,
        journal: Journal,
        cache_path: Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.journal = journal
        self.cache = SummaryCache(cache_path)
        self.year: int | None = None
        self._year_chosen = False
        self.stats: Statistics | None = None
        self._summaries: list[SessionSummary] = []
        self._reading: threading.Thread | None = None
        self._busy = False
        self._stale = True
        self._bridge = _Bridge(self)
        self._bridge.finished.connect(self._on_reader_finished)
        self._bridge.failed.connect(self._on_reader_failed)

        self.title = label("Participation aux séances", "sectionTitle")
        self.summary = label("", "muted", wrap=True)
        self.year_row = QHBoxLayout()
        self.year_row.setSpacing(12)
        self.year_group = QButtonGroup(self)
        self.year_group.setExclusive(True)
        self.year_buttons: dict[int | None, QPushButton] = {}
        self.top = QHBoxLayout()
        self.top.setSpacing(12)
        self.top.addWidget(self.title)
        self.top.addStretch(1)
        self.top.addLayout(self.year_row)

        legend = QHBoxLayout()
        legend.setSpacing(28)
        for part in PARTS:
            legend.addWidget(LegendSwatch(part))
        legend.addStretch(1)

        self.chart = AttendanceChart()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.chart)
        self.sessions = QListWidget()
        self.sessions.setWordWrap(True)
        self.sessions.setSpacing(8)
        self.sessions.setStyleSheet("font-size: 24px;")  # three lines a session, none cut
        self.sessions.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.sessions.setSelectionMode(QListWidget.SelectionMode.NoSelection)
        self.sessions.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        right = QVBoxLayout()
        right.addWidget(label("Séances de la période", "sectionTitle"))
        right.addWidget(self.sessions, 1)

        body = QHBoxLayout()
        body.setSpacing(20)
        body.addWidget(scroll, 2)
        body.addLayout(right, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(10)
        layout.addLayout(self.top)
        layout.addWidget(self.summary)
        layout.addLayout(legend)
        layout.addLayout(body, 1)
        model.event_recorded.connect(self._on_model_event_recorded)

    # --- reading -------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        """Read again at each opening: another session, or a command line, may have
        recorded events since (the cache reads only those)."""
        super().showEvent(event)
        self.reload()

    def _on_model_event_recorded(self, _event: object) -> None:
        self._stale = True
        if self.isVisible():
            self.reload()

    def reload(self) -> None:
        """Read the journal again, off the GUI thread; ``updated`` once shown."""
        self._stale = False
        if self._busy:
            self._stale = True  # read again when this reading ends
            return
        self._busy = True
        cache, journal, bridge = self.cache, self.journal, self._bridge

        def read() -> None:
            try:
                summaries = cache.summaries(journal)
            except Exception as error:
                log.exception("Statistiques illisibles")
                with contextlib.suppress(RuntimeError):  # the screen closed meanwhile
                    bridge.failed.emit(f"Statistiques impossibles à lire : {error}")
                return
            with contextlib.suppress(RuntimeError):
                bridge.finished.emit(summaries)

        # A Python thread, not a QThread: nothing of Qt to outlive the panel.
        self._reading = threading.Thread(target=read, name="statistiques", daemon=True)
        if self.stats is None:
            self.summary.setText("Lecture du journal des séances…")
        self._reading.start()

    def wait(self) -> None:
        """Until the reading in progress is on screen (tests, screenshots)."""
        while self._busy:
            if self._reading is not None:
                self._reading.join()
            QCoreApplication.processEvents()

    def _on_reader_finished(self, summaries: list[SessionSummary]) -> None:
        self._summaries = summaries
        self._show()
        self._done()

    def _on_reader_failed(self, message: str) -> None:
        self.summary.setText(message)
        self._done()

    def _done(self) -> None:
        self._busy = False
        if self._stale and self.isVisible():
            self.reload()

    # --- showing -------------------------------------------------------------

    def choose_year(self, year: int | None) -> None:
        self.year = year
        self._year_chosen = True
        self._show()

    def _show(self) -> None:
        every = aggregate(self._summaries, None)
        if not self._year_chosen or (self.year is not None and self.year not in every.years):
            self.year = every.years[-1] if every.years else None
        self._year_buttons(every.years)
        stats = aggregate(self._summaries, self.year)
        self.stats = stats
        self.chart.set_statistics(stats)
        self._fill_sessions(stats.sessions)
        self.summary.setText(summary_text(stats))
        self.updated.emit()

    def _year_buttons(self, years: Sequence[int]) -> None:
        wanted: list[int | None] = [*years, None]
        if list(self.year_buttons) != wanted:
            for button in self.year_buttons.values():
                self.year_group.removeButton(button)
                self.year_row.removeWidget(button)
                button.deleteLater()
            self.year_buttons = {}
            for year in wanted:
                button = QPushButton(str(year) if year is not None else "Toutes les années")
                button.setCheckable(True)
                button.setMinimumWidth(130)
                button.clicked.connect(lambda _checked=False, y=year: self.choose_year(y))
                self.year_group.addButton(button)
                self.year_row.addWidget(button)
                self.year_buttons[year] = button
        if self.year in self.year_buttons:
            self.year_buttons[self.year].setChecked(True)

    def _fill_sessions(self, sessions: Sequence[SessionSummary]) -> None:
        self.sessions.clear()
        for s in reversed(sessions):  # the latest first
            self.sessions.addItem(QListWidgetItem(session_lines(s)))


class StatsDialog(QDialog):
    """« Statistiques », opened from the mayor's screen between sessions: the
    panel over the whole window (kiosk: no window manager), window-modal, so
    that the seats are never frozen by it."""

    def __init__(
        self,
        model: SessionModel,
        journal: Journal,
        cache_path: Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("screen")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setWindowFlags(Qt.WindowType.Dialog | Qt.WindowType.FramelessWindowHint)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setWindowTitle("Statistiques de participation")
        self.panel = StatsPanel(model, journal, cache_path)
        self.close_button = QPushButton("Fermer")  # not filled: a filled button is the year shown
        self.close_button.clicked.connect(self.accept)
        self.panel.top.addSpacing(36)
        self.panel.top.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.addWidget(self.panel)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        cover_parent_window(self)
        super().showEvent(event)


def summary_text(stats: Statistics) -> str:
    """ "2026 : 11 séances tenues, 48 délibérations ; présence moyenne 87 %"."""
    if not stats.sessions:
        return (
            "Aucune séance tenue sur cette période."
            if stats.years
            else "Aucune séance tenue pour l'instant : les statistiques se rempliront "
            "à la première séance ouverte."
        )
    n = len(stats.sessions)
    seats = sum(m.sessions for m in stats.members)
    rate = round(100 * sum(m.present for m in stats.members) / seats) if seats else 0
    period = f"En {stats.year}" if stats.year is not None else "Depuis le début du journal"
    return (
        f"{period} : {n} séance{'s' if n > 1 else ''} tenue{'s' if n > 1 else ''}, "
        f"{stats.deliberations} délibération{'s' if stats.deliberations > 1 else ''} ; "
        f"présence moyenne {rate} %."
    )


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n > 1 else ''}"


def session_lines(s: SessionSummary) -> str:
    """Three lines for the list: date and deliberations, attendance, quorum."""
    absent = s.count(EXCUSED) + s.count(UNEXCUSED)
    head = long_date(s.date)
    if s.state == "carence":
        head += " · carence"
    else:
        head += f" · {s.deliberations} délibération{'s' if s.deliberations > 1 else ''}"
    attendance = " · ".join(
        _count(n, word)
        for n, word in (
            (s.count(PRESENT), "présent"),
            (s.count(REPRESENTED), "représenté"),
            (absent, "absent"),
        )
    )
    quorum = (
        f"Quorum : {_count(s.opening_present or 0, 'présent')} pour {s.quorum_required}, "
        f"marge {signed(s.quorum_margin)}"
    )
    if s.reconvened:
        quorum += ", séance reconvoquée"
    return f"{head}\n{attendance}\n{quorum}"


__all__ = ["PARTS", "AttendanceChart", "StatsDialog", "StatsPanel", "pattern_brush"]
