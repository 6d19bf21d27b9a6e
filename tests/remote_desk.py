"""Another desk for the tests of issue 17 point 4: it records one chair with the program's own services (writer,
acquisition, alarm service, session service) into its local SQLite, and ships it to the clinic database with the
replicator (monitor.storage.replicator.ship_pending, which sends the NOTIFY), connected as its own desk role."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import psycopg
from hub_desks import desk_dsn  # noqa: F401  (the remote tests import it from here)

from monitor.app.acquisition import Acquisition, AcquisitionConfig
from monitor.app.alarm_service import AlarmService
from monitor.app.clock import SessionClock
from monitor.app.session_service import SessionService
from monitor.devices.events import Sample
from monitor.devices.link import LinkEvent, LinkState
from monitor.storage import db as store
from monitor.storage import patients as patient_store
from monitor.storage.replicator import ShipReport, ship_pending
from monitor.storage.writer import SessionWriter

START = {"action": "start", "drug": "Ketamine", "concentration_mg_ml": 10, "weight_kg": 70, "rate_mg_kg_h": 0.5}


class RecordingDesk:
    def __init__(self, folder: Path, desk: str, hub_dsn: str, t0: float, chair: str = "Chair 3") -> None:
        self.desk = desk
        self.hub_dsn = hub_dsn
        self.path = folder / f"{desk}.sqlite3"
        self.clock = SimpleNamespace(t=t0)
        session_clock = SessionClock(lambda: self.clock.t)
        self.writer = SessionWriter(self.path)
        self.writer.start()
        self.acquisition = Acquisition(
            AcquisitionConfig("/dev/pts/9", "datex-s5", chair=chair), self.writer, clock=session_clock.now
        )
        self.sid = self.writer.open_session("/dev/pts/9", "datex-s5", started_at=t0, chair=chair)
        self.acquisition.session_id = self.sid  # as start() sets it, without opening a port
        self.alarms = AlarmService(self.acquisition, self.writer, session_clock)
        self.service = SessionService(self.writer, self.sid, t0, clock=session_clock.now, initials="KM")
        self.alarms.watch_entries(self.service)

    def link(self, state: LinkState) -> None:
        """What the serial link reports: on the record and to the alarm service."""
        self.acquisition._on_state(LinkEvent(state, self.clock.t, "/dev/pts/9", "", self.clock.t))

    def vitals(self, **values: float) -> None:
        """One decoded record of the monitor at the desk's clock time: stored, and judged by the alarm engine."""
        t = self.clock.t
        self.acquisition._on_events([Sample(p, float(v), t, t) for p, v in values.items()], t)

    def ship(self) -> ShipReport:
        """What the desk's replicator does after the writer's commit: send what is pending, then NOTIFY."""
        assert self.writer.flush(), "the writer committed"
        local = store.connect(self.path)
        try:
            with psycopg.connect(self.hub_dsn, autocommit=True) as hub:
                return ship_pending(local, hub, self.desk)
        finally:
            local.close()

    def assign(self, name: str) -> None:
        """A patient and course for the session, as the patient dialog records them."""
        fields = {"name": name, "mrn": "M-" + name.split()[0], "dob": "1980-01-02", "weight_kg": 70.0, "allergies": ""}
        patient = self.writer.submit(lambda c: patient_store.add_patient(c, fields)).result(5)
        course = self.writer.submit(lambda c: patient_store.add_course(c, patient, "Spring")).result(5)
        self.writer.submit(lambda c: patient_store.assign_session(c, self.sid, course)).result(5)

    def close(self) -> None:
        self.writer.close()
