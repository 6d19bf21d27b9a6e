"""Faults on the serial line, injected through a real pseudo-terminal into SerialLink and the decoders: a frame
split at every possible read boundary, a burst of hundreds of frames at once, and the garbage a UART makes of a
monitor sending at the wrong baud rate. Whatever arrives, every whole valid frame decodes, in order, and nothing
is invented from the broken bytes, not even from a frame torn by a pulled cable. (Pulled cables and silence as link
states, gaps and alarms: test_link.py, test_pipeline.py, test_alarm_scenarios.py, test_workspace.py.)"""

from __future__ import annotations

import random
import threading

from fake_port import Events, FakePort

from monitor.devices import datex_s5 as dri
from monitor.devices import masimo_ascii
from monitor.devices.events import Sample
from monitor.devices.link import LinkState

VITALS = {"HR": 72.0, "SPO2": 97.0, "NIBP_SYS": 128.0, "NIBP_DIA": 78.0, "RR": 14.0}


class Decoding:
    """Feeds what the link delivers to a decoder on the link thread, and remembers each chunk's size."""

    def __init__(self, decoder, events: Events) -> None:
        self.decoder, self.events = decoder, events
        self.samples: list[Sample] = []
        self.chunks: list[int] = []

    def on_data(self, data: bytes, t: float) -> None:
        self.samples += [e for e in self.decoder.feed(data, t) if isinstance(e, Sample)]
        self.chunks.append(len(data))
        self.events.on_data(data, t)

    def values(self, param: str) -> list[float]:
        return [s.value for s in self.samples if s.param == param]


def _open(port: FakePort, make_link, decoder) -> Decoding:
    events = Events()
    decoding = Decoding(decoder, events)
    make_link(str(port.link), events, on_data=decoding.on_data)
    assert events.wait(lambda: LinkState.CONNECTING in events.names())
    return decoding


def _send_split(port: FakePort, decoding: Decoding, data: bytes, cut: int) -> None:
    """Send `data` so that the link's read ends exactly at `cut`: the rest is written only once the first part has
    been delivered."""
    before = len(decoding.events.data)
    port.send(data[:cut])
    assert decoding.events.wait(lambda: len(decoding.events.data) == before + cut)
    port.send(data[cut:])
    assert decoding.events.wait(lambda: len(decoding.events.data) == before + len(data))


def test_a_dri_frame_split_at_every_read_boundary_decodes(port: FakePort, make_link) -> None:
    decoding = _open(port, make_link, dri.DatexS5Decoder())
    frames = [dri.frame(dri.encode_displayed_record({**VITALS, "HR": 60.0 + i}, time=1000 + i)) for i in range(2)]
    size = len(frames[0])
    for cut in range(1, size):
        _send_split(port, decoding, frames[cut % 2], cut)
    assert decoding.values("HR") == [60.0 + cut % 2 for cut in range(1, size)]
    assert decoding.decoder.stats.bad_frames == 0 and decoding.decoder.stats.resyncs == 0
    assert max(decoding.chunks) <= size - 1, "no read saw a whole frame: every boundary was exercised"


def test_a_masimo_line_split_at_every_read_boundary_decodes(port: FakePort, make_link) -> None:
    decoding = _open(port, make_link, masimo_ascii.MasimoAsciiDecoder())
    line = masimo_ascii.format_line(time=1_700_000_000, spo2=96, pr=71, pi=2.4, pvi=12)
    for cut in range(1, len(line)):
        _send_split(port, decoding, line, cut)
    assert decoding.values("SPO2") == [96.0] * (len(line) - 1)
    assert decoding.decoder.stats.bad_frames == 0


def test_a_burst_of_frames_in_one_write_all_decode_in_order(port: FakePort, make_link) -> None:
    decoding = _open(port, make_link, dri.DatexS5Decoder())
    n = 400  # about 110 kB, far more than the pty's buffer: the writer blocks while the link drains it
    burst = b"".join(
        dri.frame(dri.encode_displayed_record({**VITALS, "HR": float(40 + i % 150)}, time=1000 + i)) for i in range(n)
    )
    writer = threading.Thread(target=port.send_all, args=(burst,))
    writer.start()
    assert decoding.events.wait(lambda: len(decoding.events.data) == len(burst), timeout=10)
    writer.join(5)
    assert decoding.values("HR") == [float(40 + i % 150) for i in range(n)]
    assert [s.time for s in decoding.samples if s.param == "HR"] == sorted(
        s.time for s in decoding.samples if s.param == "HR"
    )
    assert decoding.decoder.stats.frames_ok == n and decoding.decoder.stats.bad_frames == 0


