"""False acceptance of the DRI's 8-bit checksum: how many corrupted frames the decoder takes as good, and how many
of those put a wrong -- or an implausible -- value into the record.

Run: .venv/bin/python benchmarks/false_acceptance.py [--frames 20000] [--seed 1]

The DRI protects a record with the low 8 bits of its byte sum (shared/protocols/README.md §2.3). A sum misses
every error that keeps the sum: two bytes swapped, the same bit flipped one way in one byte and the other way in
another, bit 7 flipped in any two bytes, and about 1 in 256 of random byte errors. Each model below corrupts the
wire bytes between the flags of a valid frame of plausible vitals; a fresh decoder takes the frame alone.

Per model it prints: corrupted frames, frames the decoder accepted (checksum and length passed), accepted frames
whose decoded values differ from the original (a wrong value recorded: the false acceptance), and accepted frames
with a value outside the physiologically possible range below (implausible: a checked decoder must refuse these).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from monitor.devices import datex_s5 as dri
from monitor.devices.events import Sample

T0 = 1_700_000_000
# Physiologically possible values (wide on purpose: this benchmark's judgement, not alarm limits). A decoded
# value outside them cannot be a measurement.
POSSIBLE = {
    "HR": (15, 350),
    "PR": (15, 350),
    "SPO2": (0, 100),
    "NIBP_SYS": (20, 320),
    "NIBP_DIA": (5, 250),
    "NIBP_MEAN": (10, 300),
    "RR": (0, 150),
    "ETCO2": (0, 150),
    "FICO2": (0, 150),
    "TEMP1": (20, 45),
}

Corruption = Callable[[np.random.Generator, bytearray], None]


def _flip(rng: np.random.Generator, body: bytearray, bit: int | None = None) -> None:
    pos = int(rng.integers(0, len(body)))
    body[pos] ^= 1 << (int(rng.integers(0, 8)) if bit is None else bit)


def one_bit(rng: np.random.Generator, body: bytearray) -> None:
    _flip(rng, body)


def two_bits(rng: np.random.Generator, body: bytearray) -> None:
    _flip(rng, body)
    _flip(rng, body)


def two_bits_same_position(rng: np.random.Generator, body: bytearray) -> None:
    """A burst that hits the same bit of two bytes (a common line-noise pattern)."""
    bit = int(rng.integers(0, 8))
    _flip(rng, body, bit)
    _flip(rng, body, bit)


def swapped_bytes(rng: np.random.Generator, body: bytearray) -> None:
    """Two neighbouring bytes exchanged (a sum cannot see the order)."""
    pos = int(rng.integers(0, len(body) - 1))
    body[pos], body[pos + 1] = body[pos + 1], body[pos]


def random_bytes(rng: np.random.Generator, body: bytearray) -> None:
    """A burst of 1-4 bytes replaced by random ones."""
    n = int(rng.integers(1, 5))
    pos = int(rng.integers(0, len(body) - n))
    body[pos : pos + n] = rng.integers(0, 256, n, dtype=np.uint8).tobytes()


MODELS: dict[str, Corruption] = {
    "1 bit flipped": one_bit,
    "2 bits flipped": two_bits,
    "2 bits, same position": two_bits_same_position,
    "2 bytes swapped": swapped_bytes,
    "1-4 bytes random": random_bytes,
}


@dataclass
class Tally:
    frames: int = 0
    accepted: int = 0
    wrong: int = 0  # accepted, and the decoded values differ from the original
    implausible: int = 0  # accepted, with a value outside POSSIBLE

    def line(self, name: str) -> str:
        def rate(n: int) -> str:
            return f"{n:>6} ({100 * n / self.frames:6.3f} %)"

        return f"{name:<24}{self.frames:>8}  {rate(self.accepted)}  {rate(self.wrong)}  {rate(self.implausible)}"


def _vitals(rng: np.random.Generator) -> dict[str, float]:
    sys_ = float(rng.integers(95, 170))
    dia = float(rng.integers(55, 100))
    return {
        "HR": float(rng.integers(45, 130)),
        "SPO2": float(rng.integers(90, 101)),
        "PR": float(rng.integers(45, 130)),
        "NIBP_SYS": sys_,
        "NIBP_DIA": dia,
        "NIBP_MEAN": float(round((sys_ + 2 * dia) / 3)),
        "RR": float(rng.integers(8, 25)),
        "ETCO2": float(rng.integers(30, 45)),
        "TEMP1": 36.6,
    }


def _decode(frame: bytes) -> tuple[bool, dict[str, tuple[float, float]]]:
    decoder = dri.DatexS5Decoder()
    samples = [e for e in decoder.feed(frame, 0.0) if isinstance(e, Sample)]
    return decoder.stats.frames_ok > 0, {s.param: (round(s.value, 3), s.time) for s in samples}


def _implausible(values: dict[str, tuple[float, float]]) -> bool:
    for param, (value, _t) in values.items():
        low, high = POSSIBLE.get(param, (-1e9, 1e9))
        if not low <= value <= high:
            return True
    return False


def run(frames: int, seed: int) -> dict[str, Tally]:
    rng = np.random.default_rng(seed)
    tallies = {name: Tally() for name in MODELS}
    for i in range(frames):
        frame = dri.frame(dri.encode_displayed_record(_vitals(rng), time=T0 + 5 * i))
        _ok, original = _decode(frame)
        for name, corrupt in MODELS.items():
            body = bytearray(frame[1:-1])  # the flags stay: corruption inside a frame
            corrupt(rng, body)
            if bytes(body) == frame[1:-1]:
                continue  # e.g. two equal bytes swapped: nothing was corrupted
            tally = tallies[name]
            tally.frames += 1
            accepted, values = _decode(b"\x7e" + bytes(body) + b"\x7e")
            if accepted:
                tally.accepted += 1
                tally.wrong += values != original
                tally.implausible += _implausible(values)
    return tallies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=20_000, help="valid frames; each is corrupted once per model")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    started = time.perf_counter()
    tallies = run(args.frames, args.seed)
    print(f"DRI frames corrupted on the wire, decoded alone ({args.frames} originals, seed {args.seed})")
    print(f"{'corruption':<24}{'frames':>8}  {'accepted':>17}  {'wrong values':>17}  {'implausible':>17}")
    for name, tally in tallies.items():
        print(tally.line(name))
    fields = ("frames", "accepted", "wrong", "implausible")
    total = Tally(*(sum(getattr(t, f) for t in tallies.values()) for f in fields))
    print(total.line("all models"))
    print(f"({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
