"""Issue 14 point 2: clinic.json and station.json are type-checked by one helper (monitor.clinical.config_values);
a value of the wrong type is refused with a message naming the entry, never a TypeError/OverflowError traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.app.station import load_station
from monitor.clinical.clinic_protocol import ProtocolError, load_protocol

HUGE = "1" + "0" * 400  # 10**400: a JSON int no float holds


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"alarm_limits": {"HR": {"low": "40"}}}', 'alarm_limits.HR.low must be a number, got text "40"'),
        ('{"alarm_limits": {"HR": {"high": ' + HUGE + "}}}", "alarm_limits.HR.high is far too large a number"),
        ('{"check_interval_min": ' + HUGE + "}", "check_interval_min is far too large a number"),
        ('{"max_rate_mg_kg_h": true}', "max_rate_mg_kg_h must be a number, got true/false true"),
        ('{"alarm_limits": {"SPO2": {"low": NaN}}}', "alarm_limits.SPO2.low must be a finite number, got nan"),
        ('{"observe_after_stop_min": 1e999}', "observe_after_stop_min must be a finite number, got inf"),
        ('{"bp_gate": {"sys": null}}', "bp_gate.sys must be a number, got null"),
        ('{"bp_gate": {"dia": Infinity}}', "bp_gate.dia must be a finite number"),
        ('{"serial_hosts": "10.1.2.3"}', "serial_hosts must be a list"),
        ('{"serial_hosts": [10]}', "serial_hosts[0] must be text, got int"),
        ('{"serial_hosts": ["a@b"]}', "serial_hosts[0] 'a@b' is not a host name"),
        ("[" * 100_000, "is not valid JSON"),
    ],
)
def test_clinic_file_values_of_the_wrong_type_are_refused_naming_the_entry(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "clinic.json"
    path.write_text(text)
    with pytest.raises(ProtocolError, match=r"clinic protocol .*clinic\.json") as refused:
        load_protocol(path)
    assert message in str(refused.value)


def test_clinic_serial_hosts_become_the_port_policy(tmp_path: Path) -> None:
    path = tmp_path / "clinic.json"
    path.write_text('{"serial_hosts": ["10.1.2.3", "Moxa-Chair1.clinic.local"]}')
    assert load_protocol(path).port_policy.serial_hosts == {"10.1.2.3", "moxa-chair1.clinic.local"}


GOOD = {"name": "Chair 1", "port": "/dev/ttyUSB0", "protocol": "datex-s5"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "Chair 1"}, "chair 1 needs name and port"),
        (GOOD | {"colour": "red"}, "may have only"),
        (GOOD | {"name": 5}, "chair 1 name must be text, got int"),
        (GOOD | {"port": 5}, "Chair 1.port must be text, got int"),
        (GOOD | {"protocol": ["datex-s5"]}, "Chair 1.protocol must be text, got a list"),
        (GOOD | {"baudrate": True}, "Chair 1.baudrate must be a whole number, got true/false true"),
        (GOOD | {"baudrate": 19200.5}, "Chair 1.baudrate must be a whole number, got float"),
        (GOOD | {"speed": "fast"}, 'Chair 1.speed must be a number, got text "fast"'),
        (GOOD | {"seed": -1}, "Chair 1.seed -1 is outside 0–4.29497e+09"),
        (GOOD | {"scenario": "x" * 500}, "Chair 1.scenario must be one line of 1 to 80 characters"),
    ],
)
def test_station_file_values_of_the_wrong_type_are_refused_naming_the_chair(
    tmp_path: Path, data: dict, message: str
) -> None:
    path = tmp_path / "station.json"
    path.write_text(json.dumps([data]))
    with pytest.raises(ValueError, match=r"station\.json is damaged") as refused:
        load_station(path)
    assert message in str(refused.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"name": "Chair 1"}', "expected a JSON list of chairs"),
        ("[5]", "chair 1 must be an object"),
        ('[{"name": "Chair 1", "port": null, "speed": ' + HUGE + "}]", "Chair 1.speed is far too large a number"),
        ('[{"name": "Chair 1", "port": null, "speed": NaN}]', "Chair 1.speed must be a finite number, got nan"),
        ('[{"name": "Chair 1", "port": null, "seed": ' + HUGE + "}]", "Chair 1.seed a huge number is outside"),
    ],
)
def test_station_file_shapes_and_numbers_json_allows_are_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "station.json"
    path.write_text(text)
    with pytest.raises(ValueError, match=r"station\.json is damaged") as refused:
        load_station(path)
    assert message in str(refused.value)
