"""One bad value never stops the recording (issue 14, point 1).

A number that cannot be a reading (NaN, ±inf, huge, negative) is refused by each decoder as an invalid value
with its reason, so the tile has no number and the "no valid value" technical alarm rises if it persists. Whatever
reaches the writer anyway is quarantined with the reason while the rest of the batch is committed, nurse entries
are not held behind it, and the FHIR export stays valid JSON."""

from __future__ import annotations

import json
import math
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.app.export.fhir import bundle_json
from monitor.app.session_record import load_record
from monitor.app.session_service import SessionService
from monitor.clinical.alarms import INVALID_DELAY_S, AlarmEngine
from monitor.clinical.entries import EntryKind
from monitor.devices import datex_s5 as dri
from monitor.devices import masimo_ascii
from monitor.devices.events import DeviceStatus, Sample, ValueState
from monitor.params import value_problem
from monitor.storage.db import connect, read_entries
from monitor.storage.writer import SessionWriter

T0 = 1_700_000_000


def _events(decoder, data: bytes) -> tuple[list[Sample], list[DeviceStatus]]:
    events = decoder.feed(data, float(T0))
    return [e for e in events if isinstance(e, Sample)], [e for e in events if isinstance(e, DeviceStatus)]


def _masimo_line(spo2_text: str = "097", bpm_text: str = "072") -> bytes:
    """A real Radical-7 line with the SPO2 and BPM fields' text replaced as a faulty device would send them."""
    line = masimo_ascii.format_line(time=T0, spo2=97, pr=72, pi=2.4, pvi=12).decode("ascii")
    return line.replace("SPO2=097%", f"SPO2={spo2_text}%").replace("BPM=072", f"BPM={bpm_text}").encode("ascii")


# --- decoders ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "state"),
    [
        ("nan", ValueState.NOT_A_NUMBER),
        ("inf", ValueState.NOT_A_NUMBER),
        ("-inf", ValueState.NOT_A_NUMBER),
        ("1e999", ValueState.NOT_A_NUMBER),
        ("150", ValueState.IMPLAUSIBLE),
        ("-05", ValueState.IMPLAUSIBLE),
    ],
)
def test_masimo_spo2_that_is_no_reading_is_an_invalid_value(text: str, state: ValueState) -> None:
    decoder = masimo_ascii.MasimoAsciiDecoder()
    samples, statuses = _events(decoder, _masimo_line(spo2_text=text))
    assert "SPO2" not in [s.param for s in samples], f"SPO2={text}% became a sample"
    assert [s.value for s in samples if s.param == "PR"] == [72.0], "the rest of the line is still read"
    assert statuses and ("SPO2", state) in statuses[-1].unavailable
    assert decoder.stats.invalid_values == 1 and decoder.stats.bad_frames == 0


@pytest.mark.parametrize("text", ["nan", "inf", "9999", "-60"])
def test_masimo_pulse_rate_that_is_no_reading_is_an_invalid_value(text: str) -> None:
    decoder = masimo_ascii.MasimoAsciiDecoder()
    samples, statuses = _events(decoder, _masimo_line(bpm_text=text))
    assert "PR" not in [s.param for s in samples] and [s.value for s in samples if s.param == "SPO2"] == [97.0]
    assert "PR" in dict(statuses[-1].unavailable) and decoder.stats.invalid_values == 1


@pytest.mark.parametrize(
    ("param", "value", "state"),
    [
        ("HR", -5.0, ValueState.IMPLAUSIBLE),
        ("HR", 30000.0, ValueState.IMPLAUSIBLE),
        ("SPO2", 150.0, ValueState.IMPLAUSIBLE),
        ("SPO2", -1.0, ValueState.IMPLAUSIBLE),
        ("NIBP_SYS", -20.0, ValueState.IMPLAUSIBLE),
        ("TEMP1", 300.0, ValueState.IMPLAUSIBLE),
        ("ETCO2", 1000.0, ValueState.IMPLAUSIBLE),
        ("RR", -3.0, ValueState.IMPLAUSIBLE),
    ],
)
def test_dri_value_outside_the_physical_range_is_an_invalid_value(param: str, value: float, state) -> None:
    """DRI numbers are int16 (no NaN or inf on this wire): huge and negative ones are the poison here."""
    good = {"HR": 72.0, "SPO2": 97.0, "NIBP_SYS": 120.0, "NIBP_DIA": 80.0, "TEMP1": 36.6, "ETCO2": 38.0, "RR": 14.0}
    decoder = dri.DatexS5Decoder()
    data = dri.frame(dri.encode_displayed_record(good | {param: value}, time=T0))
    samples, statuses = _events(decoder, data)
    assert param not in [s.param for s in samples], f"{param} {value} became a sample"
    assert {s.param for s in samples} >= set(good) - {param}, "the other values of the frame are still read"
    assert (param, state) in statuses[-1].unavailable
    assert decoder.stats.invalid_values == 1 and decoder.stats.bad_frames == 0


