"""LiveChair: the live state of one chair, Qt-free -- what the workspace, the station card and the Aldrete
cross-check read, so none of them reads another's widgets or chart buffers.

It holds the latest value of each parameter with its validity and age (LatestValues, judged by the one rule of
monitor.clinical.currency), the link state, the monitor's conditions, the patient and the nurse, and answers the
infusion status, the observation schedule and its next check, and the active alarms from the chair's services.
Fed by the chair's events on one thread (the GUI thread, from the facade's signals): samples with the cuff readings
of the chair's one NIBP reading detector (the alarm service's), device status, link events, patient assignment, and
the waves, whose last seconds it keeps for the sweeps (monitor.app.live_waves).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from monitor.app.alarm_service import AlarmService
from monitor.app.latest_values import LatestValues, ShownNibp, ShownOther
from monitor.app.live_waves import LiveWave
from monitor.app.session_service import SessionService
from monitor.app.storage_door import Patient
from monitor.clinical.alarms import Alarm
from monitor.clinical.currency import ShownValue
from monitor.clinical.infusion import InfusionStatus
from monitor.clinical.nibp import NibpReading
from monitor.clinical.recovery import CIRCULATION_BANDS, Circulation, MonitorValues
from monitor.clinical.schedule import Check, missed, next_open
from monitor.devices.events import DeviceCondition, DeviceStatus, OtherValue, Sample, ValueState, Wave, WaveBlock
from monitor.devices.link import LinkEvent, LinkState
from monitor.timefmt import hm_text
from monitor.wording import param_labels

# Why no value is current while the link is not receiving (the tiles' and the cards' reason).
LINK_REASON = {
    LinkState.CONNECTING: "connecting to the monitor",
    LinkState.SILENT: "no data from the monitor",
    LinkState.DISCONNECTED: "monitor disconnected",
    LinkState.STOPPED: "monitor stopped",
}


class LiveChair:
    def __init__(
        self,
        service: SessionService,
        alarms: AlarmService | None,
        use_device_time: bool = False,
        waves_off: str = "",
    ) -> None:
        """`alarms`: the chair's alarm service, whose NIBP reading detector is the chair's one; without it (a
        chair that runs no alarms) the cuff readings are detected from the samples here. `waves_off`: why the
        monitor is not asked for its waveforms ("": it is), shown where they would be."""
        self.service = service
        self.alarm_service = alarms
        self.values = LatestValues(use_device_time)
        self.link: LinkEvent | None = None
        self.status: DeviceStatus | None = None
        self.patient: Patient | None = None
        self.waves: dict[Wave, LiveWave] = {}  # the last seconds of each wave the monitor sends (issue 22)
        self.waves_off = waves_off

    # --- feeding --------------------------------------------------------------------------------------------

    @property
    def detects_nibp(self) -> bool:
        """The samples' cuff readings are found here (no alarm service detects them for the chair)."""
        return self.alarm_service is None

    def on_samples(self, samples: Iterable[Sample]) -> list[NibpReading]:
        """Live samples in arrival order; returns the cuff readings found here (none when the alarm service
        detects them: they come through on_nibp)."""
        return self.values.on_samples(samples, detect=self.detects_nibp)

    def on_nibp(self, readings: Iterable[NibpReading]) -> None:
        """The cuff readings of the chair's NIBP reading detector."""
        self.values.on_nibp(readings)

    def on_other_values(self, values: Iterable[OtherValue]) -> None:
        """The numerics no canonical parameter maps (issue 21): shown in the chair's other values list."""
        self.values.on_other_values(values)

    def on_waves(self, blocks: Iterable[WaveBlock]) -> None:
        """Wave blocks in arrival order (one batch per frame): kept for the sweep and the card's strip."""
        for block in blocks:
            wave = self.waves.get(block.wave)
            if wave is None:
                wave = self.waves[block.wave] = LiveWave(block.rate_hz)
            wave.add(block)

    def on_status(self, status: DeviceStatus) -> None:
        self.status = status
        self.values.on_status(status)

    def on_link(self, event: LinkEvent) -> bool:
        """A link event; True when it changed whether the monitor is sending."""
        was = self.values.receiving
        self.link = event
        receiving = event.state is LinkState.RECEIVING
        self.values.on_link(receiving, LINK_REASON.get(event.state, "monitor not sending"))
        if not receiving:  # a wave is live or absent: a trace frozen on screen would look like a patient
            for wave in self.waves.values():
                wave.blank()
        return receiving != was

    def on_patient(self, patient: Patient | None) -> None:
        self.patient = patient

    # --- reading --------------------------------------------------------------------------------------------

    @property
    def receiving(self) -> bool:
        return self.values.receiving

    @property
    def link_state(self) -> LinkState | None:
        return self.link.state if self.link is not None else None

    @property
    def conditions(self) -> frozenset[DeviceCondition]:
        """What the monitor reports now (empty until it says)."""
        return frozenset(self.status.conditions) if self.status is not None else frozenset()

    def reports(self) -> str:
        """What the monitor reports, in a nurse's words ("" when nothing): see monitor_reports."""
        return monitor_reports(self.status) if self.status is not None else ""

    @property
    def nurse(self) -> str:
        return self.service.initials

    def shown(self, param: str, now: float) -> ShownValue:
        return self.values.shown(param, now)

    def others(self, now: float) -> list[ShownOther]:
        """The other values as they may be shown now (the tiles' rule), by label."""
        return self.values.others(now)

    def current(self, param: str, now: float) -> float | None:
        """The value only while it is current: never an invalid or stale one."""
        return if_current(self.values.shown(param, now))

    def infusion(self, now: float) -> InfusionStatus:
        return self.service.infusion(now)

    def schedule(self, now: float) -> list[Check]:
        """The observation schedule; a cuff reading of the chair counts for its BP."""
        return self.service.schedule(self.values.nibp_times, now)

    def next_check(self, now: float) -> tuple[Check | None, int]:
        """The next open check and how many were missed."""
        schedule = self.schedule(now)
        return next_open(schedule), missed(schedule)

    def record_missed_checks(self, now: float) -> None:
        self.service.record_missed_checks(self.values.nibp_times, now)  # each once, by the program

    def alarms(self) -> list[Alarm]:
        """The active alarms, highest first."""
        return self.alarm_service.alarms() if self.alarm_service is not None else []

    def standing(self) -> list[Alarm]:
        """The standing technical conditions (no alarm sound on this desk, ...), apart from the alarms."""
        return self.alarm_service.standing() if self.alarm_service is not None else []

    def monitor_values(self, now: float) -> MonitorValues:
        """What the monitor shows now, for checking an Aldrete score against it (SessionService.watch_values):
        the same currency rule as the tiles, so a value the screen shows as not current cannot confirm an item."""
        spo2, rr, latest = self.values.shown("SPO2", now), self.values.shown("RR", now), self._latest_cuff(now)
        cuff = (latest[0].sys.value, latest[0].dia.value) if latest else None
        at = latest[1] if latest else None
        baseline = self.service.baseline()
        return MonitorValues(
            spo2=if_current(spo2),
            spo2_not_current="" if spo2.current else spo2.note or "no value yet",
            rr=if_current(rr),
            apnoea=self.receiving and DeviceCondition.APNEA in self.conditions,
            cuff=cuff,
            cuff_at=at or "",
            cuff_taken_at=now - latest[0].sys.age_s if latest and latest[0].sys.age_s is not None else None,
            baseline=(float(baseline["sys"]), float(baseline["dia"])) if baseline else None,
        )

    def _within_20(self, baseline: Mapping[str, float]) -> str:
        """The circulation item's 2-point band, [ALDRETE] ±20 % or ±20 mmHg, as pressures: '±20 %: 102–154/64–96'."""
        variant = self.service.protocol.aldrete_circulation
        unit = "%" if variant is Circulation.PERCENT else " mmHg"
        sys, dia = (_band(float(baseline[k]), variant) for k in ("sys", "dia"))
        return f"2 points within ±20{unit}: {sys}/{dia}"

    def _latest_cuff(self, now: float) -> tuple[ShownNibp, str] | None:
        """The latest cuff reading with both pressures, and its time as HH:MM; None before the first."""
        nibp = self.values.nibp(now)
        if nibp.sys.value is None or nibp.dia.value is None or nibp.sys.age_s is None:
            return None
        return nibp, hm_text(now - nibp.sys.age_s)

    def recovery_context(self, now: float) -> str:
        """For the Aldrete circulation item (BP within ±20 % of the pre-infusion level, or ±20 mmHg: the clinic's
        variant, said here with the band it gives) and oxygenation."""
        parts = []
        baseline = self.service.baseline()
        if baseline:
            parts.append(f"pre-infusion BP {baseline['sys']:g}/{baseline['dia']:g} ({self._within_20(baseline)})")
        latest = self._latest_cuff(now)
        if latest is not None:
            nibp, at = latest
            note = f" ({nibp.sys.note}: not current)" if not nibp.sys.current else ""
            parts.append(f"latest NIBP {nibp.sys.value:g}/{nibp.dia.value:g} at {at}{note}")
        spo2 = self.values.shown("SPO2", now)
        if spo2.current:
            parts.append(f"SpO₂ now {spo2.text} %")
        elif spo2.note:
            parts.append(f"SpO₂ now -- ({spo2.note}: no current value)")
        return "Compare: " + " · ".join(parts) if parts else "No pre-infusion BP or cuff reading yet"


