"""A monitor that goes quiet on a connected line raises "No data from the monitor" -- a medium-priority technical
alarm -- through the real path: a pty, SerialLink's silence detection, the DRI decoder and the alarm service; data
coming back clears it. The cable is not pulled: the port stays open, only the bytes stop."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from fake_port import FakePort

from monitor.app.acquisition import Acquisition, AcquisitionConfig
from monitor.app.alarm_service import AlarmService
from monitor.app.clock import WALL_CLOCK
from monitor.clinical.alarm_limits import AlarmPriority
from monitor.clinical.alarms import AlarmAction, AlarmCategory, AlarmEvent
from monitor.devices import datex_s5 as dri
from monitor.storage.writer import SessionWriter


def _frame() -> bytes:
    return dri.frame(dri.encode_displayed_record({"HR": 72.0, "SPO2": 97.0}, time=time.time()))


def test_a_silent_line_raises_no_data_and_data_clears_it(port: FakePort, tmp_path: Path) -> None:
    events: list[AlarmEvent] = []
    changed = threading.Condition()

    def collect(new: list[AlarmEvent]) -> None:
        with changed:
            events.extend(new)
            changed.notify_all()

    def seen(action: AlarmAction) -> bool:
        return any(e.key == "no data" and e.action is action for e in events)

    with SessionWriter(tmp_path / "silent.sqlite3") as writer:
        acq = Acquisition(AcquisitionConfig(str(port.link), "datex-s5", silence_timeout=0.5), writer)
        alarms = AlarmService(acq, writer, WALL_CLOCK)
        alarms.add_listener(collect)
        acq.start()
        alarms.start()
        try:
            assert port.receive(len(dri.displayed_values_request())), "the decoder asked for displayed values"
            port.send(_frame())
            with changed:
                assert changed.wait_for(lambda: seen(AlarmAction.ONSET), timeout=10), "silence must alarm"
            (no_data,) = [a for a in alarms.alarms() if a.key == "no data"]
            assert no_data.category is AlarmCategory.TECHNICAL and no_data.priority is AlarmPriority.MEDIUM
            assert no_data.message == "No data from the monitor"
            port.send(_frame())
            with changed:
                assert changed.wait_for(lambda: seen(AlarmAction.CLEAR), timeout=10), "data back clears it"
            assert not [a for a in alarms.alarms() if a.key == "no data"]
        finally:
            alarms.stop()
            acq.stop()