def test_dri_negative_heart_rate_patched_into_the_wire_bytes_is_refused() -> None:
    """Independent of the encoder's value path: HR is the int16 at byte 6 of the basic physdata (§2.8), which
    starts 4 bytes into the first subrecord at byte 40; patch -1 there and re-frame."""
    record = bytearray(dri.encode_displayed_record({"HR": 72.0, "SPO2": 97.0}, time=T0))
    assert int.from_bytes(record[50:52], "little", signed=True) == 72
    record[50:52] = (-1).to_bytes(2, "little", signed=True)
    decoder = dri.DatexS5Decoder()
    samples, statuses = _events(decoder, dri.frame(bytes(record)))
    assert [s.param for s in samples] == ["SPO2"] and ("HR", ValueState.IMPLAUSIBLE) in statuses[-1].unavailable


def test_a_persisting_nan_raises_the_no_valid_value_alarm() -> None:
    decoder = masimo_ascii.MasimoAsciiDecoder()
    engine = AlarmEngine()
    for i in range(int(INVALID_DELAY_S) + 2):
        line = masimo_ascii.format_line(time=T0 + i, spo2=97, pr=72, pi=2.4, pvi=12).replace(b"SPO2=097", b"SPO2=nan")
        for event in decoder.feed(line, float(T0 + i)):
            if isinstance(event, DeviceStatus):
                engine.on_device_status(event, float(T0 + i))
            else:
                engine.on_samples([(event, float(T0 + i))])
    events = engine.tick(T0 + INVALID_DELAY_S + 1)
    raised = [e for e in events if e.key == "invalid values"]
    assert raised and "SpO₂" in raised[0].message


_NUMBER_TEXT = st.one_of(
    st.sampled_from(["nan", "-nan", "inf", "+inf", "-inf", "infinity", "1e999", "-1e999", "1e308", "0x10"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**6), 10**6).map(str),
)


@settings(max_examples=300, deadline=None)
@given(spo2=_NUMBER_TEXT, bpm=_NUMBER_TEXT)
def test_no_masimo_number_text_ever_becomes_an_impossible_sample(spo2: str, bpm: str) -> None:
    decoder = masimo_ascii.MasimoAsciiDecoder()
    samples, _ = _events(decoder, _masimo_line(spo2_text=spo2, bpm_text=bpm))
    assert [s for s in samples if value_problem(s.param, s.value) is not None] == []


@settings(max_examples=300, deadline=None)
@given(raws=st.lists(st.integers(-32000, 32767), min_size=8, max_size=8))
def test_no_dri_int16_ever_becomes_an_impossible_sample(raws: list[int]) -> None:
    """Any int16 (status codes aside) in HR, SpO2, PR, NIBP, temperature, EtCO2, RR of a real frame."""
    values = {
        "HR": 0.0,
        "SPO2": 0.0,
        "PR": 0.0,
        "NIBP_SYS": 0.0,
        "NIBP_DIA": 0.0,
        "TEMP1": 0.0,
        "ETCO2": 0.0,
        "RR": 0.0,
    }
    scales = {
        "HR": 1,
        "SPO2": 0.01,
        "PR": 1,
        "NIBP_SYS": 0.01,
        "NIBP_DIA": 0.01,
        "TEMP1": 0.01,
        "ETCO2": 0.076,
        "RR": 1,
    }
    for (name, scale), raw in zip(scales.items(), raws, strict=True):
        values[name] = raw * scale
    decoder = dri.DatexS5Decoder()
    samples, _ = _events(decoder, dri.frame(dri.encode_displayed_record(values, time=T0)))
    assert samples or decoder.stats.invalid_values, "the frame was decoded"
    assert [s for s in samples if value_problem(s.param, s.value) is not None] == []


# --- writer ------------------------------------------------------------------------------------------------


@pytest.fixture
def writer(tmp_path: Path):
    w = SessionWriter(tmp_path / "poison.sqlite3")
    w.start()
    yield w
    w.close()


def _count(db: Path, sql: str) -> int:
    conn = connect(db)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, 1e308, -5.0])
