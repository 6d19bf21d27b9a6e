from __future__ import annotations

import io
import wave

import numpy as np

from monitor.app.alarm_tones import RATE, burst_wav, count_pulses
from monitor.clinical.alarm_limits import AlarmPriority


def test_bursts_have_the_iec_pulse_counts() -> None:
    for priority, pulses in ((AlarmPriority.HIGH, 10), (AlarmPriority.MEDIUM, 3), (AlarmPriority.LOW, 2)):
        with wave.open(io.BytesIO(burst_wav(priority))) as w:
            assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, RATE)
            samples = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2") / 32767
        assert count_pulses(samples) == pulses, priority
        assert 0.3 < np.abs(samples).max() <= 1.0
