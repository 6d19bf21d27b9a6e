"""Issue 19 points 2 and 3 on screen: the infusion tab shows the ASRA-2018 ceilings and the session's cumulative dose
as information, a 0.4 mg/kg bolus is refused by default; the timeline lane draws [PI] sedation episodes and the entry
list marks where they began and resolved, loss of consciousness, the clinic-default stop threshold, and says so when
the screening holds no pre-dose MOAA/S."""

from __future__ import annotations

from forms import screening as screening_form
from PySide6.QtCore import Qt

from monitor.clinical.entries import Entry, EntryKind, resolve
from monitor.clinical.screening import PRE_DOSE_MOAAS
from monitor.timefmt import hm_text
from monitor.ui.timeline import TimelineList
from monitor.ui.trends import TrendView

LEFT = Qt.MouseButton.LeftButton
T0 = 1_000_000.0


def test_the_infusion_tab_shows_the_ceilings_and_the_cumulative_dose_as_information(qtbot, live_window, saved):
    window = live_window("stable", speed=20)
    inf = window.workspace.infusion
    assert (
        inf.reference.text()
        == "Ceilings: bolus 0.35 mg/kg, rate 2 mg/kg/h (ASRA-2018: 0.35 mg/kg bolus, 0.5–2 mg/kg/h)"
    )
    for field, text in ((inf.concentration, "10"), (inf.weight, "70"), (inf.rate, "0.3")):
        field.setText(text)
    qtbot.mouseClick(inf.buttons["start"], LEFT)
    saved(window, 1)
    qtbot.waitUntil(lambda: "Session dose" in inf.reference.text(), timeout=3000)
    lines = inf.reference.text().split("\n")
    assert lines[1] == "Rate 0.3 mg/kg/h: below the ASRA-2018 range 0.5–2 mg/kg/h", "a lower rate is allowed, said"
    assert lines[2].startswith("Session dose ") and " mg/kg) over " in lines[2]
    assert lines[2].endswith("ASRA-2018 chronic-pain session: ≥ 80 mg over > 2 h — not reached (information)")
    inf.bolus.setText("28")  # 0.4 mg/kg
    qtbot.mouseClick(inf.buttons["bolus"], LEFT)
    assert "above the clinic's ceiling of 0.35 mg/kg (24.5 mg for 70 kg)" in window.workspace.message.text()
    saved(window, 1)
    assert window.questions == [], "refused before any question"


def _entry(eid: int, kind: EntryKind, minute: float, payload: dict) -> Entry:
    return Entry(eid, 1, kind, T0 + 60 * minute, T0 + 60 * minute, "AB", payload)


def _moaas(eid: int, minute: float, score: int) -> Entry:
    return _entry(eid, EntryKind.SCORE, minute, {"scale": "moaas", "score": score})


def _session(pre_dose: int | None) -> list:
    # pre_dose None: a screening recorded before the form asked for the pre-dose MOAA/S (an older session)
    payload = {k: v for k, v in screening_form().items() if k != PRE_DOSE_MOAAS}
    if pre_dose is not None:
        payload[PRE_DOSE_MOAAS] = pre_dose
    return resolve(
        [
            _entry(1, EntryKind.NOTE, 0, {"note": "screening stands in"}),
            _entry(2, EntryKind.SCREENING, 1, payload),
            _moaas(3, 10, 5),
            _moaas(4, 20, 3),
            _moaas(5, 25, 0),
            _moaas(6, 30, 2),
            _moaas(7, 45, 5),
        ]
    )


def _statuses(timeline: TimelineList) -> dict[int, str]:
    tree = timeline.tree
    return {
        int(tree.topLevelItem(i).data(0, 256)): tree.topLevelItem(i).text(3) for i in range(tree.topLevelItemCount())
    }


def test_the_lane_and_the_list_mark_sedation_and_loss_of_consciousness(qtbot):
    trends, timeline = TrendView(T0), TimelineList()
    qtbot.addWidget(trends)
    qtbot.addWidget(timeline)
    views = _session(pre_dose=5)
    trends.set_entries(views)
    timeline.set_entries(views)
    assert trends.episode_texts() == [
        f"Sedation {_span(20, 45)}: MOAA/S fell to 0 (pre-dose 5)",
        "Loss of consciousness " + _span(25, 30) + ": MOAA/S 0",
    ]
    x, _y = trends._episode_bars["sedation"].getData()
    assert list(x) == [T0 + 1200, T0 + 2700], "a bar from the first lower score to the return to the pre-dose one"
    status = _statuses(timeline)
    assert status[4] == "sedation began (pre-dose 5)"
    assert status[5] == "loss of consciousness; stop threshold (clinic default MOAA/S ≤ 2)"
    assert status[6] == "consciousness regained; stop threshold (clinic default MOAA/S ≤ 2)"
    assert status[7] == "sedation resolved"


def test_without_a_pre_dose_score_the_list_says_so_and_no_sedation_bar_is_drawn(qtbot):
    trends, timeline = TrendView(T0), TimelineList()
    qtbot.addWidget(trends)
    qtbot.addWidget(timeline)
    views = _session(pre_dose=None)
    trends.set_entries(views)
    timeline.set_entries(views)
    assert [t.split(" ")[0] for t in trends.episode_texts()] == ["Loss"], "MOAA/S 0 needs no pre-dose score"
    x, _y = trends._episode_bars["sedation"].getData()
    assert x is None or len(x) == 0
    assert _statuses(timeline)[4] == "no pre-dose MOAA/S: sedation not marked"


def _span(begin_min: float, end_min: float) -> str:
    return f"{hm_text(T0 + 60 * begin_min)}–{hm_text(T0 + 60 * end_min)}"
