"""A Chair: one infusion chair's whole live session -- its monitor (a port, or a built-in simulated monitor), the
acquisition, the alarm service and the session service. Qt-free; the window and the station build on it.

Construct, let the UI attach its listeners to `acquisition` and `alarms`, then `start()`: no event is missed.
One chair's port failing touches only its own link thread; chairs share the database writer, whose queue never
blocks a link.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from pathlib import Path

from monitor.app.acquisition import Acquisition, AcquisitionConfig
from monitor.app.alarm_service import AlarmService
from monitor.app.clinic_patients import ClinicPatients
from monitor.app.clock import WALL_CLOCK, SessionClock
from monitor.app.courses import CourseService
from monitor.app.lifecycle import ends_on_close
from monitor.app.resume import ResumePoint
from monitor.app.session_service import SessionService
from monitor.clinical.alarms import AlarmEngine
from monitor.clinical.clinic_protocol import DEFAULT_PROTOCOL, ClinicProtocol
from monitor.storage.writer import SessionWriter

log = logging.getLogger(__name__)

# A sweep is read at real time; a demo sped past this draws trends only. Its waves would be unreadable on screen
# and, at the station's 100-250x, some 850 000 samples a second for one writer to store (issue 22).
MAX_WAVE_SPEED = 10.0


@dataclass(frozen=True)
class ChairConfig:
    name: str  # "Chair 1"
    port: str | None  # None: a built-in simulated monitor
    protocol: str = "datex-s5"
    baudrate: int | None = None
    scenario: str = "stable"  # simulated monitor only
    speed: float = 1.0
    seed: int = 0


def waves_off_reason(config: ChairConfig) -> str:
    """Why this chair's monitor is not asked for its waveforms ("" when it is)."""
    if config.port is None and config.speed > MAX_WAVE_SPEED:
        return f"not asked for: simulated at {config.speed:g}x (waves up to {MAX_WAVE_SPEED:g}x)"
    return ""


class Chair:
    def __init__(
        self,
        config: ChairConfig,
        writer: SessionWriter,
        capture_dir: Path | None = None,
        resume: ResumePoint | None = None,
        clinic: ClinicProtocol = DEFAULT_PROTOCOL,
        patients: ClinicPatients | None = None,
    ) -> None:
        """`patients`: the clinic database's patient list (None: this desk's list only)."""
        self.config = config
        self.capture_dir = capture_dir
        self.clinic = clinic
        self.patients = patients
        self.courses = CourseService(writer, patients)  # the patient dialog's, and the start's patient check
        self.writer = writer
        self.resume = resume
        self.simulator = None
        self.clock = WALL_CLOCK
        port = config.port
        if port is None:
            from monitor.devices.simulator import SimulatedMonitor, load_scenario

            start_time = time.time()
            if resume is not None and resume.last_sample is not None:
                start_time = max(start_time, resume.last_sample + 1)  # a resumed demo continues after its data
            self.simulator = SimulatedMonitor(
                config.protocol,
                load_scenario(config.scenario),
                speed=config.speed,
                seed=config.seed,
                start_time=start_time,
            )
            port = self.simulator.start()
            self.clock = SessionClock(self.simulator.device_now, use_device_time=True)
            log.info("%s: simulated %s monitor (%s) on %s", config.name, config.protocol, config.scenario, port)
        self.port = port
        self.acquisition = Acquisition(
            AcquisitionConfig(
                port=port,
                protocol=config.protocol,
                baudrate=config.baudrate,
                capture_dir=capture_dir,
                chair=config.name,
                port_policy=clinic.port_policy,
                waves_off=waves_off_reason(config),
            ),
            writer,
            clock=self.clock.now,
            timebase=self.clock.timebase,
        )
        # A resumed session continues its own alarm state: the limits changed for it, the alarms left unanswered.
        engine = resume.alarm_engine(clinic.limits) if resume else AlarmEngine(limits=dict(clinic.limits))
        self.alarms = AlarmService(self.acquisition, writer, self.clock, engine)
        self.service: SessionService | None = None
        self._stopped = False

    def continue_in_real_time(self) -> None:
        """A sped-up simulated chair goes on at 1x from where it is, its waves asked for (the gallery fills a
        session's history fast, then shows the waves sweeping). ValueError for a chair on a real monitor."""
        if self.simulator is None:
            raise ValueError(f"{self.config.name} records a real monitor: its time is the monitor's")
        self.simulator.set_speed(1.0)
        self.config = replace(self.config, speed=1.0)
        self.acquisition.ask_for_waves()

    @property
    def source(self) -> str:
        if self.simulator is not None:
            return f"simulated monitor ({self.config.scenario})"
        return self.port

    def start(self, initials: str = "", require_screening: bool = True, require_patient: bool = True) -> SessionService:
        """`require_screening`, `require_patient`: the clinic workflow -- the infusion starts only after a screening
        that allows it, for a patient assigned to the session (off for drills and tests of other things)."""
        session_id = self.acquisition.start(self.resume.session if self.resume else None)
        self.writer.add_link_event(session_id, time.time(), "clinic", self.clinic.describe())  # on the record
        waves_off = self.acquisition.config.waves_off
        if waves_off:  # the record says why a review finds no waves
            self.writer.add_link_event(session_id, time.time(), "source", f"waveforms {waves_off}")
        self.service = SessionService(
            self.writer,
            session_id,
            self.acquisition.started_at,
            clock=self.clock.now,
            initials=initials,
            entries=self.resume.entries if self.resume else [],
            require_screening=require_screening,
            protocol=self.clinic,
        )
        self.alarms.watch_entries(self.service)
        self.service.watch_alarms(self.alarms.high_clinical)  # discharge is refused while one is indicated
        if require_patient:
            self.service.require_patient(lambda: self.courses.of_session(session_id) is not None)
        self.alarms.start()
        return self.service

    def stop(self) -> None:
        """Stop alarms, close the port (DRI stop request); stop the simulated monitor. The session ends only when
        closing loses nothing (discharged, or empty); otherwise it stays open, resumable at the next start."""
        if self._stopped:
            return
        self._stopped = True
        end = self.service is None or ends_on_close(self.service.entries())
        try:
            self.alarms.stop()
            if not end and self.acquisition.session_id is not None:
                log.info("%s: session %d left open, to be resumed", self.config.name, self.acquisition.session_id)
                self.writer.add_link_event(
                    self.acquisition.session_id, self.clock.now(), "closed", "program closed; session left open"
                )
            self.acquisition.stop(end_session=end)
        finally:
            if self.simulator is not None:
                self.simulator.stop()

    def next_patient(self) -> Chair:
        """End this chair's discharged (or empty) session and return the chair ready for a new one, on the same
        monitor: a fresh acquisition, alarm engine and session service; nothing carries over. Blocks while the
        port closes: call it off the GUI thread. ValueError when the session still has something to lose."""
        if self.service is not None and not ends_on_close(self.service.entries()):
            raise ValueError(f"{self.config.name}: discharge the patient first (the session is not finished)")
        self.stop()
        return Chair(self.config, self.writer, self.capture_dir, clinic=self.clinic, patients=self.patients)
