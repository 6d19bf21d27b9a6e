"""Which protocols the program speaks: one place that maps a protocol name to its decoder, its driver and its line
settings. A new protocol adds its module (decoder + INFO) and, if it must speak, a driver, and one row here."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TypeVar

import serial

from monitor.devices import datex_s5, masimo_ascii
from monitor.devices.datagram_driver import UnframedDecoder, UnframedDriver
from monitor.devices.datex_s5_driver import DatexS5Driver
from monitor.devices.driver import DecodingDriver, ProtocolDriver
from monitor.devices.events import Decoder, LineSettings, ProtocolInfo
from monitor.devices.intellivue import decoder as intellivue
from monitor.devices.intellivue.frame import FrameReader, encode_frame
from monitor.devices.intellivue_driver import IntellivueDriver

_T = TypeVar("_T")


@dataclasses.dataclass(frozen=True, slots=True)
class _Protocol:
    info: ProtocolInfo
    decoder: Callable[[], Decoder]  # decoding alone: replays and tools that only read
    driver: Callable[[], ProtocolDriver]  # decoding and talking: a live link
    # the driver of the protocol's LAN variant, for a udp:// port (None: it has none); IntelliVue: the same
    # messages without the serial framing (monitor.devices.datagram_driver)
    lan_driver: Callable[[], ProtocolDriver] | None = None
    lan_decoder: Callable[[], Decoder] | None = None  # the LAN variant's decoding alone (a LAN capture's replay)
    # the driver that asks for the values and no waveforms (None: the protocol's driver asks for none anyway)
    values_only_driver: Callable[[], ProtocolDriver] | None = None


_PROTOCOLS: dict[str, _Protocol] = {
    datex_s5.INFO.name: _Protocol(
        datex_s5.INFO,
        datex_s5.DatexS5Decoder,
        DatexS5Driver,
        values_only_driver=lambda: DatexS5Driver(waves=False),
    ),
    masimo_ascii.INFO.name: _Protocol(
        masimo_ascii.INFO,
        masimo_ascii.MasimoAsciiDecoder,
        lambda: DecodingDriver(masimo_ascii.MasimoAsciiDecoder()),  # talks unprompted: nothing to say
    ),
    intellivue.INFO.name: _Protocol(
        intellivue.INFO,
        intellivue.IntellivueDecoder,
        IntellivueDriver,
        lan_driver=lambda: UnframedDriver(
            IntellivueDriver(), encode_frame, FrameReader(), f"{intellivue.INFO.name} (LAN)"
        ),
        lan_decoder=lambda: UnframedDecoder(
            intellivue.IntellivueDecoder(), encode_frame, f"{intellivue.INFO.name} (LAN)"
        ),
    ),
}

PROTOCOL_NAMES: tuple[str, ...] = tuple(_PROTOCOLS)
LAN_SCHEME = "udp"  # a monitor's own LAN port (monitor.devices.url_handlers.protocol_udp)


def _entry(name: str) -> _Protocol:
    try:
        return _PROTOCOLS[name]
    except KeyError:
        raise ValueError(f"unknown protocol {name!r}; choose one of: {', '.join(PROTOCOL_NAMES)}") from None


def protocol_info(name: str) -> ProtocolInfo:
    return _entry(name).info


def make_decoder(name: str, port: str = "") -> Decoder:
    """The protocol's decoder for bytes read from `port`: its LAN variant's for a udp:// port (a capture's source)."""
    entry = _entry(name)
    return _lan_variant(name, port, entry.lan_decoder) or entry.decoder()


def make_driver(name: str, port: str = "", waves: bool = True) -> ProtocolDriver:
    """The protocol's driver for `port`: its LAN variant's for a udp:// port (IntelliVue LAN, 24105), else its serial
    one; `waves` False: one that asks for no waveforms. ValueError for a udp:// port and a protocol without a LAN
    variant."""
    entry = _entry(name)
    lan = _lan_variant(name, port, entry.lan_driver)
    if lan is not None:
        return lan
    if not waves and entry.values_only_driver is not None:
        return entry.values_only_driver()
    return entry.driver()


def _lan_variant(name: str, port: str, make: Callable[[], _T] | None) -> _T | None:
    """`make()` for a udp:// port (ValueError when the protocol has no LAN variant); None for any other port."""
    if not port.strip().lower().startswith(f"{LAN_SCHEME}://"):
        return None
    if make is None:
        raise ValueError(f"{name} has no LAN variant: use its serial port, or a serial device server (socket://)")
    return make()


def line_settings(name: str, baudrate: int | None = None) -> LineSettings:
    """The protocol's line settings, with the baud rate replaced when the device is set to another one."""
    info = protocol_info(name)
    if baudrate is None:
        return info.line
    if info.baudrates and baudrate not in info.baudrates:
        allowed = " or ".join(str(b) for b in info.baudrates)
        raise ValueError(f"{name} runs at {allowed} baud, not {baudrate}")
    if baudrate not in serial.Serial.BAUDRATES:
        raise ValueError(f"{baudrate} is not a standard serial baud rate")
    return dataclasses.replace(info.line, baudrate=baudrate)
