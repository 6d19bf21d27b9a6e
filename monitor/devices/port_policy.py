"""Which port strings the program will open: a device path, or a network serial server the clinic lists.

pyserial opens far more than ports: `spy://PORT?file=PATH` writes a file, `loop://` fakes a device, `hwgrep://`
picks one by pattern, and `socket://`/`rfc2217://` reach any host. A port string comes from people and files
(--port, station.json, the port pickers), so every one goes through `check_port`, and SerialLink checks again
before it opens anything. `loop://` is for tests and development only: allowed through `PortPolicy.dev_urls`,
which no user input sets.
"""

from __future__ import annotations

import os
import stat
import sys
from dataclasses import dataclass
from urllib.parse import urlsplit

# socket/rfc2217: a serial device server (Moxa, Lantronix) on the clinic's network; udp: a monitor's own LAN port
# (IntelliVue LAN, 24105: monitor.devices.url_handlers.protocol_udp)
NETWORK_SCHEMES = ("socket", "rfc2217", "udp")
DEV_SCHEMES = ("loop",)  # tests and development only


class PortRefused(ValueError):
    """A port string the program will not open; the message names where it came from and why."""


@dataclass(frozen=True, slots=True)
class PortPolicy:
    serial_hosts: frozenset[str] = frozenset()  # clinic.json "serial_hosts", lower case
    dev_urls: bool = False  # loop:// for tests; never set from user input

    @classmethod
    def for_hosts(cls, hosts: tuple[str, ...] | list[str]) -> PortPolicy:
        return cls(frozenset(h.lower() for h in hosts))


def check_port(port: str, policy: PortPolicy, origin: str) -> str:
    """`port` stripped, if the program may open it; else PortRefused naming `origin` (e.g. "--port", "station.json
    Chair 2", "port picker") and the reason. Does not open the port; a device path that does not exist yet is
    allowed (a USB adapter plugged in later), one that is not a character device is not."""
    text = port.strip()
    problem = _problem(text, policy)
    if problem is not None:
        raise PortRefused(f"{origin}: port {text!r} refused: {problem}")
    return text


def _problem(port: str, policy: PortPolicy) -> str | None:
    if not port:
        return "it is empty"
    if any(ord(c) < 32 for c in port):
        return "it contains control characters"
    if "://" not in port:
        return _device_problem(port)
    scheme = port.split("://", 1)[0].lower()
    if scheme in DEV_SCHEMES and policy.dev_urls:
        return None
    if scheme not in NETWORK_SCHEMES:
        return (
            f"'{scheme}://' ports are not allowed; use a device path (/dev/ttyUSB0, COM3) or "
            f"{' / '.join(s + '://' for s in NETWORK_SCHEMES)} to a host listed in clinic.json serial_hosts"
        )
    try:
        parts = urlsplit(port)
        host, number = parts.hostname, parts.port
    except ValueError as exc:
        return f"not a valid URL ({exc})"
    if parts.username is not None or parts.password is not None or not host or number is None:
        return f"expected {scheme}://HOST:PORT"
    if parts.path not in ("", "/"):
        return f"expected {scheme}://HOST:PORT, not a path after it"
    if host.lower() not in policy.serial_hosts:
        listed = ", ".join(sorted(policy.serial_hosts)) or "none"
        return f"host {host} is not in clinic.json serial_hosts (listed: {listed})"
    return None


def _device_problem(port: str) -> str | None:
    if sys.platform == "win32":
        return None  # COM3, \\.\COM10: Windows opens nothing else through this name
    try:
        mode = os.stat(port).st_mode  # follows the simulator's stable symlink to its pty
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"cannot inspect it ({exc.strerror or exc})"
    if not stat.S_ISCHR(mode):
        return "it is not a serial device (not a character device)"
    return None
