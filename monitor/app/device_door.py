"""What the ui may use of monitor.devices, through app (the door): the values it shows and the ports it offers.

The ui never imports monitor.devices itself (an import-linter contract checks it); it takes these names from here,
so a change in the devices layer has one place to answer for in the ui's view of it.
"""

from monitor.devices.events import DeviceCondition, DeviceStatus, OtherValue, Sample, Wave, WaveBlock
from monitor.devices.link import LinkEvent, LinkState, list_ports, port_problem
from monitor.devices.port_policy import PortPolicy, PortRefused, check_port
from monitor.devices.protocols import PROTOCOL_NAMES, line_settings

__all__ = [
    "PROTOCOL_NAMES",
    "DeviceCondition",
    "DeviceStatus",
    "LinkEvent",
    "LinkState",
    "OtherValue",
    "PortPolicy",
    "PortRefused",
    "Sample",
    "Wave",
    "WaveBlock",
    "check_port",
    "line_settings",
    "list_ports",
    "port_problem",
]
