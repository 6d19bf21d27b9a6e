"""The IntelliVue driver: holds an association with a Philips IntelliVue (MIB/RS-232 Data Export) and polls it.

The conversation (shared/protocols/README.md §3.3): on connect, an association request with a poll profile; the
monitor accepts (or refuses, or aborts) and sends its MDS Create Event, answered with the MDS Create Result; then an
extended poll for numerics (NOM_MOC_VMO_METRIC_NU) about once a second, which is also the traffic the monitor needs
within its timeout to keep the association (were the negotiated period longer than a third of the timeout, the MDS
Create Result is sent again in between, as VSCaptureMP's keep-alive); a release request before the port is closed
on purpose. A monitor that aborts, refuses, releases, or says nothing for the timeout has dropped the association:
the driver asks again.

Values, invalid states, unmapped ids and the wall time of the monitor's relative time stamps (from the MDS create
event's time pair) are the passive decoder's (monitor.devices.intellivue.decoder), which reads every frame once and
hands the driver its messages: a replay decodes what the live link did.
Timers run on the monotonic clock the link passes to `tick`; what `receive` starts is timed from the next tick.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from enum import StrEnum

from monitor.devices.driver import KeepAlive, Received
from monitor.devices.events import DecoderStats
from monitor.devices.intellivue import messages as msg
from monitor.devices.intellivue.decoder import INFO, IntellivueDecoder
from monitor.devices.intellivue.frame import encode_frame

log = logging.getLogger(__name__)

POLL_PERIOD_S = 1.0  # numerics about once a second (issue 21)
MIN_POLL_PERIOD_TICKS = round(POLL_PERIOD_S * msg.TICKS_PER_SECOND)  # the poll profile's min_poll_period
RETRY_S = 2.0  # after a refusal, an abort or a release, before asking again: a monitor busy elsewhere is not hammered


def association_timeout_s(min_poll_period_ticks: int) -> float:
    """How long the monitor keeps a silent association, from the negotiated min poll period (mdpnp's rule,
    shared/protocols/README.md §3.3: up to 3.3 s -> 10 s; up to 43 s -> 3 periods; longer -> 130 s)."""
    period_s = min_poll_period_ticks / msg.TICKS_PER_SECOND
    if period_s <= 3.3:
        return 10.0
    if period_s <= 43.0:
        return 3 * period_s
    return 130.0


TIMEOUT_S = association_timeout_s(MIN_POLL_PERIOD_TICKS)  # 10 s


class Phase(StrEnum):
    WAITING = "waiting"  # dropped (or stopped): the next association request is due when the timer runs out
    ASSOCIATING = "associating"  # request sent, no answer yet
    ASSOCIATED = "associated"  # accepted, the MDS create event not yet in
    POLLING = "polling"  # MDS create answered: polling


class Drop(StrEnum):
    """Why an association ended without the program asking."""

    ABORT = "abort"
    REFUSE = "refuse"
    RELEASE = "release"
    SILENCE = "silence"


_DROPS = {msg.Abort: Drop.ABORT, msg.Refuse: Drop.REFUSE, msg.Release: Drop.RELEASE}


class IntellivueDriver:
    protocol = INFO.name
    keep_alive: KeepAlive | None = None  # fixed bytes will not do: the polls and keep-alives come from `tick`

    def __init__(self) -> None:
        self.decoder = IntellivueDecoder()
        self.phase = Phase.WAITING
        self.associations = 0  # accepted associations
        self.drops: Counter[Drop] = Counter()
        self._last_drop: Drop | None = None  # since the last accepted association
        self.poll_period_s = POLL_PERIOD_S
        self.timeout_s = TIMEOUT_S
        self._invoke_id = 0
        self._poll_number = 0
        self._mds_result: bytes | None = None  # the last MDS Create Result: the keep-alive
        self._delay_s = math.inf  # the timer runs out `_delay_s` after the tick that armed it...
        self._deadline: float | None = None  # ...at `_deadline`, set by that tick
        self._next_poll: float | None = None  # None: at the next tick
        self._last_sent: float | None = None
        self._sent_since_tick = False

    @property
    def stats(self) -> DecoderStats:
        return self.decoder.stats

    def on_connect(self) -> list[bytes]:
        """A freshly opened port: whatever the monitor had with us before is gone, so associate."""
        return self._send(self._associate())

    def receive(self, data: bytes, host_time: float) -> Received:
        messages, events = self.decoder.read(data, host_time)
        replies: list[bytes] = []
        for message in messages:
            if self.phase is not Phase.WAITING:
                self._arm(self.timeout_s)  # heard: the silence timer starts again
            replies += self._answer(message)
        return Received(events, tuple(self._send(*replies)))

    def tick(self, now: float) -> list[bytes]:
        if self._sent_since_tick or self._last_sent is None:
            self._last_sent, self._sent_since_tick = now, False
        if self._deadline is None:
            self._deadline = now + self._delay_s
        due = self._timed_out() if now >= self._deadline else self._due(now)
        if due is None:
            return []
        self._last_sent = now
        return [encode_frame(due)]

    def on_close(self) -> list[bytes]:
        """Release the association before the port closes, so the monitor frees it at once."""
        was = self.phase
        self.phase = Phase.WAITING
        self._arm(math.inf)  # until the port opens again
        return [] if was is Phase.WAITING else self._send(msg.release_request())

    # --- the conversation ----------------------------------------------------------------------------------

    def _answer(self, message: msg.Message) -> list[bytes]:
        """Move on with what the monitor said; the messages to answer it with."""
        if isinstance(message, msg.AssociationResult):
            if message.accepted and self.phase is Phase.ASSOCIATING:
                self._accepted(message.min_poll_period_ticks or MIN_POLL_PERIOD_TICKS)
            elif not message.accepted:
                self._dropped(_DROPS.get(type(message), Drop.ABORT))
        elif isinstance(message, msg.MdsCreate) and self.phase in (Phase.ASSOCIATED, Phase.POLLING):
            self.phase = Phase.POLLING  # a repeated event (our result lost) is answered again
            self._mds_result = msg.mds_create_result(message)
            self._next_poll = None
            return [self._mds_result]
        return []  # poll results: values for the decoder; hearing them restarted the silence timer

    def _timed_out(self) -> bytes:
        """The timer ran out: the retry after a drop is due, or the monitor was silent too long."""
        if self.phase is not Phase.WAITING:
            self._count(Drop.SILENCE, f"nothing heard for {self.timeout_s:g} s while {self.phase}: associating again")
        return self._associate()

    def _due(self, now: float) -> bytes | None:
        """While polling: the poll when its period is up, else a keep-alive when a third of the timeout is."""
        if self.phase is not Phase.POLLING:
            return None
        if self._next_poll is None or now >= self._next_poll:
            behind = self._next_poll is None or now - self._next_poll >= self.poll_period_s  # one poll, not a burst
            self._next_poll = (now if behind else self._next_poll) + self.poll_period_s
            return self._poll()
        if self._last_sent is not None and now - self._last_sent >= self.timeout_s / 3:
            return self._mds_result
        return None

    def _accepted(self, min_poll_period_ticks: int) -> None:
        self.associations += 1
        self._last_drop = None
        self.phase = Phase.ASSOCIATED
        self.poll_period_s = max(POLL_PERIOD_S, min_poll_period_ticks / msg.TICKS_PER_SECOND)
        self.timeout_s = association_timeout_s(min_poll_period_ticks)
        self._arm(self.timeout_s)
        log.info(
            "IntelliVue: association accepted, polling every %g s (timeout %g s)", self.poll_period_s, self.timeout_s
        )

    def _dropped(self, why: Drop) -> None:
        if self.phase is Phase.WAITING:
            return
        self._count(why, f"the monitor ended the association ({why}): asking again in {RETRY_S:g} s")
        self.phase = Phase.WAITING
        self._mds_result = None
        self._arm(RETRY_S)

    def _count(self, why: Drop, detail: str) -> None:
        """Count a drop; warn once per run of drops of one kind (a monitor refusing every 2 s is one warning)."""
        self.drops[why] += 1
        log.log(logging.DEBUG if why is self._last_drop else logging.WARNING, "IntelliVue: %s", detail)
        self._last_drop = why

    def _associate(self) -> bytes:
        self.phase = Phase.ASSOCIATING
        self._mds_result = None
        self.poll_period_s, self.timeout_s = POLL_PERIOD_S, TIMEOUT_S
        self._arm(self.timeout_s)
        return msg.association_request(MIN_POLL_PERIOD_TICKS)

    def _poll(self) -> bytes:
        self._invoke_id = self._invoke_id % 0xFFFF + 1
        self._poll_number = self._poll_number % 0xFFFF + 1
        return msg.extended_poll_request(self._invoke_id, self._poll_number)

    def _arm(self, delay_s: float) -> None:
        """Run the timer out `delay_s` after the next tick."""
        self._delay_s, self._deadline = delay_s, None

    def _send(self, *messages: bytes) -> list[bytes]:
        """Frame messages sent outside a tick; the next tick notes the time."""
        self._sent_since_tick = self._sent_since_tick or bool(messages)
        return [encode_frame(m) for m in messages]
