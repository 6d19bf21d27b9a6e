"""Decode throughput of each protocol decoder, in MB/s of wire bytes.

Run: .venv/bin/python benchmarks/decode.py [--seconds-of-data N]
Target (issue 2): >= 20 MB/s for DRI, so a 12-hour capture replays in seconds.
With waves (issue 22): the same DRI stream plus what our wave request asks for, a 200 ms packet of ECG (60 samples),
pleth (20) and CO2 (5) five times a second, from a sampled ECG/pleth/capnogram; reported in MB/s and as how many
times faster than real time (a 12 h capture decodes in 12 h / that).
The streams are realistic: DRI records as our request asks for them (basic class, every 5 s) plus the real
4-class record from tests/vectors, Masimo lines at 1 Hz, and IntelliVue numeric polls at 1 Hz (the real capture's
association and MDS create event, then its 4-frame linked poll result, HR varied, ~2.1 kB a second); all fed in
4 KiB chunks as a serial read would.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

from monitor.devices import datex_s5, masimo_ascii
from monitor.devices.intellivue.decoder import IntellivueDecoder
from monitor.devices.intellivue.float_type import encode_float
from monitor.devices.intellivue.frame import FrameReader, encode_frame

VECTORS = Path(__file__).resolve().parents[1] / "tests" / "vectors"
VECTOR = VECTORS / "datex_s5_phdb_displayed_4class_record.bin"
INTELLIVUE = VECTORS / "intellivue_mib_rx_excerpt_40frames.raw"
CHUNK = 4096


def dri_stream(n_records: int) -> bytes:
    vitals = {"HR": 72.0, "SPO2": 97.0, "PR": 71.0, "NIBP_SYS": 124.0, "NIBP_DIA": 79.0, "NIBP_MEAN": 94.0,
              "RR": 14.0, "ETCO2": 38.0, "FICO2": 0.0, "TEMP1": 36.6}  # fmt: skip
    real = datex_s5.frame(VECTOR.read_bytes()) if VECTOR.is_file() else b""
    frames = []
    for i in range(n_records):
        if real and i % 10 == 9:
            frames.append(real)
        else:
            values = {**vitals, "HR": 60.0 + i % 40}
            frames.append(datex_s5.frame(datex_s5.encode_displayed_record(values, time=1.7e9 + 5 * i, record_no=i)))
    return b"".join(frames)


def _wave_packet(k: int) -> bytes:
    """Packet k of a 72/min ECG, pleth and 14/min capnogram (raw DRI units), 200 ms long, framed."""
    t = [(k * 60 + i) / 300 for i in range(60)]
    ecg = [round(1200 * math.exp(-(((x * 1.2) % 1 - 0.3) ** 2) / 0.0008) - 100) for x in t]  # µV, R waves
    pleth = [round(400 * math.sin(2 * math.pi * 1.2 * x)) for x in t[::3]]  # 1/100 %
    co2 = [500 if (x * 14 / 60) % 1 < 0.45 else 0 for x in t[::12]]  # 1/100 %, plateau then inspiration
    subs = [datex_s5.WaveSubrecord(datex_s5.WF_ECG1, ecg, 0, datex_s5.ECG_LEAD_II),
            datex_s5.WaveSubrecord(datex_s5.WF_PLETH, pleth), datex_s5.WaveSubrecord(datex_s5.WF_CO2, co2)]  # fmt: skip
    return datex_s5.frame(datex_s5.encode_wave_record(subs, time=1.7e9 + k / 5, record_no=k))


def dri_wave_stream(n_records: int) -> bytes:
    """The DRI stream with a wave packet every 200 ms between the displayed-value records (25 per record)."""
    numerics = dri_stream(n_records)
    records = datex_s5.Deframer().feed(numerics)
    packets = [_wave_packet(k) for k in range(100)]  # 20 s of distinct packets, repeated
    out = []
    for i, record in enumerate(records):
        out.append(datex_s5.frame(record))
        out += [packets[(25 * i + j) % len(packets)] for j in range(25)]
    return b"".join(out)


def masimo_stream(n_lines: int) -> bytes:
    return b"".join(
        masimo_ascii.format_line(time=1.7e9 + i, spo2=97, pr=60 + i % 40, pi=3.6, pvi=12, exc=0x800)
        for i in range(n_lines)
    )


def intellivue_stream(n_polls: int) -> bytes:
    frames = FrameReader().feed(INTELLIVUE.read_bytes())
    head = b"".join(encode_frame(f) for f in frames[:2])  # association response, MDS create event
    first, rest = frames[8], b"".join(encode_frame(f) for f in frames[9:12])  # HR is first's last 4 bytes
    polls = [encode_frame(first[:-4] + encode_float(60.0 + i % 40, 0).to_bytes(4, "big")) + rest for i in range(40)]
    return head + b"".join(polls[i % 40] for i in range(n_polls))


def measure(name: str, make_decoder, data: bytes, repeats: int = 3, hours: float = 0.0) -> float:
    best = float("inf")
    for _ in range(repeats):
        decoder = make_decoder()
        t0 = time.perf_counter()
        n_events = 0
        for i in range(0, len(data), CHUNK):
            n_events += len(decoder.feed(data[i : i + CHUNK], 0.0))
        best = min(best, time.perf_counter() - t0)
    mb_s = len(data) / best / 1e6
    s = decoder.stats
    print(
        f"{name:15s} {len(data) / 1e6:7.2f} MB in {best * 1000:7.1f} ms = {mb_s:6.1f} MB/s "
        f"({s.frames_ok} frames, {n_events} events, {s.bad_frames} bad)"
        + (f"; {hours * 3600 / best:,.0f}x real time" if hours else "")
    )
    return mb_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=12.0, help="hours of recording to decode (default 12)")
    args = parser.parse_args()
    n_dri = int(args.hours * 3600 / 5)  # one displayed-values record every 5 s
    n_masimo = int(args.hours * 3600)  # one line a second
    dri_mb_s = measure("datex-s5", datex_s5.DatexS5Decoder, dri_stream(n_dri))
    measure("datex-s5+waves", datex_s5.DatexS5Decoder, dri_wave_stream(n_dri), hours=args.hours)
    measure("masimo-ascii", masimo_ascii.MasimoAsciiDecoder, masimo_stream(n_masimo))
    measure("intellivue-mib", IntellivueDecoder, intellivue_stream(n_masimo))  # one poll result a second
    verdict = "meets" if dri_mb_s >= 20 else "MISSES"
    print(f"DRI target >= 20 MB/s: {verdict} ({args.hours:g} h of records)")


if __name__ == "__main__":
    main()
