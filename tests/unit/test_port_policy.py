"""Issue 14 point 2: a port string can only open a device or a network serial server the clinic lists.

One function (monitor.devices.port_policy.check_port) decides for --port, station.json and the port pickers, and
SerialLink checks again before opening anything; loop:// only through the explicit test flag."""

from __future__ import annotations

import json
import os
import pty
from pathlib import Path

import pytest

from monitor.app.station import load_station
from monitor.cli import main
from monitor.devices.events import LineSettings
from monitor.devices.link import SerialLink
from monitor.devices.port_policy import PortPolicy, PortRefused, check_port

CLINIC = PortPolicy.for_hosts(["10.1.2.3", "Moxa-Chair1.clinic.local"])


@pytest.fixture
def tty() -> str:
    """A real character device: the child side of a pseudo-terminal."""
    master, child = pty.openpty()
    yield os.ttyname(child)
    os.close(master)
    os.close(child)


@pytest.mark.parametrize(
    ("port", "reason"),
    [
        ("spy:///dev/ttyUSB0?file=/tmp/victim", "'spy://' ports are not allowed"),
        ("loop://", "'loop://' ports are not allowed"),
        ("hwgrep://USB", "'hwgrep://' ports are not allowed"),
        ("alt:///dev/ttyUSB0?class=PosixPollSerial", "'alt://' ports are not allowed"),
        ("SPY:///dev/ttyUSB0", "'spy://' ports are not allowed"),
        ("socket://203.0.113.9:4001", "host 203.0.113.9 is not in clinic.json serial_hosts"),
        ("rfc2217://evil.example:2217", "host evil.example is not in clinic.json serial_hosts"),
        ("socket://user@10.1.2.3:4001", "expected socket://HOST:PORT"),
        ("socket://10.1.2.3", "expected socket://HOST:PORT"),
        ("socket://10.1.2.3:4001/etc/passwd", "not a path after it"),
        ("socket://10.1.2.3:99999", "not a valid URL"),
        ("/dev/tty\x1b[2JUSB0", "control characters"),
        ("", "empty"),
    ],
)
def test_only_device_paths_and_listed_hosts_are_allowed(port: str, reason: str) -> None:
    with pytest.raises(PortRefused, match=r"^--port: port .* refused: ") as refused:
        check_port(port, CLINIC, "--port")
    assert reason in str(refused.value)


def test_listed_hosts_device_paths_and_a_port_not_plugged_in_yet_are_allowed(tty: str) -> None:
    assert check_port("socket://10.1.2.3:4001", CLINIC, "--port") == "socket://10.1.2.3:4001"
    assert check_port("rfc2217://moxa-chair1.CLINIC.local:2217", CLINIC, "--port")
    assert check_port(tty, PortPolicy(), "--port") == tty
    assert check_port("/dev/ttyUSB-not-plugged-in-yet", PortPolicy(), "--port")
    with pytest.raises(PortRefused, match="serial_hosts"):
        check_port("socket://10.1.2.3:4001", PortPolicy(), "--port")  # no clinic list: no network at all


def test_a_plain_file_is_not_a_serial_device(tmp_path: Path) -> None:
    victim = tmp_path / "notes.txt"
    victim.write_text("keep me")
    with pytest.raises(PortRefused, match="not a serial device"):
        check_port(str(victim), PortPolicy(), "station.json Chair 1")


def test_serial_link_refuses_spy_and_loop_unless_the_test_flag_says_so(tmp_path: Path, tty: str) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("patient data")
    with pytest.raises(PortRefused, match="serial link: port 'spy://"):
        SerialLink(f"spy://{tty}?file={victim}", LineSettings(9600), on_data=print, on_state=print)
    assert victim.read_text() == "patient data", "spy:// truncated this file before the fix"
    with pytest.raises(PortRefused):
        SerialLink("loop://", LineSettings(9600), on_data=print, on_state=print)
    SerialLink("loop://", LineSettings(9600), on_data=print, on_state=print, policy=PortPolicy(dev_urls=True))


def test_port_flag_refuses_a_spy_url_and_an_unlisted_host(tmp_path: Path, tty: str, capsys) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("patient data")
    args = ["record", "--protocol", "masimo-ascii", "--db", str(tmp_path / "m.sqlite3"), "--duration", "1"]
    assert main([*args, "--port", f"spy://{tty}?file={victim}"]) == 2
    assert "--port: port 'spy://" in capsys.readouterr().err and victim.read_text() == "patient data"
    clinic = tmp_path / "clinic.json"
    clinic.write_text(json.dumps({"serial_hosts": ["10.1.2.3"]}))
    assert main([*args, "--port", "socket://10.9.9.9:4001", "--clinic", str(clinic)]) == 2
    assert "host 10.9.9.9 is not in clinic.json serial_hosts (listed: 10.1.2.3)" in capsys.readouterr().err
    assert not (tmp_path / "m.sqlite3").exists(), "refused before anything was recorded"


def test_station_json_port_is_checked_naming_the_file_and_chair(tmp_path: Path) -> None:
    path = tmp_path / "station.json"
    path.write_text(json.dumps([{"name": "Chair 2", "port": "spy:///dev/ttyUSB0?file=/tmp/x"}]))
    with pytest.raises(ValueError, match=r"station\.json Chair 2: port 'spy:///dev/ttyUSB0\?file=/tmp/x' refused"):
        load_station(path, CLINIC)
    path.write_text(json.dumps([{"name": "Chair 2", "port": "socket://10.1.2.3:4001"}]))
    assert load_station(path, CLINIC)[0].port == "socket://10.1.2.3:4001"
    with pytest.raises(ValueError, match=r"not in clinic\.json serial_hosts"):
        load_station(path)  # without the clinic's list