def test_a_value_that_is_no_reading_is_quarantined_straight_into_the_writer(writer: SessionWriter, bad) -> None:
    sid = writer.open_session("sim", "masimo-ascii", started_at=T0)
    writer.add_samples(sid, [Sample("SPO2", 97.0, T0, T0), Sample("SPO2", bad, T0 + 1, T0 + 1)])
    assert writer.flush(), "the batch was committed"
    db = writer.db_path
    assert _count(db, "SELECT count(*) FROM samples") == 1
    assert _count(db, "SELECT max(value) FROM samples") == 97.0
    assert _count(db, "SELECT count(*) FROM quarantine WHERE target = 'samples' AND reason LIKE 'SPO2:%'") == 1
    assert writer.quarantined == 1 and writer.healthy and writer.last_error is None


@pytest.mark.parametrize("poison", ["nan", "foreign key"])
def test_one_poisoned_row_among_ten_thousand_good_ones(writer: SessionWriter, poison: str) -> None:
    """NaN is caught before the insert; a row the database itself refuses (its session does not exist) is found
    by splitting the batch. Either way: 9,999 committed, 1 quarantined, the nurse's entry committed at once."""
    sid = writer.open_session("sim", "datex-s5", started_at=T0)
    samples = [(sid, Sample("HR", 60.0 + i % 40, T0 + i, T0 + i)) for i in range(10_000)]
    samples[5_000] = (sid, Sample("HR", math.nan, T0, T0)) if poison == "nan" else (sid + 99, samples[5_000][1])
    for session, sample in samples:  # one batch: queued before the entry, committed with it
        writer.add_samples(session, [sample])
    service = SessionService(writer, sid, T0, clock=lambda: T0 + 100.0, initials="AB")
    entry = service.record(EntryKind.NOTE, {"note": "patient comfortable"})

    assert entry.result(10).id > 0, "the entry was committed, not held behind the poisoned row"
    assert writer.flush()
    db = writer.db_path
    assert _count(db, "SELECT count(*) FROM samples") == 9_999
    assert _count(db, "SELECT count(*) FROM quarantine") == 1 and writer.quarantined == 1
    reason = "not a finite number" if poison == "nan" else "FOREIGN KEY constraint failed"
    assert reason in writer.last_quarantine
    conn = connect(db)
    try:
        assert [e.payload["note"] for e in read_entries(conn, sid)] == ["patient comfortable"]
    finally:
        conn.close()
    assert writer.healthy and writer.last_error is None, "a constraint failure is not 'database not writable'"
    writer.add_samples(sid, [Sample("HR", 61.0, T0 + 20_000, T0 + 20_000)])
    assert writer.flush() and _count(db, "SELECT count(*) FROM samples") == 10_000, "and it keeps recording"


def test_a_disk_error_still_holds_rows_in_memory_and_is_not_quarantined(writer: SessionWriter) -> None:
    sid = writer.open_session("sim", "datex-s5", started_at=T0)
    pages = writer.submit(lambda conn: conn.execute("PRAGMA page_count").fetchone()[0]).result(5)
    writer.submit(lambda conn: conn.execute(f"PRAGMA max_page_count = {pages}")).result(5)
    writer.add_samples(sid, [Sample("HR", 70.0, T0 + i, T0 + i) for i in range(5_000)])
    assert not writer.flush(timeout=2)
    assert not writer.healthy and "full" in (writer.last_error or "") and writer.quarantined == 0
    writer.submit(lambda conn: conn.execute("PRAGMA max_page_count = 1000000")).result(5)
    assert writer.flush() and _count(writer.db_path, "SELECT count(*) FROM samples") == 5_000


# --- FHIR export ---------------------------------------------------------------------------------------------


def test_fhir_export_of_a_database_holding_inf_is_valid_json(tmp_path: Path) -> None:
    """A database written before the fix may hold inf (SQLite stores it): the export leaves it out."""
    db = tmp_path / "old.sqlite3"
    with SessionWriter(db) as w:
        sid = w.open_session("sim", "datex-s5", started_at=T0)
        w.add_samples(sid, [Sample("HR", 70.0, T0 + i, T0 + i) for i in range(3)])
        w.flush()
        w.end_session(sid, T0 + 10)
    raw = sqlite3.connect(db)
    raw.executemany(
        "INSERT INTO samples (session_id, param, t, host_t, value) VALUES (?, ?, ?, ?, ?)",
        [(sid, "HR", T0 + 120, T0 + 120, math.inf), (sid, "NIBP_SYS", T0 + 5, T0 + 5, -math.inf)],
    )
    raw.commit()
    raw.close()

    text = bundle_json(load_record(db, sid))

    def refuse(name: str) -> None:
        raise AssertionError(f"{name} in the export")

    bundle = json.loads(text, parse_constant=refuse)
    values = [e["resource"].get("valueQuantity", {}).get("value") for e in bundle["entry"]]
    assert 70.0 in values
