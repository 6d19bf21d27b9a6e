"""Issue 21 point 2 on the chair's workspace: a numeric no tile shows is listed under "Other values" with its label,
number, unit and age, by the tiles' rule (flagged: "--" with why at once; old: grey with its age), and stored."""

from __future__ import annotations

from monitor.devices.events import MeasurementState, OtherValue
from monitor.storage.db import connect

PERF = 0x4BB0
LABEL = "NOM_PULS_OXIM_PERF_REL (0x4BB0)"


def test_other_values_are_listed_by_the_tiles_rule_and_stored(qtbot, live_window) -> None:
    window = live_window("stable", speed=20)
    workspace = window.workspace
    qtbot.waitUntil(lambda: workspace.tiles["spo2"].value.text() != "--", timeout=15000)  # the link is receiving
    acquisition = workspace.facade.acquisition
    listed = workspace.other_values

    def receive(value: float | None, state: int = 0) -> float:
        """One value as a driver hands it on (the link's path: stored, and queued for the window)."""
        now = workspace.clock.now()
        acquisition._on_events([OtherValue(PERF, LABEL, "%", value, now, now, state)], now)
        return now

    assert listed.row(PERF) is None and workspace.lists.tabText(workspace.lists.indexOf(listed)) == "Other values"
    t = receive(2.5)
    qtbot.waitUntil(lambda: listed.row(PERF) is not None and listed.row(PERF)[1] == "2.5", timeout=5000)
    assert listed.row(PERF) == (LABEL, "2.5", "%", "now") and not listed.dimmed(PERF)
    assert workspace.lists.tabText(workspace.lists.indexOf(listed)) == "Other values (1)"
    workspace._render_others(t + 31)  # 31 s without a new one: stale, the number grey with its age
    assert listed.row(PERF)[1:] == ("2.5", "%", "31 s ago") and listed.dimmed(PERF)
    receive(2.4, int(MeasurementState.INVALID))
    qtbot.waitUntil(lambda: listed.row(PERF)[1] == "--", timeout=5000)
    assert listed.row(PERF)[3] == "invalid" and listed.dimmed(PERF), "flagged: never the last good number"
    assert workspace.live.others(workspace.clock.now())[0].text == "--", "the live model says the same"
    assert acquisition.writer.flush()
    conn = connect(window.db_path)
    stored = conn.execute("SELECT code, label, unit, value, state FROM other_values ORDER BY id").fetchall()
    conn.close()
    assert stored == [(PERF, LABEL, "%", 2.5, 0), (PERF, LABEL, "%", 2.4, 0x8000)]


def test_a_simulated_intellivue_s_unmapped_numerics_are_listed_and_stored(qtbot, tmp_path) -> None:
    """End to end through the pty: the simulated IntelliVue's perfusion index and PVC count (ids no canonical
    parameter maps) arrive as other values, are listed current with the monitor's label and unit, and are stored."""
    from accounts import desk_for

    from monitor.app.chair import ChairConfig
    from monitor.app.station import Station
    from monitor.storage.writer import SessionWriter
    from monitor.ui.app import open_chair_window

    writer = SessionWriter(tmp_path / "monitor.sqlite3")
    writer.start()
    station = Station([ChairConfig("Chair 1", None, "intellivue-mib", scenario="stable", speed=10)], writer)
    try:
        window = open_chair_window(station.chairs[0], desk_for(writer.db_path))
        qtbot.addWidget(window)
        listed = window.workspace.other_values
        pvc = 0x4261
        qtbot.waitUntil(lambda: listed.row(PERF) is not None and listed.row(pvc) is not None, timeout=20000)
        qtbot.waitUntil(lambda: listed.row(PERF)[1] != "--" and not listed.dimmed(PERF), timeout=10000)
        label, value, _unit, _age = listed.row(PERF)
        assert "(0x4BB0)" in label and 0 < float(value) < 20
        assert "(0x4261)" in listed.row(pvc)[0]
        assert writer.flush()
        conn = connect(writer.db_path)
        codes = {r[0] for r in conn.execute("SELECT DISTINCT code FROM other_values")}
        conn.close()
        assert {PERF, pvc} <= codes
    finally:
        station.stop()
        writer.close()
