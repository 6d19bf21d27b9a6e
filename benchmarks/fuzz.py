"""Fuzzing every decoder: generated and mutated inputs must never raise, and every valid frame (DRI), line
(Masimo) or poll result (IntelliVue: the real capture's 4-frame linked result, HR varied) embedded anywhere in
noise must be recovered with its values.

Run: .venv/bin/python benchmarks/fuzz.py [--inputs 1000000] [--seed 1] [--only NAME]
DRI is fuzzed twice: with displayed-value records (HR recovered) and with wave records ("dri-waves": a 200 ms packet
of ECG, pleth and CO2; its first ECG sample recovered).
Per decoder and input: one of random bytes, a valid frame/line mutated (bit flips, cut, bytes inserted or
dropped, stray flag and escape bytes), or a valid frame/line between two random noise blocks. A fresh decoder takes
each input in random chunks; the embedded kind is checked for its exact values. Prints counts and time.
"""

from __future__ import annotations

import argparse
import functools
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from monitor.devices import datex_s5 as dri
from monitor.devices.events import Decoder, DeviceEvent, Sample, Wave, WaveBlock
from monitor.devices.intellivue.decoder import IntellivueDecoder
from monitor.devices.intellivue.float_type import encode_float
from monitor.devices.intellivue.frame import FrameReader, encode_frame
from monitor.devices.masimo_ascii import MasimoAsciiDecoder, format_line

T0 = 1_700_000_000


def dri_valid(rng: np.random.Generator, i: int) -> tuple[bytes, float]:
    hr = float(rng.integers(30, 200))
    vitals = {"HR": hr, "SPO2": 97.0, "NIBP_SYS": 120.0, "NIBP_DIA": 80.0, "NIBP_MEAN": 93.0, "RR": 14.0}
    return dri.frame(dri.encode_displayed_record(vitals, time=T0 + i)), hr


def dri_wave_valid(rng: np.random.Generator, i: int) -> tuple[bytes, float]:
    """A 200 ms DRI wave packet (ECG lead II, pleth, CO2); the value to recover is its first ECG sample in mV."""
    ecg = rng.integers(-3000, 3000, 60).tolist()
    subs = [dri.WaveSubrecord(dri.WF_ECG1, ecg, 0, dri.ECG_LEAD_II),
            dri.WaveSubrecord(dri.WF_PLETH, rng.integers(-500, 500, 20).tolist()),
            dri.WaveSubrecord(dri.WF_CO2, rng.integers(0, 600, 5).tolist())]  # fmt: skip
    first = float(np.float32(ecg[0]) * np.float32(0.001))  # as the decoder scales it
    return dri.frame(dri.encode_wave_record(subs, time=T0 + i)), first


def first_ecg_samples(events: list[DeviceEvent], _param: str) -> list[float]:
    return [float(e.values[0]) for e in events if isinstance(e, WaveBlock) and e.wave is Wave.ECG and len(e.values)]


def sample_values(events: list[DeviceEvent], param: str) -> list[float]:
    return [e.value for e in events if isinstance(e, Sample) and e.param == param]


def masimo_valid(rng: np.random.Generator, i: int) -> tuple[bytes, float]:
    spo2 = float(rng.integers(70, 101))
    return format_line(time=T0 + i, spo2=spo2, pr=72, pi=2.5, pvi=12), spo2


@functools.cache
def _intellivue_poll() -> tuple[bytes, bytes]:
    raw = (
        Path(__file__).resolve().parents[1] / "tests" / "vectors" / "intellivue_mib_rx_excerpt_40frames.raw"
    ).read_bytes()
    frames = FrameReader().feed(raw)
    return frames[8][:-4], b"".join(encode_frame(f) for f in frames[9:12])  # HR is frame 8's last 4 bytes


def intellivue_valid(rng: np.random.Generator, i: int) -> tuple[bytes, float]:
    hr = float(rng.integers(30, 200))
    head, rest = _intellivue_poll()
    return encode_frame(head + encode_float(hr, 0).to_bytes(4, "big")) + rest, hr


