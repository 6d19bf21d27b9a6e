"""Renders the screenshot gallery (docs/gallery/) from real simulated sessions, offscreen, in about a minute and a half.

    .venv/bin/python docs/gallery.py [--out docs/gallery] [--speed 60]      (or: make gallery)

Everything is real: the simulated monitors on ptys, the links, a database (a temporary one), the alarm services and
the windows; the nurse's entries go through the same SessionService the forms use, each at its minute of the
simulated session. What it renders, each as a PNG and a one-third-scale copy (`-third.png`, the look from 2 m):

- workspace-1920x1080, workspace-1366x768: one chair, 35 simulated minutes into a ketamine infusion (ketamine
  hypertension scenario), a dozen entries, one alarm (the systolic pressure over the session's own limit);
- discharge-1366x768: the same chair after the infusion stopped, on its Recovery & discharge tab;
- station-1920x1080: 8 chairs, one in alarm (respiratory depression), one with its sensor off, one not started;
- review-1920x1080: the review window of the workspace chair's session.

It drives the windows through their public objects (MainWindow.workspace, its service, tabs and alarm service,
StationWindow's cards) and stops with an error naming what is missing when one has gone, so a changed window
breaks the gallery loudly instead of rendering something else.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from accounts import desk_for  # the signed-in desk every window has (tests/accounts.py)
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QTabWidget, QWidget

from monitor.app.chair import ChairConfig
from monitor.app.session_record import load_record
from monitor.app.station import Station
from monitor.clinical.entries import EntryKind
from monitor.clinical.screening import Caution, Contraindication, Investigation, InvestigationAnswer
from monitor.devices.events import Wave
from monitor.devices.simulator.scenario import SCENARIO_DIR
from monitor.storage.writer import SessionWriter
from monitor.ui.main_window import MainWindow
from monitor.ui.review_window import ReviewWindow
from monitor.ui.seat import open_chair_window
from monitor.ui.station_window import StationWindow
from monitor.ui.stylesheet import install as install_stylesheet

NURSE = "KM"
THIRD = 3  # the 2 m look: a screenshot at one third scale
MAX_BYTES = 400_000  # a PNG above this is stored with 256 colours (docs stay small)
SCREENING = {
    "contraindications": {item.name.lower(): False for item in Contraindication},
    "cautions": {item.name.lower(): False for item in Caution},
    "tests": {prompt.name.lower(): InvestigationAnswer.NOT_INDICATED.value for prompt in Investigation},
    "pre_dose_moaas": 5,
    "consent": True,
    "fasting": True,
    "escort": True,
    "baseline": {"sys": 126, "dia": 80, "hr": 74, "spo2": 98},
    "baseline_pain": 7,
}
START = {"action": "start", "drug": "Ketamine", "concentration_mg_ml": "10", "weight_kg": "72", "rate_mg_kg_h": "0.5"}
WORKSPACE_ENTRIES = (  # minute of the session, kind, payload
    (1, EntryKind.SCREENING, SCREENING),
    (2, EntryKind.SCORE, {"scale": "pain", "score": 7}),
    (3, EntryKind.INFUSION, START),
    (12, EntryKind.SIDE_EFFECT, {"effect": "dizziness", "severity": "mild"}),
    (15, EntryKind.DISSOCIATION, {"level": "mild"}),
    (15, EntryKind.SCORE, {"scale": "rass", "score": 0}),
    (18, EntryKind.SCORE, {"scale": "moaas", "score": 5}),
    (24, EntryKind.SIDE_EFFECT, {"effect": "nausea", "severity": "moderate", "note": "ondansetron 4 mg iv"}),
    (26, EntryKind.INFUSION, {"action": "rate", "rate_mg_kg_h": "0.8"}),
    (30, EntryKind.DISSOCIATION, {"level": "moderate"}),
    (30, EntryKind.SCORE, {"scale": "moaas", "score": 4}),
)
# The session's own systolic limit, set at minute 8 by the nurse: the scenario's rise crosses it, one alarm.
TIGHTER_SYS_LIMIT = (8, 145.0)
WORKSPACE_AT_MIN = 35
DISCHARGE_ENTRIES = (
    (36, EntryKind.INFUSION, {"action": "stop"}),
    (37, EntryKind.SCORE, {"scale": "pain", "score": 2}),
)
DISCHARGE_AT_MIN = 40
# Eight chairs: name, scenario, fictional patient (no real person), whether the infusion has started.
STATION = (
    ("Chair 1", "stable", "Alex Example", True),
    ("Chair 2", "ketamine-hypertension", "Bea Sample", True),
    ("Chair 3", "respiratory-depression", "Cal Specimen", True),
    ("Chair 4", "probe-off", "Dana Placeholder", True),  # PROBE_OFF below
    ("Chair 5", "stable", "Eli Testcase", True),
    ("Chair 6", "ketamine-hypertension", "Fay Mockup", True),
    ("Chair 7", "stable", "Gus Dummy", True),
    ("Chair 8", "stable", "Hal Fictive", False),
)
WAVE_FILL_S = 10.0  # real seconds of waves before a picture: a 1920-wide sweep shows about 9 s
STATION_AT_MIN = 31  # respiratory depression: SpO₂ about 87 % from minute 27, alarmed after its delay
PROBE_OFF = {"start_s": 25 * 60, "end_s": 10_800}  # the sensor-off scenario with its probe off from minute 25 on


class GalleryError(RuntimeError):
    """The gallery cannot render what it promises (a window's public object has gone, a session did not start)."""


def need(obj: object, path: str) -> object:
    """obj.a.b... by name; a missing one stops the gallery naming it (the window changed: adapt the gallery)."""
    for name in path.split("."):
        if not hasattr(obj, name):
            raise GalleryError(f"{type(obj).__name__} has no '{name}' (looking for {path}): adapt docs/gallery.py")
        obj = getattr(obj, name)
    return obj


def pump(seconds: float) -> None:
    """Let the windows, the links and the timers run for `seconds` of real time."""
    app = QApplication.instance()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise GalleryError(f"timed out after {timeout:.0f} s waiting for {what}")
        pump(0.05)


class Chair:
    """One chair's window, with the nurse's entries recorded at their simulated minute."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.ws = need(window, "workspace")
        self.service = need(self.ws, "service")
        self.clock = need(self.ws, "clock")

    def minute(self) -> float:
        return (self.clock.now() - self.service.started_at) / 60

    def assign(self, name: str, mrn: str) -> None:
        """A fictional patient, through the patient dialog's own signal so the window shows them."""
        courses = need(self.ws, "courses")
        patient_id = courses.add_patient(name, mrn, "1980-05-01", "72", "").result(10)
        course_id = courses.add_course(patient_id, "Ketamine for depression").result(10)
        courses.assign(self.service.session_id, course_id).result(10)
        dialog = self.ws.open_patient_dialog()
        need(dialog, "sigAssigned").emit()
        dialog.close()

    def record_due(self, entries: tuple) -> tuple:
        """Record the entries whose minute has come; the rest are returned."""
        pending = list(entries)
        while pending and pending[0][0] <= self.minute():
            minute, kind, payload = pending.pop(0)
            self.service.record(kind, payload, t=self.service.started_at + minute * 60).result(10)
        return tuple(pending)

    def run_to(self, minute: float, entries: tuple = (), timeout: float = 120) -> None:
        end = time.monotonic() + timeout
        while self.minute() < minute or entries:
            entries = self.record_due(entries)
            if time.monotonic() > end:
                raise GalleryError(f"the session did not reach minute {minute} in {timeout:.0f} s")
            pump(0.05)

    def show_tab(self, pattern: str) -> None:
        tabs = need(self.ws, "tabs")
        assert isinstance(tabs, QTabWidget)
        for i in range(tabs.count()):
            if re.search(pattern, tabs.tabText(i), re.IGNORECASE):
                tabs.setCurrentIndex(i)
                return
        names = [tabs.tabText(i) for i in range(tabs.count())]
        raise GalleryError(f"no workspace tab matches {pattern!r} (tabs: {names})")


def sweep_in_real_time(chairs: list[Chair], station: Station) -> None:
    """The history was filled at speed, with no waves (a sweep is read at real time); the chairs go on at 1x with
    their waves asked for, until every sweep has a strip's width of them."""
    for chair, running in zip(chairs, station.chairs, strict=True):
        running.continue_in_real_time()
        chair.ws.live.waves_off = ""
    sweeping = lambda: all(Wave.PLETH in c.ws.live.waves for c in chairs)  # noqa: E731
    wait_for(sweeping, 30, "the waves to come at real time")
    pump(WAVE_FILL_S)


def save(widget: QWidget, out: Path, name: str, size: tuple[int, int] | None = None) -> None:
    """The widget at `size` (when given), as name.png and its one-third copy name-third.png."""
    if size is not None:
        widget.resize(*size)
        pump(1.0)  # layouts settle, charts redraw
        if (widget.width(), widget.height()) != size:
            print(f"WARNING {name}: the window is {widget.width()}x{widget.height()}, not {size[0]}x{size[1]}")
    image = widget.grab().toImage()
    third = image.scaled(
        image.width() // THIRD,
        image.height() // THIRD,
        Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )
    for img, path in ((image, out / f"{name}.png"), (third, out / f"{name}-third.png")):
        _save_small(img, path)
        print(f"wrote {path} ({img.width()}x{img.height()}, {path.stat().st_size // 1024} KB)")


def _save_small(image: QImage, path: Path) -> None:
    if not image.save(str(path), "PNG", 0):  # quality 0: the strongest PNG compression
        raise GalleryError(f"could not write {path}")
    if path.stat().st_size > MAX_BYTES:
        indexed = image.convertToFormat(QImage.Format.Format_Indexed8, Qt.ImageConversionFlag.ThresholdDither)
        if not indexed.save(str(path), "PNG", 0):
            raise GalleryError(f"could not write {path}")


def workspace_and_review(tmp: Path, out: Path, speed: float) -> None:
    writer = SessionWriter(tmp / "workspace.sqlite3")
    writer.start()
    config = ChairConfig("Chair 1", None, scenario="ketamine-hypertension", speed=speed)
    station = Station([config], writer)
    if not station.chairs:
        raise GalleryError(f"the chair did not start: {station.failed}")
    try:
        chair = Chair(open_chair_window(station.chairs[0], desk_for(writer.db_path, NURSE)))
        chair.window.show()
        chair.assign("Alex Example", "GALLERY-1")
        minute, high = TIGHTER_SYS_LIMIT
        chair.run_to(minute, WORKSPACE_ENTRIES[:3])
        need(chair.ws, "alarms").set_limit("NIBP_SYS", 90, high, NURSE, "tighter limit for this patient")
        chair.run_to(WORKSPACE_AT_MIN, WORKSPACE_ENTRIES[3:])
        if not chair.ws.live.alarms():
            raise GalleryError("no alarm on the workspace chair at minute 35 (the scenario changed?)")
        sweep_in_real_time([chair], station)
        save(chair.window, out, "workspace-1920x1080", (1920, 1080))
        save(chair.window, out, "workspace-1366x768", (1366, 768))
        station.chairs[0].simulator.set_speed(speed)  # on to the discharge at speed, the waves stored as they come
        chair.run_to(DISCHARGE_AT_MIN, DISCHARGE_ENTRIES)
        sweep_in_real_time([chair], station)
        chair.show_tab("discharge|recovery")
        save(chair.window, out, "discharge-1366x768", (1366, 768))
        session_id = chair.service.session_id
        record = load_record(writer.db_path, session_id)
        review = ReviewWindow(record)
        review.show()
        # Full disclosure around the infusion's stop (minute 36: its waves were stored; the history before 35 was
        # filled at speed, without them), as a click on its timeline row shows it.
        stop = next(v for v in record.entries if v.kind is EntryKind.INFUSION and v.payload.get("action") == "stop")
        around = need(review, "waves").show_around(stop.t, "the infusion's stop")
        if around is None or around.empty:
            raise GalleryError("no waves stored around the infusion's stop")
        save(review, out, "review-1920x1080", (1920, 1080))
        review.hide()
        chair.window.hide()  # not close(): an open session asks the nurse first
    finally:
        station.stop()
        writer.close()


def station_overview(tmp: Path, out: Path, speed: float) -> None:
    writer = SessionWriter(tmp / "station.sqlite3")
    writer.start()
    probe_off = json.loads((SCENARIO_DIR / "sensor-off.json").read_text()) | {"sensor_off": [PROBE_OFF]}
    (tmp / "probe-off.json").write_text(json.dumps(probe_off))
    scenarios = {"probe-off": str(tmp / "probe-off.json")}
    configs = [
        ChairConfig(name, None, scenario=scenarios.get(scenario, scenario), speed=speed, seed=i)
        for i, (name, scenario, *_) in enumerate(STATION)
    ]
    station = Station(configs, writer)
    if len(station.chairs) != len(configs):
        raise GalleryError(f"not every chair started: {station.failed}")
    try:
        desk = desk_for(writer.db_path, NURSE)
        chairs = [Chair(open_chair_window(c, desk)) for c in station.chairs]
        window = StationWindow([c.window for c in chairs], configs)
        window.show()
        for i, (chair, (_name, _scenario, patient, started)) in enumerate(zip(chairs, STATION, strict=True)):
            chair.assign(patient, f"GALLERY-{i + 11}")
            chair.run_to(0.5)
            chair.record_due(((0, EntryKind.SCREENING, SCREENING),))
            if started:
                chair.record_due(((0, EntryKind.INFUSION, START),))
        wait_for(lambda: all(c.minute() >= STATION_AT_MIN for c in chairs), 120, f"minute {STATION_AT_MIN}")
        cards = need(window, "cards")
        if len(cards) != len(STATION):
            raise GalleryError(f"the station shows {len(cards)} cards for {len(STATION)} chairs")
        if not chairs[2].ws.live.alarms():
            raise GalleryError("Chair 3 (respiratory depression) has no alarm by its minute")
        current = lambda: all(c.ws.live.shown("HR", c.clock.now()).current for c in chairs[:3])  # noqa: E731
        sweep_in_real_time(chairs, station)
        wait_for(current, 30, "the chairs' values to be current (a busy machine lags behind the simulators)")
        save(window, out, "station-1920x1080", (1920, 1080))
        window.hide()
    finally:
        station.stop()
        writer.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("gallery"))
    parser.add_argument("--speed", type=float, default=60.0, help="the workspace chair's simulated s per real s")
    parser.add_argument("--station-speed", type=float, default=40.0, help="the same for each of the 8 chairs")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    install_stylesheet(app)  # the look the nurse sees (monitor.ui.app installs it the same way)
    tmp = Path(tempfile.mkdtemp(prefix="ism-gallery-"))
    os.environ["INFUSION_MONITOR_KEY_FILE"] = str(tmp / "desk.key")  # the gallery's own desk key, not the user's
    started = time.monotonic()
    workspace_and_review(tmp, args.out, args.speed)
    station_overview(tmp, args.out, args.station_speed)
    app.processEvents()
    print(f"gallery rendered in {time.monotonic() - started:.0f} s into {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
