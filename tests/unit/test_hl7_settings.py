"""The EHR interface's settings: HOST:PORT only (a DSN-like typo refused at start), clinic.json keys, the command
line winning."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from monitor.app.hl7.settings import Hl7Settings, Hl7Target, Unassigned, parse_target
from monitor.cli.live import gui_options, hl7_settings
from monitor.cli.parser import build_parser
from monitor.clinical.clinic_protocol import DEFAULT_PROTOCOL, parse_protocol
from monitor.clinical.config_values import ConfigError


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("ehr.clinic.local:2575", Hl7Target("ehr.clinic.local", 2575)),
        ("10.1.2.3:6661", Hl7Target("10.1.2.3", 6661)),
        (" [fd00::5]:2575 ", Hl7Target("fd00::5", 2575)),
    ],
)
def test_host_and_port(text, target):
    assert parse_target(text) == target
    assert parse_target(str(target)) == target


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("postgresql://desk@db.clinic/monitor", "connection string or URL"),
        ("mllp://ehr:2575", "connection string or URL"),
        ("host=ehr port=2575", "connection string or URL"),
        ("desk_a@ehr:2575", "connection string or URL"),
        ("ehr.clinic.local", "no port"),
        ("ehr:25x75", "port must be a number"),
        ("ehr:70000", "port must be a number"),
        ("ehr_engine!:2575", "not a host name"),
        ("[nothex]:2575", "not an IPv6 address"),
        ("", "empty"),
    ],
)
def test_a_dsn_like_or_malformed_value_is_refused_with_a_message(text, says):
    with pytest.raises(ValueError, match=says) as caught:
        parse_target(text)
    assert "HOST:PORT" in str(caught.value)


def test_clinic_json_keys_and_the_command_line_wins():
    clinic = parse_protocol(
        {"hl7_out": "ehr:2575", "hl7_unassigned": "send", "hl7_interval_min": 10, "hl7_in": 2576, "hl7_facility": "KC"},
        "test",
    )
    from_file = hl7_settings(build_parser().parse_args(["run"]), clinic)
    assert from_file == Hl7Settings(Hl7Target("ehr", 2575), Unassigned.SEND, 600.0, 2576, "KC")
    args = build_parser().parse_args(["run", "--hl7-out", "other:6661", "--hl7-unassigned", "hold", "--hl7-in", "7"])
    flags = hl7_settings(args, clinic)
    assert (flags.out, flags.unassigned, flags.listen_port) == (Hl7Target("other", 6661), Unassigned.HOLD, 7)
    assert gui_options(args, clinic, flags).hl7 == flags
    assert hl7_settings(build_parser().parse_args(["run"]), DEFAULT_PROTOCOL) == Hl7Settings()


@pytest.mark.parametrize(
    ("entry", "says"),
    [
        ({"hl7_unassigned": "later"}, "hl7_unassigned"),
        ({"hl7_interval_min": 0}, "hl7_interval_min"),
        ({"hl7_in": 70000}, "hl7_in"),
        ({"hl7_out": 2575}, "hl7_out"),
    ],
)
def test_clinic_json_refuses_bad_entries(entry, says):
    with pytest.raises(ConfigError, match=says):
        parse_protocol(entry, "test")


def test_a_dsn_typo_stops_record_at_start_with_one_line(tmp_path):
    """--hl7-out: argparse's message; clinic.json: the entry named. Nothing opens, exit 2."""
    env_cmd = [sys.executable, "-m", "monitor", "record", "--port", "/dev/null", "--protocol", "datex-s5"]
    flag = subprocess.run(
        [*env_cmd, "--db", str(tmp_path / "a.sqlite"), "--hl7-out", "postgresql://ehr:2575"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert flag.returncode == 2 and "--hl7-out" in flag.stderr and "connection string or URL" in flag.stderr
    clinic = tmp_path / "clinic.json"
    clinic.write_text(json.dumps({"hl7_out": "host=ehr port=2575"}))
    from_file = subprocess.run(
        [*env_cmd, "--db", str(tmp_path / "a.sqlite"), "--clinic", str(clinic)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert from_file.returncode == 2 and "hl7_out" in from_file.stderr, from_file.stderr
    assert "Traceback" not in flag.stderr + from_file.stderr
    assert not (tmp_path / "a.sqlite").exists(), "refused before anything opened"
