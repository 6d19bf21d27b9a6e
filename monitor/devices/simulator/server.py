"""SimulatedMonitor: a bedside monitor behind a real pseudo-terminal, speaking the real protocol bytes.

`start()` runs on the caller's thread and returns a stable path (a symlink to the pty's slave) that pyserial
opens like any port. One daemon worker thread then plays the scenario: the protocol's encoder (picked from
monitor.devices.simulator.encoders) answers DRI requests like an S/5, writes Masimo lines every second, or holds an
IntelliVue's data-export association; the worker pulls the "cable" (the pty and its symlink vanish and a new one
appears), breaks the PC's transmit wire (pc_unheard), and adds line noise.
Simulated time runs `speed` times faster than the wall clock.
"""

from __future__ import annotations

import errno
import logging
import os
import select
import shutil
import signal
import sys
import tempfile
import termios
import threading
import time
import tty
from pathlib import Path

import numpy as np

from monitor.devices.simulator.encoders import ENCODERS, Encoder
from monitor.devices.simulator.physiology import PatientModel
from monitor.devices.simulator.scenario import Scenario, load_scenario

log = logging.getLogger(__name__)

PROTOCOLS = tuple(ENCODERS)
# Worker wake-ups: every 10 ms of wall time at 5x and faster (fine enough for 100x), up to every 50 ms of session
# time below it -- at 1x a 10 ms tick cost each simulated monitor 1.5 % of a core doing nothing (benchmarks/waves.py).
TICK_S = 0.01
SLOW_TICK_S = 0.05

WRITE_DEADLINE_S = 0.2  # a client that stops reading must not stall the simulator


def tick_s(speed: float) -> float:
    """Wall seconds between the worker's wake-ups at `speed`."""
    return min(SLOW_TICK_S, max(TICK_S, SLOW_TICK_S / speed))


