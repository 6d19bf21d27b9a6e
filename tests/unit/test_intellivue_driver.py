"""The IntelliVue driver's conversation without a port: fed what a monitor sends (built by the simulator's monitor
side, an independent implementation) and read back as a monitor reads it. Times are the link's monotonic clock,
passed by hand: no test waits."""

from __future__ import annotations

import itertools

from monitor.devices.events import Sample
from monitor.devices.intellivue.frame import FrameReader, encode_frame
from monitor.devices.intellivue_driver import (
    MIN_POLL_PERIOD_TICKS,
    POLL_PERIOD_S,
    RETRY_S,
    TIMEOUT_S,
    Drop,
    IntellivueDriver,
    Phase,
    association_timeout_s,
)
from monitor.devices.protocols import make_driver
from monitor.devices.simulator import intellivue_monitor as mon
from monitor.devices.simulator.physiology import PatientModel
from monitor.devices.simulator.scenario import load_scenario

T0 = 1_764_400_000.0  # the monitor's wall clock at its MDS create event (Unix s, a whole second)
REL0 = 1_950_208  # its relative clock then (ticks of 1/8 ms)
HR = mon.Numeric(0x0101, 0x4182, "HR", ((0x4182, 0, mon.UNIT_BPM, 72.0),))


def heard(frames: list[bytes]) -> list[object]:
    """What a monitor makes of the bytes the driver sent."""
    reader = FrameReader()
    return [mon.read_host_message(user_data) for data in frames for user_data in reader.feed(data)]


def framed(*messages: bytes) -> bytes:
    return b"".join(encode_frame(m) for m in messages)


def accept() -> bytes:
    return framed(mon.association_response(MIN_POLL_PERIOD_TICKS, mon.MONITOR_MTU))


def polling_driver(now: float = 0.0) -> IntellivueDriver:
    """A driver that has associated and answered the MDS create event (invoke id 7) at `now`."""
    driver = IntellivueDriver()
    driver.on_connect()
    driver.tick(now)
    driver.receive(accept(), T0)
    driver.receive(framed(mon.mds_create_event(7, T0, REL0)), T0)
    assert driver.phase is Phase.POLLING
    return driver


def poll_answer(request: mon.PollRequest, seconds_after_create: float, numerics: list[mon.Numeric]) -> bytes:
    rel = REL0 + round(seconds_after_create * mon.TICKS_PER_S)
    observations = [mon.encode_numeric(n) for n in numerics]
    return framed(*mon.poll_results(request, rel, observations, mon.MONITOR_MTU))


def test_the_registry_gives_the_intellivue_driver() -> None:
    driver = make_driver("intellivue-mib")
    assert isinstance(driver, IntellivueDriver) and driver.protocol == "intellivue-mib"


def test_on_connect_it_asks_to_associate_with_a_one_second_poll_profile() -> None:
    (request,) = heard(IntellivueDriver().on_connect())
    assert isinstance(request, mon.AssociationRequest)
    assert request.min_poll_period_ticks == MIN_POLL_PERIOD_TICKS == 8000
    assert TIMEOUT_S == 10.0, "a monitor given a period up to 3.3 s keeps a silent association 10 s"


def test_the_timeout_follows_the_negotiated_period() -> None:
    assert [association_timeout_s(int(s * 8000)) for s in (1, 3.3, 4, 43, 44)] == [10.0, 10.0, 12.0, 129.0, 130.0]


def test_the_mds_create_event_is_answered_with_its_invoke_id_then_numerics_are_polled_once_a_second() -> None:
    driver = IntellivueDriver()
    driver.on_connect()
    assert driver.tick(0.0) == []
    assert driver.receive(accept(), T0).replies == ()
    assert (driver.phase, driver.associations) == (Phase.ASSOCIATED, 1)
    assert driver.tick(0.5) == [], "no poll before the MDS create event is answered"
    received = driver.receive(framed(mon.mds_create_event(7, T0, REL0)), T0)
    assert heard(list(received.replies)) == [mon.EventAcknowledged(7)]
    sent = [(t, heard(driver.tick(t))) for t in [0.55 + 0.05 * i for i in range(61)]]  # 3 s of ticks
    polls = [(t, msgs[0]) for t, msgs in sent if msgs]
    assert [round(t, 2) for t, _ in polls] == [0.55, 1.55, 2.55, 3.55]
    assert all(p.extended and p.obj_type == mon.METRIC_NU for _, p in polls)
    assert len({p.invoke_id for _, p in polls}) == 4 and [p.poll_number for _, p in polls] == [1, 2, 3, 4]


