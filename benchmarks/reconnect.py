"""Cable-pull drill: the simulated monitor's port vanishes and returns 100 times; prints how long the link took to
receive again after each return (target: within 2 s), and checks every pull was seen as a disconnection.

Run: .venv/bin/python benchmarks/reconnect.py [--pulls 100]
The monitor speaks DRI at 10x (a record every 0.5 s); each pull keeps the port away 1.5 s, then up for 2.5 s.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from monitor.devices.link import LinkEvent, LinkState, SerialLink
from monitor.devices.protocols import line_settings, make_driver
from monitor.devices.simulator import SimulatedMonitor, load_scenario
from monitor.devices.simulator.scenario import Window

SPEED = 10.0
DOWN_S, UP_S = 1.5, 2.5  # real seconds


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pulls", type=int, default=100)
    args = parser.parse_args()
    period = DOWN_S + UP_S
    pulls = tuple(Window((UP_S + k * period) * SPEED, (UP_S + k * period + DOWN_S) * SPEED) for k in range(args.pulls))
    scenario = replace(load_scenario("stable"), cable_pull=pulls)
    sim = SimulatedMonitor("datex-s5", scenario, speed=SPEED, link_dir=Path(tempfile.mkdtemp(prefix="ism-pull-")))
    port = sim.start()
    driver = make_driver("datex-s5")
    events: list[LinkEvent] = []
    lock = threading.Lock()

    def on_state(event: LinkEvent) -> None:
        with lock:
            events.append(event)

    link = SerialLink(
        port,
        line_settings("datex-s5"),
        on_state=on_state,
        driver=driver,
        silence_timeout=3.0,
    )
    started = time.time()
    link.start()
    try:
        time.sleep(UP_S + args.pulls * period + 1.0)
    finally:
        link.stop()
        sim.stop()
    returns = [started + (w.end_s / SPEED) for w in pulls]
    receiving = [e.time for e in events if e.state is LinkState.RECEIVING]
    disconnects = [e for e in events if e.state is LinkState.DISCONNECTED]
    delays = []
    for back in returns:
        after = [t for t in receiving if t >= back]
        if after and after[0] - back < period:
            delays.append(after[0] - back)
    d = np.array(delays)
    print(
        f"cable-pull drill: {args.pulls} pulls, {len(disconnects)} disconnections seen, "
        f"{len(delays)} reconnections measured"
    )
    print(
        f"  port back -> receiving again: median {statistics.median(d):.2f} s, p95 {np.percentile(d, 95):.2f} s, "
        f"max {d.max():.2f} s (target <= 2 s: {'ok' if d.max() <= 2 else 'MISSED'})"
    )
    print(f"  decoder: {driver.stats.frames_ok} frames, {driver.stats.bad_frames} bad, {driver.stats.resyncs} resyncs")
    return 0 if len(delays) == args.pulls and d.max() <= 2 else 1


if __name__ == "__main__":
    raise SystemExit(main())
