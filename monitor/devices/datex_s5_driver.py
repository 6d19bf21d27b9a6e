"""The DRI driver: asks the S/5 for displayed values each time the port opens and stops them before it closes.

A restarted or reconnected S/5 forgets the request, so it is sent on every open (spec §2.5; framing and requests
in monitor.devices.datex_s5)."""

from __future__ import annotations

from monitor.devices.datex_s5 import MIN_INTERVAL_S, DatexS5Decoder, displayed_values_request, stop_request
from monitor.devices.driver import DecodingDriver


class DatexS5Driver(DecodingDriver):
    def __init__(self, interval: int = MIN_INTERVAL_S, class_bf: int = 0) -> None:
        self.request = displayed_values_request(interval, class_bf)  # validates the interval with a clear message
        super().__init__(DatexS5Decoder())

    def on_connect(self) -> list[bytes]:
        return [self.request]

    def on_close(self) -> list[bytes]:
        return [stop_request()]
