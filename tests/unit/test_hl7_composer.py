"""The HL7 composer (issue 20 point 1, "what is sent when"): what reaches the outbox from a recorded session.

A real database written by the program's writer (samples, monitor status, nurse entries, a patient assigned); the
composer's output read back from the outbox and its OBX segments parsed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from hl7_obx import Outboxed, outbox

from monitor.app.hl7.composer import CLOSE_AFTER_S, MAX_PER_PASS, Composer
from monitor.app.hl7.settings import Hl7Settings, Unassigned
from monitor.devices.events import DeviceCondition, DeviceStatus, Sample, SampleFlag, ValueState
from monitor.storage.db import EntryRow, connect
from monitor.storage.patients import add_course, add_patient, assign_session
from monitor.storage.writer import SessionWriter

T0 = 1_764_400_800.0  # a slot boundary (a multiple of 300 s): 2025-11-29 07:20 UTC
INTERVAL = 300.0


class Rig:
    """One desk's database, its writer, and a composer on the sender's own connection."""

    def __init__(self, path: Path, unassigned: Unassigned = Unassigned.HOLD) -> None:
        self.path = path
        self.writer = SessionWriter(path)
        self.writer.start()
        self.conn = connect(path)
        self.unassigned = unassigned
        self.composer = self.new_composer()

    def new_composer(self) -> Composer:
        return Composer(Hl7Settings(unassigned=self.unassigned, interval_s=INTERVAL, facility="CLINIC"), "Desk 1")

    def session(self, timebase: str = "host", chair: str | None = "Chair 3") -> int:
        return self.writer.open_session("/dev/ttyUSB0", "datex-s5", started_at=T0, timebase=timebase, chair=chair)

    def samples(self, session: int, *rows: tuple[str, float, float] | tuple[str, float, float, SampleFlag]) -> None:
        """(param, t, value[, flags]); received when measured (host_time = t)."""
        self.writer.add_samples(
            session, [Sample(r[0], r[2], r[1], r[1], r[3] if len(r) > 3 else SampleFlag.NONE) for r in rows]
        )

    def status(self, session: int, t: float, unavailable=(), conditions=()) -> None:
        self.writer.add_status(session, DeviceStatus(t, t, frozenset(conditions), tuple(unavailable)))

    def entry(self, session: int, kind: str, t: float, payload: dict, action="create", target=None) -> int:
        reason = "" if action == "create" else "wrong chair's score"
        row = EntryRow(session, kind, t, t, "KM", payload, action, target, reason)
        return self.writer.add_entry(row).result(10)

    def assign(self, session: int) -> None:
        self.assign_to(session, "MRN0042")

    def assign_to(self, session: int, mrn: str) -> None:
        self.writer.flush()
        fields = {"name": "Jane Roe", "mrn": mrn, "dob": "1980-02-03", "weight_kg": 70, "allergies": ""}
        assign_session(self.conn, session, add_course(self.conn, add_patient(self.conn, fields), "Ketamine course"))

    def compose(self, now: float) -> int:
        self.writer.flush()
        return self.composer.compose(self.conn, now)

    def outbox(self) -> list[Outboxed]:
        return outbox(self.conn)

    def close(self) -> None:
        self.conn.close()
        self.writer.close()


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    r = Rig(tmp_path / "monitor.sqlite3")
    yield r
    r.close()


def test_a_slot_sends_the_latest_valid_value_of_each_parameter_and_never_an_invalid_one(rig: Rig) -> None:
    s = rig.session()
    rig.assign(s)
    rig.samples(s, ("HR", T0 + 10, 70), ("SPO2", T0 + 10, 97), ("RR", T0 + 10, 14), ("ETCO2", T0 + 10, 36))
    rig.samples(s, ("HR", T0 + 200, 74), ("SPO2", T0 + 200, 96), ("RR", T0 + 200, 15))
    # the probe comes off: the monitor still sends a SpO2 number, the live screen shows "--" (sensor off)
    rig.status(s, T0 + 250, conditions=[DeviceCondition.SENSOR_OFF])
    rig.samples(s, ("HR", T0 + 250, 78), ("SPO2", T0 + 250, 55))
    # RR reported invalid: a number sent with it is not a reading; RR's latest valid one is the earlier 15
    rig.status(s, T0 + 280, unavailable=[("RR", ValueState.INVALID)], conditions=[DeviceCondition.SENSOR_OFF])
    rig.samples(s, ("RR", T0 + 281, 99))
    assert rig.compose(T0 + 290) == 0  # the slot is still open
    rig.status(s, T0 + 301)  # everything valid again, in the next slot
    rig.samples(s, ("HR", T0 + 301, 80), ("SPO2", T0 + 301, 98))
    assert rig.compose(T0 + 302) == 1
    [msg] = rig.outbox()
    assert msg.key == f"s{s}:vitals:{T0 + INTERVAL:.3f}"
    assert msg.covers_t == T0 + INTERVAL
    values = {o.param: (o.value, o.t) for o in msg.obs}
    assert values == {"HR": (78, T0 + 250), "SPO2": (96, T0 + 200), "RR": (15, T0 + 200), "ETCO2": (36, T0 + 10)}
    assert all(o.status == "R" for o in msg.obs)  # device values, not verified by a person (IHE PCD-01)
    assert msg.chair == "Chair 3" and msg.mrn == "MRN0042"


def test_a_parameter_without_a_valid_value_in_its_slot_is_left_out_and_flagged_numbers_never_count(rig: Rig) -> None:
    s = rig.session()
    rig.assign(s)
    rig.status(s, T0 + 1, unavailable=[("SPO2", ValueState.INVALID)])
    rig.samples(s, ("SPO2", T0 + 2, 88), ("HR", T0 + 2, 71), ("TEMP1", T0 + 3, 36.5, SampleFlag.STALE))
    rig.compose(T0 + 10)
    assert rig.compose(T0 + INTERVAL + CLOSE_AFTER_S) == 1  # closed by this computer's clock: the monitor went quiet
    [msg] = rig.outbox()
    assert [(o.param, o.value) for o in msg.obs] == [("HR", 71)]


def test_a_slot_with_nothing_valid_sends_nothing(rig: Rig) -> None:
    s = rig.session()
    rig.assign(s)
    rig.status(s, T0 + 1, conditions=[DeviceCondition.NO_SENSOR])
    rig.samples(s, ("SPO2", T0 + 2, 91), ("PR", T0 + 2, 60))
    assert rig.compose(T0 + INTERVAL + CLOSE_AFTER_S) == 0
    assert rig.outbox() == []


def test_every_nibp_reading_once_and_not_a_repeat_or_a_flagged_old_one(rig: Rig) -> None:
    s = rig.session()
    rig.assign(s)
    old = SampleFlag.STALE
    measuring = SampleFlag.NIBP_MEASURING
    # numbers from before the start (flagged old), then a cuff cycle, its reading repeated, then the next cycle
    rig.samples(s, ("NIBP_SYS", T0 + 5, 140, old), ("NIBP_DIA", T0 + 5, 90, old), ("NIBP_MEAN", T0 + 5, 107, old))
    rig.samples(s, ("NIBP_SYS", T0 + 30, 140, measuring), ("NIBP_DIA", T0 + 30, 90, measuring))
    rig.samples(s, ("NIBP_SYS", T0 + 60, 121), ("NIBP_DIA", T0 + 60, 79), ("NIBP_MEAN", T0 + 60, 93))
    assert rig.compose(T0 + 61) == 1
    rig.samples(s, ("NIBP_SYS", T0 + 65, 121), ("NIBP_DIA", T0 + 65, 79), ("NIBP_MEAN", T0 + 65, 93))
    assert rig.compose(T0 + 66) == 0  # the same reading resent by the monitor
    rig.samples(s, ("NIBP_SYS", T0 + 240, 118), ("NIBP_DIA", T0 + 240, 77), ("NIBP_MEAN", T0 + 240, 91))
    assert rig.compose(T0 + 241) == 1
    readings = [m for m in rig.outbox() if ":nibp:" in m.key]
    assert [m.key for m in readings] == [f"s{s}:nibp:{T0 + 60:.3f}", f"s{s}:nibp:{T0 + 240:.3f}"]
    assert [(o.param, o.value, o.t) for o in readings[0].obs] == [
        ("NIBP_SYS", 121, T0 + 60),
        ("NIBP_DIA", 79, T0 + 60),
        ("NIBP_MEAN", 93, T0 + 60),
    ]


def test_scores_and_side_effects_go_at_once_and_a_correction_is_a_new_message_c_or_d(rig: Rig) -> None:
    s = rig.session()
    rig.assign(s)
    pain = rig.entry(s, "score", T0 + 20, {"scale": "pain", "score": 3})
    rass = rig.entry(s, "score", T0 + 21, {"scale": "rass", "score": -1})
    rig.entry(s, "score", T0 + 22, {"scale": "moaas", "score": 4})
    rig.entry(s, "dissociation", T0 + 23, {"level": "mild"})
    nausea = rig.entry(s, "side_effect", T0 + 24, {"effect": "nausea", "severity": "moderate"})
    rig.entry(s, "note", T0 + 25, {"note": "patient comfortable"})  # not a result for the EHR
    assert rig.compose(T0 + 30) == 5
    amend = rig.entry(s, "score", T0 + 20, {"scale": "pain", "score": 2}, action="amend", target=pain)
    strike = rig.entry(s, "side_effect", T0 + 24, {}, action="strike", target=nausea)
    assert rig.compose(T0 + 40) == 2
    sent = rig.outbox()
    assert [m.key for m in sent][-2:] == [f"s{s}:entry:{amend}", f"s{s}:entry:{strike}"]
    by_key = {m.key: m.obs for m in sent}
    [first] = by_key[f"s{s}:entry:{pain}"]
    [corrected] = by_key[f"s{s}:entry:{amend}"]
    [deleted] = by_key[f"s{s}:entry:{strike}"]
    assert (first.param, first.value, first.status) == ("pain", 3, "F")
    assert (corrected.param, corrected.value, corrected.status) == ("pain", 2, "C")
    assert corrected.identity == first.identity  # the EHR replaces the value it holds
    assert (deleted.param, deleted.value, deleted.status) == ("nausea", "", "D")  # withdrawn, not repeated
    assert deleted.identity == by_key[f"s{s}:entry:{nausea}"][0].identity
    assert by_key[f"s{s}:entry:{rass}"][0].value == -1


def test_an_unassigned_session_is_held_then_sent_from_its_start_once_assigned(rig: Rig) -> None:
    s = rig.session()
    rig.samples(s, ("HR", T0 + 10, 70))
    rig.entry(s, "score", T0 + 20, {"scale": "pain", "score": 3})
    rig.samples(s, ("HR", T0 + 310, 72), ("NIBP_SYS", T0 + 320, 120), ("NIBP_DIA", T0 + 320, 80))
    assert rig.compose(T0 + 330) == 0
    assert rig.outbox() == []
    rig.assign(s)
    assert rig.compose(T0 + 340) == 3
    sent = rig.outbox()
    assert [m.key.split(":")[1] for m in sent] == ["entry", "vitals", "nibp"]  # in the record's time order
    assert all(m.mrn == "MRN0042" for m in sent)


def test_with_unassigned_send_a_session_goes_with_the_location_only(tmp_path: Path) -> None:
    rig = Rig(tmp_path / "monitor.sqlite3", Unassigned.SEND)
    try:
        s = rig.session(chair="Chair 5")
        rig.entry(s, "score", T0 + 20, {"scale": "pain", "score": 3})
        assert rig.compose(T0 + 30) == 1
        [msg] = rig.outbox()
        assert msg.mrn is None and msg.chair == "Chair 5"
    finally:
        rig.close()


def test_a_restart_composes_nothing_twice_and_continues_where_it_stopped(rig: Rig) -> None:
    s = rig.session()
    rig.assign(s)
    rig.samples(s, ("HR", T0 + 10, 70), ("NIBP_SYS", T0 + 20, 120), ("NIBP_DIA", T0 + 20, 80))
    rig.entry(s, "score", T0 + 30, {"scale": "pain", "score": 3})
    rig.samples(s, ("HR", T0 + 301, 71))  # slot 1 closes; slot 2 open
    assert rig.compose(T0 + 302) == 3
    rig.composer = rig.new_composer()  # the program restarted: nothing in memory
    assert rig.compose(T0 + 303) == 0
    rig.samples(s, ("HR", T0 + 350, 75), ("HR", T0 + 601, 76))
    rig.entry(s, "score", T0 + 360, {"scale": "rass", "score": 0})
    assert rig.compose(T0 + 602) == 2
    keys = [m.key for m in rig.outbox()]
    assert len(keys) == len(set(keys)) == 5
    assert [o.value for o in rig.outbox()[-2].obs + rig.outbox()[-1].obs if o.param == "HR"] == [75]


def test_the_session_end_closes_its_last_slot(rig: Rig) -> None:
    s = rig.session()
    rig.assign(s)
    rig.samples(s, ("HR", T0 + 10, 70))
    assert rig.compose(T0 + 11) == 0
    rig.writer.end_session(s, T0 + 12)
    assert rig.compose(T0 + 13) == 1
    assert rig.compose(T0 + 500) == 0


def test_a_sped_up_demo_follows_the_monitors_clock(rig: Rig) -> None:
    """'device' timebase: the slot closes when the record passes its end, whatever this computer's clock says."""
    s = rig.session(timebase="device")
    rig.assign(s)
    rig.writer.add_samples(s, [Sample("HR", 70, T0 + 10, 5.0)])  # received at host time 5 s (device time matters)
    assert rig.compose(T0 + 10_000) == 0
    rig.writer.add_samples(s, [Sample("HR", 72, T0 + 305, 6.0)])
    assert rig.compose(7.0) == 1
    [msg] = rig.outbox()
    assert [(o.param, o.t) for o in msg.obs] == [("HR", T0 + 10)]


