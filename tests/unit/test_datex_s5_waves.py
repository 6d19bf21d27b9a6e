"""DRI waveforms (issue 22): the request, the real wave record, sample times, gaps, units and hostile input."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.app.chair import ChairConfig, waves_off_reason
from monitor.devices import datex_s5 as dri
from monitor.devices.datex_s5_driver import DatexS5Driver
from monitor.devices.dri_wave_clock import WaveClock
from monitor.devices.events import Sample, Wave, WaveBlock
from monitor.devices.protocols import make_driver

# CI spec Appendix A "start waveform ECG1", as quoted in shared/protocols/README.md §2.3: a 72-byte record.
OFFICIAL_START_ECG1 = bytes.fromhex(
    "7e 48 00 00 00 00 00 00 00 00 00 00 00 00 00 01 00 00 00 00 00 00 ff" + " 00" * 22 + " 01 ff" + " 00" * 26
    + " 48 7e"
)  # fmt: skip
T = 1_700_000_000  # a device time (Unix s)
US = 1e-6  # times are compared to the microsecond: pytest.approx's relative default is ~30 min at Unix times


def wave_vector(vectors: Path) -> bytes:
    return (vectors / "datex_s5_wave_record.bin").read_bytes()


def blocks(events: list) -> dict[Wave, list[WaveBlock]]:
    out: dict[Wave, list[WaveBlock]] = {}
    for e in events:
        if isinstance(e, WaveBlock):
            out.setdefault(e.wave, []).append(e)
    return out


def wave_frame(t: float, ecg=(), pleth=(), co2=(), ecg_status: int = 0, status: int = 0, ecg_label: int = 2) -> bytes:
    subs = [
        dri.WaveSubrecord(wf_type, list(raw), st, label)
        for wf_type, raw, st, label in (
            (dri.WF_ECG1, ecg, ecg_status, ecg_label),
            (dri.WF_PLETH, pleth, status, 0),
            (dri.WF_CO2, co2, status, 0),
        )
        if len(raw)
    ]
    return dri.frame(dri.encode_wave_record(subs, time=t))


def test_the_official_ecg1_frame_is_what_the_builder_sends_and_parses_back() -> None:
    assert len(OFFICIAL_START_ECG1) == 75 and sum(OFFICIAL_START_ECG1[1:-2]) & 0xFF == 0x48
    assert dri.wave_request([dri.WF_ECG1]) == OFFICIAL_START_ECG1
    (record,) = dri.Deframer().feed(OFFICIAL_START_ECG1)
    assert dri.parse_wave_request(record) == dri.WaveRequest(start=True, types=(dri.WF_ECG1,))
    (stop,) = dri.Deframer().feed(dri.wave_stop_request())
    assert dri.parse_wave_request(stop) == dri.WaveRequest(start=False, types=())
    assert dri.parse_request(record) is None and dri.parse_wave_request(dri._request_record(1, 5, 0)) is None


def test_the_driver_asks_for_values_and_ecg_pleth_co2_and_stops_both() -> None:
    driver = DatexS5Driver(interval=5)
    values, waves = driver.on_connect()
    assert dri.parse_request(dri.Deframer().feed(values)[0]) == dri.PhdbRequest(1, 5, 0)
    assert dri.parse_wave_request(dri.Deframer().feed(waves)[0]) == dri.WaveRequest(True, (1, 8, 9))
    assert driver.on_close() == [dri.wave_stop_request(), dri.stop_request()]
    assert DatexS5Driver(waves=False).on_connect() == [dri.displayed_values_request()]


def test_a_demo_sped_past_a_readable_sweep_asks_for_no_waves_a_real_port_always_does() -> None:
    for speed, port, asked in [(10, None, True), (100, None, False), (100, "/dev/ttyUSB0", True)]:
        config = ChairConfig("Chair 1", port, speed=speed)
        driver = make_driver("datex-s5", config.port or "", waves=not waves_off_reason(config))
        assert (len(driver.on_connect()) == 2) is asked, (speed, port)
    reason = waves_off_reason(ChairConfig("Chair 1", None, speed=100))
    assert reason == "not asked for: simulated at 100x (waves up to 10x)"
    assert len(make_driver("masimo-ascii", waves=False).on_connect()) == 0, "a protocol without waves is unchanged"


def test_the_real_wave_record_decodes_to_the_readme_values(vectors: Path) -> None:
    decoder = dri.DatexS5Decoder()
    events = decoder.feed(dri.frame(wave_vector(vectors)), 123.0)
    got = blocks(events)
    assert set(got) == {Wave.ECG, Wave.PLETH}, "ECG2/3 are not lead II; INVP is not acquired; no CO2 in it"
    (ecg,), (pleth,) = got[Wave.ECG], got[Wave.PLETH]
    assert (len(ecg.values), ecg.rate_hz, len(pleth.values), pleth.rate_hz) == (60, 300.0, 20, 100.0)
    assert ecg.values.dtype == np.float32 and pleth.values.dtype == np.float32
    assert ecg.values[0] == pytest.approx(-0.177, abs=1e-6)  # mV (raw -177 µV)
    assert pleth.values[:3].tolist() == pytest.approx([-3.60, -3.76, -4.00], abs=1e-6)  # % (raw 1/100 %)
    # One 200 ms packet, taken to end at the record's transmit second r_time = 1251973976.
    assert ecg.t0 == pytest.approx(1251973976 - 0.2, abs=US) and pleth.t0 == pytest.approx(1251973976 - 0.2, abs=US)
    assert ecg.host_t == 123.0 and not np.isnan(ecg.values).any()
    assert decoder.wave_samples == 80, "ECG1 (lead II) and pleth; ECG2/3 (lead off, -32767) are not a second ECG"


def test_control_codes_and_a_lead_off_are_gaps() -> None:
    decoder = dri.DatexS5Decoder()
    ecg = [100, -32767, 200, -32000, -31999] + [0] * 55
    got = blocks(decoder.feed(wave_frame(T, ecg=ecg, pleth=[-32766] * 20), 0.0))
    assert np.isnan(got[Wave.ECG][0].values[[1, 3]]).all()
    assert got[Wave.ECG][0].values[[0, 2, 4]].tolist() == pytest.approx([0.1, 0.2, -31.999])
    assert np.isnan(got[Wave.PLETH][0].values).all()
    off = blocks(decoder.feed(wave_frame(T, ecg=[100] * 60, ecg_status=dri.WF_STATUS_LEAD_OFF), 0.0))
    assert np.isnan(off[Wave.ECG][0].values).all(), "a lead-off ECG is no trace"


def test_co2_is_in_mmhg_from_the_ambient_pressure_and_a_gap_before_it_is_known() -> None:
    decoder = dri.DatexS5Decoder()
    before = blocks(decoder.feed(wave_frame(T, co2=[500] * 5), 0.0))[Wave.CO2][0]
    assert np.isnan(before.values).all() and decoder.wave_subrecords_skipped == 1
    decoder.feed(dri.frame(dri.encode_displayed_record({"ETCO2": 38.0}, time=T, ambient_mmhg=700.0)), 0.0)
    (co2,) = blocks(decoder.feed(wave_frame(T + 1, co2=[500, 0, -32767, 1000, 250]), 0.0))[Wave.CO2]
    # 5.00 % of 700 mmHg = 35 mmHg
    assert co2.values.tolist()[:2] == pytest.approx([35.0, 0.0]) and math.isnan(co2.values[2])
    assert co2.values[3] == pytest.approx(70.0) and co2.rate_hz == 25.0


def test_wave_raw_is_the_inverse_of_the_decoder() -> None:
    decoder = dri.DatexS5Decoder()
    decoder.feed(dri.frame(dri.encode_displayed_record({"ETCO2": 38.0}, time=T)), 0.0)  # 760 mmHg
    ecg, pleth, co2 = [0.5, -1.25, np.nan] + [0.0] * 57, [3.6] * 20, [38.0, np.nan, 0.0, 12.5, 40.0]
    frame = wave_frame(
        T, dri.wave_raw(Wave.ECG, ecg), dri.wave_raw(Wave.PLETH, pleth), dri.wave_raw(Wave.CO2, co2, 760.0)
    )
    got = blocks(decoder.feed(frame, 0.0))
    for wave, sent in ((Wave.ECG, ecg), (Wave.PLETH, pleth), (Wave.CO2, co2)):
        np.testing.assert_allclose(got[wave][0].values, sent, atol=0.04 if wave is Wave.CO2 else 1e-5)


def test_consecutive_packets_are_contiguous_and_a_device_gap_or_a_clock_jump_is_a_gap() -> None:
    decoder = dri.DatexS5Decoder()
    ecg = [10] * 60  # 200 ms at 300/s
    events = []
    for k in range(10):  # 2 s of packets; r_time is the truncated second they were sent in
        events += decoder.feed(wave_frame(T + (k + 1) // 5, ecg=ecg), 0.0)
    ecg_blocks = blocks(events)[Wave.ECG]
    assert [b.t0 for b in ecg_blocks] == pytest.approx([T - 0.2 + 0.2 * k for k in range(10)], abs=US)
    assert all(a.t_end == pytest.approx(b.t0, abs=US) for a, b in itertools.pairwise(ecg_blocks))
    end = ecg_blocks[-1].t_end
    gap, after = blocks(decoder.feed(wave_frame(T + 2, ecg=ecg, ecg_status=dri.WF_STATUS_GAP), 0.0))[Wave.ECG]
    assert gap.t0 == pytest.approx(end, abs=US) and np.isnan(gap.values).all() and len(gap.values) == 1
    assert after.t0 >= end + 1 / 300 - 1e-9
    (jumped,) = blocks(decoder.feed(wave_frame(T + 60, ecg=ecg), 0.0))[Wave.ECG]
    assert jumped.t0 == pytest.approx(T + 60 - 0.2, abs=US), "a minute without packets: re-anchored, not glued on"


def test_each_wave_keeps_its_own_clock() -> None:
    decoder = dri.DatexS5Decoder()
    events = decoder.feed(wave_frame(T, ecg=[1] * 60, pleth=[1] * 20) + wave_frame(T, pleth=[1] * 20), 0.0)
    got = blocks(events)
    assert [b.t0 for b in got[Wave.PLETH]] == pytest.approx([T - 0.2, T], abs=US)
    assert [b.t0 for b in got[Wave.ECG]] == pytest.approx([T - 0.2], abs=US)


def test_a_wave_subrecord_pointing_outside_the_record_is_a_bad_frame() -> None:
    record = bytearray(dri.encode_wave_record([dri.WaveSubrecord(dri.WF_PLETH, [1] * 20)], time=T))
    record[dri.HEADER_SIZE : dri.HEADER_SIZE + 2] = (500).to_bytes(2, "little")  # act_len 500 > what follows
    decoder = dri.DatexS5Decoder()
    assert decoder.feed(dri.frame(bytes(record)), 0.0) == []
    assert (decoder.stats.bad_frames, decoder.stats.frames_ok) == (1, 0)


def _wave_stream(vectors: Path) -> bytes:
    vitals = dri.encode_displayed_record({"HR": 70.0, "ETCO2": 38.0}, time=T)
    packets = [wave_frame(T + k // 5, ecg=[k] * 60, pleth=[k] * 20, co2=[k] * 5) for k in range(5)]
    return dri.frame(wave_vector(vectors)) + dri.frame(vitals) + b"".join(packets)


def _decode_in_chunks(data: bytes, cuts: list[int]) -> list:
    decoder, events, last = dri.DatexS5Decoder(), [], 0
    for cut in [*sorted(cuts), len(data)]:
        events += decoder.feed(data[last:cut], 0.0)
        last = cut
    return events


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cuts=st.lists(st.integers(min_value=0, max_value=2000), max_size=40))
def test_arbitrary_chunking_of_waves_decodes_identically(vectors: Path, cuts: list[int]) -> None:
    data = _wave_stream(vectors)
    whole = _decode_in_chunks(data, [])
    assert len(blocks(whole)[Wave.CO2]) == 5
    assert _decode_in_chunks(data, [c for c in cuts if c <= len(data)]) == whole


@settings(max_examples=200, deadline=None)
@given(noise=st.lists(st.binary(max_size=300), min_size=4, max_size=4), cuts=st.lists(st.integers(0, 3000)))
def test_wave_packets_embedded_in_noise_are_all_recovered(noise: list[bytes], cuts: list[int]) -> None:
    frames = [wave_frame(T, ecg=[100 * (k + 1)] * 60) for k in range(3)]
    data = noise[0] + b"".join(f + n for f, n in zip(frames, noise[1:], strict=True))
    events = _decode_in_chunks(data, [c for c in cuts if c <= len(data)])
    assert [b.values[0] for b in blocks(events)[Wave.ECG]] == pytest.approx([0.1, 0.2, 0.3])


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=2000), flips=st.lists(st.integers(0, 10_000), max_size=8))
def test_mutated_wave_records_never_raise(data: bytes, flips: list[int]) -> None:
    record = bytearray(dri.encode_wave_record([dri.WaveSubrecord(t, [7] * 20) for t in (1, 8, 9)], time=T))
    for f in flips:  # any byte of the record, its lengths and offsets included, then framed with a good checksum
        record[f % len(record)] ^= 1 << (f % 8)
    decoder = dri.DatexS5Decoder()
    events = decoder.feed(data + dri.frame(bytes(record)) + data, 0.0)
    assert all(isinstance(e, Sample | WaveBlock) or e.__class__.__name__ == "DeviceStatus" for e in events)
    assert all(e.values.dtype == np.float32 and e.rate_hz > 0 for e in events if isinstance(e, WaveBlock))


def test_an_ecg_in_another_lead_is_not_shown_as_lead_ii() -> None:
    decoder = dri.DatexS5Decoder()
    got = blocks(decoder.feed(wave_frame(T, ecg=[100] * 60, pleth=[1] * 20, ecg_label=1), 0.0))  # lead I
    assert set(got) == {Wave.PLETH} and decoder.wave_subrecords_skipped == 1


def _numbered(t: float, k: int, **waves) -> bytes:
    """A wave record numbered k (r_nbr wraps at 256), the 200 ms packets of wave_frame."""
    subs = [dri.WaveSubrecord(wf, list(raw), 0, 2) for wf, raw in ((dri.WF_ECG1, waves.get("ecg", ())),) if len(raw)]
    return dri.frame(dri.encode_wave_record(subs, time=t, record_no=k))


def test_a_record_lost_on_the_line_is_a_gap_not_samples_glued_together() -> None:
    """Seen in review: a lost 200 ms record joined the packets either side of it, a trace without its missing beat
    drawn as if whole. Its number (r_nbr) says it is missing."""
    decoder = dri.DatexS5Decoder()
    ecg = [10] * 60
    frames = [_numbered(T + (k + 1) // 5, k, ecg=ecg) for k in range(250, 262)]  # wraps past 255
    del frames[7]  # record 257 (= 1) lost
    got = blocks(decoder.feed(b"".join(frames), 0.0))[Wave.ECG]
    gaps = [b for b in got if len(b.values) == 1]
    assert len(gaps) == 1 and np.isnan(gaps[0].values).all() and decoder.record_numbers.lost == 1
    before, after = got[got.index(gaps[0]) - 1], got[got.index(gaps[0]) + 1]
    assert gaps[0].t0 == pytest.approx(before.t_end, abs=US) and after.t0 > before.t_end


@pytest.mark.parametrize("numbering", ["per type", "constant"])
def test_a_monitor_that_numbers_each_record_type_or_none_loses_nothing(numbering: str) -> None:
    decoder = dri.DatexS5Decoder()
    data = b""
    for k in range(30):
        n = k if numbering == "per type" else 7
        data += _numbered(T + (k + 1) // 5, n, ecg=[10] * 60)
        if k % 5 == 4:  # displayed values every second, numbered on their own
            values = dri.encode_displayed_record({"HR": 70.0}, time=T + k // 5, record_no=k // 5 if n != 7 else 7)
            data += dri.frame(values)
    got = blocks(decoder.feed(data, 0.0))[Wave.ECG]
    assert len(got) == 30 and decoder.record_numbers.lost == 0
    assert all(a.t_end == pytest.approx(b.t0, abs=US) for a, b in itertools.pairwise(got))


def test_twelve_hours_of_packets_keep_the_sample_clock_exact() -> None:
    """Sample n is anchor + n / rate: 216 000 packets add no rounding (summing each packet's 0.2 s drifted ~10 ms)."""
    clock = WaveClock()
    first = clock.place(Wave.ECG, 60, T, device_gap=False).t0
    for k in range(1, 216_000):
        last = clock.place(Wave.ECG, 60, T + (k + 1) // 5, device_gap=False)
    assert last.gap_at is None and last.t0 == first + 215_999 * 60 / 300
