"""Issue 21 point 5 end to end: an IntelliVue on its LAN port (a UDP test peer on 127.0.0.1 playing the simulator's
monitor, one message per datagram without the serial framing) through the program's serial link on a udp:// port
with the protocol's LAN driver: association, numerics (mapped and other values), the LAN cable pulled (silence),
re-association when it is back, release on stop. Needs the IntelliVue driver in the registry (issue 21 point 1)."""

from __future__ import annotations

from udp_intellivue import UdpIntellivue
from waiting import until

from monitor.devices.events import DeviceEvent, OtherValue, Sample
from monitor.devices.link import LinkEvent, LinkState, SerialLink
from monitor.devices.port_policy import PortPolicy
from monitor.devices.protocols import line_settings, make_driver

PERF = 0x4BB0


def test_association_numerics_silence_and_reassociation_over_udp() -> None:
    events: list[DeviceEvent] = []
    states: list[LinkEvent] = []
    with UdpIntellivue() as peer:
        link = SerialLink(
            peer.url,
            line_settings("intellivue-mib"),
            on_state=states.append,
            driver=make_driver("intellivue-mib", peer.url),
            on_events=lambda batch, _t: events.extend(batch),
            silence_timeout=1.0,  # reopened after 3 s of silence
            policy=PortPolicy.for_hosts(["127.0.0.1"]),
        )
        link.start()
        try:
            until(lambda: any(isinstance(e, Sample) and e.param == "HR" for e in events))
            until(lambda: any(isinstance(e, OtherValue) and e.code == PERF and e.value for e in events))
            assert peer.monitor.associations == 1
            peer.deaf.set()  # the LAN cable pulled: nothing either way, until the link has reopened its socket
            until(lambda: any(s.state is LinkState.SILENT and s.detail.startswith("reopened") for s in states))
            heard = len(events)
            peer.deaf.clear()
            until(lambda: peer.monitor.associations >= 2 and len(events) > heard, timeout_s=30)
            assert any(isinstance(e, Sample) and e.param == "HR" for e in events[heard:]), "numerics again"
        finally:
            link.stop()
        until(lambda: peer.monitor.releases >= 1, timeout_s=5)  # released on stop, politely
