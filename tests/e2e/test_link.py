"""SerialLink on a real pseudo-terminal: delivery, states, requests on open, pulled cable, stop, capture."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

from fake_port import Events, FakePort

from monitor.devices.capture import RecordKind, read_capture
from monitor.devices.events import LineSettings
from monitor.devices.link import LinkState, SerialLink, port_problem
from monitor.devices.port_policy import PortPolicy

LINE = LineSettings(baudrate=19200)


def test_bytes_arrive_complete_and_in_order(port: FakePort, make_link) -> None:
    events = Events()
    make_link(str(port.link), events)
    assert events.wait(lambda: LinkState.CONNECTING in events.names())
    payload = bytes(range(256)) * 40
    for i in range(0, len(payload), 1000):
        port.send(payload[i : i + 1000])
    assert events.wait(lambda: len(events.data) >= len(payload))
    assert bytes(events.data) == payload
    assert events.names()[:2] == [LinkState.CONNECTING, LinkState.RECEIVING]


def test_silence_is_reported_with_when_it_began(port: FakePort, make_link) -> None:
    events = Events()
    make_link(str(port.link), events, silence_timeout=0.3)
    assert events.wait(lambda: LinkState.CONNECTING in events.names())  # pyserial flushes input on open
    port.send(b"x")
    assert events.wait(lambda: LinkState.RECEIVING in events.names())
    assert events.wait(lambda: LinkState.SILENT in events.names(), timeout=3)
    silent = next(e for e in events.states if e.state is LinkState.SILENT)
    assert silent.time - silent.since >= 0.3 and "no data for 0.3 s" in silent.detail
    port.send(b"y")
    assert events.wait(lambda: events.names()[-1] is LinkState.RECEIVING)


def test_a_silence_goes_on_across_the_reopens_it_causes(port: FakePort, make_link) -> None:
    """Seen: "Monitor silent for N s" restarted at 0 at every reopen (3x the silence timeout). The silence runs from
    the last byte until the next one: a reopen says so again with the same start, and never "connecting"."""
    events = Events()
    opened = []
    make_link(str(port.link), events, silence_timeout=0.2, on_open=lambda lk: opened.append(lk))
    assert events.wait(lambda: LinkState.CONNECTING in events.names())
    port.send(b"x")
    assert events.wait(lambda: LinkState.RECEIVING in events.names())
    assert events.wait(lambda: len(opened) >= 3, timeout=5), "reopened twice for the silence"
    after = events.names()[events.names().index(LinkState.RECEIVING) :]
    assert LinkState.CONNECTING not in after
    silences = [e for e in events.states if e.state is LinkState.SILENT]
    assert len(silences) >= 3 and len({e.since for e in silences}) == 1, "one silence, from the same last byte"
    assert silences[-1].time - silences[0].since >= 3 * 0.2
    port.send(b"y")
    assert events.wait(lambda: events.names()[-1] is LinkState.RECEIVING)


def test_requests_are_sent_on_open_and_on_close(port: FakePort, make_link) -> None:
    events = Events()
    link = make_link(
        str(port.link), events, on_open=lambda lk: lk.write(b"START"), on_close=lambda lk: lk.write(b"STOP")
    )
    assert port.receive(5) == b"START"
    link.stop()
    assert port.receive(4) == b"STOP"
    assert events.names()[-1] is LinkState.STOPPED


def test_pulled_cable_disconnects_and_the_link_comes_back_by_itself(port: FakePort, make_link) -> None:
    events = Events()
    opened = []
    make_link(str(port.link), events, on_open=lambda lk: opened.append(time.monotonic()))
    assert events.wait(lambda: LinkState.CONNECTING in events.names())
    port.send(b"before")
    assert events.wait(lambda: bytes(events.data) == b"before")
    port.pull()
    assert events.wait(lambda: LinkState.DISCONNECTED in events.names())
    gone = next(e for e in events.states if e.state is LinkState.DISCONNECTED)
    assert gone.detail  # says why, for the nurse's banner and the log
    time.sleep(0.5)  # the port stays away for a while; the link keeps retrying
    port.plug()
    returned = time.monotonic()
    assert events.wait(lambda: len(opened) == 2, timeout=3)
    assert opened[1] - returned < 2.0  # reconnect within 2 s of the port returning
    port.send(b"after")
    assert events.wait(lambda: bytes(events.data) == b"beforeafter")


def test_missing_port_is_disconnected_and_stop_is_prompt(tmp_path: Path, make_link) -> None:
    events = Events()
    link = make_link(str(tmp_path / "nothing-here"), events, backoff_initial=5.0)
    assert events.wait(lambda: LinkState.DISCONNECTED in events.names())
    assert "could not open" in events.states[0].detail
    t0 = time.monotonic()
    link.stop()
    assert time.monotonic() - t0 < 1.0 and not link.is_alive


def test_loop_url(make_link) -> None:
    events = Events()
    make_link("loop://", events, on_open=lambda lk: lk.write(b"echo me"), policy=PortPolicy(dev_urls=True))
    assert events.wait(lambda: bytes(events.data) == b"echo me")


def test_a_failing_callback_is_counted_and_delivery_goes_on(port: FakePort, make_link) -> None:
    events = Events()
    calls = []

    def flaky(data: bytes, host_time: float) -> None:
        calls.append(data)
        if len(calls) == 1:
            raise RuntimeError("listener bug")
        events.on_data(data, host_time)

    link = SerialLink(str(port.link), LINE, on_data=flaky, on_state=events.on_state)
    link.start()
    try:
        assert events.wait(lambda: LinkState.CONNECTING in events.names())
        port.send(b"a")
        assert events.wait(lambda: LinkState.RECEIVING in events.names())
        deadline = time.monotonic() + 3
        while not calls and time.monotonic() < deadline:
            time.sleep(0.01)
        port.send(b"b")
        assert events.wait(lambda: b"b" in events.data)
        assert link.callback_errors == 1
    finally:
        link.stop()


def test_capture_holds_the_bytes_and_the_transitions(port: FakePort, make_link, tmp_path: Path) -> None:
    from monitor.devices.capture import CaptureWriter

    capture = CaptureWriter(tmp_path / "c.ismcap", protocol="datex-s5", source=str(port.link), line={})
    events = Events()
    link = make_link(str(port.link), events, capture=capture)
    assert events.wait(lambda: LinkState.CONNECTING in events.names())
    port.send(b"\x7eabc\x7e")
    assert events.wait(lambda: len(events.data) == 5)
    link.stop()
    capture.close()
    records = list(read_capture(tmp_path / "c.ismcap").records())
    data = b"".join(r.payload for r in records if r.kind is RecordKind.DATA)
    states = [r.event()["state"] for r in records if r.kind is RecordKind.LINK_EVENT]
    assert data == b"\x7eabc\x7e"
    assert states == ["connecting", "receiving", "stopped"]


def test_a_disk_that_refuses_the_capture_stops_the_capture_not_the_link(port: FakePort, make_link, tmp_path) -> None:
    from monitor.devices.capture import CaptureWriter

    capture = CaptureWriter(tmp_path / "c.ismcap", protocol="datex-s5", source=str(port.link), line={})
    capture._file.close()
    capture._file = open("/dev/full", "wb")  # noqa: SIM115 - a real device whose writes fail with ENOSPC: a full disk
    events = Events()
    link = make_link(str(port.link), events, capture=capture)
    try:
        assert events.wait(lambda: LinkState.CONNECTING in events.names()), "the state still reaches the listeners"
        port.send(b"\x7eabc\x7e")
        assert events.wait(lambda: LinkState.RECEIVING in events.names() and len(events.data) == 5)
        assert link.capture_error is not None and "No space left" in link.capture_error
        port.send(b"more")
        assert events.wait(lambda: events.data.endswith(b"more")), "the monitor is still read"
    finally:
        link.stop()
        with contextlib.suppress(OSError):  # closing flushes what /dev/full refused
            capture._file.close()
    assert events.wait(lambda: events.names()[-1] is LinkState.STOPPED)


def test_port_problem_names_a_typo_and_an_unknown_url_scheme_and_accepts_real_ports(port: FakePort) -> None:
    assert port_problem(str(port.link)) is None, "a real pty"
    clinic = PortPolicy.for_hosts(["localhost", "10.0.0.5"])
    assert port_problem("socket://localhost:4001", clinic) is None
    assert port_problem("rfc2217://10.0.0.5:2217", clinic) is None
    assert "There is no port /dev/ttyUSB-typo" in port_problem("/dev/ttyUSB-typo")
    assert "'ftp://' ports are not allowed" in port_problem("ftp://x")
    assert "'a.b://' ports are not allowed" in port_problem("a.b://x")
    assert "Choose a port" in port_problem("  ")
