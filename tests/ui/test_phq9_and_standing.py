"""The PHQ-9 tab on a live session (nothing pre-selected, a part-answered form refused, item 9 flagged at once),
its total on the course view's plot, and the limits dialog's standing line for each parameter's default numbers."""

from __future__ import annotations

from PySide6.QtCore import Qt

from monitor.clinical.entries import EntryKind

LEFT = Qt.MouseButton.LeftButton


def test_phq9_form_flag_record_and_course_plot(qtbot, live_window, saved, stored_entries) -> None:
    window = live_window("stable", speed=20)
    panel = window.workspace.phq9
    assert panel.answers() == [None] * 9, "nothing pre-selected"
    qtbot.mouseClick(panel.record, LEFT)
    assert "answer question 1, 2, 3, 4, 5, 6, 7, 8, 9" in window.workspace.message.text()
    assert not [e for e in stored_entries(window) if e.kind == EntryKind.PHQ9]
    assert panel.notice.isHidden()
    panel.items[8].button(1).click()  # item 9: "Several days"
    assert not panel.notice.isHidden(), "flagged at once, before anything is recorded"
    assert "tell the clinician now" in panel.notice.text()
    for group in panel.items[:7]:
        group.button(2).click()
    assert "8 of 9 answered" in panel.score.text()
    qtbot.mouseClick(panel.record, LEFT)
    assert "answer question 8 " in window.workspace.message.text(), "a part-answered PHQ-9 is refused"
    panel.items[7].button(2).click()
    assert panel.score.text().startswith("Total 17/27: moderately severe")
    qtbot.mouseClick(panel.record, LEFT)
    assert "answer the last question" in window.workspace.message.text()
    panel.difficulty.button(2).click()
    qtbot.mouseClick(panel.record, LEFT)
    saved(window, 1)
    (entry,) = [e for e in stored_entries(window) if e.kind == EntryKind.PHQ9]
    assert entry.payload == {"items": [2, 2, 2, 2, 2, 2, 2, 2, 1], "difficulty": 2}
    assert panel.answers() == [None] * 9 and panel.difficulty.checkedId() == -1, "nothing left over"
    assert not panel.notice.isHidden() and panel.notice.text().startswith("Recorded — "), "the flag stays"

    view = window.open_course_view()
    assert view is not None
    (curve,) = view.phq9_plot.listDataItems()
    xs, ys = curve.getData()
    assert (list(xs), list(ys)) == ([1], [17])
    header = view.table.headerItem()
    column = next(i for i in range(header.columnCount()) if header.text(i) == "PHQ-9")
    assert view.table.topLevelItem(0).text(column) == "17 moderately severe ⚠ item 9"


def test_the_limits_dialog_says_which_default_is_a_clinic_default(qtbot, live_window) -> None:
    window = live_window("stable", speed=20)
    dialog = window.workspace.alarm_bar.open_limits()
    for param, text in (
        ("HR", "Program defaults: low 50 (clinic default); high 120 (clinic default)"),
        ("NIBP_DIA", "Program defaults: low 50 (clinic default); high 110 ([PI] tables)"),
        ("RR", "Program defaults: low 8 (clinic default); high 30 (clinic default)"),
    ):
        dialog.param.setCurrentIndex(dialog.param.findData(param))
        assert dialog.standing.text() == text
    dialog.reject()
