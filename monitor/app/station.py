"""The station: up to eight chairs at once, and where the station remembers which port each chair uses.

Qt-free. Assignments live in `station.json` in the data directory, so the nurse station starts the same way each
morning; a demo station runs simulated monitors with different scenarios.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import asdict, fields
from pathlib import Path

from monitor.app.chair import Chair, ChairConfig
from monitor.app.clinic_patients import ClinicPatients
from monitor.app.resume import ResumePoint
from monitor.clinical import config_values
from monitor.clinical.clinic_protocol import DEFAULT_PROTOCOL, ClinicProtocol
from monitor.clinical.config_values import ConfigError
from monitor.devices.port_policy import PortPolicy, check_port
from monitor.devices.protocols import PROTOCOL_NAMES
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


_CHAIR_KEYS = frozenset(f.name for f in fields(ChairConfig))


def station_file() -> Path:
    return data_dir() / "station.json"


def demo_chairs(count: int, speed: float = 1.0, protocol: str = "datex-s5") -> list[ChairConfig]:
    """`count` chairs on simulated monitors speaking `protocol`, each with its own scenario."""
    if not 1 <= count <= MAX_CHAIRS:
        raise ValueError(f"a station has 1 to {MAX_CHAIRS} chairs, not {count}")
    return [
        ChairConfig(f"Chair {i + 1}", None, protocol, scenario=DEMO_SCENARIOS[i], speed=speed, seed=i)
        for i in range(count)
    ]


def save_station(chairs: list[ChairConfig], path: Path | None = None) -> Path:
    path = path or station_file()
    path.write_text(json.dumps([asdict(c) for c in chairs], indent=1), encoding="utf-8")
    return path


def load_station(path: Path | None = None, policy: PortPolicy | None = None) -> list[ChairConfig]:
    """The remembered assignments; ValueError with the reason (naming the chair and entry) when the file is
    damaged or a port is one the clinic does not allow (`policy`: its serial_hosts; default device paths only)."""
    path = path or station_file()
    if not path.is_file():
        return []
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(rows, list):
            raise ConfigError("expected a JSON list of chairs")
        if len(rows) > MAX_CHAIRS:
            raise ConfigError(f"it lists {len(rows)} chairs; a station has at most {MAX_CHAIRS}")
        chairs = [_chair(row, i, path, policy or PortPolicy()) for i, row in enumerate(rows)]
    except (ValueError, RecursionError) as exc:  # ConfigError and PortRefused are ValueErrors
        raise ValueError(f"{path} is damaged ({exc}); fix or delete it and assign the ports again") from exc
    return chairs


def _chair(row: object, index: int, path: Path, policy: PortPolicy) -> ChairConfig:
    """One chair of station.json, every entry type-checked (monitor.clinical.config_values)."""
    if not isinstance(row, dict):
        raise ConfigError(f"chair {index + 1} must be an object")
    unknown = set(row) - _CHAIR_KEYS
    if unknown or not {"name", "port"} <= set(row):
        raise ConfigError(f"chair {index + 1} needs name and port, and may have only {sorted(_CHAIR_KEYS)}")
    name = config_values.text(row["name"], f"chair {index + 1} name", max_length=40)
    default = ChairConfig(name, None)
    protocol = config_values.text(row.get("protocol", default.protocol), f"{name}.protocol")
    if protocol not in PROTOCOL_NAMES:
        raise ConfigError(f"{name} has unknown protocol {protocol!r}")
    port = row["port"]
    if port is not None:
        port = check_port(config_values.text(port, f"{name}.port", max_length=300), policy, f"{path.name} {name}")
    baudrate = row.get("baudrate")
    return ChairConfig(
        name,
        port,
        protocol,
        None if baudrate is None else config_values.integer(baudrate, f"{name}.baudrate", 50, 4_000_000),
        config_values.text(row.get("scenario", default.scenario), f"{name}.scenario", max_length=80),
        config_values.number(row.get("speed", default.speed), f"{name}.speed", 0.01, 10_000),
        config_values.integer(row.get("seed", default.seed), f"{name}.seed", 0, 2**32 - 1),
    )


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
        patients: ClinicPatients | None = None,
    ) -> None:
        """`resume`: by chair name, the unfinished session each chair continues (the nurse agreed); `patients`:
        the clinic database's patient list (None: this desk's only)."""
        self.writer = writer
        self.chairs: list[Chair] = []
        self.failed: list[tuple[ChairConfig, str]] = []
        resume = resume or {}
        for config in configs[:MAX_CHAIRS]:
            try:
                chair = Chair(config, writer, capture_dir, resume.get(config.name), clinic=clinic, patients=patients)
                self.chairs.append(chair)
            except (ValueError, OSError) as exc:
                log.error("%s not started: %s", config.name, exc)
                self.failed.append((config, str(exc)))

    def stop(self) -> None:
        for chair in self.chairs:
            try:
                chair.stop()
            except Exception:  # one chair failing to stop must not keep the others' sessions open
                log.exception("%s did not stop cleanly", chair.config.name)
