"""Protocol drivers without a port: the registry gives each protocol its driver; a decoding driver says nothing."""

from __future__ import annotations

import pytest

from monitor.devices import datex_s5, masimo_ascii
from monitor.devices.datex_s5_driver import DatexS5Driver
from monitor.devices.driver import DecodingDriver, KeepAlive
from monitor.devices.events import Sample
from monitor.devices.protocols import PROTOCOL_NAMES, make_driver


def test_every_protocol_has_a_driver_named_after_it() -> None:
    for name in PROTOCOL_NAMES:
        assert make_driver(name).protocol == name
    assert isinstance(make_driver("datex-s5"), DatexS5Driver)


def test_masimo_says_nothing_and_decodes_what_it_hears() -> None:
    driver = make_driver("masimo-ascii")
    assert isinstance(driver, DecodingDriver)
    assert (driver.on_connect(), driver.tick(0.0), driver.on_close(), driver.keep_alive) == ([], [], [], None)
    line = masimo_ascii.format_line(time=1_700_000_000.0, spo2=97, pr=72, pi=2.1, pvi=12)
    received = driver.receive(line, 0.0)
    assert received.replies == ()
    assert [e.value for e in received.events if isinstance(e, Sample) and e.param == "SPO2"] == [97.0]
    assert driver.stats.frames_ok == 1


def test_the_dri_driver_decodes_records() -> None:
    record = datex_s5.encode_displayed_record({"HR": 71.0}, time=1000)
    received = make_driver("datex-s5").receive(datex_s5.frame(record), 0.0)
    assert [e.value for e in received.events if isinstance(e, Sample) and e.param == "HR"] == [71.0]
    assert received.replies == ()


def test_a_keep_alive_needs_a_period() -> None:
    with pytest.raises(ValueError, match="above 0"):
        KeepAlive(0, b"x")
