"""InfusionPanel: drug, concentration, weight and dose rate with the pump rate worked out, the pump events,
and the running status (state, elapsed time, current rate, total dose).

GUI thread. Numbers are typed as text and validated by the session core, so a wrong value gets the core's
message ("Weight 400 kg is outside 20–300 kg") instead of being silently clamped by a spin box.
The running status (`summary`: state, rate, elapsed time and dose, read at 2 m) is laid out by the workspace
beside the numerics, where it is always in view; the panel holds the fields and the pump buttons.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from monitor.clinical.cosign import COSIGNED_BY, Safeguard
from monitor.clinical.dose_reference import (
    ASRA_BOLUS_MAX_MG_KG,
    ASRA_RATE_MAX_MG_KG_H,
    ASRA_RATE_MIN_MG_KG_H,
    rate_remark,
)
from monitor.clinical.entries import Entry, EntryKind
from monitor.clinical.errors import EntryError, parse_number
from monitor.clinical.infusion import InfusionAction, InfusionSettings, InfusionState, InfusionStatus
from monitor.timefmt import hm_text, hms
from monitor.ui.recorder import EntryRecorder
from monitor.ui.stylesheet import set_role
from monitor.ui.text import plain
from monitor.wording import count

_ENABLED_IN = {
    InfusionAction.START: {InfusionState.NOT_STARTED},
    InfusionAction.PAUSE: {InfusionState.RUNNING},
    InfusionAction.RESUME: {InfusionState.PAUSED},
    InfusionAction.RATE: {InfusionState.RUNNING, InfusionState.PAUSED},
    InfusionAction.STOP: {InfusionState.RUNNING, InfusionState.PAUSED},
    InfusionAction.BOLUS: {InfusionState.RUNNING, InfusionState.PAUSED},
}
# The irreversible pump actions ask first, showing what will be recorded (issue 13: "+60 % in one click").
_QUESTIONS = {InfusionAction.STOP, InfusionAction.RATE, InfusionAction.BOLUS}


class InfusionPanel(QGroupBox):
    def __init__(
        self,
        recorder: EntryRecorder,
        parent: QWidget | None = None,
        cosigner: Callable[[Safeguard], str | None] | None = None,
    ) -> None:
        """`cosigner`: asks a second person for a dose rate or bolus above the clinic's ceiling, where clinic.json
        allows exceeding it (Workspace.cosigner): their initials, "" acting alone, None cancelled."""
        super().__init__("Infusion", parent)
        self.recorder = recorder
        self._cosigner = cosigner
        self.service = recorder.service
        self.drug = self._field("drug", "Ketamine")
        # Concentration and dose rate start empty: a default the nurse did not change would be a silent dose error
        # (bags are diluted to different strengths).
        self.concentration = self._field("concentration", "")
        self.concentration.setPlaceholderText("mg/mL, as on the bag")
        self.weight = self._field("weight", "")
        self.weight.setPlaceholderText("kg")
        self.rate = self._field("rate", "")
        self.rate.setPlaceholderText("mg/kg/h")
        self.bolus = self._field("bolus", "")
        self.bolus.setPlaceholderText("mg")
        self._recorded_rate: float | None = None  # the rate the events say runs; the field follows its changes
        self.pump = QLabel("")
        self.pump.setObjectName("pump_rate")
        form = QFormLayout()
        form.addRow("Drug", self.drug)
        form.addRow("Concentration (mg/mL)", self.concentration)
        form.addRow("Patient weight (kg)", self.weight)
        form.addRow("Dose rate (mg/kg/h)", self._with(self.rate, self.pump))
        self.buttons: dict[InfusionAction, QPushButton] = {}
        grid = QGridLayout()
        labels = {
            InfusionAction.START: "Start",
            InfusionAction.PAUSE: "Pause",
            InfusionAction.RESUME: "Resume",
            InfusionAction.RATE: "Change rate",
            InfusionAction.STOP: "Stop",
        }
        for i, (action, label) in enumerate(labels.items()):
            grid.addWidget(self._button(action, label), 0, i)
        bolus_row = QHBoxLayout()
        bolus_row.addWidget(QLabel("Bolus"))
        bolus_row.addWidget(self.bolus)
        bolus_row.addWidget(self._button(InfusionAction.BOLUS, "Give bolus"))
        self.state = QLabel("")  # its colour by the state: stylesheet role "infusion-state"
        self.state.setObjectName("infusion_state")
        self.status = plain(QLabel(""))  # drug, concentration, rate and pump rate
        self.status.setObjectName("infusion_status")
        self.totals = plain(QLabel(""))  # elapsed time and dose
        self.totals.setObjectName("infusion_totals")
        set_role(self.state, "infusion-state")
        for label in (self.status, self.totals):
            set_role(label, "readout")
        self.summary = QWidget()
        self.summary.setObjectName("infusion_summary")
        summary = QVBoxLayout(self.summary)
        summary.setContentsMargins(0, 0, 0, 0)
        summary.setSpacing(0)
        first = QHBoxLayout()
        first.setSpacing(12)  # the outer layout's 0 would be inherited: "RUNNINGKetamine"
        first.addWidget(self.state, 0)
        first.addWidget(self.status, 1)
        summary.addLayout(first)
        summary.addWidget(self.totals)
        for label in (self.status, self.totals):  # a line of room, filled or not: nothing below moves
            label.setWordWrap(False)
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            label.ensurePolished()
            label.setFixedHeight(label.fontMetrics().lineSpacing() + 2)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(grid)
        layout.addLayout(bolus_row)
        # The dose ceilings and their standing, and the session's cumulative dose against [ASRA-2018]'s "at least
        # 80 mg over more than 2 h": information for the nurse, never a rule (nothing is refused or alarmed on it).
        self.reference = plain(QLabel(""))
        self.reference.setObjectName("infusion_reference")
        self.reference.setWordWrap(True)
        set_role(self.reference, "detail")
        layout.addWidget(self.reference)
        for field in (self.concentration, self.weight, self.rate):
            field.textChanged.connect(self._update_pump)
        self.refresh()

    def offer_weight(self, kg: float) -> None:
        """The assigned patient's recorded weight, while the field is open and the nurse has typed none."""
        if not self.weight.isReadOnly() and not self.weight.text():
            self.weight.setText(f"{kg:g}")

    def _field(self, name: str, text: str) -> QLineEdit:
        field = QLineEdit(text)
        field.setObjectName(f"infusion_{name}")
        return field

    @staticmethod
    def _with(*widgets: QWidget) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        for w in widgets:
            row.addWidget(w)
        return box

    def _button(self, action: InfusionAction, label: str) -> QPushButton:
        button = QPushButton(label)
        button.setObjectName(f"infusion_{action.value}")
        button.setMinimumHeight(36)
        button.clicked.connect(lambda _=False, a=action: self.submit(a))
        self.buttons[action] = button
        return button

    def submit(self, action: InfusionAction) -> bool:
        payload: dict[str, object] = {"action": action.value}
        if action is InfusionAction.START:
            payload |= {
                "drug": self.drug.text(),
                "concentration_mg_ml": self.concentration.text(),
                "weight_kg": self.weight.text(),
                "rate_mg_kg_h": self.rate.text(),
            }
        elif action is InfusionAction.RATE:
            payload["rate_mg_kg_h"] = self.rate.text()
        elif action is InfusionAction.BOLUS:
            payload["dose_mg"] = self.bolus.text()
        if not self._cosign(payload):
            return False  # nothing recorded; the form keeps what was typed
        ok = self.recorder.record(EntryKind.INFUSION, payload, self._question if action in _QUESTIONS else None)
        if ok and action is InfusionAction.BOLUS:
            self.bolus.clear()
        return ok

    def _cosign(self, payload: dict[str, object]) -> bool:
        """A dose above the clinic's ceiling (only where the clinic allows it; never past the absolute limits, which
        validation refuses whoever signs) gets its co-signer's initials; False when the co-signature is cancelled."""
        if self._cosigner is None or self.service.needs_cosign(EntryKind.INFUSION, payload) is None:
            return True
        cosigned_by = self._cosigner(Safeguard.DOSE_ABOVE_CEILING)
        if cosigned_by is None:
            self.recorder.sigMessage.emit("Not recorded: the co-signature was cancelled", True)
            return False
        if cosigned_by:
            payload[COSIGNED_BY] = cosigned_by
        return True

    def _question(self, entry: Entry) -> str:
        """What Stop, Change rate and Give bolus will record, to confirm (e.g. "Bolus 25 mg (0.35 mg/kg) at
        14:02?"), with the co-signer when there is one."""
        cosigned = entry.payload.get(COSIGNED_BY)
        return self._what(entry) + (f" Co-signed by {cosigned} (above the clinic's ceiling)." if cosigned else "")

    def _what(self, entry: Entry) -> str:
        s = self.service.infusion(entry.t)
        at = hm_text(entry.t)
        action = InfusionAction(entry.payload["action"])
        assert s.settings is not None  # these actions are possible only after the start
        if action is InfusionAction.BOLUS:
            mg = entry.payload["dose_mg"]
            return f"Bolus {mg:g} mg ({mg / s.settings.weight_kg:.2f} mg/kg) at {at}?"
        if action is InfusionAction.RATE:
            old, new = s.rate_mg_kg_h, entry.payload["rate_mg_kg_h"]
            change = f" ({100 * (new - old) / old:+.0f} %)" if old else ""
            pump = f"{s.settings.pump_rate_ml_h(old):.1f} → {s.settings.pump_rate_ml_h(new):.1f} mL/h"
            remark = rate_remark(new)
            return f"Change rate {old:g} → {new:g} mg/kg/h{change} at {at}? Pump {pump}." + (
                f" ({remark.capitalize()}.)" if remark else ""
            )
        return (
            f"Stop the infusion at {at}? Infused {hms(s.infused_s)}, total {s.total_mg:.1f} mg "
            f"({s.total_mg_kg:.2f} mg/kg)."
        )

    def _settings(self, status: InfusionStatus) -> InfusionSettings | None:
        if status.settings is not None:
            return status.settings
        try:
            conc = parse_number(self.concentration.text(), "Concentration", "mg/mL")
            weight = parse_number(self.weight.text(), "Weight", "kg")
        except EntryError:
            return None
        return InfusionSettings(self.drug.text(), conc, weight) if conc > 0 and weight > 0 else None

    def _update_pump(self) -> None:
        settings = self._settings(self.service.infusion())
        try:
            rate = parse_number(self.rate.text(), "Dose rate", "mg/kg/h")
        except EntryError:
            rate = None
        if settings is None or rate is None or rate <= 0:
            self.pump.setText("= — mL/h")
        else:
            self.pump.setText(f"= {settings.pump_rate_ml_h(rate):.1f} mL/h")

    def _follow_recorded_rate(self, s: InfusionStatus) -> None:
        """When the recorded rate changes (a resumed session, an amended start or rate), the field shows it, so
        the pump rate beside it is the one running; a rate typed but not yet submitted is left alone."""
        if s.state not in (InfusionState.RUNNING, InfusionState.PAUSED) or s.rate_mg_kg_h == self._recorded_rate:
            return
        self._recorded_rate = s.rate_mg_kg_h
        self.rate.setText(f"{s.rate_mg_kg_h:g}")

    def refresh(self) -> None:
        """Status line and buttons from the recorded events (called every second and after each entry)."""
        now = self.service.clock()
        s = self.service.infusion(now)
        for action, button in self.buttons.items():
            enabled = s.state in _ENABLED_IN[action]
            if not enabled and button.window().focusWidget() is button:
                button.clearFocus()  # else Qt hands focus on to the next field: Start would leave it in Bolus
            button.setEnabled(enabled)
        started = s.state is not InfusionState.NOT_STARTED
        for field in (self.drug, self.concentration, self.weight):
            field.setReadOnly(started)  # correct a wrong start by amending its entry
        if s.settings is not None and started:
            self.drug.setText(s.settings.drug)
            self.concentration.setText(f"{s.settings.concentration_mg_ml:g}")
            self.weight.setText(f"{s.settings.weight_kg:g}")
        self._follow_recorded_rate(s)
        self._show_summary(s, now)
        self._show_reference(s, now)
        self._update_pump()

    def ceilings_text(self) -> str:
        """The clinic's dose ceilings and their standing: [ASRA-2018]'s numbers, or clinic.json's beside them."""
        limits = self.service.limits
        text = f"Ceilings: bolus {limits.max_bolus_mg_kg:g} mg/kg, rate {limits.max_rate_mg_kg_h:g} mg/kg/h"
        asra = f"{ASRA_BOLUS_MAX_MG_KG:g} mg/kg bolus, {ASRA_RATE_MIN_MG_KG_H:g}–{ASRA_RATE_MAX_MG_KG_H:g} mg/kg/h"
        if (limits.max_bolus_mg_kg, limits.max_rate_mg_kg_h) == (ASRA_BOLUS_MAX_MG_KG, ASRA_RATE_MAX_MG_KG_H):
            return f"{text} (ASRA-2018: {asra})"
        return f"{text} (this clinic's protocol; ASRA-2018: {asra})"

    def _show_reference(self, s: InfusionStatus, now: float) -> None:
        lines = [self.ceilings_text()]
        if s.state is not InfusionState.NOT_STARTED:
            remark = rate_remark(s.rate_mg_kg_h)
            if remark:
                lines.append(f"Rate {s.rate_mg_kg_h:g} mg/kg/h: {remark}")
            lines.append(s.cumulative(now).text())
        text = "\n".join(lines)
        if self.reference.text() != text:
            self.reference.setText(text)

    def _show_summary(self, s: InfusionStatus, now: float) -> None:
        """State, rate, elapsed time and dose, each set only on a change (every second, for hours)."""
        state = s.state.value.upper()
        if self.state.text() != state:
            self.state.setText(state)
        set_role(self.state, state=s.state.value)
        text = ""
        if s.settings is not None:
            pump = s.settings.pump_rate_ml_h(s.rate_mg_kg_h)
            running = " (pump stopped)" if s.state is not InfusionState.RUNNING else ""
            text = (
                f"{s.settings.drug} {s.settings.concentration_mg_ml:g} mg/mL · "
                f"{s.rate_mg_kg_h:g} mg/kg/h = {pump:.1f} mL/h{running}"
            )
        totals = ""
        if s.state is not InfusionState.NOT_STARTED:
            # The dose first: on a narrow screen the line's end is what is cut.
            elapsed, infused = hms(s.elapsed_s(now)), hms(s.infused_s)
            totals = (
                f"Total {s.total_mg:.1f} mg ({s.total_mg_kg:.2f} mg/kg)"
                + (f" incl. {count(s.boluses, 'bolus')} {s.bolus_mg:g} mg" if s.boluses else "")
                + f" · elapsed {elapsed}"
                + (f" · infusing {infused}" if infused != elapsed else "")
            )
        for label, value in ((self.status, text), (self.totals, totals)):
            if label.text() != value:
                label.setText(value)
