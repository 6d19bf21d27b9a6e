"""What the simulated S/5 costs with its waveforms (issue 22 point 2): % of one core, with and without the waves.

Run: .venv/bin/python benchmarks/sim_waves.py [--speeds 1 10] [--seconds 30]
For each speed, twice (DatexS5Driver with waves=False, then the default ECG + pleth + CO2): `python -m monitor
simulate` in its own process, the driver's requests written to its pty and everything read back and decoded here;
the simulator's CPU (utime + stime from /proc, after it started and before it was asked) over the wall time. The
samples decoded are checked against the time simulated, so a slow simulator shows as a shortfall, not as a cheap one.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import serial

from monitor.devices import datex_s5
from monitor.devices.datex_s5_driver import DatexS5Driver
from monitor.devices.events import WaveBlock

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14 and 15 of stat)


def measure(speed: float, seconds: float, waves: bool) -> tuple[float, int]:
    """(% of one core the simulator used while serving, wave samples decoded)."""
    with tempfile.TemporaryDirectory() as link_dir:
        cmd = [sys.executable, "-m", "monitor", "simulate", "--speed", str(speed), "--link-dir", link_dir]
        child = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        try:
            assert child.stdout is not None
            child.stdout.readline()  # "Simulated datex-s5 monitor ... on PATH": it is serving
            port = serial.serial_for_url(str(Path(link_dir) / "monitor-sim"), **datex_s5.LINE.as_kwargs(), timeout=0.05)
            driver = DatexS5Driver(waves=waves)
            cpu0, wall0 = cpu_seconds(child.pid), time.monotonic()
            port.write(b"".join(driver.on_connect()))
            samples = 0
            while time.monotonic() - wall0 < seconds:
                received = driver.receive(port.read(65536), time.time())
                samples += sum(len(e.values) for e in received.events if isinstance(e, WaveBlock))
            cpu, wall = cpu_seconds(child.pid) - cpu0, time.monotonic() - wall0
            port.write(b"".join(driver.on_close()))
            port.close()
        finally:
            child.terminate()
            child.wait(10)
    return 100.0 * cpu / wall, samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speeds", type=float, nargs="+", default=[1.0, 10.0])
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    print(f"simulated S/5, {args.seconds:g} s wall per run; % of one core (process time / wall time)")
    for speed in args.speeds:
        without, _ = measure(speed, args.seconds, waves=False)
        with_waves, samples = measure(speed, args.seconds, waves=True)
        expected = 425 * speed * args.seconds  # ECG 300 + pleth 100 + CO2 25 samples per simulated second
        print(f"{speed:g}x: numerics only {without:.2f} %, with waves {with_waves:.2f} % "
              f"({samples} wave samples decoded, {samples / expected:.0%} of {expected:.0f} simulated)")  # fmt: skip


if __name__ == "__main__":
    main()
