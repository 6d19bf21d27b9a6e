"""The alarm bar's standing row with several desk conditions (no alarm sound, the clinic database, the EHR
interface): each reads from its start, none hidden by eliding the whole row in the middle (seen on Xvfb at
1920x1080: "…al…eachable since 06:04" lost the words "EHR interface unreachable")."""

from __future__ import annotations

from monitor.ui.alarm_bar import ROW_HEIGHT, RowLabel

SOUND = "06:06 TECHNICAL · NO ALARM SOUND on this computer: alarms are visual only — watch the screen, call IT"
EHR = "06:08 TECHNICAL · EHR interface unreachable since 06:06 — 26 messages waiting since 06:04"


def test_each_standing_condition_reads_from_its_start_in_a_narrow_row(qtbot) -> None:
    row = RowLabel(tip=False)
    qtbot.addWidget(row)
    row.resize(row.fontMetrics().horizontalAdvance(SOUND), ROW_HEIGHT)  # room for about one of the two
    row.show()
    row.set_parts([SOUND, EHR], " · ")
    shown = row.text()
    assert shown.startswith("06:06 TECHNICAL · NO ALARM SOUND"), shown
    assert "06:08 TECHNICAL · EHR interface unreachable" in shown, shown
    assert row.full_text() == f"{SOUND} · {EHR}"
    row.set_parts([EHR], " · ")  # one condition: the whole row is its own
    assert row.text().startswith("06:08 TECHNICAL · EHR interface unreachable since 06:06")
