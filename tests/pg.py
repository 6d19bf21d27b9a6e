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


@contextmanager
def throwaway_cluster() -> Iterator[str]:
    """Start a new cluster; yields its superuser DSN; stops it and removes its folder at the end."""
    bindir = find_bindir()
    folder = Path(tempfile.mkdtemp(prefix="monitor-pg-"))
    data = folder / "data"
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    port = _free_port()
    run = lambda *argv: subprocess.run(_as_server_user(list(argv)), check=True, capture_output=True, text=True)  # noqa: E731
    try:
        run(str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync")
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        run(str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start")
        try:
            yield f"host=127.0.0.1 port={port} user=postgres dbname=postgres"
        finally:
            run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
    except subprocess.CalledProcessError as exc:
        raise RuntimeError(f"the throwaway PostgreSQL failed: {exc.cmd}\n{exc.stdout}\n{exc.stderr}") from exc
    finally:
        shutil.rmtree(folder, ignore_errors=True)


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
