"""The patient dialog offers the EHR's registrations (ADT^A04 over a real MLLP socket into the desk's Hl7Listener):
the nurse picks one, enters the weight and registers it as a typed one is; a later ADT^A08 that says otherwise is
shown beside this desk's patient and changes nothing of their registration."""

from __future__ import annotations

import socket
import sqlite3

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from monitor.app.hl7.ack import AckCode, parse_ack
from monitor.app.hl7.listener import Hl7Listener
from monitor.app.hl7.mllp import send_and_wait_ack
from tests.hl7_adt import adt

LEFT = Qt.MouseButton.LeftButton


def _send(port: int, message: str) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        assert parse_ack(send_and_wait_ack(sock, message, 10.0)).code is AckCode.AA


def _texts(dialog) -> list[str]:
    return [dialog.patient_list.item(i).text() for i in range(dialog.patient_list.count())]


def test_the_nurse_completes_the_ehrs_registration_and_sees_a_later_update_beside_it(qtbot, live_window) -> None:
    window = live_window("stable", speed=20, patient=False)
    listener = Hl7Listener(0, window.db_path, host="127.0.0.1").start()
    try:
        assert listener.wait_bound(10), listener.problem
        _send(listener.port, adt(mrn="4711", name="DOE^JANE", dob="19700228"))
        _send(listener.port, adt(control_id="M2", mrn="5120", name="MÜLLER^PETER", dob="19581111", sex="M"))
        dialog = window.workspace.open_patient_dialog()
        assert _texts(dialog) == [
            "From the EHR, not registered here yet: DOE, JANE (MRN 4711, born 1970-02-28, F)",
            "From the EHR, not registered here yet: MÜLLER, PETER (MRN 5120, born 1958-11-11, M)",
        ]
        dialog.patient_list.setCurrentRow(0)
        assert [dialog.fields[k].text() for k in ("name", "mrn", "dob")] == ["DOE, JANE", "4711", "1970-02-28"]
        assert dialog.fields["weight"].text() == "", "no clinical value pre-filled"
        assert "enter the weight" in dialog.message.text()
        qtbot.mouseClick(dialog.findChild(QPushButton, "add_course"), LEFT)
        assert "Register the EHR's patient here first" in dialog.message.text()

        dialog.fields["weight"].setText("64")
        qtbot.mouseClick(dialog.findChild(QPushButton, "add_patient"), LEFT)
        qtbot.waitUntil(lambda: dialog.message.text() == "Patient added", timeout=3000)
        assert _texts(dialog) == [
            "DOE, JANE (MRN 4711, born 1970-02-28)",
            "From the EHR, not registered here yet: MÜLLER, PETER (MRN 5120, born 1958-11-11, M)",
        ], "registered here: offered no more"
        assert [f.text() for f in dialog.fields.values()] == [""] * 5, "nothing of any patient left in the form"

        _send(listener.port, adt("A08", "MSG0002", mrn="4711", name="SMITH^JANE", dob="19700228"))
        qtbot.keyClicks(dialog.search, "a")  # the list is read again
        assert [f.text() for f in dialog.fields.values()] == [""] * 5
        [line] = _texts(dialog)
        assert line.startswith("DOE, JANE (MRN 4711, born 1970-02-28) · ⚠ the EHR says name SMITH, JANE (EPIC^GENHOSP")
        assert line.endswith("this desk's registration is unchanged")
        window.workspace.facade.acquisition.writer.flush()
        with sqlite3.connect(window.db_path) as conn:
            assert conn.execute("SELECT name, mrn, dob, weight_kg FROM patients").fetchall() == [
                ("DOE, JANE", "4711", "1970-02-28", 64.0)
            ]
    finally:
        listener.stop()
