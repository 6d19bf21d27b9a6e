"""The simulated bedside monitor: a patient model, scenarios from resources/, real protocol bytes on a pty."""

from monitor.devices.simulator.physiology import PatientModel, VitalsState
from monitor.devices.simulator.scenario import Scenario, list_scenarios, load_scenario
from monitor.devices.simulator.server import SimulatedMonitor

__all__ = ["PatientModel", "Scenario", "SimulatedMonitor", "VitalsState", "list_scenarios", "load_scenario"]
