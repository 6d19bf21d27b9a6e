"""`infusion-monitor record`: record a session without a window (a box without a screen, tests, crash drills).

Runs on the main thread until SIGINT/SIGTERM or `duration` seconds; the link and the writer run on their own
threads as in the GUI. Qt is never imported.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
from pathlib import Path

from monitor.app.acquisition import Acquisition, AcquisitionConfig
from monitor.app.alarm_service import AlarmService
from monitor.app.clock import WALL_CLOCK
from monitor.app.hl7.listener import Hl7Listener, start_listener
from monitor.app.hl7.sender import Hl7Sender, desk_name, start_sender, stop_sender
from monitor.app.hl7.settings import Hl7Settings
from monitor.app.lifecycle import ends_on_close
from monitor.app.replication import ClinicDb, Replication, left_text
from monitor.app.resume import find_unfinished, restore_unsaved_entries
from monitor.clinical.alarms import AlarmAction, AlarmEngine, AlarmEvent
from monitor.clinical.clinic_protocol import DEFAULT_PROTOCOL, ClinicProtocol
from monitor.storage.paths import captures_dir
from monitor.storage.writer import SessionWriter

log = logging.getLogger(__name__)


def _log_alarms(events: list[AlarmEvent]) -> None:
    """Without a screen the log is where alarms show; they are in the database too."""
    for e in events:
        level = logging.WARNING if e.action in (AlarmAction.ONSET, AlarmAction.WORSENED) else logging.INFO
        log.log(level, "alarm %s: %s", e.action.value, e.message)


def run_record(
    port: str,
    protocol: str,
    db_path: Path,
    *,
    baudrate: int | None = None,
    resume: bool = False,
    duration: float | None = None,
    clinic: ClinicProtocol = DEFAULT_PROTOCOL,
    clinic_db: ClinicDb | None = None,
    hl7: Hl7Settings | None = None,
) -> int:
    stop = threading.Event()

    def handler(signum: int, _frame: object) -> None:
        log.info("%s received: closing the session", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)
    restored = restore_unsaved_entries(db_path, clinic.infusion)
    if restored is not None:
        print(restored, flush=True)
    point = find_unfinished(db_path, port=port) if resume else None  # only a session recorded from this port
    writer = SessionWriter(db_path)
    writer.start()
    acquisition = Acquisition(
        AcquisitionConfig(
            port=port, protocol=protocol, baudrate=baudrate, capture_dir=captures_dir(), port_policy=clinic.port_policy
        ),
        writer,
    )
    # before start: no event of the session is missed
    engine = point.alarm_engine(clinic.limits) if point else AlarmEngine(limits=dict(clinic.limits))
    alarms = AlarmService(acquisition, writer, WALL_CLOCK, engine)
    alarms.add_listener(_log_alarms)
    session_id = acquisition.start(point.session if point else None)
    writer.add_link_event(session_id, time.time(), "clinic", clinic.describe())
    alarms.start()
    replication = _start_replication(db_path, clinic_db, alarms)
    sender = _start_sender(db_path, hl7, clinic, clinic_db, alarms)
    listener = _start_listener(hl7, db_path, alarms)
    verb = "Resumed" if point else "Recording"
    print(f"{verb} session {session_id} from {port} ({protocol}) into {db_path}; Ctrl+C stops", flush=True)
    deadline = None if duration is None else time.monotonic() + duration
    try:
        while not stop.wait(1.0):
            if deadline is not None and time.monotonic() >= deadline:
                break
            if not writer.healthy:
                log.error("database not writable (%s); %d rows kept in memory", writer.last_error, writer.pending)
    finally:
        try:
            alarms.stop()
            # a resumed session with a nurse's unfinished work stays open (monitor.app.lifecycle); a bare one ends
            acquisition.stop(end_session=ends_on_close(point.entries if point else []))
        finally:  # whatever failed above, held entries are written or saved beside the database
            writer.close()
            _stop_replication(replication)
            _stop_sender(sender)
            if listener is not None:
                listener.stop()
    stats = acquisition.stats
    print(
        f"Session {session_id} closed: {writer.samples_written} samples written, {stats.frames_ok} frames, "
        f"{stats.bad_frames} bad frames, {stats.resyncs} resyncs, {stats.invalid_values} invalid values, "
        f"{writer.quarantined} rows quarantined",
        flush=True,
    )
    return 0


def _start_replication(db_path: Path, clinic_db: ClinicDb | None, alarms: AlarmService) -> Replication | None:
    if clinic_db is None:
        return None
    replication = Replication(db_path, clinic_db.dsn, clinic_db.desk)
    replication.watch_chairs(lambda: [alarms])
    replication.start()
    print(f"Sending the record to {clinic_db.describe()}", flush=True)
    return replication


def _start_listener(hl7: Hl7Settings | None, db_path: Path, alarms: AlarmService) -> Hl7Listener | None:
    """`--hl7-in PORT`: patients from the EHR; a port it cannot bind is said here at once (and stands on the chair)."""
    listener = start_listener(hl7, db_path, lambda: [alarms]) if hl7 is not None else None
    if listener is not None:
        bound = listener.wait_first_try(5.0)
        said = f"Taking patients from the EHR (ADT^A04/A08) on port {listener.port}" if bound else listener.problem
        print(said, flush=True, file=sys.stdout if bound else sys.stderr)
    return listener


def _stop_replication(replication: Replication | None) -> None:
    """After the writer has closed: what it wrote is sent too, for a bounded time; what is left is said."""
    if replication is None:
        return
    left = replication.stop()
    print(left_text(left) if left else "Everything recorded is on the clinic database.", flush=True)


def _start_sender(
    db_path: Path, hl7: Hl7Settings | None, clinic: ClinicProtocol, clinic_db: ClinicDb | None, alarms: AlarmService
) -> Hl7Sender | None:
    """Results to the EHR (--hl7-out): the condition is logged by the sender and recorded on the session."""
    if hl7 is None or hl7.out is None:
        return None
    sender = start_sender(db_path, hl7, desk_name(clinic, clinic_db.desk if clinic_db else None), lambda: [alarms])
    print(f"Sending results to the EHR at {hl7.out} (HL7 v2, MLLP)", flush=True)
    return sender


def _stop_sender(sender: Hl7Sender | None) -> None:
    """After the writer has closed: the last records are composed and sent for a bounded time; what is left said."""
    if sender is not None:
        print(stop_sender(sender) or "Every message for the EHR was accepted.", flush=True)
