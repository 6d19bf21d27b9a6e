"""Other desks' chairs, live, read-only (issue 17 point 4), against a real PostgreSQL server: desk B records with the
program's own services and ships with the replicator; desk A's watcher, connected as its own desk role, is told by
the replicator's NOTIFY and reads only what is new. Waits are on the watcher's queue and status (woken by the
notice or the change), never a sleep."""

from __future__ import annotations

from pathlib import Path

import pytest
from remote_desk import START, RecordingDesk, desk_dsn

from monitor.app.hub_watch import HubWatch
from monitor.app.remote_chair import RemoteDesks
from monitor.clinical.alarm_limits import AlarmPriority
from monitor.clinical.alarms import AlarmStatus
from monitor.clinical.currency import STALE_AFTER_S, Currency
from monitor.clinical.entries import EntryKind
from monitor.clinical.infusion import InfusionState
from monitor.devices.link import LinkState
from monitor.storage.hub_live import DeskRows
from monitor.timefmt import hm_text

T0 = 1_767_225_600.0
WAIT_S = 30.0  # a failure guard only: each wait returns as soon as the notice has been read


@pytest.fixture
def desks(pg_dsn: str, tmp_path: Path):
    """Desk B recording Chair 3 (its patient assigned, the monitor sending), and desk A's watcher (not started)."""
    b = RecordingDesk(tmp_path, "desk-b", desk_dsn(pg_dsn, "desk_b"), T0)
    watch = HubWatch(desk_dsn(pg_dsn, "desk_a"), "desk-a", resync_s=3600)  # any read here came by a notice
    yield b, watch
    watch.stop()
    b.close()


def _next(watch: HubWatch, model: RemoteDesks) -> DeskRows:
    batch = watch.batches.get(timeout=WAIT_S)
    model.apply(batch)
    return batch


def test_a_sample_shipped_by_desk_b_reaches_desk_a_by_the_notification(desks) -> None:
    b, watch = desks
    b.assign("Ada Lovelace")
    b.link(LinkState.RECEIVING)
    b.vitals(HR=72, SPO2=97, RR=14)
    b.clock.t = T0 + 60
    b.service.record(EntryKind.INFUSION, START).result(5)
    b.ship()
    model = RemoteDesks()
    watch.start()
    first = _next(watch, model)  # the desk first seen: its open session, latest values, entries
    assert first.desk == "desk-b" and [s.chair for s in first.sessions] == ["Chair 3"]
    (chair,) = model.ordered()
    assert (chair.desk, chair.chair, chair.patient.name, chair.nurse) == ("desk-b", "Chair 3", "Ada Lovelace", "KM")
    assert chair.shown("HR", T0 + 61).text == "72" and chair.shown("HR", T0 + 61).currency is Currency.STALE
    assert chair.infusion(T0 + 120).state is InfusionState.RUNNING
    assert watch.status().notices == 0

    b.clock.t = T0 + 90
    b.vitals(HR=80, SPO2=96)
    b.ship()
    batch = _next(watch, model)
    assert watch.status().notices == 1, "read because desk B's replicator notified, not by a re-read"
    assert [len(batch.rows.get("samples", [])), len(batch.rows.get("entries", []))] == [2, 0], "only what is new"
    hr = chair.shown("HR", T0 + 91)
    assert (hr.text, hr.currency) == ("80", Currency.CURRENT)

    stale = chair.shown("HR", T0 + 90 + STALE_AFTER_S + 5)  # desk B ships nothing more: the value ages here
    assert stale.currency is Currency.STALE and stale.note == "35 s ago"
    b.link(LinkState.DISCONNECTED)
    b.ship()
    _next(watch, model)
    gone = chair.shown("HR", T0 + 91)
    assert gone.currency is Currency.INVALID and gone.note == "desk-b: monitor disconnected", "invalid at once"


def test_alarms_at_desk_b_are_mirrored_and_a_discharged_session_leaves(desks) -> None:
    b, watch = desks
    b.link(LinkState.RECEIVING)
    model = RemoteDesks()
    watch.start()
    b.vitals(SPO2=97)
    b.ship()
    _next(watch, model)
    for dt in (10, 26):  # past the 15 s delay of a low SpO₂ (clinical.md via alarm_limits)
        b.clock.t = T0 + dt
        b.vitals(SPO2=84)
    b.ship()
    _next(watch, model)
    (chair,) = model.ordered()
    ((_c, alarm),) = model.alarms(AlarmPriority.HIGH)
    assert (alarm.key, alarm.priority, alarm.status) == ("SPO2 low", AlarmPriority.HIGH, AlarmStatus.ACTIVE)
    b.alarms.acknowledge("KM")
    b.ship()
    _next(watch, model)
    assert chair.alarms()[0].status is AlarmStatus.ACKNOWLEDGED, "acknowledged at desk B: shown so here"

    b.writer.end_session(b.sid, T0 + 100)  # the session ends at desk B: its card goes
    b.ship()
    _next(watch, model)
    assert model.ordered() == []


def test_desk_b_cannot_sound_alarms_is_said_about_desk_b_not_as_a_patient_alarm(desks) -> None:
    """Seen in the two-desk demo: desk B's "NO ALARM SOUND on this computer" coloured its chairs' cards at desk A as
    if each patient had an alarm, and "this computer" read as desk A. It is desk B's, in words for desk A."""
    b, watch = desks
    b.link(LinkState.RECEIVING)
    model = RemoteDesks()
    watch.start()
    b.vitals(SPO2=97)
    b.alarms.sound_unavailable("no audio output device")
    b.ship()
    _next(watch, model)
    (chair,) = model.ordered()
    assert chair.alarms() == [], "no patient alarm: the card keeps the patient's colour"
    assert model.alarms(AlarmPriority.LOW) == []
    assert chair.read_only_text == "recorded at desk-b (no alarm sound there) — read-only"
    assert "this computer" not in chair.read_only_text


def test_a_lost_clinic_database_is_shown_on_the_remote_chairs_and_they_come_back(pg_cluster, tmp_path: Path) -> None:
    admin = pg_cluster.dsn
    b = RecordingDesk(tmp_path, "desk-b", desk_dsn(admin, "desk_b"), T0)
    watch = HubWatch(desk_dsn(admin, "desk_a"), "desk-a", resync_s=3600, retry_s=0.5, clock=lambda: T0 + 42 * 60)
    try:
        b.link(LinkState.RECEIVING)
        b.vitals(HR=72)
        b.ship()
        model = RemoteDesks()
        watch.start()
        _next(watch, model)
        watch.drain(model)
        (chair,) = model.ordered()
        assert chair.shown("HR", T0 + 1).current
        pg_cluster.stop()
        status = watch.wait_for(lambda s: not s.connected, WAIT_S)
        assert not status.connected and status.error
        watch.drain(model)
        lost = chair.shown("HR", T0 + 1)
        assert lost.currency is Currency.INVALID, "no value from a desk this desk cannot read is shown as current"
        assert lost.note == chair.hub_lost == f"desk-b: no data from the clinic database since {hm_text(T0 + 42 * 60)}"
        pg_cluster.start()
        assert watch.wait_for(lambda s: s.connected, WAIT_S).connected
        watch.drain(model)
        assert chair.hub_lost == "" and chair.shown("HR", T0 + 1).current
    finally:
        watch.stop()
        b.close()
