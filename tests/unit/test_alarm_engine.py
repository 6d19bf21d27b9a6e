"""The alarm state machine, exhaustively and without Qt: onset after persistence, NIBP at once, latching,
acknowledge, escalation, audio pause, technical alarms, limit changes within hard bounds."""

from __future__ import annotations

import pytest

from monitor.clinical.alarm_limits import DEFAULT_LIMITS, AlarmPriority
from monitor.clinical.alarms import SOUND_KEY, AlarmAction, AlarmCategory, AlarmEngine, AlarmStatus
from monitor.clinical.errors import EntryError
from monitor.clinical.nibp import NibpReading
from monitor.devices.events import DeviceCondition, DeviceStatus, Sample, ValueState


def feed(engine: AlarmEngine, param: str, values: list[float], t0: float = 0.0, step: float = 1.0):
    events = []
    for i, v in enumerate(values):
        events += engine.on_samples([(Sample(param, v, t0 + i * step, t0 + i * step), t0 + i * step)])
    return events


def test_limits_follow_clinical_defaults() -> None:
    assert (DEFAULT_LIMITS["NIBP_SYS"].low, DEFAULT_LIMITS["NIBP_SYS"].high) == (90, 180)
    assert (DEFAULT_LIMITS["NIBP_DIA"].low, DEFAULT_LIMITS["NIBP_DIA"].high) == (50, 110)
    assert (DEFAULT_LIMITS["HR"].low, DEFAULT_LIMITS["HR"].high) == (50, 120)
    assert (DEFAULT_LIMITS["SPO2"].low, DEFAULT_LIMITS["SPO2"].high) == (92, None)
    assert (DEFAULT_LIMITS["RR"].low, DEFAULT_LIMITS["RR"].high) == (8, 30)
    assert (DEFAULT_LIMITS["ETCO2"].low, DEFAULT_LIMITS["ETCO2"].high) == (25, 50)


def test_a_single_artifact_does_not_alarm_but_a_persistent_condition_does() -> None:
    engine = AlarmEngine()
    assert feed(engine, "HR", [80, 150, 80, 80]) == [], "one spike is an artifact"
    events = feed(engine, "HR", [130] * 12, t0=10)
    (onset,) = events
    assert onset.action is AlarmAction.ONSET and onset.key == "HR high" and onset.t == 20
    assert onset.priority is AlarmPriority.MEDIUM and onset.category is AlarmCategory.CLINICAL
    assert onset.value == 130 and onset.limit == 120 and onset.message == "Heart rate high: 130 /min"


def test_one_nibp_reading_above_the_limit_alarms_at_once_and_the_next_normal_one_clears() -> None:
    engine = AlarmEngine()
    (onset,) = engine.on_nibp([(NibpReading(100, 100, 185, 95, 125), 100)])
    assert onset.key == "NIBP_SYS high" and onset.t == 100 and onset.value == 185
    (clear,) = engine.on_nibp([(NibpReading(400, 400, 150, 90, 110), 400)])
    assert clear.action is AlarmAction.CLEAR and "NIBP_SYS high" not in engine.alarms


def test_high_priority_latches_until_acknowledged() -> None:
    engine = AlarmEngine()
    onset = feed(engine, "SPO2", [88] * 16)
    assert [e.action for e in onset] == [AlarmAction.ONSET] and onset[0].priority is AlarmPriority.HIGH
    (cleared,) = feed(engine, "SPO2", [97] * 31, t0=20)  # back inside for CLEAR_HOLD_S
    assert "latched" in cleared.message and engine.alarms["SPO2 low"].status is AlarmStatus.LATCHED
    assert engine.audio_priority(51) is AlarmPriority.HIGH, "still indicated"
    (ack,) = engine.acknowledge(52, "AB")
    assert ack.who == "AB" and "SPO2 low" not in engine.alarms and engine.audio_priority(52) is None


def test_medium_priority_does_not_latch_and_acknowledge_silences_while_present() -> None:
    engine = AlarmEngine()
    feed(engine, "HR", [130] * 11)
    engine.acknowledge(11, "AB")
    assert engine.alarms["HR high"].status is AlarmStatus.ACKNOWLEDGED and engine.audio_priority(11) is None
    assert engine.tick(1000) == [], "an acknowledged alarm does not escalate"
    (clear,) = feed(engine, "HR", [90] * 31, t0=12)
    assert clear.action is AlarmAction.CLEAR and not engine.alarms


