"""The clinic's protocol file: what a clinic may set, refused with a message naming the entry when out of range,
and used by the session (checks, start gate, dose ceiling) and the alarms."""

from __future__ import annotations

import json
from pathlib import Path

import forms
import pytest

from monitor.app.session_service import SessionService
from monitor.clinical.clinic_protocol import DEFAULT_PROTOCOL, ProtocolError, load_protocol
from monitor.clinical.entries import EntryKind
from monitor.clinical.errors import EntryError
from monitor.storage.writer import SessionWriter

CLINIC = {
    "alarm_limits": {"NIBP_SYS": {"high": 170}, "SPO2": {"low": 93}},
    "check_interval_min": 10,
    "bp_gate": {"sys": 150, "dia": 95},
    "max_rate_mg_kg_h": 1.0,
    "observe_after_stop_min": 45,
}


def _file(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "clinic.json"
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return path


def test_a_clinic_file_sets_its_numbers_and_keeps_the_defaults_for_the_rest(tmp_path: Path) -> None:
    clinic = load_protocol(_file(tmp_path, CLINIC))
    assert (clinic.limits["NIBP_SYS"].low, clinic.limits["NIBP_SYS"].high) == (90, 170)
    assert clinic.limits["SPO2"].low == 93 and clinic.limits["HR"] == DEFAULT_PROTOCOL.limits["HR"]
    assert clinic.check_interval_s == 600 and clinic.check_grace_s == DEFAULT_PROTOCOL.check_grace_s
    assert clinic.bp_gate == (150, 95) and clinic.infusion.max_rate_mg_kg_h == 1.0
    assert clinic.min_observation_s == 45 * 60
    assert str(tmp_path / "clinic.json") in clinic.describe() and "checks every 10 min" in clinic.describe()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("{not json", "is not valid JSON"),
        ({"check_interval": 10}, "unknown entries ['check_interval']"),
        ({"check_interval_min": 90}, "check_interval_min 90 is outside 5–60"),
        ({"max_rate_mg_kg_h": "1"}, "max_rate_mg_kg_h must be a number"),
        (
            {"alarm_limits": {"NIBP_SYS": {"high": 260}}},
            "alarm_limits.NIBP_SYS: NIBP systolic high limit 260 is outside the allowed 140–220",
        ),
        ({"alarm_limits": {"BIS": {"low": 40}}}, "no alarm for 'BIS'"),
        ({"bp_gate": {"sys": 250}}, "sys 250 is outside 120–200"),
    ],
)
def test_an_unusable_clinic_file_is_refused_naming_the_entry(tmp_path: Path, data, message) -> None:
    with pytest.raises(ProtocolError, match=r"clinic protocol .*clinic\.json") as error:
        load_protocol(_file(tmp_path, data))
    assert message in str(error.value)


def test_the_session_follows_the_clinic_protocol(tmp_path: Path) -> None:
    clinic = load_protocol(_file(tmp_path, CLINIC))
    with SessionWriter(tmp_path / "s.sqlite3") as writer:
        sid = writer.open_session("sim", "datex-s5", started_at=1000.0)
        svc = SessionService(writer, sid, 1000.0, clock=lambda: 1100.0, initials="AB", protocol=clinic)
        screening = forms.screening(baseline={"sys": 155, "dia": 90, "hr": 80, "spo2": 97}, baseline_pain=6)
        svc.record(EntryKind.SCREENING, screening).result(5)
        assert svc.screening().blocks == ("baseline BP 155/90 is above 150/95",), "the clinic's gate, not 160/100"
        start = {"action": "start", "drug": "Ketamine", "concentration_mg_ml": 10, "weight_kg": 70}
        with pytest.raises(EntryError, match="ceiling of 1 mg/kg/h"):
            svc.record(EntryKind.INFUSION, start | {"rate_mg_kg_h": 1.5})
        svc.record(EntryKind.INFUSION, start | {"rate_mg_kg_h": 0.5}, t=1050.0).result(5)
        first = svc.schedule([])[0]
        assert first.due_at == 1050.0 + 600, "a check every 10 min"
