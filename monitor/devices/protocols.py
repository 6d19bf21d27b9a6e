"""Which protocols the program speaks: one place that maps a protocol name to its decoder and line settings."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import serial

from monitor.devices import datex_s5, masimo_ascii
from monitor.devices.events import Decoder, LineSettings, ProtocolInfo

_FACTORIES: dict[str, tuple[ProtocolInfo, Callable[[], Decoder]]] = {
    datex_s5.INFO.name: (datex_s5.INFO, datex_s5.DatexS5Decoder),
    masimo_ascii.INFO.name: (masimo_ascii.INFO, masimo_ascii.MasimoAsciiDecoder),
}

PROTOCOL_NAMES: tuple[str, ...] = tuple(_FACTORIES)


def _entry(name: str) -> tuple[ProtocolInfo, Callable[[], Decoder]]:
    try:
        return _FACTORIES[name]
    except KeyError:
        raise ValueError(f"unknown protocol {name!r}; choose one of: {', '.join(PROTOCOL_NAMES)}") from None


def protocol_info(name: str) -> ProtocolInfo:
    return _entry(name)[0]


def make_decoder(name: str) -> Decoder:
    return _entry(name)[1]()


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