def test_a_pass_that_fails_loses_nothing_and_composes_nothing_twice(rig: Rig) -> None:
    s = rig.session()
    rig.assign(s)
    rig.entry(s, "score", T0 + 20, {"scale": "pain", "score": 3})
    rig.samples(s, ("HR", T0 + 10, 70), ("HR", T0 + 301, 71))
    blocker = connect(rig.path)
    blocker.execute("BEGIN IMMEDIATE")  # another writer holds the database: the outbox cannot be written now
    rig.conn.execute("PRAGMA busy_timeout = 50")
    with pytest.raises(sqlite3.OperationalError):
        rig.compose(T0 + 302)
    blocker.rollback()
    blocker.close()
    rig.entry(s, "score", T0 + 330, {"scale": "rass", "score": 0})
    assert rig.compose(T0 + 331) == 3
    assert rig.compose(T0 + 332) == 0
    assert [m.key.split(":")[1] for m in rig.outbox()] == ["entry", "vitals", "entry"]


def test_a_long_held_session_goes_out_over_several_passes_in_order(rig: Rig) -> None:
    """Each pass builds at most MAX_PER_PASS messages, so a session taken up late never holds up the live ones."""
    s = rig.session()
    ids = [rig.entry(s, "score", T0 + i, {"scale": "pain", "score": i % 11}) for i in range(MAX_PER_PASS + 10)]
    live = rig.session(chair="Chair 4")
    rig.assign(s)
    rig.assign_to(live, "MRN0043")
    rig.entry(live, "score", T0 + 5, {"scale": "rass", "score": 0})
    assert rig.compose(T0 + 100) == MAX_PER_PASS
    assert f"s{live}:entry:{ids[-1] + 1}" in [m.key for m in rig.outbox()]  # the live chair's went in the first pass
    assert rig.compose(T0 + 101) == 11
    assert [m.key for m in rig.outbox() if m.key.startswith(f"s{s}:")] == [f"s{s}:entry:{i}" for i in ids]
