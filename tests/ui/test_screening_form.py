"""The screening tab as clinical.md sorts it (issue 19 point 1), driven through the widgets of a live session: the
relative contraindications, the cautions and the tests prompts each in their own group; the pre-dose MOAA/S is
asked with the scale's wording, starts unchosen, is required, and the wheel does not choose it; a caution and an
indicated test are recorded and shown without blocking the start. The course view shows the dose history beside
the LFT prompt."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from forms import START, T0, Clock, screening
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QGroupBox, QLabel
from test_workflow_widgets import LEFT, fill_screening, start_infusion

from monitor.app.courses import CourseService, SessionSummary
from monitor.app.session_service import SessionService
from monitor.clinical.clinic_protocol import DEFAULT_PROTOCOL
from monitor.clinical.entries import EntryKind
from monitor.clinical.scales import MOAAS
from monitor.clinical.screening import Caution, Contraindication, Investigation
from monitor.storage.writer import SessionWriter
from monitor.ui.dose_history import DoseHistory, dose_rows
from monitor.ui.patient_dialog import CourseView
from monitor.ui.wheel_guard import install_wheel_guard


def _group_of(panel, combo) -> str:
    box = combo.parentWidget()
    assert isinstance(box, QGroupBox)
    return box.title()


def test_blocks_cautions_and_tests_prompts_are_in_their_own_groups(qtbot, live_window) -> None:
    panel = live_window("stable", speed=20, screening=True).workspace.screening
    for item in Contraindication:
        assert _group_of(panel, panel.items[item]).startswith("Relative contraindications [ASRA-2018]")
    for item in Caution:
        assert _group_of(panel, panel.items[item]).startswith("Cautions to weigh")
    for prompt in Investigation:
        assert _group_of(panel, panel.tests[prompt]).startswith("Tests to consider [ASRA-2018]")
    labels = {label.text() for label in panel.findChildren(QLabel)}
    assert "A yes blocks the start unless an override is recorded with its reason." in labels
    assert "Pregnancy" in labels and "Breastfeeding (not recommended)" in labels, "split, as clinical.md says"
    assert "Active psychosis" in labels and "History of schizophrenia, bipolar disorder or mania" in labels


def test_the_pre_dose_moaas_is_worded_unchosen_required_and_deaf_to_the_wheel(qtbot, live_window, saved) -> None:
    window = live_window("stable", speed=20, screening=True)
    panel = window.workspace.screening
    combo = panel.pre_dose_moaas
    assert combo.currentText() == "—" and combo.currentData() is None, "nothing pre-filled"
    assert [combo.itemText(i) for i in range(1, combo.count())] == [MOAAS.label(lv.score) for lv in MOAAS.levels]
    install_wheel_guard()
    combo.setFocus()
    wheel = QWheelEvent(
        QPointF(5, 5),
        QPointF(combo.mapToGlobal(QPoint(5, 5))),
        QPoint(0, 0),
        QPoint(0, -120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(combo, wheel)
    assert combo.currentIndex() == 0, "the wheel chose nothing"
    fill_screening(window)
    combo.setCurrentIndex(0)
    qtbot.mouseClick(panel.record, LEFT)
    assert "pre-dose MOAA/S" in window.workspace.message.text(), "required: refused, nothing recorded"
    combo.setCurrentIndex(combo.findData(4))
    qtbot.mouseClick(panel.record, LEFT)
    saved(window, 1)
    assert combo.currentIndex() == 0, "cleared once recorded: the next screening is answered afresh"


def test_a_caution_and_an_indicated_test_are_recorded_and_the_start_goes_ahead(
    qtbot, live_window, saved, stored_entries
) -> None:
    window = live_window("stable", speed=60, screening=True)
    panel = window.workspace.screening
    fill_screening(window)
    panel.items[Caution.BREASTFEEDING].setCurrentText("Yes")
    panel.tests[Investigation.LFT].setCurrentIndex(
        panel.tests[Investigation.LFT].findData("indicated: done or arranged")
    )
    qtbot.mouseClick(panel.record, LEFT)
    saved(window, 1)
    qtbot.waitUntil(lambda: "may start" in panel.verdict.text(), timeout=3000)
    assert "Cautions: caution: breastfeeding (not recommended)" in panel.verdict.text()
    assert "Tests: liver function tests indicated: done or arranged" in panel.verdict.text()
    payload = next(e for e in stored_entries(window) if e.kind == "screening").payload
    assert payload["cautions"]["breastfeeding"] is True and payload["tests"]["lft"] == "indicated: done or arranged"
    assert payload["pre_dose_moaas"] == 5 and payload["contraindications"]["pregnancy"] is False
    start_infusion(qtbot, window, saved, 2)


def test_a_contraindication_blocks_the_start_in_the_window(qtbot, live_window, saved) -> None:
    window = live_window("stable", speed=60, screening=True)
    panel = window.workspace.screening
    fill_screening(window)
    panel.items[Contraindication.ACTIVE_SUBSTANCE_ABUSE].setCurrentText("Yes")
    qtbot.mouseClick(panel.record, LEFT)
    saved(window, 1)
    qtbot.waitUntil(lambda: "active substance abuse" in panel.verdict.text(), timeout=3000)
    assert panel.verdict.text().startswith("Cannot start without an override and its reason")


def test_the_dose_history_lists_each_session_beside_the_lft_prompt(qtbot) -> None:
    day = 86400.0
    summary = [
        SessionSummary(1, 1.767e9, 7, 4, 35.0, 0.5, 0, None, infused_s=3600),
        SessionSummary(2, 1.767e9 + 2 * day, 6, 3, 84.0, 1.2, 1, None, infused_s=2 * 3600 + 5 * 60),
    ]
    history = DoseHistory()
    qtbot.addWidget(history)
    history.show_course(summary)
    assert "high doses at frequent intervals" in history.prompt.text() and "[ASRA-2018]" in history.prompt.text()
    rows = [
        tuple(history.table.topLevelItem(i).text(c) for c in range(history.table.columnCount()))
        for i in range(history.table.topLevelItemCount())
    ]
    assert rows == dose_rows(summary)
    assert [r[2:] for r in rows] == [("35 mg", "0.50", "1 h 00", "—"), ("84 mg", "1.20", "2 h 05", "2")]


def test_the_course_view_shows_the_course_dose_history(qtbot, tmp_path: Path) -> None:
    with SessionWriter(tmp_path / "c.sqlite3") as writer:
        courses = CourseService(writer)
        pid = courses.add_patient("Jane Doe", "MRN-1", "1970-05-01", "70", "").result(5)
        cid = courses.add_course(pid, "Spring 2026").result(5)
        for t0, hours in ((T0, 1.0), (T0 + 7 * 86400, 2.5)):
            sid = writer.open_session("sim", "datex-s5", started_at=t0)
            svc = SessionService(writer, sid, t0, clock=Clock(t0 + 7 * 3600), initials="AB")
            svc.record(EntryKind.SCREENING, screening(), t=t0 + 60).result(5)
            svc.record(EntryKind.INFUSION, START, t=t0 + 120).result(5)
            svc.record(EntryKind.INFUSION, {"action": "stop"}, t=t0 + 120 + hours * 3600).result(5)
            courses.assign(sid, cid).result(5)
        view = CourseView(courses, cid)
        qtbot.addWidget(view)
        table = view.doses.table
        rows = [[table.topLevelItem(i).text(c) for c in range(2, 6)] for i in range(table.topLevelItemCount())]
        assert rows == [["35 mg", "0.50", "1 h 00", "—"], ["88 mg", "1.25", "2 h 30", "7"]]
        assert "high doses at frequent intervals" in view.doses.prompt.text()


def test_the_start_gate_shown_is_the_one_the_screening_is_judged_by(qtbot, live_window) -> None:
    """Seen: the form said "gate 160" beside a clinic's 150/95 that then refused the start."""
    clinic = dataclasses.replace(DEFAULT_PROTOCOL, bp_gate=(150.0, 95.0))
    panel = live_window("stable", speed=20, screening=True, clinic=clinic).workspace.screening
    labels = {label.text() for label in panel.findChildren(QLabel)}
    assert (
        panel.findChild(QLabel, "screening_gate").text() == "The start gate 150/95 mmHg is this clinic's (clinic.json)."
    )
    assert {"Baseline systolic, mmHg (gate 150)", "Baseline diastolic, mmHg (gate 95)"} <= labels
    default = live_window("stable", speed=20, screening=True).workspace.screening
    assert "160/100 mmHg is a clinic default" in default.findChild(QLabel, "screening_gate").text()
