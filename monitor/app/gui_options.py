"""GuiOptions: what `infusion-monitor run` asks of the window, as one typed value (built by the cli from its
arguments), so the GUI depends on these fields and not on the argparse namespace."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from monitor.app.hl7.settings import Hl7Settings
from monitor.app.replication import ClinicDb
from monitor.clinical.clinic_protocol import ClinicProtocol

ResumeMode = Literal["ask", "yes", "no"]


@dataclass(frozen=True, slots=True)
class GuiOptions:
    """The window's options. `port` None: the built-in simulated monitor; `station` None: one chair, 0: the chairs
    saved in station.json, N: N simulated chairs; `db` None: the database in the user data directory."""

    clinic: ClinicProtocol
    port: str | None = None
    protocol: str = "datex-s5"
    baudrate: int | None = None
    db: Path | None = None
    station: int | None = None
    resume: ResumeMode = "ask"
    scenario: str = "stable"
    speed: float = 1.0
    seed: int = 0
    clinic_db: ClinicDb | None = None  # where the record is shipped (None: local only)
    show_other_desks: bool | None = None  # `run --show-desks`: overrides clinic.json's "show_other_desks"
    clinic_file: Path | None = None  # the clinic protocol's file in use (`--clinic`, else clinic.json; None: defaults)
    hl7: Hl7Settings = field(default_factory=Hl7Settings)  # the EHR interface (--hl7-*, clinic.json hl7_*)
