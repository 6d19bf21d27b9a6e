"""MLLP framing (HL7 v2 Minimal Lower Layer Protocol): <VT> message <FS><CR>, UTF-8, segments separated by <CR>."""

from __future__ import annotations

import socket
import time

START = b"\x0b"
END = b"\x1c\r"
ENCODING = "utf-8"


def frame(message: str) -> bytes:
    """One message as MLLP bytes; any line ending between segments becomes the HL7 segment separator "\\r"."""
    segments = [s for s in message.replace("\r\n", "\r").replace("\n", "\r").split("\r") if s]
    return START + "\r".join(segments).encode(ENCODING) + b"\r" + END


class MllpReader:
    """Reassembles messages from a byte stream: feed() whatever recv() gave, get the complete messages back.

    Bytes outside a frame (line noise, a peer speaking something else) are counted in `garbage_bytes` and skipped,
    never taken for a message. A frame that is not valid UTF-8 is decoded with replacement characters: the reader
    hands it on so that the receiver can answer it (AR) instead of hanging up silently.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._in_frame = False
        self.garbage_bytes = 0

    def feed(self, data: bytes) -> list[str]:
        self._buffer += data
        messages: list[str] = []
        while True:
            if not self._in_frame:
                start = self._buffer.find(START)
                if start < 0:
                    self.garbage_bytes += len(self._buffer)
                    self._buffer.clear()
                    return messages
                self.garbage_bytes += start
                del self._buffer[: start + 1]
                self._in_frame = True
            end = self._buffer.find(END)
            restart = self._buffer.find(START)
            if restart >= 0 and (end < 0 or restart < end):
                # A new frame began before this one ended: the unfinished one is garbage.
                self.garbage_bytes += restart + 1
                del self._buffer[:restart]
                self._in_frame = False
                continue
            if end < 0:
                return messages
            body = bytes(self._buffer[:end]).decode(ENCODING, errors="replace")
            del self._buffer[: end + len(END)]
            self._in_frame = False
            messages.append(body.rstrip("\r"))


def send_and_wait_ack(sock: socket.socket, message: str, timeout_s: float) -> str:
    """Send one framed message on a connected socket and return the first complete message that comes back.

    Raises TimeoutError when no complete answer arrives within timeout_s, OSError (ConnectionError) when the peer
    closes the connection or the socket fails. The caller owns the socket (and closes it after an error: a late
    ACK on a reused connection would be taken for the next message's).
    """
    deadline = time.monotonic() + timeout_s
    sock.sendall(frame(message))
    reader = MllpReader()
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"no ACK within {timeout_s:g} s")
        sock.settimeout(remaining)
        try:
            data = sock.recv(65536)
        except TimeoutError:
            raise TimeoutError(f"no ACK within {timeout_s:g} s") from None
        if not data:
            raise ConnectionError("the peer closed the connection before acknowledging")
        answers = reader.feed(data)
        if answers:
            return answers[0]
