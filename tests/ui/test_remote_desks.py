"""Other desks' chairs on the station overview (issue 17 point 4), against a real PostgreSQL server: desk B records
with the program's own services and ships with the replicator; desk A's station (a live simulated chair of its own)
shows B's chair on a read-only card with B's name, B's high-priority alarm in its bar only when the clinic says so,
and a read-only workspace with no way to record, acknowledge or discharge."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from accounts import desk_for
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QLineEdit
from remote_desk import RecordingDesk, desk_dsn

from monitor.app.chair import ChairConfig
from monitor.app.hub_watch import HubWatch, OtherDesks
from monitor.app.station import Station
from monitor.clinical.entries import EntryKind
from monitor.devices.link import LinkState
from monitor.storage.writer import SessionWriter
from monitor.timefmt import age_text
from monitor.ui.app import open_chair_window
from monitor.ui.remote_workspace import RemoteWorkspace
from monitor.ui.station_window import StationWindow

WAIT_MS = 30_000  # a failure guard: each wait ends when the card shows what desk B shipped


@pytest.fixture
def clinic(qtbot, pg_dsn: str, tmp_path: Path):
    """Desk B (recording Chair 3, its clock half a minute back so its alarm delay has passed by now) and a function
    that opens desk A's station with one simulated chair and the other desks' cards."""
    b = RecordingDesk(tmp_path, "desk-b", desk_dsn(pg_dsn, "desk_b"), time.time() - 30)
    a_dsn = desk_dsn(pg_dsn, "desk_a")
    opened = []

    def open_station(alarms: bool) -> StationWindow:
        writer = SessionWriter(tmp_path / "desk-a.sqlite3")
        writer.start()
        configs = [ChairConfig("Chair 1", None, "datex-s5", scenario="stable")]
        station = Station(configs, writer)
        watch = HubWatch(a_dsn, "desk-a")
        watch.start()
        others = OtherDesks(watch, alarms=alarms)
        opened.append((station, writer, others))
        desk = desk_for(writer.db_path)
        window = StationWindow([open_chair_window(c, desk) for c in station.chairs], configs, None, others)
        qtbot.addWidget(window)
        window.show()
        return window

    yield b, open_station
    for station, writer, others in opened:
        others.stop()
        station.stop()
        writer.close()
    b.close()


def test_a_lost_clinic_database_is_said_on_the_remote_cards_never_hidden(qtbot, pg_cluster, tmp_path: Path) -> None:
    b = RecordingDesk(tmp_path, "desk-b", desk_dsn(pg_cluster.dsn, "desk_b"), time.time())
    watch = HubWatch(desk_dsn(pg_cluster.dsn, "desk_a"), "desk-a", retry_s=0.5)
    watch.start()
    window = StationWindow([], [], None, OtherDesks(watch, alarms=True))
    qtbot.addWidget(window)
    window.show()
    try:
        b.link(LinkState.RECEIVING)
        b.vitals(HR=72)
        b.ship()
        qtbot.waitUntil(lambda: _remote_card(window) is not None, timeout=WAIT_MS)
        card = _remote_card(window)
        qtbot.waitUntil(lambda: card.cells["hr"].value.text() == "72", timeout=WAIT_MS)
        pg_cluster.stop()
        lost = "desk-b: no data from the clinic database since"
        qtbot.waitUntil(lambda: card.check.text().startswith(lost), timeout=WAIT_MS)
        assert card.cells["hr"].value.text() == "--", "not shown as a current value"
        assert card.alarm.text().startswith("No data from the clinic database since"), card.alarm.text()
        assert window.remote.heading.text().startswith("Other desks: no data from the clinic database since")
        pg_cluster.start()
        qtbot.waitUntil(lambda: card.check.text() == "recorded at desk-b — read-only", timeout=WAIT_MS)
        assert card.cells["hr"].value.text() == "72"
    finally:
        watch.stop()
        b.close()


def _remote_card(window: StationWindow):
    cards = list(window.remote.cards.values()) if window.remote is not None else []
    return cards[0] if cards else None


def test_a_chair_recorded_at_desk_b_shows_on_desk_as_station_and_goes_stale_visibly(qtbot, clinic) -> None:
    b, open_station = clinic
    b.assign("Ada Lovelace")
    b.link(LinkState.RECEIVING)
    b.clock.t = time.time()
    b.vitals(HR=72, SPO2=97, RR=14)
    b.ship()
    window = open_station(alarms=False)
    qtbot.waitUntil(
        lambda: _remote_card(window) is not None and _remote_card(window).cells["hr"].value.text() == "72",
        timeout=WAIT_MS,
    )
    card = _remote_card(window)
    assert card.title.text() == "Chair 3 · A.L. · desk-b" and card.who.text() == "nurse —"
    assert card.check.text() == "recorded at desk-b — read-only"
    assert window.remote.heading.text() == "Other desks (read-only, from the clinic database)"
    assert not card.cells["hr"].dimmed
    window.remote.refresh(now=b.clock.t + 95)  # desk B has shipped nothing newer: the value ages on this screen
    assert card.cells["hr"].dimmed and card.cells["hr"].value.text() == "72"
    assert card.cells["hr"].note.text() == age_text(95.0)


@pytest.mark.parametrize("alarms", [True, False], ids=["setting-high", "setting-none"])
def test_an_alarm_at_desk_b_is_in_desk_as_station_bar_only_when_the_setting_says(qtbot, clinic, alarms) -> None:
    b, open_station = clinic
    b.link(LinkState.RECEIVING)
    for dt in (0, 16):  # past the 15 s delay of a low SpO₂ (clinical.md via alarm_limits)
        b.clock.t += dt
        b.vitals(SPO2=84, HR=72)
    b.ship()
    window = open_station(alarms=alarms)
    qtbot.waitUntil(
        lambda: _remote_card(window) is not None and "SpO" in _remote_card(window).alarm.text(), timeout=WAIT_MS
    )
    assert _remote_card(window).property("alarm") == "high", "the card shows it whatever the setting"
    window.refresh()
    lines = [line.text() for line in window.alarm_lines]
    marked = [text for text in lines if text.startswith("desk-b · Chair 3 (not sounding here) · SpO₂")]
    assert bool(marked) is alarms, lines


def test_the_remote_workspace_is_live_and_refuses_entries(qtbot, clinic) -> None:
    b, open_station = clinic
    b.link(LinkState.RECEIVING)
    b.clock.t = time.time()
    b.vitals(HR=72, SPO2=97)
    pain = b.service.record(EntryKind.SCORE, {"scale": "pain", "score": 7}).result(5)
    b.ship()
    window = open_station(alarms=False)
    qtbot.waitUntil(lambda: _remote_card(window) is not None, timeout=WAIT_MS)
    qtbot.mouseClick(_remote_card(window), Qt.MouseButton.LeftButton)
    page = window.stack.currentWidget()
    assert isinstance(page, RemoteWorkspace)
    assert "recorded at desk-b — read-only" in page.banner.text()
    assert window.back.text() == "◀ Station overview (desk-b · Chair 3 — read-only)"
    assert page.findChildren(QLineEdit) == [], "no field to type an entry into"
    page.timeline.select(pain.id)  # desk B's entry, selected: still nothing to amend or strike it with here
    assert page.timeline.selected_id() == pain.id
    usable = [w.text() for w in page.findChildren(QAbstractButton) if w.isVisibleTo(page) and w.isEnabled()]
    assert usable == [], f"nothing to record, acknowledge, correct or discharge with: {usable}"
    b.clock.t = time.time()
    b.vitals(HR=88)
    b.ship()
    qtbot.waitUntil(lambda: page.tiles["hr"].value.text() == "88", timeout=WAIT_MS)  # live: by the notice
    b.writer.end_session(b.sid, time.time())  # the session ends at desk B: its page and its card go
    b.ship()
    qtbot.waitUntil(lambda: window.remote.cards == {} and window.stack.currentIndex() == 0, timeout=WAIT_MS)
    assert not window.back.isVisible()
