"""The workspace driven like a nurse drives it: real clicks and typing on a live session (simulated monitor on
a pty, real database), asserting on what is stored and what is shown."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from accounts import PIN, make_account
from PySide6.QtCore import Qt, QTime
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QComboBox, QLineEdit

from monitor.clinical.entries import EntryKind
from monitor.clinical.infusion import InfusionState
from monitor.timefmt import clock_text


def test_side_effect_is_one_click_with_severity_and_note(qtbot, live_window, saved, stored_entries) -> None:
    window = live_window("stable", speed=20)
    panel = window.workspace.observations
    qtbot.keyClicks(panel.note, "pale, sweating")
    qtbot.mouseClick(panel.effect_buttons["nausea"], Qt.MouseButton.LeftButton)
    assert "Choose the severity of nausea first" in window.workspace.message.text(), "no severity preselected"
    qtbot.mouseClick(panel.severity_buttons["moderate"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.effect_buttons["nausea"], Qt.MouseButton.LeftButton)
    saved(window, 1)
    (row,) = stored_entries(window)
    assert (row.kind, row.initials) == ("side_effect", "AB")
    assert row.payload == {"effect": "nausea", "severity": "moderate", "note": "pale, sweating"}
    qtbot.waitUntil(lambda: window.workspace.timeline.tree.topLevelItemCount() == 1)
    assert window.workspace.timeline.tree.topLevelItem(0).text(1) == "Nausea (moderate) — pale, sweating"
    assert window.workspace.message.text().startswith("Saved at")
    assert panel.note.text() == "" and panel.chosen_severity() is None, "the form is ready for the next entry"
    assert row.t in window.workspace.trends.entry_lines.all_times(), "a marker across the four charts and the lane"


def test_scores_are_recorded_with_the_clinical_wording(qtbot, live_window, saved, stored_entries) -> None:
    window = live_window("stable", speed=20)
    panel = window.workspace.observations
    record_pain = window.findChild(type(panel.effect_buttons["other"]), "record_pain")
    qtbot.mouseClick(record_pain, Qt.MouseButton.LeftButton)
    assert "Choose the pain score (0–10) first" in window.workspace.message.text(), "no pain score preselected"
    panel.pain.lineEdit().selectAll()
    qtbot.keyClicks(panel.pain.lineEdit(), "6")
    qtbot.mouseClick(record_pain, Qt.MouseButton.LeftButton)
    assert panel.pain.text() == "—", "no pain score left over"
    record_moaas = window.findChild(type(panel.effect_buttons["other"]), "record_moaas")
    qtbot.mouseClick(record_moaas, Qt.MouseButton.LeftButton)
    assert "Choose the MOAA/S level first" in window.workspace.message.text(), "no level preselected"
    panel.moaas.setCurrentIndex(panel.moaas.findData(2))
    qtbot.mouseClick(record_moaas, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.dissociation_buttons["moderate"], Qt.MouseButton.LeftButton)
    saved(window, 3)
    assert [r.payload for r in stored_entries(window)] == [
        {"scale": "pain", "score": 6},
        {"scale": "moaas", "score": 2},
        {"level": "moderate"},
    ]
    qtbot.waitUntil(  # clinical.md "Sedation scales": MOAA/S <= 2 -> stop the infusion, call for help
        lambda: (
            "MOAA/S 2 responds only after mild prodding or shaking — stop the infusion, call for help"
            in window.workspace.alarm_bar.lines[0].text()
            and window.workspace.alarm_bar.lines[0].property("priority") == "high"
        ),
        timeout=3000,
    )
    texts = [window.workspace.timeline.tree.topLevelItem(i).text(1) for i in range(3)]
    assert texts[1] == "MOAA/S 2 responds only after mild prodding or shaking"
    assert panel.moaas.currentData() is None, "the next assessment is chosen afresh"


def test_invalid_infusion_input_is_refused_and_nothing_stored(qtbot, live_window, stored_entries) -> None:
    window = live_window("stable", speed=20)
    inf = window.workspace.infusion
    assert inf.concentration.text() == "" and inf.rate.text() == "", "no default a nurse could leave unchecked"
    qtbot.mouseClick(inf.buttons["start"], Qt.MouseButton.LeftButton)
    assert "Concentration" in window.workspace.message.text()
    inf.concentration.setText("10")
    inf.rate.setText("0.5")
    for weight, message in (("400", "Weight 400 kg is outside 20–300 kg"), ("0", "Weight 0 kg is outside")):
        inf.weight.setText(weight)
        qtbot.mouseClick(inf.buttons["start"], Qt.MouseButton.LeftButton)
        assert message in window.workspace.message.text()
    inf.weight.setText("70")
    for rate, message in (("-1", "Dose rate must be above 0"), ("5", "above the clinic's ceiling of 2 mg/kg/h")):
        inf.rate.setText(rate)
        qtbot.mouseClick(inf.buttons["start"], Qt.MouseButton.LeftButton)
        assert message in window.workspace.message.text()
    qtbot.wait(300)
    assert stored_entries(window) == []
    assert window.workspace.service.infusion().state is InfusionState.NOT_STARTED
    assert not inf.buttons["pause"].isEnabled(), "nothing to pause before the start"


def test_infusion_controls_show_pump_rate_elapsed_and_running_total(qtbot, live_window, saved, stored_entries) -> None:
    window = live_window("stable", speed=60)
    inf = window.workspace.infusion
    inf.weight.clear()
    qtbot.keyClicks(inf.weight, "70")
    inf.concentration.setText("10")
    inf.rate.setText("0.5")
    assert inf.pump.text() == "= 3.5 mL/h", "0.5 mg/kg/h × 70 kg ÷ 10 mg/mL"
    qtbot.mouseClick(inf.buttons["start"], Qt.MouseButton.LeftButton)
    saved(window, 1)
    qtbot.waitUntil(lambda: inf.state.text() == "RUNNING", timeout=3000)
    assert inf.weight.isReadOnly(), "a wrong weight is corrected by amending the start, not by retyping"
    qtbot.mouseClick(inf.buttons["pause"], Qt.MouseButton.LeftButton)
    saved(window, 2)
    qtbot.waitUntil(lambda: inf.buttons["resume"].isEnabled(), timeout=3000)
    qtbot.mouseClick(inf.buttons["resume"], Qt.MouseButton.LeftButton)
    saved(window, 3)
    inf.rate.setText("1.0")
    qtbot.mouseClick(inf.buttons["rate"], Qt.MouseButton.LeftButton)
    saved(window, 4)
    qtbot.keyClicks(inf.bolus, "10")
    qtbot.mouseClick(inf.buttons["bolus"], Qt.MouseButton.LeftButton)
    saved(window, 5)
    status = window.workspace.service.infusion()
    assert status.state is InfusionState.RUNNING and status.rate_mg_kg_h == 1.0
    assert status.bolus_mg == 10.0 and status.total_mg > 10.0
    inf.refresh()
    assert "1 mg/kg/h = 7.0 mL/h" in inf.status.text()
    assert f"{status.total_mg:.1f}"[:-2] in inf.totals.text() and "mg/kg" in inf.totals.text()
    assert "elapsed 0:" in inf.totals.text()
    assert [r.payload["action"] for r in stored_entries(window)] == ["start", "pause", "resume", "rate", "bolus"]


def test_dose_rate_field_follows_the_recorded_rate_but_keeps_a_typed_one(qtbot, live_window) -> None:
    window = live_window("stable", speed=20)
    inf, service = window.workspace.infusion, window.workspace.service
    start = {"action": "start", "drug": "Ketamine", "concentration_mg_ml": "10", "weight_kg": "70"}
    first = service.record(EntryKind.INFUSION, start | {"rate_mg_kg_h": "0.8"}).result(5)  # e.g. a resumed session
    inf.refresh()
    assert inf.rate.text() == "0.8" and inf.pump.text() == "= 5.6 mL/h", "the field shows what runs, not 0.5"
    service.amend(first.id, start | {"rate_mg_kg_h": "0.6"}, "pump was set to 0.6").result(5)
    inf.refresh()
    assert inf.rate.text() == "0.6" and inf.pump.text() == "= 4.2 mL/h"
    inf.rate.setText("1.2")  # the nurse is about to change the rate
    inf.refresh()
    assert inf.rate.text() == "1.2" and inf.pump.text() == "= 8.4 mL/h"
    assert "0.6 mg/kg/h = 4.2 mL/h" in inf.status.text(), "the status line still says what runs"


def test_amend_and_strike_keep_the_original_visible(qtbot, live_window, saved, stored_entries) -> None:
    window = live_window("stable", speed=20)
    panel = window.workspace.observations
    qtbot.mouseClick(panel.severity_buttons["mild"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.effect_buttons["headache"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.severity_buttons["mild"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.effect_buttons["dizziness"], Qt.MouseButton.LeftButton)
    saved(window, 2)
    qtbot.waitUntil(lambda: window.workspace.timeline.tree.topLevelItemCount() == 2)
    first, second = stored_entries(window)

    window.workspace.timeline.select(first.id)
    qtbot.mouseClick(window.workspace.timeline.amend_button, Qt.MouseButton.LeftButton)
    dialog = window.workspace.correction_dialog
    assert dialog is not None and dialog.isVisible()
    severity = dialog.fields["severity"]
    assert isinstance(severity, QComboBox)
    severity.setCurrentIndex(severity.findData("severe"))
    dialog.accept()
    assert dialog.isVisible(), "refused without a reason: the dialog stays open"
    assert "needs a reason" in dialog.error.text()
    qtbot.keyClicks(dialog.reason, "patient clarified")
    dialog.accept()
    assert not dialog.isVisible()
    saved(window, 3)

    window.workspace.timeline.select(second.id)
    qtbot.mouseClick(window.workspace.timeline.strike_button, Qt.MouseButton.LeftButton)
    strike = window.workspace.correction_dialog
    qtbot.keyClicks(strike.reason, "wrong patient")
    strike.accept()
    saved(window, 4)

    rows = stored_entries(window)
    assert [(r.action, r.target_id) for r in rows[2:]] == [("amend", first.id), ("strike", second.id)]
    assert rows[0].payload["severity"] == "mild", "the original row is unchanged"
    qtbot.waitUntil(lambda: "struck" in window.workspace.timeline.tree.topLevelItem(1).text(3))
    amended, struck = (window.workspace.timeline.tree.topLevelItem(i) for i in range(2))
    assert amended.text(1) == "Headache (severe)" and amended.text(3) == "amended: patient clarified"
    assert "Headache (mild)" in amended.toolTip(1), "the original stays visible"
    assert struck.font(1).strikeOut() and struck.text(3) == "struck: wrong patient"


def test_back_dated_entry_within_the_session_only(qtbot, live_window, saved, stored_entries) -> None:
    window = live_window("stable", speed=120)
    start = window.workspace.service.started_at
    tc = window.workspace.time_control
    tc.earlier.setChecked(True)
    before = QTime.fromString(clock_text(start - 60)[:5], "HH:mm")
    tc.time_edit.setTime(before)
    qtbot.mouseClick(window.workspace.observations.severity_buttons["mild"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.workspace.observations.effect_buttons["vomiting"], Qt.MouseButton.LeftButton)
    assert "before this session started" in window.workspace.message.text()
    qtbot.waitUntil(lambda: window.workspace.clock.now() > start + 180, timeout=10000)
    tc.earlier.setChecked(True)
    target = math.ceil(start / 60) * 60 + 60  # a whole minute inside the session
    tc.time_edit.setTime(QTime.fromString(clock_text(target)[:5], "HH:mm"))
    qtbot.mouseClick(window.workspace.observations.severity_buttons["mild"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.workspace.observations.effect_buttons["vomiting"], Qt.MouseButton.LeftButton)
    saved(window, 1)
    (row,) = stored_entries(window)
    assert row.t == target and row.recorded_at > target
    assert not tc.earlier.isChecked(), "back to 'now' for the next entry"


def test_entries_need_a_signed_in_account_never_typed_initials(qtbot, live_window, saved, stored_entries) -> None:
    window = live_window("stable", speed=20, initials="")  # a locked desk: nobody signed in
    ws = window.workspace
    assert ws.findChild(QLineEdit, "initials") is None, "no field to type initials into"
    ws.observations.severity_buttons["mild"].click()  # under the lock curtain: as a shortcut would
    ws.observations.effect_buttons["nausea"].click()
    assert "sign in" in ws.message.text() and ws.service.entries() == [], "refused, and said why"
    make_account(window.db_path, "CD")
    window.desk.sign_in("CD", PIN)
    qtbot.mouseClick(ws.observations.severity_buttons["mild"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(ws.observations.effect_buttons["nausea"], Qt.MouseButton.LeftButton)
    saved(window, 1)
    assert stored_entries(window)[0].initials == "CD", "the signed-in account's initials"


def test_clicking_an_entry_scrolls_the_charts_to_it(qtbot, live_window, saved, stored_entries) -> None:
    window = live_window("stable", speed=120)
    qtbot.waitUntil(lambda: window.workspace.clock.now() > window.workspace.service.started_at + 300, timeout=10000)
    early = window.workspace.service.started_at + 60
    window.workspace.service.record("note", {"note": "baseline obs done"}, t=early).result(5)
    qtbot.waitUntil(lambda: window.workspace.timeline.tree.topLevelItemCount() == 1)
    qtbot.waitUntil(lambda: window.workspace.clock.now() > early + 3 * 3600 / 60, timeout=15000)  # far past the entry
    window.workspace.trends.set_window(15 * 60.0)
    window.workspace.trends.refresh()
    assert window.workspace.trends.follow
    entry_id = stored_entries(window)[0].id
    window.workspace.timeline.select(entry_id)
    assert not window.workspace.trends.follow, "looking back stops following"
    lo, hi = window.workspace.trends.x_range()
    assert lo < early < hi and abs((lo + hi) / 2 - early) < 1
    qtbot.mouseClick(window.workspace.trends.follow_button, Qt.MouseButton.LeftButton)
    assert window.workspace.trends.follow
    lo, hi = window.workspace.trends.x_range()
    assert hi >= window.workspace.trends.now - 1


def test_charts_and_tiles_follow_the_monitor_and_a_pulled_cable_is_a_gap(qtbot, live_window) -> None:
    window = live_window("cable-pull", speed=40)
    hr = window.workspace.trends.series["HR"]
    qtbot.waitUntil(lambda: len(hr) >= 5 and window.workspace.tiles["hr"].value.text() != "--", timeout=20000)
    qtbot.waitUntil(lambda: window.workspace.trends.series["NIBP_SYS"].x.size >= 1, timeout=20000)
    qtbot.waitUntil(lambda: window.workspace.link_label.text().startswith("MONITOR DISCONNECTED"), timeout=20000)
    assert np.isnan(hr.y[-1]), "the line breaks where the monitor went away"
    qtbot.waitUntil(lambda: window.workspace.link_label.text().startswith("Receiving"), timeout=20000)
    qtbot.waitUntil(lambda: not np.isnan(hr.y[-1]), timeout=10000)
    window.workspace.trends.refresh()
    x, y = window.workspace.trends.curves["HR"].getData()
    assert np.isnan(y).any() and np.isfinite(y[-1]), "the drawn curve has the gap and continues after it"
    lo, hi = window.workspace.trends.x_range()
    assert lo <= x[-1] <= hi, "following: the newest sample is in view"


def test_keyboard_shortcuts_reach_the_common_entries(qtbot, live_window, saved, stored_entries) -> None:
    window = live_window("stable", speed=20)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)  # severity: moderate
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)  # nausea
    saved(window, 1)
    assert stored_entries(window)[0].payload == {"effect": "nausea", "severity": "moderate"}


def test_port_picker_moves_the_session_to_another_monitor(qtbot, live_window, tmp_path) -> None:
    from monitor.devices.simulator import SimulatedMonitor, load_scenario

    window = live_window("stable", speed=20)
    qtbot.waitUntil(lambda: len(window.workspace.trends.series["HR"]) > 0, timeout=15000)
    other = SimulatedMonitor("masimo-ascii", load_scenario("stable"), speed=1, link_dir=tmp_path / "other")
    port = other.start()
    try:
        dialog = window.open_port_picker()
        assert dialog.ports.count() >= 1
        dialog.port.clear()
        dialog.accept()
        assert dialog.isVisible() and "Choose a port" in dialog.error.text()
        qtbot.keyClicks(dialog.port, str(tmp_path / "ttyUSB9"))  # a typo
        dialog.accept()
        assert dialog.isVisible() and "There is no port" in dialog.error.text()
        dialog.port.setText(f"spy://{port}?file={tmp_path / 'victim'}")  # pyserial would write that file
        dialog.accept()
        assert dialog.isVisible() and "port picker: port 'spy://" in dialog.error.text()
        dialog.port.setText("socket://203.0.113.9:4001")  # no clinic.json serial_hosts: no network port
        dialog.accept()
        assert dialog.isVisible() and "not in clinic.json serial_hosts" in dialog.error.text()
        dialog.port.clear()
        qtbot.keyClicks(dialog.port, port)
        dialog.protocol.setCurrentText("masimo-ascii")
        dialog.accept()
        qtbot.waitUntil(lambda: window.workspace.facade.acquisition.config.port == port, timeout=5000)
        pi = lambda: window.workspace.live.values.shown("PI", window.workspace.clock.now())  # noqa: E731  a Masimo-only parameter
        qtbot.waitUntil(lambda: pi().value is not None, timeout=15000)
        assert window.workspace.link_label.text().startswith("Receiving")
    finally:
        window.workspace.facade.acquisition.stop()
        other.stop()


def test_a_database_that_refuses_writes_shows_a_banner_and_the_entry_is_confirmed_once_written(
    qtbot, live_window, saved, stored_entries
) -> None:
    # Read-only rather than a full disk: a nurse entry is written before the queued samples, so on a full disk a
    # small entry that still fits is saved at once (test_poisoned_values); read-only refuses it as well.
    window = live_window("stable", speed=20)
    writer = window.workspace.facade.acquisition.writer
    writer.submit(lambda conn: conn.execute("PRAGMA query_only = ON")).result(5)
    qtbot.waitUntil(lambda: not writer.healthy, timeout=10000)  # the monitor's samples are refused
    qtbot.mouseClick(window.workspace.observations.severity_buttons["mild"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.workspace.observations.effect_buttons["nausea"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.workspace.message.text().startswith("Saving…"), timeout=3000)
    qtbot.waitUntil(window.workspace.storage_banner.isVisible, timeout=3000)
    assert (
        "DATABASE NOT WRITABLE" in window.workspace.storage_banner.text()
        and "readonly" in window.workspace.storage_banner.text()
    )
    assert stored_entries(window) == []
    writer.submit(lambda conn: conn.execute("PRAGMA query_only = OFF")).result(5)
    saved(window, 1)
    qtbot.waitUntil(lambda: window.workspace.message.text().startswith("Saved at"), timeout=3000)
    qtbot.waitUntil(lambda: not window.workspace.storage_banner.isVisible(), timeout=3000)


def test_every_keyboard_shortcut_works_on_every_tab(qtbot, live_window, saved, stored_entries) -> None:
    """Seen: Ctrl+P did nothing on the Recovery tab, where discharge needs the end pain score. The README's
    Keyboard shortcuts belong to the window, on every tab."""
    window = live_window("stable", speed=20)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    ctrl, alt = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.AltModifier
    for tab in range(1, window.workspace.tabs.count()):  # Screening, Recovery & discharge
        window.workspace.tabs.setCurrentIndex(tab)
        qtbot.keyClick(window, Qt.Key.Key_P, ctrl)
        assert window.workspace.tabs.currentIndex() == 0 and window.workspace.observations.pain.hasFocus(), (
            window.workspace.tabs.tabText(tab)
        )
    window.workspace.tabs.setCurrentIndex(2)
    qtbot.keyClick(window, Qt.Key.Key_R, alt)  # "Reviewed: no side effects", from the Recovery tab
    saved(window, 1)
    assert stored_entries(window)[0].kind == "check"
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    keyboard = readme[readme.index("Keyboard:") :].split("\n\n")[0]
    # the chair's workspace (the whole window's content, in a station page too), not a panel of one tab
    installed = {s.key().toString() for s in window.findChildren(QShortcut) if s.parent() is window.workspace}
    for keys in window.workspace.observations.shortcuts:
        assert QKeySequence(keys).toString() in installed, f"{keys} is not window-wide"
    for documented in ("Alt+N", "Alt+R", "Ctrl+1/2/3", "Ctrl+L", "Ctrl+P", "Ctrl+R", "Ctrl+M"):
        assert f"`{documented}`" in keyboard, documented
        assert documented.replace("/2/3", "") in window.workspace.observations.shortcuts, documented
