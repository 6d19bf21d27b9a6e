"""SerialLink: one bedside monitor's serial port, read by pyserial on a worker thread, kept open through faults.

Threads: `start()`/`stop()`/`write()` may be called from any thread; everything else, including every callback
(`on_data`, `on_events`, `on_state`, `on_open`, `on_close`) and the protocol driver, runs on the link's own worker
thread, which also writes what the driver asks: its bytes on connect, its replies, its keep-alive tick, what its
`tick` says is due (asked at each pass of the read loop), its bytes on close. Callbacks must return
quickly (hand data on to a queue); an exception in one is logged and counted, and the link goes on.

The loop blocks in `read(in_waiting or 1)` with a short timeout: it wakes for the first byte at once, takes
whatever else has arrived in the same call, and costs ~1.5 % of a core when idle. A zero timeout would spin a
whole core and starve the GUI (shared/design.md, Threads).

States: CONNECTING (port open, nothing received yet) -> RECEIVING -> SILENT (no byte for `silence_timeout`;
after 3x that the port is reopened, since a restarted monitor needs its request again; the silence goes on, counted
from the same last byte, until a byte arrives) -> DISCONNECTED (the
port vanished or cannot be opened; retried with exponential backoff) -> STOPPED.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

import serial
import serial.tools.list_ports

from monitor.devices import url_handlers  # noqa: F401 -- registers udp:// (a LAN monitor) with pyserial
from monitor.devices.capture import CaptureWriter
from monitor.devices.driver import ProtocolDriver
from monitor.devices.events import DeviceEvent, LineSettings
from monitor.devices.port_policy import PortPolicy, PortRefused, check_port

try:  # pyserial's POSIX open lets termios.error (not an OSError) escape, e.g. EINVAL from a hung-up pty
    import termios

    _TERMIOS_ERRORS: tuple[type[Exception], ...] = (termios.error,)
except ImportError:  # Windows
    _TERMIOS_ERRORS = ()

log = logging.getLogger(__name__)
_T = TypeVar("_T")


class LinkState(StrEnum):
    CONNECTING = "connecting"
    RECEIVING = "receiving"
    SILENT = "silent"
    DISCONNECTED = "disconnected"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class LinkEvent:
    state: LinkState
    time: float  # when the transition was noticed (Unix s)
    port: str
    detail: str
    since: float  # when the condition began: the last byte for SILENT, the failure for DISCONNECTED


@dataclass(frozen=True, slots=True)
class PortInfo:
    device: str
    description: str
    hwid: str


def list_ports() -> list[PortInfo]:
    """The computer's serial ports (USB adapters included), as pyserial sees them."""
    return [PortInfo(p.device, p.description, p.hwid) for p in sorted(serial.tools.list_ports.comports())]


def port_problem(port: str, policy: PortPolicy | None = None, origin: str = "port") -> str | None:
    """Why `port` cannot be a bedside monitor's port here (refused by the port policy, or a typo), or None.

    A quick local check for the port pickers; it does not open the port (that happens on the link's thread)."""
    port = port.strip()
    if not port:
        return "Choose a port from the list or type its path or URL"
    try:
        check_port(port, policy or PortPolicy(), origin)
    except PortRefused as exc:
        return str(exc)
    if "://" in port:
        return None
    known = {p.device for p in list_ports()}
    if port in known or (sys.platform != "win32" and os.path.exists(port)):
        return None
    return f"There is no port {port} on this computer (is the cable plugged in?)"


