"""Delivery to the EHR over a real socket (issue 20 point 5): the outbox, the sender thread and a real MLLP peer on
127.0.0.1 (tests/hl7_peer.py) that acknowledges, refuses (AE/AR), stays silent or vanishes. No mocks; waits are
event-driven with generous upper bounds (the 20 s outage is the scenario's length, not a speed asserted)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from waiting import WAIT_S, until

from monitor.app.hl7.ack import new_control_id
from monitor.app.hl7.sender import Hl7Sender, condition_text
from monitor.app.hl7.settings import parse_target
from monitor.storage import db as store
from monitor.storage import hl7_outbox as outbox
from monitor.timefmt import day_time_text
from tests.accounts import recorder
from tests.hl7_peer import Hl7Peer, Policy

ROOT = Path(__file__).resolve().parents[2]


def oru(control_id: str, session_id: int, n: int) -> str:
    """A small ORU^R01 the peer can acknowledge (the real ones are app.hl7.oru's: their content is not the point)."""
    return "\r".join(
        [
            f"MSH|^~\\&|INFUSION-MONITOR|KC|EHR|KC|20261129060000+0000||ORU^R01^ORU_R01|{control_id}|P|2.6",
            "OBR|1|||CHECK^test|||20261129060000+0000",
            f"OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC||{60 + n}|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||F",
            f"NTE|1||session {session_id} message {n}",
        ]
    )


def control_id(message: str) -> str:
    return message.split("\r", 1)[0].split("|")[9]


class Feed:
    """A composer for the test: it enqueues the messages the test releases, on the sender's connection (as
    app.hl7.composer does), and remembers them in order."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self._ready: list[tuple[int, int]] = []
        self._lock = threading.Lock()
        self.made: list[tuple[int, str]] = []  # (session, control id) in enqueue order
        self._n = 0

    def release(self, session_id: int, count: int) -> None:
        with self._lock:
            for _ in range(count):
                self._n += 1
                self._ready.append((session_id, self._n))

    def compose(self, conn, now: float) -> int:
        with self._lock:
            ready, self._ready = self._ready, []
        for session_id, n in ready:
            cid = new_control_id()
            message = oru(cid, session_id, n)
            assert outbox.enqueue(
                conn, key=f"s{session_id}:test:{n}", session_id=session_id, control_id=cid, message=message, covers_t=n
            )
            self.made.append((session_id, cid))
        return len(ready)


def new_db(tmp_path: Path, sessions: int = 2) -> Path:
    db = tmp_path / "desk.sqlite3"
    conn = store.connect(db)
    for sid in range(1, sessions + 1):
        conn.execute("INSERT INTO sessions (id, started_at, source, protocol) VALUES (?, 1, 'sim', 'datex-s5')", (sid,))
    conn.close()
    return db


def waiting(db: Path) -> int:
    """What the database says (the sender's status is as of its last pass)."""
    conn = store.connect(db)
    try:
        return outbox.waiting(conn)[0]
    finally:
        conn.close()


def in_order_per_session(received: list[str], made: list[tuple[int, str]]) -> bool:
    first = list(dict.fromkeys(control_id(m) for m in received))  # first arrivals, in order
    for session in {s for s, _ in made}:
        mine = [cid for s, cid in made if s == session]
        if [cid for cid in first if cid in mine] != mine:
            return False
    return True


def test_listener_down_20_s_and_back_all_arrive_none_twice(tmp_path: Path) -> None:
    db = new_db(tmp_path)
    feed = Feed(db)
    problems: list[str | None] = []
    with Hl7Peer() as peer:
        sender = Hl7Sender(db, parse_target(peer.target), composer=feed, unreachable_after_s=5)
        sender.add_problem_listener(problems.append)
        sender.start()
        try:
            feed.release(1, 5)
            feed.release(2, 5)
            sender.wake()
            assert len(peer.wait_for(10, WAIT_S)) == 10
            until(lambda: waiting(db) == 0, "the first ten were not all accepted")

            peer.stop()  # the engine vanishes for 20 s; the desk keeps recording and queueing
            went_down = time.monotonic()
            for _ in range(4):
                feed.release(1, 3)
                feed.release(2, 2)
                sender.wake()
                time.sleep(1.0)
            until(lambda: any(p and "unreachable since" in p for p in problems), "the outage was not shown")
            shown = next(p for p in problems if p and "unreachable since" in p)
            assert "messages waiting since" in shown, shown
            assert waiting(db) == 20
            time.sleep(max(0.0, 20.0 - (time.monotonic() - went_down)))
            peer.start()  # back, on the same port

            received = peer.wait_for(30, WAIT_S)
            until(lambda: waiting(db) == 0, "not all accepted after the engine came back")
        finally:
            left = sender.stop()
    received = peer.messages
    assert left == 0
    ids = [control_id(m) for m in received]
    assert sorted(ids) == sorted(cid for _, cid in feed.made), "all arrive"
    assert len(ids) == len(set(ids)) == 30, f"none twice: {Counter(ids).most_common(3)}"
    assert in_order_per_session(received, feed.made)
    assert problems[-1] is None, "the condition cleared itself"


def test_ar_is_retried_with_the_same_id_holding_the_session_in_order(tmp_path: Path) -> None:
    db = new_db(tmp_path)
    feed = Feed(db)
    problems: list[str | None] = []
    with Hl7Peer(policy=Policy.AR, reason="engine busy") as peer:
        sender = Hl7Sender(db, parse_target(peer.target), composer=feed, refused_retry_s=0.3)
        sender.add_problem_listener(problems.append)
        sender.start()
        try:
            feed.release(1, 2)
            sender.wake()
            received = peer.wait_for(3, WAIT_S)
            first, second = (cid for _, cid in feed.made)
            assert [control_id(m) for m in received[:3]] == [first] * 3, "the same message, the same id, again"
            until(lambda: any(p and "(AR: engine busy)" in p for p in problems), "the refusal was not shown")
            peer.policy = Policy.AA
            until(lambda: waiting(db) == 0, "not accepted once the engine took messages again")
        finally:
            sender.stop()
    arrived = list(dict.fromkeys(control_id(m) for m in peer.messages))
    assert arrived == [first, second], "the second waited behind the first"
    conn = store.connect(db)
    events = [e for _, e, _ in outbox.history(conn, 1)]
    assert events.count(outbox.DeliveryEvent.REJECTED) >= 2 and events[-1] == outbox.DeliveryEvent.ACCEPTED
    assert outbox.parked(conn) == [], "an AR never parks"
    conn.close()
    assert problems[-1] is None


def test_ae_is_retried_then_parked_kept_and_shown_and_the_session_goes_on(tmp_path: Path) -> None:
    db = new_db(tmp_path)
    feed = Feed(db)
    problems: list[str | None] = []
    with Hl7Peer(policy=Policy.AE, reason="unknown observation code") as peer:
        sender = Hl7Sender(db, parse_target(peer.target), composer=feed, refused_retry_s=0.3, backlog_after_s=3600)
        sender.add_problem_listener(problems.append)
        sender.start()
        try:
            feed.release(1, 1)
            sender.wake()
            until(lambda: sender.status().parked, "not parked after the AEs")
            (refused,) = (cid for _, cid in feed.made)
            assert [control_id(m) for m in peer.messages] == [refused] * 3, "sent three times, one id, then parked"
            until(
                lambda: any(p and "1 message refused by the EHR (AE: unknown observation code)" in p for p in problems),
                "the parked message was not shown",
            )
            peer.policy = Policy.AA
            feed.release(1, 1)  # the session goes on past its parked message
            sender.wake()
            until(lambda: len(peer.messages) == 4, "the next message did not go")
            assert control_id(peer.messages[3]) == feed.made[1][1]
            until(lambda: waiting(db) == 1, "the next message was not accepted")
            conn = store.connect(db)
            assert [p.control_id for p in outbox.parked(conn)] == [refused], "the parked one is kept, unsent"
            assert outbox.release_parked(conn, time.time(), "IT") == 1  # IT fixed the code table
            conn.close()
            sender.wake()
            until(lambda: waiting(db) == 0, "the released message was not accepted")
        finally:
            sender.stop()
    assert [control_id(m) for m in peer.messages][-1] == refused, "released: the same id again"
    assert problems[-1] is None


def test_no_ack_resends_the_same_id_and_a_foreign_ack_is_no_ack(tmp_path: Path) -> None:
    """An engine that takes a message and never answers, then one that answers with another message's ACK: the desk
    says it is not answering, and the message goes again with its own control id until its own AA comes."""
    import socket

    from monitor.app.hl7.ack import AckCode, build_ack
    from monitor.app.hl7.mllp import MllpReader, frame

    db = new_db(tmp_path)
    feed = Feed(db)
    problems: list[str | None] = []
    with Hl7Peer(policy=Policy.SILENT) as peer:
        sender = Hl7Sender(db, parse_target(peer.target), composer=feed, ack_timeout_s=0.5, unreachable_after_s=0.5)
        sender.add_problem_listener(problems.append)
        sender.start()
        try:
            feed.release(1, 1)
            sender.wake()
            until(
                lambda: any(p and "not answering since" in p and "no ACK within 0.5 s" in p for p in problems),
                "the silence was not shown",
            )
            peer.policy = Policy.AA
            until(lambda: waiting(db) == 0, "not accepted once the engine answered")
        finally:
            sender.stop()
    (cid,) = (c for _, c in feed.made)
    ids = {control_id(m) for m in peer.messages}
    assert ids == {cid} and len(peer.messages) >= 2, "sent again, always with its own control id"

    # an engine that answers every message with an ACK for some other message
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    answered: list[str] = []

    def wrong_engine() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                reader = MllpReader()
                while data := conn.recv(65536):
                    for message in reader.feed(data):
                        answered.append(message)
                        other = message.replace(control_id(message), "SOMEONE-ELSE")
                        conn.sendall(frame(build_ack(other, AckCode.AA)))

    threading.Thread(target=wrong_engine, daemon=True).start()
    feed.release(2, 1)
    sender = Hl7Sender(db, parse_target(f"127.0.0.1:{port}"), composer=feed, unreachable_after_s=0.5)
    problems.clear()
    sender.add_problem_listener(problems.append)
    sender.start()
    try:
        until(
            lambda: any(p and "not answering since" in p and "an ACK for 'SOMEONE-ELSE'" in p for p in problems),
            "a foreign ACK was taken for the message's",
        )
        assert waiting(db) == 1, "not done on another message's ACK"
    finally:
        sender.stop(flush_timeout_s=0.5)
        listener.close()
    conn = store.connect(db)
    events = {e for _, e, d in outbox.history(conn, 2)}
    conn.close()
    assert outbox.DeliveryEvent.ACCEPTED not in events and outbox.DeliveryEvent.FAILED in events


def test_a_composer_fault_is_shown_and_sending_goes_on(tmp_path: Path) -> None:
    db = new_db(tmp_path)
    problems: list[str | None] = []

    class Broken(Feed):
        def compose(self, conn, now: float) -> int:
            made = super().compose(conn, now)
            raise RuntimeError(f"a fault after {made} messages")

    broken = Broken(db)
    with Hl7Peer() as peer:
        sender = Hl7Sender(db, parse_target(peer.target), composer=broken)
        sender.add_problem_listener(problems.append)
        broken.release(1, 2)
        sender.start()
        try:
            until(
                lambda: any(p and "messages could not be made (RuntimeError: a fault after" in p for p in problems),
                "the fault was not shown",
            )
            until(lambda: waiting(db) == 0, "what was enqueued before the fault was not sent")
        finally:
            sender.stop()
    assert len(peer.messages) == 2


def test_condition_texts() -> None:
    t = time.mktime((2026, 11, 29, 10, 42, 0, 0, 0, -1))
    assert condition_text(t + 30, 14, t) is None, "a fresh backlog is normal traffic"
    assert condition_text(t + 61, 14, t) == "EHR interface: 14 messages waiting since 10:42"
    assert (
        condition_text(t + 61, 14, t, unreachable_since=t - 120)
        == "EHR interface unreachable since 10:40 — 14 messages waiting since 10:42"
    )
    assert condition_text(t, 0, None, unreachable_since=t) == "EHR interface unreachable since 10:42"
    assert condition_text(t + 1, 0, None) is None
    days = condition_text(t + 3 * 86400, 1, t)
    assert days == f"EHR interface: 1 message waiting since {day_time_text(t)}" and "Nov" in days, "with its day"


@pytest.fixture
def simulated_port(tmp_path: Path):
    from monitor.devices.simulator import SimulatedMonitor, load_scenario

    sim = SimulatedMonitor("datex-s5", load_scenario("stable"), speed=20, link_dir=tmp_path)
    yield sim.start()
    sim.stop()


class Recorder:
    """`infusion-monitor record --hl7-out …`: a real desk process."""

    def __init__(self, db: Path, port: str, target: str, logs: Path) -> None:
        self.argv = [sys.executable, "-m", "monitor", "record", "--port", port, "--protocol", "datex-s5"]
        self.argv += ["--db", str(db), "--hl7-out", target, *recorder(db)]
        self.logs = logs
        self.proc: subprocess.Popen | None = None
        self.runs = 0

    def start(self) -> None:
        self.runs += 1
        err = open(self.logs / f"record-{self.runs}.stderr", "w")  # noqa: SIM115 (the process's lifetime)
        env = os.environ | {"PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen(self.argv, stdout=subprocess.PIPE, stderr=err, text=True, env=env)
        said = []
        while not said or not said[-1].startswith(("Recording session", "Resumed session")):
            line = self.proc.stdout.readline()
            assert line, f"record exited: {''.join(said)}{self.stderr()}"
            said.append(line)

    def stderr(self) -> str:
        return (self.logs / f"record-{self.runs}.stderr").read_text(errors="replace")[-3000:]


def test_a_desk_killed_with_messages_waiting_delivers_each_once_after_restart(tmp_path: Path, simulated_port) -> None:
    db = new_db(tmp_path, sessions=1)
    desk = Recorder(db, simulated_port, "", tmp_path)
    writer = store.connect(db)  # the test queues messages into the desk's database, as its composer would

    def queue(n0: int, count: int) -> list[str]:
        ids = []
        for n in range(n0, n0 + count):
            cid = new_control_id()
            outbox.enqueue(writer, key=f"s1:test:{n}", session_id=1, control_id=cid, message=oru(cid, 1, n), covers_t=n)
            ids.append(cid)
        return ids

    with Hl7Peer() as peer:
        desk.argv[desk.argv.index("--hl7-out") + 1] = peer.target
        desk.start()
        try:
            accepted = queue(1, 5)
            assert len(peer.wait_for(5, WAIT_S)) == 5
            until(lambda: outbox.waiting(writer)[0] == 0, "the first five were not accepted")
            peer.policy = Policy.SILENT  # the engine takes the next message and never answers
            waiting = queue(6, 5)
            assert len(peer.wait_for(6, WAIT_S)) == 6
            desk.proc.send_signal(signal.SIGKILL)  # killed while its message waits for an ACK, four behind it
            desk.proc.wait(10)
            assert outbox.waiting(writer)[0] == 5
            assert outbox.next_due(writer, time.time()).unacknowledged, "the crash left a send without an answer"

            peer.policy = Policy.AA
            desk.start()  # the desk comes back
            peer.wait_for(11, WAIT_S)
            until(lambda: outbox.waiting(writer)[0] == 0, "not all accepted after the restart")
            desk.proc.send_signal(signal.SIGINT)
            out, _ = desk.proc.communicate(timeout=WAIT_S)
            assert desk.proc.returncode == 0, desk.stderr()
            assert "Every message for the EHR was accepted." in out
        finally:
            if desk.proc is not None and desk.proc.poll() is None:
                desk.proc.kill()
    got = [(control_id(r.message), r.answered) for r in peer.received]
    ids = [cid for cid, _ in got]
    assert list(dict.fromkeys(ids)) == accepted + waiting, "all arrive, in order"
    accepted_once = Counter(cid for cid, answer in got if answer is Policy.AA)
    assert all(accepted_once[cid] == 1 for cid in accepted + waiting), accepted_once
    assert Counter(ids)[waiting[0]] == 2 and len(ids) == 11, "only the unanswered one went again, with its own id"
    assert "resending s1:test:6" in desk.stderr()
    writer.close()


def test_an_unreachable_ehr_is_a_condition_on_every_chair_and_on_its_record(tmp_path: Path) -> None:
    """Nothing listens at the address: no exception anywhere, the chairs show it and record it; it clears when an
    engine answers there."""
    from monitor.app.chair import Chair, ChairConfig
    from monitor.storage.writer import SessionWriter

    with Hl7Peer() as peer:
        port = peer.port
    db = tmp_path / "desk.sqlite3"
    with SessionWriter(db) as writer:
        chairs = [Chair(ChairConfig(f"Chair {i}", None, speed=20), writer) for i in (1, 2)]
        sender = Hl7Sender(db, parse_target(f"127.0.0.1:{port}"), unreachable_after_s=0.5)
        try:
            for chair in chairs:
                chair.start(require_screening=False, require_patient=False)
            sender.watch_chairs(lambda: [chair.alarms for chair in chairs])
            sender.start()
            shown = lambda: [[a.message for a in chair.alarms.standing()] for chair in chairs]  # noqa: E731
            until(lambda: all(any("EHR interface unreachable since" in m for m in s) for s in shown()), "not shown")
            assert "Connection refused" in sender.status().error
            with Hl7Peer(port=port):
                until(lambda: shown() == [[], []], "the condition did not clear when the engine answered")
        finally:
            for chair in chairs:
                chair.stop()
            sender.stop(flush_timeout_s=1)
    conn = store.connect(db)
    events = conn.execute("SELECT session_id, action FROM alarm_events WHERE key = 'EHR interface'").fetchall()
    conn.close()
    assert sorted(events) == [(1, "clear"), (1, "onset"), (2, "clear"), (2, "onset")], "on each chair's record"
