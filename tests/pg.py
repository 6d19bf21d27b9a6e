"""A real PostgreSQL server for the tests (issue 17): never a mock, never skipped.

MONITOR_TEST_PG_DSN names a server to use (a superuser's DSN: the tests create databases and roles). Otherwise a
throwaway cluster is made from this machine's binaries (Debian: /usr/lib/postgresql/*/bin, package `postgresql`):
initdb + pg_ctl on a free port of 127.0.0.1, its socket in the cluster's folder, trust authentication (local only),
run as the `postgres` system user when the tests run as root (the server refuses root), removed at the end.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DSN_VARIABLE = "MONITOR_TEST_PG_DSN"


class NoPostgresError(RuntimeError):
    pass


def find_bindir() -> Path:
    """The folder of initdb and pg_ctl: pg_config's, else the newest of /usr/lib/postgresql/*/bin."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True)
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False).stdout.strip()
        if out:
            candidates.insert(0, out)
    for folder in candidates:
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    raise NoPostgresError(
        f"no PostgreSQL server binaries (initdb, pg_ctl) found: install the Debian package `postgresql` "
        f"(apt-get install postgresql) or set {DSN_VARIABLE} to a server's DSN"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_server_user(argv: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


class Cluster:
    """A throwaway cluster of its own (initdb in a temporary folder, a free port of 127.0.0.1) that a test may stop
    and start again on the same port and data: a server gone and back. Use as a context manager (start, then stop
    and remove), or call start()/stop()/remove() yourself."""

    def __init__(self) -> None:
        self.bindir = find_bindir()
        self.folder = Path(tempfile.mkdtemp(prefix="monitor-pg-"))
        self.data = self.folder / "data"
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self.port = _free_port()
        self.running = False
        try:
            self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")
        except BaseException:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise

    @property
    def dsn(self) -> str:
        """The superuser DSN (trust authentication, local only)."""
        return f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"),
                  "-w", "start")
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (`fast`: its clients are disconnected; `immediate`: as if the power went)."""
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")
        self.running = False

    def remove(self) -> None:
        if self.running:
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Cluster:
        try:
            self.start()
        except BaseException:
            self.remove()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()

    def _run(self, *argv: str) -> None:
        try:
            subprocess.run(_as_server_user(list(argv)), check=True, capture_output=True, text=True)
        except subprocess.CalledProcessError as exc:
            log = self.folder / "log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            detail = f"{exc.cmd}\n{exc.stdout}\n{exc.stderr}\n{tail}"
            raise RuntimeError(f"the throwaway PostgreSQL failed: {detail}") from exc


@contextmanager
def throwaway_cluster() -> Iterator[str]:
    """Start a new cluster; yields its superuser DSN; stops it and removes its folder at the end."""
    with Cluster() as cluster:
        yield cluster.dsn


@contextmanager
def server() -> Iterator[str]:
    """The superuser DSN of the tests' server: MONITOR_TEST_PG_DSN's, or a throwaway cluster's."""
    dsn = os.environ.get(DSN_VARIABLE)
    if dsn:
        yield dsn
    else:
        with throwaway_cluster() as dsn:
            yield dsn


def with_dbname(dsn: str, dbname: str, user: str | None = None) -> str:
    """The same server, another database (and user)."""
    from psycopg.conninfo import make_conninfo

    return make_conninfo(dsn, dbname=dbname, **({"user": user} if user else {}))
