"""A serially framed protocol's driver over datagrams: the LAN variant of a protocol whose LAN messages are its
serial messages without the serial framing (IntelliVue: UDP port 24105, the MIB/RS-232 messages without 0xC0 … 0xC1,
escaping and FCS; shared/protocols README §3).

The conversation (association, polls, keep-alive, release, re-association) is the serial driver's, unchanged:
`UnframedDriver` frames each datagram that arrives as the serial driver expects it, and takes the framing off each
message the serial driver sends, one datagram per message. The transport is the serial link on a `udp://HOST:PORT`
port (monitor.devices.url_handlers.protocol_udp), so the LAN variant is one more driver, not one more link.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from monitor.devices.driver import KeepAlive, ProtocolDriver, Received
from monitor.devices.events import Decoder, DecoderStats, DeviceEvent


class Unframer(Protocol):
    """What takes a serial framing off (monitor.devices.intellivue.frame.FrameReader): the messages `data` completes."""

    def feed(self, data: bytes) -> list[bytes]: ...


class UnframedDecoder:
    """`inner` (a serial decoder) fed datagrams: each one whole message (a LAN capture's records, one per datagram)."""

    def __init__(self, inner: Decoder, frame: Callable[[bytes], bytes], protocol: str) -> None:
        self.inner = inner
        self.protocol = protocol  # the LAN variant's name
        self._frame = frame

    @property
    def stats(self) -> DecoderStats:
        return self.inner.stats

    def feed(self, data: bytes, host_time: float) -> list[DeviceEvent]:
        return self.inner.feed(self._frame(data), host_time)


class UnframedDriver:
    """`inner` (a serial driver) spoken in datagrams: one message per datagram, each way."""

    def __init__(
        self, inner: ProtocolDriver, frame: Callable[[bytes], bytes], unframer: Unframer, protocol: str
    ) -> None:
        """`frame(message)` builds the serial frame of one message; `unframer` takes the frames the inner driver
        sends apart again; `protocol`: the LAN variant's name."""
        self.inner = inner
        self.protocol = protocol
        self._frame = frame
        self._unframer = unframer
        self.keep_alive = self._datagram_keep_alive(inner.keep_alive)

    @property
    def stats(self) -> DecoderStats:
        return self.inner.stats

    def _messages(self, sent: list[bytes] | tuple[bytes, ...]) -> list[bytes]:
        """The messages inside what the inner driver sends: each becomes one datagram."""
        return [message for data in sent for message in self._unframer.feed(data)]

    def _datagram_keep_alive(self, keep_alive: KeepAlive | None) -> KeepAlive | None:
        if keep_alive is None:
            return None
        messages = self._messages([keep_alive.data])
        if len(messages) != 1:  # the link sends a keep-alive in one write, so one datagram: it must be one message
            raise ValueError(f"a keep-alive over datagrams must be one message, not {len(messages)}")
        return KeepAlive(keep_alive.period_s, messages[0])

    def on_connect(self) -> list[bytes]:
        return self._messages(self.inner.on_connect())

    def receive(self, data: bytes, host_time: float) -> Received:
        """`data` is one datagram: one whole message."""
        received = self.inner.receive(self._frame(data), host_time)
        return Received(received.events, tuple(self._messages(received.replies)))

    def tick(self, now: float) -> list[bytes]:
        return self._messages(self.inner.tick(now))

    def on_close(self) -> list[bytes]:
        return self._messages(self.inner.on_close())
