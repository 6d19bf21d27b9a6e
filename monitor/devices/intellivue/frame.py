"""MIB/RS-232 framing (shared/protocols/README.md §3.2).

0xC0 | escape( hdr(4) + user_data(n) + FCS(2) ) | 0xC1
hdr = 0x11 (Data Export), 0x01 (AS/DE message), n as uint16 big-endian
FCS = PPP FCS-16 (reflected CRC-CCITT, poly 0x8408, init 0xFFFF, one's complement) over the UNescaped
      hdr + user_data, sent low byte first
escape: 0xC0, 0xC1, 0x7D -> 0x7D, byte ^ 0x20 -- over header, data and FCS alike
0x7D 0xC1 aborts the frame being sent.
"""

from __future__ import annotations

import binascii
import struct
from dataclasses import dataclass

BOF = 0xC0
EOF_ = 0xC1
ESC = 0x7D
PROTOCOL_ID = 0x11
MSG_TYPE = 0x01
HEADER = struct.Struct(">BBH")
# The monitor's MTU is about 1000 bytes (negotiated in the association; the real capture's largest frame carries
# 886): a frame announcing more than 8 KiB is not one. Past this many escaped bytes without an end flag, neither.
MAX_USER_DATA = 8192
MAX_FRAME_BYTES = 2 * (HEADER.size + MAX_USER_DATA + 2) + 2


# The PPP FCS is the reflected CRC-CCITT. binascii.crc_hqx computes the plain (MSB-first) one in C: the reflected
# CRC of some bytes is the plain CRC of the same bytes bit-reversed, bit-reversed back (init 0xFFFF reads the same
# both ways). 40 times faster than a table loop in Python.
_REVERSED = bytes(int(f"{b:08b}"[::-1], 2) for b in range(256))


def _reverse16(x: int) -> int:
    return (_REVERSED[x & 0xFF] << 8) | _REVERSED[x >> 8]


def fcs16(data: bytes) -> int:
    """The PPP frame check sequence (already one's-complemented) of `data`."""
    return _reverse16(binascii.crc_hqx(data.translate(_REVERSED), 0xFFFF)) ^ 0xFFFF


def escape(data: bytes) -> bytes:
    return data.replace(b"\x7d", b"\x7d\x5d").replace(b"\xc0", b"\x7d\xe0").replace(b"\xc1", b"\x7d\xe1")


def unescape(data: bytes) -> bytes:
    if ESC not in data:
        return data
    parts = data.split(b"\x7d")
    out = bytearray(parts[0])
    for part in parts[1:]:
        if part:  # "7D 7D" or a trailing 7D is not a valid escape; the FCS will reject the frame
            out.append(part[0] ^ 0x20)
            out += part[1:]
    return bytes(out)


def encode_frame(user_data: bytes) -> bytes:
    """One complete frame carrying `user_data`, ready for the wire."""
    if len(user_data) > MAX_USER_DATA:
        raise ValueError(f"user data of {len(user_data)} bytes does not fit a frame")
    body = HEADER.pack(PROTOCOL_ID, MSG_TYPE, len(user_data)) + user_data
    return bytes((BOF,)) + escape(body + struct.pack("<H", fcs16(body))) + bytes((EOF_,))


@dataclass(slots=True)
class FrameStats:
    good: int = 0
    bad_fcs: int = 0
    bad_header: int = 0  # FCS right but not a Data Export header, or the length field disagrees
    aborted: int = 0  # 0x7D 0xC1, or a new 0xC0 before the end flag
    oversize: int = 0
    garbage: int = 0  # bytes outside any frame
    resyncs: int = 0  # times garbage was skipped to reach a frame start

    @property
    def bad(self) -> int:
        return self.bad_fcs + self.bad_header + self.aborted + self.oversize


class FrameReader:
    """Splits a byte stream into the user data of good frames; bad frames are counted and skipped."""

    def __init__(self) -> None:
        self.stats = FrameStats()
        self._buf = bytearray()
        self._in_frame = False  # _buf starts with the BOF of the frame being read

    def feed(self, data: bytes) -> list[bytes]:
        self._buf += data
        out: list[bytes] = []
        buf = self._buf
        pos = 0
        while True:
            if not self._in_frame:
                start = buf.find(BOF, pos)
                if start < 0:
                    self._skip(len(buf) - pos)
                    pos = len(buf)
                    break
                self._skip(start - pos)
                pos = start
                self._in_frame = True
            end = buf.find(EOF_, pos + 1)
            restart = buf.find(BOF, pos + 1, end if end >= 0 else len(buf))
            if restart >= 0:  # a frame start inside a frame: the one before was cut off
                self.stats.aborted += 1
                pos = restart
                continue
            if end < 0:
                if len(buf) - pos > MAX_FRAME_BYTES:
                    self.stats.oversize += 1
                    self._in_frame = False
                    pos = len(buf)
                break
            frame = self._check(bytes(buf[pos + 1 : end]))
            if frame is not None:
                out.append(frame)
            self._in_frame = False
            pos = end + 1
        del buf[:pos]
        return out

    def _skip(self, n: int) -> None:
        if n:
            self.stats.garbage += n
            self.stats.resyncs += 1

    def _check(self, body: bytes) -> bytes | None:
        if body.endswith(b"\x7d"):
            self.stats.aborted += 1
            return None
        if len(body) > MAX_FRAME_BYTES:
            self.stats.oversize += 1
            return None
        raw = unescape(body)
        if len(raw) < HEADER.size + 2 or fcs16(raw[:-2]) != int.from_bytes(raw[-2:], "little"):
            self.stats.bad_fcs += 1
            return None
        proto, kind, length = HEADER.unpack_from(raw)
        if proto != PROTOCOL_ID or kind != MSG_TYPE or length != len(raw) - HEADER.size - 2:
            self.stats.bad_header += 1
            return None
        self.stats.good += 1
        return raw[HEADER.size : -2]