class SimulatedMonitor:
    def __init__(
        self,
        protocol: str,
        scenario: Scenario,
        *,
        speed: float = 1.0,
        seed: int = 0,
        link_dir: Path | str | None = None,
        start_time: float | None = None,
    ) -> None:
        if protocol not in PROTOCOLS:
            raise ValueError(f"the simulator speaks {', '.join(PROTOCOLS)}, not {protocol!r}")
        if speed <= 0:
            raise ValueError(f"speed must be above 0, got {speed}")
        self.protocol = protocol
        self.scenario = scenario
        self._pace = (time.monotonic(), speed)  # (wall time of session time 0, speed): replaced whole, never torn
        self.seed = seed
        self.start_time = time.time() if start_time is None else start_time
        self.model = PatientModel(scenario, seed)
        self._encoder = ENCODERS[protocol](self.model, scenario, self.start_time)
        self._own_dir = link_dir is None
        self._dir = Path(link_dir) if link_dir is not None else None
        self.path: str | None = None
        self.records_sent = 0
        self.garbage_bytes_sent = 0
        self.corrupted_frames_sent = 0
        self.dropped_writes = 0
        self.cable_pulls = 0
        self.error: BaseException | None = None
        self._rng = np.random.default_rng(seed + 1)
        self._master: int | None = None
        self._slave: int | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- control (caller's thread) ------------------------------------------------------------------------

    def start(self) -> str:
        if self._dir is None:
            self._dir = Path(tempfile.mkdtemp(prefix="ism-sim-"))
        self._dir.mkdir(parents=True, exist_ok=True)
        self.path = str(self._dir / "monitor-sim")
        self._open_pty()
        self._pace = (time.monotonic(), self.speed)  # session time 0 is now
        self._thread = threading.Thread(target=self._run, name=f"simulated {self.protocol}", daemon=True)
        self._thread.start()
        return self.path

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2.0)
        self._close_pty()
        if self._own_dir and self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)

    @property
    def requests_seen(self) -> int:
        return self._encoder.requests_seen

    @property
    def encoder(self) -> Encoder:
        """The protocol's side of the conversation: its counters tell a test what the monitor heard and said."""
        return self._encoder

    @property
    def speed(self) -> float:
        return self._pace[1]

    def set_speed(self, speed: float) -> None:
        """Run on at `speed` from the session time reached (a demo or the gallery fills its history fast, then
        goes on in real time): the clock does not jump."""
        if speed <= 0:
            raise ValueError(f"speed must be above 0, got {speed}")
        now = time.monotonic()
        self._pace = (now - self.session_time() / speed, speed)

    def session_time(self) -> float:
        t0, speed = self._pace
        return (time.monotonic() - t0) * speed

    def device_now(self) -> float:
        """The simulated monitor's clock (Unix s): what its records are stamped with right now."""
        return self.start_time + self.session_time()

    # --- the pty ------------------------------------------------------------------------------------------

    def _open_pty(self) -> None:
        master, slave = os.openpty()
        tty.setraw(slave)  # no echo, no line discipline: bytes pass as on a real serial line
        os.set_blocking(master, False)
        self._master, self._slave = master, slave
        assert self.path is not None
        tmp = f"{self.path}.new"
        if os.path.lexists(tmp):
            os.unlink(tmp)
        os.symlink(os.ttyname(slave), tmp)
        os.replace(tmp, self.path)  # atomic: a client never sees a half-made link
        self._encoder.reset()  # a new cable: the PC must ask again

    def _close_pty(self) -> None:
        if self.path is not None and os.path.lexists(self.path):
            os.unlink(self.path)
        for fd in (self._master, self._slave):
            if fd is not None:
                os.close(fd)
        self._master = self._slave = None

    # --- worker thread ------------------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            last = 0.0
            while not self._stop.wait(tick_s(self.speed)):
                t = self.session_time()
                self._cable(t)
                if self._master is not None:
                    self._keep_reopenable()
                    heard = self._read()
                    if self.scenario.in_window(self.scenario.pc_unheard, t):
                        heard = b""  # the PC's transmit wire is broken: its bytes never arrive
                    self._send(self._encoder.hear(heard, t))
                    self._send(self._encoder.due(t))
                    self._garbage(t - last)
                last = t
        except BaseException as exc:
            self.error = exc
            log.exception("simulated monitor stopped by an error")

    def _keep_reopenable(self) -> None:
        """Clear CRTSCTS on the pty: a client that opened it with RTS/CTS (the DRI settings) leaves the flag
        behind, and Linux then refuses the next open's tcsetattr (EINVAL) -- a reconnect after a crash would
        fail. A pty ignores handshake anyway, so the client loses nothing."""
        assert self._slave is not None
        attrs = termios.tcgetattr(self._slave)
        if attrs[2] & termios.CRTSCTS:
            attrs[2] &= ~termios.CRTSCTS
            termios.tcsetattr(self._slave, termios.TCSANOW, attrs)

    def _cable(self, t: float) -> None:
        pulled = self.scenario.in_window(self.scenario.cable_pull, t)
        if pulled and self._master is not None:
            self.cable_pulls += 1
            self._close_pty()
        elif not pulled and self._master is None:
            self._open_pty()

    def _read(self) -> bytes:
        """What the PC has written since the last tick."""
        assert self._master is not None
        try:
            return os.read(self._master, 4096)
        except BlockingIOError:
            return b""
        except OSError as exc:
            if exc.errno == errno.EIO:
                return b""  # no client has the port open
            raise

    def _send(self, frames: list[bytes]) -> None:
        for frame in frames:
            self._write(self._maybe_corrupt(frame))
            self.records_sent += 1

    def _maybe_corrupt(self, frame: bytes) -> bytes:
        noise = self.scenario.line_noise
        if noise is None or self._rng.random() >= noise.corrupt_frame_fraction:
            return frame
        self.corrupted_frames_sent += 1
        body = bytearray(frame)
        if self._rng.random() < 0.5:
            i = int(self._rng.integers(1, len(body) - 2))
            body[i] ^= int(self._rng.integers(1, 256))  # a flipped byte: checksum or parse fails
            return bytes(body)
        return bytes(body[: int(self._rng.integers(2, len(body) - 1))])  # cut short

    def _garbage(self, dt: float) -> None:
        noise = self.scenario.line_noise
        if noise is None or dt <= 0:
            return
        n = int(self._rng.poisson(noise.garbage_bytes_per_s * dt))
        if n:
            self._write(self._rng.integers(0, 256, n, dtype=np.uint8).tobytes())
            self.garbage_bytes_sent += n

    def _write(self, data: bytes) -> None:
        deadline = time.monotonic() + WRITE_DEADLINE_S
        view = memoryview(data)
        while view and self._master is not None:
            try:
                n = os.write(self._master, view)
                view = view[n:]
            except BlockingIOError:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self.dropped_writes += 1  # nobody is reading: drop, as a real line would
                    return
                select.select([], [self._master], [], remaining)


def run_simulator_cli(protocol: str, scenario: str, speed: float, seed: int, link_dir: str | None) -> int:
    """`infusion-monitor simulate`: serve until Ctrl-C or SIGTERM."""
    try:
        sc = load_scenario(scenario)
        monitor = SimulatedMonitor(protocol, sc, speed=speed, seed=seed, link_dir=link_dir)
    except ValueError as exc:
        print(f"simulate: {exc}", file=sys.stderr)
        return 2
    path = monitor.start()
    print(
        f"Simulated {protocol} monitor (scenario {sc.name}, {speed:g}x) on {path} -- "
        f"open it with: infusion-monitor --port {path} --protocol {protocol}",
        flush=True,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            if monitor.error is not None:
                print(f"simulate: stopped by an error: {monitor.error}", file=sys.stderr)
                return 1
    except KeyboardInterrupt:
        pass
    finally:
        monitor.stop()
    return 0
