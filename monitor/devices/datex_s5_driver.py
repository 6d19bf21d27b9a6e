"""The DRI driver: asks the S/5 for displayed values and the waveforms (ECG lead II, pleth, CO2) each time the port
opens, and stops both before it closes.

A restarted or reconnected S/5 forgets the requests, so they are sent on every open (spec §2.5, §2.11; framing and
requests in monitor.devices.datex_s5). The waveforms also stop by themselves when RTS/CTS holds the monitor off for
more than 2 s (§2.1): the next open asks again."""

from __future__ import annotations

from monitor.devices.datex_s5 import (
    MIN_INTERVAL_S,
    DatexS5Decoder,
    displayed_values_request,
    stop_request,
    wave_request,
    wave_stop_request,
)
from monitor.devices.driver import DecodingDriver

__all__ = ["DatexS5Driver", "wave_request", "wave_stop_request"]


class DatexS5Driver(DecodingDriver):
    def __init__(self, interval: int = MIN_INTERVAL_S, class_bf: int = 0, waves: bool = True) -> None:
        self.request = displayed_values_request(interval, class_bf)  # validates the interval with a clear message
        self.wave_request = wave_request() if waves else None
        super().__init__(DatexS5Decoder())

    def on_connect(self) -> list[bytes]:
        # Displayed values first: their ambient pressure converts the CO2 wave to mmHg.
        return [self.request] + ([self.wave_request] if self.wave_request else [])

    def on_close(self) -> list[bytes]:
        return ([wave_stop_request()] if self.wave_request else []) + [stop_request()]
