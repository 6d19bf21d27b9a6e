"""Issue 21 point 5: IntelliVue's LAN variant (UDP, the MIB messages one per datagram, no serial framing) is one more
driver: a udp:// port gets the protocol's LAN driver (the serial driver's conversation, unframed), and the serial link
carries it. The monitor's side is the simulator's IntelliVue (tests/udp_intellivue.py, also a UDP test peer)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from udp_intellivue import simulated_intellivue

from monitor.app.replay import replay_capture
from monitor.cli import main
from monitor.devices.capture import CaptureWriter
from monitor.devices.datagram_driver import UnframedDriver
from monitor.devices.events import DeviceEvent, OtherValue, Sample
from monitor.devices.intellivue import messages as mib
from monitor.devices.intellivue.decoder import IntellivueDecoder
from monitor.devices.intellivue.frame import FrameReader, encode_frame
from monitor.devices.protocols import make_driver
from monitor.storage.db import connect
from monitor.storage.writer import SessionWriter

PERF, PVC = 0x4BB0, 0x4261
T0 = 1_767_225_600.0


def test_a_udp_port_gets_the_lan_variant_and_a_protocol_without_one_is_refused() -> None:
    assert isinstance(make_driver("intellivue-mib", "udp://10.1.2.3:24105"), UnframedDriver)
    assert not isinstance(make_driver("intellivue-mib", "/dev/ttyUSB0"), UnframedDriver)
    with pytest.raises(ValueError, match="datex-s5 has no LAN variant"):
        make_driver("datex-s5", "udp://10.1.2.3:24105")


def test_datagrams_decode_as_the_serial_frames_do() -> None:
    """The LAN driver hands each datagram to the serial decoder framed: the monitor's poll result (mapped and
    unmapped ids) gives the same events over UDP as over RS-232."""
    messages = _monitor_messages()
    serial_events = IntellivueDecoder().feed(b"".join(encode_frame(m) for m in messages), 5.0)
    lan = UnframedDriver(make_driver("intellivue-mib"), encode_frame, FrameReader(), "intellivue-mib (LAN)")
    lan_events: list[DeviceEvent] = []
    for message in messages:
        lan_events += lan.receive(message, 5.0).events
    assert lan_events == serial_events
    assert {e.param for e in lan_events if isinstance(e, Sample)} >= {"HR", "SPO2"}
    assert {e.code for e in lan_events if isinstance(e, OtherValue)} >= {PERF, PVC}
    assert lan.stats.frames_ok == len(messages) and lan.stats.bad_frames == 0


def _monitor_messages() -> list[bytes]:
    """What the simulated IntelliVue says through one association and one poll: its messages, unframed."""
    encoder = simulated_intellivue()
    framed = encoder.hear(encode_frame(mib.association_request(8000)), 1.0)
    said = map(mib.parse_message, FrameReader().feed(b"".join(framed)))
    event = next(m for m in said if isinstance(m, mib.MdsCreate))
    framed += encoder.hear(encode_frame(mib.mds_create_result(event)), 1.0)
    framed += encoder.hear(encode_frame(mib.extended_poll_request(1, 1)), 1.0)
    return FrameReader().feed(b"".join(framed))


def _lan_capture(tmp_path) -> Path:
    """A capture as the link records one from a udp:// port: one data record per datagram."""
    path = tmp_path / "lan.ismcap"
    capture = CaptureWriter(path, protocol="intellivue-mib", source="udp://10.1.2.7:24105", line={})
    for i, message in enumerate(_monitor_messages()):
        capture.write_data(T0 + i * 0.01, message)
    capture.close()
    return path


def test_a_lan_capture_replays_into_a_session_with_its_other_values(tmp_path) -> None:
    """A capture recorded from a udp:// port holds one record per datagram; its replay decodes them as the LAN
    variant and stores every numeric: the mapped ones as samples, the others as other values."""
    path = _lan_capture(tmp_path)
    db = tmp_path / "m.sqlite3"
    with SessionWriter(db) as writer:
        sid = replay_capture(path, writer)
    conn = connect(db)
    params = {r[0] for r in conn.execute("SELECT param FROM samples WHERE session_id = ?", (sid,))}
    others = dict(conn.execute("SELECT code, value FROM other_values WHERE session_id = ?", (sid,)).fetchall())
    conn.close()
    assert {"HR", "SPO2"} <= params
    assert {PERF, PVC} <= set(others) and others[PERF] is not None


def test_decode_prints_a_lan_capture_s_values(tmp_path, capsys) -> None:
    """`decode --protocol intellivue-mib` of a capture from a udp:// port: decoded as the LAN variant."""
    assert main(["decode", "--protocol", "intellivue-mib", str(_lan_capture(tmp_path))]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {"HR", "SPO2"} <= {line.get("param") for line in lines}
    assert "0x4BB0" in {line.get("code") for line in lines}