def test_a_cable_pulled_mid_frame_loses_only_that_frame(port: FakePort, make_link) -> None:
    """Half a DRI frame, the cable pulled, the port back and a whole frame: the decoder drops the torn frame (a
    counted bad frame or resync), decodes the next one, and invents nothing from the pieces."""
    decoding = _open(port, make_link, dri.DatexS5Decoder())
    events = decoding.events
    torn = dri.frame(dri.encode_displayed_record({"HR": 150.0}, time=100))
    port.send(torn[: len(torn) // 2])
    assert events.wait(lambda: len(events.data) == len(torn) // 2)
    port.pull()
    assert events.wait(lambda: LinkState.DISCONNECTED in events.names())
    port.plug()
    assert events.wait(lambda: events.names().count(LinkState.CONNECTING) == 2, timeout=3)
    port.send(dri.frame(dri.encode_displayed_record({"HR": 72.0}, time=110)))
    assert events.wait(lambda: decoding.values("HR"))
    assert decoding.values("HR") == [72.0]
    assert decoding.decoder.stats.bad_frames + decoding.decoder.stats.resyncs >= 1


def misclock(data: bytes, sent_baud: int, read_baud: int, parity: bool = True, seed: int = 0) -> bytes:
    """What a UART set to `read_baud` makes of `data` sent at `sent_baud` (8E1, or 8N1 without `parity`): the
    sender's bits are sampled
    at the receiver's bit times from each falling edge it sees; framing and parity errors pass through as bytes,
    as Linux delivers them by default."""
    oversample = 16  # samples per sent bit
    bits: list[int] = [1] * 3
    rng = random.Random(seed)
    for byte in data:
        data_bits = [(byte >> k) & 1 for k in range(8)]
        parity_bit = [sum(data_bits) % 2] if parity else []  # even parity
        bits += [0, *data_bits, *parity_bit, 1] + [1] * rng.randint(0, 2)  # start, data, parity, stop, idle
    line = [b for b in bits for _ in range(oversample)]
    step = oversample * sent_baud / read_baud  # samples per received bit
    out = bytearray()
    i = 1
    while i < len(line):
        if line[i - 1] == 1 and line[i] == 0:  # a start bit's edge, as the receiver sees it
            centres = [int(i + (k + 1.5) * step) for k in range(8)]
            if centres[-1] >= len(line):
                break
            out.append(sum(line[c] << k for k, c in enumerate(centres)))
            i = int(i + (9.5 + parity) * step)  # into the stop bit: look for the next edge
        else:
            i += 1
    return bytes(out)


def test_wrong_baud_garbage_is_skipped_and_the_right_frames_after_it_decode(port: FakePort, make_link) -> None:
    decoding = _open(port, make_link, dri.DatexS5Decoder())
    stream = b"".join(dri.frame(dri.encode_displayed_record(VITALS, time=1000 + i)) for i in range(6))
    garbage = misclock(stream, 9600, 19200) + misclock(stream, 115200, 19200, seed=1)
    assert garbage and garbage != stream
    good = [dri.frame(dri.encode_displayed_record({**VITALS, "HR": 80.0 + i}, time=2000 + i)) for i in range(3)]
    port.send_all(garbage + b"".join(good))
    total = len(garbage) + sum(map(len, good))
    assert decoding.events.wait(lambda: len(decoding.events.data) == total)
    stats = decoding.decoder.stats
    # Misread frames fail their checksum; nothing read at the wrong speed may pass for a value.
    assert decoding.values("HR") == [80.0, 81.0, 82.0]
    assert stats.frames_ok == 3 and stats.bad_frames + stats.resyncs >= 1


def test_wrong_baud_garbage_on_a_masimo_line_invents_no_reading(port: FakePort, make_link) -> None:
    decoding = _open(port, make_link, masimo_ascii.MasimoAsciiDecoder())
    lines = b"".join(
        masimo_ascii.format_line(time=1_700_000_000 + i, spo2=99, pr=120, pi=9.9, pvi=40) for i in range(10)
    )
    # The Rad-8 sends 8N1 at 9600: here as a port left at 19200 or 4800 would read it.
    garbage = misclock(lines, 9600, 19200, parity=False) + misclock(lines, 9600, 4800, parity=False, seed=2)
    good = masimo_ascii.format_line(time=1_700_000_100, spo2=95, pr=66, pi=1.8, pvi=14)
    port.send_all(garbage + b"\r\n" + good)
    assert decoding.events.wait(lambda: len(decoding.events.data) == len(garbage) + 2 + len(good))
    assert decoding.values("SPO2") == [95.0] and decoding.values("PR") == [66.0]
    assert decoding.decoder.stats.bad_frames + decoding.decoder.stats.resyncs >= 1
