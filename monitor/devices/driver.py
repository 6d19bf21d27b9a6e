"""Protocol drivers: what the program says to a monitor, beside what it decodes from it.

A driver wraps a protocol's decoder and adds the talking: bytes to send each time the port opens, replies to what
arrives, a keep-alive tick, bytes a conversation driven by time asks for (`tick`: polls, retries after a timeout),
bytes to send before the port is closed on purpose. SerialLink runs a driver on its
worker thread and writes what the driver asks there (monitor.devices.link). A device that talks unprompted (Masimo
ASCII) has a DecodingDriver, which says nothing; DRI asks for displayed values and stops them
(monitor.devices.datex_s5_driver).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from monitor.devices.events import Decoder, DecoderStats, DeviceEvent


@dataclass(frozen=True, slots=True)
class KeepAlive:
    """Bytes the link sends every `period_s` seconds while the port is open (the first one a period after opening)."""

    period_s: float
    data: bytes

    def __post_init__(self) -> None:
        if self.period_s <= 0:
            raise ValueError(f"a keep-alive period must be above 0 s, got {self.period_s}")


@dataclass(frozen=True, slots=True)
class Received:
    """What a driver made of the bytes that arrived: decoded events, and bytes to send back at once."""

    events: list[DeviceEvent]
    replies: tuple[bytes, ...] = ()


class ProtocolDriver(Protocol):
    """A protocol's side of the conversation. Runs on the link's worker thread; never raises on bad bytes."""

    protocol: str
    stats: DecoderStats
    keep_alive: KeepAlive | None

    def on_connect(self) -> list[bytes]:
        """Bytes to send each time the port (re)opens."""
        ...

    def receive(self, data: bytes, host_time: float) -> Received:
        """Decode what `data` completes and say what to answer."""
        ...

    def tick(self, now: float) -> list[bytes]:
        """Bytes due by `now` (monotonic s); asked several times a second while the port is open."""
        ...

    def on_close(self) -> list[bytes]:
        """Bytes to send before the port is closed on purpose."""
        ...


class DecodingDriver:
    """The driver of a device that talks unprompted: it decodes, and says nothing."""

    keep_alive: KeepAlive | None = None

    def __init__(self, decoder: Decoder) -> None:
        self.decoder = decoder
        self.protocol = decoder.protocol

    @property
    def stats(self) -> DecoderStats:
        return self.decoder.stats

    def on_connect(self) -> list[bytes]:
        return []

    def receive(self, data: bytes, host_time: float) -> Received:
        return Received(self.decoder.feed(data, host_time))

    def tick(self, now: float) -> list[bytes]:
        return []

    def on_close(self) -> list[bytes]:
        return []
