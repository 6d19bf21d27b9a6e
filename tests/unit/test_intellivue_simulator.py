"""The simulated IntelliVue's side of the data-export conversation, heard through the program's own parser
(monitor.devices.intellivue.messages): what it builds must read as a real monitor's messages, and what the host's
builders send must be understood. Link time runs on a test clock, session time is given per call."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from monitor.app.station import demo_chairs
from monitor.cli.parser import build_parser
from monitor.devices.events import DeviceStatus, MeasurementState, OtherValue, Sample, SampleFlag, ValueState
from monitor.devices.intellivue import messages as mib
from monitor.devices.intellivue.decoder import IntellivueDecoder
from monitor.devices.intellivue.frame import FrameReader, encode_frame
from monitor.devices.simulator import intellivue_monitor as sim
from monitor.devices.simulator.physiology import PatientModel
from monitor.devices.simulator.scenario import load_scenario

START = 1_767_225_600.0  # the simulated monitor's clock at session time 0 (Unix s)
HR, PVC, SPO2, PULSE, PERF = 0x4182, 0x4261, 0x4BB8, 0x4822, 0x4BB0
NIBP = (0x4A05, 0x4A06, 0x4A07)


class Host:
    """A host talking to the encoder: frames out, the monitor's answers parsed by the program's parser."""

    def __init__(self, scenario: str = "stable") -> None:
        sc = load_scenario(scenario)
        self.now = 100.0  # the link's clock (s)
        self.monitor = sim.IntellivueEncoder(PatientModel(sc, seed=3), sc, START, clock=lambda: self.now)
        self.reader = FrameReader()
        self.sent = bytearray()  # every byte the monitor wrote

    def say(self, user_data: bytes, t: float) -> list[object]:
        return self._parse(self.monitor.hear(encode_frame(user_data), t))

    def wait(self, seconds: float, t: float) -> list[object]:
        self.now += seconds
        return self._parse(self.monitor.due(t))

    def _parse(self, frames: list[bytes]) -> list[object]:
        self.sent += b"".join(frames)
        return [mib.parse_message(m) for m in self.reader.feed(b"".join(frames))]

    def associate(self, t: float = 1.0) -> mib.MdsCreate:
        accepted, event = self.say(mib.association_request(8000), t)  # 1 s min poll period
        assert isinstance(accepted, mib.AssociationResult) and accepted.accepted
        assert isinstance(event, mib.MdsCreate)
        assert self.say(mib.mds_create_result(event), t) == []
        return event

    def poll(self, t: float, invoke_id: int = 7, poll_number: int = 1) -> mib.PollResult:
        assembler = mib.LinkedAssembler()
        whole = [
            done
            for result in self.say(mib.extended_poll_request(invoke_id, poll_number), t)
            if isinstance(result, mib.PollResult) and (done := assembler.add(result)) is not None
        ]
        assert len(whole) == 1, whole
        return whole[0]


def values(result: mib.PollResult) -> dict[int, mib.NumericObs]:
    return {obs.physio_id: obs for obs in result.observations}


def test_the_association_response_is_a_real_monitors_byte_for_byte(vectors: Path) -> None:
    """The same poll profile (500 ms, MTU 996) gives exactly frame 0 of the real capture: the wrapper, the user
    info and its lengths are a monitor's, not this program's idea of one."""
    real = FrameReader().feed((vectors / "intellivue_mib_rx_excerpt_40frames.raw").read_bytes())[0]
    assert sim.association_response(0x0FA0, 996) == real
    assert mib.parse_message(real) == mib.parse_message(sim.association_response(0x0FA0, 996))


def test_the_host_messages_are_understood() -> None:
    request = sim.read_host_message(mib.association_request(8000))
    assert isinstance(request, sim.AssociationRequest) and request.min_poll_period_ticks == 8000
    assert request.max_mtu_rx >= 300
    assert sim.read_host_message(mib.extended_poll_request(5, 9)) == sim.PollRequest(5, 9, True, sim.METRIC_NU)
    assert isinstance(sim.read_host_message(mib.release_request()), sim.HostRelease)
    event = mib.parse_message(sim.mds_create_event(4, START, sim.rel_ticks(0)))
    assert sim.read_host_message(mib.mds_create_result(event)) == sim.EventAcknowledged(4)


def test_an_association_is_accepted_and_the_mds_announced_with_both_clocks() -> None:
    host = Host()
    event = host.associate(t=12.5)
    assert event.abs_time == START + 12, "the absolute clock read at a whole second..."
    assert event.rel_time == sim.rel_ticks(12), "...with the relative clock at that same moment"
    assert host.monitor.associations == 1 and host.monitor.state is sim.Association.ASSOCIATED


def test_polls_wait_for_the_mds_create_result_then_carry_the_scenarios_numerics() -> None:
    host = Host()
    _accepted, event = host.say(mib.association_request(8000), 1.0)
    assert host.say(mib.extended_poll_request(1, 1), 2.0) == [], "no data before the host took the MDS create event"
    host.say(mib.mds_create_result(event), 2.0)
    result = host.poll(5.0, invoke_id=2, poll_number=3)
    assert (result.invoke_id, result.poll_number, result.rel_time) == (2, 3, sim.rel_ticks(5.0))
    got = values(result)
    assert 50 <= got[HR].value <= 100 and got[HR].unit_code == sim.UNIT_BPM and got[HR].state == 0
    assert 94 <= got[SPO2].value <= 100 and got[SPO2].unit_code == sim.UNIT_PERCENT
    assert got[PVC].value == 0, "a value the program has no parameter for is sent too"
    assert 0 < got[PERF].value < 20 and got[PERF].unit_code == sim.UNIT_NONE
    assert 30 < values(host.poll(5.0))[0x4B48].value < 40, "temperature in °C with its decimal"
    assert host.monitor.requests_seen == 3


def test_nibp_is_unavailable_before_the_first_reading_then_sent_as_a_compound() -> None:
    host = Host()
    host.associate()
    before = values(host.poll(10.0))  # the first cuff cycle ends at 30 s
    assert all(before[p].value is None and before[p].state == MeasurementState.UNAVAILABLE for p in NIBP)
    after = values(host.poll(40.0))
    sys_, dia, mean = (after[p].value for p in NIBP)
    assert 50 < dia < mean < sys_ < 200 and all(after[p].state == 0 for p in NIBP)
    assert all(after[p].unit_code == sim.UNIT_MMHG for p in NIBP)


def test_with_the_probe_off_spo2_pulse_and_perfusion_are_invalid_without_a_number() -> None:
    host = Host("sensor-off")  # probe off from 60 s
    host.associate()
    on, off = values(host.poll(30.0)), values(host.poll(70.0))
    assert on[SPO2].value is not None and on[SPO2].state == 0
    for physio in (SPO2, PULSE, PERF):
        assert off[physio].value is None and off[physio].state & MeasurementState.INVALID
    assert off[HR].value is not None and off[HR].state == 0, "the ECG goes on"


def test_a_long_result_goes_out_as_linked_results_within_the_mtu_that_reassemble() -> None:
    observations = [sim.encode_numeric(n) for n in sim.numerics(Host().monitor.model.state_at(40.0), START)]
    request = sim.PollRequest(9, 4, True, sim.METRIC_NU)
    messages = sim.poll_results(request, 1234, observations, mtu=300)
    assert len(messages) >= 4 and all(len(m) <= 300 for m in messages)
    parsed = [mib.parse_message(m) for m in messages]
    assert [p.linked_state for p in parsed] == [1] + [2] * (len(messages) - 3) + [3, None]
    assembler = mib.LinkedAssembler()
    whole = [done for p in parsed if (done := assembler.add(p)) is not None]
    assert len(whole) == 1 and whole[0].invoke_id == 9
    assert [o.physio_id for o in whole[0].observations] == [
        o.physio_id for o in mib.parse_message(sim.poll_results(request, 1234, observations, mtu=996)[0]).observations
    ]
    assert len(whole[0].observations) == 12


def test_a_silent_host_loses_the_association_and_may_associate_again() -> None:
    host = Host()
    host.associate()
    assert host.monitor.timeout_s == 10.0, "1 s poll period: 10 s (protocols README §3.3)"
    assert host.wait(9.0, 10.0) == []
    host.poll(11.0)  # anything the host says keeps the association
    assert host.wait(9.0, 20.0) == []
    assert [type(m) for m in host.wait(1.5, 21.0)] == [mib.Abort]
    assert host.monitor.aborts_sent == 1 and host.monitor.state is sim.Association.IDLE
    assert host.wait(60.0, 80.0) == [], "aborted once; no association, nothing more to drop"
    assert host.say(mib.extended_poll_request(8, 1), 81.0) == [], "no answer outside an association"
    host.associate(t=82.0)
    assert values(host.poll(83.0))[HR].value is not None
    assert host.monitor.associations == 2


@pytest.mark.parametrize(("period_s", "timeout_s"), [(0.5, 10.0), (3.3, 10.0), (10.0, 30.0), (60.0, 130.0)])
def test_the_silence_timeout_follows_the_poll_period(period_s: float, timeout_s: float) -> None:
    assert sim.silence_timeout_s(period_s) == timeout_s


def test_a_release_is_answered_and_ends_the_association() -> None:
    host = Host()
    host.associate()
    assert [type(m) for m in host.say(mib.release_request(), 5.0)] == [mib.Release]
    assert host.monitor.state is sim.Association.IDLE and host.monitor.releases == 1
    assert host.wait(60.0, 70.0) == [], "released: no abort later"


def test_an_unreadable_association_request_is_refused() -> None:
    host = Host()
    request = bytearray(mib.association_request(8000))
    start = request.find(bytes.fromhex("8000000040000000"))
    del request[start + 24 :]  # cut inside the user info
    assert [type(m) for m in host.say(bytes(request), 1.0)] == [mib.Refuse]
    assert host.monitor.state is sim.Association.IDLE


def test_a_pulled_cable_forgets_the_association() -> None:
    host = Host()
    host.associate()
    host.monitor.reset()
    assert host.say(mib.extended_poll_request(3, 1), 5.0) == []
    assert host.wait(60.0, 70.0) == [], "nothing to abort after a new cable"


def test_garbage_from_the_host_is_counted_not_answered() -> None:
    host = Host()
    host.associate()
    assert host.say(sim.SPPDU + struct.pack(">HH", 9, 0), 2.0) == []
    assert host.monitor.not_understood == 1 and host.monitor.state is sim.Association.ASSOCIATED


def test_the_programs_decoder_reads_the_simulated_monitor_on_its_own_clock() -> None:
    """The whole conversation's bytes through the IntelliVue decoder: samples stamped with the monitor's clock via
    the MDS create event's time pair, the ids no parameter maps kept as other values, the probe off as SpO2 and
    pulse rate unavailable, the cuff reading and then its age."""
    host = Host("sensor-off")
    host.associate(t=1.0)
    for t in (40.0, 70.0, 200.0):
        host.poll(t)
    events = IntellivueDecoder().feed(bytes(host.sent), host_time=0.0)
    samples = [e for e in events if isinstance(e, Sample)]
    assert {s.time for s in samples} <= {START + 40, START + 70, START + 200}, "the monitor's own clock"
    at_40 = {s.param: s for s in samples if s.time == START + 40}
    assert set(at_40) == {"HR", "SPO2", "PR", "RR", "ETCO2", "FICO2", "TEMP1", "NIBP_SYS", "NIBP_DIA", "NIBP_MEAN"}
    assert at_40["NIBP_SYS"].flags == SampleFlag.NONE
    at_200 = {s.param: s for s in samples if s.time == START + 200}
    assert at_200["NIBP_SYS"].flags & SampleFlag.NIBP_MEASURING, "the second cuff cycle is measuring"
    assert at_200["NIBP_SYS"].flags & SampleFlag.STALE, "the reading shown is from 170 s before"
    others = {e.code for e in events if isinstance(e, OtherValue)}
    assert others == {PVC, PERF}
    off = [e for e in events if isinstance(e, DeviceStatus) and e.time == START + 70]
    assert off and {("SPO2", ValueState.INVALID), ("PR", ValueState.INVALID)} <= set(off[0].unavailable)
    assert "SPO2" not in {s.param for s in samples if s.time == START + 70}, "no number with the probe off"
    assert "SPO2" in at_200, "the probe back on (from 150 s)"


def test_a_single_poll_is_answered_without_the_extended_sequence_number() -> None:
    host = Host()
    host.associate()
    request = bytearray(mib.extended_poll_request(4, 2))
    request[24:26] = sim.ACT_POLL.to_bytes(2, "big")  # NOM_ACT_POLL_MDIB_DATA: the same request, single poll
    assert sim.read_host_message(bytes(request)) == sim.PollRequest(4, 2, False, sim.METRIC_NU)
    (result,) = host.say(bytes(request), 5.0)
    assert isinstance(result, mib.PollResult) and (result.poll_number, result.rel_time) == (2, sim.rel_ticks(5.0))
    assert values(result)[HR].value is not None


def test_a_demo_station_speaks_the_protocol_asked_for() -> None:
    args = build_parser().parse_args(["run", "--station", "3", "--protocol", "intellivue-mib"])
    chairs = demo_chairs(args.station, protocol=args.protocol)
    assert [c.protocol for c in chairs] == ["intellivue-mib"] * 3
    assert [c.scenario for c in chairs] == ["stable", "ketamine-hypertension", "respiratory-depression"]
    assert {c.protocol for c in demo_chairs(2)} == {"datex-s5"}, "the default demo is unchanged"
