"""The alarm sound's players, in one place for the window's AlarmSound and `infusion-monitor sound-check`.

Tried in this order, the first that works plays: QtMultimedia's QSoundEffect (PySide6-Addons; needs libpulse0 and
an audio output), then `paplay` (pulseaudio-utils), then `aplay` (alsa-utils). A command-line player is first run
on a short silent WAV, so one that is installed but has no sound server or sound card is found out at start, not at
the first alarm. A play that fails later (the player exits with an error) is reported through `failed`, never
swallowed. Needs only a QCoreApplication: no display.
"""

from __future__ import annotations

import io
import shutil
import wave
from enum import StrEnum
from pathlib import Path

from PySide6.QtCore import QEventLoop, QObject, QProcess, QTimer, QUrl, Signal

from monitor.app.alarm_tones import RATE

PROBE_TIMEOUT_MS = 5000  # a player that has not finished a 50 ms silence by then is not usable
PLAY_SLACK_MS = 5000  # play_and_wait: the burst's own length plus this


class Backend(StrEnum):
    QT_MULTIMEDIA = "QtMultimedia"
    PAPLAY = "paplay"
    APLAY = "aplay"


ORDER = (Backend.QT_MULTIMEDIA, Backend.PAPLAY, Backend.APLAY)
PACKAGE = {Backend.PAPLAY: "pulseaudio-utils", Backend.APLAY: "alsa-utils"}  # Debian packages of the players