def test_unacknowledged_alarms_escalate() -> None:
    engine = AlarmEngine()
    feed(engine, "HR", [130] * 11)  # onset at t = 10, medium
    assert engine.tick(100) == []
    (esc,) = engine.tick(130)
    assert esc.action is AlarmAction.ESCALATE and esc.priority is AlarmPriority.HIGH
    assert engine.alarms["HR high"].priority is AlarmPriority.HIGH
    assert engine.tick(1000) == [], "high is the top"


def test_audio_pause_is_time_limited_and_a_new_alarm_still_sounds() -> None:
    engine = AlarmEngine()
    feed(engine, "HR", [130] * 11)
    (paused,) = engine.pause_audio(20, "AB")
    assert paused.action is AlarmAction.AUDIO_PAUSED and engine.paused_until == 140
    assert engine.audio_priority(30) is None, "the alarm present at the pause is silent"
    feed(engine, "SPO2", [85] * 16, t0=30)
    assert engine.audio_priority(50) is AlarmPriority.HIGH, "a new alarm sounds during a pause"
    engine.acknowledge(51, "AB")
    feed(engine, "SPO2", [97] * 31, t0=52)
    resumed = [e for e in engine.tick(141) if e.action is AlarmAction.AUDIO_RESUMED]
    assert resumed and engine.paused_until is None


def test_technical_alarms_are_distinct_and_clear_when_data_returns() -> None:
    engine = AlarmEngine()
    feed(engine, "HR", [130] * 5)  # pending, not yet alarmed
    (disc,) = engine.on_link("disconnected", 5, "since 10:42")
    assert disc.category is AlarmCategory.TECHNICAL and disc.key == "monitor disconnected"
    assert feed(engine, "HR", [130] * 6, t0=6) == [], "the pending condition restarted after the gap"
    (back,) = engine.on_link("receiving", 20)
    assert back.action is AlarmAction.CLEAR and not engine.alarms.get("monitor disconnected")
    status = DeviceStatus(30, 30, frozenset({DeviceCondition.SENSOR_OFF}), (("SPO2", ValueState.INVALID),))
    events = engine.on_device_status(status, 30)
    assert [e.key for e in events] == ["sensor"], "invalid values must persist before they alarm"
    assert engine.tick(35) == []
    events += engine.tick(40)
    assert {e.key for e in events} == {"sensor", "invalid values"}
    assert all(e.category is AlarmCategory.TECHNICAL for e in events)
    no_reading_yet = DeviceStatus(
        41, 41, frozenset(), (("NIBP_SYS", ValueState.INVALID), ("HR", ValueState.NOT_UPDATED))
    )
    engine2 = AlarmEngine()
    engine2.on_device_status(no_reading_yet, 41)
    assert engine2.tick(100) == [], "no cuff reading yet and a value not updated are not faults"
    cleared = engine.on_device_status(DeviceStatus(40, 40), 40)
    assert {e.key for e in cleared} == {"sensor", "invalid values"} and all(
        e.action is AlarmAction.CLEAR for e in cleared
    )


def test_limit_changes_stay_within_hard_bounds_and_take_effect() -> None:
    engine = AlarmEngine()
    event = engine.set_limit("NIBP_SYS", 90, 160, 5, "AB")
    assert event.action is AlarmAction.LIMIT_CHANGED and event.who == "AB" and "90–180 → 90–160" in event.message
    (onset,) = engine.on_nibp([(NibpReading(10, 10, 170, 90, 115), 10)])
    assert onset.limit == 160
    for low, high, message in ((90, 250, "outside the allowed 140–220"), (150, 145, "outside"), (100, 150, None)):
        if message:
            with pytest.raises(EntryError, match=message):
                engine.set_limit("NIBP_SYS", low, high, 6, "AB")
    with pytest.raises(EntryError, match="no high"):
        engine.set_limit("SPO2", 90, 100, 6, "AB")


