"""Which protocols the program speaks: one place that maps a protocol name to its decoder, its driver and its line
settings. A new protocol adds its module (decoder + INFO) and, if it must speak, a driver, and one row here."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import serial

from monitor.devices import datex_s5, masimo_ascii
from monitor.devices.datex_s5_driver import DatexS5Driver
from monitor.devices.driver import DecodingDriver, ProtocolDriver
from monitor.devices.events import Decoder, LineSettings, ProtocolInfo
from monitor.devices.intellivue import decoder as intellivue
from monitor.devices.intellivue_driver import IntellivueDriver


@dataclasses.dataclass(frozen=True, slots=True)
class _Protocol:
    info: ProtocolInfo
    decoder: Callable[[], Decoder]  # decoding alone: replays and tools that only read
    driver: Callable[[], ProtocolDriver]  # decoding and talking: a live link


_PROTOCOLS: dict[str, _Protocol] = {
    datex_s5.INFO.name: _Protocol(datex_s5.INFO, datex_s5.DatexS5Decoder, DatexS5Driver),
    masimo_ascii.INFO.name: _Protocol(
        masimo_ascii.INFO,
        masimo_ascii.MasimoAsciiDecoder,
        lambda: DecodingDriver(masimo_ascii.MasimoAsciiDecoder()),  # talks unprompted: nothing to say
    ),
    intellivue.INFO.name: _Protocol(intellivue.INFO, intellivue.IntellivueDecoder, IntellivueDriver),
}

PROTOCOL_NAMES: tuple[str, ...] = tuple(_PROTOCOLS)


def _entry(name: str) -> _Protocol:
    try:
        return _PROTOCOLS[name]
    except KeyError:
        raise ValueError(f"unknown protocol {name!r}; choose one of: {', '.join(PROTOCOL_NAMES)}") from None


def protocol_info(name: str) -> ProtocolInfo:
    return _entry(name).info


def make_decoder(name: str) -> Decoder:
    return _entry(name).decoder()


def make_driver(name: str) -> ProtocolDriver:
    return _entry(name).driver()


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