def test_a_late_tick_sends_one_poll_not_a_burst() -> None:
    driver = polling_driver()
    assert len(driver.tick(0.1)) == 1
    assert len(driver.tick(5.0)) == 1
    assert driver.tick(5.5) == [] and len(driver.tick(6.0)) == 1


def test_poll_results_become_values_linked_parts_too() -> None:
    driver = polling_driver()
    (poll,) = heard(driver.tick(0.1))
    many = [mon.Numeric(0x0100 + i, 0x4182, "HR", ((0x4182, 0, mon.UNIT_BPM, 60.0 + i),)) for i in range(150)]
    answer = poll_answer(poll, 2.0, many)
    assert answer.count(b"\xc0") > 2, "split into linked results"
    events = driver.receive(answer, T0 + 2.0).events
    hr = [e for e in events if isinstance(e, Sample) and e.param == "HR"]
    assert hr and {e.value for e in hr} <= {60.0 + i for i in range(150)}
    assert {e.time for e in hr} == {T0 + 2.0}, "the relative time stamp on the wall clock of the MDS create event"
    assert driver.phase is Phase.POLLING


def test_while_the_monitor_answers_the_association_holds_and_the_host_is_never_quiet_for_long() -> None:
    driver = polling_driver()
    last_sent, longest_gap = 0.0, 0.0
    for step in range(1, 1201):  # a minute of ticks, every poll answered at once
        now = step * 0.05
        for request in heard(driver.tick(now)):
            longest_gap, last_sent = max(longest_gap, now - last_sent), now
            driver.receive(poll_answer(request, now, [HR]), T0 + now)
    assert driver.phase is Phase.POLLING and driver.associations == 1 and not driver.drops
    assert longest_gap <= POLL_PERIOD_S + 0.05 < TIMEOUT_S / 3


def test_a_longer_negotiated_period_is_honoured_and_kept_alive_inside_its_timeout() -> None:
    """A monitor that grants only a 60 s poll period keeps a silent association 130 s: the driver polls every 60 s
    and, in between, sends the MDS Create Result again within a third of the timeout (VSCaptureMP's keep-alive)."""
    driver = IntellivueDriver()
    driver.on_connect()
    driver.tick(0.0)
    driver.receive(framed(mon.association_response(60 * 8000, mon.MONITOR_MTU)), T0)
    driver.receive(framed(mon.mds_create_event(7, T0, REL0)), T0)
    assert (driver.poll_period_s, driver.timeout_s) == (60.0, 130.0)
    sent = {round(0.05 * i, 2): heard(driver.tick(round(0.05 * i, 2))) for i in range(1, 2402)}  # 2 minutes
    polls = [t for t, msgs in sent.items() if msgs and isinstance(msgs[0], mon.PollRequest)]
    keep_alives = [t for t, msgs in sent.items() if msgs == [mon.EventAcknowledged(7)]]
    assert polls == [0.05, 60.05, 120.05]
    times = sorted([0.0, *polls, *keep_alives])
    assert keep_alives and max(b - a for a, b in itertools.pairwise(times)) <= 130.0 / 3 + 0.05


def test_an_abort_is_followed_by_a_new_association_after_the_retry_delay() -> None:
    driver = polling_driver()
    driver.tick(1.0)
    assert driver.receive(framed(mon.abort()), T0).replies == ()
    assert driver.phase is Phase.WAITING and driver.drops[Drop.ABORT] == 1
    assert driver.tick(1.05) == [] and driver.tick(1.05 + RETRY_S - 0.01) == [], "no poll, no request yet"
    (request,) = heard(driver.tick(1.05 + RETRY_S))
    assert isinstance(request, mon.AssociationRequest) and driver.phase is Phase.ASSOCIATING


def test_a_refusal_is_retried_after_the_delay() -> None:
    driver = IntellivueDriver()
    driver.on_connect()
    driver.tick(0.0)
    driver.receive(framed(mon.refuse()), 0.0)
    assert driver.phase is Phase.WAITING and driver.drops[Drop.REFUSE] == 1
    assert driver.tick(0.05) == [] and driver.tick(0.05 + RETRY_S - 0.01) == []
    assert isinstance(heard(driver.tick(0.05 + RETRY_S))[0], mon.AssociationRequest)