def silence_wav(seconds: float = 0.05) -> bytes:
    """A short silent WAV in the tones' format: what a player is tried on."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(b"\0\0" * int(seconds * RATE))
    return out.getvalue()


def wav_ms(path: Path) -> int:
    with wave.open(str(path), "rb") as w:
        return int(1000 * w.getnframes() / w.getframerate())


class Player(QObject):
    """Plays WAV files. `finished` after a play ended well, `failed(reason)` after one did not."""

    finished = Signal()
    failed = Signal(str)
    backend: Backend

    def play(self, path: Path) -> None:
        raise NotImplementedError

    def play_and_wait(self, path: Path) -> str | None:
        """Play and wait for the end (a local event loop): None if it played, else why not."""
        outcome: list[str | None] = []
        loop = QEventLoop()

        def done(reason: str | None) -> None:
            if not outcome:
                outcome.append(reason)
            loop.quit()

        def played() -> None:
            done(None)

        self.finished.connect(played)
        self.failed.connect(done)
        timeout = wav_ms(path) + PLAY_SLACK_MS
        QTimer.singleShot(timeout, loop, lambda: done(f"{self.backend}: did not finish within {timeout / 1000:g} s"))
        self.play(path)
        if not outcome:
            loop.exec()
        self.finished.disconnect(played)
        self.failed.disconnect(done)
        return outcome[0]


class QtMultimediaPlayer(Player):
    backend = Backend.QT_MULTIMEDIA

    def __init__(self, parent: QObject | None = None) -> None:
        from PySide6.QtMultimedia import QMediaDevices

        super().__init__(parent)
        self._effects: dict[Path, object] = {}
        self._devices = QMediaDevices(self)  # a speaker unplugged later is a failure too
        self._devices.audioOutputsChanged.connect(self._check_output)

    def _check_output(self) -> None:
        problem = self.problem()
        if problem is not None:
            self.failed.emit(problem)

    @staticmethod
    def problem() -> str | None:
        """Why QtMultimedia cannot play here, or None."""
        try:
            from PySide6.QtMultimedia import QMediaDevices
        except ImportError as exc:  # PySide6-Addons missing, or libpulse.so.0 (Debian: libpulse0)
            return f"QtMultimedia: cannot be loaded ({exc})"
        if QMediaDevices.defaultAudioOutput().isNull():
            return "QtMultimedia: no audio output device (no sound server or sound card)"
        return None

    def play(self, path: Path) -> None:
        effect = self._effects.get(path) or self._effect(path)
        effect.play()

    def _effect(self, path: Path):  # -> QSoundEffect
        from PySide6.QtMultimedia import QSoundEffect

        effect = QSoundEffect(self)
        effect.statusChanged.connect(lambda: self._on_status(effect, path))
        effect.playingChanged.connect(lambda: None if effect.isPlaying() else self.finished.emit())
        effect.setSource(QUrl.fromLocalFile(str(path)))
        self._effects[path] = effect
        return effect

    def _on_status(self, effect, path: Path) -> None:
        if effect.status() is effect.Status.Error:
            self.failed.emit(f"QtMultimedia: could not play {path.name}")


class CommandPlayer(Player):
    """paplay or aplay, one process per burst; a non-zero exit is a failure, with the player's own words."""

    def __init__(self, backend: Backend, exe: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.backend = backend
        self.exe = exe
        self._args = ["-q"] if backend is Backend.APLAY else []
        self._running: list[QProcess] = []
        running = self._running  # not `self`: the handler runs while this object is being destroyed
        self.destroyed.connect(lambda *_: _stop(running))

    @staticmethod
    def find(backend: Backend) -> str | None:
        return shutil.which(str(backend))

    def play(self, path: Path) -> None:
        proc = QProcess(self)
        proc.finished.connect(lambda code, status: self._on_finished(proc, code, status))
        proc.errorOccurred.connect(lambda error: self._on_error(proc, error))
        self._running.append(proc)
        proc.start(self.exe, [*self._args, str(path)])
        # A player that hangs (a stalled sound server) plays nothing: past the burst's length and some, a failure.
        QTimer.singleShot(wav_ms(path) + PLAY_SLACK_MS, proc, lambda: self._hung(proc))

    def _hung(self, proc: QProcess) -> None:
        if proc in self._running and proc.state() is not QProcess.ProcessState.NotRunning:
            proc.setProperty("hung", True)
            proc.kill()

    def probe(self, silence: Path) -> str | None:
        """Run the player on a silent file and wait: None if it works, else why not. Blocks (no event loop)."""
        proc = QProcess()
        proc.start(self.exe, [*self._args, str(silence)])
        if not proc.waitForFinished(PROBE_TIMEOUT_MS):
            problem = proc.errorString() if proc.error() is QProcess.ProcessError.FailedToStart else "no answer"
            proc.kill()
            proc.waitForFinished(1000)
            return f"{self.backend}: {problem}"
        return self._problem(proc, proc.exitCode(), proc.exitStatus())

    def _on_finished(self, proc: QProcess, code: int, status: QProcess.ExitStatus) -> None:
        if proc in self._running:
            self._running.remove(proc)
        problem = self._problem(proc, code, status)
        proc.deleteLater()
        if problem is None:
            self.finished.emit()
        else:
            self.failed.emit(problem)

    def _on_error(self, proc: QProcess, error: QProcess.ProcessError) -> None:
        if error is QProcess.ProcessError.FailedToStart and proc in self._running:  # no `finished` will follow
            self._running.remove(proc)
            self.failed.emit(f"{self.backend}: could not start ({proc.errorString()})")
            proc.deleteLater()

    def _problem(self, proc: QProcess, code: int, status: QProcess.ExitStatus) -> str | None:
        if status is QProcess.ExitStatus.NormalExit and code == 0:
            return None
        said = bytes(proc.readAllStandardError().data()).decode(errors="replace").strip().splitlines()
        how = "crashed" if status is QProcess.ExitStatus.CrashExit else f"exit {code}"
        if proc.property("hung"):
            how = f"did not finish within {PLAY_SLACK_MS / 1000:g} s of the burst's end"
        return f"{self.backend}: failed ({how}){': ' + said[-1].strip() if said else ''}"


def _stop(processes: list[QProcess]) -> None:
    """The player is going (window closed): its bursts stop, quietly (no `finished` from a dying object)."""
    for proc in processes:
        proc.blockSignals(True)
        proc.kill()
        proc.waitForFinished(1000)


def open_player(
    silence: Path, parent: QObject | None = None, skip: frozenset[Backend] = frozenset()
) -> tuple[Player | None, dict[Backend, str]]:
    """The first player in ORDER (not in `skip`) that works here, and why each one before it does not."""
    problems: dict[Backend, str] = {}
    for backend in ORDER:
        if backend in skip:
            continue
        if backend is Backend.QT_MULTIMEDIA:
            problem = QtMultimediaPlayer.problem()
            if problem is None:
                return QtMultimediaPlayer(parent), problems
            problems[backend] = problem
            continue
        exe = CommandPlayer.find(backend)
        if exe is None:
            problems[backend] = f"{backend}: not installed (Debian package {PACKAGE[backend]})"
            continue
        player = CommandPlayer(backend, exe, parent)
        problem = player.probe(silence)
        if problem is None:
            return player, problems
        player.deleteLater()
        problems[backend] = problem
    return None, problems
