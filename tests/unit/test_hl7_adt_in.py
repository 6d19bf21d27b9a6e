"""Patients from the EHR (issue 20 point 3): ADT^A04/A08 sent over a real MLLP connection on 127.0.0.1 to the desk's
Hl7Listener, the ACK read back, the desk's database looked at afterwards."""

from __future__ import annotations

import contextlib
import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.app.hl7.ack import AckCode, parse_ack
from monitor.app.hl7.listener import Hl7Listener
from monitor.app.hl7.mllp import MllpReader, frame, send_and_wait_ack
from monitor.storage import hl7_registrations as store
from monitor.storage.db import connect
from tests.hl7_adt import adt

ACK_WAIT_S = 10.0


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "desk.sqlite"
    connect(path).close()
    return path


@pytest.fixture
def listener(db: Path) -> Iterator[Hl7Listener]:
    listening = Hl7Listener(0, db, host="127.0.0.1").start()
    assert listening.wait_bound(ACK_WAIT_S), listening.problem
    yield listening
    listening.stop()


@pytest.fixture
def sock(listener: Hl7Listener) -> Iterator[socket.socket]:
    with socket.create_connection(("127.0.0.1", listener.port), timeout=ACK_WAIT_S) as connected:
        yield connected


def send(sock: socket.socket, message: str):
    return parse_ack(send_and_wait_ack(sock, message, ACK_WAIT_S))


def rows(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT event, mrn, name, dob, sex, sender, operator, control_id FROM ehr_registrations"
        ).fetchall()
    finally:
        conn.close()


def ehr_patients(db: Path) -> list[store.EhrPatient]:
    conn = connect(db)
    try:
        return store.ehr_patients(conn)
    finally:
        conn.close()


def test_an_a04_registers_the_patient_and_is_acknowledged_aa(db: Path, sock: socket.socket) -> None:
    ack = send(sock, adt())
    assert (ack.code, ack.control_id) == (AckCode.AA, "MSG0001")
    assert rows(db) == [
        ("A04", "123456", "DOE, JANE B", "1980-01-02", "F", "EPIC^GENHOSP", "JSMITH^Smith^John", "MSG0001")
    ]
    [patient] = ehr_patients(db)
    assert patient.label == "DOE, JANE B (MRN 123456, born 1980-01-02, F)" and patient.updates == 0


def test_an_a08_is_kept_as_an_attributed_update_beside_the_registration(db: Path, sock: socket.socket) -> None:
    assert send(sock, adt()).code is AckCode.AA
    ack = send(sock, adt("A08", "MSG0002", name="DOE^JANE^BETH", sex="X"))
    assert ack.code is AckCode.AA
    events = rows(db)
    assert [r[0] for r in events] == ["A04", "A08"], (
        "the registration stays as received; the update is a row of its own"
    )
    assert events[0][2] == "DOE, JANE B" and events[1][2:] == (
        "DOE, JANE BETH",
        "1980-01-02",
        "X",
        "EPIC^GENHOSP",
        "JSMITH^Smith^John",
        "MSG0002",
    )
    [patient] = ehr_patients(db)
    assert (patient.name, patient.sex, patient.updates) == ("DOE, JANE BETH", "X", 1)
    assert patient.registered_at is not None and patient.updated_at is not None


def test_a08_for_a_patient_this_desk_registered_itself_is_kept_and_changes_nothing_of_it(
    db: Path, sock: socket.socket
) -> None:
    conn = connect(db)
    conn.execute(
        "INSERT INTO patients (name, mrn, dob, weight_kg, allergies, created_at, uid) VALUES ('Jane Doe', '123456',"
        " '1980-01-02', 70, '', 0, 'u1')"
    )
    conn.close()
    assert send(sock, adt("A08", "MSG0009", name="DOE^JANE^BETH")).code is AckCode.AA
    conn = connect(db)
    assert conn.execute("SELECT name FROM patients").fetchall() == [("Jane Doe",)]
    conn.close()
    assert [(p.name, p.registered_at, p.updates) for p in ehr_patients(db)] == [("DOE, JANE BETH", None, 1)]