def test_a_monitor_refusing_again_and_again_is_one_warning_until_it_accepts(caplog) -> None:
    driver = IntellivueDriver()
    driver.on_connect()
    now = 0.0
    for _ in range(5):  # refused, asked again after the delay, refused...
        driver.receive(framed(mon.refuse()), T0)
        driver.tick(now := now + 0.05)
        driver.tick(now := now + RETRY_S)
    driver.receive(accept(), T0)
    driver.receive(framed(mon.abort()), T0)
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert driver.drops[Drop.REFUSE] == 5 and len(warnings) == 2
    assert "(refuse)" in warnings[0] and "(abort)" in warnings[1]


def test_a_release_from_the_monitor_ends_the_association_and_it_is_asked_for_again() -> None:
    driver = polling_driver()
    driver.tick(1.0)
    driver.receive(framed(mon.release_response()), T0)
    assert driver.phase is Phase.WAITING and driver.drops[Drop.RELEASE] == 1
    assert driver.tick(1.05) == []
    assert isinstance(heard(driver.tick(1.05 + RETRY_S))[0], mon.AssociationRequest)


def test_a_monitor_silent_for_the_timeout_has_dropped_the_association() -> None:
    driver = polling_driver()
    driver.tick(0.0)  # the silence timer runs from here: the last frame heard
    polls = [heard(driver.tick(0.5 * i)) for i in range(1, 20)]  # 9.5 s of polls, none answered
    assert all(isinstance(m, mon.PollRequest) for msgs in polls for m in msgs)
    (request,) = heard(driver.tick(TIMEOUT_S))
    assert isinstance(request, mon.AssociationRequest)
    assert driver.drops[Drop.SILENCE] == 1 and driver.phase is Phase.ASSOCIATING


def test_an_unanswered_association_request_is_repeated_after_the_timeout() -> None:
    driver = IntellivueDriver()
    driver.on_connect()
    driver.tick(0.0)
    assert driver.tick(TIMEOUT_S - 0.01) == []
    assert isinstance(heard(driver.tick(TIMEOUT_S))[0], mon.AssociationRequest)


def test_stop_releases_the_association_and_asks_for_nothing_after() -> None:
    driver = polling_driver()
    assert heard(driver.on_close()) == [mon.HostRelease()]
    assert driver.tick(100.0) == [] and driver.tick(1000.0) == []
    assert driver.on_close() == [], "nothing to release twice"


def test_a_reopened_port_starts_a_new_association() -> None:
    driver = polling_driver()
    (request,) = heard(driver.on_connect())
    assert isinstance(request, mon.AssociationRequest) and driver.phase is Phase.ASSOCIATING
    assert driver.tick(1.0) == [], "no poll on an association not yet accepted"


def test_whole_sessions_with_the_simulated_monitor_survive_host_silence() -> None:
    """The driver against the simulator's monitor, in one loop: the monitor aborts after the host was silent past
    the timeout (the link stalled: no ticks), the driver associates again and the values come back."""
    clock = [0.0]
    monitor = mon.IntellivueEncoder(
        PatientModel(load_scenario("stable"), seed=1), load_scenario("stable"), T0, clock=lambda: clock[0]
    )
    driver = IntellivueDriver()
    hr: list[float] = []

    def run(seconds: float, ticking: bool = True) -> None:
        end = clock[0] + seconds
        pending = driver.on_connect() if clock[0] == 0.0 else []
        while clock[0] < end:
            clock[0] = round(clock[0] + 0.05, 2)
            if ticking:
                pending += driver.tick(clock[0])
            answer = b"".join(b"".join(monitor.hear(data, clock[0])) for data in pending)
            answer += b"".join(monitor.due(clock[0]))
            pending = []
            if answer:
                received = driver.receive(answer, T0 + clock[0])
                pending += received.replies
                hr.extend(e.value for e in received.events if isinstance(e, Sample) and e.param == "HR")

    run(5.0)
    assert monitor.associations == 1 and len(hr) >= 3
    run(12.0, ticking=False)  # host stalled past the monitor's 10 s
    assert monitor.aborts_sent == 1 and driver.drops[Drop.ABORT] == 1
    before = len(hr)
    run(5.0)
    assert monitor.associations == 2 and driver.associations == 2 and len(hr) > before
