"""`udp://HOST:PORT` for pyserial: a monitor that speaks its protocol in UDP datagrams (the IntelliVue LAN variant,
port 24105: the same messages as on MIB/RS-232, one per datagram, without the serial framing).

So the serial link runs it unchanged — its states, silence, reopening, raw capture and protocol driver — and the
LAN variant of a protocol is one more driver (monitor.devices.datagram_driver), not one more link. Datagram
boundaries are the message boundaries, so they are kept: `read` returns one whole datagram whatever size is asked
(the link asks for `in_waiting or 1` bytes), `write` sends its bytes as one datagram, and `in_waiting` is 0 (the
next read waits up to the timeout for the next datagram). The socket is connected to HOST:PORT: datagrams from any
other address are dropped by the operating system, and a port nobody listens on (ICMP port unreachable) fails the
next read like a vanished serial port (the link reopens it with backoff).
"""

from __future__ import annotations

import select
import socket
from urllib.parse import urlsplit

from serial import PortNotOpenError, SerialBase, SerialException, SerialTimeoutException

MAX_DATAGRAM = 65_535


def parse_url(url: str) -> tuple[str, int]:
    """(host, port) of `udp://HOST:PORT`; SerialException for anything else."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise SerialException(f"{url!r} is not a valid udp://HOST:PORT URL ({exc})") from None
    if parts.scheme.lower() != "udp" or not host or port is None or parts.path not in ("", "/"):
        raise SerialException(f"expected udp://HOST:PORT, not {url!r}")
    return host, port


class Serial(SerialBase):
    """A UDP peer as a pyserial port (the class pyserial's serial_for_url takes from this module)."""

    _socket: socket.socket | None = None

    def open(self) -> None:
        if self._port is None:
            raise SerialException("a port must be given before it is opened")
        if self.is_open:
            raise SerialException("port already open")
        host, port = parse_url(self.portstr)
        try:
            address = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)[0]
            sock = socket.socket(address[0], socket.SOCK_DGRAM)
            sock.connect(address[4])
        except OSError as exc:
            raise SerialException(f"could not reach {self.portstr}: {exc}") from exc
        self._socket = sock
        self.is_open = True

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        self.is_open = False

    def _reconfigure_port(self, *args: object, **kwargs: object) -> None:
        """Nothing to set: a datagram has no baud rate, parity or stop bits."""

    @property
    def in_waiting(self) -> int:
        return 0

    def read(self, size: int = 1) -> bytes:
        """One whole datagram (a message is never split, whatever `size`), or b"" when none came within the
        timeout."""
        sock = self._open_socket()
        ready, _, _ = select.select([sock], [], [], self._timeout)
        if not ready:
            return b""
        try:
            return sock.recv(MAX_DATAGRAM)
        except OSError as exc:  # ECONNREFUSED: the peer's port is closed (ICMP port unreachable)
            raise SerialException(f"{self.portstr}: {exc}") from exc

    def write(self, data: bytes) -> int:
        """`data` as one datagram."""
        sock = self._open_socket()
        try:
            return sock.send(bytes(data))
        except TimeoutError as exc:
            raise SerialTimeoutException("write timeout") from exc
        except OSError as exc:
            raise SerialException(f"{self.portstr}: {exc}") from exc

    def reset_input_buffer(self) -> None:
        """Drop the datagrams waiting."""
        sock = self._open_socket()
        while select.select([sock], [], [], 0)[0]:
            try:
                sock.recv(MAX_DATAGRAM)
            except OSError:
                return

    def reset_output_buffer(self) -> None:
        """Nothing is buffered: each write is sent at once."""

    def _open_socket(self) -> socket.socket:
        if self._socket is None:
            raise PortNotOpenError()
        return self._socket
