"""Issue 21 point 5: the LAN transport. `udp://HOST:PORT` opens through pyserial like any port, so the serial link
(its states, silence, reopening, capture, driver) runs a LAN monitor unchanged; a datagram is one message each way.
The peer is a real UDP socket on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
import serial
from waiting import until

from monitor.devices.driver import DecodingDriver
from monitor.devices.events import LineSettings
from monitor.devices.link import LinkEvent, LinkState, SerialLink
from monitor.devices.port_policy import PortPolicy, PortRefused, check_port


@pytest.fixture
def peer() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(5)
    yield sock
    sock.close()


def _url(peer: socket.socket) -> str:
    return f"udp://127.0.0.1:{peer.getsockname()[1]}"


def test_a_datagram_is_one_message_each_way(peer: socket.socket) -> None:
    port = serial.serial_for_url(_url(peer), baudrate=115200, timeout=0.05, write_timeout=1.0)
    try:
        assert port.write(b"\xe1\x00\x00\x02 poll") == 9
        data, host = peer.recvfrom(1000)
        assert data == b"\xe1\x00\x00\x02 poll"
        peer.sendto(b"first", host)
        peer.sendto(b"second message", host)
        # the link asks for `in_waiting or 1` bytes: each read is still the whole datagram, never two joined
        assert [port.read(port.in_waiting or 1) for _ in range(3)] == [b"first", b"second message", b""]
    finally:
        port.close()


def test_a_closed_peer_fails_the_read_like_a_vanished_port(peer: socket.socket) -> None:
    port = serial.serial_for_url(_url(peer), timeout=0.5)
    peer.close()  # nobody listens there now: the host answers ICMP port unreachable
    try:
        port.write(b"anyone?")
        with pytest.raises(serial.SerialException, match="refused"):
            port.read(1)
    finally:
        port.close()


class _Counting:
    """A decoder that keeps each datagram it is fed (to see the boundaries the link hands on)."""

    protocol = "test"

    def __init__(self) -> None:
        from monitor.devices.events import DecoderStats

        self.stats = DecoderStats()
        self.fed: list[bytes] = []

    def feed(self, data: bytes, host_time: float) -> list:
        self.fed.append(data)
        return []


def test_the_serial_link_runs_a_udp_peer_with_its_states(peer: socket.socket) -> None:
    """The link opens udp:// (a host the clinic lists), is CONNECTING, then RECEIVING with the peer's datagrams handed
    to the driver one by one, and writes what it is asked as datagrams."""
    decoder = _Counting()
    states: list[LinkEvent] = []
    receiving = threading.Event()

    def on_state(event: LinkEvent) -> None:
        states.append(event)
        if event.state is LinkState.RECEIVING:
            receiving.set()

    link = SerialLink(
        _url(peer), LineSettings(115200), on_state=on_state, driver=DecodingDriver(decoder),
        policy=PortPolicy.for_hosts(["127.0.0.1"]),
    )
    link.start()
    try:
        until(lambda: link.write(b"hello"))  # once the link has opened the socket
        _data, host = peer.recvfrom(100)
        for message in (b"one", b"two", b"three"):
            peer.sendto(message, host)
        assert receiving.wait(5)
        until(lambda: len(decoder.fed) == 3)
        assert decoder.fed == [b"one", b"two", b"three"]
    finally:
        link.stop()
    assert [e.state for e in states][:2] == [LinkState.CONNECTING, LinkState.RECEIVING]
    assert states[-1].state is LinkState.STOPPED


def test_udp_is_a_network_port_the_clinic_must_list() -> None:
    listed = PortPolicy.for_hosts(["10.1.2.3"])
    assert check_port("udp://10.1.2.3:24105", listed, "--port") == "udp://10.1.2.3:24105"
    with pytest.raises(PortRefused, match=r"not in clinic\.json serial_hosts"):
        check_port("udp://10.9.9.9:24105", listed, "--port")
    with pytest.raises(PortRefused, match="expected udp://HOST:PORT"):
        check_port("udp://10.1.2.3", listed, "--port")