class SerialLink:
    def __init__(
        self,
        port: str,
        line: LineSettings,
        *,
        on_data: Callable[[bytes, float], None] | None = None,
        on_state: Callable[[LinkEvent], None],
        driver: ProtocolDriver | None = None,
        on_events: Callable[[list[DeviceEvent], float], None] | None = None,
        on_open: Callable[[SerialLink], None] | None = None,
        on_close: Callable[[SerialLink], None] | None = None,
        capture: CaptureWriter | None = None,
        silence_timeout: float = 10.0,
        read_timeout: float = 0.05,
        backoff_initial: float = 0.2,
        backoff_max: float = 1.0,  # a returning port must be found within ~1 s, not after a long backoff
        clock: Callable[[], float] = time.time,
        policy: PortPolicy | None = None,
    ) -> None:
        """`on_data` gets the raw bytes; `driver` decodes them (its events go to `on_events`) and says what to send.
        `policy`: which port strings may be opened (monitor.devices.port_policy); default device paths only.
        Raises PortRefused (a ValueError) for any other, before any thread starts."""
        check_port(port, policy or PortPolicy(), "serial link")
        self.port = port
        self.line = line
        self.on_data, self.on_state, self.on_open, self.on_close = on_data, on_state, on_open, on_close
        self.driver, self.on_events = driver, on_events
        self.capture = capture
        self.silence_timeout = silence_timeout
        self.read_timeout = read_timeout
        self.backoff_initial, self.backoff_max = backoff_initial, backoff_max
        self.clock = clock
        self.callback_errors = 0
        self.reconnects = 0
        self.capture_error: str | None = None  # why the raw capture stopped (disk full), if it did
        self._state: LinkState | None = None
        self._silent_since = 0.0  # the last byte before the current silence: kept across the reopens it causes
        self._stop = threading.Event()
        self._write_lock = threading.Lock()
        self._ser: serial.SerialBase | None = None
        self._thread: threading.Thread | None = None

    @property
    def state(self) -> LinkState | None:
        return self._state

    @property
    def is_alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("SerialLink already started")
        self._thread = threading.Thread(target=self._run, name=f"serial-link {self.port}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop reading; the driver's close bytes and on_close go first while the port is still open."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.error("serial link %s did not stop within %.1f s", self.port, timeout)

    def write(self, data: bytes) -> bool:
        """Send bytes to the monitor. False (nothing sent) while the port is not open or the write fails."""
        with self._write_lock:
            ser = self._ser
            if ser is None:
                return False
            try:
                ser.write(data)
                return True
            except (serial.SerialException, OSError) as exc:
                log.warning("write to %s failed: %s", self.port, exc)
                return False

    # --- worker thread ------------------------------------------------------------------------------------

    def _set(self, state: LinkState, detail: str, since: float | None = None) -> None:
        now = self.clock()
        self._state = state
        event = LinkEvent(state, now, self.port, detail, now if since is None else since)
        self._call(self.on_state, event)  # first: a failing capture must not keep the state from the listeners
        self._capture(lambda capture: capture.write_event(now, state.value, detail))

    def _capture(self, write: Callable[[CaptureWriter], None]) -> None:
        """Write to the raw capture; if the disk refuses, stop capturing and keep reading the monitor."""
        if self.capture is None:
            return
        try:
            write(self.capture)
        except OSError as exc:
            self.capture_error = f"raw capture stopped: {exc}"
            log.error("%s: %s (the decoded values are still recorded)", self.port, self.capture_error)
            self.capture = None

    def _call(self, callback: Callable[..., _T], *args: object) -> _T | None:
        """The callback's result, or None when it raised (logged and counted: the link goes on)."""
        try:
            return callback(*args)
        except Exception:
            self.callback_errors += 1
            log.exception("callback %r of serial link %s failed", callback, self.port)
            return None

    def _say(self, ask: Callable[[], list[bytes]]) -> None:
        """Write the bytes the driver asks for (its connect, tick or close bytes)."""
        for data in self._call(ask) or ():
            self.write(data)

    def _drive(self, data: bytes, host_time: float) -> None:
        """Hand the bytes to the driver, send its replies, pass its events on."""
        assert self.driver is not None
        received = self._call(self.driver.receive, data, host_time)
        if received is None:
            return
        for reply in received.replies:
            self.write(reply)
        if received.events and self.on_events is not None:
            self._call(self.on_events, received.events, host_time)

    def _open(self) -> serial.SerialBase:
        return serial.serial_for_url(self.port, **self.line.as_kwargs(), timeout=self.read_timeout, write_timeout=1.0)

    def _run(self) -> None:
        backoff = self.backoff_initial
        first_attempt = True
        try:
            while not self._stop.is_set():
                try:
                    ser = self._open()
                except (serial.SerialException, OSError, ValueError, *_TERMIOS_ERRORS) as exc:
                    if self._state is not LinkState.DISCONNECTED:
                        self._set(LinkState.DISCONNECTED, f"could not open {self.port}: {exc}")
                    self._stop.wait(backoff)
                    backoff = min(backoff * 2, self.backoff_max)
                    continue
                backoff = self.backoff_initial
                if not first_attempt:
                    self.reconnects += 1
                first_attempt = False
                with self._write_lock:
                    self._ser = ser
                if self._state is LinkState.SILENT:  # reopened for a silence: it goes on from the same last byte
                    self._set(LinkState.SILENT, f"reopened {self.port}, still no data", since=self._silent_since)
                else:
                    self._set(LinkState.CONNECTING, f"opened {self.port}")
                if self.driver is not None:
                    self._say(self.driver.on_connect)
                if self.on_open is not None:
                    self._call(self.on_open, self)
                failure = self._pump(ser)
                if self._stop.is_set() and failure is None:
                    if self.driver is not None:
                        self._say(self.driver.on_close)
                    if self.on_close is not None:
                        self._call(self.on_close, self)
                with self._write_lock:
                    self._ser = None
                _close_quietly(ser)
                if failure is not None:
                    self._set(LinkState.DISCONNECTED, failure)
                    self._stop.wait(backoff)
        except Exception:
            log.exception("serial link %s crashed", self.port)
            self._set(LinkState.DISCONNECTED, "internal error in the serial link; see the log")
            raise
        finally:
            self._capture(lambda capture: capture.flush())
        self._set(LinkState.STOPPED, "")

    def _pump(self, ser: serial.SerialBase) -> str | None:
        """Read until stop (None), long silence (None: reopen) or a port failure (its description)."""
        last_byte = time.monotonic()
        last_byte_wall = self.clock()
        driver = self.driver
        keep_alive = driver.keep_alive if driver is not None else None
        next_tick = last_byte + keep_alive.period_s if keep_alive is not None else None
        while not self._stop.is_set():
            if keep_alive is not None and next_tick is not None and time.monotonic() >= next_tick:
                self.write(keep_alive.data)
                next_tick += keep_alive.period_s
                if next_tick <= time.monotonic():  # fell behind (a long callback): one tick, not a burst
                    next_tick = time.monotonic() + keep_alive.period_s
            if driver is not None:
                self._say(lambda: driver.tick(time.monotonic()))
            try:
                data = ser.read(ser.in_waiting or 1)
            except (serial.SerialException, OSError) as exc:
                return f"port closed: {exc}"
            if data:
                host_time = self.clock()
                last_byte, last_byte_wall = time.monotonic(), host_time
                if self._state is not LinkState.RECEIVING:
                    self._set(LinkState.RECEIVING, "")
                self._capture(lambda capture, t=host_time, d=data: capture.write_data(t, d))
                if self.on_data is not None:
                    self._call(self.on_data, data, host_time)
                if self.driver is not None:
                    self._drive(data, host_time)
                continue
            quiet = time.monotonic() - last_byte
            if quiet >= self.silence_timeout and self._state is not LinkState.SILENT:
                self._silent_since = last_byte_wall
                self._set(LinkState.SILENT, f"no data for {self.silence_timeout:g} s", since=last_byte_wall)
            if quiet >= 3 * self.silence_timeout:
                log.info("no data from %s for %.0f s: reopening the port", self.port, quiet)
                return None
        return None


def _close_quietly(ser: serial.SerialBase) -> None:
    try:
        ser.close()
    except (serial.SerialException, OSError) as exc:
        log.debug("closing a failed port: %s", exc)