@pytest.mark.parametrize(
    ("message", "code", "reason"),
    [
        (adt("A08", "MSG0002", mrn="777"), AckCode.AE, "MRN 777 is not registered here: send ADT^A04 first"),
        (adt(kind="ORU", event="R01"), AckCode.AR, "unsupported message type ORU^R01"),
        (adt(event="A03"), AckCode.AR, "unsupported message type ADT^A03"),
        (adt(mrn=""), AckCode.AE, "PID-3 patient identifier list has no MRN"),
        (adt(name=""), AckCode.AE, "PID-5 patient name is empty"),
        (adt(dob="1980"), AckCode.AE, "PID-7 date of birth '1980': needs year, month and day"),
        (adt(dob="21000101"), AckCode.AE, "PID-7: Date of birth 2100-01-01 is not plausible"),
        (adt(sex="Q"), AckCode.AE, "PID-8 administrative sex 'Q' is not in HL7 table 0001"),
        (adt().split("\r")[0], AckCode.AE, "ADT^A04 without a PID segment"),
        (adt().replace("|2.5", "|2.99"), AckCode.AR, "MSH-12"),
        ("this is not HL7 at all", AckCode.AR, "not readable as HL7 v2"),
    ],
)
def test_an_unknown_unsupported_or_malformed_message_is_refused_with_its_reason_and_changes_nothing(
    db: Path, sock: socket.socket, message: str, code: AckCode, reason: str
) -> None:
    ack = send(sock, message)
    assert ack.code is code and reason in ack.text
    assert rows(db) == []
    assert send(sock, adt(control_id="AFTER")).code is AckCode.AA, "the connection goes on after a refusal"


def test_a_second_a04_for_a_registered_mrn_is_refused_and_the_first_stays(db: Path, sock: socket.socket) -> None:
    assert send(sock, adt()).code is AckCode.AA
    raw = send_and_wait_ack(sock, adt(control_id="MSG0002", name="ROE^RICHARD"), ACK_WAIT_S)
    ack = parse_ack(raw)
    assert ack.code is AckCode.AE and "MRN 123456 is registered already" in ack.text and ack.control_id == "MSG0002"
    assert "\rERR|||205^" in raw, "HL7 table 0357: duplicate key identifier"
    assert [(r[0], r[2]) for r in rows(db)] == [("A04", "DOE, JANE B")]


def test_a_message_resent_by_the_engine_is_acknowledged_again_and_kept_once(db: Path, sock: socket.socket) -> None:
    assert send(sock, adt()).code is AckCode.AA
    assert send(sock, adt()).code is AckCode.AA, "its first ACK was lost: the engine resends with the same MSH-10"
    assert len(rows(db)) == 1


def test_several_messages_in_one_write_are_each_answered_in_order(db: Path, sock: socket.socket) -> None:
    messages = [
        adt(control_id="M1", mrn="1"),
        adt(control_id="M2", mrn="2", kind="ORU", event="R01"),
        adt("A08", "M3", mrn="1", name="ONE^NEW"),
        adt(control_id="M4", mrn="4"),
    ]
    sock.sendall(b"".join(frame(m) for m in messages))
    reader, acks = MllpReader(), []
    while len(acks) < len(messages):
        data = sock.recv(65536)
        assert data, "the listener closed the connection"
        acks += [parse_ack(a) for a in reader.feed(data)]
    assert [(a.control_id, a.code) for a in acks] == [
        ("M1", AckCode.AA),
        ("M2", AckCode.AR),
        ("M3", AckCode.AA),
        ("M4", AckCode.AA),
    ]
    assert [(r[0], r[1], r[7]) for r in rows(db)] == [("A04", "1", "M1"), ("A08", "1", "M3"), ("A04", "4", "M4")]


def test_a_port_it_cannot_bind_is_a_problem_said_and_cleared_once_it_binds(db: Path) -> None:
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen(1)
    port = blocker.getsockname()[1]
    told: list[str | None] = []
    listening = Hl7Listener(port, db, host="127.0.0.1", on_problem=told.append, retry_s=0.05).start()
    try:
        assert not listening.wait_first_try(ACK_WAIT_S)
        assert told and told[0] is not None and f"EHR patients: port {port} unavailable" in told[0]
        assert "in use" in told[0]
        blocker.close()
        assert listening.wait_bound(ACK_WAIT_S)
        assert told[-1] is None and listening.problem is None
        with socket.create_connection(("127.0.0.1", port), timeout=ACK_WAIT_S) as sock:
            assert send(sock, adt()).code is AckCode.AA
    finally:
        blocker.close()
        listening.stop()


def test_a_peer_that_never_ends_a_frame_is_hung_up_on_and_nothing_is_kept(db: Path, sock: socket.socket) -> None:
    chunk = b"\x0b" + b"PID|" * 100_000  # 400 kB a time, never the frame's end
    with contextlib.suppress(OSError):  # the listener may close while we are still sending
        for _ in range(5):
            sock.sendall(chunk)
    sock.settimeout(ACK_WAIT_S)
    with contextlib.suppress(ConnectionResetError):
        assert sock.recv(100) == b"", "closed, not answered"
    assert rows(db) == []
