"""The IntelliVue driver: holds an association with a Philips IntelliVue (MIB/RS-232 Data Export) and polls it.

The conversation (shared/protocols/README.md §3.3): on connect, an association request with a poll profile; the
monitor accepts (or refuses, or aborts) and sends its MDS Create Event, answered with the MDS Create Result; then an
extended poll for numerics (NOM_MOC_VMO_METRIC_NU) once a second, which is also the traffic the monitor needs
within its timeout to keep the association; a release request before the port is closed on purpose. A monitor
that aborts, refuses, releases, or says nothing for the timeout has dropped the association: the driver asks again.

What is decoded (values, invalid states, unmapped ids, wall time from the MDS create event's time pair) is the
passive decoder's job (monitor.devices.intellivue), fed the same bytes: a replay decodes what the live link did.
Timers run on the monotonic clock the link passes to `tick`; what `receive` starts is timed from the next tick.
"""

from __future__ import annotations

import math
from collections import Counter
from enum import StrEnum

from monitor.devices.driver import KeepAlive, Received
from monitor.devices.events import DecoderStats
from monitor.devices.intellivue import INFO, IntellivueDecoder
from monitor.devices.intellivue.frame import FrameReader, encode_frame
from monitor.devices.intellivue.messages import (
    Abort,
    AssociationResult,
    MdsCreate,
    PollResult,
    Refuse,
    Release,
    association_request,
    extended_poll_request,
    mds_create_result,
    parse_message,
    release_request,
)

TICKS_PER_S = 8000  # RelativeTime counts 1/8 ms
POLL_PERIOD_S = 1.0  # numerics about once a second (issue 21); each poll also keeps the association alive
MIN_POLL_PERIOD_TICKS = int(POLL_PERIOD_S * TICKS_PER_S)  # the poll profile's min_poll_period
RETRY_S = 2.0  # after a refusal, an abort or a release, before asking again: a monitor busy elsewhere is not hammered


def association_timeout_s(min_poll_period_ticks: int) -> float:
    """How long the monitor keeps a silent association, from the min poll period it was given (mdpnp's rule,
    shared/protocols/README.md §3.3: up to 3.3 s -> 10 s; up to 43 s -> 3 periods; longer -> 130 s)."""
    period_s = min_poll_period_ticks / TICKS_PER_S
    if period_s <= 3.3:
        return 10.0
    if period_s <= 43.0:
        return 3 * period_s
    return 130.0


TIMEOUT_S = association_timeout_s(MIN_POLL_PERIOD_TICKS)


class Phase(StrEnum):
    WAITING = "waiting"  # dropped (or stopped): the next association request is due when the timer runs out
    ASSOCIATING = "associating"  # request sent, no answer yet
    ASSOCIATED = "associated"  # accepted, the MDS create event not yet in
    POLLING = "polling"  # MDS create answered: polling once a second


class Drop(StrEnum):
    """Why an association ended without the program asking."""

    ABORT = "abort"
    REFUSE = "refuse"
    RELEASE = "release"
    SILENCE = "silence"


class IntellivueDriver:
    protocol = INFO.name
    keep_alive: KeepAlive | None = None  # the once-a-second poll keeps the association (see `tick`)

    def __init__(self) -> None:
        self.decoder = IntellivueDecoder()
        self.phase = Phase.WAITING
        self.associations = 0  # accepted associations
        self.drops: Counter[Drop] = Counter()
        self._frames = FrameReader()  # the conversation's own view of the frames the decoder also reads
        self._invoke_id = 0
        self._poll_number = 0
        self._delay_s = 0.0  # the timer: `_deadline` is `_delay_s` after the tick that armed it
        self._deadline: float | None = None
        self._next_poll: float | None = None
        self._now: float | None = None

    @property
    def stats(self) -> DecoderStats:
        return self.decoder.stats

    def on_connect(self) -> list[bytes]:
        """A freshly opened port: whatever the monitor had with us before is gone, so associate."""
        self._frames = FrameReader()
        return [self._associate()]

    def receive(self, data: bytes, host_time: float) -> Received:
        events = self.decoder.feed(data, host_time)
        replies: list[bytes] = []
        for user_data in self._frames.feed(data):
            if self.phase is not Phase.WAITING:
                self._arm(TIMEOUT_S)  # heard: the silence timer starts again
            reply = self._answer(parse_message(user_data))
            if reply is not None:
                replies.append(reply)
        return Received(events, tuple(replies))

    def tick(self, now: float) -> list[bytes]:
        self._now = now
        if self._deadline is None:
            self._deadline = now + self._delay_s
        if now >= self._deadline:
            if self.phase is not Phase.WAITING:
                self.drops[Drop.SILENCE] += 1
            return [self._associate()]
        if self.phase is Phase.POLLING and (self._next_poll is None or now >= self._next_poll):
            behind = self._next_poll is None or now - self._next_poll >= POLL_PERIOD_S  # one poll, not a burst
            self._next_poll = (now if behind else self._next_poll) + POLL_PERIOD_S
            return [self._poll()]
        return []

    def on_close(self) -> list[bytes]:
        """Release the association before the port closes, so the monitor frees it at once."""
        was = self.phase
        self.phase = Phase.WAITING
        self._arm(math.inf)  # until the port opens again
        return [] if was is Phase.WAITING else [encode_frame(release_request())]

    # --- the conversation ----------------------------------------------------------------------------------

    def _answer(self, message: object) -> bytes | None:
        """Move on with what the monitor said; the bytes to answer it with, if any."""
        if isinstance(message, AssociationResult):
            if message.accepted:
                self.associations += 1
                self.phase = Phase.ASSOCIATED
            else:
                self._dropped(Drop.REFUSE if message.kind != "abort" else Drop.ABORT)
        elif isinstance(message, Refuse):
            self._dropped(Drop.REFUSE)
        elif isinstance(message, Abort):
            self._dropped(Drop.ABORT)
        elif isinstance(message, Release):
            self._dropped(Drop.RELEASE)
        elif isinstance(message, MdsCreate) and self.phase in (Phase.ASSOCIATED, Phase.POLLING):
            self.phase = Phase.POLLING
            self._next_poll = None  # the first poll at the next tick
            return encode_frame(mds_create_result(message))
        elif isinstance(message, PollResult):
            pass  # the decoder turns it into values; hearing it restarted the silence timer
        return None

    def _dropped(self, why: Drop) -> None:
        if self.phase is Phase.WAITING:
            return
        self.drops[why] += 1
        self.phase = Phase.WAITING
        self._arm(RETRY_S)

    def _associate(self) -> bytes:
        self.phase = Phase.ASSOCIATING
        self._arm(TIMEOUT_S)
        return encode_frame(association_request(MIN_POLL_PERIOD_TICKS))

    def _poll(self) -> bytes:
        self._invoke_id = self._invoke_id % 0xFFFF + 1
        self._poll_number = self._poll_number % 0xFFFF + 1
        return encode_frame(extended_poll_request(self._invoke_id, self._poll_number))

    def _arm(self, delay_s: float) -> None:
        """Run the timer out `delay_s` after the next tick."""
        self._delay_s, self._deadline = delay_s, None
