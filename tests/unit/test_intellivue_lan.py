"""Issue 21 point 5: IntelliVue's LAN variant (UDP, the MIB messages one per datagram, no serial framing) is one more
driver: a udp:// port gets the protocol's LAN driver (the serial driver's conversation, unframed), and the serial link
carries it. Against a UDP test peer on 127.0.0.1 playing the simulator's IntelliVue (tests/udp_intellivue.py)."""

from __future__ import annotations

import pytest
from udp_intellivue import UdpIntellivue

from monitor.devices.datagram_driver import UnframedDriver
from monitor.devices.events import DeviceEvent, OtherValue, Sample
from monitor.devices.intellivue import messages as mib
from monitor.devices.intellivue.decoder import IntellivueDecoder
from monitor.devices.intellivue.frame import FrameReader, encode_frame
from monitor.devices.protocols import make_driver

PERF, PVC = 0x4BB0, 0x4261




def test_a_udp_port_gets_the_lan_variant_and_a_protocol_without_one_is_refused() -> None:
    assert isinstance(make_driver("intellivue-mib", "udp://10.1.2.3:24105"), UnframedDriver)
    assert not isinstance(make_driver("intellivue-mib", "/dev/ttyUSB0"), UnframedDriver)
    with pytest.raises(ValueError, match="datex-s5 has no LAN variant"):
        make_driver("datex-s5", "udp://10.1.2.3:24105")


def test_datagrams_decode_as_the_serial_frames_do() -> None:
    """The LAN driver hands each datagram to the serial decoder framed: the monitor's poll result (mapped and
    unmapped ids) gives the same events over UDP as over RS-232."""
    with UdpIntellivue() as peer:
        encoder = peer.monitor
        framed = encoder.hear(encode_frame(mib.association_request(8000)), 1.0)
        event = next(m for m in map(mib.parse_message, FrameReader().feed(b"".join(framed)))
                     if isinstance(m, mib.MdsCreate))
        framed += encoder.hear(encode_frame(mib.mds_create_result(event)), 1.0)
        framed += encoder.hear(encode_frame(mib.extended_poll_request(1, 1)), 1.0)
    messages = FrameReader().feed(b"".join(framed))
    serial_events = IntellivueDecoder().feed(b"".join(framed), 5.0)
    lan = UnframedDriver(make_driver("intellivue-mib"), encode_frame, FrameReader(), "intellivue-mib (LAN)")
    lan_events: list[DeviceEvent] = []
    for message in messages:
        lan_events += lan.receive(message, 5.0).events
    assert lan_events == serial_events
    assert {e.param for e in lan_events if isinstance(e, Sample)} >= {"HR", "SPO2"}
    assert {e.code for e in lan_events if isinstance(e, OtherValue)} >= {PERF, PVC}
    assert lan.stats.frames_ok == len(messages) and lan.stats.bad_frames == 0
