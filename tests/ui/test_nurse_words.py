"""Words a nurse uses (issue 16 point 8), on a live window fed by the simulated monitor on a pty: no internal
parameter codes on screen ("Monitor reports: NIBP_DIA invalid, ..." at every start; "No valid value: SPO2"), no
double spaces, no "1 entries"."""

from __future__ import annotations

import re
import time

from PySide6.QtGui import Qt, QTextDocument  # Qt.mightBeRichText lives in QtGui
from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QTabWidget, QWidget

from monitor.app.device_door import LinkEvent, LinkState
from monitor.ui.link_banner import LinkBanner
from monitor.ui.main_window import MainWindow

CODE = re.compile(r"\b(NIBP_[A-Z]+|SPO2|ETCO2|FICO2|TEMP\d|[A-Z]{2,4}_(SYS|DIA|MEAN))\b")
ONE_MANY = re.compile(r"(?<![\d.])1 (entries|checks|boluses|records|chairs|alarms)\b")


def shown_texts(root: QWidget) -> list[str]:
    """Every text the window shows a nurse (labels, buttons, group titles, tab names), as rendered: rich text
    through Qt's own HTML reading, so markup and its collapsed spaces do not count."""
    texts = []
    for widget in [root, *root.findChildren(QWidget)]:
        if isinstance(widget, QLabel):
            text = widget.text()
            if Qt.mightBeRichText(text):
                doc = QTextDocument()
                doc.setHtml(text)
                text = doc.toPlainText().replace("\u00a0", " ")
            texts.append(text)
        elif isinstance(widget, QAbstractButton):
            texts.append(widget.text())
        elif isinstance(widget, QGroupBox):
            texts.append(widget.title())
        elif isinstance(widget, QTabWidget):
            texts += [widget.tabText(i) for i in range(widget.count())]
    return [t for t in texts if t]


def bad_words(texts: list[str]) -> list[str]:
    return [t for t in texts if CODE.search(t) or "  " in t.strip() or ONE_MANY.search(t)]


def test_a_start_before_the_first_cuff_reading_says_nothing_about_nibp(qtbot, live_window) -> None:
    """Seen at every start: "Monitor reports: NIBP_DIA invalid, NIBP_MEAN invalid, NIBP_SYS invalid". A monitor
    that has not taken a cuff reading yet is not a device condition: the NIBP tile says so, the status line not."""
    window: MainWindow = live_window("stable", speed=1)
    ws = window.workspace
    qtbot.waitUntil(lambda: ws.live.status is not None and ws.tiles["hr"].value.text() not in ("", "--"), timeout=15000)
    assert any(p.startswith("NIBP") for p, _ in ws.live.status.unavailable), "the monitor does report NIBP invalid"
    assert ws.live.values.nibp_reading is None
    assert ws.status_label.text() == ""
    nibp = ws.tiles["nibp"]
    assert nibp.value.text() == "--" and nibp.detail.text() == "No cuff reading yet"
    assert bad_words(shown_texts(window)) == []


def test_an_invalid_spo2_is_named_spo2_in_the_status_line_and_the_alarm(qtbot, live_window) -> None:
    """Seen: "No valid value: SPO2". The sensor-off scenario (probe off from 60 s): the DRI reports SpO₂ without a
    valid value; after 10 s the technical alarm names it by its label, as the status line does."""
    window: MainWindow = live_window("sensor-off", speed=10)
    ws = window.workspace
    qtbot.waitUntil(lambda: "SpO₂" in ws.status_label.text(), timeout=30000)
    assert ws.status_label.text() == "Monitor reports: no valid Pulse rate, SpO₂"
    qtbot.waitUntil(lambda: any("No valid value" in a.message for a in ws.live.alarms()), timeout=30000)
    (alarm,) = [a for a in ws.live.alarms() if "No valid value" in a.message]
    assert alarm.message == "No valid value: SpO₂"
    qtbot.waitUntil(lambda: any("No valid value: SpO₂" in t for t in shown_texts(ws.alarm_bar)), timeout=5000)
    assert bad_words(shown_texts(window)) == []


def test_the_silence_banner_reads_with_single_spaces(qtbot) -> None:
    banner = LinkBanner()
    qtbot.addWidget(banner)
    banner.show_event(LinkEvent(LinkState.SILENT, time.time(), "/dev/ttyUSB0", "no data for 10 s", time.time() - 42))
    assert banner.text().startswith("Monitor silent for 42 s — ") and "  " not in banner.text()


def test_the_word_check_catches_what_it_looks_for() -> None:
    """The scanner itself: each seen fault is caught, and a clean text passes."""
    seen = [
        "Monitor reports: NIBP_DIA invalid, NIBP_MEAN invalid",
        "No valid value: SPO2",
        "Monitor silent  for 12 s",
        "1 entries",
    ]
    assert bad_words(seen) == seen
    assert bad_words(["Monitor silent for 12 s", "1 entry", "11 entries", "No valid value: SpO₂", "NIBP 120/80"]) == []
