"""The station: up to eight chairs at once, and where the station remembers which port each chair uses.

Qt-free. Assignments live in `station.json` in the data directory, so the nurse station starts the same way each
morning; a demo station runs simulated monitors with different scenarios.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path

from monitor.app.chair import Chair, ChairConfig
from monitor.app.recovery import ResumePoint
from monitor.devices.protocols import PROTOCOL_NAMES
from monitor.session.protocol import DEFAULT_PROTOCOL, ClinicProtocol
from monitor.storage.paths import data_dir
from monitor.storage.writer import SessionWriter

log = logging.getLogger(__name__)

MAX_CHAIRS = 8
DEMO_SCENARIOS = (
    "stable",
    "ketamine-hypertension",
    "respiratory-depression",
    "sensor-off",
    "cable-pull",
    "line-noise",
    "stable",
    "ketamine-hypertension",
)


def station_file() -> Path:
    return data_dir() / "station.json"


def demo_chairs(count: int, speed: float = 1.0) -> list[ChairConfig]:
    if not 1 <= count <= MAX_CHAIRS:
        raise ValueError(f"a station has 1 to {MAX_CHAIRS} chairs, not {count}")
    return [
        ChairConfig(f"Chair {i + 1}", None, "datex-s5", scenario=DEMO_SCENARIOS[i], speed=speed, seed=i)
        for i in range(count)
    ]


def save_station(chairs: list[ChairConfig], path: Path | None = None) -> Path:
    path = path or station_file()
    path.write_text(json.dumps([asdict(c) for c in chairs], indent=1), encoding="utf-8")
    return path


def load_station(path: Path | None = None) -> list[ChairConfig]:
    """The remembered assignments; ValueError with the reason when the file is damaged."""
    path = path or station_file()
    if not path.is_file():
        return []
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
        chairs = [ChairConfig(**row) for row in rows]
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{path} is damaged ({exc}); fix or delete it and assign the ports again") from exc
    for c in chairs:
        if c.protocol not in PROTOCOL_NAMES:
            raise ValueError(f"{path}: {c.name} has unknown protocol {c.protocol!r}")
    if len(chairs) > MAX_CHAIRS:
        raise ValueError(f"{path} lists {len(chairs)} chairs; a station has at most {MAX_CHAIRS}")
    return chairs


class Station:
    """The chairs of the nurse station, sharing one database writer. A chair that cannot start (a bad scenario,
    a port refused) is reported and left out; the others run."""

    def __init__(
        self,
        configs: list[ChairConfig],
        writer: SessionWriter,
        capture_dir: Path | None = None,
        clinic: ClinicProtocol = DEFAULT_PROTOCOL,
        resume: Mapping[str, ResumePoint] | None = None,
    ) -> None:
        """`resume`: by chair name, the unfinished session each chair continues (the nurse agreed)."""
        self.writer = writer
        self.chairs: list[Chair] = []
        self.failed: list[tuple[ChairConfig, str]] = []
        resume = resume or {}
        for config in configs[:MAX_CHAIRS]:
            try:
                self.chairs.append(Chair(config, writer, capture_dir, resume.get(config.name), clinic=clinic))
            except (ValueError, OSError) as exc:
                log.error("%s not started: %s", config.name, exc)
                self.failed.append((config, str(exc)))

    def stop(self) -> None:
        for chair in self.chairs:
            try:
                chair.stop()
            except Exception:  # one chair failing to stop must not keep the others' sessions open
                log.exception("%s did not stop cleanly", chair.config.name)
