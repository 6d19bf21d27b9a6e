"""The command line: decode output format, error messages for bad arguments."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from monitor.app.gui_options import GuiOptions
from monitor.cli import build_parser, gui_options, main
from monitor.clinical.clinic_protocol import DEFAULT_PROTOCOL
from monitor.devices import datex_s5, masimo_ascii
from monitor.devices.capture import CaptureWriter
from monitor.storage.db import connect, read_link_events
from tests.accounts import recorder


def _lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


def test_decode_dri_dump_prints_json_lines(tmp_path: Path, vectors: Path, capsys) -> None:
    dump = tmp_path / "dump.bin"
    record = (vectors / "datex_s5_phdb_displayed_4class_record.bin").read_bytes()
    dump.write_bytes(b"\x00garbage" + datex_s5.frame(record) + b"\x7e\x01\x02\x7e")
    assert main(["decode", "--protocol", "datex-s5", str(dump)]) == 0
    out, err = capsys.readouterr()
    lines = _lines(out)
    assert {"time": "2009-09-03T10:30:27Z", "param": "ART_SYS", "value": 9.0, "unit": "mmHg"} in lines
    assert {"time": "2009-09-03T10:30:27Z", "param": "TEMP2", "value": 27.07, "unit": "°C"} in lines
    assert all(line["param"] != "SPO2" for line in lines)  # invalid in that record: never a number
    assert "1 frames ok" in err and "1 bad frames" in err and "resyncs" in err


def test_decode_waves_prints_the_real_wave_record_as_json_lines(tmp_path: Path, vectors: Path, capsys) -> None:
    dump = tmp_path / "waves.bin"
    gap = datex_s5.encode_wave_record([datex_s5.WaveSubrecord(datex_s5.WF_PLETH, [100, -32767])], time=1251973977)
    dump.write_bytes(datex_s5.frame((vectors / "datex_s5_wave_record.bin").read_bytes()) + datex_s5.frame(gap))
    assert main(["decode", "--protocol", "datex-s5", str(dump)]) == 0
    assert capsys.readouterr().out == "", "waves only when asked for"
    assert main(["decode", "--protocol", "datex-s5", "--waves", str(dump)]) == 0
    ecg, pleth, pleth2 = _lines(capsys.readouterr().out)
    assert (ecg["time"], ecg["wave"], ecg["rate_hz"], ecg["unit"]) == ("2009-09-03T10:32:55.800000Z", "ECG_II", 300.0,
                                                                       "mV")  # fmt: skip
    assert ecg["values"][0] == -0.177 and len(ecg["values"]) == 60
    assert (pleth["wave"], pleth["rate_hz"], pleth["unit"], pleth["values"][:3]) == ("PLETH", 100.0, "%",
                                                                                      [-3.6, -3.76, -4.0])  # fmt: skip
    assert pleth2["values"] == [1.0, None], "a gap is null, not a number"
    assert pleth2["time"] == "2009-09-03T10:32:56Z", "the next packet continues the sample clock"


def test_decode_capture_file_and_status_lines(tmp_path: Path, capsys) -> None:
    path = tmp_path / "s.ismcap"
    writer = CaptureWriter(path, protocol="masimo-ascii", source="loop://", line={"baudrate": 9600})
    writer.write_data(1.0, masimo_ascii.format_line(time=1_700_000_000, spo2=97, pr=70, pi=2.5, pvi=10))
    writer.write_data(
        2.0, masimo_ascii.format_line(time=1_700_000_001, spo2=None, pr=None, pi=None, pvi=None, exc=0x020)
    )
    writer.close()
    assert main(["decode", "--protocol", "masimo-ascii", "--status", str(path)]) == 0
    lines = _lines(capsys.readouterr().out)
    params = [line["param"] for line in lines if "param" in line]
    assert params[:2] == ["SPO2", "PR"]
    assert {"time": "2023-11-14T22:13:20Z", "param": "SPO2", "value": 97.0, "unit": "%"} in lines
    statuses = [line for line in lines if "status" in line]
    assert statuses[-1]["status"] == ["sensor off"]


def test_decode_missing_file_is_a_clear_error(tmp_path: Path, capsys) -> None:
    assert main(["decode", "--protocol", "datex-s5", str(tmp_path / "nope.bin")]) == 2
    assert "no such file" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["decode", "--protocol", "philips", "x"], "invalid choice: 'philips'"),
        (["simulate", "--speed", "0"], "speed must be above 0"),
        (["simulate", "--speed", "fast"], "speed must be a number"),
        (["--protocol", "nope"], "invalid choice: 'nope'"),
    ],
)
def test_bad_options_are_refused_with_a_message(argv: list[str], message: str, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_a_baud_rate_the_monitor_cannot_use_is_refused(capsys) -> None:
    assert main(["--protocol", "datex-s5", "--baudrate", "9600"]) == 2
    assert "datex-s5 runs at 19200 or 115200 baud, not 9600" in capsys.readouterr().err


def test_record_on_a_port_not_there_yet_warns_and_waits_for_it(tmp_path: Path, capsys) -> None:
    db = tmp_path / "wait.sqlite3"
    missing = tmp_path / "ttyUSB9"
    clinic = tmp_path / "clinic.json"
    clinic.write_text('{"check_interval_min": 10}')
    argv = ["record", "--port", str(missing), "--protocol", "masimo-ascii", "--db", str(db), "--duration", "1"]
    argv += ["--clinic", str(clinic), *recorder(db)]
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        assert main(argv) == 0
    finally:
        for sig, handler in handlers.items():  # the recorder installs its own
            signal.signal(sig, handler)
    out = capsys.readouterr()
    assert f"warning: There is no port {missing} on this computer" in out.err
    assert "Recording session 1" in out.out
    conn = connect(db)
    try:
        events = read_link_events(conn, 1)
        states = [e.state for e in events]
    finally:
        conn.close()
    assert "disconnected" in states, "the time without the port is recorded, not hidden"
    (used,) = [e.detail for e in events if e.state == "clinic"]
    assert f"clinic protocol: {clinic}" in used and "checks every 10 min" in used, "the record says which protocol"


def test_run_gives_the_window_typed_options(tmp_path: Path) -> None:
    """The GUI receives a GuiOptions built from `run`'s arguments, not the argparse namespace."""
    args = build_parser().parse_args(
        ["run", "--station", "3", "--db", str(tmp_path / "m.db"), "--resume", "no", "--speed", "4"]
    )
    options = gui_options(args, DEFAULT_PROTOCOL)
    assert options == GuiOptions(clinic=DEFAULT_PROTOCOL, db=tmp_path / "m.db", station=3, resume="no", speed=4.0)
    assert options.port is None and options.protocol == "datex-s5"


def test_run_has_no_typed_initials_who_records_is_the_signed_in_account() -> None:
    options = gui_options(build_parser().parse_args(["run"]), DEFAULT_PROTOCOL)
    assert not hasattr(options, "initials") and options.station is None and options.scenario == "stable"