def test_tile_level_is_the_highest_clinical_alarm_of_its_parameters() -> None:
    engine = AlarmEngine()
    feed(engine, "SPO2", [85] * 16)
    assert engine.level_for(["SPO2", "PR"]) is AlarmPriority.HIGH
    assert engine.level_for(["HR"]) is None


def test_the_message_shows_the_live_value_and_past_the_action_value_says_what_to_do_and_sounds_again() -> None:
    engine = AlarmEngine()
    (onset,) = feed(engine, "SPO2", [91] * 16)
    assert onset.message == "SpO₂ low: 91 %", "above 90: no action text yet"
    engine.acknowledge(16, "AB")
    assert engine.audio_priority(16) is None
    assert feed(engine, "SPO2", [90], t0=17) == []
    assert engine.alarms["SPO2 low"].message == "SpO₂ low: 90 %", "the live value, not the onset's"
    (worse,) = feed(engine, "SPO2", [89, 88, 89], t0=18)
    # clinical.md limits table: SpO2 below 90: stop infusion, stimulate, oxygen
    assert worse.action is AlarmAction.WORSENED and worse.t == 18
    assert worse.message == "SpO₂ low: 89 % — stop the infusion, stimulate, give oxygen"
    alarm = engine.alarms["SPO2 low"]
    assert alarm.status is AlarmStatus.ACTIVE and engine.audio_priority(21) is AlarmPriority.HIGH, "sounds again"
    assert alarm.message.startswith("SpO₂ low: 89 %")
    assert feed(engine, "SPO2", [91, 89], t0=30) == [], "said once for the alarm, not at every crossing"
    (nibp,) = engine.on_nibp([(NibpReading(100, 100, 186, 80, 115), 100)])
    assert nibp.message == "NIBP systolic high: 186 mmHg — pause the infusion and reassess"


def test_the_capnograph_apnoea_flag_is_a_high_priority_clinical_alarm_that_latches() -> None:
    engine = AlarmEngine()
    apnoea = DeviceStatus(10, 10, frozenset({DeviceCondition.APNEA}))
    (onset,) = engine.on_device_status(apnoea, 10)
    assert (onset.key, onset.priority, onset.category) == ("apnea", AlarmPriority.HIGH, AlarmCategory.CLINICAL)
    assert engine.level_for(["RR"]) is AlarmPriority.HIGH, "the RR tile shows it"
    assert engine.on_device_status(apnoea, 15) == [], "one alarm while it lasts"
    (cleared,) = engine.on_device_status(DeviceStatus(20, 20), 20)
    assert "latched" in cleared.message and engine.alarms["apnea"].status is AlarmStatus.LATCHED


def test_a_sedation_score_at_the_stop_threshold_is_a_high_alarm_until_a_lighter_score() -> None:
    engine = AlarmEngine()
    assert engine.on_sedation(("moaas", 3), 10) == [] and engine.on_sedation(("rass", -2), 11) == []
    (onset,) = engine.on_sedation(("moaas", 2), 20)  # clinical.md: MOAA/S <= 2 or RASS <= -3
    assert (onset.key, onset.priority, onset.category) == ("sedation", AlarmPriority.HIGH, AlarmCategory.CLINICAL)
    assert onset.message == "MOAA/S 2 responds only after mild prodding or shaking — stop the infusion, call for help"
    assert engine.on_sedation(("rass", -4), 25) == []
    assert engine.alarms["sedation"].message.startswith("RASS -4 deep sedation")
    (lighter,) = engine.on_sedation(("rass", -1), 30)
    assert "latched" in lighter.message, "stays indicated until acknowledged"
    engine.acknowledge(31, "AB")
    assert "sedation" not in engine.alarms
    assert engine.on_sedation(None, 40) == []


def test_the_latest_live_sedation_score_counts_after_corrections() -> None:
    from monitor.clinical.entries import Entry, EntryAction, EntryKind, latest_sedation, resolve

    def score(eid: int, t: float, scale: str, value: int, **kw) -> Entry:
        return Entry(eid, 1, EntryKind.SCORE, t, t, "AB", {"scale": scale, "score": value}, **kw)

    entries = [score(1, 100, "moaas", 5), score(2, 200, "rass", -3), score(3, 150, "pain", 2)]
    assert latest_sedation(resolve(entries)) == ("rass", -3)
    struck = Entry(4, 1, EntryKind.SCORE, 200, 210, "AB", {}, action=EntryAction.STRIKE, target_id=2)
    assert latest_sedation(resolve([*entries, struck])) == ("moaas", 5), "a struck score no longer counts"
    assert latest_sedation([]) is None