def mutate(rng: np.random.Generator, data: bytes, specials: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(int(rng.integers(1, 6))):
        op = rng.integers(0, 5)
        pos = int(rng.integers(0, max(1, len(b))))
        if op == 0 and b:
            b[pos % len(b)] ^= 1 << int(rng.integers(0, 8))
        elif op == 1:
            b = b[:pos]
        elif op == 2:
            b[pos:pos] = rng.bytes(int(rng.integers(1, 8)))
        elif op == 3 and b:
            del b[pos % len(b)]
        else:
            b[pos:pos] = bytes([specials[int(rng.integers(0, len(specials)))]])
    return bytes(b)


def feed_chunked(decoder: Decoder, data: bytes, rng: np.random.Generator) -> list[DeviceEvent]:
    events: list[DeviceEvent] = []
    i = 0
    while i < len(data):
        n = int(rng.integers(1, 64))
        events += decoder.feed(data[i : i + n], 0.0)
        i += n
    return events


def run(
    name: str,
    make: Callable[[], Decoder],
    valid: Callable[[np.random.Generator, int], tuple[bytes, float]],
    param: str,
    specials: bytes,
    separator: bytes,
    n: int,
    seed: int,
    values_of: Callable[[list[DeviceEvent], str], list[float]] = sample_values,
) -> None:
    rng = np.random.default_rng(seed)
    counts = {"random": 0, "mutated": 0, "embedded": 0, "recovered": 0, "exceptions": 0}
    start = time.perf_counter()
    for i in range(n):
        kind = i % 3
        decoder = make()
        try:
            if kind == 0:
                feed_chunked(decoder, rng.bytes(int(rng.integers(0, 400))), rng)
                counts["random"] += 1
            elif kind == 1:
                frame, _ = valid(rng, i)
                feed_chunked(decoder, mutate(rng, frame, specials), rng)
                counts["mutated"] += 1
            else:
                frame, value = valid(rng, i)
                before = rng.bytes(int(rng.integers(0, 200))) + separator
                data = before + frame + rng.bytes(int(rng.integers(0, 200))) + separator
                got = values_of(feed_chunked(decoder, data, rng), param)
                counts["embedded"] += 1
                if value in got:
                    counts["recovered"] += 1
                else:
                    raise AssertionError(f"{name}: input {i}: frame with {param}={value} lost in noise")
        except AssertionError:
            raise
        except Exception as exc:  # the whole point: none may escape
            counts["exceptions"] += 1
            print(f"{name}: input {i} raised {type(exc).__name__}: {exc}")
    elapsed = time.perf_counter() - start
    print(
        f"{name}: {n:,} inputs in {elapsed:.0f} s — random {counts['random']:,}, mutated {counts['mutated']:,}, "
        f"embedded {counts['embedded']:,} (recovered {counts['recovered']:,}), exceptions {counts['exceptions']}"
    )
    if counts["exceptions"] or counts["recovered"] != counts["embedded"]:
        raise SystemExit(1)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--inputs", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", choices=("dri", "dri-waves", "masimo", "intellivue"), help="fuzz one decoder")
    args = parser.parse_args()
    if args.only in (None, "dri"):
        # DRI frames delimit themselves (flags); noise is followed by a flag so the frame's start is seen as one.
        run(
            "GE S/5 DRI",
            dri.DatexS5Decoder,
            dri_valid,
            "HR",
            bytes([0x7E, 0x7D, 0x5E, 0x5D]),
            bytes([0x7E]),
            args.inputs,
            args.seed,
        )
    if args.only in (None, "dri-waves"):  # wave records (issue 22): the same framing, another record layout
        specials = bytes([0x7E, 0x7D, 0x5E, 0x5D, 0x80, 0x83])  # 0x8380 = -32000: a control code
        run("GE S/5 DRI waves", dri.DatexS5Decoder, dri_wave_valid, "ECG", specials, bytes([0x7E]), args.inputs,
            args.seed, first_ecg_samples)  # fmt: skip
    if args.only in (None, "masimo"):
        # Masimo lines end with CR LF; noise ends a line of its own before the real line, as on a real port.
        run("Masimo ASCII 1", MasimoAsciiDecoder, masimo_valid, "SPO2", b"\r\n-/: ", b"\r\n", args.inputs, args.seed)
    if args.only in (None, "intellivue"):
        # No separator: a frame start (0xC0) ends whatever the noise left open, as on a real port.
        specials = bytes([0xC0, 0xC1, 0x7D, 0xE0, 0xE1, 0x5D])
        run("IntelliVue MIB", IntellivueDecoder, intellivue_valid, "HR", specials, b"", args.inputs, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
