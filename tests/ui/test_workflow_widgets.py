"""The clinical workflow driven through the widgets on a live simulated session: screening blocks the start and an
override is recorded; the observation schedule goes overdue and is satisfied; discharge is refused below the
Aldrete threshold and accepted above it; patient, course and course view."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTime

from monitor.app.session_record import load_record
from monitor.clinical.roles import Role
from monitor.clinical.schedule import CheckStatus
from monitor.timefmt import clock_text
from monitor.ui.main_window import MainWindow
from monitor.ui.report_pdf import layout_report

LEFT = Qt.MouseButton.LeftButton


def fill_screening(window, sys_: str = "128", dia: str = "80") -> None:
    panel = window.workspace.screening
    for combo in panel.items.values():
        combo.setCurrentText("No")
    for combo in panel.tests.values():
        combo.setCurrentIndex(combo.findData("not indicated"))
    panel.pre_dose_moaas.setCurrentIndex(panel.pre_dose_moaas.findData(5))
    for combo in (panel.consent, panel.fasting, panel.escort):
        combo.setCurrentText("Yes")
    for key, value in (("sys", sys_), ("dia", dia), ("hr", "80"), ("spo2", "97")):
        panel.baseline[key].setText(value)
    panel.pain.setValue(7)


def fill_infusion(window) -> None:
    for field, text in (
        (window.workspace.infusion.concentration, "10"),
        (window.workspace.infusion.weight, "70"),
        (window.workspace.infusion.rate, "0.5"),
    ):
        field.setText(text)


def score_aldrete(recovery, **points: int) -> None:
    """Every item 2 unless given."""
    for key, combo in recovery.items.items():
        combo.setCurrentIndex(combo.findData(points.get(key, 2)))


def record_aldrete(qtbot, window) -> None:
    """Record the score while the SpO2 it claims is current: at 600x a 30 s staleness limit is 50 ms of real time."""
    qtbot.waitUntil(lambda: window.workspace.monitor_values().spo2 is not None, timeout=3000)
    qtbot.mouseClick(window.workspace.recovery.record_aldrete, LEFT)


def start_infusion(qtbot, window, saved, count: int) -> None:
    fill_infusion(window)
    qtbot.mouseClick(window.workspace.infusion.buttons["start"], LEFT)
    saved(window, count)


def test_every_screening_answer_is_on_screen_beside_its_item(qtbot, live_window) -> None:
    window = live_window("stable", speed=20, screening=True)
    window.workspace.tabs.setCurrentIndex(
        next(i for i in range(window.workspace.tabs.count()) if window.workspace.tabs.tabText(i) == "Screening")
    )
    viewport = window.workspace.tabs.currentWidget()
    qtbot.waitUntil(window.workspace.screening.isVisible, timeout=3000)
    for combo in (*window.workspace.screening.items.values(), *window.workspace.screening.tests.values()):
        right = combo.mapTo(viewport, combo.rect().topRight()).x()
        assert right <= viewport.width(), f"{combo.objectName()} is cut off at the panel's edge"


def test_screening_blocks_the_start_until_an_override_with_a_reason(qtbot, live_window, saved, stored_entries):
    # a charge nurse / prescriber overrides alone (a nurse's override is co-signed: tests/ui/test_cosign_wired.py)
    window = live_window("stable", speed=60, screening=True, role=Role.CHARGE)
    fill_infusion(window)
    qtbot.mouseClick(window.workspace.infusion.buttons["start"], LEFT)
    assert "Record the pre-infusion screening" in window.workspace.message.text()
    qtbot.mouseClick(window.workspace.screening.record, LEFT)
    assert "answer" in window.workspace.message.text(), "an unanswered question is refused"
    fill_screening(window, sys_="172", dia="96")
    qtbot.mouseClick(window.workspace.screening.record, LEFT)
    saved(window, 1)
    qtbot.waitUntil(lambda: "above 160/100" in window.workspace.screening.verdict.text(), timeout=3000)
    # Seen: a blocked screening announced in green as "Saved". It is on the record, and announced as blocked.
    assert "BLOCKS the start" in window.workspace.message.text() and "above 160/100" in window.workspace.message.text()
    assert window.workspace.message.property("tone") == "error", "in red: stylesheet role message, tone error"
    image = window.workspace.message.grab().toImage()
    inks = {image.pixelColor(x, y).name() for x in range(0, image.width(), 2) for y in range(image.height())}
    assert "#ff5252" in inks, "drawn in red"
    qtbot.mouseClick(window.workspace.infusion.buttons["start"], LEFT)
    assert "override and its reason" in window.workspace.message.text()
    assert window.workspace.screening.items[next(iter(window.workspace.screening.items))].currentText() == "—", (
        "nothing left over"
    )
    fill_screening(window, sys_="172", dia="96")  # the override is a new screening, answered afresh
    qtbot.keyClicks(window.workspace.screening.override, "anxious on arrival; 148/90 after 10 min rest")
    qtbot.mouseClick(window.workspace.screening.record, LEFT)
    saved(window, 2)
    qtbot.waitUntil(
        lambda: "May start on the recorded override" in window.workspace.screening.verdict.text(), timeout=3000
    )
    start_infusion(qtbot, window, saved, 3)
    reopened = MainWindow(window.workspace.facade, source="after a restart")  # e.g. a resumed session
    qtbot.addWidget(reopened)
    assert "May start on the recorded override" in reopened.workspace.screening.verdict.text(), "not 'not screened yet'"
    rows = stored_entries(window)
    assert rows[1].payload["override_reason"] == "anxious on arrival; 148/90 after 10 min rest"
    assert rows[2].payload["action"] == "start"


def test_schedule_goes_overdue_and_the_check_is_satisfied(qtbot, live_window, saved):
    window = live_window("stable", speed=250, screening=True)
    fill_screening(window)
    qtbot.mouseClick(window.workspace.screening.record, LEFT)
    saved(window, 1)
    start_infusion(qtbot, window, saved, 2)
    qtbot.waitUntil(lambda: window.workspace.schedule_label.text().startswith("Next check"), timeout=5000)
    qtbot.waitUntil(lambda: window.workspace.schedule_label.text().startswith("CHECK OVERDUE"), timeout=15000)
    needs = window.workspace.schedule_label.needs.text()
    assert "sedation score" in needs and "side-effect review" in needs
    assert window.workspace.schedule_label.property("state") == "overdue"  # red: stylesheet role "check"
    red = window.workspace.schedule_label.grab().toImage().pixelColor(2, 2).name()
    assert red == "#b71c1c", "drawn in the overdue red"
    first_due = window.workspace.service.schedule([])[0].due_at
    # the nurse records the check late, back-dated to when it was done
    window.workspace.time_control.earlier.setChecked(True)
    window.workspace.time_control.time_edit.setTime(QTime.fromString(clock_text(first_due)[:5], "HH:mm"))
    window.workspace.observations.moaas.setCurrentIndex(window.workspace.observations.moaas.findData(5))
    qtbot.mouseClick(window.findChild(type(window.workspace.infusion.buttons["start"]), "record_moaas"), LEFT)
    saved(window, 3)
    window.workspace.time_control.earlier.setChecked(True)
    window.workspace.time_control.time_edit.setTime(QTime.fromString(clock_text(first_due)[:5], "HH:mm"))
    qtbot.mouseClick(window.workspace.observations.review_none, LEFT)
    saved(window, 4)
    window.workspace.time_control.earlier.setChecked(True)
    window.workspace.time_control.time_edit.setTime(QTime.fromString(clock_text(first_due)[:5], "HH:mm"))
    qtbot.mouseClick(window.workspace.observations.dissociation_buttons["none"], LEFT)
    saved(window, 5)
    nibp = window.workspace.trends.series["NIBP_SYS"]
    first = window.workspace.service.schedule(nibp.x.tolist())[0]
    assert first.status is CheckStatus.DONE, first


def test_discharge_refused_below_the_aldrete_threshold_and_accepted_above(qtbot, live_window, saved):
    window = live_window("stable", speed=300, screening=True)  # the 15 min Aldrete validity: 3 s of real time
    fill_screening(window)
    qtbot.mouseClick(window.workspace.screening.record, LEFT)
    saved(window, 1)
    start_infusion(qtbot, window, saved, 2)
    qtbot.mouseClick(window.workspace.infusion.buttons["stop"], LEFT)
    saved(window, 3)
    recovery = window.workspace.recovery
    recovery.refresh()
    assert "pre-infusion BP 128/80" in recovery.context.text(), "what the circulation item compares against"
    score_aldrete(recovery, activity=1, consciousness=1)  # total 8
    record_aldrete(qtbot, window)
    saved(window, 4)
    window.workspace.observations.pain.setValue(3)  # the end-of-session pain score, chosen (there is no default)
    qtbot.mouseClick(window.findChild(type(recovery.discharge), "record_pain"), LEFT)
    saved(window, 5)
    for box in recovery.checks.values():
        box.setChecked(True)
    qtbot.mouseClick(recovery.discharge, LEFT)
    assert (
        "Cannot discharge yet" in window.workspace.message.text()
        and "Aldrete 8 is below 9" in window.workspace.message.text()
    )
    stopped = window.workspace.service.infusion().stopped_at
    qtbot.waitUntil(lambda: window.workspace.clock.now() > stopped + 61 * 60, timeout=30000)
    qtbot.mouseClick(recovery.discharge, LEFT)
    assert (
        "Aldrete 8 is below 9" in window.workspace.message.text() and "observed" not in window.workspace.message.text()
    )
    score_aldrete(recovery, consciousness=1)  # total 9: every item chosen again, none left over
    record_aldrete(qtbot, window)
    saved(window, 6)
    qtbot.mouseClick(recovery.discharge, LEFT)
    saved(window, 7)
    qtbot.waitUntil(lambda: recovery.status.text().startswith("Discharged"), timeout=3000)
    assert window.workspace.service.discharged() and not recovery.discharge.isEnabled()
    asked = window.questions[-1]
    assert asked.startswith("Discharge at ") and "and close the session? Recorded with it: Responsible adult" in asked


def test_patient_course_assignment_and_course_view(qtbot, live_window):
    window = live_window("stable", speed=20, patient=False)
    dialog = window.workspace.open_patient_dialog()
    f = dialog.fields
    for key, value in (("name", "Jane Doe"), ("mrn", "4711"), ("dob", "1970-02-30"), ("weight", "72")):
        f[key].setText(value)
    qtbot.mouseClick(dialog.findChild(type(window.workspace.infusion.buttons["start"]), "add_patient"), LEFT)
    assert "YYYY-MM-DD" in dialog.message.text()
    f["dob"].setText("1970-02-28")
    f["allergies"].setText("latex")
    qtbot.mouseClick(dialog.findChild(type(window.workspace.infusion.buttons["start"]), "add_patient"), LEFT)
    qtbot.waitUntil(lambda: dialog.patient_list.count() == 1 and dialog.selected_patient() is not None, timeout=3000)
    dialog.course_title.setText("Autumn 2026, 6 infusions")
    qtbot.mouseClick(dialog.findChild(type(window.workspace.infusion.buttons["start"]), "add_course"), LEFT)
    qtbot.waitUntil(lambda: dialog.course_list.count() == 1, timeout=3000)
    with qtbot.waitSignal(dialog.sigAssigned, timeout=3000):
        qtbot.mouseClick(dialog.assign_button, LEFT)
    assert "Jane Doe" in window.workspace.patient_label.text() and "latex" in window.workspace.patient_label.text()
    assert window.workspace.live.patient is not None and window.workspace.live.patient.mrn == "4711", (
        "the station card reads it"
    )
    assert window.workspace.infusion.weight.text() == "72", "the patient's weight is offered for the infusion"
    view = window.open_course_view()
    assert view is not None and view.table.topLevelItemCount() == 1


def test_a_missed_check_is_on_the_timeline_and_in_the_pdf_once(qtbot, live_window, saved) -> None:
    """Seen: '5 checks missed (on the record)' with nothing on the record. Each missed check is an entry by the
    program, once, shown in the timeline and the PDF."""
    window = live_window("stable", speed=600)
    start_infusion(qtbot, window, saved, 1)
    started = window.workspace.service.infusion().started_at
    qtbot.waitUntil(
        lambda: window.workspace.clock.now() > started + 31 * 60, timeout=15000
    )  # the 15-min check is missed

    def timeline() -> list[str]:
        tree = window.workspace.timeline.tree
        return [tree.topLevelItem(i).text(1) for i in range(tree.topLevelItemCount())]

    qtbot.waitUntil(lambda: any("missed" in row for row in timeline()), timeout=5000)
    first_due = clock_text(started + 15 * 60)[:5]
    rows = [row for row in timeline() if row.startswith(f"Check due {first_due} missed")]
    assert len(rows) == 1, timeline()
    texts = [t for page in layout_report(load_record(window.db_path, window.session_id)).pages for t in page.texts]
    assert sum(t.startswith(f"Check due {first_due} missed") for t in texts) == 1
    assert "program" in texts


def test_a_status_message_goes_when_it_is_no_longer_true(qtbot, live_window) -> None:
    """One rule (ChairWorkspace.show_message): replaced by the next message, or gone after 15 s (a confirmation)
    or 60 s (an error). The window's wall clock is moved instead of waiting."""
    window = live_window("stable", speed=20)
    now = time.monotonic()
    window.workspace._wall = lambda: now
    window.workspace.show_message("Saved at 14:02: Pain 3/10", False)
    now += 16
    qtbot.waitUntil(lambda: window.workspace.message.text() == "", timeout=3000)  # the 1 Hz tick applies the rule
    window.workspace.show_message("Cannot discharge yet: Aldrete 8 is below 9", True)
    now += 16
    window.workspace._tick()
    assert "Aldrete 8" in window.workspace.message.text(), "an error stays long enough to be read and acted on"
    now += 45
    window.workspace._tick()
    assert window.workspace.message.text() == ""


def test_take_vitals_from_the_monitor_takes_current_values_only(qtbot, live_window) -> None:
    window = live_window("stable", speed=60)
    qtbot.waitUntil(
        lambda: window.workspace.tiles["nibp"].value.text() != "--" and not window.workspace.tiles["hr"].dimmed,
        timeout=20000,
    )
    window.workspace.screening.take_from_monitor()
    baseline = {key: field.text() for key, field in window.workspace.screening.baseline.items()}
    assert all(baseline.values()), baseline
    assert f"{baseline['sys']}/{baseline['dia']}" == window.workspace.tiles["nibp"].value.text()
    for field in window.workspace.screening.baseline.values():
        field.clear()
    window.workspace.live.values.on_link(False, "monitor disconnected")  # as the link does when the cable is pulled
    window.workspace.screening.take_from_monitor()
    assert not any(field.text() for field in window.workspace.screening.baseline.values()), (
        "no value that is not current"
    )