def test_no_alarm_sound_is_a_standing_condition_that_no_click_changes() -> None:
    engine = AlarmEngine()
    feed(engine, "HR", [130.0] * 12)  # a clinical alarm beside it, to show acknowledge still works for those
    (onset,) = engine.on_alarm_sound("paplay: failed (exit 1): Connection refused", 20)
    assert (onset.action, onset.key, onset.category, onset.priority) == (
        AlarmAction.ONSET,
        SOUND_KEY,
        AlarmCategory.TECHNICAL,
        AlarmPriority.MEDIUM,
    )
    assert "NO ALARM SOUND" in onset.message and "Connection refused" in onset.message, "the record says why"
    assert engine.on_alarm_sound("aplay: failed", 25) == [], "still true: not raised twice"

    acked = engine.acknowledge(30, "AB")
    assert [e.key for e in acked] == ["HR high"], "acknowledge does not touch the standing condition"
    engine.pause_audio(31, "AB")
    engine.tick(31 + 3600)  # an hour: no escalation, the audio pause long over
    sound = engine.alarms[SOUND_KEY]
    assert sound.standing and sound.status is AlarmStatus.ACTIVE and sound.priority is AlarmPriority.MEDIUM
    assert engine.audio_priority(31 + 3600) is None, "nothing to sound: the condition is that nothing can"


def test_rr_hovering_at_its_low_limit_for_an_hour_is_one_alarm_not_thirty() -> None:
    """Seen: RR at 7-8 against the low limit 8 raised, cleared and re-raised the alarm every few minutes (~30 rows
    an hour). With hysteresis (clinic default: back inside by 2 /min for 30 s) it is one alarm."""
    engine = AlarmEngine()
    pattern = [7] * 20 + [8] * 40 + [7] * 30 + [8] * 60  # minutes of breathing just under and at the limit
    events = feed(engine, "RR", pattern * 24, step=5.0)  # one value every 5 s (the DRI), an hour
    assert [e.action for e in events] == [AlarmAction.ONSET], [e.message for e in events]
    assert engine.alarms["RR low"].value == 8, "the alarm shows the live value while it stays"
    # Back inside by less than the margin: still one alarm. Inside by the margin, but not for 30 s: still there.
    assert feed(engine, "RR", [9] * 20, t0=20000, step=5.0) == []
    assert feed(engine, "RR", [10] * 6, t0=20100, step=5.0) == []
    (cleared,) = feed(engine, "RR", [10] * 2, t0=20130, step=5.0)
    assert cleared.action is AlarmAction.CLEAR and "latched" in cleared.message


def test_a_dip_back_out_restarts_the_time_inside() -> None:
    engine = AlarmEngine()
    feed(engine, "HR", [130] * 11)
    assert feed(engine, "HR", [110] * 20 + [118] + [110] * 29, t0=20) == [], "118 is inside, but not by 5 /min"
    (clear,) = feed(engine, "HR", [110] * 2, t0=70)
    assert clear.action is AlarmAction.CLEAR


def test_a_silent_line_is_a_no_data_technical_alarm_that_data_clears() -> None:
    engine = AlarmEngine()
    (onset,) = engine.on_link("silent", 10)
    assert (onset.key, onset.action, onset.category, onset.priority) == (
        "no data",
        AlarmAction.ONSET,
        AlarmCategory.TECHNICAL,
        AlarmPriority.MEDIUM,
    )
    assert onset.message == "No data from the monitor" and "no data" in engine.alarms
    (gone,) = engine.on_link("disconnected", 20)[:1]
    assert gone.key == "no data" and gone.action is AlarmAction.CLEAR, "a pulled cable replaces it"
    engine.on_link("silent", 30)
    (back,) = engine.on_link("receiving", 40)[-1:]
    assert back.key == "no data" and back.action is AlarmAction.CLEAR and "no data" not in engine.alarms
