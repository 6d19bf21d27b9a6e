"""Fixtures for tests that drive a SerialLink through a real pseudo-terminal."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_port import Events, FakePort

from monitor.devices.events import LineSettings
from monitor.devices.link import SerialLink

LINE = LineSettings(baudrate=19200)


@pytest.fixture
def port(tmp_path: Path):
    fake = FakePort(tmp_path / "monitor")
    fake.plug()
    yield fake
    if fake.master is not None:
        fake.pull()


@pytest.fixture
def make_link():
    links: list[SerialLink] = []

    def make(port: str, events: Events, **kwargs) -> SerialLink:
        kwargs = {"on_data": events.on_data} | kwargs  # a test may watch the bytes itself
        link = SerialLink(port, LINE, on_state=events.on_state, **kwargs)
        links.append(link)
        link.start()
        return link

    yield make
    for link in links:
        link.stop()