def _band(level: float, variant: Circulation) -> str:
    wide = level * CIRCULATION_BANDS[0] / 100 if variant is Circulation.PERCENT else CIRCULATION_BANDS[0]
    return f"{level - wide:.0f}–{level + wide:.0f}"


def if_current(shown: ShownValue) -> float | None:
    return shown.value if shown.current else None


# The cuff is intermittent: before its first reading (and between cycles) the monitor reports the NIBP values
# invalid or not updated. That is not a device condition worth a line; the NIBP tile says "no cuff reading yet".
_NIBP_QUIET = frozenset({ValueState.INVALID, ValueState.NOT_UPDATED})


def monitor_reports(status: DeviceStatus) -> str:
    """The monitor's conditions and unavailable values, parameters by their label: "Monitor reports: sensor off ·
    no valid SpO₂, Pulse rate"; "" when there is nothing to report."""
    parts = sorted(c.value for c in status.conditions)
    by_state: dict[ValueState, list[str]] = {}
    for param, state in status.unavailable:
        if not (param.startswith("NIBP") and state in _NIBP_QUIET):
            by_state.setdefault(state, []).append(param)
    for state, params in sorted(by_state.items()):
        names = param_labels(params)
        parts.append(f"no valid {names}" if state is ValueState.INVALID else f"{names} {state.value}")
    return ("Monitor reports: " + " · ".join(parts)) if parts else ""
