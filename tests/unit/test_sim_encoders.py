"""The simulator's encoder registry: one encoder per protocol the program speaks, picked by name, no if/elif."""

from __future__ import annotations

import pytest

from monitor.devices import datex_s5, masimo_ascii
from monitor.devices.events import Sample
from monitor.devices.protocols import PROTOCOL_NAMES, make_driver
from monitor.devices.simulator.encoders import ENCODERS, DriEncoder, MasimoEncoder
from monitor.devices.simulator.physiology import PatientModel
from monitor.devices.simulator.scenario import load_scenario
from monitor.devices.simulator.server import PROTOCOLS, SimulatedMonitor

T0 = 1_700_000_000.0


def _encoder(protocol: str):
    scenario = load_scenario("stable")
    return ENCODERS[protocol](PatientModel(scenario, 0), scenario, T0)


def test_the_simulator_speaks_every_protocol_the_program_reads() -> None:
    assert set(ENCODERS) == set(PROTOCOL_NAMES) and tuple(ENCODERS) == PROTOCOLS
    assert isinstance(_encoder("datex-s5"), DriEncoder) and isinstance(_encoder("masimo-ascii"), MasimoEncoder)
    with pytest.raises(ValueError, match="the simulator speaks"):
        SimulatedMonitor("philips-intellivue", load_scenario("stable"))


@pytest.mark.parametrize("protocol", PROTOCOL_NAMES)
def test_what_each_encoder_says_decodes_with_its_protocol(protocol: str) -> None:
    """The protocol's own driver talks to the encoder (DRI: the request; IntelliVue: association, MDS create
    result, a poll) and reads what it answers, at session time 0."""
    encoder, driver, events = _encoder(protocol), make_driver(protocol), []
    to_monitor = driver.on_connect()
    for _ in range(2):
        frames = [f for data in to_monitor for f in encoder.hear(data, 0.0)] + encoder.due(0.0)
        received = driver.receive(b"".join(frames), 0.0)
        events += received.events
        to_monitor = [*received.replies, *driver.tick(0.0)]
    hr = "PR" if protocol == "masimo-ascii" else "HR"
    assert [e.time for e in events if isinstance(e, Sample) and e.param == hr] == [T0]


def test_dri_is_silent_until_asked_and_forgets_the_request_on_a_new_cable() -> None:
    encoder = _encoder("datex-s5")
    assert encoder.due(0.0) == []
    assert encoder.hear(datex_s5.displayed_values_request(5), 1.0) == []
    assert len(encoder.due(1.0)) == 1 and encoder.due(3.0) == [] and len(encoder.due(6.0)) == 1
    assert encoder.requests_seen == 1
    assert len(encoder.hear(datex_s5.frame(datex_s5._request_record(datex_s5.PH_DISPL, -1, 0)), 7.0)) == 1
    encoder.hear(datex_s5.displayed_values_request(5), 8.0)
    encoder.reset()
    assert encoder.due(20.0) == []


def test_masimo_talks_once_a_second_and_ignores_the_pc() -> None:
    encoder = _encoder("masimo-ascii")
    assert encoder.hear(b"anything", 0.0) == [] and encoder.requests_seen == 0
    assert [len(encoder.due(t)) for t in (0.0, 0.5, 1.0, 1.2, 2.0)] == [1, 0, 1, 0, 1]
    assert masimo_ascii.INFO.name in ENCODERS
