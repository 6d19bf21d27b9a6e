"""The settings of the other desks' chairs (issue 17 point 4): clinic.json "show_other_desks" and
"other_desks_alarms" (checked like every entry; clinic defaults off and "none"), and `run --show-desks`."""

from __future__ import annotations

import pytest

from monitor.app.gui_options import GuiOptions
from monitor.cli import build_parser, gui_options
from monitor.clinical.clinic_protocol import DEFAULT_PROTOCOL, ProtocolError, parse_protocol
from monitor.ui.app import other_desks


def test_clinic_json_says_whether_and_which_alarms_and_refuses_anything_else() -> None:
    assert (DEFAULT_PROTOCOL.show_other_desks, DEFAULT_PROTOCOL.other_desks_alarms) == (False, "none")
    chosen = parse_protocol({"show_other_desks": True, "other_desks_alarms": "high"}, "test")
    assert (chosen.show_other_desks, chosen.other_desks_alarms) == (True, "high")
    with pytest.raises(ProtocolError, match=r"other_desks_alarms must be one of \['none', 'high'\], got 'all'"):
        parse_protocol({"other_desks_alarms": "all"}, "test")
    with pytest.raises(ProtocolError, match="show_other_desks must be true or false"):
        parse_protocol({"show_other_desks": "yes"}, "test")


def test_run_show_desks_overrides_the_clinic_and_needs_a_clinic_database(capsys) -> None:
    parser = build_parser()
    assert gui_options(parser.parse_args(["run"]), DEFAULT_PROTOCOL).show_other_desks is None
    shown = gui_options(parser.parse_args(["run", "--station", "2", "--show-desks", "all"]), DEFAULT_PROTOCOL)
    assert shown.show_other_desks is True
    assert other_desks(GuiOptions(DEFAULT_PROTOCOL)) is None, "off by the clinic default: no watcher"
    assert other_desks(shown) is None, "no clinic database to read them from"
    assert "give --clinic-db" in capsys.readouterr().err
